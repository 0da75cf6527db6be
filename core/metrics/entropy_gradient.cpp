#include "metrics/entropy_gradient.h"

#include "compute/dense_product.h"
#include "compute/symmetric_eigen.h"

#include <cmath>
#include <limits>

namespace grokscope {

namespace {

// The floor's torch expression clamps p at this before its log
// (core/train/interventions.cpp); see the header for what that does to the gradient.
constexpr double kLogClamp = 1e-300;

}  // namespace

EntropyGradient spectralEntropyGradient(const Eigen::MatrixXd& representations)
{
    const Eigen::Index rows = representations.rows();
    const Eigen::Index dims = representations.cols();
    const double n = static_cast<double>(rows);
    EntropyGradient result;

    const Eigen::RowVectorXd mean = representations.colwise().mean();
    const Eigen::MatrixXd centred = representations.rowwise() - mean;
    // The same arithmetic as metrics/spectrum.cpp's representationCovariance.
    const Eigen::MatrixXd covariance = gram(centred) / n;
    const SymmetricEigen eigen = symmetricEigen(covariance, true);

    const Eigen::VectorXd clamped = eigen.values.cwiseMax(0.0);
    const double total = clamped.sum();
    if (dims < 2 || !(total > 0.0) || eigen.vectors.cols() != dims) {
        result.entropy = std::numeric_limits<double>::quiet_NaN();
        result.gradient = Eigen::MatrixXd::Constant(rows, dims, result.entropy);
        return result;
    }

    double entropy = 0.0;  // H, unnormalised
    for (Eigen::Index k = 0; k < dims; ++k) {
        const double p = clamped(k) / total;
        if (p > 0.0)
            entropy -= p * std::log(p);
    }
    const double logDims = std::log(static_cast<double>(dims));
    result.entropy = entropy / logDims;

    Eigen::VectorXd byEigenvalue(dims);  // dH̃/dλ
    for (Eigen::Index j = 0; j < dims; ++j) {
        const double p = clamped(j) / total;
        if (eigen.values(j) < 0.0)
            byEigenvalue(j) = 0.0;
        else if (p < kLogClamp)
            byEigenvalue(j) = -(std::log(kLogClamp) - 1.0 + entropy) / (total * logDims);
        else
            byEigenvalue(j) = -(std::log(p) + entropy) / (total * logDims);
    }
    const Eigen::MatrixXd& v = eigen.vectors;
    const Eigen::MatrixXd byCovariance = multiply(v * byEigenvalue.asDiagonal(), v.transpose());
    result.gradient = multiply(centred, byCovariance) * (2.0 / n);
    return result;
}

EntropyFloorPenaltyGradient entropyFloorPenaltyGradient(const Eigen::MatrixXd& representations, double target,
                                                        double weight)
{
    EntropyGradient entropy = spectralEntropyGradient(representations);
    EntropyFloorPenaltyGradient result;
    result.entropy = entropy.entropy;
    if (std::isnan(entropy.entropy)) {
        result.penalty = entropy.entropy;
        result.gradient = std::move(entropy.gradient);
        return result;
    }
    const double shortfall = target - entropy.entropy;
    if (shortfall > 0.0) {
        result.penalty = weight * shortfall;
        result.gradient = -weight * entropy.gradient;
    } else {
        result.penalty = 0.0;
        result.gradient = Eigen::MatrixXd::Zero(representations.rows(), representations.cols());
    }
    return result;
}

}  // namespace grokscope
