// Past crashers, kept as explicit cases through the built binaries, and the inputs
// the readers must accept (controls that prove the corpus's refusals come from the
// damage, and the damage a kill legitimately leaves).

#include "corpus_util.h"

namespace grokscope::fuzz {

namespace {

using Edit = std::function<void(const fs::path& run)>;

// A copy of the base run (with checkpoints), then one edit.
std::function<void(const CaseFiles&)> baseRunWith(Edit edit)
{
    return [edit](const CaseFiles& f) {
        copyRun(f.base->seed0, f.input, true);
        if (edit)
            edit(f.input);
    };
}

Edit setConfigKey(const std::string& key, const std::string& literal)
{
    return [key, literal](const fs::path& run) {
        writeFile(run / "config.json", withKey(readFile(run / "config.json"), key, literal));
    };
}

// Appends `count` empty columns to the header and to every row: odd, but readable.
Edit widenMetrics(int count)
{
    return [count](const fs::path& run) {
        const std::string text = readFile(run / "metrics.csv");
        std::string extraHeader, extraCells(static_cast<size_t>(count), ','), out;
        for (int i = 0; i < count; ++i)
            extraHeader += ",x" + std::to_string(i);
        size_t start = 0, end;
        for (bool header = true; (end = text.find('\n', start)) != std::string::npos; header = false) {
            out += text.substr(start, end - start) + (header ? extraHeader : extraCells) + "\n";
            start = end + 1;
        }
        writeFile(run / "metrics.csv", out);
    };
}

Edit editFile(const std::string& file, std::function<void(std::string&)> change)
{
    return [file, change](const fs::path& run) {
        std::string text = readFile(run / file);
        change(text);
        writeFile(run / file, text);
    };
}

FuzzCase succeed(Family family, std::string label, std::string inputName, std::vector<std::string> args,
                 std::function<void(const CaseFiles&)> prepare)
{
    FuzzCase c;
    c.family = family;
    c.label = std::move(label);
    c.inputName = std::move(inputName);
    c.args = std::move(args);
    c.expect = Expect::Succeed;
    c.prepare = std::move(prepare);
    return c;
}

}  // namespace

std::vector<FuzzCase> mustSucceedCases(const CorpusContext& context)
{
    const std::string valid = context.validConfig;
    const std::vector<std::string> summary = {"summary", "{input}"}, resume = {"resume", "{input}", "--quiet"};
    // Half of the last line, without its newline: what a kill during a write leaves.
    auto cutLastLine = [](std::string& text) {
        const size_t lastStart = text.rfind('\n', text.size() - 2) + 1;
        text.resize(lastStart + (text.size() - 1 - lastStart) / 2);
    };
    std::vector<FuzzCase> cases = {
        succeed(Family::Config, "control: z23-quick as a file", "input.json", {"config", "--config", "{input}"},
                [valid](const CaseFiles& f) { writeFile(f.input, valid); }),
        succeed(Family::Config, "UTF-8 byte order mark", "input.json", {"config", "--config", "{input}"},
                [valid](const CaseFiles& f) { writeFile(f.input, "\xef\xbb\xbf" + valid); }),
        succeed(Family::Spec, "control: a valid spec, --summary-only", "spec.json",
                {"experiment", "{input}", "--out", "{out}/exp", "--summary-only"}, [](const CaseFiles& f) {
                    fs::create_directories(f.out / "exp");  // --summary-only writes into an existing folder
                    writeFile(f.input, "{\"name\": \"fz\", \"preset\": \"z23-quick\", \"seeds\": [0], "
                                       "\"arms\": [{\"name\": \"base\"}, {\"name\": \"wide\", \"overrides\": {\"model.d_model\": 128}}]}");
                }),
        succeed(Family::RunLog, "control: summary of the base run", "run", summary, baseRunWith({})),
        succeed(Family::RunLog, "torn last row of metrics.csv", "run", summary, baseRunWith(editFile("metrics.csv", cutLastLine))),
        succeed(Family::RunLog, "trailing blank line in metrics.csv", "run", summary,
                baseRunWith(editFile("metrics.csv", [](std::string& t) { t += "\n"; }))),
        succeed(Family::RunLog, "torn last line of events.jsonl", "run", summary, baseRunWith(editFile("events.jsonl", cutLastLine))),
        succeed(Family::RunLog, "trailing blank line in events.jsonl", "run", summary,
                baseRunWith(editFile("events.jsonl", [](std::string& t) { t += "\n"; }))),
        succeed(Family::Checkpoint, "control: resume of the base run", "run", resume, baseRunWith({})),
        succeed(Family::RunLog, "resume with a torn last row of metrics.csv", "run", resume,
                baseRunWith(editFile("metrics.csv", cutLastLine))),
    };
    if (context.gui) {
        FuzzCase gui = succeed(Family::RunLog, "control: the GUI opens the base run", "run",
                               {"--open", "{input}", "--screenshot", "{out}/shot.png", "--quit"}, baseRunWith({}));
        gui.tool = Tool::Gui;
        gui.exec = true;
        cases.push_back(std::move(gui));
    }
    return cases;
}

std::vector<Regression> regressions(const CorpusContext& context)
{
    auto step = [](std::vector<std::string> args, Expect expect = Expect::Refuse, std::string names = "{input}",
                   std::vector<std::string> unchanged = {}) {
        return RegressionStep{std::move(args), expect, std::move(names), std::move(unchanged)};
    };
    const std::vector<std::string> summary = {"summary", "{input}"}, resume = {"resume", "{input}"},
                                   resumeMore = {"resume", "{input}", "--extra-steps", "100"},
                                   gui = {"--open", "{input}", "--screenshot", "{out}/shot.png", "--quit"};
    std::vector<Regression> list;
    list.push_back({Family::Config, "config nested 50,000 deep (SIGSEGV in the parser)", "input.json",
                    [](const CaseFiles& f) { writeFile(f.input, "{\"task\": " + deepObjects(50000) + "}"); },
                    {step({"config", "--config", "{input}"}), step({"run", "--config", "{input}", "--out", "{out}/run"})}});
    list.push_back({Family::Config, "task.modulus 4294967319 (was read as 23)", "input.json",
                    [](const CaseFiles& f) { writeFile(f.input, "{\"task\": {\"modulus\": 4294967319}}"); },
                    {step({"config", "--config", "{input}"}), step({"run", "--config", "{input}", "--out", "{out}/run"})}});
    Regression deepRun{Family::RunLog, "run's config.json nested 50,000 deep (SIGSEGV in all readers)", "run",
                       baseRunWith(setConfigKey("name", deepArrays(50000))),
                       {step(summary, Expect::Refuse, "config.json"), step(resume, Expect::Refuse, "config.json")}};
    if (context.gui)
        deepRun.steps.push_back(step(gui, Expect::Refuse, "config.json"));
    list.push_back(deepRun);
    list.push_back({Family::RunLog, "run.eval_every_steps 0 in a run's config.json, then resume (SIGFPE)", "run",
                    baseRunWith(setConfigKey("run.eval_every_steps", "0")),
                    {step(resumeMore, Expect::Refuse, "config.json", {"checkpoints", "metrics.csv", "config.json"})}});
    list.push_back({Family::RunLog, "FIFO in place of metrics.csv (every reader hung)", "run",
                    baseRunWith([](const fs::path& run) { replaceWithFifo(run / "metrics.csv"); }),
                    {step(summary, Expect::Refuse, "metrics.csv"), step(resume, Expect::Refuse, "metrics.csv")}});
    list.push_back({Family::RunLog, "100,000 extra columns in metrics.csv, resume, then summary must still read", "run",
                    baseRunWith(widenMetrics(100000)),
                    {step(summary, Expect::Succeed), step(resumeMore, Expect::RefuseOrSucceed, "metrics.csv"),
                     step(summary, Expect::Succeed)}});
    list.push_back({Family::RunLog, "run.keep_checkpoints 0, then resume (deleted every checkpoint)", "run",
                    baseRunWith(setConfigKey("run.keep_checkpoints", "0")),
                    {step(resumeMore, Expect::Refuse, "config.json", {"checkpoints"}),
                     step(resumeMore, Expect::Refuse, "config.json", {"checkpoints"})}});
    return list;
}

}  // namespace grokscope::fuzz
