#include "io/run_log_writer.h"

#include "config/build_info.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/npy_writer.h"
#include "metrics/metric_columns.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <type_traits>
#include <variant>

namespace fs = std::filesystem;

namespace grokscope {

namespace {

// %.17g round-trips a double exactly; the log is the full-resolution record.
std::string exact(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

// One metrics.csv cell, spelled as metric_columns.h says for the field's type.
std::string metricCell(const MetricColumn& column, const EvalSnapshot& snapshot)
{
    return std::visit(
        [&](auto field) -> std::string {
            const auto& value = snapshot.*field;
            using Value = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<Value, long>)
                return std::to_string(value);
            else if constexpr (std::is_same_v<Value, bool>)
                return value ? "1" : "0";
            else if constexpr (std::is_same_v<Value, double>)
                return exact(value);
            else
                return value ? exact(*value) : std::string();
        },
        column.field);
}

std::string firstLine(const fs::path& path)
{
    std::ifstream in(path);
    std::string header;
    std::getline(in, header);
    return header;
}

// Columns of an existing metrics.csv: a run resumed from an older GrokScope keeps its
// older (shorter) layout instead of gaining a mismatched row width. Any header that is
// not one of our layouts (a prefix of today's columns) is refused before a row is
// appended: appending would turn a readable-but-odd log into an unreadable one.
size_t existingMetricsColumns(const fs::path& path)
{
    const std::string header = firstLine(path);
    const std::string current = runlog::metricsHeader();
    const bool knownLayout = !header.empty() && current.compare(0, header.size(), header) == 0
                             && (header.size() == current.size() || current[header.size()] == ',');
    if (!knownLayout)
        throw RunLogError(path.string() + ": header is not a GrokScope metrics layout; refusing to append to it");
    return static_cast<size_t>(std::count(header.begin(), header.end(), ',')) + 1;
}

void requireHeader(const fs::path& path, const std::string& expected)
{
    if (firstLine(path) != expected)
        throw RunLogError(path.string() + ": header does not match this run's parameters; refusing to append to it");
}

bool isEmptyFile(const fs::path& path)
{
    std::error_code error;
    return !fs::exists(path) || fs::file_size(path, error) == 0;
}

void openAppend(std::ofstream& stream, const fs::path& path)
{
    std::error_code error;
    const fs::file_status status = fs::symlink_status(path, error);
    if (fs::exists(status) && !fs::is_regular_file(status))
        throw RunLogError(path.string() + ": not a regular file; refusing to write to it");
    stream.open(path, std::ios::out | std::ios::app);
    if (!stream)
        throw RunLogError("cannot open " + path.string() + " for writing");
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buffer;
}

// Keeps only lines whose leading step is <= `step` (header lines are kept).
void truncateFile(const fs::path& path, long step, bool jsonLines)
{
    if (!fs::exists(path))
        return;
    // The caller has read the log with readRunLog, so every complete line parses; a line
    // that does not is refused rather than dropped.
    std::ifstream in(path);
    std::ostringstream kept;
    std::string line;
    bool first = true;
    int lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (in.eof())
            break;  // no newline: a row torn by a kill
        if (line.empty() || line == "\r")
            continue;  // blank lines carry nothing
        long lineStep = -1;
        if (jsonLines) {
            const auto parsed = tryParseJsonText(line);
            const auto found = parsed && parsed->is_object() ? parsed->find("step") : nlohmann::json::const_iterator();
            if (!parsed || !parsed->is_object() || found == parsed->end() || !found->is_number_integer())
                throw RunLogError(path.string() + ":" + std::to_string(lineNumber) + ": not an event; not truncating");
            lineStep = found->get<long>();
        } else if (first) {
            kept << line << '\n';
            first = false;
            continue;
        } else {
            const std::string cell = line.substr(0, line.find(','));
            const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), lineStep);
            if (error != std::errc() || end != cell.data() + cell.size())
                throw RunLogError(path.string() + ":" + std::to_string(lineNumber) + ": step "
                                  + quotedForMessage(cell) + " is not a number; not truncating");
        }
        first = false;
        if (lineStep <= step)
            kept << line << '\n';
    }
    in.close();
    const fs::path temporary = path.string() + ".partial";
    std::error_code ignored;
    fs::remove(temporary, ignored);  // a link left there is replaced, never written through
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << kept.str();
        if (!out.flush())
            throw RunLogError("cannot rewrite " + path.string() + " (is the disk full?); the original is intact");
    }
    fs::rename(temporary, path);
}

}  // namespace

namespace runlog {

std::string metricsHeader()
{
    std::string header;
    for (const MetricColumn& column : metricColumns())
        header += (header.empty() ? "" : ",") + std::string(column.name);
    return header;
}

std::string stepFileName(long step, const char* extension)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "step_%08ld.%s", step, extension);
    return buffer;
}

}  // namespace runlog

