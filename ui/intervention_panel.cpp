#include "intervention_panel.h"

#include "wheel_guard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

#include <initializer_list>

namespace grokscope::ui {

namespace {

QDoubleSpinBox* makeSpin(QWidget* parent, double lower, double upper, double step, double value, const QString& tip)
{
    auto* spin = new QDoubleSpinBox(parent);
    spin->setRange(lower, upper);
    spin->setSingleStep(step);
    spin->setDecimals(2);
    spin->setValue(value);
    spin->setToolTip(tip);
    return spin;
}

QPushButton* makeApplyButton(QWidget* parent, const QString& objectName, const QString& lever)
{
    auto* button = new QPushButton(InterventionPanel::tr("Apply"), parent);
    button->setObjectName(objectName);
    button->setToolTip(InterventionPanel::tr("Send the changed %1 settings to the running lever "
                                             "(Enter in a number field does the same)")
                           .arg(lever));
    button->setEnabled(false);
    return button;
}

bool isEnterKey(const QEvent* event)
{
    if (event->type() != QEvent::KeyPress)
        return false;
    const int key = static_cast<const QKeyEvent*>(event)->key();
    return key == Qt::Key_Return || key == Qt::Key_Enter;
}

// A combo box of a lever's values, shown by their config names (levers.h), e.g. "same class".
template <typename Enum, std::size_t N>
QComboBox* makeLeverCombo(QWidget* parent, const std::pair<Enum, const char*> (&names)[N], const QString& objectName,
                          const QString& tip)
{
    auto* combo = new QComboBox(parent);
    for (const auto& [value, name] : names)
        combo->addItem(QString::fromLatin1(name).replace(QLatin1Char('_'), QLatin1Char(' ')), static_cast<int>(value));
    combo->setObjectName(objectName);
    combo->setToolTip(tip);
    return combo;
}

template <typename Enum>
void selectLeverValue(QComboBox* combo, Enum value)
{
    combo->setCurrentIndex(combo->findData(static_cast<int>(value)));
}

template <typename Enum>
Enum selectedLeverValue(const QComboBox* combo)
{
    return static_cast<Enum>(combo->currentData().toInt());
}

// Whether the variant's settings are those of the mixing GrokScope had before variants.
bool isDefaultVariant(const MixingSettings& s)
{
    const MixingSettings d;
    return s.form == d.form && s.partnerGradient == d.partnerGradient && s.permutation == d.permutation
           && s.probability == d.probability && s.mixLabels == d.mixLabels && s.atEvaluation == d.atEvaluation;
}

}  // namespace

InterventionPanel::InterventionPanel(QWidget* parent) : QWidget(parent)
{
    registerSessionTypes();  // the signals carry the settings types
    const MixingSettings mixingDefaults;  // the settings types hold the defaults; the panel shows them
    const EntropyFloorSettings floorDefaults;
    m_arm = new QComboBox(this);
    m_arm->setObjectName(QStringLiteral("leverArm"));
    m_arm->addItem(tr("main run"));
    m_arm->setToolTip(tr("Which arm the levers act on"));

    auto* mixingBox = new QGroupBox(tr("Representation mixing"), this);
    m_mixing = new QCheckBox(tr("Block entropy collapse"), mixingBox);
    m_mixing->setObjectName(QStringLiteral("mixingToggle"));
    m_mixing->setToolTip(tr("Mix each representation with another sample's in the batch: "
                            "z_i ← (1−α) z_i + α z_π(i), with π and the form as the variant says"));
    m_alpha = makeSpin(mixingBox, 0.01, 1.0, 0.05, mixingDefaults.alpha, tr("Mixing strength α"));
    m_alpha->setObjectName(QStringLiteral("mixingAlpha"));
    m_site = new QComboBox(mixingBox);
    m_site->setObjectName(QStringLiteral("mixingSite"));
    m_site->addItem(tr("final residual"), static_cast<int>(MixingSite::FinalResidual));
    m_site->addItem(tr("attention output"), static_cast<int>(MixingSite::AttentionOutput));
    m_site->addItem(tr("embedding"), static_cast<int>(MixingSite::Embedding));
    m_site->setToolTip(tr("Where in the model the representations are mixed"));
    m_variantToggle = new QToolButton(mixingBox);
    m_variantToggle->setObjectName(QStringLiteral("mixingVariantToggle"));
    m_variantToggle->setCheckable(true);
    m_variantToggle->setAutoRaise(true);
    m_variantToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_variantToggle->setToolTip(tr("The readings of the paper's mixing: form, partner gradient, permutation, "
                                   "probability per step, label mixing, mixing at evaluation"));
    m_variant = buildMixingVariant(mixingBox);
    m_applyMixing = makeApplyButton(mixingBox, QStringLiteral("mixingApply"), tr("mixing"));
    auto* mixingForm = new QFormLayout(mixingBox);
    mixingForm->addRow(m_mixing);
    mixingForm->addRow(tr("strength α"), m_alpha);
    mixingForm->addRow(tr("site"), m_site);
    mixingForm->addRow(m_variantToggle);
    mixingForm->addRow(m_variant);
    mixingForm->addRow(m_applyMixing);
    showMixingVariant(false);
    updateMixingVariantTitle();

    auto* floorBox = new QGroupBox(tr("Entropy floor"), this);
    m_floor = new QCheckBox(tr("Hold H̃ up"), floorBox);
    m_floor->setObjectName(QStringLiteral("entropyFloorToggle"));
    m_floor->setToolTip(tr("Add β·max(0, H̃_floor − H̃_batch) to the training loss: a second way to block "
                           "the collapse, on the batch's own representation covariance"));
    m_floorTarget = makeSpin(floorBox, 0.05, 1.0, 0.01, floorDefaults.target,
                             tr("H̃_floor: the entropy the batch representation is held above"));
    m_floorTarget->setObjectName(QStringLiteral("entropyFloorTarget"));
    m_floorWeight = makeSpin(floorBox, 0.0, 1000.0, 1.0, floorDefaults.weight, tr("Penalty weight β"));
    m_floorWeight->setObjectName(QStringLiteral("entropyFloorWeight"));
    m_applyFloor = makeApplyButton(floorBox, QStringLiteral("entropyFloorApply"), tr("entropy floor"));
    auto* floorForm = new QFormLayout(floorBox);
    floorForm->addRow(m_floor);
    floorForm->addRow(tr("floor H̃"), m_floorTarget);
    floorForm->addRow(tr("weight β"), m_floorWeight);
    floorForm->addRow(m_applyFloor);

    auto* normBox = new QGroupBox(tr("Control"), this);
    m_normMatch = new QCheckBox(tr("Norm-matched control"), normBox);
    m_normMatch->setObjectName(QStringLiteral("normMatchToggle"));
    m_normMatch->setToolTip(tr("Rescale the weights after every step to follow the ‖θ‖₂ trajectory of a "
                               "reference (baseline) run"));
    m_reference = new QLabel(tr("reference: none"), normBox);
    m_reference->setWordWrap(true);
    m_chooseReference = new QPushButton(tr("Reference run…"), normBox);
    m_chooseReference->setToolTip(tr("Choose the baseline run whose weight norm is followed"));
    auto* normLayout = new QVBoxLayout(normBox);
    normLayout->addWidget(m_normMatch);
    normLayout->addWidget(m_reference);
    normLayout->addWidget(m_chooseReference);

    m_branch = new QPushButton(tr("Branch from here"), this);
    m_branch->setToolTip(tr("Checkpoint now and continue from the same state in a second arm, "
                            "so both can be watched with different levers"));

    auto* armRow = new QHBoxLayout;
    armRow->addWidget(new QLabel(tr("Apply to"), this));
    armRow->addWidget(m_arm, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(armRow);
    layout->addWidget(mixingBox);
    layout->addWidget(floorBox);
    layout->addWidget(normBox);
    layout->addWidget(m_branch);
    layout->addStretch(1);

    connect(m_mixing, &QCheckBox::toggled, this, &InterventionPanel::emitMixing);
    connect(m_floor, &QCheckBox::toggled, this, &InterventionPanel::emitEntropyFloor);
    connect(m_variantToggle, &QToolButton::toggled, this, &InterventionPanel::showMixingVariant);
    connectSettings();
    connect(m_normMatch, &QCheckBox::toggled, this, [this](bool on) {
        if (on && m_referenceRun.isEmpty()) {
            Q_EMIT referenceRunNeeded();
            if (m_referenceRun.isEmpty()) {
                QSignalBlocker block(m_normMatch);
                m_normMatch->setChecked(false);
                return;
            }
        }
        Q_EMIT normMatchChanged(targetArm(), normMatchSettings());
    });
    connect(m_chooseReference, &QPushButton::clicked, this, &InterventionPanel::referenceRunNeeded);
    connect(m_branch, &QPushButton::clicked, this, &InterventionPanel::branchRequested);
    setRunOpen(false, 0);
    takeShownSettingsAsSent();
    installWheelGuard(this);
}

// A setting's edit only offers Apply; Apply, or Enter in one of the lever's fields
// (eventFilter), sends the lever's settings.
void InterventionPanel::connectSettings()
{
    for (QDoubleSpinBox* spin : {m_alpha, m_probability})
        connect(spin, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this,
                &InterventionPanel::mixingSettingChanged);
    for (QComboBox* combo : {m_site, m_form, m_partnerGradient, m_permutation})
        connect(combo, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
                &InterventionPanel::mixingSettingChanged);
    for (QCheckBox* box : {m_mixLabels, m_atEvaluation})
        connect(box, &QCheckBox::toggled, this, &InterventionPanel::mixingSettingChanged);
    for (QDoubleSpinBox* spin : {m_floorTarget, m_floorWeight})
        connect(spin, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this,
                &InterventionPanel::entropyFloorSettingChanged);
    for (QWidget* field : std::initializer_list<QWidget*>{m_alpha, m_probability, m_site, m_form, m_partnerGradient,
                                                          m_permutation, m_floorTarget, m_floorWeight})
        field->installEventFilter(this);
    connect(m_applyMixing, &QPushButton::clicked, this, &InterventionPanel::applyMixing);
    connect(m_applyFloor, &QPushButton::clicked, this, &InterventionPanel::applyEntropyFloor);
}

// Enter in a lever's field applies that lever's settings. A spin box handles the key
// first, so that the text typed in it counts.
bool InterventionPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (!isEnterKey(event))
        return QWidget::eventFilter(watched, event);
    if (qobject_cast<QAbstractSpinBox*>(watched))
        watched->event(event);  // straight to the handler; the filters are not run again
    if (watched == m_floorTarget || watched == m_floorWeight)
        applyEntropyFloor();
    else
        applyMixing();
    event->accept();  // the Enter meant "apply"; no parent should act on it too
    return true;
}

// The variant's controls, one form row each; the two switches share a row.
QWidget* InterventionPanel::buildMixingVariant(QWidget* parent)
{
    const MixingSettings defaults;
    auto* variant = new QWidget(parent);
    m_form = makeLeverCombo(variant, kMixingFormNames, QStringLiteral("mixingForm"),
                            tr("convex: every row becomes (1−α) z_i + α z_π(i); swap: round(α·B) random rows "
                               "take their partner's z_π(i)"));
    m_partnerGradient = makeLeverCombo(variant, kMixingPartnerGradientNames, QStringLiteral("mixingPartnerGradient"),
                                       tr("through: the loss reaches the partner row through its share; "
                                          "detached: the partner's share is a constant in the backward pass"));
    m_permutation = makeLeverCombo(variant, kMixingPermutationNames, QStringLiteral("mixingPermutation"),
                                   tr("The partners π: one random cycle through the batch, a uniform derangement, "
                                      "a partner of the same label, or of another label"));
    m_probability = makeSpin(variant, 0.01, 1.0, 0.05, defaults.probability,
                             tr("The chance that a training step mixes, drawn per step"));
    m_probability->setObjectName(QStringLiteral("mixingProbability"));
    m_mixLabels = new QCheckBox(tr("mix labels"), variant);
    m_mixLabels->setObjectName(QStringLiteral("mixingLabels"));
    m_mixLabels->setToolTip(tr("Mixup: each row's loss target is mixed with the same weights and partners"));
    m_atEvaluation = new QCheckBox(tr("at evaluation too"), variant);
    m_atEvaluation->setObjectName(QStringLiteral("mixingAtEvaluation"));
    m_atEvaluation->setToolTip(tr("Mix the evaluation and probe passes as well: loss, accuracy and H̃ are then "
                                  "measured on mixed representations (against the true labels)"));
    selectLeverValue(m_form, defaults.form);
    selectLeverValue(m_partnerGradient, defaults.partnerGradient);
    selectLeverValue(m_permutation, defaults.permutation);
    m_mixLabels->setChecked(defaults.mixLabels);
    m_atEvaluation->setChecked(defaults.atEvaluation);
    auto* switches = new QHBoxLayout;
    switches->setContentsMargins(0, 0, 0, 0);
    switches->addWidget(m_mixLabels);
    switches->addWidget(m_atEvaluation);
    switches->addStretch(1);
    auto* form = new QFormLayout(variant);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("form"), m_form);
    form->addRow(tr("partner"), m_partnerGradient);
    form->addRow(tr("permutation"), m_permutation);
    form->addRow(tr("per step p"), m_probability);
    form->addRow(switches);
    return variant;
}

