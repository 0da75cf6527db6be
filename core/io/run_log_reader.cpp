#include "io/config_json.h"
#include "io/run_log.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// A row without its newline is the one a kill tore: it is dropped with a warning.
CsvTable readCsv(const fs::path& path, std::vector<std::string>& warnings, bool required)
{
    CsvTable table;
    std::ifstream in(path);
    if (!in) {
        if (required)
            throw RunLogError(path.string() + ": missing");
        return table;
    }
    std::string line;
    int lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (in.eof()) {
            warnings.push_back(path.filename().string() + ": dropped a partial last line (" + std::to_string(lineNumber)
                               + "), as left by an interrupted run");
            break;
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
    return table;
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
        throw RunLogError(path.string() + ":" + std::to_string(line) + ": \"" + text + "\" is not a number");
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

void readMetrics(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kMetrics;
    const CsvTable table = readCsv(path, log.warnings, true);
    const int step = column(table, "step", path), trainLoss = column(table, "train_loss", path),
              testLoss = column(table, "test_loss", path), trainAcc = column(table, "train_accuracy", path),
              testAcc = column(table, "test_accuracy", path), norm = column(table, "weight_norm", path),
              entropy = column(table, "entropy", path), rank = column(table, "effective_rank", path),
              lr = column(table, "learning_rate", path), elapsed = column(table, "elapsed_ms", path),
              mixing = column(table, "mixing", path), normMatch = column(table, "norm_match", path),
              entropyFloor = optionalColumn(table, "entropy_floor"),
              forecast = optionalColumn(table, "forecast_grok_step"),
              forecastWidth = optionalColumn(table, "forecast_half_width");
    // Diagnostics columns, absent in logs older than them.
    const std::vector<std::pair<int, std::optional<double> EvalSnapshot::*>> diagnostics = {
        {optionalColumn(table, "logit_scale"), &EvalSnapshot::logitScale},
        {optionalColumn(table, "saturated_fraction"), &EvalSnapshot::saturatedFraction},
        {optionalColumn(table, "fourier_alignment"), &EvalSnapshot::fourierAlignment},
        {optionalColumn(table, "log_alignment_ratio"), &EvalSnapshot::logAlignmentRatio},
        {optionalColumn(table, "norm_decay_rate"), &EvalSnapshot::normDecayRate},
        {optionalColumn(table, "norm_eta_step"), &EvalSnapshot::normEtaStep}};
    for (size_t r = 0; r < table.rows.size(); ++r) {
        const auto& row = table.rows[r];
        const int line = table.lineNumbers[r];
        auto number = [&](int c) { return parseDouble(row[c], path, line); };
        EvalSnapshot s;
        s.step = static_cast<long>(number(step));
        s.trainLoss = number(trainLoss);
        s.testLoss = number(testLoss);
        s.trainAccuracy = number(trainAcc);
        s.testAccuracy = number(testAcc);
        s.weightNorm = number(norm);
        if (!row[entropy].empty())
            s.entropy = number(entropy);
        if (!row[rank].empty())
            s.effectiveRank = number(rank);
        s.learningRate = number(lr);
        s.elapsedMs = number(elapsed);
        s.mixingActive = row[mixing] == "1";
        s.normMatchActive = row[normMatch] == "1";
        s.entropyFloorActive = entropyFloor >= 0 && row[entropyFloor] == "1";
        if (forecast >= 0 && !row[forecast].empty())
            s.forecastGrokStep = number(forecast);
        if (forecastWidth >= 0 && !row[forecastWidth].empty())
            s.forecastHalfWidthSteps = number(forecastWidth);
        for (const auto& [index, field] : diagnostics)
            if (index >= 0 && !row[index].empty())
                s.*field = number(index);
        log.evaluations.push_back(s);
    }
}

void readSpectra(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kSpectra;
    const CsvTable table = readCsv(path, log.warnings, false);
    for (size_t r = 0; r < table.rows.size(); ++r) {
        SpectrumSnapshot s;
        s.step = static_cast<long>(parseDouble(table.rows[r][0], path, table.lineNumbers[r]));
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
        n.step = static_cast<long>(parseDouble(table.rows[r][0], path, table.lineNumbers[r]));
        for (size_t c = 1; c < table.rows[r].size(); ++c)
            n.norms.push_back(parseDouble(table.rows[r][c], path, table.lineNumbers[r]));
        log.parameterNorms.push_back(std::move(n));
    }
}

void readEvents(RunLog& log, const fs::path& dir)
{
    const fs::path path = dir / runlog::kEvents;
    std::ifstream in(path);
    if (!in)
        return;
    std::string line;
    int lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        const bool partial = in.eof();
        const auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("step") || !parsed.contains("type")) {
            if (partial) {
                log.warnings.push_back("events.jsonl: dropped a partial last line, as left by an interrupted run");
                break;
            }
            throw RunLogError(path.string() + ":" + std::to_string(lineNumber) + ": not a JSON event object");
        }
        RunEvent e;
        e.step = parsed["step"].get<long>();
        e.type = parsed["type"].get<std::string>();
        e.message = parsed.value("message", "");
        if (parsed.contains("values"))
            e.values = parsed["values"].get<std::map<std::string, double>>();
        if (parsed.contains("labels"))
            e.labels = parsed["labels"].get<std::map<std::string, std::string>>();
        log.events.push_back(std::move(e));
    }
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
    std::ifstream in(configPath);
    if (!in)
        throw RunLogError(configPath.string() + ": missing; this is not a GrokScope run directory");
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(in);
        log.config = applyConfigJson(TrainConfig{}, document);
    } catch (const nlohmann::json::exception& error) {
        throw RunLogError(configPath.string() + ": corrupt: " + error.what());
    } catch (const ConfigError& error) {
        throw RunLogError(configPath.string() + ": " + error.what());
    }
    log.version = document.value("grokscope_version", "");
    log.gitRevision = document.value("git_revision", "");
    log.createdUtc = document.value("created_utc", "");
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
