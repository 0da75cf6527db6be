#pragma once
// A run directory on disk (format documented in README, "Run log format"):
//   config.json          the full config, seeds, version and git revision
//   metrics.csv          one row per evaluation, columns as metrics/metric_columns.h declares
//   spectra.csv          eigenvalues per spectrum evaluation
//   param_norms.csv      ‖W‖₂ per parameter tensor per evaluation
//   events.jsonl         one JSON object per event
//   checkpoints/         step_XXXXXXXX.pt
//   representations/     step_XXXXXXXX.npy (on request)
// Rows are appended and flushed as they come: a killed run leaves a readable log.

#include "metrics/eval_snapshot.h"
#include "config/train_config.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace grokscope {

class RunLogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RunLog {
    std::string directory;
    TrainConfig config;
    std::string version, gitRevision, createdUtc;
    std::vector<EvalSnapshot> evaluations;
    std::vector<SpectrumSnapshot> spectra;
    std::vector<std::string> parameterNames;
    std::vector<ParameterNorms> parameterNorms;
    std::vector<RunEvent> events;
    std::vector<std::string> warnings;  // e.g. a partial last line dropped after a kill

    std::vector<std::pair<long, double>> weightNormTrajectory() const;
    const RunEvent* firstEvent(const std::string& type) const;
};

// Throws RunLogError naming the file (and line) that is missing or corrupt.
RunLog readRunLog(const std::string& directory);

namespace runlog {
inline constexpr const char* kConfig = "config.json";
inline constexpr const char* kMetrics = "metrics.csv";
inline constexpr const char* kSpectra = "spectra.csv";
inline constexpr const char* kParameterNorms = "param_norms.csv";
inline constexpr const char* kEvents = "events.jsonl";
inline constexpr const char* kCheckpoints = "checkpoints";
inline constexpr const char* kRepresentations = "representations";
std::string metricsHeader();  // metrics.csv's header: the names of metricColumns(), in order
std::string stepFileName(long step, const char* extension);  // "step_00001000.pt"
}  // namespace runlog

}  // namespace grokscope
