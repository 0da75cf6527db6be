// The config editor validates as the user types and names the offending key.
#include "config_editor.h"

#include <QApplication>
#include <QLineEdit>
#include <QTest>

using grokscope::ui::ConfigEditor;

class TestConfigEditor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void presetsLoad()
    {
        ConfigEditor editor;
        QVERIFY(editor.selectPreset(QStringLiteral("z23-quick")));
        QVERIFY(editor.isValid());
        QCOMPARE(editor.config().task.modulus, 23);
        QVERIFY(!editor.selectPreset(QStringLiteral("no-such-preset")));
    }

    void typingAnInvalidValueIsMarked()
    {
        ConfigEditor editor;
        editor.selectPreset(QStringLiteral("z23-quick"));
        auto* edit = editor.findChild<QLineEdit*>(QStringLiteral("optim.learning_rate"));
        QVERIFY(edit);
        edit->selectAll();
        QTest::keyClicks(edit, QStringLiteral("fast"));
        QVERIFY(!editor.isValid());
        QCOMPARE(editor.errorKey(), QStringLiteral("optim.learning_rate"));
        QVERIFY(editor.errorMessage().contains(QStringLiteral("optim.learning_rate")));
        QVERIFY(!edit->styleSheet().isEmpty());
        edit->selectAll();
        QTest::keyClicks(edit, QStringLiteral("0.002"));
        QVERIFY(editor.isValid());
        QCOMPARE(editor.config().optim.learningRate, 0.002);
    }

    void crossKeyValidationNamesTheKey()
    {
        ConfigEditor editor;
        editor.selectPreset(QStringLiteral("z23-quick"));
        editor.setValue(QStringLiteral("task.train_fraction"), QStringLiteral("1.5"));
        QVERIFY(!editor.isValid());
        QVERIFY2(editor.errorMessage().contains(QStringLiteral("train_fraction")), qPrintable(editor.errorMessage()));
    }
};

QTEST_MAIN(TestConfigEditor)
#include "tst_config_editor.moc"
