#pragma once
// Double-precision matrix products of Eigen matrices through dgemm (OpenBLAS when the
// process has it). This build compiles Eigen for SSE2; at the metrics' sizes (512 × 128
// by 128) its own product ran 5x slower than the BLAS, which dispatches to the CPU.

#include <Eigen/Core>

namespace grokscope {

// aᵀ·b when `transposeA`, else a·b.
Eigen::MatrixXd multiply(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, bool transposeA = false);

// aᵀ·a, symmetric: half the products of multiply(a, a, true) (dsyrk), mirrored.
Eigen::MatrixXd gram(const Eigen::MatrixXd& a);

// The same into `c`, resized only when its shape differs: for callers that keep their
// storage from call to call (the entropy floor runs once per training step). `c` must
// not alias the operands.
void multiplyInto(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, Eigen::MatrixXd& c, bool transposeA = false);
void gramInto(const Eigen::MatrixXd& a, Eigen::MatrixXd& c);

}  // namespace grokscope
