// Copies of the base run, each with one corruption that the readers must refuse:
// `summary DIR`, `resume DIR` and, for a sample, the GUI's `--open DIR`. A torn last
// line and a trailing blank line are what a kill leaves, so they are read with a
// warning and belong to the must-succeed list instead.

#include "config_keys.h"
#include "corpus_util.h"

#include <set>
#include <sstream>

namespace grokscope::fuzz {

namespace {

using Mutation = std::function<void(const fs::path& run)>;

struct Corruption {
    std::string file, label, detail;
    Mutation mutate;
};

std::vector<std::string> splitLines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

std::string joinLines(const std::vector<std::string>& lines)
{
    std::string text;
    for (const std::string& line : lines)
        text += line + "\n";
    return text;
}

std::vector<std::string> splitCells(const std::string& line)
{
    std::vector<std::string> cells;
    std::string::size_type start = 0, comma;
    while ((comma = line.find(',', start)) != std::string::npos) {
        cells.push_back(line.substr(start, comma - start));
        start = comma + 1;
    }
    cells.push_back(line.substr(start));
    return cells;
}

std::string joinCells(const std::vector<std::string>& cells)
{
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i)
        line += (i ? "," : "") + cells[i];
    return line;
}

// Edits the lines of one file of the run.
Mutation editLines(const std::string& file, std::function<void(std::vector<std::string>&)> edit)
{
    return [file, edit](const fs::path& run) {
        std::vector<std::string> lines = splitLines(readFile(run / file));
        edit(lines);
        writeFile(run / file, joinLines(lines));
    };
}

Mutation setCell(const std::string& file, size_t row, size_t column, const std::string& value)
{
    return editLines(file, [=](std::vector<std::string>& lines) {
        std::vector<std::string> cells = splitCells(lines.at(row));
        cells.at(column) = value;
        lines[row] = joinCells(cells);
    });
}

Mutation replaceFile(const std::string& file, std::string bytes)
{
    return [file, bytes](const fs::path& run) { writeFile(run / file, bytes); };
}

std::string randomBytes(Random& random, size_t count, bool withoutNewlines)
{
    std::string bytes(count, '\0');
    for (char& c : bytes) {
        c = static_cast<char>(random() % 256);
        if (withoutNewlines && c == '\n')
            c = '\x01';
    }
    return bytes;
}

void addSpecialFiles(std::vector<Corruption>& out, const std::string& file)
{
    out.push_back({file, file + ": special file", "FIFO", [file](const fs::path& run) { replaceWithFifo(run / file); }});
    out.push_back({file, file + ": special file", "directory",
                   [file](const fs::path& run) { replaceWithDirectory(run / file); }});
    out.push_back({file, file + ": special file", "link to /dev/zero",
                   [file](const fs::path& run) { replaceWithSymlink(run / file, "/dev/zero"); }});
}

void addConfigCorruptions(std::vector<Corruption>& out, const std::string& configText, Random& random)
{
    const std::string file = "config.json";
    auto set = [&](const std::string& label, const std::string& key, const std::string& literal) {
        out.push_back({file, label, key + " = " + literal, replaceFile(file, withKey(configText, key, literal))});
    };
    // The values that crashed or hung readers, then a sample of every key's invalid values.
    set("config.json: invalid value", "run.eval_every_steps", "0");
    set("config.json: invalid value", "run.keep_checkpoints", "0");
    set("config.json: invalid value", "run.steps", "1e12");
    set("config.json: invalid value", "run.steps", "1000000000000");
    set("config.json: invalid value", "run.threads", "1000");
    set("config.json: invalid value", "task.modulus", "4294967319");
    set("config.json: invalid value", "run.spectrum_every_steps", "175");
    set("config.json: invalid value", "metrics.probe_size", "0");
    for (const KeySpec& key : keyTable()) {
        for (const std::string& literal : key.invalid)
            if (random() % 3 == 0)
                set("config.json: invalid value", key.key, literal);
        for (const std::string& literal : overflowLiterals(key))
            if (random() % 4 == 0)
                set("config.json: overflow", key.key, literal);
        const std::vector<std::string> wrong = wrongTypeLiterals(key.kind);
        if (random() % 3 == 0)
            set("config.json: wrong type", key.key, wrong[random() % wrong.size()]);
    }
    for (const size_t cut : {size_t(0), size_t(1), size_t(10), configText.size() / 2, configText.size() - 3})
        out.push_back({file, "config.json: truncated", std::to_string(cut) + " bytes",
                       replaceFile(file, configText.substr(0, cut))});
    out.push_back({file, "config.json: deep nesting", "100", replaceFile(file, withKey(configText, "name", deepArrays(100)))});
    out.push_back({file, "config.json: deep nesting", "100000", replaceFile(file, deepArrays(100000))});
    out.push_back({file, "config.json: deep nesting", "100000 in a section",
                   replaceFile(file, withKey(configText, "task", deepObjects(100000)))});
    out.push_back({file, "config.json: not an object", "[]", replaceFile(file, "[]\n")});
    out.push_back({file, "config.json: unknown key", "task.modlus", replaceFile(file, withKey(configText, "task.modlus", "97"))});
    out.push_back({file, "config.json: garbage", "random bytes", replaceFile(file, randomBytes(random, 2000, false))});
    out.push_back({file, "config.json: missing", "deleted", [](const fs::path& run) { removePath(run / "config.json"); }});
    addSpecialFiles(out, file);
}

void addCsvCorruptions(std::vector<Corruption>& out, const std::string& file, const std::string& text, Random& random,
                       int cellsPerColumn, const std::set<std::string>& optionalColumns)
{
    const std::vector<std::string> lines = splitLines(text);
    const std::vector<std::string> header = splitCells(lines.at(0));
    const size_t rows = lines.size() - 1;
    auto midRow = [&] { return 1 + random() % (rows - 1); };  // any row but the last
    const std::vector<std::string> bad = {"abc", "1.2.3", "1e", "--1", "0x", "12abc", "\x01", "1 2", "true"};
    // Wide files (spectra: one column per eigenvalue) get a sample of columns.
    const size_t columnStride = header.size() > 30 ? header.size() / 10 : 1;
    for (size_t column = 1; column < header.size(); column += columnStride) {
        std::vector<std::string> values;
        for (int k = 0; k < cellsPerColumn; ++k)
            values.push_back(bad[random() % bad.size()]);
        if (!optionalColumns.count(header[column]))
            values.push_back("");  // a required number left empty
        const bool flag = header[column] == "mixing" || header[column] == "norm_match" || header[column] == "entropy_floor";
        for (const std::string& value : values)
            out.push_back({file, file + (flag ? ": bad flag cell" : ": bad cell"), header[column] + " = \"" + value + "\"",
                           setCell(file, midRow(), column, value)});
    }
    for (const std::string step : {"nan", "-nan", "inf", "-inf", "1e300", "-1e300", "1e19", "9223372036854775808", "abc",
                                   "1.5", "-1", ""})
        out.push_back({file, file + ": bad step", "step = \"" + std::string(step) + "\"", setCell(file, midRow(), 0, step)});
    const size_t row = midRow();
    out.push_back({file, file + ": column count", "one cell more mid-file",
                   editLines(file, [row](std::vector<std::string>& l) { l[row] += ",1"; })});
    out.push_back({file, file + ": column count", "one cell fewer mid-file",
                   editLines(file, [row](std::vector<std::string>& l) { l[row] = l[row].substr(0, l[row].rfind(',')); })});
    out.push_back({file, file + ": column count", "1000 cells more mid-file",
                   editLines(file, [row](std::vector<std::string>& l) { l[row] += std::string(1000, ','); })});
    out.push_back({file, file + ": column count", "one header column more",
                   editLines(file, [](std::vector<std::string>& l) { l[0] += ",extra"; })});
    out.push_back({file, file + ": column count", "100000 header columns more", editLines(file, [](std::vector<std::string>& l) {
                       for (int i = 0; i < 100000; ++i)
                           l[0] += ",x" + std::to_string(i);
                   })});
    out.push_back({file, file + ": column count", "one header column fewer",
                   editLines(file, [](std::vector<std::string>& l) { l[0] = l[0].substr(0, l[0].rfind(',')); })});
    out.push_back({file, file + ": garbage", "binary line mid-file", editLines(file, [row, g = randomBytes(random, 60, true)](
                                                                                  std::vector<std::string>& l) {
                       l.insert(l.begin() + static_cast<long>(row), g);
                   })});
    out.push_back({file, file + ": garbage", "NUL bytes in a row",
                   editLines(file, [row](std::vector<std::string>& l) { l[row] = std::string("\0\0\0", 3) + l[row]; })});
    out.push_back({file, file + ": garbage", "header repeated mid-file",
                   editLines(file, [row](std::vector<std::string>& l) { l.insert(l.begin() + static_cast<long>(row), l[0]); })});
    out.push_back({file, file + ": garbage", "random bytes", replaceFile(file, randomBytes(random, 3000, false) + "\n")});
    addSpecialFiles(out, file);
}

void addMetricsOnly(std::vector<Corruption>& out)
{
    const std::string file = "metrics.csv";
    out.push_back({file, "metrics.csv: structure", "empty file", replaceFile(file, "")});
    out.push_back({file, "metrics.csv: structure", "missing", [](const fs::path& run) { removePath(run / "metrics.csv"); }});
    for (const std::string column : {"step", "train_loss", "weight_norm"})
        out.push_back({file, "metrics.csv: structure", "no column " + column,
                       editLines(file, [column](std::vector<std::string>& l) {
                           std::vector<std::string> cells = splitCells(l[0]);
                           for (std::string& cell : cells)
                               if (cell == column)
                                   cell += "_renamed";
                           l[0] = joinCells(cells);
                       })});
}

void addEventCorruptions(std::vector<Corruption>& out, const std::string& text, Random& random)
{
    const std::string file = "events.jsonl";
    const std::vector<std::string> lines = splitLines(text);
    const size_t row = 1 + random() % (lines.size() - 1);  // not the first, not past the last
    auto insertLine = [&](const std::string& label, const std::string& detail, const std::string& line) {
        out.push_back({file, "events.jsonl: " + label, detail, editLines(file, [row, line](std::vector<std::string>& l) {
                           l.insert(l.begin() + static_cast<long>(row), line);
                       })});
    };
    for (const std::string line : {"{", "not json", "[1, 2]", "null", "1", "\"event\"", "{\"step\": 100}",
                                   "{\"type\": \"memorised\"}", "{\"step\": 100, \"type\": \"x\"} trailing",
                                   "{\"step\": 100, \"type\": \"x\", \"message\": \"\xff\"}"})
        insertLine("bad line", line, line);
    insertLine("bad line", "random bytes", randomBytes(random, 80, true));
    insertLine("deep nesting", "100000 arrays", deepArrays(100000));
    insertLine("deep nesting", "100 in values",
               "{\"step\": 100, \"type\": \"x\", \"values\": {\"a\": " + deepArrays(100) + "}}");
    insertLine("deep nesting", "100000 in values",
               "{\"step\": 100, \"type\": \"x\", \"values\": {\"a\": " + deepObjects(100000) + "}}");
    const std::vector<std::pair<std::string, std::vector<std::string>>> wrong = {
        {"step", {"\"abc\"", "1.5", "null", "[1]", "{}", "1e300", "-1", "true", "9223372036854775808",
                  "18446744073709551616"}},
        {"type", {"1", "null", "[]", "{}", "true"}},
        {"message", {"1", "null", "[]", "{}"}},
        // {"a": null} is legitimate: the writer stores a NaN value as null.
        {"values", {"[]", "\"x\"", "1", "{\"a\": \"x\"}", "{\"a\": []}", "{\"a\": {}}", "null"}},
        {"labels", {"{\"a\": 1}", "[]", "\"x\"", "{\"a\": null}", "null"}},
    };
    for (const auto& [field, literals] : wrong)
        for (const std::string& literal : literals)
            insertLine("wrong type", field + " = " + literal,
                       withKey("{\"step\": 100, \"type\": \"note\", \"message\": \"m\"}", field, literal, -1));
    addSpecialFiles(out, file);
}

FuzzCase runLogCase(const Corruption& corruption, const std::string& command, bool withCheckpoints)
{
    FuzzCase c;
    c.family = Family::RunLog;
    c.label = corruption.label;
    c.detail = corruption.detail;
    c.inputName = "run";
    c.names = corruption.file;
    if (command == "gui") {
        c.tool = Tool::Gui;
        c.exec = true;
        c.label = "gui: " + c.label;
        c.args = {"--open", "{input}", "--screenshot", "{out}/shot.png", "--quit"};
    } else {
        c.label = command + ": " + c.label;
        c.args = {command, "{input}"};
        if (command == "resume")
            c.args.push_back("--quiet");
    }
    const Mutation mutate = corruption.mutate;
    c.prepare = [mutate, withCheckpoints](const CaseFiles& f) {
        copyRun(f.base->seed0, f.input, withCheckpoints);
        mutate(f.input);
    };
    return c;
}

}  // namespace