void InterventionPanel::showMixingVariant(bool shown)
{
    QSignalBlocker block(m_variantToggle);
    m_variantToggle->setChecked(shown);
    m_variantToggle->setArrowType(shown ? Qt::DownArrow : Qt::RightArrow);
    m_variant->setVisible(shown);
}

// The folded title says whether the variant differs from the default, so a changed
// variant is never hidden silently.
void InterventionPanel::updateMixingVariantTitle()
{
    m_variantToggle->setText(isDefaultVariant(mixingSettings()) ? tr("Variant") : tr("Variant (changed)"));
}

void InterventionPanel::setReferenceRun(const QString& directory)
{
    m_referenceRun = directory;
    m_reference->setText(directory.isEmpty() ? tr("reference: none")
                                             : tr("reference: %1").arg(QFileInfo(directory).fileName()));
    m_reference->setToolTip(QDir::toNativeSeparators(directory));
}

int InterventionPanel::targetArm() const { return std::max(0, m_arm->currentIndex()); }

MixingSettings InterventionPanel::mixingSettings() const
{
    MixingSettings s;
    s.enabled = m_mixing->isChecked();
    s.alpha = m_alpha->value();
    s.site = selectedLeverValue<MixingSite>(m_site);
    s.form = selectedLeverValue<MixingForm>(m_form);
    s.partnerGradient = selectedLeverValue<MixingPartnerGradient>(m_partnerGradient);
    s.permutation = selectedLeverValue<MixingPermutation>(m_permutation);
    s.probability = m_probability->value();
    s.mixLabels = m_mixLabels->isChecked();
    s.atEvaluation = m_atEvaluation->isChecked();
    return s;
}

