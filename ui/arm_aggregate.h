#pragma once
// An experiment arm's curve of one metric over its seeds: at each evaluation step the
// mean of the seeds that reached it, and a band, either the seeds' min–max or the 95%
// confidence interval of the mean (Student t, core/metrics/statistics.h). Drawn only
// where at least half of the arm's seeds have a value, so the curve of a live
// experiment does not end in the one or two seeds that run ahead.

#include <QVector>

#include <vector>

namespace grokscope::ui {

enum class BandKind { MinMax, ConfidenceInterval95 };

struct SeedCurve {
    QVector<double> steps;   // ascending
    QVector<double> values;  // same length
};

struct ArmCurve {
    QVector<double> steps, mean, lower, upper;
    QVector<int> seeds;  // how many seeds each point averages
};

ArmCurve aggregateArm(const std::vector<SeedCurve>& seeds, BandKind band);

}  // namespace grokscope::ui
