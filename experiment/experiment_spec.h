#pragma once
// An experiment: many seeds × arms of ordinary runs, described by a JSON spec
// (README, "Experiments"). This file parses and checks the spec; experiment_plan.h
// resolves it into one validated TrainConfig per (arm, seed).

#include "slurm_options.h"

#include <nlohmann/json.hpp>

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
    std::string description;       // free text for reports; empty: none
};

struct ExperimentSpec {
    std::string name;
    std::string preset;
    std::vector<unsigned long long> seeds;
    bool varyDataSeed = false;  // the seed also sets task.data_seed (default: the preset's split for every seed)
    std::vector<std::pair<std::string, nlohmann::json>> overrides;
    std::vector<ArmSpec> arms;
    std::size_t baselineArm = 0;
    // The "slurm" object: how `--backend slurm` submits the runs. It changes nothing
    // the runs compute, so a rerun may change it (prepareDirectory ignores it).
    std::optional<SlurmOptions> slurm;
    nlohmann::json source;  // the spec as written, copied to DIR/spec.json
    std::string origin;     // the file it came from, for error messages
};

// Throws ConfigError naming `origin` (the file) and the key at fault.
ExperimentSpec parseSpec(const nlohmann::json& document, const std::string& origin);
ExperimentSpec loadSpec(const std::string& path);

}  // namespace grokscope::experiment
