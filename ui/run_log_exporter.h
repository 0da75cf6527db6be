#pragma once
// Copies a run's log to a folder the user chose: the CSV files as they are, plus
// run.json with the config, every evaluation, spectrum and event in one document.
// An evaluation's keys are metrics.csv's column names, and "metric_units" gives each
// one's unit (both from core/metrics/metric_columns.cpp).

#include <QString>
#include <QStringList>

namespace grokscope::ui {

class RunLogExporter {
public:
    // Returns the files written; throws std::runtime_error naming the file on failure.
    static QStringList exportRun(const QString& runDirectory, const QString& targetDirectory);
};

}  // namespace grokscope::ui
