// File → Export all charts (Ctrl+E) fires whatever has focus, the config editor's
// text fields and the spin boxes included, and says in the status bar what it wrote.
#include "config_editor.h"
#include "intervention_panel.h"
#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeyEvent>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace grokscope::ui;

namespace {

// Answers the export's file dialog once it is up: saves to `path`, or cancels if empty.
void answerFileDialog(const QString& path)
{
    QTimer::singleShot(50, [path] {
        auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        if (!dialog) {
            answerFileDialog(path);
            return;
        }
        if (path.isEmpty()) {
            dialog->reject();
        } else {
            // Typed, as a user would (selectFile leaves a focused name field alone).
            auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
            name->setText(path);
            QMetaObject::invokeMethod(dialog, "accept");  // as the Save button does
        }
    });
}

template <typename Widget>
QWidget* firstUsable(QWidget* parent)
{
    for (Widget* widget : parent->findChildren<Widget*>())
        if (widget->isVisible() && widget->isEnabled() && widget->focusPolicy() != Qt::NoFocus)
            return widget;
    return nullptr;
}

void pressCtrlE(QWidget* focused) { QTest::keyClick(focused, Qt::Key_E, Qt::ControlModifier); }

// A text field as QLineEdit is under X11 key bindings, where Ctrl+E is "move to end of
// line": it claims the key before any shortcut sees it. (The offscreen platform tests
// run on uses Windows key bindings, where QLineEdit itself leaves Ctrl+E alone.)
class EmacsStyleField : public QLineEdit {
public:
    using QLineEdit::QLineEdit;
    int endOfLineKeys = 0;

protected:
    bool event(QEvent* event) override
    {
        auto* key = static_cast<QKeyEvent*>(event);
        const bool ctrlE = (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress)
            && key->keyCombination() == QKeyCombination(Qt::ControlModifier, Qt::Key_E);
        if (ctrlE && event->type() == QEvent::ShortcutOverride) {
            event->accept();
            return true;
        }
        if (ctrlE) {
            ++endOfLineKeys;
            end(false);
            return true;
        }
        return QLineEdit::event(event);
    }
};

}  // namespace

class TestExportShortcut : public QObject {
    Q_OBJECT
    QTemporaryDir m_cwd;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("GrokScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_export_shortcut"));
        QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
        QSettings().clear();
        // The export's file dialog starts in the current folder: keep it out of the tree.
        QVERIFY(m_cwd.isValid());
        QDir::setCurrent(m_cwd.path());
    }

    // The defect's cause: a field that claims Ctrl+E keeps it from the shortcut.
    void aFieldCanClaimCtrlE()
    {
        QWidget window;
        auto* field = new EmacsStyleField(&window);
        QAction action(QStringLiteral("Export all"), &window);
        action.setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
        window.addAction(&action);
        QSignalSpy triggered(&action, &QAction::triggered);
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        field->setFocus();
        pressCtrlE(field);
        QCOMPARE(triggered.count(), 0);
        QCOMPARE(field->endOfLineKeys, 1);
    }

    void ctrlEExportsWhileATextFieldHasFocus()
    {
        QTemporaryDir dir;
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QSignalSpy triggered(window.exportAllAction(), &QAction::triggered);

        // A field that claims Ctrl+E, in the window.
        auto* claiming = new EmacsStyleField;
        window.statusBar()->addPermanentWidget(claiming);
        claiming->setFocus();
        QTRY_VERIFY(claiming->hasFocus());
        const QString path = dir.filePath(QStringLiteral("all.png"));
        answerFileDialog(path);
        pressCtrlE(claiming);
        QCOMPARE(triggered.count(), 1);
        QCOMPARE(claiming->endOfLineKeys, 0);
        QVERIFY(QFileInfo(path).size() > 0);
        QVERIFY2(window.statusBar()->currentMessage().contains(QDir::toNativeSeparators(path)),
                 qPrintable(window.statusBar()->currentMessage()));

        // The config editor's fields and the levers' spin boxes.
        QWidget* field = firstUsable<QLineEdit>(window.configEditor());
        QWidget* spin = firstUsable<QAbstractSpinBox>(window.interventions());
        QVERIFY(field && spin);
        for (QWidget* focused : {field, spin}) {
            QApplication::setActiveWindow(&window);  // back from the file dialog
            focused->setFocus();
            QTRY_VERIFY(focused->hasFocus());
            const int before = int(triggered.count());
            answerFileDialog(QString());  // cancelled: nothing written
            pressCtrlE(focused);
            QCOMPARE(int(triggered.count()), before + 1);
        }
    }

    void exportErrorsAreSaid()
    {
        QTemporaryDir dir;
        MainWindow window;
        window.setProperty("batch", true);  // no message box
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        // In a folder that does not exist: the PNG cannot be written.
        const QString blocked = dir.filePath(QStringLiteral("missing/blocked.png"));
        answerFileDialog(blocked);
        window.exportAllAction()->trigger();
        QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("blocked.png")),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(window.statusBar()->currentMessage().startsWith(QStringLiteral("Export failed")));
    }
};

QTEST_MAIN(TestExportShortcut)
#include "tst_export_shortcut.moc"
