// Known answers for the diagnostics beyond the paper (metrics/diagnostics.h).

#include "compute/dense_product.h"
#include "metrics/diagnostics.h"
#include "tasks/group_table.h"

#include <QtTest>
#include <cmath>
#include <random>
#include <set>

using namespace grokscope;

namespace {

Eigen::MatrixXd gaussian(int rows, int columns, unsigned seed)
{
    std::mt19937 random(seed);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd m(rows, columns);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < columns; ++j)
            m(i, j) = normal(random);
    return m;
}

std::vector<int> uniformPhases(int rows, int period, unsigned seed)
{
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> pick(0, period - 1);
    std::vector<int> phases(rows);
    for (int& p : phases)
        p = pick(random);
    return phases;
}

}  // namespace

class TestDiagnostics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void additionCycleIsTheAnswerItself()
    {
        TaskConfig task;
        task.kind = TaskKind::Add;
        task.modulus = 7;
        const auto cycle = answerCycle(buildGroupTable(task));
        QVERIFY(cycle);
        QCOMPARE(cycle->period, 7);
        QCOMPARE(cycle->phaseOfClass, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
    }

    void multiplicationCycleIsTheDiscreteLog()
    {
        TaskConfig task;
        task.kind = TaskKind::Mul;
        task.modulus = 7;  // smallest primitive root 3: 3^0..3^5 = 1 3 2 6 4 5
        const auto cycle = answerCycle(buildGroupTable(task));
        QVERIFY(cycle);
        QCOMPARE(cycle->period, 6);
        QCOMPARE(cycle->phaseOfClass, (std::vector<int>{-1, 0, 2, 1, 4, 5, 3}));
        // For p = 97 the logarithms are a bijection of 1..96 onto 0..95.
        task.modulus = 97;
        const auto big = answerCycle(buildGroupTable(task));
        const std::set<int> phases(big->phaseOfClass.begin() + 1, big->phaseOfClass.end());
        QCOMPARE(int(phases.size()), 96);
        QCOMPARE(*phases.begin(), 0);
        QCOMPARE(*phases.rbegin(), 95);
    }

    void permutationsHaveNoCycle()
    {
        TaskConfig task;
        task.kind = TaskKind::Permutation;
        task.permutationDegree = 4;
        QVERIFY(!answerCycle(buildGroupTable(task)));
    }

    void pureFourierFeaturesAlignFully()
    {
        // Representation = (cos, sin) of frequency 5 of the answer in two coordinates,
        // the rest tiny noise: the leading directions are exactly one Fourier mode.
        const int rows = 600, period = 97;
        const std::vector<int> phases = uniformPhases(rows, period, 1);
        Eigen::MatrixXd z = 1e-4 * gaussian(rows, 32, 2);
        for (int i = 0; i < rows; ++i) {
            z(i, 3) += 2.0 * std::cos(2 * M_PI * 5 * phases[i] / period);
            z(i, 9) += 2.0 * std::sin(2 * M_PI * 5 * phases[i] / period);
        }
        const auto a = fourierAlignment(z, phases, period, 2);
        QVERIFY(a);
        QVERIFY2(*a > 0.999, qPrintable(QString::number(*a)));
    }

    // The trainer hands the spectrum's eigensystem to the Fourier alignment when the
    // rows agree; the answer must be the one it computes on its own. A mode planted in
    // the third direction makes the answer something other than 0 or 1.
    void sharedEigensystemGivesTheSameAlignment()
    {
        const int rows = 300, period = 31;
        const std::vector<int> phases = uniformPhases(rows, period, 12);
        Eigen::MatrixXd z = gaussian(rows, 24, 13);
        for (int i = 0; i < rows; ++i)
            z(i, 2) += 1.5 * std::cos(2 * M_PI * 4 * phases[i] / period);
        const FourierAlignmentBasis basis(phases, period);
        QVERIFY(basis.coversAllRows());
        const Eigensystem shared = decomposeSymmetric(representationCovariance(z, Centring::Centred), 6);
        const auto own = basis.alignment(z, 6), given = basis.alignment(z, 6, &shared);
        QVERIFY(own && given);
        QVERIFY2(*own > 0.1 && *own < 0.9, qPrintable(QString::number(*own)));
        QVERIFY(std::abs(*own - *given) < 1e-12);
        QVERIFY(!basis.alignment(z.topRows(rows - 1), 6));  // not one row per phase
        std::vector<int> offCycle = phases;
        offCycle[7] = -1;
        QVERIFY(!FourierAlignmentBasis(offCycle, period).coversAllRows());
    }

    // The BLAS product against Eigen's, with every dimension different so a swapped
    // leading dimension or operand shows.
    void blasProductEqualsEigen()
    {
        const Eigen::MatrixXd a = gaussian(7, 5, 21), b = gaussian(5, 3, 22), c = gaussian(7, 3, 23);
        QVERIFY((multiply(a, b) - a * b).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY((multiply(a, c, true) - a.transpose() * c).cwiseAbs().maxCoeff() < 1e-12);
        QCOMPARE(multiply(a, b).rows(), 7);
        QCOMPARE(multiply(a, c, true).cols(), 3);
        const Eigen::MatrixXd g = gram(a);  // both triangles filled
        QVERIFY((g - a.transpose() * a).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY(g == g.transpose());
    }

    void randomRepresentationsBarelyAlign()
    {
        const int rows = 512, period = 97;
        const auto a = fourierAlignment(gaussian(rows, 64, 3), uniformPhases(rows, period, 4), period, 8);
        QVERIFY(a);
        // Expected about (2 ln 48 + 2) / 512 ≈ 0.019 per direction; allow the noise.
        QVERIFY2(*a > 0.0 && *a < 0.05, qPrintable(QString::number(*a)));
    }

    void alignmentWeighsDirectionsByVariance()
    {
        // Direction 1 (variance 9): frequency 2; direction 2 (variance 1): noise only.
        // A ≈ (9·1 + 1·r) / 10 with r the small noise score.
        const int rows = 4000, period = 31;
        const std::vector<int> phases = uniformPhases(rows, period, 5);
        Eigen::MatrixXd z = Eigen::MatrixXd::Zero(rows, 2);
        std::mt19937 random(6);
        std::normal_distribution<double> normal;
        for (int i = 0; i < rows; ++i) {
            z(i, 0) = 3.0 * std::sqrt(2.0) * std::cos(2 * M_PI * 2 * phases[i] / period);
            z(i, 1) = normal(random);
        }
        const auto a = fourierAlignment(z, phases, period, 2);
        QVERIFY(a);
        QVERIFY2(std::abs(*a - 0.9) < 0.01, qPrintable(QString::number(*a)));
    }

    void rowsOffTheCycleAreLeftOut()
    {
        const int period = 11;
        std::vector<int> phases = uniformPhases(300, period, 7);
        Eigen::MatrixXd z(300, 2);
        for (int i = 0; i < 300; ++i) {
            z(i, 0) = std::cos(2 * M_PI * phases[i] / period);
            z(i, 1) = std::sin(2 * M_PI * phases[i] / period);
        }
        // Rows off the cycle carry wild values that would spoil the fit if counted.
        for (int i = 0; i < 300; i += 10) {
            phases[i] = -1;
            z(i, 0) = 50.0;
        }
        QVERIFY(*fourierAlignment(z, phases, period, 2) > 0.999);
        QVERIFY(!fourierAlignment(z.topRows(2), {1, 2}, period, 2));
    }

    void logAlignmentRatioKnownCases()
    {
        const int n = 64, classes = 10;
        // Rank-one W, inputs along its row direction: LAR = 1.
        Eigen::VectorXd u = Eigen::VectorXd::LinSpaced(n, -1.0, 2.0).normalized();
        Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(classes, 0.5, 1.5);
        const Eigen::MatrixXd rankOne = u * v.transpose();  // n × C
        Eigen::MatrixXd along(3, n);
        along.row(0) = u.transpose();
        along.row(1) = -2.0 * u.transpose();
        along.row(2) = 0.1 * u.transpose();
        QVERIFY(std::abs(logAlignmentRatio(rankOne, along) - 1.0) < 1e-12);
        // A zero input has no direction: it is skipped, not counted as a 0/0.
        Eigen::MatrixXd withZero = Eigen::MatrixXd::Zero(4, n);
        withZero.topRows(2) = along.topRows(2);
        withZero.row(3) = along.row(2);
        QVERIFY(std::abs(logAlignmentRatio(rankOne, withZero) - 1.0) < 1e-12);

        // W with k equal singular values on coordinates 0..k-1, inputs spread evenly on
        // those coordinates: mean ratio 1/k, LAR = 1 − ln k / (2 ln n).
        const int k = 8;
        Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, classes);
        for (int j = 0; j < k; ++j)
            w(j, j) = 1.0;
        Eigen::MatrixXd spread = Eigen::MatrixXd::Zero(k, n);
        for (int j = 0; j < k; ++j)
            spread(j, j) = 1.0;  // each input on one direction: ratio 1/k each
        const double expected = 1.0 - std::log(double(k)) / (2.0 * std::log(double(n)));
        QVERIFY(std::abs(logAlignmentRatio(w, spread) - expected) < 1e-12);
        // Inverting the formula recovers k.
        QVERIFY(std::abs(std::pow(double(n), 2.0 * (1.0 - expected)) - k) < 1e-9);

        // Isotropic random inputs: mean ratio → 1/n, LAR → 1/2.
        const double isotropic = logAlignmentRatio(gaussian(n, classes, 8), gaussian(20000, n, 9));
        QVERIFY2(std::abs(isotropic - 0.5) < 0.01, qPrintable(QString::number(isotropic)));
        // Inputs orthogonal to W: no alignment at all, −∞ clipped to NaN.
        QVERIFY(std::isnan(logAlignmentRatio(w, Eigen::MatrixXd::Identity(n, n).bottomRows(n - k))));
    }

    void exactExponentialDecayGivesExactEta()
    {
        // ‖θ‖² = 400 e^{−0.001 (t − 2000)}: rate 0.001; target ‖θ‖ = 2 → ‖θ‖² = 4,
        // reached at t = 2000 + ln 100 / 0.001.
        std::vector<std::pair<double, double>> points;
        for (double t = 2000; t <= 4000; t += 100)
            points.emplace_back(t, 400.0 * std::exp(-0.001 * (t - 2000)));
        const auto estimate = estimateNormDecay(points, 2.0);
        QVERIFY(estimate);
        QVERIFY(std::abs(estimate->ratePerStep - 0.001) < 1e-12);
        QVERIFY(estimate->etaStep);
        QVERIFY2(std::abs(*estimate->etaStep - (2000 + std::log(100.0) / 0.001)) < 1e-6,
                 qPrintable(QString::number(*estimate->etaStep)));
        // No target: a rate, no ETA. Already below target: ETA is now.
        QVERIFY(!estimateNormDecay(points, std::nullopt)->etaStep);
        QCOMPARE(*estimateNormDecay(points, 10.0)->etaStep, 4000.0);  // ‖θ‖²(4000) = 54 < 100
    }

    void growingNormHasNoEta()
    {
        std::vector<std::pair<double, double>> points;
        for (double t = 0; t <= 1000; t += 100)
            points.emplace_back(t, 10.0 + t);
        const auto estimate = estimateNormDecay(points, 1.0);
        QVERIFY(estimate);
        QVERIFY(estimate->ratePerStep < 0.0);
        QVERIFY(!estimate->etaStep);
        QVERIFY(!estimateNormDecay({{0, 1}, {100, 2}}, 1.0));  // two points are no fit
    }

    void logitStatisticsFormulae()
    {
        LogitStatistics statistics;
        QVERIFY(std::isnan(statistics.scale()));
        statistics.sumSquaredCentred = 8.0;
        statistics.entries = 2;
        statistics.saturated = 1;
        statistics.examples = 4;
        QCOMPARE(statistics.scale(), 2.0);
        QCOMPARE(statistics.saturatedFraction(), 0.25);
    }
};

QTEST_APPLESS_MAIN(TestDiagnostics)
#include "tst_diagnostics.moc"
