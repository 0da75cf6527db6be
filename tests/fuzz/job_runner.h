#pragma once
// Runs jobs (a case: one command; a regression: several in order on the same files),
// two at a time, each in its own folder:
//   cases/NNNN/in/    the input (a file, or a copy of a base run)
//   cases/NNNN/out/   the only place a command may create things (--out, screenshots)
//   cases/NNNN/cwd/   the working directory, which must stay empty
// and checks after every command that nothing appeared or changed elsewhere.

#include "child_process.h"
#include "fuzz_case.h"
#include "fuzz_files.h"
#include "verdict.h"

#include <chrono>
#include <string>
#include <vector>

namespace grokscope::fuzz {

struct Job {
    enum class Kind { Corpus, MustSucceed, Regression, Fidelity, SelfCheck } kind = Kind::Corpus;
    std::string selfCheckFinds;  // SelfCheck: what the failure description must contain
    int twinOf = -1;  // Fidelity: the corpus case this one repeats through the built binary
    int index = 0;
    Family family = Family::Config;
    std::string label, detail, inputName;
    std::function<void(const CaseFiles&)> prepare;
    std::vector<RegressionStep> steps;
    std::vector<Tool> tools;   // per step
    std::vector<bool> execs;   // per step: the built binary rather than the twin
    // Results, one per step that ran.
    std::vector<ChildResult> results;
    std::vector<Verdict> verdicts;
    std::vector<FailureNote> notes;
    bool ran = false;
    bool passed() const;
};

Job jobFromCase(const FuzzCase& c, Job::Kind kind, int index);
Job jobFromRegression(const Regression& r, int index);

// A command for display: the program's file name, "$W" for the work folder, quotes
// around words a shell would split.
std::string displayCommand(const std::vector<std::string>& argv, const fs::path& work);

struct RunnerPaths {
    fs::path work;  // holds base/ and cases/
    std::string cli, gui;
    const BaseRuns* base = nullptr;
};

class JobRunner {
public:
    JobRunner(RunnerPaths paths, ChildPool& pool, int jobs, bool keep, bool verbose)
        : m_paths(std::move(paths)), m_pool(pool), m_jobs(jobs), m_keep(keep), m_verbose(verbose)
    {
    }
    // Runs `jobs` in order; stops starting new ones once `deadline` has passed.
    void run(std::vector<Job>& jobs, std::chrono::steady_clock::time_point deadline);

private:
    struct Active {
        Job* job = nullptr;
        std::size_t step = 0;
        CaseFiles files;
        Snapshot inputBefore, unchangedBefore;
        std::vector<std::string> argv;
    };
    void startJob(Job& job, int key);
    void startStep(Active& active, int key);
    void finishStep(Active& active, const ChildResult& result);
    std::string fileProblems(const Active& active);
    void finishJob(Active& active);

    RunnerPaths m_paths;
    ChildPool& m_pool;
    int m_jobs;
    bool m_keep;
    bool m_verbose;  // a line per command as it ends
    std::map<int, Active> m_active;
};

}  // namespace grokscope::fuzz
