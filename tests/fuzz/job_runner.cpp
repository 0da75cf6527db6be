#include "job_runner.h"

#include <algorithm>
#include <iostream>
#include <set>

namespace grokscope::fuzz {

namespace {

const std::vector<std::string> kAcceptMarkers = {"training ", "resumed ", "experiment "};

std::string replaced(std::string word, const CaseFiles& files)
{
    for (const auto& [token, path] : {std::pair<std::string, fs::path>{"{input}", files.input}, {"{out}", files.out}}) {
        const auto at = word.find(token);
        if (at != std::string::npos)
            word.replace(at, token.size(), path.string());
    }
    return word;
}

std::string entriesOf(const fs::path& directory, const std::set<std::string>& allowed)
{
    std::string found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
        const std::string name = entry.path().filename().string();
        if (!allowed.count(name))
            found += (found.empty() ? "" : ", ") + name;
    }
    return found;
}

void removeEntriesExcept(const fs::path& directory, const std::set<std::string>& allowed)
{
    std::error_code error;
    std::vector<fs::path> strays;
    for (const auto& entry : fs::directory_iterator(directory, error))
        if (!allowed.count(entry.path().filename().string()))
            strays.push_back(entry.path());
    for (const fs::path& stray : strays)
        removePath(stray);
}

std::string caseName(int index)
{
    char name[16];
    std::snprintf(name, sizeof name, "%05d", index);
    return name;
}

}  // namespace

bool Job::passed() const
{
    if (!ran || verdicts.size() != steps.size())
        return false;
    return std::all_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.passed; });
}

Job jobFromCase(const FuzzCase& c, Job::Kind kind, int index)
{
    Job job;
    job.kind = kind;
    job.index = index;
    job.family = c.family;
    job.label = c.label;
    job.detail = c.detail;
    job.inputName = c.inputName;
    job.prepare = c.prepare;
    job.steps.push_back({c.args, c.expect, c.names, {}});
    job.tools.push_back(c.tool);
    job.execs.push_back(c.exec || c.tool == Tool::Gui);
    return job;
}

Job jobFromRegression(const Regression& r, int index)
{
    Job job;
    job.kind = Job::Kind::Regression;
    job.index = index;
    job.family = r.family;
    job.label = r.label;
    job.inputName = r.inputName;
    job.prepare = r.prepare;
    job.steps = r.steps;
    for (const RegressionStep& step : r.steps) {
        const bool gui = !step.args.empty() && step.args[0].rfind("--", 0) == 0;
        job.tools.push_back(gui ? Tool::Gui : Tool::Cli);
        job.execs.push_back(true);  // past crashers: through the binaries users run
    }
    return job;
}

std::string displayCommand(const std::vector<std::string>& argv, const fs::path& workFolder)
{
    const std::string work = workFolder.string();
    std::string text;
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string word = argv[i];
        if (i == 0)
            word = fs::path(word).filename().string();
        for (auto at = word.find(work); at != std::string::npos; at = word.find(work))
            word.replace(at, work.size(), "$W");
        const bool plain = !word.empty() && word.find_first_of(" \t\n'\"\\$`;&|<>(){}*?") == std::string::npos;
        text += (i ? " " : "") + (plain ? word : "'" + word + "'");
    }
    return text;
}

void JobRunner::run(std::vector<Job>& jobs, std::chrono::steady_clock::time_point deadline)
{
    size_t next = 0;
    int key = 0;
    while (next < jobs.size() || !m_active.empty()) {
        while (next < jobs.size() && static_cast<int>(m_active.size()) < m_jobs
               && std::chrono::steady_clock::now() < deadline)
            startJob(jobs[next++], key++);
        if (m_active.empty())
            break;  // out of time: the rest stay not run
        const auto [finishedKey, result] = m_pool.waitAny();
        Active& active = m_active.at(finishedKey);
        finishStep(active, result);
        if (active.step + 1 < active.job->steps.size()) {
            ++active.step;
            startStep(active, finishedKey);
        } else {
            finishJob(active);
            m_active.erase(finishedKey);
        }
    }
}

void JobRunner::startJob(Job& job, int key)
{
    Active active;
    active.job = &job;
    const fs::path root = m_paths.work / "cases" / caseName(job.index);
    removePath(root);
    for (const char* folder : {"in", "out", "cwd", "home"})
        fs::create_directories(root / folder);
    fs::create_directories(root / "xdg");
    fs::permissions(root / "xdg", fs::perms::owner_all);
    active.files = {root, root / "in" / job.inputName, root / "out", m_paths.base};
    job.ran = true;
    auto [it, inserted] = m_active.emplace(key, std::move(active));
    startStep(it->second, key);
}

