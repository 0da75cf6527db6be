#pragma once
// What an experiment's runs left on disk, and the per-arm statistics of it:
// runs.csv (one row per run), summary.csv (one row per arm: unpaired statistics, then
// the paired comparison against the baseline, paired_comparison.h), summary.md.

#include "experiment_spec.h"
#include "metrics/statistics.h"
#include "paired_comparison.h"

#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

enum class RunStatus {
    Missing,   // no run in the directory yet
    Finished,  // a "finished" event
    Failed,    // a "failed" or "nan" event: kept as an outcome, never retried
    Resumable, // a config and a checkpoint, no end event (killed or stopped)
    Broken,    // unreadable, or no checkpoint to resume from: moved aside and restarted
    Skipped,   // not run: its norm reference did not finish
};
std::string statusName(RunStatus status);

struct RunRecord {
    std::string arm;
    unsigned long long seed = 0;
    RunStatus status = RunStatus::Missing;
    std::string detail;  // why Broken / Failed / Skipped
    std::optional<long> tGrok, tMemorised, tCollapse, tCross;
    std::optional<double> hInit;    // H̃ at the first evaluation that has one
    std::optional<double> hAtGrok;  // H̃ at the last spectrum evaluation at or before T_grok
    long finalStep = 0;
    double trainingSeconds = 0.0;

    bool complete() const { return status == RunStatus::Finished || status == RunStatus::Failed; }
};

// Reads DIR/<arm>/seed_<s> (readRunLog); never throws: a bad log is Broken.
RunRecord inspectRun(const std::string& arm, unsigned long long seed, const std::string& directory);

struct ArmSummary {
    std::string arm;
    bool isBaseline = false;
    std::size_t planned = 0, complete = 0, failed = 0, grokked = 0;
    SampleSummary tGrok;  // over grokked runs
    double hInitMean = 0.0, hAtGrokMean = 0.0;
    // Leads over T_grok, over grokked runs that have the event; "before" counts
    // runs whose event came strictly before T_grok.
    double collapseLeadMean = 0.0, crossingLeadMean = 0.0;
    std::size_t collapseCount = 0, collapseBefore = 0, crossingCount = 0, crossingBefore = 0;
    // Against the baseline arm (NaN for the baseline itself).
    double deltaTGrok = 0.0;
    MannWhitneyResult mannWhitney;
    double cohensD = 0.0;
    // Seed by seed against the baseline; `applicable` is false for the baseline itself
    // and for arms that do not share its seeds' runs (sharesSeedsWithBaseline).
    PairedComparison paired;
};

// "n/a" for NaN or ±∞; otherwise printf with `format` (e.g. "%.0f").
std::string number(double value, const char* format);

std::vector<ArmSummary> summariseArms(const ExperimentSpec& spec, const std::vector<RunRecord>& records);

std::string runsCsv(const std::vector<RunRecord>& records);
std::string summaryCsv(const std::vector<ArmSummary>& arms);
std::string summaryMarkdown(const ExperimentSpec& spec, const std::vector<RunRecord>& records,
                            const std::vector<ArmSummary>& arms);

}  // namespace grokscope::experiment
