#include "compute/dense_product.h"

#include "compute/sgemm.h"

#include <stdexcept>

// Resolved at load time when OpenBLAS is in the process (weak, as in sgemm.cpp).
extern "C" void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double* a, int lda,
                            double beta, double* c, int ldc) __attribute__((weak));

namespace grokscope {

// Column-major matrices read as row-major are their transposes, so the column-major
// C = op(a)·b is computed as the row-major Cᵀ = bᵀ·op(a)ᵀ.
void multiplyInto(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, Eigen::MatrixXd& c, bool transposeA)
{
    const Eigen::Index m = transposeA ? a.cols() : a.rows(), k = transposeA ? a.rows() : a.cols();
    if (b.rows() != k)
        throw std::invalid_argument("multiply: inner dimensions differ");
    c.resize(m, b.cols());
    if (c.size() == 0)
        return;
    if (k == 0) {
        c.setZero();
        return;
    }
    dgemm(Op::None, transposeA ? Op::Transpose : Op::None, b.cols(), m, k, 1.0, b.data(), b.rows(), a.data(),
          a.rows(), 0.0, c.data(), m);
}

Eigen::MatrixXd multiply(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, bool transposeA)
{
    Eigen::MatrixXd c;
    multiplyInto(a, b, c, transposeA);
    return c;
}

void gramInto(const Eigen::MatrixXd& a, Eigen::MatrixXd& c)
{
    if (!cblas_dsyrk || a.size() == 0) {
        multiplyInto(a, a, c, true);
        return;
    }
    constexpr int kColMajor = 102, kLower = 122, kTrans = 112;
    c.resize(a.cols(), a.cols());
    cblas_dsyrk(kColMajor, kLower, kTrans, int(a.cols()), int(a.rows()), 1.0, a.data(), int(a.rows()), 0.0, c.data(),
                int(c.rows()));
    c.triangularView<Eigen::StrictlyUpper>() = c.transpose();
}

Eigen::MatrixXd gram(const Eigen::MatrixXd& a)
{
    Eigen::MatrixXd c;
    gramInto(a, c);
    return c;
}

}  // namespace grokscope