std::vector<FuzzCase> runLogCases(const CorpusContext& context)
{
    Random random = familyRandom(context.seed, "run log");
    const fs::path base = context.base->seed0;
    std::vector<Corruption> corruptions;
    addConfigCorruptions(corruptions, readFile(base / "config.json"), random);
    addCsvCorruptions(corruptions, "metrics.csv", readFile(base / "metrics.csv"), random, 2,
                      {"entropy", "effective_rank", "forecast_grok_step", "forecast_half_width", "logit_scale",
                       "saturated_fraction", "fourier_alignment", "log_alignment_ratio", "norm_decay_rate",
                       "norm_eta_step", "mixing", "norm_match", "entropy_floor"});
    addMetricsOnly(corruptions);
    addCsvCorruptions(corruptions, "spectra.csv", readFile(base / "spectra.csv"), random, 1, {});
    addCsvCorruptions(corruptions, "param_norms.csv", readFile(base / "param_norms.csv"), random, 1, {});
    addEventCorruptions(corruptions, readFile(base / "events.jsonl"), random);

    std::vector<FuzzCase> cases;
    std::set<std::string> guiLabels;
    for (const Corruption& corruption : corruptions) {
        cases.push_back(runLogCase(corruption, "summary", false));
        // resume: every config.json corruption (resume trains with it) and a quarter of the rest.
        if (corruption.file == "config.json" || random() % 4 == 0)
            cases.push_back(runLogCase(corruption, "resume", true));
        // The GUI starts slower: the first corruption of each kind.
        if (context.gui && guiLabels.insert(corruption.label).second)
            cases.push_back(runLogCase(corruption, "gui", true));
    }
    return cases;
}

}  // namespace grokscope::fuzz
