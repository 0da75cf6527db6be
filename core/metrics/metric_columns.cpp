#include "metrics/metric_columns.h"

#include <type_traits>

namespace grokscope {

namespace {

using S = EvalSnapshot;
using Chart = MetricChart;
constexpr SeriesColour kPrimary = SeriesColour::Primary;
constexpr SeriesColour kSecondary = SeriesColour::Secondary;
constexpr SeriesColour kTertiary = SeriesColour::Tertiary;

}  // namespace

// The order is metrics.csv's: a column's position is part of the file format, so a new
// metric goes last. The columns up to norm_match are in every GrokScope log; later ones
// are `addedLater`. The meaning of each metric: README, "Run log format" and
// "Diagnostics beyond the paper"; docs/science.md, "The quantity" and "Forecast".
const std::vector<MetricColumn>& metricColumns()
{
    // Fields: name, unit, field, addedLater, chart, label, colour (metric_columns.h).
    // clang-format off
    static const std::vector<MetricColumn> columns = {
        {"step",                "steps",    &S::step,                   false, Chart::None,       "",            kPrimary},
        {"train_loss",          "nats",     &S::trainLoss,              false, Chart::Loss,       "train",       kPrimary},
        {"test_loss",           "nats",     &S::testLoss,               false, Chart::Loss,       "test",        kSecondary},
        {"train_accuracy",      "fraction", &S::trainAccuracy,          false, Chart::Accuracy,   "train",       kPrimary},
        {"test_accuracy",       "fraction", &S::testAccuracy,           false, Chart::Accuracy,   "test",        kSecondary},
        {"weight_norm",         "",         &S::weightNorm,             false, Chart::WeightNorm, "‖θ‖₂",        kPrimary},
        {"entropy",             "",         &S::entropy,                false, Chart::Entropy,    "H̃",           kPrimary},
        {"effective_rank",      "",         &S::effectiveRank,          false, Chart::None,       "",            kPrimary},
        {"learning_rate",       "",         &S::learningRate,           false, Chart::None,       "",            kPrimary},
        {"elapsed_ms",          "ms",       &S::elapsedMs,              false, Chart::None,       "",            kPrimary},
        {"mixing",              "",         &S::mixingActive,           false, Chart::None,       "",            kPrimary},
        {"norm_match",          "",         &S::normMatchActive,        false, Chart::None,       "",            kPrimary},
        {"entropy_floor",       "",         &S::entropyFloorActive,     true,  Chart::None,       "",            kPrimary},
        // The forecasts are drawn as bands on the H̃ and ‖θ‖₂ charts (ChartBoard::showForecast).
        {"forecast_grok_step",  "steps",    &S::forecastGrokStep,       true,  Chart::None,       "",            kPrimary},
        {"forecast_half_width", "steps",    &S::forecastHalfWidthSteps, true,  Chart::None,       "",            kPrimary},
        {"logit_scale",         "",         &S::logitScale,             true,  Chart::LogitScale, "logit scale", kPrimary},
        {"saturated_fraction",  "fraction", &S::saturatedFraction,      true,  Chart::Alignment,  "saturated",   kTertiary},
        {"fourier_alignment",   "",         &S::fourierAlignment,       true,  Chart::Alignment,  "Fourier A",   kPrimary},
        {"log_alignment_ratio", "",         &S::logAlignmentRatio,      true,  Chart::Alignment,  "LAR",         kSecondary},
        {"norm_decay_rate",     "1/step",   &S::normDecayRate,          true,  Chart::None,       "",            kPrimary},
        {"norm_eta_step",       "steps",    &S::normEtaStep,            true,  Chart::None,       "",            kPrimary},
    };
    // clang-format on
    return columns;
}

const MetricColumn* findMetricColumn(const std::string& name)
{
    for (const MetricColumn& column : metricColumns())
        if (name == column.name)
            return &column;
    return nullptr;
}

std::optional<double> metricValue(const MetricColumn& column, const EvalSnapshot& snapshot)
{
    return std::visit(
        [&](auto field) -> std::optional<double> {
            const auto& value = snapshot.*field;
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::optional<double>>)
                return value;
            else
                return static_cast<double>(value);  // a step is far below 2^53; a flag is 0 or 1
        },
        column.field);
}

void setMetricValue(const MetricColumn& column, EvalSnapshot& snapshot, double value)
{
    std::visit(
        [&](auto field) {
            auto& target = snapshot.*field;
            using Value = std::decay_t<decltype(target)>;
            if constexpr (std::is_same_v<Value, bool>)
                target = value != 0.0;
            else if constexpr (std::is_same_v<Value, long>)
                target = static_cast<long>(value);
            else
                target = value;
        },
        column.field);
}

}  // namespace grokscope
