#include "compute/dense_product.h"

#include "compute/sgemm.h"

#include <stdexcept>

namespace grokscope {

// Column-major matrices read as row-major are their transposes, so the column-major
// C = op(a)·b is computed as the row-major Cᵀ = bᵀ·op(a)ᵀ.
Eigen::MatrixXd multiply(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, bool transposeA)
{
    const Eigen::Index m = transposeA ? a.cols() : a.rows(), k = transposeA ? a.rows() : a.cols();
    if (b.rows() != k)
        throw std::invalid_argument("multiply: inner dimensions differ");
    Eigen::MatrixXd c(m, b.cols());
    if (c.size() == 0)
        return c;
    if (k == 0) {
        c.setZero();
        return c;
    }
    dgemm(Op::None, transposeA ? Op::Transpose : Op::None, b.cols(), m, k, 1.0, b.data(), b.rows(), a.data(),
          a.rows(), 0.0, c.data(), m);
    return c;
}

}  // namespace grokscope
