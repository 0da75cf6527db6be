#pragma once
// What the engine reports while it trains. Callbacks run on the training thread;
// a GUI bridge copies the values into queued signals.

#include "metrics/eval_snapshot.h"

#include <vector>

namespace grokscope {

struct RepresentationSample {
    long step = 0;
    int rows = 0, columns = 0;
    std::vector<float> values;  // row-major rows × columns
};

class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void onEvaluation(const EvalSnapshot&) {}
    virtual void onSpectrum(const SpectrumSnapshot&) {}
    virtual void onParameterNorms(const ParameterNorms&) {}
    virtual void onEvent(const RunEvent&) {}
    virtual void onRepresentations(const RepresentationSample&) {}
};

}  // namespace grokscope
