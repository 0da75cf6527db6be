#pragma once
// Runs commands as child processes, a few at a time, and watches them: a wall-clock
// limit, a hang detector (no CPU time used for a while: blocked on a FIFO, say), a
// memory ceiling (a device file read line by line grows without end), and markers on
// stdout that show a command has started working when it should have refused.
//
// A child is either the built binary (fork + exec, no shell) or a "twin": a fork of
// this process that calls the CLI's main(), compiled into this test from the CLI's own
// sources. The twin pays LibTorch's start-up (about 0.4 s of CPU) once for the whole
// corpus instead of once per case, and is still a separate process per case: a crash,
// a hang or a leaked file descriptor ends with it.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace grokscope::fuzz {

namespace fs = std::filesystem;

using TwinMain = int (*)(int, char**);

struct ChildSpec {
    std::vector<std::string> argv;  // argv[0]: the program (its path, when not a twin)
    bool twin = false;
    fs::path cwd, stdoutFile, stderrFile;
    std::vector<std::pair<std::string, std::string>> environment;  // set in the child only
    std::vector<std::string> acceptMarkers;                         // stdout line prefixes
};

struct ChildLimits {
    double timeoutSeconds = 20;
    double idleSeconds = 5;
    long long memoryBytes = 3LL << 30;
};

enum class Stop { None, Timeout, Idle, Memory, Marker };

struct ChildResult {
    bool exited = false;
    int exitCode = -1;
    int signal = 0;
    Stop stoppedBy = Stop::None;
    std::string marker;
    double seconds = 0;
};

class ChildPool {
public:
    ChildPool(TwinMain twin, ChildLimits limits) : m_twin(twin), m_limits(limits) {}
    ~ChildPool();

    void start(int key, const ChildSpec& spec);
    std::size_t running() const { return m_children.size(); }
    // Blocks until one child has ended (or been stopped); returns its key and result.
    std::pair<int, ChildResult> waitAny();

private:
    struct Child {
        pid_t pid = 0;
        ChildSpec spec;
        std::chrono::steady_clock::time_point started, lastProgress;
        long long cpuTicks = -1;
        Stop stop = Stop::None;
        std::string marker;
    };
    void watch(Child& child);
    void kill(Child& child, Stop reason);

    TwinMain m_twin;
    ChildLimits m_limits;
    std::map<int, Child> m_children;
};

std::string signalName(int signal);

}  // namespace grokscope::fuzz
