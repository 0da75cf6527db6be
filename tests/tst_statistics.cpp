// Known answers for the experiment statistics: textbook values, scipy.stats values
// derived by hand, closed forms of the t distribution, 30-digit values of the
// incomplete beta function (mpmath.betainc), and exhaustive enumerations as
// independent oracles.

#include "metrics/statistics.h"

#include "tasks/seeded_random.h"

#include <QtTest>
#include <cmath>
#include <stdexcept>

using namespace grokscope;

namespace {

bool near(double actual, double expected, double tolerance)
{
    return std::abs(actual - expected) <= tolerance;
}

// U of x counted pair by pair, independent of the rank-based implementation.
double pairwiseU(const std::vector<double>& x, const std::vector<double>& y)
{
    double u = 0.0;
    for (double a : x)
        for (double b : y)
            u += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
    return u;
}

// Null counts of U for n1 vs n2 by enumerating every assignment of ranks 0..n1+n2−1
// to x: counts[u] of C(n1 + n2, n1) assignments.
std::vector<std::size_t> enumeratedNullCounts(std::size_t n1, std::size_t n2)
{
    std::vector<std::size_t> counts(n1 * n2 + 1, 0);
    const std::size_t total = n1 + n2;
    for (uint32_t mask = 0; mask < (1u << total); ++mask) {
        if (std::size_t(__builtin_popcount(mask)) != n1)
            continue;
        std::vector<double> x;
        std::vector<double> y;
        for (std::size_t i = 0; i < total; ++i)
            ((mask >> i) & 1u ? x : y).push_back(double(i));
        ++counts[std::size_t(pairwiseU(x, y))];
    }
    return counts;
}

// Deterministic standard normal draws (Box–Muller on SplitMix64), for large samples.
std::vector<double> normalSample(uint64_t seed, std::size_t n, double centre, double spread)
{
    SplitMix64 random(seed);
    std::vector<double> values;
    while (values.size() < n) {
        const double u1 = (double(random.next() >> 11) + 0.5) / 9007199254740992.0;
        const double u2 = double(random.next() >> 11) / 9007199254740992.0;
        values.push_back(centre + spread * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
    }
    return values;
}

// Signed differences ±(3k + 1), k = 0..n−1, the sign of each from a bit of `mask`
// (set: positive): distinct magnitudes, so their ranks are k + 1.
std::vector<double> signedDifferences(uint32_t mask, int n)
{
    std::vector<double> d;
    for (int k = 0; k < n; ++k)
        d.push_back(((mask >> k) & 1u ? 1.0 : -1.0) * (3.0 * k + 1.0));
    return d;
}

}  // namespace

class TestStatistics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void meanMedianAndSd()
    {
        // The classic example with population SD 2: sample SD is sqrt(32/7).
        const std::vector<double> values{2, 4, 4, 4, 5, 5, 7, 9};
        QCOMPARE(mean(values), 5.0);
        QVERIFY(near(sampleStandardDeviation(values), std::sqrt(32.0 / 7.0), 1e-12));
        QCOMPARE(median(values), 4.5);
        QCOMPARE(median(std::vector<double>{3, 1, 2}), 2.0);
        QCOMPARE(median(std::vector<double>{4, 1, 3, 2}), 2.5);
        QCOMPARE(median(std::vector<double>{7}), 7.0);
        QCOMPARE(sampleStandardDeviation(std::vector<double>{3, 3, 3}), 0.0);
    }

    void quantileIsTypeSeven()
    {
        // NumPy's default: np.quantile([1, 2, 3, 4], 0.25) = 1.75, 0.9 → 3.7.
        const std::vector<double> values{4, 1, 3, 2};
        QVERIFY(near(quantile(values, 0.25), 1.75, 1e-12));
        QVERIFY(near(quantile(values, 0.9), 3.7, 1e-12));
        QCOMPARE(quantile(values, 0.0), 1.0);
        QCOMPARE(quantile(values, 1.0), 4.0);
    }

