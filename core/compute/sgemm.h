#pragma once
// Row-major GEMM, C = alpha·op(A)·op(B) + beta·C, single-threaded, in float (the
// training step) and double (the metrics). Calls OpenBLAS's cblas_sgemm/cblas_dgemm
// when the process has them (LibTorch loads OpenBLAS on Debian); otherwise Eigen.
// Threads come from the caller (WorkerPool), never from the BLAS.

#include <cstdint>

namespace grokscope {

enum class Op { None, Transpose };

void sgemm(Op opA, Op opB, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void dgemm(Op opA, Op opB, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
           const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// Whether sgemm() goes to an optimised BLAS (for the benchmark's report). dgemm() uses
// cblas_dgemm from the same library when it is there.
bool sgemmUsesBlas();

}  // namespace grokscope
