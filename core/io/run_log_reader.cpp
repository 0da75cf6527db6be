#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"
#include "metrics/metric_columns.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <type_traits>
#include <variant>

namespace fs = std::filesystem;

namespace grokscope {

namespace {

struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<int> lineNumbers;
};

std::vector<std::string> splitCsv(const std::string& line)
{
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream stream(line);
    while (std::getline(stream, cell, ','))
        cells.push_back(cell);
    if (!line.empty() && line.back() == ',')
        cells.emplace_back();
    return cells;
}

// Opens a log file that may be absent; anything but a regular file is refused (a FIFO
// would block the reader forever).
std::ifstream openLogFile(const fs::path& path, bool required)
{
    std::error_code error;
    if (!fs::exists(fs::symlink_status(path, error))) {
        if (required)
            throw RunLogError(path.string() + ": missing");
        return {};
    }
    try {
        return openRegularFile(path.string());
    } catch (const InputError& problem) {
        throw RunLogError(problem.what());
    }
}

// A row without its newline is the one a kill tore: it is dropped with a warning.
// Blank lines (an editor's trailing newline) are skipped with a warning.
CsvTable readCsv(const fs::path& path, std::vector<std::string>& warnings, bool required)
{
    CsvTable table;
    std::ifstream in = openLogFile(path, required);
    if (!in.is_open())
        return table;
    std::string line;
    int lineNumber = 0, blankLines = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (in.eof()) {
            if (!line.empty())
                warnings.push_back(path.filename().string() + ": dropped a partial last line ("
                                   + std::to_string(lineNumber) + "), as left by an interrupted run");
            break;
        }
        if (line.empty() || line == "\r") {
            ++blankLines;
            continue;
        }
        if (table.header.empty()) {
            table.header = splitCsv(line);
            continue;
        }
        auto cells = splitCsv(line);
        if (cells.size() != table.header.size())
            throw RunLogError(path.string() + ":" + std::to_string(lineNumber) + ": expected "
                              + std::to_string(table.header.size()) + " columns, found " + std::to_string(cells.size()));
        table.rows.push_back(std::move(cells));
        table.lineNumbers.push_back(lineNumber);
    }
    if (in.bad())
        throw RunLogError(path.string() + ": read error");
    if (blankLines > 0)
        warnings.push_back(path.filename().string() + ": skipped " + std::to_string(blankLines) + " blank line(s)");
    return table;
}

// A step cell: a whole number in [0, kMaxRunSteps]. "nan", "1e300" or "12abc" are
// corruption, not steps.
long parseStep(const std::string& text, const fs::path& path, int line)
{
    long value = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0 || value > kMaxRunSteps)
        throw RunLogError(path.string() + ":" + std::to_string(line) + ": step " + quotedForMessage(text)
                          + " is not a whole number between 0 and " + std::to_string(kMaxRunSteps));
    return value;
}

// Rows are appended as training goes, so their steps rise; anything else is a damaged
// or spliced file.
void requireRisingStep(long step, long previous, const fs::path& path, int line)
{
    if (step <= previous)
        throw RunLogError(path.string() + ":" + std::to_string(line) + ": step " + std::to_string(step)
                          + " does not follow step " + std::to_string(previous));
}

double parseDouble(const std::string& text, const fs::path& path, int line)
{
    try {
        size_t used = 0;
        const double value = std::stod(text, &used);
        if (used != text.size())
            throw std::invalid_argument(text);
        return value;
    } catch (const std::exception&) {
        // stod rejects "nan"/"inf" spellings on some platforms: accept them explicitly.
        if (text == "nan" || text == "-nan")
            return std::nan("");
        if (text == "inf")
            return INFINITY;
        if (text == "-inf")
            return -INFINITY;
        throw RunLogError(path.string() + ":" + std::to_string(line) + ": " + quotedForMessage(text) + " is not a number");
    }
}

// -1 when the header lacks the column: a column added in a later version is
// optional, since older logs do not have it.
int optionalColumn(const CsvTable& table, const std::string& name)
{
    for (size_t i = 0; i < table.header.size(); ++i)
        if (table.header[i] == name)
            return static_cast<int>(i);
    return -1;
}

