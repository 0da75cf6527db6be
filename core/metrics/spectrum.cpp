#include "metrics/spectrum.h"

#include "compute/dense_product.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace grokscope {

Eigen::MatrixXd representationCovariance(const Eigen::MatrixXd& representations, Centring centring)
{
    const double n = static_cast<double>(representations.rows());
    if (centring == Centring::Centred) {
        const Eigen::RowVectorXd mean = representations.colwise().mean();
        const Eigen::MatrixXd centred = representations.rowwise() - mean;
        return gram(centred) / n;
    }
    return gram(representations) / n;
}

namespace {

std::vector<double> descendingClamped(const Eigen::VectorXd& ascending)
{
    std::vector<double> values(ascending.data(), ascending.data() + ascending.size());
    std::reverse(values.begin(), values.end());
    for (double& v : values)
        v = std::max(v, 0.0);
    return values;
}

}  // namespace

std::vector<double> descendingEigenvalues(const Eigen::MatrixXd& symmetric)
{
    return descendingClamped(symmetricEigen(symmetric, false).values);
}

Eigensystem decomposeSymmetric(const Eigen::MatrixXd& symmetric, int leadingVectors)
{
    return symmetricEigenLeading(symmetric, leadingVectors);
}

std::vector<double> descendingEigenvalues(const Eigensystem& eigensystem)
{
    return descendingClamped(eigensystem.values);
}

namespace {

double unnormalisedEntropy(const std::vector<double>& eigenvalues)
{
    double total = 0.0;
    for (double v : eigenvalues)
        total += v;
    if (!(total > 0.0))
        return std::numeric_limits<double>::quiet_NaN();
    double entropy = 0.0;
    for (double v : eigenvalues) {
        const double p = v / total;
        if (p > 0.0)
            entropy -= p * std::log(p);
    }
    return entropy;
}

}  // namespace

double normalisedSpectralEntropy(const std::vector<double>& eigenvalues)
{
    if (eigenvalues.size() < 2)
        return std::numeric_limits<double>::quiet_NaN();
    return unnormalisedEntropy(eigenvalues) / std::log(static_cast<double>(eigenvalues.size()));
}

double effectiveRank(const std::vector<double>& eigenvalues)
{
    return std::exp(unnormalisedEntropy(eigenvalues));
}

SpectrumSummary summariseRepresentations(const Eigen::MatrixXd& representations, Centring centring)
{
    return summariseEigenvalues(descendingEigenvalues(representationCovariance(representations, centring)));
}

SpectrumSummary summariseEigenvalues(std::vector<double> descending)
{
    SpectrumSummary summary;
    summary.eigenvalues = std::move(descending);
    summary.entropy = normalisedSpectralEntropy(summary.eigenvalues);
    summary.effectiveRank = effectiveRank(summary.eigenvalues);
    return summary;
}

}  // namespace grokscope
