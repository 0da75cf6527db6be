#include "self_test.h"

#include "child_process.h"
#include "fuzz_files.h"
#include "verdict.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace grokscope::fuzz {

namespace {

// Stands in for the CLI's main in the twin: argv[1] says how to misbehave.
int misbehave(int argc, char** argv)
{
    const std::string what = argc > 1 ? argv[1] : "";
    if (what == "crash")
        std::raise(SIGSEGV);
    if (what == "spin")
        for (volatile unsigned long i = 0;; i = i + 1) {
        }
    if (what == "block")
        return ::open(argv[2], O_RDONLY) >= 0 ? 0 : 9;  // a FIFO without a writer: blocks
    if (what == "grow") {
        std::vector<std::vector<char>> chunks;
        for (;;) {
            chunks.emplace_back(64 << 20);
            std::memset(chunks.back().data(), 1, chunks.back().size());
        }
    }
    if (what == "marker") {
        std::printf("training forever\n");
        std::fflush(stdout);
        for (volatile unsigned long i = 0;; i = i + 1) {
        }
    }
    std::fprintf(stderr, "error: %s: refused\n", what.c_str());
    return 2;
}

}  // namespace

int harnessSelfTest(std::ostream& out)
{
    const fs::path folder = fs::temp_directory_path() / ("grokscope-fuzz-self-" + std::to_string(::getpid()));
    fs::create_directories(folder);
    replaceWithFifo(folder / "fifo");
    ChildPool pool(&misbehave, ChildLimits{2.0, 1.0, 256LL << 20});
    const std::vector<std::pair<std::string, Stop>> expected = {
        {"crash", Stop::None}, {"spin", Stop::Timeout}, {"block", Stop::Idle},
        {"grow", Stop::Memory}, {"marker", Stop::Marker}, {"input.json", Stop::None}};
    for (size_t i = 0; i < expected.size(); ++i) {
        ChildSpec spec;
        spec.argv = {"self-test", expected[i].first, (folder / "fifo").string()};
        spec.twin = true;
        spec.cwd = folder;
        spec.stdoutFile = folder / ("out" + std::to_string(i));
        spec.stderrFile = folder / ("err" + std::to_string(i));
        spec.acceptMarkers = {"training "};
        pool.start(static_cast<int>(i), spec);
    }
    int failures = 0;
    auto check = [&](bool ok, const std::string& what) {
        if (!ok) {
            out << "FAIL: harness self-test: " << what << "\n";
            ++failures;
        }
    };
    while (pool.running() > 0) {
        const auto [key, result] = pool.waitAny();
        const auto& [name, stop] = expected[key];
        check(result.stoppedBy == stop, name + " was not stopped as expected: " + describeResult(result));
        if (name == "crash")
            check(result.signal == SIGSEGV, "a SIGSEGV was not seen: " + describeResult(result));
        if (name == "input.json") {
            StepReport report;
            report.result = result;
            report.stderrText = readFile(folder / ("err" + std::to_string(key)));
            check(judge(report, Expect::Refuse, "input.json", false).outcome == Outcome::Clean,
                  "a clean refusal was not judged clean: " + report.stderrText);
            report.stderrText += "warning: and a second line\n";
            check(judge(report, Expect::Refuse, "input.json", false).outcome == Outcome::Other,
                  "a second stderr line was not noticed");
            check(judge(report, Expect::Refuse, "other.json", false).outcome == Outcome::Other,
                  "a message that does not name the file was not noticed");
            report.stderrText = readFile(folder / ("err" + std::to_string(key)));
            report.fileProblems = "wrote into its working directory: runs";
            check(judge(report, Expect::Refuse, "input.json", false).outcome == Outcome::Other,
                  "a file written outside the target was not noticed");
            report.fileProblems.clear();
            report.result.exitCode = 1;
            check(judge(report, Expect::Refuse, "input.json", false).outcome == Outcome::Other, "exit 1 was accepted");
        }
    }
    removePath(folder);
    return failures;
}

}  // namespace grokscope::fuzz
