#pragma once
// What the Slurm backend keeps in DIR/slurm/: one batch script per arm, the
// submissions made (submissions.jsonl), each task's exit status (exit/) and Slurm's
// own output (logs/). The script holds fixed text and the arm's index only: the
// binary and DIR reach it as positional arguments, so no name or path a user chose
// is ever read by a shell.

#include "slurm_options.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

struct SlurmLayout {
    explicit SlurmLayout(const std::filesystem::path& experimentDirectory);
    std::filesystem::path directory;    // DIR/slurm
    std::filesystem::path logs;         // DIR/slurm/logs: sbatch --output
    std::filesystem::path exits;        // DIR/slurm/exit
    std::filesystem::path submissions;  // DIR/slurm/submissions.jsonl
    std::filesystem::path script(std::size_t arm) const;  // DIR/slurm/<arm>.sbatch
    std::filesystem::path exitFile(std::size_t arm, std::size_t seedIndex) const;  // exit/<arm>_<seed index>.json
};

// The batch script of arm `arm`: runs `"$1" experiment-task "$2" <arm> "$SLURM_ARRAY_TASK_ID"`.
std::string batchScriptText(std::size_t arm);

// One sbatch call: an arm's tasks (array index = the seed's index in the spec).
struct ArraySubmission {
    std::size_t arm = 0;
    std::vector<std::size_t> tasks;
    std::string dependsOnArray;  // the reference arm's array id for aftercorr, or empty
    std::filesystem::path executable, experimentDirectory;  // absolute
};

// sbatch's argv, "sbatch" first: options as validated values, the user's --sbatch-arg
// last among them (so they can override ours), then the script and its two arguments.
std::vector<std::string> sbatchArguments(const SlurmOptions& options, const ArraySubmission& submission);

// "0-2,5,7-8": sbatch --array's list of the (sorted, distinct) indices.
std::string arrayIndexList(std::vector<std::size_t> indices);

// '%' doubled: sbatch --output expands %A, %a, ... and takes "%%" for a '%'.
std::string escapeOutputPattern(const std::string& path);

// A line of submissions.jsonl.
struct SubmissionRecord {
    std::size_t arm = 0;
    std::string job;  // the array's job id
    std::vector<std::size_t> tasks;
    std::string dependency;  // "aftercorr:<id>" or empty
    std::string submittedUtc;
    std::vector<std::string> sbatch;  // the argv it was submitted with
};

void appendSubmission(const std::filesystem::path& file, const SubmissionRecord& record);
// Absent file: none. Throws RunLogError naming the file and line when one is corrupt.
std::vector<SubmissionRecord> readSubmissions(const std::filesystem::path& file);

// What experiment-task leaves when its run ends: exit/<arm>_<seed index>.json.
struct TaskExit {
    int exitCode = 0;
    std::string job;  // "<array id>_<task id>", empty outside Slurm
};
void writeTaskExit(const std::filesystem::path& file, const TaskExit& exit);
// nullopt when absent or unreadable (an exit file is written atomically, so a bad one
// was not written by a task).
std::optional<TaskExit> readTaskExit(const std::filesystem::path& file);

// "2026-12-06T16:50:00Z"
std::string utcNow();

}  // namespace grokscope::experiment
