// tst_fuzz_inputs: a seeded corpus of malformed configs, experiment specs, run logs and
// checkpoints, each given to the command that reads it. Every one must end in a clean
// refusal: exit 2 or 3, one "error: " line on stderr naming the file, no signal, no
// hang, nothing written outside the case's target. Past crashers run as explicit
// regressions through the built binaries; a few controls and tolerated kinds of damage
// (a torn last line) must succeed.
//
// GROKSCOPE_FUZZ_BUDGET_S sets the default budget (120 s).
//
//   tst_fuzz_inputs [--seed N] [--jobs N] [--budget-s S] [--timeout-s S] [--only INDEX|TEXT]
//                   [--list] [--keep] [--verbose] [--examples N] [--exec-all] [--work DIR]

#include "child_process.h"
#include "cli_dispatch.h"
#include "config_keys.h"
#include "fuzz_case.h"
#include "job_runner.h"
#include "self_test.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <regex>

// grokscope-cli's main() is this one call (app/cli_main.cpp).
int grokscopeCliMain(int argc, char** argv) { return grokscope::cli::dispatch(argc, argv); }

namespace grokscope::fuzz {

namespace {

using Clock = std::chrono::steady_clock;

// Every 100th corpus case that cannot start training also runs through the built binary
// (about 0.5 s each).
constexpr int kFidelityStride = 100;

struct Options {
    unsigned long long seed = 1;
    int jobs = 2;
    double budgetSeconds = 120;
    double timeoutSeconds = 20;
    std::string only;
    bool list = false, keep = false, execAll = false, verbose = false;
    std::size_t examples = 2;
    fs::path work;
};

Options parseOptions(int argc, char** argv)
{
    Options o;
    // A slower build (the sanitizers) may give itself more time without new arguments.
    if (const char* budget = std::getenv("GROKSCOPE_FUZZ_BUDGET_S"))
        o.budgetSeconds = std::stod(budget);
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error(word + ": expected a value");
            return argv[++i];
        };
        if (word == "--seed")
            o.seed = std::stoull(value());
        else if (word == "--jobs")
            o.jobs = std::max(1, std::stoi(value()));
        else if (word == "--budget-s")
            o.budgetSeconds = std::stod(value());
        else if (word == "--timeout-s")
            o.timeoutSeconds = std::stod(value());
        else if (word == "--only")
            o.only = value();
        else if (word == "--examples")
            o.examples = std::stoul(value());
        else if (word == "--work")
            o.work = value();
        else if (word == "--list")
            o.list = true;
        else if (word == "--keep")
            o.keep = true;
        else if (word == "--verbose")
            o.verbose = true;
        else if (word == "--exec-all")
            o.execAll = true;
        else
            throw std::runtime_error("unknown option " + word);
    }
    return o;
}

struct Setup {
    ChildResult result;
    std::string out, err;
};

// Runs the built CLI for what the corpus needs from it (keys, a config, the base runs).
std::vector<Setup> runBuiltCli(const std::vector<std::vector<std::string>>& commands, const fs::path& folder)
{
    ChildPool pool(nullptr, ChildLimits{120, 60, 8LL << 30});
    fs::create_directories(folder);
    for (size_t i = 0; i < commands.size(); ++i) {
        ChildSpec spec;
        spec.argv = commands[i];
        spec.argv.insert(spec.argv.begin(), GROKSCOPE_CLI_PATH);
        spec.cwd = folder;
        spec.stdoutFile = folder / ("out" + std::to_string(i) + ".txt");
        spec.stderrFile = folder / ("err" + std::to_string(i) + ".txt");
        pool.start(static_cast<int>(i), spec);
    }
    std::vector<Setup> setups(commands.size());
    while (pool.running() > 0) {
        const auto [key, result] = pool.waitAny();
        setups[key].result = result;
        setups[key].out = readFile(folder / ("out" + std::to_string(key) + ".txt"));
        setups[key].err = readFile(folder / ("err" + std::to_string(key) + ".txt"));
        if (!result.exited || result.exitCode != 0)
            throw std::runtime_error("setup: grokscope-cli " + commands[key].front() + " failed (" + describeResult(result)
                                     + "): " + setups[key].err);
    }
    return setups;
}

std::vector<std::string> keysFrom(const std::string& text)
{
    std::vector<std::string> keys;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty() && line[0] != ' ')
            keys.push_back(line.substr(0, line.find(" = ")));
    return keys;
}

