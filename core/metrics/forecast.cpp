#include "metrics/forecast.h"

#include <Eigen/Core>
#include <unsupported/Eigen/NonLinearOptimization>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace grokscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kParameterCount = 3;  // log C₁, γ, C₂

struct GapSample {
    double gap = 0.0;        // H̃ − H̃* > 0
    double stepsLeft = 0.0;  // ΔT = T_grok − t
};

// Residuals r_i = e^a g_i^γ + C₂ − ΔT_i over x = (a, γ, C₂), a = log C₁, in the shape
// Eigen's MINPACK port expects; the Jacobian columns are
// ∂r/∂a = e^a g^γ, ∂r/∂γ = e^a g^γ log g, ∂r/∂C₂ = 1.
struct PowerLawResiduals {
    const std::vector<GapSample>& samples;

    int values() const { return static_cast<int>(samples.size()); }

    int operator()(const Eigen::VectorXd& x, Eigen::VectorXd& residuals) const
    {
        const double c1 = std::exp(x[0]);
        for (std::size_t i = 0; i < samples.size(); ++i)
            residuals[Eigen::Index(i)] = c1 * std::pow(samples[i].gap, x[1]) + x[2] - samples[i].stepsLeft;
        // A negative return stops the minimiser (status UserAsked) instead of feeding
        // it overflowed residuals.
        return residuals.allFinite() ? 0 : -1;
    }

    int df(const Eigen::VectorXd& x, Eigen::MatrixXd& jacobian) const
    {
        const double c1 = std::exp(x[0]);
        for (std::size_t i = 0; i < samples.size(); ++i) {
            const Eigen::Index row = Eigen::Index(i);
            const double term = c1 * std::pow(samples[i].gap, x[1]);
            jacobian(row, 0) = term;
            jacobian(row, 1) = term * std::log(samples[i].gap);
            jacobian(row, 2) = 1.0;
        }
        return jacobian.allFinite() ? 0 : -1;
    }
};

Eigen::VectorXd initialParameters(const std::vector<GapSample>& samples)
{
    // log ΔT = log C₁ + γ log g, by ordinary least squares, with C₂ = 0.
    std::vector<double> logGap;
    std::vector<double> logSteps;
    for (const GapSample& sample : samples) {
        if (sample.stepsLeft > 0.0) {
            logGap.push_back(std::log(sample.gap));
            logSteps.push_back(std::log(sample.stepsLeft));
        }
    }
    Eigen::VectorXd x(kParameterCount);
    if (logGap.size() >= 2) {
        const double n = static_cast<double>(logGap.size());
        double meanX = 0.0;
        double meanY = 0.0;
        for (std::size_t i = 0; i < logGap.size(); ++i) {
            meanX += logGap[i] / n;
            meanY += logSteps[i] / n;
        }
        double sxx = 0.0;
        double sxy = 0.0;
        for (std::size_t i = 0; i < logGap.size(); ++i) {
            sxx += (logGap[i] - meanX) * (logGap[i] - meanX);
            sxy += (logGap[i] - meanX) * (logSteps[i] - meanY);
        }
        if (sxx > 0.0) {
            const double gamma = sxy / sxx;
            x << meanY - gamma * meanX, gamma, 0.0;
            return x;
        }
    }
    double meanGap = 0.0;
    double meanSteps = 0.0;
    for (const GapSample& sample : samples) {
        meanGap += sample.gap;
        meanSteps += sample.stepsLeft;
    }
    const double scale = meanSteps > 0.0 ? meanSteps / meanGap : 1.0;
    x << std::log(scale), 1.0, 0.0;
    return x;
}

bool isConvergedStatus(Eigen::LevenbergMarquardtSpace::Status status)
{
    using namespace Eigen::LevenbergMarquardtSpace;
    switch (status) {
    case RelativeReductionTooSmall:
    case RelativeErrorTooSmall:
    case RelativeErrorAndReductionTooSmall:
    case CosinusTooSmall:
    case FtolTooSmall:
    case XtolTooSmall:
    case GtolTooSmall:
        return true;
    default:
        return false;
    }
}

double standardNormalCdf(double z)
{
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

}  // namespace

ForecastFit fitGrokForecast(const std::vector<ForecastPoint>& points, double entropyThreshold,
                            const ForecastFitOptions& options)
{
    ForecastFit fit;
    fit.entropyThreshold = entropyThreshold;

    std::vector<GapSample> samples;
    for (const ForecastPoint& point : points) {
        if (point.entropy > entropyThreshold)
            samples.push_back({point.entropy - entropyThreshold, point.grokStep - point.step});
    }
    fit.pointCount = samples.size();
    if (samples.size() < std::size_t(kParameterCount)) {
        fit.c1 = fit.gamma = fit.c2 = fit.rSquared = fit.residualSdSteps = kNaN;
        return fit;
    }

    Eigen::VectorXd x = initialParameters(samples);
    PowerLawResiduals residuals{samples};
    Eigen::LevenbergMarquardt<PowerLawResiduals> minimiser(residuals);
    minimiser.parameters.maxfev = options.maxFunctionEvaluations;
    minimiser.parameters.ftol = options.relativeTolerance;
    minimiser.parameters.xtol = options.relativeTolerance;
    const Eigen::LevenbergMarquardtSpace::Status status = minimiser.minimize(x);

    fit.c1 = std::exp(x[0]);
    fit.gamma = x[1];
    fit.c2 = x[2];
    fit.converged = isConvergedStatus(status) && std::isfinite(fit.c1) && x.allFinite();

    double meanSteps = 0.0;
    for (const GapSample& sample : samples)
        meanSteps += sample.stepsLeft / static_cast<double>(samples.size());
    double residualSquares = 0.0;
    double totalSquares = 0.0;
    for (const GapSample& sample : samples) {
        const double predicted = fit.c1 * std::pow(sample.gap, fit.gamma) + fit.c2;
        residualSquares += (predicted - sample.stepsLeft) * (predicted - sample.stepsLeft);
        totalSquares += (sample.stepsLeft - meanSteps) * (sample.stepsLeft - meanSteps);
    }
    fit.rSquared = totalSquares > 0.0 ? 1.0 - residualSquares / totalSquares : kNaN;
    fit.residualSdSteps = samples.size() > std::size_t(kParameterCount)
        ? std::sqrt(residualSquares / static_cast<double>(samples.size() - kParameterCount))
        : kNaN;
    return fit;
}

