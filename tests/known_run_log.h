#pragma once
// A run log with known answers, written without training, for the tests that read
// run logs back (tst_experiment_plan, tst_experiment_runner, tst_report, tst_replicate).

#include "io/config_json.h"
#include "io/run_log_writer.h"

#include <filesystem>
#include <optional>
#include <string>

// A finished run of `preset` that memorises at step 200, is evaluated every 100 steps
// from 0 to `lastStep`, has test accuracy 1 from `grokStep` on (0.01 throughout without
// one) and H̃ = entropyAt(step), and finishes at `lastStep` after 1 s of training.
template <typename Entropy>
inline void writeKnownRun(const std::filesystem::path& directory, const std::string& preset, unsigned long long seed,
                          long lastStep, std::optional<long> grokStep, Entropy entropyAt)
{
    using namespace grokscope;
    TrainConfig config = loadPreset(preset);
    config.run.modelSeed = seed;
    RunLogWriter::writeConfig(directory.string(), config);
    RunLogWriter writer(directory.string(), {"all"});
    for (long step = 0; step <= lastStep; step += 100) {
        EvalSnapshot s;
        s.step = step;
        s.trainAccuracy = step >= 200 ? 1.0 : 0.1;
        s.testAccuracy = grokStep && step >= *grokStep ? 1.0 : 0.01;
        s.trainLoss = s.testLoss = 1.0;
        s.weightNorm = 40.0;
        s.entropy = entropyAt(step);
        writer.onEvaluation(s);
    }
    writer.onEvent(RunEvent{200, "memorised", "memorised", {}, {}});
    if (grokStep)
        writer.onEvent(RunEvent{*grokStep, "grokked", "grokked", {}, {}});
    writer.onEvent(RunEvent{lastStep, "finished", "finished", {{"training_ms", 1000.0}}, {}});
}

// A run that groks at `grokStep` (a multiple of 100), with H̃ falling linearly from 0.78
// to `entropyAtGrok` there, and finishes 200 steps later.
inline void writeFinishedRun(const std::filesystem::path& directory, const std::string& preset,
                             unsigned long long seed, long grokStep, double entropyAtGrok = 0.6)
{
    writeKnownRun(directory, preset, seed, grokStep + 200, grokStep,
                  [&](long step) { return 0.78 + (entropyAtGrok - 0.78) * double(step) / double(grokStep); });
}

// A run that finishes at `finalStep` without grokking (its T_grok is censored at its
// budget), H̃ 0.78 throughout.
inline void writeUngrokkedRun(const std::filesystem::path& directory, const std::string& preset,
                              unsigned long long seed, long finalStep)
{
    writeKnownRun(directory, preset, seed, finalStep, std::nullopt, [](long) { return 0.78; });
}
