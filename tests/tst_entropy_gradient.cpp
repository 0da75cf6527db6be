// The closed-form gradient of the spectral entropy (metrics/entropy_gradient.h) against
// known answers, central finite differences, and torch autograd through eigvalsh on the
// expression the entropy floor was first written as (torchEntropy below, which the floor
// differentiated by autograd before core/train/interventions.cpp took the closed form);
// and its H̃ against the spectrum metric's.

#include "compute/symmetric_eigen.h"
#include "metrics/entropy_gradient.h"
#include "metrics/spectrum.h"

#include <torch/torch.h>

#include <QtTest>

#include <cmath>
#include <random>
#include <tuple>

using namespace grokscope;

namespace {

// Gaussian rows with unequal column scales (so no two eigenvalues tie) and a mean row
// far from zero (so a missing centring shows).
Eigen::MatrixXd randomRepresentations(int rows, int dims, unsigned seed)
{
    std::mt19937_64 generator(seed);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd z(rows, dims);
    for (int j = 0; j < dims; ++j) {
        const double scale = 0.5 + 1.5 * j / dims;
        const double offset = 3.0 + 0.1 * j;
        for (int i = 0; i < rows; ++i)
            z(i, j) = offset + scale * normal(generator);
    }
    return z;
}

torch::Tensor toTensor(const Eigen::MatrixXd& m)
{
    torch::Tensor t = torch::empty({m.rows(), m.cols()}, torch::kFloat64);
    auto a = t.accessor<double, 2>();
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            a[i][j] = m(i, j);
    return t;
}

Eigen::MatrixXd toEigen(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kFloat64).contiguous();
    Eigen::MatrixXd m(c.size(0), c.size(1));
    auto a = c.accessor<double, 2>();
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            m(i, j) = a[i][j];
    return m;
}

// H̃ exactly as the floor's former torch expression built it, in float64.
torch::Tensor torchEntropy(const torch::Tensor& z)
{
    const torch::Tensor centred = z - z.mean(0, true);
    const torch::Tensor covariance = centred.t().mm(centred) / static_cast<double>(z.size(0));
    const torch::Tensor eigenvalues = torch::linalg::eigvalsh(covariance, "L").clamp_min(0.0);
    const torch::Tensor p = eigenvalues / eigenvalues.sum();
    return -(p * p.clamp_min(1e-300).log()).sum() / std::log(static_cast<double>(z.size(1)));
}

struct TorchAnswer {
    double value = 0.0;
    Eigen::MatrixXd gradient;
};

TorchAnswer torchEntropyGradient(const Eigen::MatrixXd& representations)
{
    torch::Tensor z = toTensor(representations).requires_grad_(true);
    const torch::Tensor entropy = torchEntropy(z);
    entropy.backward();
    return {entropy.item<double>(), toEigen(z.grad())};
}

TorchAnswer torchPenaltyGradient(const Eigen::MatrixXd& representations, double target, double weight)
{
    torch::Tensor z = toTensor(representations).requires_grad_(true);
    const torch::Tensor penalty = (target - torchEntropy(z)).clamp_min(0.0).mul(weight);
    penalty.backward();
    return {penalty.item<double>(), toEigen(z.grad())};
}

double relativeMaxDifference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& reference)
{
    return (a - reference).cwiseAbs().maxCoeff() / reference.cwiseAbs().maxCoeff();
}

}  // namespace

