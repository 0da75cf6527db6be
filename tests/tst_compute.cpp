// The compute kernels under the fused engine: the weighted row sums and the logit
// statistics of evaluation, the worker pool's two ways of handing out tasks, and the
// symmetric eigensolver under the spectrum.

#include "compute/symmetric_eigen.h"
#include "compute/weighted_rows.h"
#include "compute/worker_pool.h"
#include "model/logit_rows.h"

#include <QtTest>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace grokscope;

namespace {

// The plain loop the vector paths must reproduce bit for bit: base, then each row's
// product added in turn, then the bias, then ReLU as x > 0 ? x : 0.
std::vector<float> plainWeightedSum(const std::vector<float>& base, const std::vector<std::vector<float>>& rows,
                                    const std::vector<float>& weights, const std::vector<float>& bias, bool relu)
{
    std::vector<float> out(base.size());
    for (size_t c = 0; c < base.size(); ++c) {
        float acc = base[c];
        for (size_t k = 0; k < rows.size(); ++k) {
            const float product = weights[k] * rows[k][c];
            acc = acc + product;
        }
        if (!bias.empty())
            acc = acc + bias[c];
        if (relu)
            acc = acc > 0.0f ? acc : 0.0f;
        out[c] = acc;
    }
    return out;
}

bool sameFloat(float a, float b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return std::memcmp(&a, &b, sizeof a) == 0;  // tells −0 from +0
}

bool sameDouble(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

class TestCompute : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void weightedRowSumIsThePlainLoopBitForBit_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("count");
        // Widths around the 8-, 16- and 128-column tiles and their masked tails; 97 and
        // 512 are the z97 presets' classes and MLP width; 12 rows = 4 heads × 3 positions.
        for (int width : {1, 7, 8, 15, 16, 17, 63, 64, 65, 97, 127, 128, 129, 512, 515})
            for (int count : {0, 1, 12, 13})
                QTest::newRow(qPrintable(QString("width %1, %2 rows").arg(width).arg(count))) << width << count;
    }

    void weightedRowSumIsThePlainLoopBitForBit()
    {
        QFETCH(int, width);
        QFETCH(int, count);
        std::mt19937 generator(static_cast<unsigned>(width * 31 + count));
        // Magnitudes spread over six decades, so that a different order or a fused
        // multiply-add changes the rounding of many sums.
        std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f), exponent(-3.0f, 3.0f);
        auto draw = [&] { return mantissa(generator) * std::pow(10.0f, exponent(generator)); };
        const size_t columns = static_cast<size_t>(width), terms = static_cast<size_t>(count);
        std::vector<float> base(columns), bias(columns), weights(terms);
        std::vector<std::vector<float>> rows(terms, std::vector<float>(columns));
        for (float& x : base)
            x = draw();
        for (float& x : bias)
            x = draw();
        for (float& w : weights)
            w = mantissa(generator);
        for (auto& row : rows)
            for (float& x : row)
                x = draw();
        // Values ReLU must map as the plain comparison does: NaN and −0 both give +0.
        base[0] = std::numeric_limits<float>::quiet_NaN();
        if (width > 2)
            base[2] = -0.0f;
        if (width > 5 && count > 0)
            rows[0][5] = std::numeric_limits<float>::infinity();
        std::vector<const float*> rowPointers;
        for (const auto& row : rows)
            rowPointers.push_back(row.data());

