#include "run_log_exporter.h"

#include "io/config_json.h"
#include "io/run_log.h"
#include "metrics/metric_columns.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <type_traits>
#include <variant>

namespace grokscope::ui {

namespace {

nlohmann::json number(double value)
{
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// One evaluation keyed by metrics.csv's column names (metrics/metric_columns.h): the step
// a whole number, a flag true or false, an unset or non-finite value null.
nlohmann::json toJson(const EvalSnapshot& s)
{
    nlohmann::json j = nlohmann::json::object();
    for (const MetricColumn& column : metricColumns())
        std::visit(
            [&](auto field) {
                const auto& value = s.*field;
                using Value = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<Value, long> || std::is_same_v<Value, bool>)
                    j[column.name] = value;
                else if constexpr (std::is_same_v<Value, double>)
                    j[column.name] = number(value);
                else
                    j[column.name] = value ? number(*value) : nlohmann::json(nullptr);
            },
            column.field);
    return j;
}

nlohmann::json toJson(const RunEvent& e)
{
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [key, value] : e.values)
        values[key] = number(value);
    return {{"step", e.step}, {"type", e.type}, {"message", e.message}, {"values", values}, {"labels", e.labels}};
}

}  // namespace

QStringList RunLogExporter::exportRun(const QString& runDirectory, const QString& targetDirectory)
{
    const RunLog log = readRunLog(runDirectory.toStdString());
    QDir target(targetDirectory);
    if (!target.exists() && !QDir().mkpath(targetDirectory))
        throw std::runtime_error(targetDirectory.toStdString() + ": cannot create the folder");
    QStringList written;
    for (const char* name : {runlog::kConfig, runlog::kMetrics, runlog::kSpectra, runlog::kParameterNorms, runlog::kEvents}) {
        const QString source = QDir(runDirectory).filePath(QString::fromLatin1(name));
        const QString destination = target.filePath(QString::fromLatin1(name));
        if (!QFile::exists(source))
            continue;
        QFile::remove(destination);
        if (!QFile::copy(source, destination))
            throw std::runtime_error(destination.toStdString() + ": cannot write");
        written << destination;
    }
    nlohmann::json document;
    document["directory"] = log.directory;
    document["version"] = log.version;
    document["git_revision"] = log.gitRevision;
    document["created_utc"] = log.createdUtc;
    document["config"] = configToJson(log.config);
    document["metric_units"] = nlohmann::json::object();  // "" for a dimensionless number
    for (const MetricColumn& column : metricColumns())
        document["metric_units"][column.name] = column.unit;
    document["evaluations"] = nlohmann::json::array();
    for (const EvalSnapshot& s : log.evaluations)
        document["evaluations"].push_back(toJson(s));
    document["spectra"] = nlohmann::json::array();
    for (const SpectrumSnapshot& s : log.spectra)
        document["spectra"].push_back({{"step", s.step}, {"eigenvalues", s.eigenvalues}});
    document["events"] = nlohmann::json::array();
    for (const RunEvent& e : log.events)
        document["events"].push_back(toJson(e));
    const QString jsonPath = target.filePath(QStringLiteral("run.json"));
    std::ofstream out(jsonPath.toStdString());
    if (!out)
        throw std::runtime_error(jsonPath.toStdString() + ": cannot write");
    out << document.dump(1) << "\n";
    written << jsonPath;
    return written;
}

}  // namespace grokscope::ui
