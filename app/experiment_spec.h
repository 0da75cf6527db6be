#pragma once
// An experiment: many seeds × arms of ordinary runs, described by a JSON spec
// (README, "Experiments"). This file parses the spec and resolves it into one
// validated TrainConfig per (arm, seed), before anything is launched.

#include "train/train_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grokscope::experiment {

struct ArmSpec {
    std::string name;
    std::string preset;  // empty: the experiment's preset
    std::vector<std::pair<std::string, nlohmann::json>> overrides;  // applied after the experiment's
    std::string normReferenceArm;  // empty: none
};

struct ExperimentSpec {
    std::string name;
    std::string preset;
    std::vector<unsigned long long> seeds;
    bool varyDataSeed = false;  // the seed also sets task.data_seed (default: the preset's split for every seed)
    std::vector<std::pair<std::string, nlohmann::json>> overrides;
    std::vector<ArmSpec> arms;
    std::size_t baselineArm = 0;
    nlohmann::json source;  // the spec as written, copied to DIR/spec.json
    std::string origin;     // the file it came from, for error messages
};

// Throws ConfigError naming `origin` (the file) and the key at fault.
ExperimentSpec parseSpec(const nlohmann::json& document, const std::string& origin);
ExperimentSpec loadSpec(const std::string& path);

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
