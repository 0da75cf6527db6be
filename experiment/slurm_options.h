#pragma once
// How an experiment's runs are submitted to Slurm: the spec's "slurm" object and the
// `--backend slurm` flags (README, "Running on a cluster"). Every value is checked
// here, so that what reaches sbatch's argv is a validated value or the user's own
// --sbatch-arg, never a surprise.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

struct SlurmOptions {
    std::string partition;         // empty: the cluster's default
    std::string time;              // per run, e.g. "0:30:00"; empty: the partition's default
    int cpusPerTask = 1;           // each run uses run.threads = 1, as locally
    std::string mem;               // e.g. "2G"; empty: the cluster's default
    std::optional<int> maxRunning; // the array's %N
    std::string account, qos;      // empty: the user's defaults
    std::vector<std::string> sbatchArgs;  // passed to sbatch as they are, before the script
};

// Throws ConfigError("<where>.<key>: ...") for an unknown key or a bad value.
SlurmOptions parseSlurmOptions(const nlohmann::json& object, const std::string& where);

// Each check throws ConfigError naming `what` (a flag or a spec key).
void checkSlurmTime(const std::string& value, const std::string& what);
void checkSlurmMemory(const std::string& value, const std::string& what);
// Partition, account and QoS names: letters, digits and - _ . only.
void checkSlurmName(const std::string& value, const std::string& what);
void checkCpusPerTask(long value, const std::string& what);
void checkMaxRunning(long value, const std::string& what);
// An extra sbatch argument must be one `--name` or `--name=value` token, and not one of
// the options the backend sets itself (--array, --output, --dependency, …): a bare word
// would end sbatch's options and become the batch script, and an owned option would
// silently change which tasks run, where they write, or what they wait for.
void checkSbatchArgument(const std::string& value, const std::string& what);

}  // namespace grokscope::experiment
