#pragma once
// Summary statistics and two-sample tests for the many-seed experiments (README.md,
// "Experiments"): T_grok per arm, ΔT_grok against the baseline, Mann–Whitney U and
// Cohen's d as the paper reports them (docs/science.md, "Statistics").
// Pure functions on plain vectors. Inputs must not contain NaN (asserted); an
// undefined result is NaN, never an exception, so a table cell can show "n/a".

#include <cstddef>
#include <cstdint>
#include <vector>

namespace grokscope {

// Arithmetic mean. NaN for an empty sample.
double mean(const std::vector<double>& values);

// Middle order statistic, or the average of the two middle ones for an even count.
// NaN for an empty sample.
double median(const std::vector<double>& values);

// Sample standard deviation, divisor n − 1. NaN for fewer than two values; 0 when
// all values are equal.
double sampleStandardDeviation(const std::vector<double>& values);

// Quantile by linear interpolation between order statistics, position (n − 1)·probability
// (Hyndman & Fan 1996, type 7: the default of R and NumPy). probability in [0, 1].
// NaN for an empty sample.
double quantile(const std::vector<double>& values, double probability);

struct ConfidenceInterval {
    double low = 0.0;
    double high = 0.0;
};

enum class BootstrapStatistic { Mean, Median };

struct BootstrapConfig {
    int resampleCount = 10000;
    double confidenceLevel = 0.95;
    // SplitMix64 seed: the same seed and sample give the same interval everywhere.
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
};

// Percentile bootstrap (Efron & Tibshirani 1993, §13.3): resampleCount resamples of
// size n drawn with replacement by SplitMix64(seed).below(n); the interval is the
// (1 − level)/2 and (1 + level)/2 type-7 quantiles of the resampled statistic.
// Empty sample: {NaN, NaN}. n = 1 or all values equal: {value, value}.
// Throws std::invalid_argument when resampleCount < 1 or the level is not in (0, 1),
// since both come from user configuration.
ConfidenceInterval bootstrapConfidenceInterval(const std::vector<double>& values,
                                               BootstrapStatistic statistic,
                                               const BootstrapConfig& config = {});

// Requested method: Automatic picks Exact when there are no ties and
// n1·n2 ≤ kMannWhitneyExactMaxProduct, the normal approximation otherwise.
enum class MannWhitneyMethod { Automatic, Exact, NormalApproximation };

// The exact null distribution costs O((n1·n2)²) operations: 2500 (50 × 50 seeds)
// takes a few milliseconds and covers every experiment size the protocol uses.
inline constexpr std::size_t kMannWhitneyExactMaxProduct = 2500;

enum class MannWhitneyMethodUsed { Exact, NormalApproximation, Undefined };

struct MannWhitneyResult {
    double u = 0.0;       // U of x: #{x_i > y_j} + ½ #{x_i = y_j}; U of y is n1·n2 − u
    double pValue = 1.0;  // two-sided
    MannWhitneyMethodUsed method = MannWhitneyMethodUsed::Undefined;
};

// Mann–Whitney U test, two-sided (Mann & Whitney 1947), with the conventions of
// scipy.stats.mannwhitneyu:
// - Exact: p = min(1, 2·P(U ≤ min(U_x, U_y))) under H0, the null distribution
//   enumerated by the recurrence on sample sizes
//   P_{m,n}(u) = m/(m+n)·P_{m−1,n}(u − n) + n/(m+n)·P_{m,n−1}(u).
//   Only valid without ties: a request for Exact on tied data falls back to the
//   normal approximation, and `method` says so.
// - Normal approximation: z = (max(U_x, U_y) − n1·n2/2 − ½)/σ with the tie-corrected
//   σ² = n1·n2/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))), p = min(1, 2·(1 − Φ(z))).
// Edge cases: an empty sample gives u = NaN, p = NaN, method Undefined. When every
// value is tied (σ = 0) the test has no information: p = 1, method NormalApproximation.
MannWhitneyResult mannWhitneyU(const std::vector<double>& x, const std::vector<double>& y,
                               MannWhitneyMethod method = MannWhitneyMethod::Automatic);

// Cohen's d = (mean(x) − mean(y)) / s_pooled,
// s_pooled² = ((n1 − 1)s1² + (n2 − 1)s2²) / (n1 + n2 − 2) (Cohen 1988, Eq. 2.5.2).
// Positive when x's mean is larger: pass the intervened arm as x and the baseline as y.
// NaN when either sample is empty, n1 + n2 < 3, or s_pooled = 0.
double cohensD(const std::vector<double>& x, const std::vector<double>& y);

struct SampleSummary {
    std::size_t n = 0;
    double mean = 0.0;
    double median = 0.0;
    double sd = 0.0;  // sample SD, divisor n − 1
    ConfidenceInterval meanCi;    // percentile bootstrap of the mean
    ConfidenceInterval medianCi;  // percentile bootstrap of the median
};

// All of the above for one sample; both intervals use `config` (and its seed).
// Undefined fields are NaN as documented per function.
SampleSummary summariseSample(const std::vector<double>& values, const BootstrapConfig& config = {});

}  // namespace grokscope
