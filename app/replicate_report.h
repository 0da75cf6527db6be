#pragma once
// The replication report: DIR/report.md beside DIR/figures/*.png. Our numbers next
// to the paper's (science notes), a verdict per claim by a rule stated in the report,
// and the per-arm detail of each protocol experiment.

#include "replicate_protocol.h"

#include <filesystem>
#include <string>
#include <vector>

namespace grokscope::cli {

struct ReplicateTiming {
    double invocationSeconds = 0.0;   // this replicate command
    double cumulativeSeconds = 0.0;   // every replicate invocation on this directory
    int jobs = 1;
    unsigned cores = 1;
};

// Returns the report's path. Figures are left out (and the report says so) when the
// CLI was built without the GUI libraries.
std::filesystem::path writeReplicationReport(const std::filesystem::path& directory,
                                             const std::vector<ProtocolExperiment>& experiments, int seeds,
                                             const ReplicateTiming& timing);

}  // namespace grokscope::cli
