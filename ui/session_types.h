#pragma once
// Value types that cross from the training thread to the GUI thread in queued signals.

#include "config/levers.h"
#include "metrics/eval_snapshot.h"

#include <QMetaType>

namespace grokscope::ui {

enum class SessionState { Idle, Running, Paused, Finished };

// A progress report from the worker, sent a few times per second at most.
struct SessionProgress {
    int arm = 0;
    long step = 0;
    long totalSteps = 0;
    double stepsPerSecond = 0.0;
    QString phase;
    bool mixingActive = false;
    bool entropyFloorActive = false;
    bool normMatchActive = false;
};

// Registers the types above, and the levers' settings (config/levers.h) that the
// panel's signals carry, with Qt's meta-type system (idempotent).
void registerSessionTypes();

}  // namespace grokscope::ui

Q_DECLARE_METATYPE(grokscope::EvalSnapshot)
Q_DECLARE_METATYPE(grokscope::SpectrumSnapshot)
Q_DECLARE_METATYPE(grokscope::RunEvent)
Q_DECLARE_METATYPE(grokscope::ui::SessionState)
Q_DECLARE_METATYPE(grokscope::ui::SessionProgress)
Q_DECLARE_METATYPE(grokscope::MixingSettings)
Q_DECLARE_METATYPE(grokscope::EntropyFloorSettings)
Q_DECLARE_METATYPE(grokscope::NormMatchSettings)
