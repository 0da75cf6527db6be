#pragma once
// Summary statistics and tests for the many-seed experiments (README.md,
// "Experiments"): T_grok per arm, ΔT_grok against the baseline, Mann–Whitney U and
// Cohen's d as the paper reports them, the paired tests that the design allows
// (Wilcoxon signed-rank, sign test), and the one-sample t-test of a claimed value
// (docs/science.md, "Statistics"). Pure functions on plain vectors. Inputs must not
// contain NaN (asserted); an undefined result is NaN, never an exception, so a table
// cell can show "n/a".

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

// 1-based ranks in sorted order, tied values sharing the mean of their ranks, and
// Σ(t³ − t) over the groups of t tied values: the term the rank tests' variances
// subtract.
struct Midranks {
    std::vector<double> ranks;  // ranks[i] belongs to values[i]
    double tieTerm = 0.0;
};
Midranks midranks(const std::vector<double>& values);

// 1 − Φ(z) for the standard normal Φ, by erfc, so the far tail keeps its precision.
double standardNormalUpperTail(double z);

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

// Requested method: Automatic picks Exact when the nonzero differences number at most
// kWilcoxonExactMaxPairs and have no ties, and there are no zero differences (as
// scipy's method="auto"); the normal approximation otherwise.
enum class WilcoxonMethod { Automatic, Exact, NormalApproximation };

// The exact null distribution has n(n + 1)/2 + 1 values and costs O(n³) additions.
inline constexpr std::size_t kWilcoxonExactMaxPairs = 50;

enum class WilcoxonMethodUsed { Exact, NormalApproximation, Undefined };

struct WilcoxonResult {
    double statistic = 0.0;        // W = min(W+, W−)
    double positiveRankSum = 0.0;  // W+: the ranks of the positive differences
    double negativeRankSum = 0.0;  // W−
    double pValue = 1.0;           // two-sided
    std::size_t n = 0;             // nonzero differences: the pairs the test used
    WilcoxonMethodUsed method = WilcoxonMethodUsed::Undefined;
};

// Wilcoxon signed-rank test for paired samples, two-sided (Wilcoxon 1945), on the
// differences d_i = x_i − y_i, with the conventions of scipy.stats.wilcoxon with
// zero_method="wilcox" and correction=True:
// - Zero differences are dropped; n counts the others. The |d_i| get midranks; W+ and
//   W− sum the ranks of the positive and the negative differences
//   (W+ + W− = n(n + 1)/2), and W = min(W+, W−).
// - Exact: p = min(1, 2·P(W+ ≤ W)) under H0, where each rank's sign is a fair coin:
//   the number of sign patterns with W+ = w follows the recurrence over ranks
//   c_k(w) = c_{k−1}(w) + c_{k−1}(w − k), c_0 = [1], and P(W+ = w) = c_n(w)/2ⁿ.
//   Only valid without ties and zeros: a request for Exact on such data falls back
//   to the normal approximation, and `method` says so.
// - Normal approximation: μ = n(n + 1)/4, σ² = n(n + 1)(2n + 1)/24 − Σ(t³ − t)/48
//   (the tie correction, t the sizes of the groups of tied |d|), the continuity
//   correction of ½ toward μ: z = (W − μ − ½·sign(W − μ))/σ, p = min(1, 2·(1 − Φ(|z|))).
//   scipy's default is correction=False; pass correction=True to compare.
// Edge cases: no differences gives W = NaN, p = NaN, method Undefined. When every
// difference is zero the test has no information: n = 0, W = 0, p = 1, method
// NormalApproximation (as Mann–Whitney's all-tied case).
WilcoxonResult wilcoxonSignedRank(const std::vector<double>& differences,
                                  WilcoxonMethod method = WilcoxonMethod::Automatic);

struct SignTestResult {
    std::size_t positives = 0;
    std::size_t negatives = 0;
    std::size_t zeros = 0;  // dropped
    double pValue = 1.0;    // two-sided
};

// Sign test, exact and two-sided (Conover 1999, §3.4; scipy.stats.binomtest(k, n, ½)):
// zero differences are dropped, n = positives + negatives, k = positives, and
// p = min(1, 2·P(X ≤ min(k, n − k))) with X ~ Bin(n, ½).
// No differences: p = NaN. Every difference zero: no information, p = 1.
SignTestResult signTest(const std::vector<double>& differences);

// Regularised incomplete beta function I_x(a, b) = B(x; a, b)/B(a, b) for a, b > 0 and
// x in [0, 1]: the continued fraction of Numerical Recipes (Press et al. 2007, §6.4,
// betacf, by the modified Lentz method), used where it converges fast,
// x < (a + 1)/(a + b + 2), and elsewhere through I_x(a, b) = 1 − I_{1−x}(b, a).
// Error about 1e-15 for small a, b, growing with lgamma(a + b) (about 1e-13 at
// a + b = 500). NaN outside the domain.
double regularizedIncompleteBeta(double a, double b, double x);

// Student's t distribution function with ν > 0 degrees of freedom (ν may be real):
// F(t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 and ½·I_{ν/(ν+t²)}(ν/2, ½) for t < 0
// (Abramowitz & Stegun 26.5.27, 26.7.1). NaN for ν ≤ 0 or a NaN t.
double studentTCdf(double t, double degreesOfFreedom);

// The t with F(t) = probability, for probability in (0, 1): bisection on studentTCdf
// until the bracket is 1e-13 of t wide. NaN outside (0, 1) or for ν ≤ 0.
double studentTQuantile(double probability, double degreesOfFreedom);

struct OneSampleTTestResult {
    std::size_t n = 0;
    double mean = 0.0;
    double t = 0.0;
    double degreesOfFreedom = 0.0;  // n − 1
    double pValue = 1.0;            // two-sided
    ConfidenceInterval meanCi;      // the t interval of the mean
};

// One-sample Student t-test of H0: mean = hypothesisedMean, two-sided (Student 1908;
// scipy.stats.ttest_1samp): t = (x̄ − μ₀)/(s/√n) with the sample SD s, ν = n − 1,
// p = 2·(1 − F(|t|)) = I_{ν/(ν+t²)}(ν/2, ½), and the interval of the mean
// x̄ ± t_{(1+level)/2, ν}·s/√n.
// Fewer than two values: t, ν, p and the interval are NaN (and the mean, for none).
// s = 0: t and p are NaN (the test is undefined), the interval is {x̄, x̄}.
// Throws std::invalid_argument when the level is not in (0, 1).
OneSampleTTestResult oneSampleTTest(const std::vector<double>& values, double hypothesisedMean,
                                    double confidenceLevel = 0.95);

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
