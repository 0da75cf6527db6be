#include "local_process_scheduler.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace grokscope::experiment {

std::vector<std::string> launchArguments(const PlannedRun& run, Launch launch)
{
    if (launch == Launch::Start)
        return {"run", "--config", run.configFile.string(), "--out", run.directory.string(), "--quiet"};
    return {"resume", "--quiet", "--", run.directory.string()};
}

bool JobEnd::stoppedCleanly() const
{
    return (exited && (exitCode == 0 || exitCode == 130)) || (!exited && signal == SIGINT);
}

std::string JobEnd::describe() const
{
    return exited ? "exit code " + std::to_string(exitCode) : "killed by signal " + std::to_string(signal);
}

namespace {

pid_t spawn(const std::string& executable, const std::vector<std::string>& arguments, const fs::path& logFile)
{
    {
        std::ofstream log(logFile, std::ios::app);
        log << "==== " << executable;
        for (const std::string& a : arguments)
            log << ' ' << a;
        log << '\n';
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(executable.c_str()));
    for (const std::string& a : arguments)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // O_NOFOLLOW: a link planted at the log's name is not written through.
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        throw std::runtime_error("cannot start " + executable + ": " + std::strerror(error));
    return pid;
}

}  // namespace

LocalProcessScheduler::LocalProcessScheduler(std::string executable) : m_executable(std::move(executable)) {}

JobId LocalProcessScheduler::submit(const PlannedRun& run, Launch launch)
{
    const pid_t pid = spawn(m_executable, launchArguments(run, launch), run.logFile);
    const JobId id = m_nextId++;
    m_children[id] = pid;
    return id;
}

std::optional<JobEnd> LocalProcessScheduler::poll(JobId job)
{
    const auto child = m_children.find(job);
    if (child == m_children.end())
        throw std::logic_error("poll of a job that is not running");
    int status = 0;
    const pid_t reaped = waitpid(child->second, &status, WNOHANG);
    if (reaped == 0 || (reaped < 0 && errno == EINTR))
        return std::nullopt;
    m_children.erase(child);
    JobEnd end;
    end.exited = WIFEXITED(status);
    end.exitCode = end.exited ? WEXITSTATUS(status) : 0;
    end.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return end;
}

void LocalProcessScheduler::cancel(JobId job)
{
    const auto child = m_children.find(job);
    if (child != m_children.end())
        kill(child->second, SIGINT);
}

}  // namespace grokscope::experiment