EntropyFloorSettings InterventionPanel::entropyFloorSettings() const
{
    return {m_floor->isChecked(), m_floorTarget->value(), m_floorWeight->value()};
}

NormMatchSettings InterventionPanel::normMatchSettings() const
{
    return {m_normMatch->isChecked(), m_referenceRun.toStdString()};
}

// Switching a lever sends its whole settings, pending edits included.
void InterventionPanel::emitMixing()
{
    const MixingSettings settings = mixingSettings();
    m_sentMixing = settings;
    updateApplyButtons();
    Q_EMIT mixingChanged(targetArm(), settings);
}

void InterventionPanel::emitEntropyFloor()
{
    const EntropyFloorSettings settings = entropyFloorSettings();
    m_sentFloor = settings;
    updateApplyButtons();
    Q_EMIT entropyFloorChanged(targetArm(), settings);
}

void InterventionPanel::mixingSettingChanged()
{
    updateMixingVariantTitle();
    updateApplyButtons();
}

void InterventionPanel::entropyFloorSettingChanged() { updateApplyButtons(); }

void InterventionPanel::applyMixing()
{
    if (m_applyMixing->isEnabled())
        emitMixing();
}

void InterventionPanel::applyEntropyFloor()
{
    if (m_applyFloor->isEnabled())
        emitEntropyFloor();
}

