#pragma once
// One malformed input and the command that must refuse it. The corpus is a list of
// these, built from a seed before anything runs, so a case is identified by its index
// and label and reproduces byte for byte with the same seed.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace grokscope::fuzz {

namespace fs = std::filesystem;

enum class Family { Config, Spec, RunLog, Checkpoint };
const char* familyName(Family family);

enum class Tool {
    Cli,  // grokscope-cli
    Gui,  // grokscope, offscreen
};

// What a case must do. Refuse: exit 2 or 3, one "error: " line naming the file, no
// signal, no hang, nothing written outside its target. Succeed: exit 0 (controls and
// inputs the readers must tolerate, such as a torn last line).
enum class Expect { Refuse, Succeed, RefuseOrSucceed };

// The two base runs every run-log and checkpoint case copies (made once per test run).
struct BaseRuns {
    fs::path seed0, seed1;
    std::string latestCheckpoint;  // file name of the checkpoint resume loads, e.g. step_00000400.pt
};

// Where a case lives. `input` is the file or run directory the command is given;
// `out` is the only place the command may create things.
struct CaseFiles {
    fs::path root, input, out;
    const BaseRuns* base = nullptr;
};

struct FuzzCase {
    Family family = Family::Config;
    std::string label;   // category for the summary, e.g. "overflow/task.modulus"
    std::string detail;  // what exactly was done, e.g. "4294967319"
    Tool tool = Tool::Cli;
    // Run the built binary (fork + exec). Otherwise the CLI's own main() runs in a forked
    // copy of the test, which pays LibTorch's start-up once instead of once per case.
    bool exec = false;
    // Arguments after the program; "{input}" and "{out}" are replaced by the case's paths.
    std::vector<std::string> args;
    // What the error line must name: a file name, or "{input}" for the input's name.
    std::string names = "{input}";
    // The input's file name under the case's in/ folder ("run" for a run directory).
    std::string inputName = "input.json";
    Expect expect = Expect::Refuse;
    std::function<void(const CaseFiles&)> prepare;
};

// One command of a regression: several run in order on the same files.
struct RegressionStep {
    std::vector<std::string> args;
    Expect expect = Expect::Refuse;
    std::string names = "{input}";
    // Paths under the input that this step must leave byte-identical ("checkpoints").
    std::vector<std::string> unchanged;
};

struct Regression {
    Family family = Family::Config;
    std::string label;
    std::string inputName = "input.json";
    std::function<void(const CaseFiles&)> prepare;
    std::vector<RegressionStep> steps;
};

// What the generators need from the product, read from the built CLI at start-up.
struct CorpusContext {
    unsigned long long seed = 1;
    std::vector<std::string> keys;  // grokscope-cli keys
    std::string validConfig;        // grokscope-cli config --preset z23-quick
    const BaseRuns* base = nullptr;
    bool gui = false;               // the GUI was built
};

std::vector<FuzzCase> configCases(const CorpusContext& context);
std::vector<FuzzCase> specCases(const CorpusContext& context);
std::vector<FuzzCase> runLogCases(const CorpusContext& context);
std::vector<FuzzCase> checkpointCases(const CorpusContext& context);
// Inputs the readers must accept: one control per family and the tolerated damage.
std::vector<FuzzCase> mustSucceedCases(const CorpusContext& context);
// Past crashers, each through the built binary.
std::vector<Regression> regressions(const CorpusContext& context);

}  // namespace grokscope::fuzz
