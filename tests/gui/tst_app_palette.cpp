// The light and dark palettes: active text reads at WCAG AAA contrast (≥ 7:1), and
// disabled widgets have colours of their own, dimmer but still readable (3:1 to 4.5:1,
// between WCAG's floor for UI components and its AA level for text), so controls locked
// during a run look locked (issue 19, defect 2: the light theme had none).
#include "app_palette.h"
#include "color_contrast.h"
#include "config_editor.h"

#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>

using grokscope::ui::Theme;

namespace {

// WCAG 2.1 contrast ratio, 1 to 21 (color_contrast.h).
double contrast(const QColor& a, const QColor& b) { return grokscope::ui::contrastRatio(a, b); }

struct Pair {
    const char* name;
    QPalette::ColorRole foreground;
    QPalette::ColorRole background;
};
const Pair kTextPairs[] = {{"Text on Base", QPalette::Text, QPalette::Base},
                           {"WindowText on Window", QPalette::WindowText, QPalette::Window},
                           {"ButtonText on Button", QPalette::ButtonText, QPalette::Button}};

// The drawn pixel of `image` that stands out most from `background`: the text's ink,
// since a button's frame and bevel are much closer to its face colour than its label is.
QColor ink(const QImage& image, const QColor& background)
{
    QColor most = background;
    double mostContrast = 1.0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor pixel = image.pixelColor(x, y);
            const double c = contrast(pixel, background);
            if (c > mostContrast) {
                mostContrast = c;
                most = pixel;
            }
        }
    return most;
}

}  // namespace

class TestAppPalette : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void textContrast_data()
    {
        QTest::addColumn<Theme>("theme");
        QTest::newRow("light") << Theme::Light;
        QTest::newRow("dark") << Theme::Dark;
    }

    void textContrast()
    {
        QFETCH(Theme, theme);
        const QPalette p = grokscope::ui::paletteFor(theme);
        for (const Pair& pair : kTextPairs) {
            const double active =
                contrast(p.color(QPalette::Active, pair.foreground), p.color(QPalette::Active, pair.background));
            const double disabled =
                contrast(p.color(QPalette::Disabled, pair.foreground), p.color(QPalette::Disabled, pair.background));
            const QString what = QStringLiteral("%1: active %2:1, disabled %3:1").arg(pair.name).arg(active).arg(disabled);
            QVERIFY2(active >= 7.0, qPrintable(what));
            QVERIFY2(disabled >= 3.0 && disabled < 4.5, qPrintable(what));
            // An unfocused window is not a disabled one.
            QCOMPARE(p.color(QPalette::Inactive, pair.foreground), p.color(QPalette::Active, pair.foreground));
        }
        // Disabled fields go flat: their base is no longer the active fields' base.
        QVERIFY(p.color(QPalette::Disabled, QPalette::Base) != p.color(QPalette::Active, QPalette::Base));
        // A selection in a disabled view loses its colour.
        QVERIFY(p.color(QPalette::Disabled, QPalette::Highlight).hsvSaturationF() < 0.1);
        QVERIFY(p.color(QPalette::Active, QPalette::Highlight).hsvSaturationF() > 0.5);
    }

    void disabledWidgetsDrawWithTheDisabledColours_data() { textContrast_data(); }

    void disabledWidgetsDrawWithTheDisabledColours()
    {
        QFETCH(Theme, theme);
        grokscope::ui::applyTheme(theme);
        const QPalette p = grokscope::ui::paletteFor(theme);
        QPushButton button(QStringLiteral("Reset HHHH"));
        QLineEdit edit(QStringLiteral("run.steps"));
        button.resize(160, 32);
        edit.resize(160, 28);

        QCOMPARE(button.palette().color(QPalette::ButtonText), p.color(QPalette::Active, QPalette::ButtonText));
        const QImage enabledImage = button.grab().toImage();
        button.setEnabled(false);
        edit.setEnabled(false);
        QCOMPARE(button.palette().color(QPalette::ButtonText), p.color(QPalette::Disabled, QPalette::ButtonText));
        QCOMPARE(edit.palette().color(QPalette::Base), p.color(QPalette::Disabled, QPalette::Base));
        QCOMPARE(edit.palette().color(QPalette::Text), p.color(QPalette::Disabled, QPalette::Text));

        // What Fusion draws: the enabled label's ink against the button face at ≥ 7:1,
        // the disabled one's below 4.5:1 (antialiasing only lowers it, so no lower bound).
        const QColor face = p.color(QPalette::Active, QPalette::Button);
        const QColor enabledInk = ink(enabledImage, face);
        const QColor disabledInk = ink(button.grab().toImage(), face);
        const QString what = QStringLiteral("enabled ink %1 (%2:1), disabled ink %3 (%4:1)")
                                 .arg(enabledInk.name())
                                 .arg(contrast(enabledInk, face))
                                 .arg(disabledInk.name())
                                 .arg(contrast(disabledInk, face));
        QVERIFY2(contrast(enabledInk, face) >= 7.0, qPrintable(what));
        QVERIFY2(contrast(disabledInk, face) < 4.5, qPrintable(what));
        QVERIFY2(contrast(disabledInk, face) >= 2.0, qPrintable(what + QStringLiteral(": the label vanished")));
    }

    void configLockedDuringARunLooksLocked()
    {
        // MainWindow locks the config while a run goes (ConfigEditor::setEditable(false)):
        // the preset box and every value row then draw in the disabled colours.
        grokscope::ui::applyTheme(Theme::Light);
        const QPalette p = grokscope::ui::paletteFor(Theme::Light);
        grokscope::ui::ConfigEditor editor;
        auto* presets = editor.findChild<QComboBox*>();
        auto* steps = editor.findChild<QLineEdit*>(QStringLiteral("run.steps"));
        QVERIFY(presets && steps);
        const QColor disabledText = p.color(QPalette::Disabled, QPalette::Text);
        QVERIFY(steps->palette().color(QPalette::Text) != disabledText);
        editor.setEditable(false);
        QCOMPARE(steps->palette().color(QPalette::Text), disabledText);
        QCOMPARE(steps->palette().color(QPalette::Base), p.color(QPalette::Disabled, QPalette::Base));
        QCOMPARE(presets->palette().color(QPalette::ButtonText), p.color(QPalette::Disabled, QPalette::ButtonText));
        editor.setEditable(true);
        QCOMPARE(steps->palette().color(QPalette::Text), p.color(QPalette::Active, QPalette::Text));
        QVERIFY(presets->isEnabled());
    }
};

QTEST_MAIN(TestAppPalette)
#include "tst_app_palette.moc"
