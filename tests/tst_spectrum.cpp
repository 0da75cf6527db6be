// Known answers for the spectral quantities (paper Eq. 1).

#include "metrics/spectrum.h"

#include <QtTest>
#include <cmath>
#include <random>

using namespace grokscope;

class TestSpectrum : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void identityCovarianceHasEntropyOne()
    {
        const std::vector<double> eigenvalues = descendingEigenvalues(Eigen::MatrixXd::Identity(128, 128));
        QCOMPARE(eigenvalues.size(), size_t(128));
        QVERIFY(std::abs(normalisedSpectralEntropy(eigenvalues) - 1.0) < 1e-12);
        QVERIFY(std::abs(effectiveRank(eigenvalues) - 128.0) < 1e-9);
    }

    void rankOneCovarianceHasEntropyZero()
    {
        Eigen::VectorXd u = Eigen::VectorXd::LinSpaced(64, 1.0, 2.0);
        const Eigen::MatrixXd rankOne = u * u.transpose();
        const auto eigenvalues = descendingEigenvalues(rankOne);
        QVERIFY(std::abs(normalisedSpectralEntropy(eigenvalues)) < 1e-9);
        QVERIFY(std::abs(effectiveRank(eigenvalues) - 1.0) < 1e-6);
    }

    void twoEqualDirectionsGiveLogTwoOverLogD()
    {
        std::vector<double> eigenvalues(16, 0.0);
        eigenvalues[0] = eigenvalues[1] = 3.5;
        QVERIFY(std::abs(normalisedSpectralEntropy(eigenvalues) - std::log(2.0) / std::log(16.0)) < 1e-12);
        QVERIFY(std::abs(effectiveRank(eigenvalues) - 2.0) < 1e-12);
    }

    void eigenvaluesAreDescendingAndExact()
    {
        Eigen::MatrixXd diagonal = Eigen::MatrixXd::Zero(4, 4);
        diagonal.diagonal() << 1.0, 4.0, 2.0, 3.0;
        const auto eigenvalues = descendingEigenvalues(diagonal);
        QCOMPARE(eigenvalues, (std::vector<double>{4.0, 3.0, 2.0, 1.0}));
    }

    void centringRemovesTheMean()
    {
        // Rows = isotropic noise + a large common offset. Centred: near-isotropic.
        // Uncentred: the offset dominates one direction and the entropy drops.
        std::mt19937 random(7);
        std::normal_distribution<double> normal;
        Eigen::MatrixXd z(4000, 8);
        for (int i = 0; i < z.rows(); ++i)
            for (int j = 0; j < z.cols(); ++j)
                z(i, j) = normal(random) + 10.0;
        const auto centred = summariseRepresentations(z, Centring::Centred);
        const auto uncentred = summariseRepresentations(z, Centring::Uncentred);
        QVERIFY(centred.entropy > 0.99);
        QVERIFY(uncentred.entropy < 0.2);
        // Uncentred covariance = centred + mean meanᵀ: its top eigenvalue ≈ 8 · 10².
        QVERIFY(std::abs(uncentred.eigenvalues[0] - 800.0) < 10.0);
    }

    void covarianceMatchesDefinition()
    {
        Eigen::MatrixXd z(3, 2);
        z << 1, 2, 3, 4, 5, 9;
        const Eigen::MatrixXd sigma = representationCovariance(z, Centring::Uncentred);
        QVERIFY(std::abs(sigma(0, 0) - (1 + 9 + 25) / 3.0) < 1e-12);
        QVERIFY(std::abs(sigma(0, 1) - (2 + 12 + 45) / 3.0) < 1e-12);
        const Eigen::MatrixXd centred = representationCovariance(z, Centring::Centred);
        QVERIFY(std::abs(centred(0, 0) - 8.0 / 3.0) < 1e-12);  // population variance of 1,3,5
    }

    void zeroSpectrumIsNotANumber()
    {
        QVERIFY(std::isnan(normalisedSpectralEntropy(std::vector<double>(8, 0.0))));
    }
};

QTEST_APPLESS_MAIN(TestSpectrum)
#include "tst_spectrum.moc"
