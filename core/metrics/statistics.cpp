#include "metrics/statistics.h"

#include "tasks/seeded_random.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace grokscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[maybe_unused]] bool containsNaN(const std::vector<double>& values)
{
    return std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

// Type-7 quantile of an already sorted, non-empty sample.
double sortedQuantile(const std::vector<double>& sorted, double probability)
{
    const double position = probability * static_cast<double>(sorted.size() - 1);
    const std::size_t below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

double sumOfSquaredDeviations(const std::vector<double>& values, double centre)
{
    double sum = 0.0;
    for (double v : values)
        sum += (v - centre) * (v - centre);
    return sum;
}

// Midranks of the pooled sample (x first, then y) and Σ(t³ − t) over tie groups.
struct PooledRanks {
    std::vector<double> ranks;
    double tieTerm = 0.0;
};

PooledRanks pooledRanks(const std::vector<double>& x, const std::vector<double>& y)
{
    std::vector<double> pooled(x);
    pooled.insert(pooled.end(), y.begin(), y.end());
    std::vector<std::size_t> order(pooled.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&pooled](std::size_t a, std::size_t b) { return pooled[a] < pooled[b]; });
    PooledRanks result;
    result.ranks.assign(pooled.size(), 0.0);
    std::size_t start = 0;
    while (start < order.size()) {
        std::size_t end = start + 1;
        while (end < order.size() && pooled[order[end]] == pooled[order[start]])
            ++end;
        // Positions start..end−1 hold equal values: each gets the mean 1-based rank.
        const double midrank = 0.5 * static_cast<double>(start + 1 + end);
        for (std::size_t k = start; k < end; ++k)
            result.ranks[order[k]] = midrank;
        const double t = static_cast<double>(end - start);
        result.tieTerm += t * t * t - t;
        start = end;
    }
    return result;
}

// P(U ≤ u) under H0 for sample sizes m, n without ties, by the recurrence documented
// in the header. current[j] holds the distribution P_{i,j}(·) over 0..i·j.
double exactLowerTail(std::size_t m, std::size_t n, double u)
{
    std::vector<std::vector<double>> current(n + 1, std::vector<double>(1, 1.0));  // i = 0
    for (std::size_t i = 1; i <= m; ++i) {
        std::vector<std::vector<double>> next(n + 1);
        next[0] = std::vector<double>(1, 1.0);
        for (std::size_t j = 1; j <= n; ++j) {
            const double total = static_cast<double>(i + j);
            const double xLargest = static_cast<double>(i) / total;
            const double yLargest = static_cast<double>(j) / total;
            std::vector<double>& distribution = next[j];
            distribution.assign(i * j + 1, 0.0);
            const std::vector<double>& withoutX = current[j];    // P_{i−1,j}, support 0..(i−1)j
            const std::vector<double>& withoutY = next[j - 1];   // P_{i,j−1}, support 0..i(j−1)
            for (std::size_t v = 0; v < withoutX.size(); ++v)
                distribution[v + j] += xLargest * withoutX[v];
            for (std::size_t v = 0; v < withoutY.size(); ++v)
                distribution[v] += yLargest * withoutY[v];
        }
        current = std::move(next);
    }
    const std::vector<double>& distribution = current[n];
    const double limit = std::floor(u + 1e-9);
    double tail = 0.0;
    for (std::size_t v = 0; v < distribution.size() && static_cast<double>(v) <= limit; ++v)
        tail += distribution[v];
    return tail;
}

double standardNormalUpperTail(double z)
{
    return 0.5 * std::erfc(z / std::sqrt(2.0));
}

}  // namespace

