#pragma once
// The run-time levers: representation mixing ("Block entropy collapse") with its
// strength and site and, folded under "Variant", the readings of the paper's mixing
// (form, partner gradient, permutation, probability per step, label mixing, mixing at
// evaluation too; config/levers.h), the entropy floor with its target and weight, the norm-matched
// control with its reference run, and "Branch from here". Each change leaves as one
// signal carrying the lever's whole settings (config/levers.h) and becomes an event
// in the run log.

#include "session_types.h"  // the settings types, declared as Qt meta-types

#include "config/train_config.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QToolButton;

namespace grokscope::ui {

class InterventionPanel : public QWidget {
    Q_OBJECT
public:
    explicit InterventionPanel(QWidget* parent = nullptr);

    QCheckBox* mixingToggle() const { return m_mixing; }
    // Shows or hides the mixing variant's controls (hidden while they hold the defaults).
    QToolButton* mixingVariantToggle() const { return m_variantToggle; }
    QCheckBox* normMatchToggle() const { return m_normMatch; }
    QCheckBox* entropyFloorToggle() const { return m_floor; }
    QPushButton* branchButton() const { return m_branch; }
    QString referenceRun() const { return m_referenceRun; }
    void setReferenceRun(const QString& directory);
    int targetArm() const;
    // The settings the panel shows now.
    grokscope::MixingSettings mixingSettings() const;
    grokscope::EntropyFloorSettings entropyFloorSettings() const;
    grokscope::NormMatchSettings normMatchSettings() const;

    // Enables the levers while a run is open; lists the arms once branched.
    void setRunOpen(bool open, int armCount);
    // Mirrors the engine's state (e.g. a scheduled mixing window) without emitting.
    void showActiveState(int arm, bool mixing, bool normMatch, bool entropyFloor);
    void setDefaultsFrom(const grokscope::TrainConfig& config);

Q_SIGNALS:
    void mixingChanged(int arm, const grokscope::MixingSettings& settings);
    void entropyFloorChanged(int arm, const grokscope::EntropyFloorSettings& settings);
    void normMatchChanged(int arm, const grokscope::NormMatchSettings& settings);
    // Emitted when norm matching is switched on without a reference run.
    void referenceRunNeeded();
    void branchRequested();

private:
    QWidget* buildMixingVariant(QWidget* parent);
    void emitMixing();
    void emitMixingIfOn();
    void showMixingVariant(bool shown);
    void updateMixingVariantTitle();
    void emitEntropyFloor();

    QCheckBox* m_mixing = nullptr;
    QDoubleSpinBox* m_alpha = nullptr;
    QComboBox* m_site = nullptr;
    QToolButton* m_variantToggle = nullptr;
    QWidget* m_variant = nullptr;
    QComboBox* m_form = nullptr;
    QComboBox* m_partnerGradient = nullptr;
    QComboBox* m_permutation = nullptr;
    QDoubleSpinBox* m_probability = nullptr;
    QCheckBox* m_mixLabels = nullptr;
    QCheckBox* m_atEvaluation = nullptr;
    QCheckBox* m_floor = nullptr;
    QDoubleSpinBox* m_floorTarget = nullptr;
    QDoubleSpinBox* m_floorWeight = nullptr;
    QCheckBox* m_normMatch = nullptr;
    QLabel* m_reference = nullptr;
    QPushButton* m_chooseReference = nullptr;
    QPushButton* m_branch = nullptr;
    QComboBox* m_arm = nullptr;
    QString m_referenceRun;
};

}  // namespace grokscope::ui
