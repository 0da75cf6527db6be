#include "export_settings_dialog.h"

#include "chart_exporter.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace grokscope::ui {

namespace {

using SizeUnit = ExportSettings::SizeUnit;

void configureSide(QDoubleSpinBox* side, SizeUnit unit)
{
    const bool inches = unit == SizeUnit::Inches;
    side->setDecimals(inches ? 2 : 0);
    side->setSingleStep(inches ? 0.25 : 50.0);
    side->setRange(inches ? ExportSettings::kMinInches : ExportSettings::kMinPixels,
                   inches ? ExportSettings::kMaxInches : ExportSettings::kMaxPixels);
    side->setSuffix(inches ? QStringLiteral(" in") : QStringLiteral(" px"));
}

}  // namespace

ExportSettingsDialog::ExportSettingsDialog(const ExportSettings& settings, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Export settings"));
    setObjectName(QStringLiteral("exportSettingsDialog"));

    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("exportPreset"));
    m_preset->addItem(tr("Custom"));
    for (const ExportPreset& preset : exportPresets())
        m_preset->addItem(preset.name);

    m_unit = new QComboBox(this);
    m_unit->addItem(tr("pixels"), int(SizeUnit::Pixels));
    m_unit->addItem(tr("inches"), int(SizeUnit::Inches));
    m_width = new QDoubleSpinBox(this);
    m_height = new QDoubleSpinBox(this);
    for (QDoubleSpinBox* side : {m_width, m_height})
        side->setKeyboardTracking(false);
    auto* size = new QHBoxLayout;
    size->addWidget(m_width, 1);
    size->addWidget(new QLabel(QStringLiteral("×"), this));
    size->addWidget(m_height, 1);
    size->addWidget(m_unit);

    m_dpi = new QSpinBox(this);
    m_dpi->setRange(ExportSettings::kMinDpi, ExportSettings::kMaxDpi);
    m_dpi->setSuffix(tr(" dpi"));
    m_dpi->setKeyboardTracking(false);
    m_dpi->setToolTip(tr("Text keeps its size in points: at a higher DPI the same pixels make a smaller "
                         "figure with relatively larger text"));

    m_light = new QCheckBox(tr("Light background whatever the theme"), this);
    m_format = new QComboBox(this);
    for (const QString& format : ChartExporter::formats())
        m_format->addItem(ChartExporter::fileFilterFor(format), format);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("exportSummary"));
    m_summary->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Preset:"), m_preset);
    form->addRow(tr("Size of each chart:"), size);
    form->addRow(tr("Resolution:"), m_dpi);
    form->addRow(QString(), m_light);
    form->addRow(tr("Default format:"), m_format);
    form->addRow(QString(), m_summary);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    setSettings(settings);
    connect(m_preset, &QComboBox::activated, this, &ExportSettingsDialog::onPresetChosen);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &ExportSettingsDialog::onUnitChanged);
    for (QDoubleSpinBox* side : {m_width, m_height})
        connect(side, &QDoubleSpinBox::valueChanged, this, &ExportSettingsDialog::updateSummary);
    connect(m_dpi, &QSpinBox::valueChanged, this, &ExportSettingsDialog::updateSummary);
}

ExportSettings ExportSettingsDialog::settings() const
{
    ExportSettings s;
    s.unit = m_shownUnit;
    s.width = m_width->value();
    s.height = m_height->value();
    s.dpi = m_dpi->value();
    s.lightBackground = m_light->isChecked();
    s.format = m_format->currentData().toString();
    return s.clamped();
}

void ExportSettingsDialog::setSettings(const ExportSettings& input)
{
    const ExportSettings s = input.clamped();
    {
        const QSignalBlocker blockUnit(m_unit), blockWidth(m_width), blockHeight(m_height), blockDpi(m_dpi);
        m_shownUnit = s.unit;
        m_unit->setCurrentIndex(m_unit->findData(int(s.unit)));
        configureSide(m_width, s.unit);
        configureSide(m_height, s.unit);
        m_width->setValue(s.width);
        m_height->setValue(s.height);
        m_dpi->setValue(s.dpi);
    }
    m_light->setChecked(s.lightBackground);
    m_format->setCurrentIndex(std::max(0, m_format->findData(s.format)));
    updateSummary();
}

bool ExportSettingsDialog::selectPreset(const QString& name)
{
    const int index = m_preset->findText(name);
    if (index <= 0)
        return false;
    m_preset->setCurrentIndex(index);
    onPresetChosen(index);
    return true;
}

void ExportSettingsDialog::onPresetChosen(int index)
{
    if (index <= 0)  // "Custom"
        return;
    ExportSettings chosen = exportPresets().at(index - 1).settings;
    // A preset sets the size and the DPI; the background and the format stay the user's.
    chosen.lightBackground = m_light->isChecked();
    chosen.format = m_format->currentData().toString();
    m_applyingPreset = true;
    setSettings(chosen);
    m_applyingPreset = false;
    m_preset->setCurrentIndex(index);
}

void ExportSettingsDialog::onUnitChanged()
{
    ExportSettings s = settings();
    s.unit = m_shownUnit;
    setSettings(s.inUnit(SizeUnit(m_unit->currentData().toInt())));
}

void ExportSettingsDialog::updateSummary()
{
    const ExportSettings s = settings();
    m_summary->setText(tr("Each chart: %1. \"Export all charts\" puts them in %2 columns.")
                           .arg(s.describe())
                           .arg(ChartExporter::kGridColumns));
    if (m_applyingPreset)
        return;
    // The preset box names the preset the values match, or "Custom".
    const QList<ExportPreset> presets = exportPresets();
    int match = 0;
    for (int i = 0; i < presets.size(); ++i) {
        ExportSettings preset = presets[i].settings;
        preset.lightBackground = s.lightBackground;
        preset.format = s.format;
        if (preset.inUnit(s.unit).pixelSize() == s.pixelSize() && preset.dpi == s.dpi)
            match = i + 1;
    }
    m_preset->setCurrentIndex(match);
}

}  // namespace grokscope::ui