double mean(const std::vector<double>& values)
{
    assert(!containsNaN(values));
    if (values.empty())
        return kNaN;
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double median(const std::vector<double>& values)
{
    return quantile(values, 0.5);
}

double sampleStandardDeviation(const std::vector<double>& values)
{
    if (values.size() < 2)
        return kNaN;
    return std::sqrt(sumOfSquaredDeviations(values, mean(values)) / static_cast<double>(values.size() - 1));
}

double quantile(const std::vector<double>& values, double probability)
{
    assert(!containsNaN(values));
    assert(probability >= 0.0 && probability <= 1.0);
    if (values.empty())
        return kNaN;
    std::vector<double> sorted(values);
    std::sort(sorted.begin(), sorted.end());
    return sortedQuantile(sorted, probability);
}

ConfidenceInterval bootstrapConfidenceInterval(const std::vector<double>& values,
                                               BootstrapStatistic statistic,
                                               const BootstrapConfig& config)
{
    if (config.resampleCount < 1)
        throw std::invalid_argument("bootstrap resampleCount must be at least 1, got "
                                    + std::to_string(config.resampleCount));
    if (!(config.confidenceLevel > 0.0 && config.confidenceLevel < 1.0))
        throw std::invalid_argument("bootstrap confidenceLevel must lie in (0, 1), got "
                                    + std::to_string(config.confidenceLevel));
    assert(!containsNaN(values));
    if (values.empty())
        return {kNaN, kNaN};
    // Every resample of a constant sample is that sample: answer exactly rather than
    // with the round-off of n additions.
    const auto [smallest, largest] = std::minmax_element(values.begin(), values.end());
    if (*smallest == *largest)
        return {*smallest, *smallest};

    SplitMix64 random(config.seed);
    const std::size_t n = values.size();
    std::vector<double> resample(n);
    std::vector<double> statistics(static_cast<std::size_t>(config.resampleCount));
    for (double& value : statistics) {
        for (double& drawn : resample)
            drawn = values[static_cast<std::size_t>(random.below(n))];
        value = statistic == BootstrapStatistic::Mean ? mean(resample) : median(resample);
    }
    std::sort(statistics.begin(), statistics.end());
    const double tail = 0.5 * (1.0 - config.confidenceLevel);
    return {sortedQuantile(statistics, tail), sortedQuantile(statistics, 1.0 - tail)};
}

MannWhitneyResult mannWhitneyU(const std::vector<double>& x, const std::vector<double>& y,
                               MannWhitneyMethod method)
{
    assert(!containsNaN(x) && !containsNaN(y));
    MannWhitneyResult result;
    if (x.empty() || y.empty()) {
        result.u = kNaN;
        result.pValue = kNaN;
        result.method = MannWhitneyMethodUsed::Undefined;
        return result;
    }
    const std::size_t n1 = x.size();
    const std::size_t n2 = y.size();
    const double product = static_cast<double>(n1) * static_cast<double>(n2);
    const PooledRanks pooled = pooledRanks(x, y);

    // U_x = R_x − n1(n1 + 1)/2 (Mann & Whitney 1947).
    double rankSumX = 0.0;
    for (std::size_t i = 0; i < n1; ++i)
        rankSumX += pooled.ranks[i];
    result.u = rankSumX - 0.5 * static_cast<double>(n1) * static_cast<double>(n1 + 1);
    const double uY = product - result.u;

    const bool hasTies = pooled.tieTerm > 0.0;
    const bool exact = !hasTies
        && (method == MannWhitneyMethod::Exact
            || (method == MannWhitneyMethod::Automatic && n1 * n2 <= kMannWhitneyExactMaxProduct));
    if (exact) {
        result.method = MannWhitneyMethodUsed::Exact;
        result.pValue = std::min(1.0, 2.0 * exactLowerTail(n1, n2, std::min(result.u, uY)));
        return result;
    }

    result.method = MannWhitneyMethodUsed::NormalApproximation;
    const double total = static_cast<double>(n1 + n2);
    const double variance = product / 12.0 * ((total + 1.0) - pooled.tieTerm / (total * (total - 1.0)));
    if (!(variance > 0.0)) {
        result.pValue = 1.0;
        return result;
    }
    const double z = (std::max(result.u, uY) - 0.5 * product - 0.5) / std::sqrt(variance);
    result.pValue = std::min(1.0, 2.0 * standardNormalUpperTail(z));
    return result;
}

double cohensD(const std::vector<double>& x, const std::vector<double>& y)
{
    if (x.empty() || y.empty() || x.size() + y.size() < 3)
        return kNaN;
    const double meanX = mean(x);
    const double meanY = mean(y);
    const double pooledVariance = (sumOfSquaredDeviations(x, meanX) + sumOfSquaredDeviations(y, meanY))
        / static_cast<double>(x.size() + y.size() - 2);
    if (!(pooledVariance > 0.0))
        return kNaN;
    return (meanX - meanY) / std::sqrt(pooledVariance);
}

SampleSummary summariseSample(const std::vector<double>& values, const BootstrapConfig& config)
{
    SampleSummary summary;
    summary.n = values.size();
    summary.mean = mean(values);
    summary.median = median(values);
    summary.sd = sampleStandardDeviation(values);
    summary.meanCi = bootstrapConfidenceInterval(values, BootstrapStatistic::Mean, config);
    summary.medianCi = bootstrapConfidenceInterval(values, BootstrapStatistic::Median, config);
    return summary;
}

}  // namespace grokscope
