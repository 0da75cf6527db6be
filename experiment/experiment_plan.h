#pragma once
// An experiment spec expanded into its runs: one resolved, validated TrainConfig per
// (arm, seed) with the paths the run writes under the experiment's directory.

#include "config/train_config.h"
#include "experiment_spec.h"

#include <filesystem>
#include <optional>
#include <vector>

namespace grokscope::experiment {

// One run of the experiment with its resolved config.
struct PlannedRun {
    std::size_t arm = 0;
    unsigned long long seed = 0;
    TrainConfig config;
    std::filesystem::path directory;              // DIR/<arm>/seed_<s>
    std::filesystem::path configFile;             // DIR/<arm>/seed_<s>.config.json
    std::filesystem::path logFile;                // DIR/<arm>/seed_<s>.log (child stdout/stderr)
    std::optional<std::size_t> reference;         // index of the run whose ‖θ‖ it follows
};

// preset → run.threads = 1 → experiment overrides → arm overrides → run.model_seed
// (and task.data_seed with vary_data_seed) → intervention.norm_reference_run;
// each config validated. Runs are ordered arm-major; a referencing run comes after
// its reference in the spec's arm order or not, the runner waits for it either way.
std::vector<PlannedRun> planRuns(const ExperimentSpec& spec, const std::filesystem::path& outDirectory);

}  // namespace grokscope::experiment
