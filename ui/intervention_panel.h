#pragma once
// The run-time levers: representation mixing ("Block entropy collapse") with its
// strength and site and, folded under "Variant", the readings of the paper's mixing
// (form, partner gradient, permutation, probability per step, label mixing, mixing at
// evaluation too; config/levers.h), the entropy floor with its target and weight, the norm-matched
// control with its reference run, and "Branch from here". Each change leaves as one
// signal carrying the lever's whole settings (config/levers.h) and becomes an event
// in the run log.
//
// A lever's switch applies at once. While a run is open and the lever is on, a change
// to its settings (α, site, variant, floor target, weight) waits until the user presses
// Enter in a spin box or the lever's Apply button, so one deliberate change is one event,
// not one per wheel notch or keystroke (issue 19, defect 1). The wheel itself only turns
// a focused spin or combo box (wheel_guard.h).

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
    // Send the settings changed since the lever was switched on or last applied;
    // enabled only while there are such changes.
    QPushButton* mixingApplyButton() const { return m_applyMixing; }
    QPushButton* entropyFloorApplyButton() const { return m_applyFloor; }
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
    // Shows the config's lever settings (values only; switches keep their state), without emitting.
    void setDefaultsFrom(const grokscope::TrainConfig& config);
    // The panel of a fresh start: every lever unticked, the config's settings shown, the
    // variant folded unless the config changes it, no run open, no unapplied changes.
    // Emits nothing.
    void resetTo(const grokscope::TrainConfig& config);

Q_SIGNALS:
    void mixingChanged(int arm, const grokscope::MixingSettings& settings);
    void entropyFloorChanged(int arm, const grokscope::EntropyFloorSettings& settings);
    void normMatchChanged(int arm, const grokscope::NormMatchSettings& settings);
    // Emitted when norm matching is switched on without a reference run.
    void referenceRunNeeded();
    void branchRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QWidget* buildMixingVariant(QWidget* parent);
    void connectSettings();
    void emitMixing();
    void emitEntropyFloor();
    void mixingSettingChanged();
    void entropyFloorSettingChanged();
    void applyMixing();
    void applyEntropyFloor();
    void takeShownSettingsAsSent();
    void updateApplyButtons();
    void showMixingVariant(bool shown);
    void updateMixingVariantTitle();

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
    QPushButton* m_applyMixing = nullptr;
    QPushButton* m_applyFloor = nullptr;
    QComboBox* m_arm = nullptr;
    QString m_referenceRun;
    bool m_runOpen = false;
    // The settings the trainer has: last sent, or shown when the run opened. Apply is
    // offered while the panel's differ (a value typed back is no change).
    grokscope::MixingSettings m_sentMixing;
    grokscope::EntropyFloorSettings m_sentFloor;
};

}  // namespace grokscope::ui