RunLogWriter::RunLogWriter(const std::string& directory, const std::vector<std::string>& parameterNames)
    : m_directory(directory), m_parameterCount(parameterNames.size())
{
    const fs::path dir(directory);
    fs::create_directories(dir);
    const fs::path metrics = dir / runlog::kMetrics, norms = dir / runlog::kParameterNorms,
                   spectra = dir / runlog::kSpectra, events = dir / runlog::kEvents;
    const bool newMetrics = isEmptyFile(metrics), newNorms = isEmptyFile(norms);
    m_spectraHeaderWritten = !isEmptyFile(spectra);
    std::string normsHeader = "step";
    for (const std::string& name : parameterNames)
        normsHeader += "," + name;
    if (!newMetrics)
        m_metricsColumns = existingMetricsColumns(metrics);
    if (!newNorms)
        requireHeader(norms, normsHeader);
    openAppend(m_metrics, metrics);
    openAppend(m_norms, norms);
    openAppend(m_spectra, spectra);
    openAppend(m_events, events);
    if (newMetrics)
        appendLine(m_metrics, runlog::kMetrics, runlog::metricsHeader());
    if (newNorms)
        appendLine(m_norms, runlog::kParameterNorms, normsHeader);
}

void RunLogWriter::appendLine(std::ofstream& stream, const std::string& file, const std::string& line)
{
    stream << line << '\n';
    stream.flush();
    if (!stream)
        throw RunLogError("cannot write " + (fs::path(m_directory) / file).string()
                                 + " (is the disk full?); the rows written so far are intact");
}

void RunLogWriter::onEvaluation(const EvalSnapshot& s)
{
    const std::vector<MetricColumn>& columns = metricColumns();
    std::string line;
    for (size_t i = 0; i < std::min(columns.size(), m_metricsColumns); ++i)
        line += (i ? "," : "") + metricCell(columns[i], s);
    appendLine(m_metrics, runlog::kMetrics, line);
}

void RunLogWriter::onSpectrum(const SpectrumSnapshot& spectrum)
{
    std::string header = "step";
    for (size_t k = 1; k <= spectrum.eigenvalues.size(); ++k)
        header += ",lambda_" + std::to_string(k);
    if (!m_spectraHeaderWritten) {
        appendLine(m_spectra, runlog::kSpectra, header);
        m_spectraHeaderWritten = true;
    } else if (!m_spectraHeaderChecked) {
        requireHeader(fs::path(m_directory) / runlog::kSpectra, header);
    }
    m_spectraHeaderChecked = true;
    std::string line = std::to_string(spectrum.step);
    for (double value : spectrum.eigenvalues)
        line += "," + exact(value);
    appendLine(m_spectra, runlog::kSpectra, line);
}

void RunLogWriter::onParameterNorms(const ParameterNorms& norms)
{
    std::string line = std::to_string(norms.step);
    for (double value : norms.norms)
        line += "," + exact(value);
    appendLine(m_norms, runlog::kParameterNorms, line);
}

void RunLogWriter::onEvent(const RunEvent& event)
{
    nlohmann::json line = {{"step", event.step}, {"type", event.type}, {"message", event.message}};
    if (!event.values.empty())
        line["values"] = event.values;
    if (!event.labels.empty())
        line["labels"] = event.labels;
    appendLine(m_events, runlog::kEvents, line.dump());
}

void RunLogWriter::onRepresentations(const RepresentationSample& sample)
{
    const fs::path dir = fs::path(m_directory) / runlog::kRepresentations;
    fs::create_directories(dir);
    writeNpyFloat32((dir / runlog::stepFileName(sample.step, "npy")).string(), sample.rows, sample.columns,
                    sample.values);
}

void RunLogWriter::writeConfig(const std::string& directory, const TrainConfig& config)
{
    nlohmann::json document = configToJson(config);
    document["grokscope_version"] = grokscopeVersion();
    document["git_revision"] = grokscopeGitRevision();
    document["created_utc"] = utcNow();
    fs::create_directories(directory);
    const fs::path path = fs::path(directory) / runlog::kConfig;
    const fs::path temporary = path.string() + ".partial";
    std::error_code ignored;
    fs::remove(temporary, ignored);  // a link left there is replaced, never written through
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << document.dump(2) << '\n';
        if (!out.flush())
            throw RunLogError("cannot write " + path.string() + " (is the disk full?)");
    }
    fs::rename(temporary, path);
}

void RunLogWriter::truncateAfter(const std::string& directory, long step)
{
    const fs::path dir(directory);
    truncateFile(dir / runlog::kMetrics, step, false);
    truncateFile(dir / runlog::kSpectra, step, false);
    truncateFile(dir / runlog::kParameterNorms, step, false);
    truncateFile(dir / runlog::kEvents, step, true);
}

}  // namespace grokscope
