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

// P(W+ ≤ w) under H0 for the ranks 1..n without ties, by the recurrence in the header,
// carried as probabilities: halving is exact, and P_k(v) = c_k(v)/2^k stays exact while
// c_k(v) < 2^53, which holds for every k ≤ 50.
double wilcoxonExactLowerTail(std::size_t n, double w)
{
    const std::size_t largestSum = n * (n + 1) / 2;
    std::vector<double> probability(largestSum + 1, 0.0);
    probability[0] = 1.0;
    for (std::size_t k = 1; k <= n; ++k) {
        // Descending, so probability[v − k] is still the distribution over ranks 1..k−1.
        for (std::size_t v = k * (k + 1) / 2; v >= 1; --v)
            probability[v] = 0.5 * (probability[v] + (v >= k ? probability[v - k] : 0.0));
        probability[0] *= 0.5;
    }
    const double limit = std::floor(w + 1e-9);
    double tail = 0.0;
    for (std::size_t v = 0; v <= largestSum && static_cast<double>(v) <= limit; ++v)
        tail += probability[v];
    return tail;
}

// P(X ≤ k) for X ~ Bin(n, ½), term by term from log-binomial coefficients, which stay
// finite for any n (2^-n alone underflows past n = 1074).
double binomialHalfLowerTail(std::size_t n, std::size_t k)
{
    const double count = static_cast<double>(n);
    const double logFactorialOverPower = std::lgamma(count + 1.0) - count * std::log(2.0);  // log(n!/2ⁿ)
    double tail = 0.0;
    for (std::size_t i = 0; i <= k; ++i) {
        const double chosen = static_cast<double>(i);
        tail += std::exp(logFactorialOverPower - std::lgamma(chosen + 1.0) - std::lgamma(count - chosen + 1.0));
    }
    return tail;
}

// Numerical Recipes' betacf (Press et al. 2007, §6.4): the continued fraction of
// I_x(a, b)·a·B(a, b)/(x^a (1 − x)^b), evaluated by the modified Lentz method.
double betaContinuedFraction(double a, double b, double x)
{
    constexpr int kMaxIterations = 10000;
    constexpr double kTiny = 1e-300;  // keeps a denominator off zero
    const double epsilon = std::numeric_limits<double>::epsilon();
    auto awayFromZero = [](double value) { return std::abs(value) < kTiny ? kTiny : value; };
    const double sum = a + b;
    double c = 1.0;
    double d = 1.0 / awayFromZero(1.0 - sum * x / (a + 1.0));
    double fraction = d;
    for (int m = 1; m <= kMaxIterations; ++m) {
        const double twoM = 2.0 * m;
        // Even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)).
        double coefficient = m * (b - m) * x / ((a - 1.0 + twoM) * (a + twoM));
        d = 1.0 / awayFromZero(1.0 + coefficient * d);
        c = awayFromZero(1.0 + coefficient / c);
        fraction *= d * c;
        // Odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
        coefficient = -(a + m) * (sum + m) * x / ((a + twoM) * (a + 1.0 + twoM));
        d = 1.0 / awayFromZero(1.0 + coefficient * d);
        c = awayFromZero(1.0 + coefficient / c);
        const double change = d * c;
        fraction *= change;
        if (std::abs(change - 1.0) <= epsilon)
            break;
    }
    return fraction;
}

