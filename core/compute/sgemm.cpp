#include "compute/sgemm.h"

#include <Eigen/Core>

// Resolved at load time when libopenblas.so.0 is in the process, as it is wherever
// Debian's LibTorch is; null otherwise (weak), and then Eigen does the product.
extern "C" void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc) __attribute__((weak));
extern "C" void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, const double* a,
                            int lda, const double* b, int ldb, double beta, double* c, int ldc) __attribute__((weak));

namespace grokscope {

namespace {

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

template <typename T>
void eigenGemm(Op opA, Op opB, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc)
{
    using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ConstMap = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
    using Map = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;
    Map cMap(c, m, n, Eigen::OuterStride<>(ldc));
    if (beta == T(0))
        cMap.setZero();
    else if (beta != T(1))
        cMap *= beta;
    if (k == 0)
        return;
    const ConstMap aMap(a, opA == Op::None ? m : k, opA == Op::None ? k : m, Eigen::OuterStride<>(lda));
    const ConstMap bMap(b, opB == Op::None ? k : n, opB == Op::None ? n : k, Eigen::OuterStride<>(ldb));
    if (opA == Op::None && opB == Op::None)
        cMap.noalias() += alpha * aMap * bMap;
    else if (opA == Op::None)
        cMap.noalias() += alpha * aMap * bMap.transpose();
    else if (opB == Op::None)
        cMap.noalias() += alpha * aMap.transpose() * bMap;
    else
        cMap.noalias() += alpha * aMap.transpose() * bMap.transpose();
}

template <typename T, typename Blas>
void gemm(Blas blas, Op opA, Op opB, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc)
{
    if (m == 0 || n == 0)
        return;
    // BLAS leaves C·beta untouched for k = 0 only by convention; do it explicitly.
    if (!blas || k == 0) {
        eigenGemm(opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    blas(kRowMajor, opA == Op::None ? kNoTrans : kTrans, opB == Op::None ? kNoTrans : kTrans, int(m), int(n), int(k),
         alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

}  // namespace

void sgemm(Op opA, Op opB, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc)
{
    gemm(cblas_sgemm, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void dgemm(Op opA, Op opB, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
           const double* b, int64_t ldb, double beta, double* c, int64_t ldc)
{
    gemm(cblas_dgemm, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool sgemmUsesBlas() { return cblas_sgemm != nullptr; }

}  // namespace grokscope