        struct Case {
            const char* name;
            RowSumFinish finish;
            std::vector<float> bias;
        };
        const Case cases[] = {{"sum only", RowSumFinish{}, {}},
                              {"bias", RowSumFinish{bias.data(), false}, bias},
                              {"bias and ReLU", RowSumFinish{bias.data(), true}, bias}};
        int roundingSensitive = 0;
        for (const Case& c : cases) {
            const std::vector<float> expected = plainWeightedSum(base, rows, weights, c.bias, c.finish.relu);
            // Guard entries after the row catch a masked tail that writes too far.
            const float guard = 12345.0f;
            for (RowSumPath path : {RowSumPath::Plain, RowSumPath::Avx2, RowSumPath::Avx512}) {
                if (!rowSumPathSupported(path))
                    continue;
                std::vector<float> out(columns + 40, guard);
                weightedRowSum(path, base.data(), rowPointers.data(), weights.data(), count, width, c.finish,
                               out.data());
                for (int i = 0; i < width; ++i)
                    QVERIFY2(sameFloat(out[size_t(i)], expected[size_t(i)]),
                             qPrintable(QString("path %1, %2, column %3: %4 vs %5")
                                            .arg(int(path))
                                            .arg(c.name)
                                            .arg(i)
                                            .arg(double(out[size_t(i)]), 0, 'g', 9)
                                            .arg(double(expected[size_t(i)]), 0, 'g', 9)));
                for (size_t i = columns; i < out.size(); ++i)
                    QCOMPARE(out[i], guard);
            }
            // Count the sums that fused multiply-adds would round differently, so that
            // the bit-for-bit comparison is known to have teeth.
            for (size_t i = 0; i < columns; ++i) {
                float fused = base[i];
                for (size_t k = 0; k < terms; ++k)
                    fused = std::fma(weights[k], rows[k][i], fused);
                roundingSensitive += std::isfinite(fused) && !sameFloat(fused, expected[i]) && c.bias.empty();
            }
        }
        if (count >= 12 && width >= 64)
            QVERIFY(roundingSensitive > 0);
    }

    void expNonPositiveIsWithinTwoUlp()
    {
        // Every 997th float in [−87, 0], and the ends.
        float worst = 0.0f;
        for (float x = -87.0f; x <= 0.0f; x = std::nextafter(x, 1.0f)) {
            const double exact = std::exp(double(x));
            const float ulp = std::nextafter(float(exact), INFINITY) - float(exact);
            worst = std::max(worst, float(std::abs(double(expNonPositive(x)) - exact) / double(ulp)));
            for (int skip = 0; skip < 996 && x < 0.0f; ++skip)
                x = std::nextafter(x, 1.0f);
        }
        QVERIFY2(worst <= 2.0f, qPrintable(QString("worst error %1 ulp").arg(double(worst))));
        QCOMPARE(expNonPositive(0.0f), 1.0f);
        QVERIFY(std::isnan(expNonPositive(std::numeric_limits<float>::quiet_NaN())));
        QCOMPARE(expNonPositive(-1000.0f), expNonPositive(-87.0f));
    }

    void logitStatisticsHaveKnownAnswers()
    {
        constexpr int64_t classes = 97;
        std::vector<float> logits(4 * classes, 0.25f);  // row 0: uniform
        logits[classes + 5] = 60.0f;                     // row 1: all mass on class 5
        for (int64_t c = 0; c < classes; ++c)            // row 2: 0, 1, …, 96
            logits[2 * classes + c] = float(c);
        logits[3 * classes + 7] = std::numeric_limits<float>::quiet_NaN();  // row 3: diverged
        const int64_t labels[] = {0, 5, 3, 0};
        SplitSums s;
        accumulateLogitRows(logits.data(), labels, 3, classes, 1e-3, s);
        // ln 97 + (ln Σ_c e^(c − 96) + 96 − 3) for row 2; 0 (to e^−60) for row 1.
        double row2 = 0.0;
        for (int c = 0; c < classes; ++c)
            row2 += std::exp(double(c - 96));
        const double expected = std::log(97.0) + (std::log(row2) + 96.0 - 3.0);
        QVERIFY2(std::abs(s.lossSum - expected) < 1e-5, qPrintable(QString::number(s.lossSum - expected)));
        QCOMPARE(s.correct, int64_t(2));  // row 0's first maximum is class 0; row 2 predicts 96
        QCOMPARE(s.saturated, int64_t(1));
        // Row 0 has no spread; row 1, 96 × 0.25 and one 60: 59.75² · 96/97; row 2: Σ (c − 48)².
        double squares = 59.75 * 59.75 * 96.0 / 97.0;
        for (int c = 0; c < classes; ++c)
            squares += (c - 48.0) * (c - 48.0);
        QVERIFY(std::abs(s.sumSquaredCentred - squares) < 1e-6 * squares);
        QCOMPARE(s.entries, 3 * classes);
        QCOMPARE(s.examples, int64_t(3));
        SplitSums diverged;
        accumulateLogitRows(logits.data() + 3 * classes, labels + 3, 1, classes, 1e-3, diverged);
        QVERIFY(std::isnan(diverged.lossSum));
    }

    void logitStatisticsVectorPathIsThePlainPathBitForBit()
    {
        std::mt19937 generator(5);
        std::normal_distribution<float> normal(0.0f, 4.0f);
        for (int64_t classes : {1, 7, 8, 9, 16, 97, 113}) {
            const int64_t rows = 300;
            std::vector<float> logits(static_cast<size_t>(rows * classes));
            std::vector<int64_t> labels(static_cast<size_t>(rows));
            for (float& x : logits)
                x = normal(generator);
            for (int64_t b = 0; b < rows; ++b) {
                labels[size_t(b)] = b % classes;
                if (b % 50 == 1)  // saturated rows
                    logits[size_t(b * classes + b % classes)] = 200.0f;
            }
            logits[size_t(10 * classes)] = std::numeric_limits<float>::quiet_NaN();
            logits[size_t(20 * classes)] = -std::numeric_limits<float>::infinity();
            SplitSums fast, plain;
            accumulateLogitRows(logits.data(), labels.data(), rows, classes, 1e-3, fast);
            accumulateLogitRowsPlain(logits.data(), labels.data(), rows, classes, 1e-3, plain);
            // After the NaN and −∞ rows the sums are finite and must match exactly too.
            SplitSums fastFinite, plainFinite;
            accumulateLogitRows(logits.data() + 21 * classes, labels.data() + 21, rows - 21, classes, 1e-3, fastFinite);
            accumulateLogitRowsPlain(logits.data() + 21 * classes, labels.data() + 21, rows - 21, classes, 1e-3,
                                     plainFinite);
            QVERIFY(std::isnan(fast.lossSum) && std::isnan(plain.lossSum));
            QVERIFY(std::isfinite(fastFinite.lossSum));
            QVERIFY(sameDouble(fastFinite.lossSum, plainFinite.lossSum));
            QVERIFY(sameDouble(fastFinite.sumSquaredCentred, plainFinite.sumSquaredCentred));
            QCOMPARE(fast.correct, plain.correct);
            QCOMPARE(fast.saturated, plain.saturated);
            QVERIFY(fast.saturated >= 5);
            QCOMPARE(fastFinite.correct, plainFinite.correct);
        }
    }

    // Accuracy counts the first largest logit, as argmax does; NaN is skipped as the
    // autograd path's max skips it. Ties across lanes, in the tail, behind a NaN.
    void accuracyCountsTheFirstLargestLogit()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (int64_t classes : {5, 8, 13, 97}) {
            struct Case {
                std::vector<std::pair<int64_t, float>> set;
                int64_t expected;
            };
            const int64_t tail = classes - 1;
            const std::vector<Case> cases{
                {{{tail, 3.0f}}, tail},                             // the largest in the tail
                {{{classes / 2, 3.0f}, {tail, 3.0f}}, classes / 2},  // a tie: the first one
                {{{0, nan}, {tail, 3.0f}}, tail},                   // NaN is not the largest
                {{{1, 3.0f}, {0, 3.0f}}, 0},
            };
            for (const Case& c : cases) {
                std::vector<float> row(static_cast<size_t>(classes), 0.0f);
                for (auto [index, value] : c.set)
                    row[static_cast<size_t>(index)] = value;
                for (int64_t label = 0; label < classes; ++label) {
                    SplitSums fast, plain;
                    accumulateLogitRows(row.data(), &label, 1, classes, 1e-3, fast);
                    accumulateLogitRowsPlain(row.data(), &label, 1, classes, 1e-3, plain);
                    QCOMPARE(fast.correct, int64_t(label == c.expected));
                    QCOMPARE(plain.correct, int64_t(label == c.expected));
                }
            }
        }
    }

    // Known answers on every path this process has, and the two paths against each
    // other on a covariance shaped like the spectrum's (128 × 128, decaying scales).
    void symmetricEigenHasKnownAnswersOnEveryPath()
    {
        std::vector<SymmetricEigenPath> paths{SymmetricEigenPath::Eigen};
        if (symmetricEigenPathAvailable(SymmetricEigenPath::Lapack))
            paths.push_back(SymmetricEigenPath::Lapack);
        else
            qInfo("no LAPACK in this process: only Eigen's solver is checked");

        Eigen::Matrix2d pair;
        pair << 2.0, 1.0, 1.0, 2.0;  // eigenvalues 1 and 3, along (1, −1) and (1, 1)
        std::mt19937 random(5);
        std::normal_distribution<double> normal;
        Eigen::MatrixXd z(512, 128);
        for (Eigen::Index i = 0; i < z.rows(); ++i)
            for (Eigen::Index j = 0; j < z.cols(); ++j)
                z(i, j) = normal(random) * std::exp(-0.05 * double(j));
        const Eigen::MatrixXd covariance = z.transpose() * z / double(z.rows());
        const SymmetricEigen reference = symmetricEigen(SymmetricEigenPath::Eigen, covariance, false);
        const double scale = reference.values.cwiseAbs().maxCoeff();

        for (SymmetricEigenPath path : paths) {
            const char* name = path == SymmetricEigenPath::Lapack ? "LAPACK" : "Eigen";
            const SymmetricEigen two = symmetricEigen(path, pair, true);
            QVERIFY2(std::abs(two.values(0) - 1.0) < 1e-14 && std::abs(two.values(1) - 3.0) < 1e-14, name);
            QVERIFY2(std::abs(std::abs(two.vectors(0, 1)) - std::sqrt(0.5)) < 1e-14, name);
            QVERIFY2(std::abs(two.vectors(0, 1) - two.vectors(1, 1)) < 1e-14, name);  // (1, 1) for 3
            QVERIFY2(std::abs(two.vectors(0, 0) + two.vectors(1, 0)) < 1e-14, name);  // (1, −1) for 1

            const SymmetricEigen full = symmetricEigen(path, covariance, true);
            const SymmetricEigen valuesOnly = symmetricEigen(path, covariance, false);
            QCOMPARE(full.vectors.cols(), covariance.cols());
            QVERIFY2(valuesOnly.vectors.size() == 0, name);
            for (Eigen::Index k = 1; k < full.values.size(); ++k)
                QVERIFY2(full.values(k - 1) <= full.values(k), name);
            QVERIFY2((full.values - reference.values).cwiseAbs().maxCoeff() <= 1e-12 * scale, name);
            QVERIFY2((valuesOnly.values - reference.values).cwiseAbs().maxCoeff() <= 1e-12 * scale, name);
            const Eigen::MatrixXd residual = covariance * full.vectors - full.vectors * full.values.asDiagonal();
            QVERIFY2(residual.cwiseAbs().maxCoeff() <= 1e-12 * scale, name);
            const Eigen::MatrixXd gram = full.vectors.transpose() * full.vectors;
            QVERIFY2((gram - Eigen::MatrixXd::Identity(128, 128)).cwiseAbs().maxCoeff() <= 1e-12, name);

            // A NaN gives NaN eigenvalues, not an answer that looks valid.
            Eigen::MatrixXd broken = covariance;
            broken(3, 7) = broken(7, 3) = std::numeric_limits<double>::quiet_NaN();
            QVERIFY2(symmetricEigen(path, broken, false).values.hasNaN(), name);
            QVERIFY2(symmetricEigenLeading(path, broken, 8).values.hasNaN(), name);

            // The leading vectors alone: every eigenvalue, and the 8 largest ones'
            // directions, the same as all vectors give (up to sign).
            const SymmetricEigen leading = symmetricEigenLeading(path, covariance, 8);
            QCOMPARE(leading.vectors.rows(), covariance.rows());
            QCOMPARE(leading.vectors.cols(), Eigen::Index(8));
            QVERIFY2((leading.values - reference.values).cwiseAbs().maxCoeff() <= 1e-12 * scale, name);
            const Eigen::VectorXd top = leading.values.tail(8);
            const Eigen::MatrixXd leadingResidual = covariance * leading.vectors - leading.vectors * top.asDiagonal();
            QVERIFY2(leadingResidual.cwiseAbs().maxCoeff() <= 1e-12 * scale, name);
            QVERIFY2((leading.vectors.transpose() * leading.vectors - Eigen::MatrixXd::Identity(8, 8))
                             .cwiseAbs()
                             .maxCoeff()
                         <= 1e-12,
                     name);
            for (Eigen::Index j = 0; j < 8; ++j)
                QVERIFY2(std::abs(std::abs(leading.vectors.col(j).dot(full.vectors.col(120 + j))) - 1.0) < 1e-10,
                         name);
            // All of them, and none.
            QCOMPARE(symmetricEigenLeading(path, covariance, 500).vectors.cols(), Eigen::Index(128));
            QCOMPARE(symmetricEigenLeading(path, covariance, 0).vectors.size(), Eigen::Index(0));

            // A diagonal matrix's tridiagonal form splits at every row: the leading
            // vectors then come from the full decomposition, still the right ones.
            const Eigen::MatrixXd diagonal = Eigen::VectorXd::LinSpaced(6, 1.0, 6.0).asDiagonal();
            const SymmetricEigen split = symmetricEigenLeading(path, diagonal, 2);
            QVERIFY2(std::abs(split.values(5) - 6.0) < 1e-14 && std::abs(split.values(4) - 5.0) < 1e-14, name);
            QVERIFY2(std::abs(std::abs(split.vectors(5, 1)) - 1.0) < 1e-14, name);
            QVERIFY2(std::abs(std::abs(split.vectors(4, 0)) - 1.0) < 1e-14, name);
        }
    }

    void dynamicTasksRunOnceEachOnAValidThread()
    {
        for (int threads : {1, 2, 3})
            for (int count : {0, 1, 2, 5, 37}) {
                WorkerPool pool(threads);
                std::vector<std::atomic<int>> runs(size_t(count) + 1);
                std::atomic<int> badThread{0};
                pool.runDynamic(count, [&](int index, int thread) {
                    runs[size_t(index)].fetch_add(1);
                    if (thread < 0 || thread >= threads)
                        badThread.fetch_add(1);
                });
                for (int i = 0; i < count; ++i)
                    QCOMPARE(runs[size_t(i)].load(), 1);
                QCOMPARE(runs[size_t(count)].load(), 0);
                QCOMPARE(badThread.load(), 0);
            }
    }

    void dynamicTasksShareTheWorkAroundASlowOne()
    {
        // Task 0 holds one thread until the other thread has taken every other task, as
        // the spectrum does alongside the evaluation blocks: it returns only if the
        // tasks are handed out as threads come free rather than by index.
        WorkerPool pool(2);
        constexpr int count = 20;
        std::atomic<int> done{0};
        std::atomic<bool> timedOut{false};
        pool.runDynamic(count, [&](int index, int) {
            if (index == 0) {
                QElapsedTimer timer;
                timer.start();
                while (done.load() < count - 1 && !timedOut.load())
                    if (timer.elapsed() > 10000)
                        timedOut.store(true);
            } else {
                done.fetch_add(1);
            }
        });
        QVERIFY(!timedOut.load());
        QCOMPARE(done.load(), count - 1);
    }
};

QTEST_GUILESS_MAIN(TestCompute)
#include "tst_compute.moc"
