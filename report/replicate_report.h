#pragma once
// The replication report: DIR/report.md beside DIR/figures/*.png. Our numbers next
// to the paper's (docs/science.md), a verdict per claim by a rule stated in the
// report, and the per-arm detail of each protocol experiment. The figures are drawn
// by a separate library (figures/replicate_figures.h, Qt) that the caller passes in,
// so this library needs no Qt.

#include "metrics/forecast.h"
#include "replicate_protocol.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace grokscope::report {

struct ReplicateTiming {
    double invocationSeconds = 0.0;   // this replicate command
    double cumulativeSeconds = 0.0;   // every replicate invocation on this directory
    int jobs = 1;
    unsigned cores = 1;
};

// What the report's figures are drawn from.
struct FigureInputs {
    const std::filesystem::path& directory;
    const ProtocolExperiment* interventions;  // null when not run
    const std::vector<RunLog>& baselineLogs;
    const std::vector<RunLog>& mlpLogs;
    double threshold;  // H̃*
    const LeaveOneSeedOutResult& loso;
};
// Draws the figures into DIR/figures; returns the report's "Figures" section.
using FigureSectionWriter = std::function<std::string(const FigureInputs&)>;

// The "Figures" section of a report without figures (grokscope-cli built without Qt).
std::string noFiguresSection();

// The experiment's summary.md, its headings moved two levels down: a report's
// "Detail" section.
std::string nestedSummary(const ProtocolExperiment& e);

// Returns the report's path. Without a figure writer the report has no figures and
// says so.
std::filesystem::path writeReplicationReport(const std::filesystem::path& directory,
                                             const std::vector<ProtocolExperiment>& experiments, int seeds,
                                             const ReplicateTiming& timing, const FigureSectionWriter& figures = {});

}  // namespace grokscope::report
