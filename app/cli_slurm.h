#pragma once
// grokscope-cli's Slurm backend: `experiment`/`replicate --backend slurm` (submit,
// and with --wait follow until the tasks end, then summarise) and the hidden
// `experiment-task` each array task runs. The logic is in experiment/slurm_*.h; this
// file reads the options and prints.

#include "cli_arguments.h"
#include "experiment_spec.h"
#include "slurm_backend.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace grokscope::cli {

// The spec's "slurm" object, then the flags over it; throws ConfigError for a bad value.
experiment::SlurmOptions slurmOptionsFromArguments(const Arguments& args,
                                                   const std::optional<experiment::SlurmOptions>& fromSpec);

// Throws ConfigError when a Slurm-only option is given without --backend slurm, or a
// local-only one with it; returns whether the backend is Slurm.
bool usesSlurmBackend(const Arguments& args);

// The experiment's directory for Slurm: absolute and normal, created, with no
// character that sbatch's --output pattern would misread. Also checks sbatch is on PATH.
std::filesystem::path prepareSlurmDirectory(const std::filesystem::path& out);

// Submits what the experiment needs and prints one line per array, and that DIR must
// be shared with the nodes (also with --quiet: it is the backend's one requirement).
int submitExperimentInConsole(const experiment::ExperimentSpec& spec, const std::filesystem::path& directory,
                              const experiment::SlurmSubmitOptions& options);

// Polls every 2 s until no task of these experiments is pending or running, printing
// each run's state as it changes (unless quiet), then writes each experiment's
// summary. Returns 0 when every run ended, 1 when some did not, 130 on Ctrl-C (the
// tasks go on in Slurm).
int waitForExperiments(const std::vector<std::pair<experiment::ExperimentSpec, std::filesystem::path>>& experiments,
                       bool quiet);

// `experiment SPEC --out DIR --backend slurm [...]`.
int experimentOnSlurm(const experiment::ExperimentSpec& spec, const Arguments& args);

// `experiment-task DIR ARM_INDEX SEED_INDEX`: one array task.
int experimentTaskCommand(const Arguments& args);

}  // namespace grokscope::cli