int column(const CsvTable& table, const std::string& name, const fs::path& path)
{
    const int index = optionalColumn(table, name);
    if (index < 0)
        throw RunLogError(path.string() + ": no column \"" + name + "\"");
    return index;
}

// A flag cell: "0" or "1", nothing else.
bool parseFlag(const std::string& text, const char* columnName, const fs::path& path, int line)
{
    if (text != "0" && text != "1")
        throw RunLogError(path.string() + ":" + std::to_string(line) + ": " + columnName + " is "
                          + quotedForMessage(text) + ", not 0 or 1");
    return text == "1";
}

// Columns are found by name through metricColumns(): their order in the file does not
// matter, columns we do not know are ignored, and a column `addedLater` may be absent.
void readMetrics(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kMetrics;
    const CsvTable table = readCsv(path, log.warnings, true);
    std::vector<std::pair<const MetricColumn*, int>> present;  // with its index in the file
    for (const MetricColumn& metric : metricColumns()) {
        const int index = metric.addedLater ? optionalColumn(table, metric.name) : column(table, metric.name, path);
        if (index >= 0)
            present.emplace_back(&metric, index);
    }
    for (size_t r = 0; r < table.rows.size(); ++r) {
        const auto& row = table.rows[r];
        const int line = table.lineNumbers[r];
        EvalSnapshot s;
        for (const auto& [metric, index] : present) {
            const std::string& cell = row[index];
            std::visit(
                [&, metric = metric](auto field) {
                    auto& target = s.*field;
                    using Value = std::decay_t<decltype(target)>;
                    if constexpr (std::is_same_v<Value, long>) {
                        target = parseStep(cell, path, line);
                        requireRisingStep(target, log.evaluations.empty() ? -1 : log.evaluations.back().step, path,
                                          line);
                    } else if constexpr (std::is_same_v<Value, bool>) {
                        target = parseFlag(cell, metric->name, path, line);
                    } else if constexpr (std::is_same_v<Value, double>) {
                        target = parseDouble(cell, path, line);
                    } else if (!cell.empty()) {
                        target = parseDouble(cell, path, line);
                    }
                },
                metric->field);
        }
        log.evaluations.push_back(s);
    }
}

void readSpectra(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kSpectra;
    const CsvTable table = readCsv(path, log.warnings, false);
    for (size_t r = 0; r < table.rows.size(); ++r) {
        SpectrumSnapshot s;
        s.step = parseStep(table.rows[r][0], path, table.lineNumbers[r]);
        requireRisingStep(s.step, log.spectra.empty() ? -1 : log.spectra.back().step, path, table.lineNumbers[r]);
        for (size_t c = 1; c < table.rows[r].size(); ++c)
            s.eigenvalues.push_back(parseDouble(table.rows[r][c], path, table.lineNumbers[r]));
        log.spectra.push_back(std::move(s));
    }
}

void readParameterNorms(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kParameterNorms;
    const CsvTable table = readCsv(path, log.warnings, false);
    if (!table.header.empty())
        log.parameterNames.assign(table.header.begin() + 1, table.header.end());
    for (size_t r = 0; r < table.rows.size(); ++r) {
        ParameterNorms n;
        n.step = parseStep(table.rows[r][0], path, table.lineNumbers[r]);
        requireRisingStep(n.step, log.parameterNorms.empty() ? -1 : log.parameterNorms.back().step, path,
                          table.lineNumbers[r]);
        for (size_t c = 1; c < table.rows[r].size(); ++c)
            n.norms.push_back(parseDouble(table.rows[r][c], path, table.lineNumbers[r]));
        log.parameterNorms.push_back(std::move(n));
    }
}