void JobRunner::startStep(Active& active, int key)
{
    Job& job = *active.job;
    const RegressionStep& step = job.steps[active.step];
    const CaseFiles& files = active.files;
    if (active.step == 0)
        job.prepare(files);
    // Config and spec inputs are not the command's target: they must stay as they are.
    active.inputBefore = (job.family == Family::Config || job.family == Family::Spec) ? snapshotTree(files.root / "in")
                                                                                        : Snapshot{};
    active.unchangedBefore.clear();
    for (const std::string& path : step.unchanged)
        for (const auto& [name, entry] : snapshotTree(files.input / path))
            active.unchangedBefore[path + "/" + name] = entry;

    ChildSpec spec;
    const bool gui = job.tools[active.step] == Tool::Gui;
    spec.twin = !gui && !job.execs[active.step];
    spec.argv.push_back(gui ? m_paths.gui : spec.twin ? std::string("grokscope-cli") : m_paths.cli);
    for (const std::string& word : step.args)
        spec.argv.push_back(replaced(word, files));
    spec.cwd = files.root / "cwd";
    spec.stdoutFile = files.root / "stdout.txt";
    spec.stderrFile = files.root / "stderr.txt";
    const std::string home = (files.root / "home").string();
    spec.environment = {{"HOME", home},
                        {"XDG_CONFIG_HOME", home + "/.config"},
                        {"XDG_CACHE_HOME", home + "/.cache"},
                        {"XDG_DATA_HOME", home + "/.local/share"},
                        {"XDG_RUNTIME_DIR", (files.root / "xdg").string()},
                        {"QT_QPA_PLATFORM", "offscreen"}};
    if (spec.twin && step.expect == Expect::Refuse)
        spec.acceptMarkers = kAcceptMarkers;
    active.argv = spec.argv;
    m_pool.start(key, spec);
}

std::string JobRunner::fileProblems(const Active& active)
{
    const CaseFiles& files = active.files;
    std::vector<std::string> problems;
    const std::string inCwd = entriesOf(files.root / "cwd", {});
    if (!inCwd.empty())
        problems.push_back("wrote into its working directory: " + inCwd);
    // The GUI keeps its settings under HOME (a private one per case); the CLI has no reason to.
    if (active.job->tools[active.step] == Tool::Cli) {
        const std::string inHome = entriesOf(files.root / "home", {});
        if (!inHome.empty())
            problems.push_back("wrote into HOME: " + inHome);
    }
    const std::string inRoot = entriesOf(files.root, {"in", "out", "cwd", "home", "xdg", "stdout.txt", "stderr.txt"});
    if (!inRoot.empty())
        problems.push_back("wrote next to its input: " + inRoot);
    std::set<std::string> activeCases;
    for (const auto& [key, other] : m_active)
        activeCases.insert(other.files.root.filename().string());
    const std::string inCases = entriesOf(m_paths.work / "cases", activeCases);
    const std::string inWork = entriesOf(m_paths.work, {"base", "cases"});
    if (!inCases.empty() || !inWork.empty())
        problems.push_back("wrote outside its case folder: " + inCases + (inCases.empty() || inWork.empty() ? "" : ", ")
                           + inWork);
    removeEntriesExcept(m_paths.work / "cases", activeCases);
    removeEntriesExcept(m_paths.work, {"base", "cases"});
    if (active.job->family == Family::Config || active.job->family == Family::Spec) {
        const std::string changed = describeChanges(active.inputBefore, snapshotTree(files.root / "in"));
        if (!changed.empty())
            problems.push_back("changed its input: " + changed);
    }
    if (!active.unchangedBefore.empty() || !active.job->steps[active.step].unchanged.empty()) {
        Snapshot after;
        for (const std::string& path : active.job->steps[active.step].unchanged)
            for (const auto& [name, entry] : snapshotTree(files.input / path))
                after[path + "/" + name] = entry;
        const std::string changed = describeChanges(active.unchangedBefore, after);
        if (!changed.empty())
            problems.push_back("changed what it must keep: " + changed);
    }
    std::string text;
    for (const std::string& problem : problems)
        text += (text.empty() ? "" : "; ") + problem;
    return text;
}

void JobRunner::finishStep(Active& active, const ChildResult& result)
{
    Job& job = *active.job;
    const RegressionStep& step = job.steps[active.step];
    StepReport report;
    report.result = result;
    report.stderrText = readFile(active.files.root / "stderr.txt");
    if (report.stderrText.size() > (1u << 20))
        report.stderrText.resize(1u << 20);
    report.fileProblems = fileProblems(active);
    const std::string names = step.names == "{input}" ? active.files.input.filename().string() : step.names;
    const Verdict verdict = judge(report, step.expect, names, job.tools[active.step] == Tool::Gui);
    FailureNote note;
    note.label = job.label;
    note.detail = job.detail + (job.steps.size() > 1 ? " (step " + std::to_string(active.step + 1) + ")" : "");
    note.command = displayCommand(active.argv, m_paths.work) + (job.execs[active.step] || job.tools[active.step] == Tool::Gui ? "" : "  [twin]");
    note.result = describeResult(result) + (verdict.reason.empty() ? "" : " -- " + verdict.reason);
    note.stderrText = report.stderrText;
    if (m_verbose)
        std::cout << "#" << job.index << " " << (verdict.passed ? "pass" : "FAIL") << " " << job.label << " | "
                  << printable(job.detail, 120) << " | " << printable(note.result, 300) << "\n" << std::flush;
    job.results.push_back(result);
    job.verdicts.push_back(verdict);
    job.notes.push_back(note);
}

void JobRunner::finishJob(Active& active)
{
    if (!m_keep)
        removePath(active.files.root);
}

}  // namespace grokscope::fuzz
