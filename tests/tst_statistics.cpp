// Known answers for the experiment statistics: textbook values, scipy.stats values
// derived by hand, and an exhaustive enumeration as an independent oracle.

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