std::string latestCheckpoint(const fs::path& run)
{
    std::string latest;
    for (const auto& entry : fs::directory_iterator(run / "checkpoints")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("step_", 0) == 0 && entry.path().extension() == ".pt")
            latest = std::max(latest, name);
    }
    if (latest.empty())
        throw std::runtime_error("setup: the base run wrote no checkpoint");
    return latest;
}

int threadCount()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Threads:", 0) == 0)
            return std::stoi(line.substr(8));
    return 0;
}

bool matches(const Job& job, const std::string& only)
{
    if (only.empty())
        return true;
    if (std::all_of(only.begin(), only.end(), ::isdigit))
        return job.index == std::stoi(only);
    return (std::string(familyName(job.family)) + ": " + job.label + ": " + job.detail).find(only) != std::string::npos;
}

// The run order of the corpus: shuffled with the seed (a portable Fisher-Yates), so slow
// and fast cases interleave and a budget cut would still leave every family sampled.
void shuffle(std::vector<Job>& jobs, unsigned long long seed)
{
    Random random(seed);
    for (size_t i = jobs.size(); i > 1; --i)
        std::swap(jobs[i - 1], jobs[random() % i]);
}

void printJobResults(const std::string& title, const std::vector<Job>& jobs, Job::Kind kind, int& failures)
{
    std::cout << "\n" << title << "\n";
    for (const Job& job : jobs) {
        if (job.kind != kind || !job.ran)
            continue;
        std::cout << "  " << (job.passed() ? "PASS " : "FAIL ") << "#" << job.index << " " << job.label << "\n";
        if (job.passed())
            continue;
        ++failures;
        for (size_t s = 0; s < job.verdicts.size(); ++s) {
            if (job.verdicts[s].passed)
                continue;
            std::string err = job.notes[s].stderrText.substr(0, 300);
            std::replace(err.begin(), err.end(), '\n', ' ');
            std::cout << "       step " << s + 1 << ": $ " << job.notes[s].command.substr(0, 300) << "\n       -> "
                      << job.notes[s].result << "\n" << (err.empty() ? "" : "       stderr: " + err + "\n");
        }
    }
}

// The text a command printed, with the case folder's number taken out.
std::string withoutCaseNumbers(std::string text)
{
    static const std::regex caseFolder("cases/[0-9]{5}");
    return std::regex_replace(text, caseFolder, "cases/N");
}

// Each fidelity job against its twin-run corpus case: the same outcome, exit code and stderr.
int compareTwins(const std::vector<Job>& jobs)
{
    std::map<int, const Job*> byIndex;
    for (const Job& job : jobs)
        byIndex[job.index] = &job;
    int compared = 0;
    std::vector<std::string> mismatches;
    for (const Job& job : jobs) {
        if (job.kind != Job::Kind::Fidelity || !job.ran || !byIndex.count(job.twinOf) || !byIndex[job.twinOf]->ran)
            continue;
        ++compared;
        const Job& twin = *byIndex[job.twinOf];
        const ChildResult &a = job.results[0], &b = twin.results[0];
        const bool same = job.verdicts[0].outcome == twin.verdicts[0].outcome && a.exited == b.exited
                          && a.exitCode == b.exitCode && a.signal == b.signal && a.stoppedBy == b.stoppedBy
                          && withoutCaseNumbers(job.notes[0].stderrText) == withoutCaseNumbers(twin.notes[0].stderrText);
        if (!same)
            mismatches.push_back("#" + std::to_string(twin.index) + " " + twin.label + " | " + twin.detail + "\n       twin:   "
                                 + twin.notes[0].result + " " + twin.notes[0].stderrText.substr(0, 200) + "\n       binary: "
                                 + job.notes[0].result + " " + job.notes[0].stderrText.substr(0, 200));
    }
    std::cout << "\nTwin fidelity: " << compared << " corpus cases also run through the built binary, "
              << compared - static_cast<int>(mismatches.size()) << " ended the same way\n";
    for (const std::string& mismatch : mismatches)
        std::cout << "  FAIL " << mismatch << "\n";
    return mismatches.empty() ? 0 : 1;
}

