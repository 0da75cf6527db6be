#pragma once
// The Slurm commands the backend uses (sbatch, squeue, scancel), each run as a child
// process from an argv vector with its output captured: never through a shell. The
// parsers are separate functions, so tests can feed them output captured from a real
// cluster.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

struct ProgramOutput {
    int exitCode = 0;  // 127: it could not be started; 128 + n: killed by signal n
    std::string out, err;
};

// posix_spawnp of argv[0] (found on PATH), stdin from /dev/null, stdout and stderr
// captured. Never throws for a program that fails; throws std::runtime_error for an
// empty argv.
ProgramOutput runProgram(const std::vector<std::string>& argv);

// Whether `name` is an executable file in a PATH directory.
bool onPath(const std::string& name);

// What Slurm says about one array task.
enum class QueueState {
    Pending,  // PENDING, REQUEUED, ...: not started yet
    Running,  // RUNNING, CONFIGURING, COMPLETING, SUSPENDED, ...
    Ended,    // COMPLETED, FAILED, CANCELLED, TIMEOUT, ... (kept for slurm.conf's MinJobAge)
};

struct QueueTask {
    std::string arrayJob;  // the array's job id
    std::size_t task = 0;
    std::string state;     // Slurm's name: "RUNNING", "CANCELLED", ...
    std::string reason;
    std::optional<int> exitCode;  // from the wait status Slurm reports, when it ended
    QueueState kind = QueueState::Pending;
};

// The argv whose output parseQueue reads: every task (-r) of the arrays, in any state.
std::vector<std::string> squeueArguments(const std::vector<std::string>& arrayJobs);
// Lines "ArrayJobID|ArrayTaskID|State|Reason|exit_code|"; a task range (a pending
// array not yet split) gives one entry per index. Lines that are not such are skipped.
std::vector<QueueTask> parseQueue(const std::string& squeueOutput);
QueueState queueStateKind(const std::string& slurmState);

// sbatch --parsable prints "<job id>" or "<job id>;<cluster>"; nullopt for anything else.
std::optional<std::string> parseSubmittedJob(const std::string& sbatchOutput);

// The cluster, as the backend sees it. SlurmCommands is the real one; tests fake it.
class SlurmClient {
public:
    virtual ~SlurmClient() = default;
    // Returns the array's job id; throws std::runtime_error with sbatch's message.
    virtual std::string submit(const std::vector<std::string>& sbatchArgv) = 0;
    // The tasks of these arrays that Slurm still knows; throws std::runtime_error
    // when squeue fails (other than for ids it has forgotten).
    virtual std::vector<QueueTask> queue(const std::vector<std::string>& arrayJobs) = 0;
    // scancel of these ids ("17" or "17_3"); throws std::runtime_error when it fails.
    virtual void cancel(const std::vector<std::string>& jobs) = 0;
};

class SlurmCommands : public SlurmClient {
public:
    std::string submit(const std::vector<std::string>& sbatchArgv) override;
    std::vector<QueueTask> queue(const std::vector<std::string>& arrayJobs) override;
    void cancel(const std::vector<std::string>& jobs) override;
};

}  // namespace grokscope::experiment