// ½·I_{ν/(ν+t²)}(ν/2, ½) = 1 − F(|t|): the upper tail of Student's t, without the
// cancellation of 1 − F.
double studentTUpperTail(double t, double degreesOfFreedom)
{
    return 0.5 * regularizedIncompleteBeta(0.5 * degreesOfFreedom, 0.5,
                                           degreesOfFreedom / (degreesOfFreedom + t * t));
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

Midranks midranks(const std::vector<double>& values)
{
    assert(!containsNaN(values));
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&values](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    Midranks result;
    result.ranks.assign(values.size(), 0.0);
    std::size_t start = 0;
    while (start < order.size()) {
        std::size_t end = start + 1;
        while (end < order.size() && values[order[end]] == values[order[start]])
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

double standardNormalUpperTail(double z)
{
    return 0.5 * std::erfc(z / std::sqrt(2.0));
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
    std::vector<double> pooledValues(x);  // x first, then y
    pooledValues.insert(pooledValues.end(), y.begin(), y.end());
    const Midranks pooled = midranks(pooledValues);

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

WilcoxonResult wilcoxonSignedRank(const std::vector<double>& differences, WilcoxonMethod method)
{
    assert(!containsNaN(differences));
    WilcoxonResult result;
    if (differences.empty()) {
        result.statistic = result.positiveRankSum = result.negativeRankSum = kNaN;
        result.pValue = kNaN;
        return result;
    }
    std::vector<double> magnitudes;
    std::vector<bool> positive;
    for (double d : differences)
        if (d != 0.0) {
            magnitudes.push_back(std::abs(d));
            positive.push_back(d > 0.0);
        }
    const bool hasZeros = magnitudes.size() < differences.size();
    result.n = magnitudes.size();
    result.method = WilcoxonMethodUsed::NormalApproximation;
    if (result.n == 0)
        return result;  // W = 0, p = 1: no pair differs

    const Midranks ranked = midranks(magnitudes);
    for (std::size_t i = 0; i < result.n; ++i)
        (positive[i] ? result.positiveRankSum : result.negativeRankSum) += ranked.ranks[i];
    result.statistic = std::min(result.positiveRankSum, result.negativeRankSum);

    const bool exact = !hasZeros && ranked.tieTerm == 0.0
        && (method == WilcoxonMethod::Exact
            || (method == WilcoxonMethod::Automatic && result.n <= kWilcoxonExactMaxPairs));
    if (exact) {
        result.method = WilcoxonMethodUsed::Exact;
        result.pValue = std::min(1.0, 2.0 * wilcoxonExactLowerTail(result.n, result.statistic));
        return result;
    }
    const double n = static_cast<double>(result.n);
    const double nullMean = n * (n + 1.0) / 4.0;
    const double variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - ranked.tieTerm / 48.0;
    const double deviation = result.statistic - nullMean;
    const double continuity = deviation > 0.0 ? 0.5 : (deviation < 0.0 ? -0.5 : 0.0);
    const double z = (deviation - continuity) / std::sqrt(variance);
    result.pValue = std::min(1.0, 2.0 * standardNormalUpperTail(std::abs(z)));
    return result;
}

SignTestResult signTest(const std::vector<double>& differences)
{
    assert(!containsNaN(differences));
    SignTestResult result;
    for (double d : differences)
        ++(d > 0.0 ? result.positives : (d < 0.0 ? result.negatives : result.zeros));
    if (differences.empty()) {
        result.pValue = kNaN;
        return result;
    }
    const std::size_t n = result.positives + result.negatives;
    if (n == 0)
        return result;  // p = 1: no pair differs
    const std::size_t smaller = std::min(result.positives, result.negatives);
    result.pValue = std::min(1.0, 2.0 * binomialHalfLowerTail(n, smaller));
    return result;
}

double regularizedIncompleteBeta(double a, double b, double x)
{
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0 && x <= 1.0))
        return kNaN;
    if (x == 0.0 || x == 1.0)
        return x;
    // x^a (1 − x)^b / B(a, b), in logs so that large a, b do not overflow.
    const double front =
        std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * betaContinuedFraction(a, b, x) / a;
    return 1.0 - front * betaContinuedFraction(b, a, 1.0 - x) / b;
}

double studentTCdf(double t, double degreesOfFreedom)
{
    if (!(degreesOfFreedom > 0.0) || std::isnan(t))
        return kNaN;
    const double upper = studentTUpperTail(t, degreesOfFreedom);
    return t >= 0.0 ? 1.0 - upper : upper;
}

double studentTQuantile(double probability, double degreesOfFreedom)
{
    if (!(degreesOfFreedom > 0.0) || !(probability > 0.0 && probability < 1.0))
        return kNaN;
    if (probability < 0.5)
        return -studentTQuantile(1.0 - probability, degreesOfFreedom);
    if (probability == 0.5)
        return 0.0;
    // The upper tail falls monotonically in t ≥ 0: bracket it by doubling, then bisect.
    const double tail = 1.0 - probability;
    double low = 0.0;
    double high = 1.0;
    while (studentTUpperTail(high, degreesOfFreedom) > tail) {
        low = high;
        high *= 2.0;
    }
    for (int i = 0; i < 200 && high - low > 1e-13 * high; ++i) {
        const double middle = 0.5 * (low + high);
        (studentTUpperTail(middle, degreesOfFreedom) > tail ? low : high) = middle;
    }
    return 0.5 * (low + high);
}

OneSampleTTestResult oneSampleTTest(const std::vector<double>& values, double hypothesisedMean,
                                    double confidenceLevel)
{
    if (!(confidenceLevel > 0.0 && confidenceLevel < 1.0))
        throw std::invalid_argument("t-test confidenceLevel must lie in (0, 1), got "
                                    + std::to_string(confidenceLevel));
    assert(!containsNaN(values));
    OneSampleTTestResult result;
    result.n = values.size();
    result.mean = mean(values);
    if (result.n < 2) {
        result.t = result.degreesOfFreedom = result.pValue = kNaN;
        result.meanCi = {kNaN, kNaN};
        return result;
    }
    result.degreesOfFreedom = static_cast<double>(result.n - 1);
    const auto [smallest, largest] = std::minmax_element(values.begin(), values.end());
    if (*smallest == *largest) {  // s = 0 exactly, not the round-off of a mean
        result.t = result.pValue = kNaN;
        result.meanCi = {*smallest, *smallest};
        return result;
    }
    const double standardError = sampleStandardDeviation(values) / std::sqrt(static_cast<double>(result.n));
    result.t = (result.mean - hypothesisedMean) / standardError;
    result.pValue = 2.0 * studentTUpperTail(result.t, result.degreesOfFreedom);
    const double critical = studentTQuantile(0.5 * (1.0 + confidenceLevel), result.degreesOfFreedom);
    result.meanCi = {result.mean - critical * standardError, result.mean + critical * standardError};
    return result;
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
