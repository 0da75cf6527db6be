#pragma once
// An arm against the baseline seed by seed (docs/science.md, "Statistics"). The runs of
// one seed share its initialisation, split and batches when the arm trains the
// baseline's preset with the baseline's task keys, so ΔT_grok = T_arm − T_baseline per
// seed is a paired sample, and the Wilcoxon signed-rank and sign tests apply.

#include "experiment_spec.h"
#include "metrics/statistics.h"

#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

// One ended-or-not run as the pairing sees it.
struct PairedRun {
    unsigned long long seed = 0;
    bool grokked = false;
    // The step it grokked at; for a run that finished without grokking, the step it
    // ended at (its budget: T_grok is censored there); none when it has not ended or
    // failed before grokking, so its T_grok is unknown.
    std::optional<double> tGrok;
};

struct PairedComparison {
    bool applicable = false;                // the design is paired (sharesSeedsWithBaseline)
    std::vector<unsigned long long> seeds;  // the pairs used, in the arm's run order
    std::vector<double> deltas;             // ΔT_grok of each pair, T_arm − T_baseline
    std::size_t censored = 0;               // pairs among `deltas` where exactly one run grokked
    std::size_t neitherGrokked = 0;         // seeds left out: neither run grokked
    std::size_t unmatched = 0;              // seeds left out: a T_grok unknown, or no baseline run
    SignTestResult sign;                    // positives: the arm grokked later
    WilcoxonResult wilcoxon;
    double medianDelta = 0.0;
    ConfidenceInterval medianDeltaCi;       // percentile bootstrap of the median ΔT (BootstrapConfig{})

    std::size_t pairs() const { return deltas.size(); }
};

// True when the arm shares each seed's initialisation, split and batches with the
// baseline: it is not the baseline, it trains the baseline's preset, and it overrides
// the same task.* keys to the same values. An arm with its own preset (another task or
// model) is compared unpaired only.
bool sharesSeedsWithBaseline(const ExperimentSpec& spec, std::size_t arm);

// Pairs the arm's runs with the baseline's runs of the same seed. A pair where exactly
// one run grokked is censored: the other's T_grok is its budget, so ΔT is a bound whose
// sign is known. Seeds where neither grokked carry no information and are left out,
// as are seeds where either T_grok is unknown. The tests and the median run on
// `deltas` (NaN when there are none); `applicable` is true.
PairedComparison comparePaired(const std::vector<PairedRun>& arm, const std::vector<PairedRun>& baseline);

// For the baseline itself and arms that are not paired: `applicable` false, every
// statistic NaN.
PairedComparison unpairedComparison();

// "exact", "normal" or "n/a", as summary.csv writes the method.
std::string wilcoxonMethodName(WilcoxonMethodUsed method);

}  // namespace grokscope::experiment
