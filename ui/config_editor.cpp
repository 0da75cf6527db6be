#include "config_editor.h"

#include "wheel_guard.h"

#include "io/config_json.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSignalBlocker>
#include <QLineEdit>
#include <QTableWidget>
#include <QVBoxLayout>

#include <exception>

namespace grokscope::ui {

namespace {

QString jsonText(const nlohmann::json& root, const std::string& key)
{
    const nlohmann::json* node = &root;
    size_t start = 0;
    while (true) {
        const size_t dot = key.find('.', start);
        const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!node->is_object() || !node->contains(part))
            return QString();
        node = &(*node)[part];
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    return QString::fromStdString(node->is_string() ? node->get<std::string>() : node->dump());
}

}  // namespace

ConfigEditor::ConfigEditor(QWidget* parent) : QWidget(parent)
{
    m_presets = new QComboBox(this);
    for (const std::string& name : presetNames())
        m_presets->addItem(QString::fromStdString(name));
    m_presets->setToolTip(tr("Start from a preset; every key below can then be edited"));
    m_table = new QTableWidget(this);
    m_table->setColumnCount(2);
    m_table->setHorizontalHeaderLabels({tr("key"), tr("value")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    for (const std::string& key : configKeys()) {
        const QString name = QString::fromStdString(key);
        m_keys << name;
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        auto* keyItem = new QTableWidgetItem(name);
        keyItem->setFlags(Qt::ItemIsEnabled);
        keyItem->setToolTip(QString::fromStdString(configKeyHelp(key)));
        m_table->setItem(row, 0, keyItem);
        auto* edit = new QLineEdit(m_table);
        edit->setObjectName(name);
        edit->setFrame(false);
        edit->setToolTip(QString::fromStdString(configKeyHelp(key)));
        m_table->setCellWidget(row, 1, edit);
        m_edits.insert(name, edit);
        connect(edit, &QLineEdit::textEdited, this, &ConfigEditor::validate);
    }

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Preset:"), this));
    top->addWidget(m_presets, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_message);

    connect(m_presets, &QComboBox::currentTextChanged, this, [this](const QString& name) {
        try {
            loadConfig(loadPreset(name.toStdString()));
            Q_EMIT presetChanged(name);
        } catch (const std::exception& error) {
            m_message->setText(QString::fromStdString(error.what()));
        }
    });
    if (m_presets->count() > 0)
        loadConfig(loadPreset(m_presets->currentText().toStdString()));
    installWheelGuard(this);  // scrolling the dock must not switch presets
}

QString ConfigEditor::presetName() const { return m_presets->currentText(); }

bool ConfigEditor::selectPreset(const QString& name)
{
    const int index = m_presets->findText(name);
    if (index < 0)
        return false;
    if (index == m_presets->currentIndex())
        loadConfig(loadPreset(name.toStdString()));
    else
        m_presets->setCurrentIndex(index);
    return true;
}

void ConfigEditor::showConfig(const TrainConfig& config)
{
    const int index = m_presets->findText(QString::fromStdString(config.name));
    {
        const QSignalBlocker quiet(m_presets);  // the preset's defaults must not overwrite the run's values
        // A config that is no preset (an experiment's run, an edited one) shows no
        // preset rather than an unrelated one.
        m_presets->setPlaceholderText(tr("(the run's own config)"));
        m_presets->setCurrentIndex(index);
    }
    loadConfig(config);
}

void ConfigEditor::setValue(const QString& key, const QString& text)
{
    if (QLineEdit* edit = m_edits.value(key)) {
        edit->setText(text);
        validate();
    }
}

QString ConfigEditor::value(const QString& key) const
{
    const QLineEdit* edit = m_edits.value(key);
    return edit ? edit->text() : QString();
}

// The rows are disabled rather than read-only, so that they take the palette's
// disabled colours and look locked while a run goes; the table itself stays enabled
// so that it still scrolls and shows each key's help.
void ConfigEditor::setEditable(bool editable)
{
    m_presets->setEnabled(editable);
    for (QLineEdit* edit : m_edits)
        edit->setEnabled(editable);
    for (int row = 0; row < m_table->rowCount(); ++row)
        m_table->item(row, 0)->setFlags(editable ? Qt::ItemIsEnabled : Qt::NoItemFlags);
}

void ConfigEditor::loadConfig(const TrainConfig& config)
{
    const nlohmann::json json = configToJson(config);
    for (const QString& key : m_keys)
        m_edits.value(key)->setText(jsonText(json, key.toStdString()));
    validate();
}

void ConfigEditor::validate()
{
    // Rebuild from the struct defaults and every row, so each message names its key.
    TrainConfig config;
    m_error.clear();
    m_errorKey.clear();
    for (const QString& key : m_keys) {
        QLineEdit* edit = m_edits.value(key);
        edit->setStyleSheet(QString());
        try {
            config = applyOverride(config, (key + QLatin1Char('=') + edit->text()).toStdString());
        } catch (const std::exception& error) {
            if (m_error.isEmpty()) {
                m_error = QString::fromStdString(error.what());
                m_errorKey = key;
            }
            edit->setStyleSheet(QStringLiteral("background: #f6c4c4; color: black;"));
            edit->setToolTip(QString::fromStdString(error.what()));
        }
    }
    if (m_error.isEmpty()) {
        try {
            validateConfig(config);
        } catch (const std::exception& error) {
            m_error = QString::fromStdString(error.what());
            const int colon = m_error.indexOf(QLatin1Char(':'));
            const QString key = colon > 0 ? m_error.left(colon) : QString();
            m_errorKey = m_edits.contains(key) ? key : QStringLiteral("?");
            if (QLineEdit* edit = m_edits.value(key)) {
                edit->setStyleSheet(QStringLiteral("background: #f6c4c4; color: black;"));
                edit->setToolTip(m_error);
            }
        }
    }
    for (const QString& key : m_keys)
        if (key != m_errorKey)
            m_edits.value(key)->setToolTip(QString::fromStdString(configKeyHelp(key.toStdString())));
    if (m_error.isEmpty()) {
        m_config = config;
        m_message->setText(tr("Config valid. H̃* = %1").arg(effectiveEntropyThreshold(config), 0, 'f', 3));
        m_message->setStyleSheet(QString());
    } else {
        m_message->setText(tr("Invalid: %1").arg(m_error));
        m_message->setStyleSheet(QStringLiteral("color: #c00000; font-weight: bold;"));
        if (QLineEdit* edit = m_edits.value(m_errorKey)) {
            const int row = m_keys.indexOf(m_errorKey);
            m_table->scrollToItem(m_table->item(row, 0));
            Q_UNUSED(edit);
        }
    }
    Q_EMIT configChanged(m_error.isEmpty());
}

}  // namespace grokscope::ui