void InterventionPanel::takeShownSettingsAsSent()
{
    m_sentMixing = mixingSettings();
    m_sentFloor = entropyFloorSettings();
    updateApplyButtons();
}

// Apply is offered while the lever is on and a setting differs from what was sent. The
// switch's own state is not a setting: it travels at once, on its own.
void InterventionPanel::updateApplyButtons()
{
    MixingSettings mixing = mixingSettings();
    mixing.enabled = m_sentMixing.enabled;
    EntropyFloorSettings floor = entropyFloorSettings();
    floor.enabled = m_sentFloor.enabled;
    m_applyMixing->setEnabled(m_runOpen && m_mixing->isChecked() && mixing != m_sentMixing);
    m_applyFloor->setEnabled(m_runOpen && m_floor->isChecked() && floor != m_sentFloor);
}

// A run starts from the settings shown, and an edit left unapplied when it ends is not
// carried into the next one.
void InterventionPanel::setRunOpen(bool open, int armCount)
{
    if (open != m_runOpen) {
        m_runOpen = open;
        takeShownSettingsAsSent();
    }
    m_mixing->setEnabled(open);
    m_floor->setEnabled(open);
    m_normMatch->setEnabled(open);
    m_branch->setEnabled(open && armCount < 2);
    while (m_arm->count() < armCount)
        m_arm->addItem(tr("arm %1 (branch)").arg(m_arm->count() + 1));
    while (m_arm->count() > std::max(1, armCount))
        m_arm->removeItem(m_arm->count() - 1);
    m_arm->setEnabled(armCount > 1);
}

