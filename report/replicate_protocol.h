#pragma once
// The paper's protocol as built-in experiments (experiments/protocol/*.json, embedded
// at build time): `interventions` (z97-add levers, norm-matched controls, MLP at
// p = 41) and `tasks` (sub, mul, S5); and the variant suite, `variants` and
// `variants-pytorch-init` (readings of the mixing intervention). `grokscope-cli
// replicate` runs a suite with seeds 0 … N−1 into DIR/<name>, resumably, and reads
// back what they left.

#include "experiment_directory.h"
#include "io/run_log.h"

#include <filesystem>
#include <string>
#include <vector>

namespace grokscope::report {

struct ProtocolExperiment {
    experiment::ExperimentSpec spec;
    std::filesystem::path directory;
    std::vector<experiment::PlannedRun> runs;
    std::vector<experiment::RunRecord> records;
    std::vector<experiment::ArmSummary> arms;

    const experiment::ArmSummary* arm(const std::string& name) const;
    // Logs of the arm's runs that ended (finished or failed), in seed order;
    // unreadable ones are skipped (their RunRecord says why).
    std::vector<RunLog> completeLogs(const std::string& arm) const;
};

// What `replicate --suite` runs: the paper's protocol (`interventions`, `tasks`), or
// readings of its mixing intervention (`variants`, `variants-pytorch-init`).
enum class ProtocolSuite { Paper, Variants };

// Names of the suite's built-in experiments, in the order replicate runs them.
std::vector<std::string> protocolNames(ProtocolSuite suite = ProtocolSuite::Paper);

// Whether each seed draws its own train/test split (task.data_seed = the seed, as the
// paper's seeds presumably did; the protocol files say so) or all seeds share the
// preset's split (`replicate --same-split`, what releases before it did).
enum class ProtocolSplit { PerSeed, Shared };

// The named protocol spec with "seeds" replaced by 0 … seeds−1 and the split chosen.
experiment::ExperimentSpec protocolSpec(const std::string& name, int seeds, ProtocolSplit split = ProtocolSplit::PerSeed);

// How the experiments' seeds split the data, for a report's first paragraph: "each
// seed draws its own train/test split (task.data_seed = the seed)" or "every seed trains
// on the preset's train/test split (--same-split)".
std::string splitDescription(const std::vector<ProtocolExperiment>& experiments);

// Plans the spec's runs in directory and reads back their state and statistics.
ProtocolExperiment inspectProtocol(const experiment::ExperimentSpec& spec, const std::filesystem::path& directory);

}  // namespace grokscope::report
