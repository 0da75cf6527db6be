#pragma once
// The normalised spectral entropy H̃ of a batch's representations (docs/science.md,
// "The quantity") together with its gradient with respect to those representations, in
// closed form from one eigendecomposition: what the entropy floor (docs/science.md,
// "Interventions") needs without differentiating an eigensolver by autograd.
//
// Z is B × d (rows are examples), Z_c = Z − mean row, C = (1/B) Z_cᵀ Z_c with eigenvalues
// λ_k (clamped at 0, as metrics/spectrum.cpp does) and orthonormal eigenvectors V.
// S = Σλ, p = λ / S, H = −Σ p log p (0 log 0 = 0), H̃ = H / log d.
//
//   dH̃/dp_k = −(log p_k + 1) / log d, and p_k = λ_k / S gives
//   dH̃/dλ_j = Σ_k dH̃/dp_k (δ_jk − p_k) / S = −(log p_j + H) / (S log d).
//   dH̃/dC  = V diag(dH̃/dλ) Vᵀ: a simple eigenvalue's derivative with respect to a
//            symmetric C is v vᵀ; within a repeated eigenvalue dH̃/dλ is equal, so the
//            sum does not depend on which basis of that eigenspace V holds.
//   dH̃/dZ_c = (2/B) Z_c (dH̃/dC), C being symmetric in Z_c.
//   dH̃/dZ  = dH̃/dZ_c − (1/B) 1 1ᵀ dH̃/dZ_c, and the centring's term vanishes because
//            1ᵀ Z_c = 0: the columns of Z_c sum to zero.
//
// An eigenvalue with p_j = 0 has an infinite derivative (the entropy rises steeply as an
// empty direction fills). These functions give what autograd gives for the torch
// expression the floor was first written as (kept as the reference in
// tests/tst_entropy_gradient.cpp: eigvalsh(C).clamp_min(0), p log(p.clamp_min(1e-300))),
// so that the switch to the closed form changed no gradient beyond round-off:
//   - an eigenvalue the solver returned negative (round-off) is clamped to 0 and gets
//     derivative 0 (clamp_min passes no gradient below its minimum);
//   - an eigenvalue ≥ 0 whose p_j is below 1e-300 (exactly 0, in practice) gets
//     −(log 1e-300 − 1 + H) / (S log d): the log is taken at the clamp, and the "+ 1"
//     of d(p log p)/dp is missing because the clamp passes no gradient to the log;
//   - the rest get the formula above.
// For dH̃/dZ the first two choices matter only in being finite: λ_j = |Z_c v_j|² / B, so
// a zero (or round-off) eigenvalue's eigenvector has Z_c v_j ≈ 0 and its term
// (2/B) Z_c v_j v_jᵀ dH̃/dλ_j vanishes; an infinite dH̃/dλ_j would make it NaN instead.
// A spectrum with S = 0, or d < 2, has no entropy: H̃ and every gradient entry are NaN
// (as autograd's would be); the caller decides what a step does with that.
//
// The eigendecomposition is compute/symmetric_eigen.h's symmetricEigen (LAPACK dsyevd
// where the process has it, else Eigen), the one metrics/spectrum.cpp's
// summariseRepresentations uses for its eigenvalues, so H̃ matches that metric.

#include "compute/symmetric_eigen.h"

#include <Eigen/Core>

namespace grokscope {

struct EntropyGradient {
    double entropy = 0.0;      // H̃
    Eigen::MatrixXd gradient;  // dH̃/dZ, B × d
};

EntropyGradient spectralEntropyGradient(const Eigen::MatrixXd& representations);

// The floor's penalty w · max(0, target − H̃) and its gradient with respect to Z:
// −w · dH̃/dZ while H̃ < target, zero once H̃ ≥ target. (At H̃ exactly equal to the
// target autograd's clamp_min(0) would still pass −w · dH̃/dZ; a tie of two doubles
// computed differently is not worth matching.)
struct EntropyFloorPenaltyGradient {
    double entropy = 0.0;      // H̃
    double penalty = 0.0;
    Eigen::MatrixXd gradient;  // d penalty / dZ, B × d
};

EntropyFloorPenaltyGradient entropyFloorPenaltyGradient(const Eigen::MatrixXd& representations, double target,
                                                        double weight);

// The same computation on storage kept from call to call: the floor runs it every
// training step, and at 512 × 128 fresh half-megabyte matrices cost page faults on
// every call. `result.gradient` is written only where the penalty is not zero.
struct EntropyGradientWorkspace {
    Eigen::MatrixXd centred, covariance, scaledVectors, vectorsTransposed, byCovariance;
    Eigen::VectorXd values;
    SymmetricEigenWorkspace eigen;
};
void entropyFloorPenaltyGradient(const Eigen::MatrixXd& representations, double target, double weight,
                                 EntropyGradientWorkspace& workspace, EntropyFloorPenaltyGradient& result);

}  // namespace grokscope
