#pragma once
// Diagnostics beyond the paper (README, "Diagnostics"), each a pure function of
// plain matrices so that tests can feed them known answers. The trainer computes
// them on its evaluations; nothing here knows about models or torch.

#include "metrics/spectrum.h"
#include "tasks/group_table.h"
#include "config/train_config.h"

#include <Eigen/Core>
#include <optional>
#include <utility>
#include <vector>

namespace grokscope {

// Where each answer sits on the task's cycle, for the Fourier alignment.
// Z/p addition and subtraction: the answer c itself (period p). Multiplication and
// division: the discrete logarithm of c to the smallest primitive root (period p − 1),
// because the multiplicative group of Z/p is cyclic in that coordinate, not in c;
// answer 0 has no logarithm and gets −1 (left out). S_n is not cyclic: no value.
struct AnswerCycle {
    int period = 0;
    std::vector<int> phaseOfClass;  // one per class value, −1 = not on the cycle
};
std::optional<AnswerCycle> answerCycle(const GroupTable& table);

// Fourier alignment A ∈ [0, 1] of the leading eigenvectors of the centred
// representation covariance:
//   f_k = Z_c v_k                       (the probe set seen along eigenvector k)
//   R²_k(ω) = share of Var f_k explained by least squares on cos(2πωφ/P), sin(2πωφ/P)
//   A = Σ_{k≤K} λ_k max_ω R²_k(ω) / Σ_{k≤K} λ_k
// with φ the answer's phase on the cycle, ω = 1 … ⌊P/2⌋ and K = `directions`.
// A direction that carries one Fourier mode of the answer scores 1; a random
// direction scores about (2 ln(P/2) + 2)/N. Rows with phase −1 are left out.
// Returns nullopt when fewer than 3 rows are on the cycle.
std::optional<double> fourierAlignment(const Eigen::MatrixXd& representations, const std::vector<int>& phases,
                                       int period, int directions);

// The same measure with what depends on the probe set alone (its rows on the cycle, the
// centred cos/sin regressors and their 2 × 2 normal matrices) computed once: the
// trainer measures the same probe set at every spectrum evaluation.
class FourierAlignmentBasis {
public:
    FourierAlignmentBasis(const std::vector<int>& phases, int period);
    // Whether every row is on the cycle (Z/p addition and subtraction): then the
    // covariance here is the spectrum's centred covariance and its eigensystem can be shared.
    bool coversAllRows() const { return m_rows.size() == m_phaseCount; }
    // Whether alignment() can answer at all (at least 3 rows on a cycle of period ≥ 3).
    bool usable() const { return m_frequencies > 0; }
    // `covariance`, when given, is the eigensystem of the centred covariance of exactly
    // the rows on the cycle, with at least `directions` leading vectors; otherwise it
    // is computed here. nullopt when the representations do not have one row per phase.
    std::optional<double> alignment(const Eigen::MatrixXd& representations, int directions,
                                    const Eigensystem* covariance = nullptr) const;

private:
    std::vector<Eigen::Index> m_rows;
    size_t m_phaseCount = 0;
    int m_frequencies = 0;
    Eigen::MatrixXd m_design;                 // rows × 2·frequencies, centred columns
    std::vector<Eigen::Matrix2d> m_inverses;  // pseudo-inverse of each frequency's normal matrix
};

// Log-alignment ratio of a linear map W: R^n → R^C applied to inputs z_i:
//   LAR = 1 + ln( mean_i ‖W z_i‖² / (‖W‖_F² ‖z_i‖²) ) / (2 ln n)
// The mean ratio equals Σ_k p_k q_k, with p_k = s_k²/Σ s² (W's squared singular values,
// normalised) and q_k the mean share of ‖z‖² along right singular vector k. So LAR = 1
// when inputs lie along a rank-one W's direction, 1/2 for inputs isotropic with respect
// to W, and k equally strong, matched directions give LAR = 1 − ln k / (2 ln n), i.e.
// k = n^{2(1 − LAR)}. `weights` is n × C (as the unembedding is stored), rows of
// `inputs` are the z_i. Zero inputs are skipped; NaN when nothing is left.
double logAlignmentRatio(const Eigen::MatrixXd& weights, const Eigen::MatrixXd& inputs);

// Exponential decay of ‖θ‖² after memorisation, fitted by least squares on
// ln ‖θ‖² = a − r t over the given (step, ‖θ‖²) points. `ratePerStep` is r
// (positive while the norm decays). With a target norm N*, `etaStep` is the step at
// which the fitted decay reaches N*², t_now + ln(‖θ‖²_now / N*²) / r; it is t_now once
// the norm is at or below the target, and absent while the norm does not decay.
struct NormDecayEstimate {
    double ratePerStep = 0.0;
    std::optional<double> etaStep;
};
std::optional<NormDecayEstimate> estimateNormDecay(const std::vector<std::pair<double, double>>& stepAndSquaredNorm,
                                                   std::optional<double> targetNorm);

// The live form: fed one evaluation at a time from memorisation on, it keeps the
// points of the last `windowSteps` (never fewer than 3) and refits. The trainer and
// the replication report's leave-one-seed-out check of the ETA share it.
class NormDecayTracker {
public:
    explicit NormDecayTracker(double windowSteps = 2000.0) : m_window(windowSteps) {}
    // metrics.norm_decay_window_steps, widened to two evaluation intervals.
    static NormDecayTracker forConfig(const TrainConfig& config);
    std::optional<NormDecayEstimate> add(double step, double norm, std::optional<double> targetNorm);
    // (step, ‖θ‖²) points kept, for checkpoints.
    const std::vector<std::pair<double, double>>& points() const { return m_points; }
    void restore(std::vector<std::pair<double, double>> points) { m_points = std::move(points); }

private:
    double m_window;
    std::vector<std::pair<double, double>> m_points;
};

// Logit statistics of a split:
//   logit scale s = sqrt( mean over examples and classes of (ℓ_ic − mean_c ℓ_ic)² ),
//   saturated fraction = share of examples with 1 − max_c softmax(ℓ_i)_c < ε.
// Accumulated chunk by chunk (the trainer feeds it its evaluation logits).
struct LogitStatistics {
    double sumSquaredCentred = 0.0;
    long long entries = 0;
    long long saturated = 0;
    long long examples = 0;
    double scale() const;
    double saturatedFraction() const;
};

}  // namespace grokscope
