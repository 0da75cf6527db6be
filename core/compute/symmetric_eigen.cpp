#include "compute/symmetric_eigen.h"

#include <Eigen/Eigenvalues>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <vector>

// Resolved at load time when a LAPACK is in the process (weak, like cblas_sgemm in
// sgemm.cpp); null otherwise. The two trailing arguments are the lengths of the
// character arguments, which gfortran-built LAPACKs take as hidden parameters.
extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t jobzLength,
                        size_t uploLength) __attribute__((weak));

namespace grokscope {

namespace {

SymmetricEigen withEigen(const Eigen::MatrixXd& symmetric, bool withVectors)
{
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(
        symmetric, withVectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    SymmetricEigen e;
    e.values = solver.eigenvalues();
    if (withVectors)
        e.vectors = solver.eigenvectors();
    return e;
}

std::optional<SymmetricEigen> withLapack(const Eigen::MatrixXd& symmetric, bool withVectors)
{
    const int n = int(symmetric.rows());
    if (n == 0)
        return std::nullopt;
    Eigen::MatrixXd a = symmetric;  // overwritten by the eigenvectors
    Eigen::VectorXd w(n);
    const char* job = withVectors ? "V" : "N";
    int info = 0, lwork = -1, liwork = -1, iworkSize = 0;
    double workSize = 0.0;
    dsyevd_(job, "L", &n, a.data(), &n, w.data(), &workSize, &lwork, &iworkSize, &liwork, &info, 1, 1);
    if (info != 0)
        return std::nullopt;
    lwork = int(workSize);
    liwork = iworkSize;
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(liwork));
    dsyevd_(job, "L", &n, a.data(), &n, w.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
    if (info != 0)
        return std::nullopt;
    SymmetricEigen e;
    e.values = std::move(w);
    if (withVectors)
        e.vectors = std::move(a);
    return e;
}

}  // namespace

bool symmetricEigenPathAvailable(SymmetricEigenPath path)
{
    return path == SymmetricEigenPath::Eigen || dsyevd_ != nullptr;
}

SymmetricEigen symmetricEigen(SymmetricEigenPath path, const Eigen::MatrixXd& symmetric, bool withVectors)
{
    if (symmetric.rows() != symmetric.cols())
        throw std::invalid_argument("symmetricEigen: the matrix is not square");
    if (!symmetricEigenPathAvailable(path))
        throw std::invalid_argument("symmetricEigen: no LAPACK in this process");
    if (path == SymmetricEigenPath::Lapack && symmetric.allFinite())
        if (std::optional<SymmetricEigen> e = withLapack(symmetric, withVectors))
            return std::move(*e);
    return withEigen(symmetric, withVectors);
}

SymmetricEigen symmetricEigen(const Eigen::MatrixXd& symmetric, bool withVectors)
{
    static const SymmetricEigenPath path = symmetricEigenPathAvailable(SymmetricEigenPath::Lapack)
                                               ? SymmetricEigenPath::Lapack
                                               : SymmetricEigenPath::Eigen;
    return symmetricEigen(path, symmetric, withVectors);
}

}  // namespace grokscope
