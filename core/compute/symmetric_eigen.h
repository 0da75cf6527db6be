#pragma once
// Eigenvalues and eigenvectors of a symmetric matrix (the spectrum's covariance, d × d)
// through LAPACK's dsyevd when the process has it (OpenBLAS's, as wherever Debian's
// LibTorch is): at d = 128 it ran 1.5–2.5x faster than Eigen's solver, which this build
// compiles for SSE2. Eigen's SelfAdjointEigenSolver otherwise.

#include <Eigen/Core>

#include <vector>

namespace grokscope {

struct SymmetricEigen {
    Eigen::VectorXd values;   // ascending
    // Orthonormal columns for the last vectors.cols() values, in their order: all of
    // them, the leading ones only (symmetricEigenLeading) or none.
    Eigen::MatrixXd vectors;
};

enum class SymmetricEigenPath { Lapack, Eigen };
bool symmetricEigenPathAvailable(SymmetricEigenPath path);

// Reads the lower triangle. A matrix with a non-finite entry, or one LAPACK reports it
// could not decompose, goes to Eigen, whose answers (NaN eigenvalues) the callers handle.
SymmetricEigen symmetricEigen(const Eigen::MatrixXd& symmetric, bool withVectors);
SymmetricEigen symmetricEigen(SymmetricEigenPath path, const Eigen::MatrixXd& symmetric, bool withVectors);

// symmetricEigen(symmetric, true) into storage the caller keeps from call to call (the
// entropy floor decomposes a covariance every training step): `matrix` (symmetric; its
// lower triangle is read) is overwritten by the eigenvectors, `values` by the
// eigenvalues, with the same bits as symmetricEigen. After the first call at a size,
// nothing is allocated on the LAPACK path.
struct SymmetricEigenWorkspace {
    int size = -1;  // the n the work arrays were sized for
    std::vector<double> work;
    std::vector<int> iwork;
    Eigen::MatrixXd input;  // the matrix, for Eigen's solver should dsyevd fail (it overwrites its input)
};
void symmetricEigenInPlace(Eigen::MatrixXd& matrix, Eigen::VectorXd& values, SymmetricEigenWorkspace& workspace);

// Every eigenvalue, and the eigenvectors of the `leading` largest only: `vectors` is
// n × min(leading, n), its column j belonging to values(n − leading + j). LAPACK takes
// the tridiagonal form (dsytrd), all its eigenvalues (dsterf), the leading vectors by
// inverse iteration (dstein) and back (dormtr): at d = 128 with 8 vectors, about half
// the time of dsyevd with all of them. Where the tridiagonal form splits into blocks
// or an inverse iteration does not converge, all vectors are computed and the leading
// ones kept.
SymmetricEigen symmetricEigenLeading(const Eigen::MatrixXd& symmetric, int leading);
SymmetricEigen symmetricEigenLeading(SymmetricEigenPath path, const Eigen::MatrixXd& symmetric, int leading);

}  // namespace grokscope
