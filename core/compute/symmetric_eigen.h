#pragma once
// Eigenvalues and eigenvectors of a symmetric matrix (the spectrum's covariance, d × d)
// through LAPACK's dsyevd when the process has it (OpenBLAS's, as wherever Debian's
// LibTorch is): at d = 128 it ran 1.5–2.5x faster than Eigen's solver, which this build
// compiles for SSE2. Eigen's SelfAdjointEigenSolver otherwise.

#include <Eigen/Core>

namespace grokscope {

struct SymmetricEigen {
    Eigen::VectorXd values;   // ascending
    Eigen::MatrixXd vectors;  // orthonormal columns, in the values' order; empty without vectors
};

enum class SymmetricEigenPath { Lapack, Eigen };
bool symmetricEigenPathAvailable(SymmetricEigenPath path);

// Reads the lower triangle. A matrix with a non-finite entry, or one LAPACK reports it
// could not decompose, goes to Eigen, whose answers (NaN eigenvalues) the callers handle.
SymmetricEigen symmetricEigen(const Eigen::MatrixXd& symmetric, bool withVectors);
SymmetricEigen symmetricEigen(SymmetricEigenPath path, const Eigen::MatrixXd& symmetric, bool withVectors);

}  // namespace grokscope