double predictGrokStep(const ForecastFit& fit, double step, double entropy)
{
    const double gap = entropy - fit.entropyThreshold;
    if (!(gap > 0.0))
        return step + fit.c2;
    return step + fit.c1 * std::pow(gap, fit.gamma) + fit.c2;
}

double standardNormalQuantile(double probability)
{
    assert(probability > 0.0 && probability < 1.0);
    // Φ is monotone and Φ(±40) is 0 or 1 in double precision.
    double low = -40.0;
    double high = 40.0;
    while (high - low > 1e-13) {
        const double middle = 0.5 * (low + high);
        if (standardNormalCdf(middle) < probability)
            low = middle;
        else
            high = middle;
    }
    return 0.5 * (low + high);
}

bool isInformative(double grokStep, double halfWidthSteps)
{
    return std::isfinite(grokStep) && std::isfinite(halfWidthSteps) && grokStep > 0.0
           && halfWidthSteps <= kMaxRelativeHalfWidth * grokStep;
}

GrokPrediction predictGrokStepWithInterval(const ForecastFit& fit, double step, double entropy,
                                           double coverage)
{
    GrokPrediction prediction;
    prediction.grokStep = predictGrokStep(fit, step, entropy);
    prediction.halfWidthSteps = standardNormalQuantile(0.5 * (1.0 + coverage)) * fit.residualSdSteps;
    return prediction;
}

std::vector<ForecastPoint> pooledForecastPoints(const std::vector<ForecastRun>& runs)
{
    std::vector<ForecastPoint> points;
    for (const ForecastRun& run : runs) {
        if (!std::isfinite(run.grokStep))
            continue;
        for (const ForecastEvaluation& evaluation : run.evaluations) {
            if (evaluation.step < run.grokStep)
                points.push_back({evaluation.step, evaluation.entropy, run.grokStep});
        }
    }
    return points;
}

LeaveOneSeedOutResult leaveOneSeedOut(const std::vector<ForecastRun>& runs, double entropyThreshold,
                                      const LeaveOneSeedOutOptions& options)
{
    LeaveOneSeedOutResult result;
    double lastErrorSum = 0.0;
    double warningSum = 0.0;
    for (const ForecastRun& heldOut : runs) {
        if (!std::isfinite(heldOut.grokStep))
            continue;
        std::vector<ForecastRun> others;
        for (const ForecastRun& run : runs) {
            if (run.seed != heldOut.seed)
                others.push_back(run);
        }
        const ForecastFit fit = fitGrokForecast(pooledForecastPoints(others), entropyThreshold, options.fit);

        HeldOutRun held;
        held.seed = heldOut.seed;
        held.grokStep = heldOut.grokStep;
        held.fitConverged = fit.converged;
        std::vector<ForecastEvaluation> evaluations = heldOut.evaluations;
        std::sort(evaluations.begin(), evaluations.end(),
                  [](const ForecastEvaluation& a, const ForecastEvaluation& b) { return a.step < b.step; });
        for (const ForecastEvaluation& evaluation : evaluations) {
            if (!(evaluation.step < heldOut.grokStep))
                break;
            const double predicted = predictGrokStep(fit, evaluation.step, evaluation.entropy);
            held.steps.push_back(evaluation.step);
            held.predictedGrokSteps.push_back(predicted);
            held.absolutePercentageErrors.push_back(100.0 * std::abs(predicted - heldOut.grokStep)
                                                    / heldOut.grokStep);
        }
        held.lastErrorPercent = held.absolutePercentageErrors.empty() ? kNaN
                                                                      : held.absolutePercentageErrors.back();
        // Walk back from T_grok while the error stays under the tolerance.
        std::size_t earliest = held.absolutePercentageErrors.size();
        while (earliest > 0 && held.absolutePercentageErrors[earliest - 1] < options.tolerancePercent)
            --earliest;
        held.warningSteps = earliest < held.steps.size() ? heldOut.grokStep - held.steps[earliest] : 0.0;

        if (std::isfinite(held.lastErrorPercent)) {
            ++result.runsEvaluated;
            lastErrorSum += held.lastErrorPercent;
            warningSum += held.warningSteps;
            if (held.lastErrorPercent < options.tolerancePercent)
                ++result.runsWithinTolerance;
        }
        result.runs.push_back(std::move(held));
    }
    const double evaluated = static_cast<double>(result.runsEvaluated);
    result.meanLastErrorPercent = result.runsEvaluated > 0 ? lastErrorSum / evaluated : kNaN;
    result.meanWarningSteps = result.runsEvaluated > 0 ? warningSum / evaluated : kNaN;
    return result;
}

}  // namespace grokscope