// One line of events.jsonl as a RunEvent, or why it is not one.
std::optional<std::string> eventProblem(const nlohmann::json& parsed, RunEvent& e)
{
    if (!parsed.is_object())
        return "not a JSON object";
    const auto step = parsed.find("step");
    if (step == parsed.end() || !step->is_number_integer() || step->get<long long>() < 0
        || step->get<long long>() > kMaxRunSteps)
        return "\"step\" must be a whole number between 0 and " + std::to_string(kMaxRunSteps);
    const auto type = parsed.find("type");
    if (type == parsed.end() || !type->is_string())
        return "\"type\" must be a string";
    e.step = step->get<long>();
    e.type = type->get<std::string>();
    if (const auto message = parsed.find("message"); message != parsed.end()) {
        if (!message->is_string())
            return "\"message\" must be a string";
        e.message = message->get<std::string>();
    }
    if (const auto values = parsed.find("values"); values != parsed.end()) {
        if (!values->is_object())
            return "\"values\" must be an object of numbers";
        for (const auto& [key, value] : values->items()) {
            if (value.is_null())  // the writer's spelling of NaN
                e.values[key] = std::nan("");
            else if (value.is_number())
                e.values[key] = value.get<double>();
            else
                return "\"values\"." + key + " must be a number";
        }
    }
    if (const auto labels = parsed.find("labels"); labels != parsed.end()) {
        if (!labels->is_object())
            return "\"labels\" must be an object of strings";
        for (const auto& [key, value] : labels->items()) {
            if (!value.is_string())
                return "\"labels\"." + key + " must be a string";
            e.labels[key] = value.get<std::string>();
        }
    }
    return std::nullopt;
}

void readEvents(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kEvents;
    std::ifstream in = openLogFile(path, false);
    if (!in.is_open())
        return;
    std::string line;
    int lineNumber = 0, blankLines = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        const bool partial = in.eof();
        if (line.empty() || line == "\r") {
            blankLines += partial ? 0 : 1;
            continue;
        }
        RunEvent e;
        const auto parsed = tryParseJsonText(line);
        const auto problem = parsed ? eventProblem(*parsed, e) : std::optional<std::string>("not valid JSON");
        if (problem) {
            if (partial) {
                log.warnings.push_back("events.jsonl: dropped a partial last line, as left by an interrupted run");
                break;
            }
            throw RunLogError(path.string() + ":" + std::to_string(lineNumber) + ": not an event: " + *problem);
        }
        log.events.push_back(std::move(e));
    }
    if (in.bad())
        throw RunLogError(path.string() + ": read error");
    if (blankLines > 0)
        log.warnings.push_back("events.jsonl: skipped " + std::to_string(blankLines) + " blank line(s)");
}

}  // namespace

RunLog readRunLog(const std::string& directory)
{
    const fs::path dir(directory);
    if (!fs::is_directory(dir))
        throw RunLogError(directory + ": not a run directory");
    RunLog log;
    log.directory = directory;
    const fs::path configPath = dir / runlog::kConfig;
    std::error_code error;
    if (!fs::exists(fs::symlink_status(configPath, error)))
        throw RunLogError(configPath.string() + ": missing; this is not a GrokScope run directory");
    nlohmann::json document;
    try {
        document = readJsonFile(configPath.string());
        log.config = applyConfigJson(TrainConfig{}, document);
        // A run's config is checked as strictly as a new one: resume and the readers
        // divide by the cadences and size buffers from it.
        validateConfig(log.config);
    } catch (const InputError& problem) {
        throw RunLogError(problem.what());
    } catch (const ConfigError& problem) {
        throw RunLogError(configPath.string() + ": " + problem.what());
    }
    auto provenance = [&](const char* key) {
        const auto found = document.find(key);
        return found != document.end() && found->is_string() ? found->get<std::string>() : std::string();
    };
    log.version = provenance("grokscope_version");
    log.gitRevision = provenance("git_revision");
    log.createdUtc = provenance("created_utc");
    readMetrics(log, dir);
    readSpectra(log, dir);
    readParameterNorms(log, dir);
    readEvents(log, dir);
    return log;
}

std::vector<std::pair<long, double>> RunLog::weightNormTrajectory() const
{
    std::vector<std::pair<long, double>> curve;
    for (const EvalSnapshot& s : evaluations)
        curve.emplace_back(s.step, s.weightNorm);
    return curve;
}

const RunEvent* RunLog::firstEvent(const std::string& type) const
{
    for (const RunEvent& e : events)
        if (e.type == type)
            return &e;
    return nullptr;
}

}  // namespace grokscope
