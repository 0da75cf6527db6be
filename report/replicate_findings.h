#pragma once
// What the replication report reads out of the protocol's runs, beyond the per-arm
// summaries: H̃ at T_grok per arm and its test against the paper's value, the verdict
// rules, trajectories, the MLP's end state, and the norm-decay ETA checked
// leave-one-seed-out. Plain data, shared by the report's text and its figures.

#include "metrics/statistics.h"
#include "replicate_protocol.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::report {

const ProtocolExperiment* experimentNamed(const std::vector<ProtocolExperiment>& experiments, const std::string& name);

// Mean and range over the arm's grokked runs of H̃ at T_grok.
struct Spread {
    std::size_t n = 0;
    double mean = std::nan(""), low = std::nan(""), high = std::nan("");
};
Spread entropyAtGrok(const ProtocolExperiment* e, const std::string& arm);

// H̃ at T_grok of the arm's grokked runs that ended, in record order.
std::vector<double> entropiesAtGrok(const ProtocolExperiment* e, const std::string& arm);

// Our values of a quantity against the value the paper claims for it
// (docs/science.md, "Statistics").
struct ClaimedValueCheck {
    double claimed = std::nan("");
    Spread spread;
    double sd = std::nan("");
    ConfidenceInterval meanCi;  // 95 % percentile bootstrap of our mean (BootstrapConfig{})
    OneSampleTTestResult tTest;  // H0: our mean equals the claimed value
};
ClaimedValueCheck checkClaimedValue(const std::vector<double>& values, double claimed);

// "0.509 ± 0.075 (n=10, range 0.40–0.62); 95% CI [0.46, 0.56]; t-test against 0.605: p = 0.003"
std::string claimedValueText(const ClaimedValueCheck& check);

// Rule: a claimed value holds when it lies inside our 95 % bootstrap CI of the mean.
std::string claimedValueVerdict(const ClaimedValueCheck& check);

// Rule for "the arm delays grokking": later with p < 0.05 holds, later with p ≥ 0.05 is
// "same direction, not significant", earlier does not hold. Where the arm is paired
// with the baseline (experiment::PairedComparison) "later" is a positive median paired
// ΔT_grok and p is the Wilcoxon signed-rank test's; otherwise a positive difference of
// the means and Mann–Whitney's p. The verdict names the test it rests on.
std::string delayVerdict(const experiment::ArmSummary* arm);

// The numbers behind delayVerdict: the paired comparison where there is one, then the
// unpaired one, then how many runs grokked.
std::string delayText(const experiment::ArmSummary* arm);

// Values of an evaluation field along a log, with their steps.
template <typename Field>
void trajectory(const RunLog& log, Field field, std::vector<double>& steps, std::vector<double>& values)
{
    for (const EvalSnapshot& s : log.evaluations)
        if (const std::optional<double> v = field(s)) {
            steps.push_back(double(s.step));
            values.push_back(*v);
        }
}

// The field's last value at or before `step`.
std::optional<double> lastBeforeOrAt(const RunLog& log, long step, std::optional<double> EvalSnapshot::*field);

// Means over the MLP runs: H̃ at the first and last spectrum, final test accuracy and
// Fourier alignment.
struct MlpFacts {
    std::size_t runs = 0, grokked = 0;
    double entropyInit = std::nan(""), entropyFinal = std::nan(""), testFinal = std::nan(""),
           fourierFinal = std::nan("");
};
MlpFacts mlpFacts(const std::vector<RunLog>& logs);

// Mean Fourier alignment at T_grok over the grokked runs; NaN without any.
double meanFourierAtGrok(const std::vector<RunLog>& logs);

// The norm-decay ETA as a forecast of T_grok, validated as the H̃ forecast is: each
// seed's target is the mean ‖θ‖₂ at T_grok of the other seeds, and the ETA is refitted
// at every evaluation from memorisation to T_grok, exactly as the trainer does live.
struct NormEtaRun {
    unsigned long long seed = 0;
    double grokStep = 0.0, target = 0.0, lastErrorPercent = std::nan(""), warningSteps = 0.0;
};
struct NormEtaCheck {
    std::vector<NormEtaRun> runs;
    double meanLastErrorPercent = std::nan(""), meanWarningSteps = std::nan("");
    std::vector<double> normsAtGrok, entropiesAtGrok;
};
NormEtaCheck checkNormEta(const std::vector<RunLog>& logs);

}  // namespace grokscope::report
