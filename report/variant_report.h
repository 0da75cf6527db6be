#pragma once
// The variant suite's report (`grokscope-cli replicate --suite variants`):
// DIR/variants-report.md, which answers "Does any reading of the paper's intervention
// delay grokking?" with each reading's paired ΔT_grok against its experiment's
// baseline, the tests, and the H̃ the reading holds. The figure is drawn by a separate
// library (figures/variant_figures.h, Qt) that the caller passes in.

#include "replicate_protocol.h"
#include "replicate_report.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace grokscope::report {

// One reading (an arm that is not its experiment's baseline) against its baseline.
struct VariantReading {
    std::string experiment, arm, description;
    const experiment::ArmSummary* summary = nullptr;  // into the experiment's arms
    // Mean over the arm's ended runs of the mean H̃ at the spectrum evaluations after
    // the lever switched on (intervention.mixing_from_step) up to T_grok, or to the
    // run's end where it did not grok: the entropy the reading holds the plateau at.
    double entropyHeld = 0.0;
    std::string verdict;  // "delays", "advances", "no significant change", "no data"
};

// The readings of every experiment, in spec order, with the baselines' own held H̃ as
// rows of their own (verdict "baseline").
std::vector<VariantReading> variantReadings(const std::vector<ProtocolExperiment>& experiments);

struct VariantFigureInputs {
    const std::filesystem::path& directory;
    const std::vector<VariantReading>& readings;
};
// Draws the figure into DIR/figures; returns the report's "Figure" section.
using VariantFigureWriter = std::function<std::string(const VariantFigureInputs&)>;

// Writes DIR/variants-report.md (through a temporary file) and returns its path.
std::filesystem::path writeVariantReport(const std::filesystem::path& directory,
                                         const std::vector<ProtocolExperiment>& experiments, int seeds,
                                         const ReplicateTiming& timing, const VariantFigureWriter& figure = {});

}  // namespace grokscope::report
