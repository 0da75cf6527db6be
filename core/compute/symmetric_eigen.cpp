#include "compute/symmetric_eigen.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

// Resolved at load time when a LAPACK is in the process (weak, like cblas_sgemm in
// sgemm.cpp); null otherwise. The two trailing arguments are the lengths of the
// character arguments, which gfortran-built LAPACKs take as hidden parameters.
extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t jobzLength,
                        size_t uploLength) __attribute__((weak));
extern "C" void dsytrd_(const char* uplo, const int* n, double* a, const int* lda, double* d, double* e, double* tau,
                        double* work, const int* lwork, int* info, size_t uploLength) __attribute__((weak));
extern "C" void dsterf_(const int* n, double* d, double* e, int* info) __attribute__((weak));
extern "C" void dstein_(const int* n, const double* d, const double* e, const int* m, const double* w,
                        const int* iblock, const int* isplit, double* z, const int* ldz, double* work, int* iwork,
                        int* ifail, int* info) __attribute__((weak));
extern "C" void dormtr_(const char* side, const char* uplo, const char* trans, const int* m, const int* n,
                        const double* a, const int* lda, const double* tau, double* c, const int* ldc, double* work,
                        const int* lwork, int* info, size_t sideLength, size_t uploLength, size_t transLength)
    __attribute__((weak));

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

bool tridiagonalSolversAvailable() { return dsytrd_ && dsterf_ && dstein_ && dormtr_; }

// Whether dstebz would split T between rows j − 1 and j: e² ≤ |d_{j−1}·d_j|·ulp² + tiny.
// dstein wants the blocks then; this path gives way to dsyevd instead.
bool tridiagonalSplits(const Eigen::VectorXd& d, const Eigen::VectorXd& e)
{
    const double ulp = std::numeric_limits<double>::epsilon(), tiny = std::numeric_limits<double>::min();
    for (Eigen::Index j = 1; j < d.size(); ++j)
        if (e(j - 1) * e(j - 1) <= std::abs(d(j - 1) * d(j)) * ulp * ulp + tiny)
            return true;
    return false;
}

std::optional<SymmetricEigen> leadingWithLapack(const Eigen::MatrixXd& symmetric, int leading)
{
    const int n = int(symmetric.rows());
    if (n < 2 || !tridiagonalSolversAvailable())
        return std::nullopt;
    Eigen::MatrixXd a = symmetric;  // overwritten by the reflectors that make T
    Eigen::VectorXd d(n), e(n - 1), tau(n - 1);
    int info = 0, lwork = -1;
    double workSize = 0.0;
    dsytrd_("L", &n, a.data(), &n, d.data(), e.data(), tau.data(), &workSize, &lwork, &info, 1);
    if (info != 0)
        return std::nullopt;
    std::vector<double> work(static_cast<size_t>(std::max({int(workSize), 5 * n, n * leading})));
    lwork = int(work.size());
    dsytrd_("L", &n, a.data(), &n, d.data(), e.data(), tau.data(), work.data(), &lwork, &info, 1);
    if (info != 0 || tridiagonalSplits(d, e))
        return std::nullopt;
    Eigen::VectorXd values = d, scratch = e;
    dsterf_(&n, values.data(), scratch.data(), &info);  // ascending
    if (info != 0)
        return std::nullopt;
    const Eigen::VectorXd wanted = values.tail(leading);
    std::vector<int> block(static_cast<size_t>(leading), 1), split{n}, iwork(static_cast<size_t>(n)),
        failed(static_cast<size_t>(leading));
    Eigen::MatrixXd vectors(n, leading);
    dstein_(&n, d.data(), e.data(), &leading, wanted.data(), block.data(), split.data(), vectors.data(), &n,
            work.data(), iwork.data(), failed.data(), &info);
    if (info != 0)
        return std::nullopt;
    // Query the back-transformation's workspace, then apply Q to the vectors of T.
    lwork = -1;
    dormtr_("L", "L", "N", &n, &leading, a.data(), &n, tau.data(), vectors.data(), &n, &workSize, &lwork, &info, 1, 1,
            1);
    if (info != 0)
        return std::nullopt;
    if (int(workSize) > int(work.size()))
        work.resize(static_cast<size_t>(workSize));
    lwork = int(work.size());
    dormtr_("L", "L", "N", &n, &leading, a.data(), &n, tau.data(), vectors.data(), &n, work.data(), &lwork, &info, 1,
            1, 1);
    if (info != 0)
        return std::nullopt;
    SymmetricEigen result;
    result.values = std::move(values);
    result.vectors = std::move(vectors);
    return result;
}

SymmetricEigenPath defaultPath()
{
    static const SymmetricEigenPath path = symmetricEigenPathAvailable(SymmetricEigenPath::Lapack)
                                               ? SymmetricEigenPath::Lapack
                                               : SymmetricEigenPath::Eigen;
    return path;
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
    return symmetricEigen(defaultPath(), symmetric, withVectors);
}

void symmetricEigenInPlace(Eigen::MatrixXd& matrix, Eigen::VectorXd& values, SymmetricEigenWorkspace& workspace)
{
    if (matrix.rows() != matrix.cols())
        throw std::invalid_argument("symmetricEigen: the matrix is not square");
    const int n = int(matrix.rows());
    if (defaultPath() == SymmetricEigenPath::Lapack && n > 0 && matrix.allFinite()) {
        int info = 0;
        values.resize(n);
        if (workspace.size != n) {
            int lwork = -1, liwork = -1, iworkSize = 0;
            double workSize = 0.0;
            dsyevd_("V", "L", &n, matrix.data(), &n, values.data(), &workSize, &lwork, &iworkSize, &liwork, &info, 1,
                    1);
            if (info == 0) {
                workspace.work.resize(static_cast<size_t>(workSize));
                workspace.iwork.resize(static_cast<size_t>(iworkSize));
                workspace.size = n;
            }
        }
        if (info == 0) {
            const int lwork = int(workspace.work.size()), liwork = int(workspace.iwork.size());
            workspace.input = matrix;
            dsyevd_("V", "L", &n, matrix.data(), &n, values.data(), workspace.work.data(), &lwork,
                    workspace.iwork.data(), &liwork, &info, 1, 1);
            if (info == 0)
                return;
            matrix = workspace.input;
        }
    }
    SymmetricEigen e = withEigen(matrix, true);
    values = std::move(e.values);
    matrix = std::move(e.vectors);
}

SymmetricEigen symmetricEigenLeading(SymmetricEigenPath path, const Eigen::MatrixXd& symmetric, int leading)
{
    if (leading < 0)
        throw std::invalid_argument("symmetricEigenLeading: a negative number of vectors");
    const int n = int(symmetric.rows());
    leading = std::min(leading, n);
    if (leading == 0)
        return symmetricEigen(path, symmetric, false);
    if (path == SymmetricEigenPath::Lapack && leading < n && symmetric.rows() == symmetric.cols()
        && symmetric.allFinite())
        if (std::optional<SymmetricEigen> e = leadingWithLapack(symmetric, leading))
            return std::move(*e);
    SymmetricEigen all = symmetricEigen(path, symmetric, true);
    all.vectors = all.vectors.rightCols(leading).eval();
    return all;
}

SymmetricEigen symmetricEigenLeading(const Eigen::MatrixXd& symmetric, int leading)
{
    return symmetricEigenLeading(defaultPath(), symmetric, leading);
}

}  // namespace grokscope
