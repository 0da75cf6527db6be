#include "experiment_plan.h"

#include "io/config_json.h"
#include "io/input_file.h"

namespace fs = std::filesystem;

namespace grokscope::experiment {

std::vector<PlannedRun> planRuns(const ExperimentSpec& spec, const fs::path& outDirectory)
{
    const fs::path root = fs::absolute(outDirectory).lexically_normal();
    std::vector<PlannedRun> runs;
    for (std::size_t a = 0; a < spec.arms.size(); ++a) {
        const ArmSpec& arm = spec.arms[a];
        const std::string where = "arm " + quotedForMessage(arm.name);
        TrainConfig base;
        const std::string preset = arm.preset.empty() ? spec.preset : arm.preset;
        try {
            base = loadPreset(preset);
        } catch (const ConfigError& error) {
            throw ConfigError(spec.origin + ": " + where + ": preset: " + error.what());
        }
        // One thread per run: the experiment parallelises over runs (--jobs).
        base.run.threads = 1;
        auto apply = [&](const std::vector<std::pair<std::string, nlohmann::json>>& overrides,
                         const std::string& scope) {
            for (const auto& [key, value] : overrides) {
                try {
                    base = applyOverride(base, key + "=" + value.dump());
                } catch (const std::exception& error) {
                    throw ConfigError(spec.origin + ": " + scope + " overrides: " + error.what());
                }
            }
        };
        apply(spec.overrides, "experiment");
        apply(arm.overrides, where);
        base.name = spec.name + "-" + arm.name;
        for (const unsigned long long seed : spec.seeds) {
            PlannedRun run;
            run.arm = a;
            run.seed = seed;
            run.config = base;
            run.config.run.modelSeed = seed;
            if (spec.varyDataSeed)
                run.config.task.dataSeed = seed;
            const std::string stem = "seed_" + std::to_string(seed);
            run.directory = root / arm.name / stem;
            run.configFile = root / arm.name / (stem + ".config.json");
            run.logFile = root / arm.name / (stem + ".log");
            runs.push_back(std::move(run));
        }
    }
    // References: same seed, the referenced arm's run directory.
    for (PlannedRun& run : runs) {
        const std::string& reference = spec.arms[run.arm].normReferenceArm;
        if (reference.empty())
            continue;
        for (std::size_t i = 0; i < runs.size(); ++i)
            if (spec.arms[runs[i].arm].name == reference && runs[i].seed == run.seed) {
                run.reference = i;
                run.config.intervention.normReferenceRun = runs[i].directory.string();
            }
    }
    for (const PlannedRun& run : runs) {
        try {
            validateConfig(run.config);
        } catch (const std::exception& error) {
            throw ConfigError(spec.origin + ": arm " + quotedForMessage(spec.arms[run.arm].name) + ", seed " + std::to_string(run.seed) + ": "
                              + error.what());
        }
    }
    return runs;
}

}  // namespace grokscope::experiment