class TestEntropyGradient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void isotropicHasEntropyOneAndNoGradient()
    {
        const int d = 8;
        Eigen::MatrixXd z = Eigen::MatrixXd::Zero(2 * d, d);
        for (int i = 0; i < d; ++i) {
            z(2 * i, i) = 1.0;
            z(2 * i + 1, i) = -1.0;
        }
        const EntropyGradient g = spectralEntropyGradient(z);
        QVERIFY2(std::abs(g.entropy - 1.0) < 1e-12, qPrintable(QString::number(g.entropy, 'g', 17)));
        QCOMPARE(g.gradient.rows(), Eigen::Index(2 * d));
        QCOMPARE(g.gradient.cols(), Eigen::Index(d));
        QVERIFY2(g.gradient.cwiseAbs().maxCoeff() < 1e-12,
                 qPrintable(QString::number(g.gradient.cwiseAbs().maxCoeff())));
    }

    void rankOneHasEntropyZero()
    {
        const Eigen::MatrixXd random = randomRepresentations(32, 6, 3);
        const Eigen::RowVectorXd direction = random.row(0);
        Eigen::MatrixXd z(32, 6);
        for (int i = 0; i < 32; ++i)
            z.row(i) = Eigen::RowVectorXd::Constant(6, 2.0) + random(i, 1) * direction;
        const EntropyGradient g = spectralEntropyGradient(z);
        QVERIFY2(std::abs(g.entropy) < 1e-12, qPrintable(QString::number(g.entropy, 'g', 17)));
        QVERIFY(g.gradient.allFinite());
    }

    void emptySpectrumIsNaN()
    {
        const Eigen::MatrixXd z = Eigen::MatrixXd::Constant(10, 4, 1.5);  // centred: all zero
        const EntropyGradient g = spectralEntropyGradient(z);
        QVERIFY(std::isnan(g.entropy));
        QVERIFY(g.gradient.array().isNaN().all());
    }

    void agreesWithCentralDifferences()
    {
        const Eigen::MatrixXd z = randomRepresentations(64, 16, 5);
        const EntropyGradient g = spectralEntropyGradient(z);
        const double h = 1e-5;
        Eigen::MatrixXd numeric(z.rows(), z.cols());
        for (Eigen::Index i = 0; i < z.rows(); ++i)
            for (Eigen::Index j = 0; j < z.cols(); ++j) {
                Eigen::MatrixXd up = z, down = z;
                up(i, j) += h;
                down(i, j) -= h;
                numeric(i, j) = (summariseRepresentations(up, Centring::Centred).entropy
                                 - summariseRepresentations(down, Centring::Centred).entropy)
                                / (2.0 * h);
            }
        const double difference = relativeMaxDifference(g.gradient, numeric);
        QVERIFY2(difference < 1e-7, qPrintable(QString::number(difference)));
    }

    void agreesWithTorchAutograd_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("dims");
        QTest::newRow("512x128") << 512 << 128;
        QTest::newRow("64x16") << 64 << 16;
    }

    void agreesWithTorchAutograd()
    {
        QFETCH(int, rows);
        QFETCH(int, dims);
        const Eigen::MatrixXd z = randomRepresentations(rows, dims, 7 + rows);
        const EntropyGradient g = spectralEntropyGradient(z);
        const TorchAnswer reference = torchEntropyGradient(z);
        const double difference = relativeMaxDifference(g.gradient, reference.gradient);
        QVERIFY2(difference < 1e-8, qPrintable(QString::number(difference)));
        QVERIFY2(std::abs(g.entropy - reference.value) < 1e-12,
                 qPrintable(QString("%1 vs torch %2").arg(g.entropy, 0, 'g', 17).arg(reference.value, 0, 'g', 17)));
        const double metric = summariseRepresentations(z, Centring::Centred).entropy;
        QVERIFY2(std::abs(g.entropy - metric) < 1e-12,
                 qPrintable(QString("%1 vs metric %2").arg(g.entropy, 0, 'g', 17).arg(metric, 0, 'g', 17)));
        QVERIFY(g.entropy > 0.5 && g.entropy < 1.0);
    }

    void penaltyFollowsTheFloor()
    {
        const Eigen::MatrixXd z = randomRepresentations(64, 16, 9);
        const double entropy = spectralEntropyGradient(z).entropy;
        const double weight = 0.3;

        const double above = entropy + 0.05;  // the floor binds
        const EntropyFloorPenaltyGradient binding = entropyFloorPenaltyGradient(z, above, weight);
        const TorchAnswer reference = torchPenaltyGradient(z, above, weight);
        QVERIFY(std::abs(binding.penalty - weight * 0.05) < 1e-12);
        QVERIFY(std::abs(binding.penalty - reference.value) < 1e-12);
        QCOMPARE(binding.entropy, entropy);
        const double difference = relativeMaxDifference(binding.gradient, reference.gradient);
        QVERIFY2(difference < 1e-8, qPrintable(QString::number(difference)));

        const EntropyFloorPenaltyGradient slack = entropyFloorPenaltyGradient(z, entropy - 0.05, weight);
        QCOMPARE(slack.penalty, 0.0);
        QCOMPARE(slack.gradient.rows(), z.rows());
        QCOMPARE(slack.gradient.cols(), z.cols());
        QVERIFY(slack.gradient.isZero(0.0));
    }

    // The trainer's floor keeps one workspace for the whole run: reusing it across calls,
    // shapes and the slack/binding switch must give a fresh computation's bits.
    void reusedWorkspaceGivesFreshBits()
    {
        EntropyGradientWorkspace workspace;
        EntropyFloorPenaltyGradient reused;
        const double weight = 0.7;
        for (const auto& [rows, dims, seed] : {std::tuple{64, 16, 11u}, std::tuple{512, 128, 12u},
                                               std::tuple{64, 16, 13u}, std::tuple{512, 128, 14u}}) {
            const Eigen::MatrixXd z = randomRepresentations(rows, dims, seed);
            const double entropy = spectralEntropyGradient(z).entropy;
            for (const double target : {entropy + 0.02, entropy - 0.02}) {
                entropyFloorPenaltyGradient(z, target, weight, workspace, reused);
                const EntropyFloorPenaltyGradient fresh = entropyFloorPenaltyGradient(z, target, weight);
                QCOMPARE(reused.entropy, fresh.entropy);
                QCOMPARE(reused.penalty, fresh.penalty);
                if (reused.penalty != 0.0)  // the slack case leaves the gradient unwritten
                    QVERIFY(reused.gradient == fresh.gradient);
                else
                    QVERIFY(fresh.gradient.isZero(0.0));
            }
        }
    }

    // Two of four dimensions empty: C = diag(a²/2, b²/2, 0, 0) exactly, so the solver
    // returns exact zeros and p_j = 0 takes the clamped branch. Unclamped, log 0 = −inf
    // would make V diag(dH̃/dλ) Vᵀ NaN; clamped, those directions add nothing because
    // Z_c v_j = 0 for λ_j = 0, and the gradient is autograd's.
    void zeroEigenvalueIsFiniteAndMatchesAutograd()
    {
        Eigen::MatrixXd z = Eigen::MatrixXd::Zero(4, 4);
        z(0, 0) = 1.5;
        z(1, 0) = -1.5;
        z(2, 1) = 0.5;
        z(3, 1) = -0.5;
        z.array() += 1.0;  // a mean row that the centring removes exactly
        const Eigen::VectorXd values =
            symmetricEigen(representationCovariance(z, Centring::Centred), false).values;
        QCOMPARE(values(0), 0.0);
        QCOMPARE(values(1), 0.0);

        const EntropyGradient g = spectralEntropyGradient(z);
        const double p = 2.25 / 2.5;  // λ = (1.125, 0.125) over S = 1.25
        const double expected = -(p * std::log(p) + (1 - p) * std::log(1 - p)) / std::log(4.0);
        QVERIFY2(std::abs(g.entropy - expected) < 1e-14, qPrintable(QString::number(g.entropy, 'g', 17)));
        QVERIFY(g.gradient.allFinite());
        QVERIFY(g.gradient.cwiseAbs().maxCoeff() > 0.1);  // the two live directions pull
        const TorchAnswer reference = torchEntropyGradient(z);
        const double difference = relativeMaxDifference(g.gradient, reference.gradient);
        QVERIFY2(difference < 1e-12, qPrintable(QString::number(difference)));
    }
};

QTEST_APPLESS_MAIN(TestEntropyGradient)
#include "tst_entropy_gradient.moc"
