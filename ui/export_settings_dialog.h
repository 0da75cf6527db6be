#pragma once
// File → Export settings…: a preset, each chart's size in pixels or inches, the DPI,
// "light background whatever the theme" and the default format, with the resulting
// size in both units shown as the user types.

#include "export_settings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace grokscope::ui {

class ExportSettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportSettingsDialog(const ExportSettings& settings, QWidget* parent = nullptr);

    ExportSettings settings() const;
    void setSettings(const ExportSettings& settings);
    // Selects a preset of exportPresets() by its name, as the user would.
    bool selectPreset(const QString& name);

private:
    void onUnitChanged();
    void onPresetChosen(int index);
    void updateSummary();

    QComboBox* m_preset = nullptr;
    QComboBox* m_unit = nullptr;
    QDoubleSpinBox* m_width = nullptr;
    QDoubleSpinBox* m_height = nullptr;
    QSpinBox* m_dpi = nullptr;
    QCheckBox* m_light = nullptr;
    QComboBox* m_format = nullptr;
    QLabel* m_summary = nullptr;
    ExportSettings::SizeUnit m_shownUnit = ExportSettings::SizeUnit::Pixels;
    bool m_applyingPreset = false;
};

}  // namespace grokscope::ui
