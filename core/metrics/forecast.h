#pragma once
// The grokking forecast (docs/science.md, "Forecast"):
//   ΔT = T_grok − t = C₁ (H̃(t) − H̃*)^γ + C₂,
// fitted by nonlinear least squares on pooled (t, H̃(t), T_grok) points of finished
// runs, with H̃* given. The paper reports C₁ = 2.45e5, γ = 1.65, C₂ ≈ 0, R² = 0.543,
// residual SD ~3,000 steps, and a leave-one-seed-out error of 3.21 % at T_grok − 1.
// Pure functions on plain vectors: the callers turn run logs into these structs.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace grokscope {

struct ForecastPoint {
    double step = 0.0;      // t
    double entropy = 0.0;   // H̃(t)
    double grokStep = 0.0;  // T_grok of the run the point came from
};

struct ForecastFitOptions {
    int maxFunctionEvaluations = 2000;
    // MINPACK's relative tolerances on the sum of squares and on the parameters.
    double relativeTolerance = 1e-12;
};

struct ForecastFit {
    double entropyThreshold = 0.0;  // H̃*, as given to the fit
    double c1 = 0.0;
    double gamma = 0.0;
    double c2 = 0.0;
    double rSquared = 0.0;        // 1 − SS_res/SS_tot over ΔT of the points used
    double residualSdSteps = 0.0; // sqrt(SS_res/(n − 3)); NaN for n ≤ 3
    std::size_t pointCount = 0;   // points with H̃ > H̃* that entered the fit
    bool converged = false;
};

// Fits C₁, γ, C₂ by Levenberg–Marquardt (Eigen's unsupported MINPACK port, analytic
// Jacobian) on the residuals C₁ g^γ + C₂ − (T_grok − t), g = H̃ − H̃*.
// - Points with H̃ ≤ H̃* are excluded: (H̃ − H̃*)^γ is undefined for g < 0, and at
//   g = 0 the model pins ΔT to C₂ whatever C₁ and γ are; the paper's H̃* is the mean
//   H̃ at T_grok, so these points are the seeds that cross H̃* late, which the power law
//   cannot describe. pointCount says how many remained.
// - C₁ is fitted as log C₁, so it stays positive: the model's premise is that the
//   wait grows with the gap.
// - Start: C₂ = 0 and the least-squares line log ΔT = log C₁ + γ log g over the
//   points with ΔT > 0; γ = 1, C₁ = mean ΔT / mean g when that line is undefined.
// - converged is false when fewer than 3 points remain (parameters NaN), when the
//   iteration limit is hit, or when the parameters are not finite. MINPACK's
//   "tolerance too small" stops count as converged: they mean no further progress is
//   possible in double precision, which is what an exact fit reaches.
ForecastFit fitGrokForecast(const std::vector<ForecastPoint>& points, double entropyThreshold,
                            const ForecastFitOptions& options = {});

// t + C₁ (H̃ − H̃*)^γ + C₂. Once H̃ ≤ H̃* the gap is clipped to 0, so the forecast is
// t + C₂: the model says grokking is due now.
double predictGrokStep(const ForecastFit& fit, double step, double entropy);

struct GrokPrediction {
    double grokStep = 0.0;
    double halfWidthSteps = 0.0;  // the "± Y" of "grokking expected at step X (± Y)"
};

// Prediction interval from the residual SD alone: X ± z·residualSd with
// z = Φ⁻¹((1 + coverage)/2) (1.96 for 0.95). It assumes normal residuals and ignores the
// uncertainty of the fitted parameters, so it is a lower bound on the true spread.
// halfWidthSteps is NaN when the fit has no residual SD.
GrokPrediction predictGrokStepWithInterval(const ForecastFit& fit, double step, double entropy,
                                           double coverage = 0.95);

// Whether a prediction says more than the data supports: its ± must be finite and at
// most kMaxRelativeHalfWidth of the predicted step (the forecast is good to ±50%). A
// wider one ("T_grok ≈ 550 ± 5,880" on z23-quick) is withheld by the app rather than
// drawn as a band over the whole plot.
inline constexpr double kMaxRelativeHalfWidth = 0.5;
bool isInformative(double grokStep, double halfWidthSteps);

// Φ⁻¹(probability) for probability in (0, 1); by bisection on std::erfc, accurate to 1e-12.
double standardNormalQuantile(double probability);

struct ForecastEvaluation {
    double step = 0.0;
    double entropy = 0.0;
};

struct ForecastRun {
    uint64_t seed = 0;
    double grokStep = 0.0;  // NaN or infinite when the run never grokked
    std::vector<ForecastEvaluation> evaluations;
};

// The pooled fitting points of the runs that grokked (finite grokStep): every
// evaluation strictly before T_grok. After T_grok there is nothing left to forecast.
std::vector<ForecastPoint> pooledForecastPoints(const std::vector<ForecastRun>& runs);

struct LeaveOneSeedOutOptions {
    double tolerancePercent = 20.0;
    ForecastFitOptions fit;
};

struct HeldOutRun {
    uint64_t seed = 0;
    double grokStep = 0.0;
    bool fitConverged = false;  // the fit on the other runs
    // One entry per evaluation before T_grok, in step order.
    std::vector<double> steps;
    std::vector<double> predictedGrokSteps;
    std::vector<double> absolutePercentageErrors;  // 100 |T̂_grok − T_grok| / T_grok
    double lastErrorPercent = 0.0;                 // at the last evaluation before T_grok
    // T_grok − (the earliest evaluation from which every later error before T_grok
    // stays under the tolerance); 0 when even the last evaluation misses it.
    double warningSteps = 0.0;
};

struct LeaveOneSeedOutResult {
    std::vector<HeldOutRun> runs;
    // Means over the held-out runs whose last error is defined (finite fit parameters
    // and at least one evaluation before T_grok); NaN when there are none. A fit that
    // stopped at the iteration limit still predicts: HeldOutRun::fitConverged flags it.
    double meanLastErrorPercent = 0.0;  // the paper's MAPE "at T_grok − 1"
    double meanWarningSteps = 0.0;      // runs that never get under the tolerance count 0
    std::size_t runsEvaluated = 0;
    std::size_t runsWithinTolerance = 0;  // runs whose last error is under the tolerance
};

// For each run that grokked: fit on the pooled points of the grokked runs with another
// seed (runs sharing the held-out seed id are left out together), then
// forecast its T_grok at each of its evaluations before T_grok. A percentage of T_grok,
// not of ΔT, as the paper's 3.21 % at T_grok − 1 only makes sense that way.
// Runs that never grokked are neither fitted nor evaluated.
LeaveOneSeedOutResult leaveOneSeedOut(const std::vector<ForecastRun>& runs, double entropyThreshold,
                                      const LeaveOneSeedOutOptions& options = {});

}  // namespace grokscope