// Self-checks, regressions and must-succeed cases first, then the shuffled corpus and
// its fidelity sample. Indices are assigned before the shuffle, so "#1234" names a case
// for a given seed whatever --only selects.
std::vector<Job> buildJobs(const CorpusContext& context, const Options& options, size_t& corpusSize)
{
    std::vector<Job> jobs;
    // The file checks, on a command that does write where it must not (a valid run).
    for (const auto& [out, finds] : std::vector<std::pair<std::string, std::string>>{
             {"", "wrote into its working directory"}, {"../escaped", "wrote next to its input"}}) {
        FuzzCase c;
        c.label = "harness self-test: " + finds;
        c.args = {"run", "--preset", "z23-quick", "--steps", "20", "--quiet"};
        if (!out.empty())
            c.args.insert(c.args.end(), {"--out", out});
        c.prepare = [](const CaseFiles&) {};
        Job job = jobFromCase(c, Job::Kind::SelfCheck, static_cast<int>(jobs.size()));
        job.selfCheckFinds = finds;
        jobs.push_back(std::move(job));
    }
    for (const Regression& r : regressions(context))
        jobs.push_back(jobFromRegression(r, static_cast<int>(jobs.size())));
    for (const FuzzCase& c : mustSucceedCases(context))
        jobs.push_back(jobFromCase(c, Job::Kind::MustSucceed, static_cast<int>(jobs.size())));
    std::vector<Job> corpus;
    std::vector<std::pair<int, FuzzCase>> sample;  // (corpus index, case)
    for (const auto& generate : {configCases, specCases, runLogCases, checkpointCases})
        for (FuzzCase& c : generate(context)) {
            const int index = static_cast<int>(jobs.size() + corpus.size());
            c.exec = c.exec || options.execAll;
            // Only commands that never train, even when they wrongly accept: the built
            // binary's stdout is not line-buffered, so no marker would stop it early.
            const bool neverTrains = c.args[0] == "config" || c.args[0] == "summary" || c.family == Family::Checkpoint;
            if (index % kFidelityStride == 0 && !c.exec && neverTrains)
                sample.emplace_back(index, c);
            corpus.push_back(jobFromCase(c, Job::Kind::Corpus, index));
        }
    corpusSize = corpus.size();
    // A sample again through the built binary: the twin must end exactly as it does.
    for (auto& [index, c] : sample) {
        c.exec = true;
        Job job = jobFromCase(c, Job::Kind::Fidelity, static_cast<int>(jobs.size() + corpus.size()));
        job.twinOf = index;
        corpus.push_back(std::move(job));
    }
    shuffle(corpus, options.seed);
    for (Job& job : corpus)
        jobs.push_back(std::move(job));
    jobs.erase(std::remove_if(jobs.begin(), jobs.end(),
                              [&](const Job& j) { return j.kind != Job::Kind::SelfCheck && !matches(j, options.only); }),
               jobs.end());
    return jobs;
}

