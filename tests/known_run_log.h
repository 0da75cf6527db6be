#pragma once
// A run log with known answers, written without training, for the tests that read
// run logs back (tst_experiment_plan, tst_experiment_runner, tst_report, tst_replicate).

#include "io/config_json.h"
#include "io/run_log_writer.h"

#include <filesystem>
#include <string>

// A finished run of `preset` that memorises at step 200, has H̃ falling linearly from
// 0.78 to `entropyAtGrok` at `grokStep` (a multiple of 100), groks there and finishes
// 200 steps later after 1 s of training; evaluations every 100 steps from 0 to
// grokStep + 200.
inline void writeFinishedRun(const std::filesystem::path& directory, const std::string& preset,
                             unsigned long long seed, long grokStep, double entropyAtGrok = 0.6)
{
    using namespace grokscope;
    TrainConfig config = loadPreset(preset);
    config.run.modelSeed = seed;
    RunLogWriter::writeConfig(directory.string(), config);
    RunLogWriter writer(directory.string(), {"all"});
    for (long step = 0; step <= grokStep + 200; step += 100) {
        EvalSnapshot s;
        s.step = step;
        s.trainAccuracy = step >= 200 ? 1.0 : 0.1;
        s.testAccuracy = step >= grokStep ? 1.0 : 0.01;
        s.trainLoss = s.testLoss = 1.0;
        s.weightNorm = 40.0;
        s.entropy = 0.78 + (entropyAtGrok - 0.78) * double(step) / double(grokStep);
        writer.onEvaluation(s);
    }
    RunEvent memorised{200, "memorised", "memorised", {}, {}};
    RunEvent grokked{grokStep, "grokked", "grokked", {}, {}};
    RunEvent finished{grokStep + 200, "finished", "finished", {{"training_ms", 1000.0}}, {}};
    for (const RunEvent& e : {memorised, grokked, finished})
        writer.onEvent(e);
}
