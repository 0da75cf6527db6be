#include "slurm_client.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace grokscope::experiment {

ProgramOutput runProgram(const std::vector<std::string>& arguments)
{
    if (arguments.empty())
        throw std::runtime_error("runProgram: no program");
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0)
        return {127, "", std::string("pipe: ") + std::strerror(errno)};
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        close(outPipe[0]);
        close(outPipe[1]);
        return {127, "", std::string("pipe: ") + std::strerror(errno)};
    }
    std::vector<char*> argv;
    for (const std::string& a : arguments)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO);
    pid_t pid = -1;
    const int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(outPipe[1]);
    close(errPipe[1]);
    ProgramOutput output;
    if (error != 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        output.exitCode = 127;
        output.err = "cannot start " + arguments.front() + ": " + std::strerror(error);
        return output;
    }
    // Both pipes at once: a child that fills one while we block on the other would hang.
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&output.out, &output.err};
    int open = 2;
    while (open > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[4096];
            const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (const pollfd& fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    output.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return output;
}

bool onPath(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::istringstream directories(path ? path : "");
    std::string directory;
    while (std::getline(directories, directory, ':'))
        if (!directory.empty() && access((directory + "/" + name).c_str(), X_OK) == 0)
            return true;
    return false;
}

QueueState queueStateKind(const std::string& state)
{
    if (state == "PENDING" || state == "REQUEUED" || state == "REQUEUE_FED" || state == "REQUEUE_HOLD"
        || state == "RESV_DEL_HOLD")
        return QueueState::Pending;
    if (state == "RUNNING" || state == "CONFIGURING" || state == "COMPLETING" || state == "SUSPENDED"
        || state == "STOPPED" || state == "SIGNALING" || state == "STAGE_OUT" || state == "RESIZING")
        return QueueState::Running;
    return QueueState::Ended;
}

std::vector<std::string> squeueArguments(const std::vector<std::string>& arrayJobs)
{
    std::string list;
    for (const std::string& job : arrayJobs)
        list += (list.empty() ? "" : ",") + job;
    // --all: tasks in hidden partitions, or ones the user's group cannot use, are listed too.
    return {"squeue", "--all", "--noheader", "--array", "--states=all", "--jobs=" + list,
            "--Format=ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|"};
}

namespace {

std::vector<std::string> split(const std::string& text, char separator)
{
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator))
        parts.push_back(part);
    return parts;
}

std::optional<std::size_t> index(const std::string& text)
{
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return static_cast<std::size_t>(std::stoul(text));
}

// "3", "0-5", "0-5%2", "1,3-4": the indices, or empty when it is none of those.
std::vector<std::size_t> taskIndices(std::string text)
{
    text = text.substr(0, text.find('%'));
    std::vector<std::size_t> indices;
    for (const std::string& piece : split(text, ',')) {
        const auto dash = piece.find('-');
        const auto first = index(piece.substr(0, dash));
        const auto last = dash == std::string::npos ? first : index(piece.substr(dash + 1));
        if (!first || !last || *last < *first || *last - *first > 100000)
            return {};
        for (std::size_t i = *first; i <= *last; ++i)
            indices.push_back(i);
    }
    return indices;
}

std::string trimmed(const std::string& text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

std::vector<QueueTask> parseQueue(const std::string& output)
{
    std::vector<QueueTask> tasks;
    for (const std::string& line : split(output, '\n')) {
        const std::vector<std::string> fields = split(line, '|');
        if (fields.size() < 4 || !index(trimmed(fields[0])))
            continue;
        QueueTask base;
        base.arrayJob = trimmed(fields[0]);
        base.state = trimmed(fields[2]);
        // "CANCELLED by 0" in some versions' long form: the first word is the state.
        base.state = base.state.substr(0, base.state.find(' '));
        base.reason = trimmed(fields[3]);
        base.kind = queueStateKind(base.state);
        if (fields.size() > 4 && base.kind == QueueState::Ended) {
            // squeue's exit_code is a raw wait status: 42 shows as 10752.
            if (const auto status = index(trimmed(fields[4])))
                base.exitCode = (*status & 0x7f) ? 128 + static_cast<int>(*status & 0x7f)
                                                 : static_cast<int>((*status >> 8) & 0xff);
        }
        for (std::size_t task : taskIndices(trimmed(fields[1]))) {
            QueueTask entry = base;
            entry.task = task;
            tasks.push_back(entry);
        }
    }
    return tasks;
}

std::optional<std::string> parseSubmittedJob(const std::string& output)
{
    const std::string line = trimmed(output.substr(0, output.find('\n')));
    const std::string id = line.substr(0, line.find(';'));
    if (!index(id))
        return std::nullopt;
    return id;
}

namespace {

std::string firstLine(const ProgramOutput& output)
{
    const std::string& text = output.err.empty() ? output.out : output.err;
    return trimmed(text.substr(0, text.find('\n')));
}

}  // namespace

std::string SlurmCommands::submit(const std::vector<std::string>& sbatchArgv)
{
    const ProgramOutput output = runProgram(sbatchArgv);
    const auto job = output.exitCode == 0 ? parseSubmittedJob(output.out) : std::nullopt;
    if (!job)
        throw std::runtime_error("sbatch failed (exit code " + std::to_string(output.exitCode)
                                 + "): " + firstLine(output));
    return *job;
}

std::vector<QueueTask> SlurmCommands::queue(const std::vector<std::string>& arrayJobs)
{
    if (arrayJobs.empty())
        return {};
    const ProgramOutput output = runProgram(squeueArguments(arrayJobs));
    // One id that Slurm has forgotten (older than MinJobAge) is an error for squeue:
    // it knows nothing of that array, which is the answer.
    if (output.exitCode != 0 && output.err.find("Invalid job id") != std::string::npos)
        return {};
    if (output.exitCode != 0)
        throw std::runtime_error("squeue failed (exit code " + std::to_string(output.exitCode)
                                 + "): " + firstLine(output));
    return parseQueue(output.out);
}

void SlurmCommands::cancel(const std::vector<std::string>& jobs)
{
    if (jobs.empty())
        return;
    std::vector<std::string> argv = {"scancel"};
    argv.insert(argv.end(), jobs.begin(), jobs.end());
    const ProgramOutput output = runProgram(argv);
    if (output.exitCode != 0)
        throw std::runtime_error("scancel failed (exit code " + std::to_string(output.exitCode)
                                 + "): " + firstLine(output));
}

}  // namespace grokscope::experiment
