#pragma once
// grokscope-bench --experiment SPEC: an experiment's planned wall time from measured
// per-step costs (bench/README.md). Kept apart from bench_main.cpp's single-run figures.

#include <string>

namespace grokscope::bench {

struct ExperimentPlanOptions {
    std::string spec;       // the experiment spec file
    std::string directory;  // an experiment directory of that spec, for the real figures; may be empty
    int jobs = 0;           // 0: one per core, as `grokscope-cli experiment` does
    long timedSteps = 300;  // steps timed per kind of run, after a warm-up
};

// Prints one JSON line per measured kind of step, per arm, and the plan. Returns the
// process's exit code (2 for a bad spec or directory, with a one-line message).
int planExperiment(const ExperimentPlanOptions& options);

}  // namespace grokscope::bench
