#pragma once
// Value snapshots that leave the engine: what observers, the run log, the CLI
// and the GUI receive. Copies, never references into a live model.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace grokscope {

// One evaluation. Each field is a column of metrics.csv, declared with its unit and chart
// in metrics/metric_columns.cpp: a new field there gets logged, read back, charted and exported.
struct EvalSnapshot {
    long step = 0;
    double trainLoss = 0.0;  // mean cross-entropy, accumulated in float64
    double testLoss = 0.0;
    double trainAccuracy = 0.0;
    double testAccuracy = 0.0;
    double weightNorm = 0.0;  // ‖θ‖₂ over all parameters
    double learningRate = 0.0;
    double elapsedMs = 0.0;   // training wall time so far, evaluation excluded
    std::optional<double> entropy;        // H̃, on spectrum evaluations
    std::optional<double> effectiveRank;  // exp(H)
    // Live forecast of T_grok and its ± (metrics.forecast_*): on spectrum evaluations
    // after memorisation and before T_grok.
    std::optional<double> forecastGrokStep;
    std::optional<double> forecastHalfWidthSteps;
    // Diagnostics beyond the paper (metrics/diagnostics.h, README "Diagnostics").
    std::optional<double> logitScale;          // RMS centred logit over the training split
    std::optional<double> saturatedFraction;   // share of training examples with 1 − max softmax < ε
    std::optional<double> fourierAlignment;    // cyclic tasks, on spectrum evaluations
    std::optional<double> logAlignmentRatio;   // of the unembedding on the probe set, on spectrum evaluations
    std::optional<double> normDecayRate;       // r of ‖θ‖² ∝ e^{−rt}, per step, after memorisation
    std::optional<double> normEtaStep;         // step at which the fitted decay reaches metrics.norm_decay_target
    bool mixingActive = false;
    bool normMatchActive = false;
    bool entropyFloorActive = false;
};

struct SpectrumSnapshot {
    long step = 0;
    std::vector<double> eigenvalues;  // descending
};

struct ParameterNorms {
    long step = 0;
    std::vector<double> norms;  // one per tensor, in parameterNames() order
};

// Something that happened, recorded as one JSON line in events.jsonl.
struct RunEvent {
    long step = 0;
    std::string type;     // memorised, grokked, entropy_threshold_crossed, entropy_collapse,
                          // intervention, nan, finished, stopped, resumed, error
    std::string message;  // human-readable, shown by the CLI and the GUI
    std::map<std::string, double> values;  // numeric details (lead times, H̃, ...)
    std::map<std::string, std::string> labels;  // textual details (intervention kind, ...)
};

}  // namespace grokscope
