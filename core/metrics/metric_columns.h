#pragma once
// The metrics of one evaluation, declared once. Each row of metricColumns() names a
// metrics.csv column, its unit, the EvalSnapshot field it holds and the chart that draws
// it. The run log writer and reader (core/io), the chart board and the run export (ui/)
// all iterate this table, so a new metric is one new row in metric_columns.cpp, in the
// position its column takes in metrics.csv (new columns go last: see README, "Run log
// format", on older logs).

#include "metrics/eval_snapshot.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace grokscope {

// The field a column holds. Its type says how the cell is written and read back:
//   long                   the step: a whole number, rising row by row
//   double                 always present, %.17g
//   std::optional<double>  %.17g, or an empty cell when unset
//   bool                   0 or 1
using MetricField = std::variant<long EvalSnapshot::*, double EvalSnapshot::*, std::optional<double> EvalSnapshot::*,
                                 bool EvalSnapshot::*>;

// The chart of the board that draws a metric; ui/chart_board.cpp gives each its title
// and value axis. None: logged and exported, not charted as a series.
enum class MetricChart { None, Loss, Accuracy, WeightNorm, Entropy, Alignment, LogitScale };

// The series colour within an arm's palette. A chart lists its series in this order.
enum class SeriesColour { Primary, Secondary, Tertiary };

struct MetricColumn {
    const char* name;  // metrics.csv header cell, also the key in exports
    const char* unit;  // "" for a dimensionless number
    MetricField field;
    // A column added after the first log layout: logs written before it lack it and still
    // read, the field keeping its default (unset, or false). Otherwise its absence is an error.
    bool addedLater;
    MetricChart chart;
    const char* label;  // the series' legend entry on its chart (UTF-8); "" when not charted
    SeriesColour colour;
};

// Every column of metrics.csv, in file order.
const std::vector<MetricColumn>& metricColumns();

// The row named `name`, or nullptr.
const MetricColumn* findMetricColumn(const std::string& name);

// The field as a number: nullopt for an unset optional; a flag as 0 or 1.
std::optional<double> metricValue(const MetricColumn& column, const EvalSnapshot& snapshot);

// Sets the field from a number (a flag is set when `value` is not 0; a step is truncated).
void setMetricValue(const MetricColumn& column, EvalSnapshot& snapshot, double value);

}  // namespace grokscope
