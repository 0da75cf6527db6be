#pragma once
// Preset picker and an editor for every config key, validated as the user types:
// a value the engine would reject is marked red and the engine's message, which
// names the key, is shown below the table.

#include "config/train_config.h"

#include <QMap>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace grokscope::ui {

class ConfigEditor : public QWidget {
    Q_OBJECT
public:
    explicit ConfigEditor(QWidget* parent = nullptr);

    QString presetName() const;
    // Loads a preset by name; returns false (and changes nothing) for unknown names.
    bool selectPreset(const QString& name);
    // Shows a whole config, e.g. a saved run's, so that Start would repeat it. The
    // preset box follows the config's name when it names a preset.
    void showConfig(const grokscope::TrainConfig& config);
    // Sets one key's text as if typed (e.g. "run.steps", "3000").
    void setValue(const QString& key, const QString& text);
    QString value(const QString& key) const;

    bool isValid() const { return m_errorKey.isEmpty() && m_error.isEmpty(); }
    QString errorMessage() const { return m_error; }
    QString errorKey() const { return m_errorKey; }
    // The edited config; only meaningful while isValid().
    grokscope::TrainConfig config() const { return m_config; }
    void setEditable(bool editable);

Q_SIGNALS:
    void configChanged(bool valid);
    void presetChanged(const QString& name);

private:
    void loadConfig(const grokscope::TrainConfig& config);
    void validate();

    QComboBox* m_presets = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_message = nullptr;
    QMap<QString, QLineEdit*> m_edits;
    QStringList m_keys;
    grokscope::TrainConfig m_config;
    QString m_error;
    QString m_errorKey;
};

}  // namespace grokscope::ui
