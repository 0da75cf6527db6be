// ExportSettings converts between inches and pixels, survives QSettings, and the
// dialog's presets, unit switch and summary give the sizes they name.
#include "export_settings.h"
#include "export_settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

using namespace grokscope::ui;
using SizeUnit = ExportSettings::SizeUnit;

namespace {

ExportSettings journalColumn()
{
    for (const ExportPreset& preset : exportPresets())
        if (preset.name == QLatin1String("Journal column (3.5 in)"))
            return preset.settings;
    return {};
}

}  // namespace

class TestExportSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("GrokScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_export_settings"));
        QSettings().clear();
    }

    void sizesInBothUnits()
    {
        const ExportSettings journal = journalColumn();
        QCOMPARE(journal.pixelSize(), QSize(1050, 750));
        QCOMPARE(journal.layoutSize(), QSize(336, 240));  // 3.5 in × 96
        QCOMPARE(journal.layoutScale(), 300.0 / 96.0);
        const ExportSettings inPixels = journal.inUnit(SizeUnit::Pixels);
        QCOMPARE(inPixels.width, 1050.0);
        QCOMPARE(inPixels.height, 750.0);
        QCOMPARE(inPixels.inches(), QSizeF(3.5, 2.5));
        QCOMPARE(inPixels.inUnit(SizeUnit::Inches), journal);
        // The default is the screen's: 1200 × 700 px laid out as shown.
        const ExportSettings screen;
        QCOMPARE(screen.pixelSize(), QSize(1200, 700));
        QCOMPARE(screen.layoutSize(), QSize(1200, 700));
        QVERIFY(screen.lightBackground);
        QCOMPARE(screen.describe(), QStringLiteral("12.5 × 7.29 in at 96 dpi (1200 × 700 px)"));
    }

    void clampsWhatNoExportCanUse()
    {
        ExportSettings s;
        s.width = 5;
        s.height = 1e9;
        s.dpi = 0;
        s.format = QStringLiteral("BMP");
        const ExportSettings c = s.clamped();
        QCOMPARE(c.width, double(ExportSettings::kMinPixels));
        QCOMPARE(c.height, double(ExportSettings::kMaxPixels));
        QCOMPARE(c.dpi, ExportSettings::kMinDpi);
        QCOMPARE(c.format, QStringLiteral("png"));
        s.format = QStringLiteral("SVG");
        QCOMPARE(s.clamped().format, QStringLiteral("svg"));
    }

    void persistsInQSettings()
    {
        QSettings().clear();
        QCOMPARE(ExportSettings::load(), ExportSettings());
        ExportSettings s = journalColumn();
        s.lightBackground = false;
        s.format = QStringLiteral("pdf");
        s.save();
        QCOMPARE(ExportSettings::load(), s);
        QSettings().setValue(QStringLiteral("export/dpi"), 100000);  // edited by hand
        QCOMPARE(ExportSettings::load().dpi, ExportSettings::kMaxDpi);
        QSettings().clear();
    }

    void dialogAppliesPresetsAndConvertsUnits()
    {
        ExportSettings start;
        start.format = QStringLiteral("svg");
        start.lightBackground = false;
        ExportSettingsDialog dialog(start);
        auto* preset = dialog.findChild<QComboBox*>(QStringLiteral("exportPreset"));
        QVERIFY(preset);
        QCOMPARE(preset->currentText(), QStringLiteral("Screen (1200 × 700 px)"));
        QVERIFY(dialog.selectPreset(QStringLiteral("Journal column (3.5 in)")));
        ExportSettings expected = journalColumn();
        expected.format = QStringLiteral("svg");  // a preset keeps the format and background
        expected.lightBackground = false;
        QCOMPARE(dialog.settings(), expected);
        auto* summary = dialog.findChild<QLabel*>(QStringLiteral("exportSummary"));
        QVERIFY(summary->text().contains(QStringLiteral("1050 × 750 px")));

        // Switching to pixels keeps the figure.
        QList<QComboBox*> combos = dialog.findChildren<QComboBox*>();
        QComboBox* unit = nullptr;
        for (QComboBox* combo : combos)
            if (combo->findText(QStringLiteral("pixels")) >= 0)
                unit = combo;
        QVERIFY(unit);
        unit->setCurrentIndex(unit->findText(QStringLiteral("pixels")));
        QCOMPARE(dialog.settings().unit, SizeUnit::Pixels);
        QCOMPARE(dialog.settings().pixelSize(), QSize(1050, 750));
        QCOMPARE(preset->currentText(), QStringLiteral("Journal column (3.5 in)"));  // still the same figure

        // Another DPI is another figure: "Custom".
        auto* dpi = dialog.findChild<QSpinBox*>();
        dpi->setValue(600);
        QCOMPARE(preset->currentIndex(), 0);
        QCOMPARE(dialog.settings().inches(), QSizeF(1.75, 1.25));
    }
};

QTEST_MAIN(TestExportSettings)
#include "tst_export_settings.moc"
