#include "child_process.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace grokscope::fuzz {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// In the child, between fork and exec (or the twin's main). Only async-signal-safe
// calls before the twin starts, since the parent might hold locks.
[[noreturn]] void becomeChild(const ChildSpec& spec, TwinMain twin, const std::vector<char*>& argv)
{
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP})
        ::signal(s, SIG_DFL);
    if (::chdir(spec.cwd.c_str()) != 0)
        ::_exit(126);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(spec.stdoutFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(spec.stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0)
        ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::close(in);
    ::close(out);
    ::close(err);
    const rlimit noCore{0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);  // a crash must not drop a core file into the working directory
    const rlimit fileSize{4ULL << 30, 4ULL << 30};
    ::setrlimit(RLIMIT_FSIZE, &fileSize);
    for (const auto& [name, value] : spec.environment)
        ::setenv(name.c_str(), value.c_str(), 1);
    if (spec.twin) {
        // As on a terminal: each line of stdout is written at once, so the markers show.
        std::setvbuf(stdout, nullptr, _IOLBF, 0);
        const int code = twin(static_cast<int>(argv.size()) - 1, const_cast<char**>(argv.data()));
        // Returning from main would run every static destructor, LibTorch's deregistration
        // of its ~2,000 operators among them: 0.1 s per case. The output is flushed; the
        // cases run through the built binary (every 50th) take the normal way out.
        std::fflush(nullptr);
        ::_exit(code);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
}

long long cpuTicks(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(in, text);
    const auto close = text.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14)
            utime = std::atoll(field.c_str());
        if (i == 15)
            stime = std::atoll(field.c_str());
    }
    return utime + stime;
}

long long residentBytes(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
    long long size = 0, resident = 0;
    in >> size >> resident;
    return resident * ::sysconf(_SC_PAGESIZE);
}

}  // namespace

std::string signalName(int signal)
{
    const char* name = ::sigabbrev_np(signal);
    return name ? std::string("SIG") + name : "signal " + std::to_string(signal);
}

ChildPool::~ChildPool()
{
    for (auto& [key, child] : m_children) {
        ::kill(-child.pid, SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
    }
}

void ChildPool::start(int key, const ChildSpec& spec)
{
    Child child;
    child.spec = spec;
    std::vector<char*> argv;
    for (const std::string& word : child.spec.argv)
        argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    std::cout.flush();  // unwritten output would be written again by the child
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0)
        becomeChild(child.spec, m_twin, argv);
    ::setpgid(pid, pid);
    child.pid = pid;
    child.started = child.lastProgress = Clock::now();
    m_children.emplace(key, std::move(child));
}

void ChildPool::kill(Child& child, Stop reason)
{
    if (child.stop == Stop::None)
        child.stop = reason;
    ::kill(-child.pid, SIGKILL);
    ::kill(child.pid, SIGKILL);
}

void ChildPool::watch(Child& child)
{
    if (child.stop != Stop::None)
        return;
    if (secondsSince(child.started) > m_limits.timeoutSeconds)
        return kill(child, Stop::Timeout);
    const long long ticks = cpuTicks(child.pid);
    if (ticks != child.cpuTicks) {
        child.cpuTicks = ticks;
        child.lastProgress = Clock::now();
    } else if (secondsSince(child.lastProgress) > m_limits.idleSeconds) {
        return kill(child, Stop::Idle);
    }
    if (residentBytes(child.pid) > m_limits.memoryBytes)
        return kill(child, Stop::Memory);
    if (!child.spec.acceptMarkers.empty()) {
        std::ifstream out(child.spec.stdoutFile);
        std::string line;
        for (int n = 0; n < 50 && std::getline(out, line); ++n)
            for (const std::string& marker : child.spec.acceptMarkers)
                if (line.rfind(marker, 0) == 0 && !out.eof()) {  // a whole line, not one being written
                    child.marker = line;
                    return kill(child, Stop::Marker);
                }
    }
}

std::pair<int, ChildResult> ChildPool::waitAny()
{
    if (m_children.empty())
        throw std::logic_error("waitAny without children");
    auto lastWatch = Clock::now() - std::chrono::seconds(1);
    for (;;) {
        for (auto it = m_children.begin(); it != m_children.end(); ++it) {
            int status = 0;
            const pid_t done = ::waitpid(it->second.pid, &status, WNOHANG);
            if (done != it->second.pid)
                continue;
            ::kill(-it->second.pid, SIGKILL);  // anything it left running in its group
            ChildResult result;
            result.seconds = secondsSince(it->second.started);
            result.stoppedBy = it->second.stop;
            result.marker = it->second.marker;
            if (WIFEXITED(status)) {
                result.exited = true;
                result.exitCode = WEXITSTATUS(status);
            } else if (WIFSIGNALED(status)) {
                result.signal = WTERMSIG(status);
            }
            const int key = it->first;
            m_children.erase(it);
            return {key, result};
        }
        if (secondsSince(lastWatch) > 0.05) {
            lastWatch = Clock::now();
            for (auto& [key, child] : m_children)
                watch(child);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

}  // namespace grokscope::fuzz
