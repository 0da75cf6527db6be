#pragma once
// The paper's protocol as built-in experiments (experiments/protocol/*.json, embedded
// at build time): `interventions` (z97-add levers, norm-matched controls, MLP at
// p = 41) and `tasks` (sub, mul, S5). `grokscope-cli replicate` runs them with seeds
// 0 … N−1 into DIR/<name>, resumably, and reads back what they left.

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

// Names of the built-in protocol experiments, in the order replicate runs them.
std::vector<std::string> protocolNames();

// The named protocol spec with "seeds" replaced by 0 … seeds−1.
experiment::ExperimentSpec protocolSpec(const std::string& name, int seeds);

// Plans the spec's runs in directory and reads back their state and statistics.
ProtocolExperiment inspectProtocol(const experiment::ExperimentSpec& spec, const std::filesystem::path& directory);

}  // namespace grokscope::report