int fuzzMain(int argc, char** argv)
{
    const auto started = Clock::now();
    const Options options = parseOptions(argc, argv);
    const bool gui = std::strlen(GROKSCOPE_GUI_PATH) > 0;

    fs::path work = options.work;
    if (work.empty()) {
        std::string pattern = (fs::temp_directory_path() / "grokscope-fuzz-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("cannot create a work folder under " + fs::temp_directory_path().string());
        work = pattern;
    }
    work = fs::absolute(work);
    fs::create_directories(work / "cases");
    std::cout << "work folder W = " << work << "\n";

    // What the generators need from the product, from the binary users run.
    BaseRuns base{work / "base" / "seed0", work / "base" / "seed1", ""};
    const std::vector<std::string> baseRun = {"run", "--preset", "z23-quick", "--steps", "400", "--set",
                                              "run.checkpoint_every_steps=100", "--quiet", "--out"};
    auto withOut = [](std::vector<std::string> command, const fs::path& out, const std::string& seed) {
        command.push_back(out.string());
        command.insert(command.end(), {"--seed", seed});
        return command;
    };
    const auto setups = runBuiltCli({{"keys"}, {"config", "--preset", "z23-quick"}, withOut(baseRun, base.seed0, "0"),
                                     withOut(baseRun, base.seed1, "1")},
                                    work / "setup");
    removePath(work / "setup");
    base.latestCheckpoint = latestCheckpoint(base.seed0);
    const Snapshot baseBefore = snapshotTree(work / "base");
    CorpusContext context{options.seed, keysFrom(setups[0].out), setups[1].out, &base, gui};
    std::cout << "base runs made in " << std::fixed << std::setprecision(1)
              << std::chrono::duration<double>(Clock::now() - started).count() << " s; resume loads "
              << base.latestCheckpoint << "\n";

    const int selfTestFailures = options.list ? 0 : harnessSelfTest(std::cout);

    size_t corpusSize = 0;
    std::vector<Job> jobs = buildJobs(context, options, corpusSize);

    RunnerPaths paths{work, GROKSCOPE_CLI_PATH, GROKSCOPE_GUI_PATH, &base};
    if (options.list) {
        for (const Job& job : jobs) {
            std::vector<std::string> argv = {"grokscope-cli"};
            argv.insert(argv.end(), job.steps[0].args.begin(), job.steps[0].args.end());
            std::cout << "#" << job.index << "  " << familyName(job.family) << " | " << job.label << " | " << job.detail
                      << "\n    " << displayCommand(argv, work) << "\n";
        }
        removePath(work);
        return 0;
    }

    std::cout << corpusSize << " corpus cases (seed " << options.seed << "), " << jobs.size() << " jobs to run, "
              << options.jobs << " at a time; this process has " << threadCount() << " thread(s) before forking\n"
              << std::flush;
    ChildPool pool(&grokscopeCliMain, ChildLimits{options.timeoutSeconds, 5, 3LL << 30});
    JobRunner runner(paths, pool, options.jobs, options.keep, options.verbose);
    const auto deadline = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.budgetSeconds));
    runner.run(jobs, deadline);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

    int failures = selfTestFailures;
    for (const Job& job : jobs)
        if (job.kind == Job::Kind::SelfCheck
            && (!job.ran || job.verdicts[0].passed || job.notes[0].result.find(job.selfCheckFinds) == std::string::npos)) {
            std::cout << "FAIL: harness self-test: a run without a target was not caught (\"" << job.selfCheckFinds
                      << "\" expected): " << (job.ran ? job.notes[0].result : "not run") << "\n";
            ++failures;
        }
    if (failures == 0)
        std::cout << "Harness self-test: every detector fired where it should.\n";
    printJobResults("Regressions (past crashers, through the built binaries)", jobs, Job::Kind::Regression, failures);
    printJobResults("Must succeed (controls and the damage a kill leaves)", jobs, Job::Kind::MustSucceed, failures);

    failures += compareTwins(jobs);

    Summary summary;
    int notRun = 0;
    for (const Job& job : jobs) {
        if (job.kind != Job::Kind::Corpus)
            continue;
        if (!job.ran) {
            ++notRun;
            continue;
        }
        FailureNote note = job.notes.front();
        note.detail = "#" + std::to_string(job.index) + " " + note.detail;
        summary.add(job.family, job.label, job.verdicts.front(), note);
    }
    std::cout << "\nCorpus: " << summary.tried() << " cases run in " << std::fixed << std::setprecision(1) << seconds
              << " s (all of the test, budget " << options.budgetSeconds << " s)\n";
    summary.print(std::cout, options.examples);
    failures += summary.allClean() ? 0 : 1;

    std::cout << "\n";
    if (notRun > 0) {
        std::cout << "FAIL: " << notRun << " cases not run: the budget of " << options.budgetSeconds << " s ran out\n";
        ++failures;
    }
    const std::string baseChanges = describeChanges(baseBefore, snapshotTree(work / "base"));
    if (!baseChanges.empty()) {
        std::cout << "FAIL: the base runs changed: " << baseChanges << "\n";
        ++failures;
    } else {
        std::cout << "The base runs are byte-identical to what they were before the corpus.\n";
    }
    for (const std::string& problem : keyTableMismatches(context.keys)) {
        std::cout << "FAIL: " << problem << "\n";
        ++failures;
    }
    if (options.only.empty() && corpusSize < 2000) {
        std::cout << "FAIL: the corpus has " << corpusSize << " cases, fewer than 2,000\n";
        ++failures;
    }
    if (!options.keep)
        removePath(work);
    else
        std::cout << "kept " << work << "\n";
    std::cout << (failures == 0 ? "PASS" : "FAIL") << ": " << summary.tried() << " corpus cases, " << seconds << " s\n";
    return failures == 0 ? 0 : 1;
}

}  // namespace

}  // namespace grokscope::fuzz

int main(int argc, char** argv)
{
    // The experiment command starts its runs by executing itself (/proc/self/exe). In a
    // twin that is this test, which must then be the CLI.
    if (argc > 1 && argv[1][0] != '-')
        return grokscopeCliMain(argc, argv);
    try {
        return grokscope::fuzz::fuzzMain(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "tst_fuzz_inputs: " << error.what() << "\n";
        return 1;
    }
}
