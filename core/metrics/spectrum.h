#pragma once
// Spectral quantities of the representation covariance (docs/science.md, "The quantity").
// Pure functions on Eigen matrices and plain vectors: they know nothing of models.

#include "compute/symmetric_eigen.h"
#include "config/train_config.h"

#include <Eigen/Core>
#include <vector>

namespace grokscope {

// Σ = (1/N) Σ_i z_i z_iᵀ over the N rows of `representations` (N×d), after
// subtracting the mean row when `centring` is Centred.
Eigen::MatrixXd representationCovariance(const Eigen::MatrixXd& representations, Centring centring);

// Eigenvalues of a symmetric matrix, descending, with round-off negatives clamped to 0.
std::vector<double> descendingEigenvalues(const Eigen::MatrixXd& symmetric);

// Every eigenvalue (ascending) of a symmetric matrix and the eigenvectors of the
// `leadingVectors` largest (columns, in the same order), for callers that need those
// directions as well: one decomposition then serves the spectrum (descendingEigenvalues
// of it) and the Fourier alignment.
using Eigensystem = SymmetricEigen;
Eigensystem decomposeSymmetric(const Eigen::MatrixXd& symmetric, int leadingVectors);
std::vector<double> descendingEigenvalues(const Eigensystem& eigensystem);

// H̃ = −Σ p_k log p_k / log d with p_k = λ_k / Σλ (paper Eq. 1); 0 log 0 = 0.
// 1 for an isotropic spectrum, 0 for rank one. Returns NaN for an all-zero spectrum.
double normalisedSpectralEntropy(const std::vector<double>& eigenvalues);

// exp(H) with the unnormalised entropy H: the number of equally strong directions.
double effectiveRank(const std::vector<double>& eigenvalues);

struct SpectrumSummary {
    std::vector<double> eigenvalues;  // descending
    double entropy = 0.0;             // H̃
    double effectiveRank = 0.0;
};

SpectrumSummary summariseRepresentations(const Eigen::MatrixXd& representations, Centring centring);
SpectrumSummary summariseEigenvalues(std::vector<double> descending);

}  // namespace grokscope
