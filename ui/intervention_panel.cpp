#include "intervention_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

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

}  // namespace

InterventionPanel::InterventionPanel(QWidget* parent) : QWidget(parent)
{
    registerSessionTypes();  // the signals carry the settings types
    const MixingSettings mixingDefaults;  // the settings types hold the defaults; the panel shows them
    const EntropyFloorSettings floorDefaults;
    m_arm = new QComboBox(this);
    m_arm->addItem(tr("main run"));
    m_arm->setToolTip(tr("Which arm the levers act on"));

    auto* mixingBox = new QGroupBox(tr("Representation mixing"), this);
    m_mixing = new QCheckBox(tr("Block entropy collapse"), mixingBox);
    m_mixing->setObjectName(QStringLiteral("mixingToggle"));
    m_mixing->setToolTip(tr("Mix each representation with another sample's in the batch: "
                            "z_i ← (1−α) z_i + α z_π(i), π a derangement"));
    m_alpha = makeSpin(mixingBox, 0.01, 1.0, 0.05, mixingDefaults.alpha, tr("Mixing strength α"));
    m_site = new QComboBox(mixingBox);
    m_site->addItem(tr("final residual"), static_cast<int>(MixingSite::FinalResidual));
    m_site->addItem(tr("attention output"), static_cast<int>(MixingSite::AttentionOutput));
    m_site->addItem(tr("embedding"), static_cast<int>(MixingSite::Embedding));
    m_site->setToolTip(tr("Where in the model the representations are mixed"));
    auto* mixingForm = new QFormLayout(mixingBox);
    mixingForm->addRow(m_mixing);
    mixingForm->addRow(tr("strength α"), m_alpha);
    mixingForm->addRow(tr("site"), m_site);

    auto* floorBox = new QGroupBox(tr("Entropy floor"), this);
    m_floor = new QCheckBox(tr("Hold H̃ up"), floorBox);
    m_floor->setObjectName(QStringLiteral("entropyFloorToggle"));
    m_floor->setToolTip(tr("Add β·max(0, H̃_floor − H̃_batch) to the training loss: a second way to block "
                           "the collapse, on the batch's own representation covariance"));
    m_floorTarget = makeSpin(floorBox, 0.05, 1.0, 0.01, floorDefaults.target,
                             tr("H̃_floor: the entropy the batch representation is held above"));
    m_floorWeight = makeSpin(floorBox, 0.0, 1000.0, 1.0, floorDefaults.weight, tr("Penalty weight β"));
    auto* floorForm = new QFormLayout(floorBox);
    floorForm->addRow(m_floor);
    floorForm->addRow(tr("floor H̃"), m_floorTarget);
    floorForm->addRow(tr("weight β"), m_floorWeight);

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
    connect(m_alpha, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this] {
        if (m_mixing->isChecked())
            emitMixing();
    });
    connect(m_site, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this] {
        if (m_mixing->isChecked())
            emitMixing();
    });
    connect(m_floor, &QCheckBox::toggled, this, &InterventionPanel::emitEntropyFloor);
    for (QDoubleSpinBox* spin : {m_floorTarget, m_floorWeight})
        connect(spin, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this] {
            if (m_floor->isChecked())
                emitEntropyFloor();
        });
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
    return {m_mixing->isChecked(), m_alpha->value(), static_cast<MixingSite>(m_site->currentData().toInt())};
}

EntropyFloorSettings InterventionPanel::entropyFloorSettings() const
{
    return {m_floor->isChecked(), m_floorTarget->value(), m_floorWeight->value()};
}

NormMatchSettings InterventionPanel::normMatchSettings() const
{
    return {m_normMatch->isChecked(), m_referenceRun.toStdString()};
}

void InterventionPanel::emitMixing() { Q_EMIT mixingChanged(targetArm(), mixingSettings()); }

void InterventionPanel::emitEntropyFloor() { Q_EMIT entropyFloorChanged(targetArm(), entropyFloorSettings()); }

void InterventionPanel::setRunOpen(bool open, int armCount)
{
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
}

void InterventionPanel::setDefaultsFrom(const TrainConfig& config)
{
    QSignalBlocker blockAlpha(m_alpha);
    QSignalBlocker blockSite(m_site);
    QSignalBlocker blockTarget(m_floorTarget);
    QSignalBlocker blockWeight(m_floorWeight);
    const MixingSettings mixing = config.intervention.mixingSettings();
    const EntropyFloorSettings floor = config.intervention.entropyFloorSettings();
    const NormMatchSettings normMatch = config.intervention.normMatchSettings();
    m_floorTarget->setValue(floor.target);
    m_floorWeight->setValue(floor.weight);
    m_alpha->setValue(mixing.alpha);
    m_site->setCurrentIndex(m_site->findData(static_cast<int>(mixing.site)));
    if (normMatch.enabled)
        setReferenceRun(QString::fromStdString(normMatch.referenceRun));
}

}  // namespace grokscope::ui
