#include "metrics/entropy_gradient.h"

#include "compute/dense_product.h"
#include "compute/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace grokscope {

namespace {

// The floor's torch expression clamps p at this before its log (the header says which
// expression, and what the clamp does to the gradient).
constexpr double kLogClamp = 1e-300;

// H̃ and dH̃/dZ into `gradient`; the header has the formulas. With `gradientScale`
// the gradient comes out multiplied by it (the floor's −w), without a second pass.
// When H̃ ≥ `gradientBelow` the gradient is not computed (the floor is slack).
double spectralEntropyGradient(const Eigen::MatrixXd& representations, EntropyGradientWorkspace& w,
                               Eigen::MatrixXd& gradient, double gradientScale,
                               double gradientBelow = std::numeric_limits<double>::infinity())
{
    const Eigen::Index rows = representations.rows();
    const Eigen::Index dims = representations.cols();
    const double n = static_cast<double>(rows);

    w.centred.noalias() = representations.rowwise() - representations.colwise().mean();
    // The same arithmetic as metrics/spectrum.cpp's representationCovariance.
    gramInto(w.centred, w.covariance);
    w.covariance /= n;
    symmetricEigenInPlace(w.covariance, w.values, w.eigen);  // covariance now holds the vectors
    const Eigen::MatrixXd& v = w.covariance;

    double total = 0.0;
    for (Eigen::Index k = 0; k < dims; ++k)
        total += std::max(w.values(k), 0.0);
    if (dims < 2 || !(total > 0.0)) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        gradient.setConstant(rows, dims, nan);
        return nan;
    }

    double entropy = 0.0;  // H, unnormalised
    for (Eigen::Index k = 0; k < dims; ++k) {
        const double p = std::max(w.values(k), 0.0) / total;
        if (p > 0.0)
            entropy -= p * std::log(p);
    }
    const double logDims = std::log(static_cast<double>(dims));
    if (!(entropy / logDims < gradientBelow))
        return entropy / logDims;

    w.scaledVectors.resize(dims, dims);  // V diag(dH̃/dλ)
    for (Eigen::Index j = 0; j < dims; ++j) {
        const double p = std::max(w.values(j), 0.0) / total;
        double byEigenvalue;
        if (w.values(j) < 0.0)
            byEigenvalue = 0.0;
        else if (p < kLogClamp)
            byEigenvalue = -(std::log(kLogClamp) - 1.0 + entropy) / (total * logDims);
        else
            byEigenvalue = -(std::log(p) + entropy) / (total * logDims);
        w.scaledVectors.col(j) = v.col(j) * (byEigenvalue * gradientScale);
    }
    w.vectorsTransposed.noalias() = v.transpose();
    multiplyInto(w.scaledVectors, w.vectorsTransposed, w.byCovariance);
    multiplyInto(w.centred, w.byCovariance, gradient);
    gradient *= 2.0 / n;
    return entropy / logDims;
}

}  // namespace

EntropyGradient spectralEntropyGradient(const Eigen::MatrixXd& representations)
{
    EntropyGradientWorkspace workspace;
    EntropyGradient result;
    result.entropy = spectralEntropyGradient(representations, workspace, result.gradient, 1.0);
    return result;
}

void entropyFloorPenaltyGradient(const Eigen::MatrixXd& representations, double target, double weight,
                                 EntropyGradientWorkspace& workspace, EntropyFloorPenaltyGradient& result)
{
    result.entropy = spectralEntropyGradient(representations, workspace, result.gradient, -weight, target);
    if (std::isnan(result.entropy))
        result.penalty = result.entropy;
    else
        result.penalty = target > result.entropy ? weight * (target - result.entropy) : 0.0;
}

EntropyFloorPenaltyGradient entropyFloorPenaltyGradient(const Eigen::MatrixXd& representations, double target,
                                                        double weight)
{
    EntropyGradientWorkspace workspace;
    EntropyFloorPenaltyGradient result;
    entropyFloorPenaltyGradient(representations, target, weight, workspace, result);
    if (result.penalty == 0.0)
        result.gradient = Eigen::MatrixXd::Zero(representations.rows(), representations.cols());
    return result;
}

}  // namespace grokscope