    void emptyAndSingletonSamples()
    {
        const std::vector<double> empty;
        QVERIFY(std::isnan(mean(empty)));
        QVERIFY(std::isnan(median(empty)));
        QVERIFY(std::isnan(sampleStandardDeviation(empty)));
        QVERIFY(std::isnan(sampleStandardDeviation(std::vector<double>{1.0})));
        const SampleSummary none = summariseSample(empty);
        QCOMPARE(none.n, std::size_t(0));
        QVERIFY(std::isnan(none.mean) && std::isnan(none.meanCi.low) && std::isnan(none.medianCi.high));
        const SampleSummary one = summariseSample(std::vector<double>{14360.0});
        QCOMPARE(one.n, std::size_t(1));
        QCOMPARE(one.mean, 14360.0);
        QVERIFY(std::isnan(one.sd));
        QCOMPARE(one.meanCi.low, 14360.0);
        QCOMPARE(one.meanCi.high, 14360.0);
        const auto constant = bootstrapConfidenceInterval(std::vector<double>(5, 0.1), BootstrapStatistic::Mean);
        QCOMPARE(constant.low, 0.1);
        QCOMPARE(constant.high, 0.1);
    }

    void mannWhitneyExactSmallSamples()
    {
        // Complete separation: P(U = 0) = 1/C(6,3) = 1/20, two-sided 0.1.
        auto result = mannWhitneyU({1, 2, 3}, {4, 5, 6});
        QCOMPARE(result.method, MannWhitneyMethodUsed::Exact);
        QCOMPARE(result.u, 0.0);
        QVERIFY(near(result.pValue, 0.1, 1e-12));
        result = mannWhitneyU({4, 5, 6}, {1, 2, 3});
        QCOMPARE(result.u, 9.0);
        QVERIFY(near(result.pValue, 0.1, 1e-12));
        // 2/C(10,5) = 2/252.
        result = mannWhitneyU({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
        QCOMPARE(result.u, 0.0);
        QVERIFY(near(result.pValue, 2.0 / 252.0, 1e-14));
        // Null counts of U for 3 vs 3 over u = 0..9: 1 1 2 3 3 3 3 2 1 1 (of 20).
        // U = 3: P(U ≤ 3) = 7/20, two-sided 0.7 (scipy: 3.0, 0.7).
        result = mannWhitneyU({1, 3, 5}, {2, 4, 6});
        QCOMPARE(result.u, 3.0);
        QVERIFY(near(result.pValue, 0.7, 1e-12));
        result = mannWhitneyU({1, 2, 4}, {3, 5, 6});
        QCOMPARE(result.u, 1.0);
        QVERIFY(near(result.pValue, 0.2, 1e-12));
        // The middle of the distribution cannot exceed 1.
        result = mannWhitneyU({1, 4, 5}, {2, 3, 6});
        QCOMPARE(result.u, 4.0);
        QCOMPARE(result.pValue, 1.0);
    }

    void mannWhitneyScipyDocumentationExample()
    {
        // scipy.stats.mannwhitneyu docs: males vs females, U1 = 17,
        // exact p = 0.1111… (7/126 · 2), asymptotic p = 0.11134688653314041.
        const std::vector<double> males{19, 22, 16, 29, 24};
        const std::vector<double> females{20, 11, 17, 12};
        const auto exact = mannWhitneyU(males, females);
        QCOMPARE(exact.method, MannWhitneyMethodUsed::Exact);
        QCOMPARE(exact.u, 17.0);
        QVERIFY(near(exact.pValue, 1.0 / 9.0, 1e-12));
        const auto normal = mannWhitneyU(males, females, MannWhitneyMethod::NormalApproximation);
        QCOMPARE(normal.method, MannWhitneyMethodUsed::NormalApproximation);
        QCOMPARE(normal.u, 17.0);
        QVERIFY(near(normal.pValue, 0.11134688653314041, 1e-10));
    }

    void mannWhitneyExactMatchesEnumeration()
    {
        // Every split of 13 ranks into 6 vs 7: the recurrence against brute force.
        const std::vector<std::size_t> counts = enumeratedNullCounts(6, 7);
        std::vector<double> cumulative(counts.size());
        double running = 0.0;
        for (std::size_t u = 0; u < counts.size(); ++u)
            cumulative[u] = (running += double(counts[u]) / 1716.0);  // C(13, 6)
        QVERIFY(near(running, 1.0, 1e-12));
        for (uint32_t mask = 0; mask < (1u << 13); ++mask) {
            if (__builtin_popcount(mask) != 6)
                continue;
            std::vector<double> x;
            std::vector<double> y;
            for (int i = 0; i < 13; ++i)
                ((mask >> i) & 1u ? x : y).push_back(100.0 + 3.0 * i);
            const auto result = mannWhitneyU(x, y);
            QCOMPARE(result.method, MannWhitneyMethodUsed::Exact);
            QCOMPARE(result.u, pairwiseU(x, y));
            const std::size_t lower = std::size_t(std::min(result.u, 42.0 - result.u));
            QVERIFY(near(result.pValue, std::min(1.0, 2.0 * cumulative[lower]), 1e-12));
        }
    }

    void mannWhitneyNormalApproximationWithTies()
    {
        // x = {1,2,2,3}, y = {2,3,4,5}: midranks 1; 3,3,3; 5.5,5.5; 7; 8, so R_x = 12.5,
        // U_x = 2.5, U_y = 13.5. Ties t = 3 and 2: Σ(t³ − t) = 30.
        // σ² = 16/12 · (9 − 30/56) = 11.2857142…; z = (13.5 − 8 − 0.5)/σ = 1.48835139…
        // p = erfc(z/√2) = 0.13665824773814753.
        const auto result = mannWhitneyU({1, 2, 2, 3}, {2, 3, 4, 5});
        QCOMPARE(result.method, MannWhitneyMethodUsed::NormalApproximation);
        QCOMPARE(result.u, 2.5);
        QVERIFY(near(result.pValue, 0.13665824773814753, 1e-12));
        // Exact requested on tied data falls back, and says so.
        QCOMPARE(mannWhitneyU({1, 2, 2, 3}, {2, 3, 4, 5}, MannWhitneyMethod::Exact).method,
                 MannWhitneyMethodUsed::NormalApproximation);
    }

    void mannWhitneyNormalApproachesExact()
    {
        // 20 vs 20 without ties, y shifted by 3.5: U_x = Σ_{i=4}^{19} (i − 3) = 136, and both
        // methods must agree to within the approximation's error, a few thousandths here.
        std::vector<double> x;
        std::vector<double> y;
        for (int i = 0; i < 20; ++i) {
            x.push_back(double(i));
            y.push_back(double(i) + 3.5);
        }
        const auto exact = mannWhitneyU(x, y);
        const auto normal = mannWhitneyU(x, y, MannWhitneyMethod::NormalApproximation);
        QCOMPARE(exact.method, MannWhitneyMethodUsed::Exact);
        QCOMPARE(normal.method, MannWhitneyMethodUsed::NormalApproximation);
        QCOMPARE(exact.u, 136.0);
        QVERIFY(exact.pValue > 0.01 && exact.pValue < 0.2);
        QVERIFY(near(normal.pValue, exact.pValue, 0.005));
        // Past the exact limit, Automatic switches to the normal approximation.
        const std::vector<double> big = normalSample(1, 60, 0.0, 1.0);
        const std::vector<double> other = normalSample(2, 60, 0.3, 1.0);
        QCOMPARE(mannWhitneyU(big, other).method, MannWhitneyMethodUsed::NormalApproximation);
    }

    void mannWhitneyEdgeCases()
    {
        const auto empty = mannWhitneyU({}, {1, 2});
        QCOMPARE(empty.method, MannWhitneyMethodUsed::Undefined);
        QVERIFY(std::isnan(empty.u) && std::isnan(empty.pValue));
        // Every value tied: no information, p = 1, U at its null mean n1·n2/2.
        const auto tied = mannWhitneyU({1, 1, 1}, {1, 1});
        QCOMPARE(tied.method, MannWhitneyMethodUsed::NormalApproximation);
        QCOMPARE(tied.u, 3.0);
        QCOMPARE(tied.pValue, 1.0);
        // One observation each: P(U = 0) = 1/2, two-sided 1.
        QCOMPARE(mannWhitneyU({1}, {2}).pValue, 1.0);
    }

    void cohensDWithPooledSd()
    {
        // Equal SDs of 2, means 4 and 3: d = 0.5.
        QVERIFY(near(cohensD({2, 4, 6}, {1, 3, 5}), 0.5, 1e-12));
        // Means 3 and 5, variances 2.5 and 4: s² = (4·2.5 + 2·4)/6 = 3, d = −2/√3.
        QVERIFY(near(cohensD({1, 2, 3, 4, 5}, {3, 5, 7}), -2.0 / std::sqrt(3.0), 1e-12));
        QVERIFY(std::isnan(cohensD({}, {1, 2})));
        QVERIFY(std::isnan(cohensD({1}, {2})));
        QVERIFY(std::isnan(cohensD({1, 1}, {1, 1})));
    }

    void bootstrapKnownSmallCase()
    {
        // {0, 1}: resampled means are 0, ½, 1 with probabilities ¼, ½, ¼, so the 2.5 %
        // and 97.5 % quantiles are exactly 0 and 1.
        const auto interval = bootstrapConfidenceInterval({0.0, 1.0}, BootstrapStatistic::Mean);
        QCOMPARE(interval.low, 0.0);
        QCOMPARE(interval.high, 1.0);
        // A 40 % interval lies inside the central atom ½.
        BootstrapConfig narrow;
        narrow.confidenceLevel = 0.4;
        const auto central = bootstrapConfidenceInterval({0.0, 1.0}, BootstrapStatistic::Mean, narrow);
        QCOMPARE(central.low, 0.5);
        QCOMPARE(central.high, 0.5);
    }

    void bootstrapMatchesNormalTheory()
    {
        // n = 400 from N(10, 3²): the percentile interval of the mean must be close to
        // x̄ ± 1.96·s/√n (half-width ≈ 0.294), and contain the mean.
        const std::vector<double> values = normalSample(42, 400, 10.0, 3.0);
        BootstrapConfig config;
        config.resampleCount = 4000;
        const auto interval = bootstrapConfidenceInterval(values, BootstrapStatistic::Mean, config);
        const double m = mean(values);
        const double theory = 1.959964 * sampleStandardDeviation(values) / std::sqrt(400.0);
        QVERIFY(interval.low < m && m < interval.high);
        QVERIFY2(near(0.5 * (interval.high - interval.low), theory, 0.1 * theory),
                 qPrintable(QStringLiteral("half-width %1 vs %2").arg(0.5 * (interval.high - interval.low)).arg(theory)));
        QVERIFY(near(0.5 * (interval.high + interval.low), m, 0.1 * theory));
        const auto medianInterval = bootstrapConfidenceInterval(values, BootstrapStatistic::Median, config);
        QVERIFY(medianInterval.low < median(values) && median(values) < medianInterval.high);
        // The median is less efficient than the mean for normal data (ratio √(π/2)).
        QVERIFY(medianInterval.high - medianInterval.low > interval.high - interval.low);
    }

    void bootstrapIsReproducibleWithTheSeed()
    {
        const std::vector<double> values = normalSample(7, 30, 14360.0, 3000.0);
        BootstrapConfig config;
        config.resampleCount = 2000;
        const auto first = bootstrapConfidenceInterval(values, BootstrapStatistic::Mean, config);
        const auto second = bootstrapConfidenceInterval(values, BootstrapStatistic::Mean, config);
        QCOMPARE(first.low, second.low);
        QCOMPARE(first.high, second.high);
        config.seed += 1;
        const auto other = bootstrapConfidenceInterval(values, BootstrapStatistic::Mean, config);
        QVERIFY(other.low != first.low || other.high != first.high);
        const SampleSummary summary = summariseSample(values, config);
        QCOMPARE(summary.n, std::size_t(30));
        QCOMPARE(summary.meanCi.low, other.low);
        QCOMPARE(summary.meanCi.high, other.high);
        QCOMPARE(summary.median, median(values));
        QCOMPARE(summary.sd, sampleStandardDeviation(values));
    }

    void midranksAndTieTerm()
    {
        const Midranks ranked = midranks({3, 1, 3, 2, 3, 0.5});
        QCOMPARE(ranked.ranks, (std::vector<double>{5, 2, 5, 3, 5, 1}));
        QCOMPARE(ranked.tieTerm, 24.0);  // one group of 3: 27 − 3
        QCOMPARE(midranks({2, 1}).tieTerm, 0.0);
    }

    void wilcoxonExactKnownAnswers()
    {
        // Ten positive differences: W+ = 55, W = 0, P(W+ = 0) = 2⁻¹⁰, two-sided 2/1024.
        auto result = wilcoxonSignedRank({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        QCOMPARE(result.method, WilcoxonMethodUsed::Exact);
        QCOMPARE(result.n, std::size_t(10));
        QCOMPARE(result.statistic, 0.0);
        QCOMPARE(result.positiveRankSum, 55.0);
        QCOMPARE(result.pValue, 2.0 / 1024.0);
        QCOMPARE(wilcoxonSignedRank({-1, -2, -3, -4, -5, -6, -7, -8, -9, -10}).pValue, 2.0 / 1024.0);
        // {−1, 2, 3, 4, 5}: W− = 1, W+ = 14. Of the 32 sign patterns of ranks 1..5, W+ = 0
        // and W+ = 1 have one each: p = 2·2/32 = 0.125.
        result = wilcoxonSignedRank({-1, 2, 3, 4, 5});
        QCOMPARE(result.statistic, 1.0);
        QCOMPARE(result.negativeRankSum, 1.0);
        QCOMPARE(result.positiveRankSum, 14.0);
        QCOMPARE(result.pValue, 0.125);
        // Darwin's Zea mays (Fisher 1935), the example of scipy.stats.wilcoxon's
        // documentation: W = 24, exact p = 2·676/32768 = 0.041259765625.
        const std::vector<double> darwin{6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
        result = wilcoxonSignedRank(darwin);
        QCOMPARE(result.method, WilcoxonMethodUsed::Exact);
        QCOMPARE(result.statistic, 24.0);
        QCOMPARE(result.pValue, 0.041259765625);
        // One difference: P(W+ ≤ 0) = ½, two-sided 1.
        QCOMPARE(wilcoxonSignedRank({5}).pValue, 1.0);
    }

    void wilcoxonExactMatchesEnumeration()
    {
        // Every sign pattern of ten distinct magnitudes: the recurrence against brute force.
        constexpr int n = 10;
        std::vector<double> counts(56, 0.0);  // W+ over 0..55
        for (uint32_t mask = 0; mask < (1u << n); ++mask) {
            int positiveRanks = 0;
            for (int k = 0; k < n; ++k)
                positiveRanks += (mask >> k) & 1u ? k + 1 : 0;
            counts[std::size_t(positiveRanks)] += 1.0;
        }
        for (uint32_t mask = 0; mask < (1u << n); ++mask) {
            const auto result = wilcoxonSignedRank(signedDifferences(mask, n));
            QCOMPARE(result.method, WilcoxonMethodUsed::Exact);
            QCOMPARE(result.positiveRankSum + result.negativeRankSum, 55.0);
            double tail = 0.0;
            for (std::size_t w = 0; double(w) <= result.statistic; ++w)
                tail += counts[w];
            QVERIFY(near(result.pValue, std::min(1.0, 2.0 * tail / 1024.0), 1e-15));
        }
    }

    void wilcoxonNormalApproximation()
    {
        // {−1, 2, 3, 4, 5}: μ = 7.5, σ² = 5·6·11/24 = 13.75, z = (1 − 7.5 + ½)/√13.75
        // = −1.6180796699…, p = erfc(|z|/√2) = 0.10564542920187691.
        auto result = wilcoxonSignedRank({-1, 2, 3, 4, 5}, WilcoxonMethod::NormalApproximation);
        QCOMPARE(result.method, WilcoxonMethodUsed::NormalApproximation);
        QCOMPARE(result.statistic, 1.0);
        QVERIFY(near(result.pValue, 0.10564542920187691, 1e-13));
        // Zeros are dropped (n = 5, the same W) and force the normal approximation.
        result = wilcoxonSignedRank({0, -1, 2, 0, 3, 4, 5});
        QCOMPARE(result.method, WilcoxonMethodUsed::NormalApproximation);
        QCOMPARE(result.n, std::size_t(5));
        QCOMPARE(result.statistic, 1.0);
        QVERIFY(near(result.pValue, 0.10564542920187691, 1e-13));
        // Ties: |d| = 1, 1, 2, 3, 3, 3, 4 get ranks 1.5, 1.5, 3, 5, 5, 5, 7, so W− = 3 and
        // W+ = 25; Σ(t³ − t) = 6 + 24, σ² = 7·8·15/24 − 30/48 = 34.375,
        // z = (3 − 14 + ½)/√34.375 = −1.7908860173…, p = 0.07331158795794015.
        result = wilcoxonSignedRank({1, 1, -2, 3, 3, 3, 4});
        QCOMPARE(result.method, WilcoxonMethodUsed::NormalApproximation);
        QCOMPARE(result.statistic, 3.0);
        QCOMPARE(result.positiveRankSum, 25.0);
        QVERIFY(near(result.pValue, 0.07331158795794015, 1e-13));
        // Exact requested on tied data falls back, and says so.
        QCOMPARE(wilcoxonSignedRank({1, 1, -2, 3, 3, 3, 4}, WilcoxonMethod::Exact).method,
                 WilcoxonMethodUsed::NormalApproximation);
        // Darwin's data: μ = 60, σ² = 15·16·31/24 = 310, z = (24 − 60 + ½)/√310,
        // p = 0.04377232376304117.
        const std::vector<double> darwin{6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
        QVERIFY(near(wilcoxonSignedRank(darwin, WilcoxonMethod::NormalApproximation).pValue,
                     0.04377232376304117, 1e-13));
    }

    void wilcoxonSwitchesMethodAtFiftyPairs()
    {
        // 1..50 with −1…−7 and −14, −21, …, −49 negative: W = W− = 217. Exact p (a
        // separate enumeration) 2.0810681753857807e-05; normal, σ² = 10731.25,
        // z = (217 − 637.5 + ½)/σ: 5.026808212608499e-05.
        std::vector<double> d;
        for (int i = 1; i <= 50; ++i)
            d.push_back(i <= 7 || i % 7 == 0 ? -i : i);
        auto result = wilcoxonSignedRank(d);
        QCOMPARE(result.method, WilcoxonMethodUsed::Exact);
        QCOMPARE(result.statistic, 217.0);
        QVERIFY(near(result.pValue, 2.0810681753857807e-05, 1e-17));
        result = wilcoxonSignedRank(d, WilcoxonMethod::NormalApproximation);
        QVERIFY(near(result.pValue, 5.026808212608499e-05, 1e-16));
        d.push_back(51);
        QCOMPARE(wilcoxonSignedRank(d).method, WilcoxonMethodUsed::NormalApproximation);
        QCOMPARE(wilcoxonSignedRank(d, WilcoxonMethod::Exact).method, WilcoxonMethodUsed::Exact);
    }

    void wilcoxonEdgeCases()
    {
        const auto empty = wilcoxonSignedRank({});
        QCOMPARE(empty.method, WilcoxonMethodUsed::Undefined);
        QVERIFY(std::isnan(empty.statistic) && std::isnan(empty.pValue));
        const auto zeros = wilcoxonSignedRank({0, 0, 0});
        QCOMPARE(zeros.n, std::size_t(0));
        QCOMPARE(zeros.statistic, 0.0);
        QCOMPARE(zeros.pValue, 1.0);
    }

    void signTestKnownAnswers()
    {
        auto result = signTest({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        QCOMPARE(result.positives, std::size_t(10));
        QVERIFY(near(result.pValue, 2.0 / 1024.0, 1e-16));  // 2·P(X = 0)
        QVERIFY(near(signTest(std::vector<double>(10, -3.0)).pValue, 2.0 / 1024.0, 1e-16));
        // 9 of 10 later: 2·(1 + 10)/1024; zeros are dropped first.
        result = signTest({0, 5, 5, 5, 5, 5, 5, 5, 5, 5, -1, 0});
        QCOMPARE(result.positives, std::size_t(9));
        QCOMPARE(result.negatives, std::size_t(1));
        QCOMPARE(result.zeros, std::size_t(2));
        QVERIFY(near(result.pValue, 22.0 / 1024.0, 1e-16));
        // 5 of 10: 2·P(X ≤ 5) > 1, capped.
        QCOMPARE(signTest({1, 1, 1, 1, 1, -1, -1, -1, -1, -1}).pValue, 1.0);
        // 60 of 100: 2·Σ_{i≤40} C(100, i)/2¹⁰⁰ = 0.056887933640980792 (exact rational).
        std::vector<double> hundred(60, 1.0);
        hundred.resize(100, -1.0);
        QVERIFY(near(signTest(hundred).pValue, 0.056887933640980792, 1e-13));
        // 1,200 of 2,000: 3.5050062069356454e-19, far below what 2⁻ⁿ alone could hold.
        std::vector<double> many(1200, 1.0);
        many.resize(2000, -1.0);
        QVERIFY(near(signTest(many).pValue / 3.5050062069356454e-19, 1.0, 1e-10));
        QVERIFY(std::isnan(signTest({}).pValue));
        QCOMPARE(signTest({0, 0}).pValue, 1.0);
    }

    void incompleteBetaKnownAnswers()
    {
        // Closed forms: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 − (1 − x)^b,
        // I_½(a, a) = ½, I_x(½, ½) = (2/π)·asin(√x).
        for (double x : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
            QVERIFY(near(regularizedIncompleteBeta(1, 1, x), x, 1e-15));
            QVERIFY(near(regularizedIncompleteBeta(3, 1, x), x * x * x, 1e-15));
            QVERIFY(near(regularizedIncompleteBeta(1, 4, x), 1.0 - std::pow(1.0 - x, 4), 1e-15));
            QVERIFY(near(regularizedIncompleteBeta(0.5, 0.5, x), 2.0 / M_PI * std::asin(std::sqrt(x)), 1e-14));
        }
        QVERIFY(near(regularizedIncompleteBeta(2.5, 2.5, 0.5), 0.5, 1e-15));
        QVERIFY(near(regularizedIncompleteBeta(40, 40, 0.5), 0.5, 1e-13));
        // mpmath.betainc(a, b, 0, x, regularized=True) to 30 digits.
        QVERIFY(near(regularizedIncompleteBeta(4.5, 0.5, 0.3), 0.0013229505842674954620, 1e-16));
        QVERIFY(near(regularizedIncompleteBeta(50, 0.5, 0.95), 0.023872705496990749829, 1e-14));
        QVERIFY(near(regularizedIncompleteBeta(2.5, 3.5, 0.7), 0.92281906547791931672, 2e-15));
        QVERIFY(near(regularizedIncompleteBeta(250, 0.5, 0.999), 0.47960989887171570175, 5e-13));
        QVERIFY(std::isnan(regularizedIncompleteBeta(0, 1, 0.5)));
        QVERIFY(std::isnan(regularizedIncompleteBeta(1, 1, 1.5)));
    }

    void studentTDistributionKnownAnswers()
    {
        // ν = 1 is Cauchy: F(t) = ½ + atan(t)/π. ν = 2: F(t) = ½ + t/(2√(2 + t²)).
        for (double t : {-30.0, -3.0, -0.2, 0.0, 0.5, 2.0, 7.0}) {
            QVERIFY(near(studentTCdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-15));
            QVERIFY(near(studentTCdf(t, 2), 0.5 + t / (2.0 * std::sqrt(2.0 + t * t)), 1e-15));
        }
        // mpmath, 30 digits: real ν works too.
        QVERIFY(near(studentTCdf(-1.3, 5), 0.12515031708533861901, 1e-15));
        QVERIFY(near(studentTCdf(2.0, 30), 0.97268747751850844804, 1e-15));
        QVERIFY(near(studentTCdf(0.7, 2.5), 0.72829752840522597265, 1e-15));
        QVERIFY(std::isnan(studentTCdf(1.0, 0.0)));
        // Quantiles: tan(0.475π) for ν = 1; 0.95·√(2/0.0975) for ν = 2; the tabulated
        // t_{0.975, 9} = 2.262157, t_{0.975, 4} = 2.776445, t_{0.995, 3} = 5.840909.
        QVERIFY(near(studentTQuantile(0.975, 1), 12.706204736174705, 1e-11));
        QVERIFY(near(studentTQuantile(0.975, 2), 4.3026527297494639, 1e-12));
        QVERIFY(near(studentTQuantile(0.975, 9), 2.2621571627982055, 1e-12));
        QVERIFY(near(studentTQuantile(0.025, 9), -2.2621571627982055, 1e-12));
        QVERIFY(near(studentTQuantile(0.975, 4), 2.7764451051977944, 1e-12));
        QVERIFY(near(studentTQuantile(0.995, 3), 5.8409093097333573, 1e-12));
        QCOMPARE(studentTQuantile(0.5, 7), 0.0);
        QVERIFY(std::isnan(studentTQuantile(1.0, 7)) && std::isnan(studentTQuantile(0.5, -1)));
    }

    void oneSampleTTestKnownAnswers()
    {
        // {1, …, 5} against 1: x̄ = 3, s/√n = √0.5, t = 2√2, ν = 4. The table's
        // t_{0.975, 4} = 2.776 < 2.828 < t_{0.98, 4}, and exactly p = 0.047420655584319628;
        // the interval is 3 ∓ 2.7764451051977944·√0.5.
        auto result = oneSampleTTest({1, 2, 3, 4, 5}, 1.0);
        QCOMPARE(result.n, std::size_t(5));
        QCOMPARE(result.degreesOfFreedom, 4.0);
        QVERIFY(near(result.t, 2.0 * std::sqrt(2.0), 1e-14));
        QVERIFY(near(result.pValue, 0.047420655584319628, 1e-14));
        QVERIFY(near(result.meanCi.low, 1.0367568385224423, 1e-12));
        QVERIFY(near(result.meanCi.high, 4.9632431614775577, 1e-12));
        // Ten values ±1 around x̄ have s/√n = √(10/9)/√10 = 1/3: shifting them to
        // x̄ = 0.605 + 2.262157/3 puts t at the tabulated t_{0.975, 9}, so p = 0.05
        // (exactly 0.050000013304431676 at t = 2.262157) and the interval starts at
        // 0.605 + (2.262157 − t_{0.975, 9})/3.
        const double centre = 0.605 + 2.262157 / 3.0;
        std::vector<double> values;
        for (int i = 0; i < 10; ++i)
            values.push_back(centre + (i % 2 ? 1.0 : -1.0));
        result = oneSampleTTest(values, 0.605);
        QVERIFY(near(result.t, 2.262157, 1e-12));
        QVERIFY(near(result.pValue, 0.05, 1e-6));
        QVERIFY(near(result.pValue, 0.050000013304431676, 1e-12));
        QVERIFY(near(result.meanCi.low, 0.605 + (2.262157 - 2.2621571627982055) / 3.0, 1e-12));
        // The sign of t follows the mean; p does not.
        const auto below = oneSampleTTest({1, 2, 3, 4, 5}, 5.0);
        QVERIFY(near(below.t, -2.0 * std::sqrt(2.0), 1e-14));
        QVERIFY(near(below.pValue, 0.047420655584319628, 1e-14));
    }

    void oneSampleTTestEdgeCases()
    {
        const auto one = oneSampleTTest({0.6}, 0.605);
        QCOMPARE(one.mean, 0.6);
        QVERIFY(std::isnan(one.t) && std::isnan(one.pValue) && std::isnan(one.degreesOfFreedom));
        QVERIFY(std::isnan(one.meanCi.low));
        const auto constant = oneSampleTTest(std::vector<double>(4, 0.1), 0.605);
        QVERIFY(std::isnan(constant.t) && std::isnan(constant.pValue));
        QCOMPARE(constant.meanCi.low, 0.1);
        QCOMPARE(constant.meanCi.high, 0.1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, oneSampleTTest({1, 2}, 0.0, 1.0));
    }

    void bootstrapRejectsBadConfig()
    {
        BootstrapConfig config;
        config.resampleCount = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 bootstrapConfidenceInterval({1, 2}, BootstrapStatistic::Mean, config));
        config.resampleCount = 100;
        config.confidenceLevel = 1.0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 bootstrapConfidenceInterval({1, 2}, BootstrapStatistic::Mean, config));
    }
};

QTEST_APPLESS_MAIN(TestStatistics)
#include "tst_statistics.moc"
