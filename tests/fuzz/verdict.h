#pragma once
// How one command's end is judged, and the table the test prints.

#include "child_process.h"
#include "fuzz_case.h"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace grokscope::fuzz {

enum class Outcome { Clean, Crash, Hang, Accepted, Other, NotRun };
inline constexpr std::array<const char*, 6> kOutcomeNames = {"clean error", "crash", "hang", "accepted", "other",
                                                            "not run"};

struct Verdict {
    Outcome outcome = Outcome::Other;
    std::string reason;  // why it is not a clean refusal (empty when it is)
    bool passed = false;  // against the step's expectation
};

struct StepReport {
    ChildResult result;
    std::string stderrText;
    std::string stdoutHead;
    std::string fileProblems;  // files written outside the target, or inputs changed
};

// `names`: what the single error line must mention. `noiseFilter`: drop lines a GUI
// platform plugin prints on its own (not the program's messages).
Verdict judge(const StepReport& report, Expect expect, const std::string& names, bool noiseFilter);

// One row per family: tried and the count of each outcome.
struct Tally {
    int tried = 0;
    std::array<int, 6> counts{};
};

struct FailureNote {
    std::string label, detail, command, result, stderrText;
};

class Summary {
public:
    void add(Family family, const std::string& label, const Verdict& verdict, const FailureNote& note);
    // Every category with a failure, with its first `examples` failing cases.
    void print(std::ostream& out, std::size_t examples) const;
    bool allClean() const;
    int tried() const;

private:
    std::map<Family, Tally> m_families;
    std::map<Family, std::map<std::string, Tally>> m_labels;
    std::map<Family, std::map<std::string, std::vector<FailureNote>>> m_failures;  // per label
};

std::string describeResult(const ChildResult& result);
// Control bytes as '?', cut to `limit` bytes: safe to print on one line.
std::string printable(std::string text, std::size_t limit = 200);

}  // namespace grokscope::fuzz