void InterventionPanel::showActiveState(int arm, bool mixing, bool normMatch, bool entropyFloor)
{
    if (arm != targetArm())
        return;
    QSignalBlocker blockMixing(m_mixing);
    QSignalBlocker blockNorm(m_normMatch);
    QSignalBlocker blockFloor(m_floor);
    m_mixing->setChecked(mixing);
    m_normMatch->setChecked(normMatch);
    m_floor->setChecked(entropyFloor);
    updateApplyButtons();
}

void InterventionPanel::setDefaultsFrom(const TrainConfig& config)
{
    QSignalBlocker blockAlpha(m_alpha);
    QSignalBlocker blockSite(m_site);
    QSignalBlocker blockForm(m_form);
    QSignalBlocker blockPartner(m_partnerGradient);
    QSignalBlocker blockPermutation(m_permutation);
    QSignalBlocker blockProbability(m_probability);
    QSignalBlocker blockLabels(m_mixLabels);
    QSignalBlocker blockAtEvaluation(m_atEvaluation);
    QSignalBlocker blockTarget(m_floorTarget);
    QSignalBlocker blockWeight(m_floorWeight);
    const MixingSettings mixing = config.intervention.mixingSettings();
    const EntropyFloorSettings floor = config.intervention.entropyFloorSettings();
    const NormMatchSettings normMatch = config.intervention.normMatchSettings();
    m_floorTarget->setValue(floor.target);
    m_floorWeight->setValue(floor.weight);
    m_alpha->setValue(mixing.alpha);
    selectLeverValue(m_site, mixing.site);
    selectLeverValue(m_form, mixing.form);
    selectLeverValue(m_partnerGradient, mixing.partnerGradient);
    selectLeverValue(m_permutation, mixing.permutation);
    m_probability->setValue(mixing.probability);
    m_mixLabels->setChecked(mixing.mixLabels);
    m_atEvaluation->setChecked(mixing.atEvaluation);
    updateMixingVariantTitle();
    if (!isDefaultVariant(mixing))
        showMixingVariant(true);  // a config's variant is shown, not folded away
    if (normMatch.enabled)
        setReferenceRun(QString::fromStdString(normMatch.referenceRun));
    takeShownSettingsAsSent();
}

void InterventionPanel::resetTo(const TrainConfig& config)
{
    {
        const QSignalBlocker blockMixing(m_mixing);
        const QSignalBlocker blockNorm(m_normMatch);
        const QSignalBlocker blockFloor(m_floor);
        m_mixing->setChecked(false);
        m_normMatch->setChecked(false);
        m_floor->setChecked(false);
    }
    setRunOpen(false, 0);
    setDefaultsFrom(config);
    showMixingVariant(!isDefaultVariant(config.intervention.mixingSettings()));
}

}  // namespace grokscope::ui
