#include "train/evaluator.h"

#include "metrics/forecast.h"
#include "metrics/spectrum.h"
#include "train/evaluation_mixing.h"
#include "train/trainer.h"
#include "train/trainer_state.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>

namespace grokscope {

namespace {

// Σθ² of each parameter tensor in float64. On the CPU one pass over the floats with
// eight partial sums (a fixed order), instead of a float64 copy of every tensor.
std::vector<double> squaredNormPerTensor(const TrainerState& s)
{
    std::vector<double> out;
    for (const torch::Tensor& view : s.model->parameters().views()) {
        if (!view.is_cpu() || !view.is_contiguous() || view.scalar_type() != torch::kFloat32) {
            out.push_back(view.to(torch::kFloat64).pow(2).sum().item<double>());
            continue;
        }
        const float* x = view.data_ptr<float>();
        const int64_t n = view.numel();
        double lanes[8] = {};
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
            for (int l = 0; l < 8; ++l)
                lanes[l] += double(x[i + l]) * double(x[i + l]);
        for (; i < n; ++i)
            lanes[i % 8] += double(x[i]) * double(x[i]);
        out.push_back(((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])));
    }
    return out;
}

void accumulateLogitStatistics(const TrainerState& s, const torch::Tensor& logits, const torch::Tensor& logSoftmax,
                               LogitStatistics& statistics)
{
    const torch::Tensor centred = logits - logits.mean(-1, true);
    statistics.sumSquaredCentred += centred.to(torch::kFloat64).pow(2).sum().item<double>();
    statistics.entries += logits.numel();
    // 1 − p_max = −expm1(log p_max), exact where p_max is within float rounding of 1.
    const torch::Tensor shortfall = -torch::expm1(std::get<0>(logSoftmax.max(-1)));
    statistics.saturated += shortfall.lt(s.config.metrics.saturationEpsilon).sum().item<int64_t>();
    statistics.examples += logits.size(0);
}

// An evaluation that mixes (train/evaluation_mixing.h): the lever's settings now and
// the step whose streams the plans are drawn from. Passed as null where it does not mix.
struct EvaluationMixing {
    MixingSettings lever;
    long step = 0;
};

std::optional<EvaluationMixing> evaluationMixingNow(const TrainerState& s)
{
    if (!mixesAtEvaluation(s.levers.mixing()))
        return std::nullopt;
    return EvaluationMixing{s.levers.mixing(), s.step};
}

// The request that mixes batch `batchIndex` of `pass` (rows with these CPU labels), or
// nothing where its plan is empty (a one-row batch).
std::optional<MixingRequest> evaluationRequest(const TrainerState& s, const EvaluationMixing& mixing,
                                               EvaluationPass pass, int64_t batchIndex, const int64_t* labels,
                                               int64_t rows)
{
    const MixingPlan plan =
        evaluationMixingPlan(mixing.lever, labels, rows, s.config.run.modelSeed, mixing.step, pass, batchIndex);
    if (plan.empty())
        return std::nullopt;
    return mixingRequest(plan, s.device);
}

// Mean loss (float64 accumulation) and accuracy over a whole split, in chunks (the
// autograd path). Mixing at evaluation: chunks of the training batch size, each mixed.
std::pair<double, double> lossAndAccuracy(TrainerState& s, const torch::Tensor& tokens, const torch::Tensor& labels,
                                          LogitStatistics* statistics = nullptr,
                                          const EvaluationMixing* mixing = nullptr,
                                          EvaluationPass pass = EvaluationPass::Train)
{
    const int64_t chunk = mixing ? evaluationBatchRows(s.config, s.tensors.trainTokens.size(0)) : 4096;
    const torch::Tensor cpuLabels = mixing ? labels.to(torch::kCPU).contiguous() : torch::Tensor();
    double lossSum = 0.0;
    int64_t correct = 0;
    const int64_t total = tokens.size(0);
    for (int64_t start = 0, batchIndex = 0; start < total; start += chunk, ++batchIndex) {
        const int64_t count = std::min(chunk, total - start);
        std::optional<MixingRequest> request;
        if (mixing)
            request = evaluationRequest(s, *mixing, pass, batchIndex, cpuLabels.data_ptr<int64_t>() + start, count);
        const torch::Tensor logits =
            s.model->forward(tokens.narrow(0, start, count), request ? &*request : nullptr).logits;
        const torch::Tensor chunkLabels = labels.narrow(0, start, count);
        const torch::Tensor logSoftmax = logits.log_softmax(-1);
        lossSum -= logSoftmax.gather(1, chunkLabels.unsqueeze(1)).to(torch::kFloat64).sum().item<double>();
        correct += logits.argmax(-1).eq(chunkLabels).sum().item<int64_t>();
        if (statistics)
            accumulateLogitStatistics(s, logits, logSoftmax, *statistics);
    }
    return {lossSum / double(total), double(correct) / double(total)};
}

// Train and test loss and accuracy, and the train split's logit statistics. The fused
// path runs `alongside` (probe forward, then `then`) on one of its threads meanwhile;
// otherwise only `then` runs, after the splits (the caller ran the probe forward).
// Mixing at evaluation takes the torch forward, which applies a mixing plan; the fused
// evaluation has none.
void measureSplits(TrainerState& s, EvalSnapshot& snapshot, const EvaluationAlongside& alongside,
                   const EvaluationMixing* mixing)
{
    const SplitTensors& t = s.tensors;
    LogitStatistics logitStatistics;
    if (s.fused && !mixing) {
        const std::vector<SplitSums> sums = s.fused->evaluate(
            s.model->parameters().flatValues().data_ptr<float>(),
            {{t.trainTokens.data_ptr<int64_t>(), t.trainLabels.data_ptr<int64_t>(), t.trainTokens.size(0)},
             {t.testTokens.data_ptr<int64_t>(), t.testLabels.data_ptr<int64_t>(), t.testTokens.size(0)}},
            s.config.metrics.saturationEpsilon, alongside);
        const SplitSums &train = sums[0], &test = sums[1];
        snapshot.trainLoss = train.lossSum / double(train.examples);
        snapshot.trainAccuracy = double(train.correct) / double(train.examples);
        snapshot.testLoss = test.lossSum / double(test.examples);
        snapshot.testAccuracy = double(test.correct) / double(test.examples);
        logitStatistics.sumSquaredCentred = train.sumSquaredCentred;
        logitStatistics.entries = train.entries;
        logitStatistics.saturated = train.saturated;
        logitStatistics.examples = train.examples;
    } else {
        std::tie(snapshot.trainLoss, snapshot.trainAccuracy) =
            lossAndAccuracy(s, t.trainTokens, t.trainLabels, &logitStatistics, mixing, EvaluationPass::Train);
        std::tie(snapshot.testLoss, snapshot.testAccuracy) =
            lossAndAccuracy(s, t.testTokens, t.testLabels, nullptr, mixing, EvaluationPass::Test);
        if (alongside.then)
            alongside.then();
    }
    snapshot.logitScale = logitStatistics.scale();
    snapshot.saturatedFraction = logitStatistics.saturatedFraction();
}

// Whether the run has memorised / grokked by this evaluation, counting the
// evaluation itself before the detector has seen it.
bool memorisedBy(const TrainerState& s, const EvalSnapshot& snapshot)
{
    return s.detector.memorisedStep() || snapshot.trainAccuracy >= s.config.metrics.memorisationAccuracy;
}
bool grokkedBy(const TrainerState& s, const EvalSnapshot& snapshot)
{
    return s.detector.grokStep() || snapshot.testAccuracy >= s.config.metrics.grokAccuracy;
}

void addNormDecay(TrainerState& s, EvalSnapshot& snapshot)
{
    if (!memorisedBy(s, snapshot))
        return;
    if (const auto estimate = s.normDecay.add(double(snapshot.step), snapshot.weightNorm, s.config.metrics.normDecayTarget)) {
        snapshot.normDecayRate = estimate->ratePerStep;
        if (!grokkedBy(s, snapshot))
            snapshot.normEtaStep = estimate->etaStep;
    }
}

// Phase II only: before memorisation H̃ still moves with the fit itself, and after
// T_grok there is nothing left to forecast (docs/science.md, "Forecast").
void addForecast(const TrainerState& s, EvalSnapshot& snapshot)
{
    const MetricsConfig& m = s.config.metrics;
    if (!memorisedBy(s, snapshot) || grokkedBy(s, snapshot) || !snapshot.entropy || !std::isfinite(*snapshot.entropy))
        return;
    ForecastFit fit;
    fit.entropyThreshold = effectiveEntropyThreshold(s.config);
    fit.c1 = m.forecastC1;
    fit.gamma = m.forecastGamma;
    fit.c2 = m.forecastC2;
    fit.residualSdSteps = m.forecastResidualSdSteps;
    const GrokPrediction prediction = predictGrokStepWithInterval(fit, double(snapshot.step), *snapshot.entropy);
    snapshot.forecastGrokStep = prediction.grokStep;
    snapshot.forecastHalfWidthSteps = prediction.halfWidthSteps;
}

// After an evaluation: a non-finite loss, accuracy, norm or spectral entropy ends the
// run as a non-finite training loss does (the row stays in the log as evidence).
void stopIfEvaluationDiverged(TrainerState& s, const EvalSnapshot& snapshot)
{
    const std::pair<const char*, double> measured[] = {
        {"train loss", snapshot.trainLoss}, {"test loss", snapshot.testLoss}, {"weight norm", snapshot.weightNorm},
        {"spectral entropy", snapshot.entropy.value_or(0.0)}, {"effective rank", snapshot.effectiveRank.value_or(0.0)}};
    for (const auto& [quantity, value] : measured) {
        if (!std::isfinite(value)) {
            s.stopDiverged(quantity, value, snapshot.step);
            return;
        }
    }
    if (snapshot.trainLoss > kDivergedLoss)
        s.stopDiverged("train loss", snapshot.trainLoss, snapshot.step);
}

// Final-position representations of the probe set, N × d, float32 on the CPU. Mixing at
// evaluation: the probe set is one batch, mixed by its plan (labels: the probe's answers).
torch::Tensor probeRepresentationFloat(TrainerState& s, const EvaluationMixing* mixing,
                                       const std::vector<int64_t>& probeLabels)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor& probe = s.tensors.probeTokens;
    if (mixing) {
        const std::optional<MixingRequest> request =
            evaluationRequest(s, *mixing, EvaluationPass::Probe, 0, probeLabels.data(), probe.size(0));
        return s.model->forward(probe, request ? &*request : nullptr)
            .representation.to(torch::kCPU, torch::kFloat32)
            .contiguous();
    }
    if (s.fused) {
        torch::Tensor z = torch::empty({probe.size(0), s.model->representationWidth()}, torch::kFloat32);
        s.fused->representations(s.model->parameters().flatValues().data_ptr<float>(), probe.data_ptr<int64_t>(),
                                 probe.size(0), z.data_ptr<float>());
        return z;
    }
    return s.model->forward(probe, nullptr).representation.to(torch::kCPU, torch::kFloat32).contiguous();
}

// What a spectrum evaluation derives from the probe representations alone, without
// the splits' results: computed alongside the split evaluation.
struct RepresentationAnalysis {
    SpectrumSummary summary;
    std::optional<double> fourierAlignment, logAlignmentRatio;
    std::exception_ptr failure;
};

// Spectrum of the probe set's covariance and the representation diagnostics. One
// decomposition serves the spectrum and, when the Fourier alignment reads the same
// rows with the same centring, its leading directions too. `unembed`: float64, CPU.
// `z`: float32, CPU, contiguous (read through its pointer only, so this can run on a
// worker thread).
RepresentationAnalysis analyseRepresentations(const MetricsConfig& metrics,
                                              const std::optional<FourierAlignmentBasis>& fourierBasis,
                                              const torch::Tensor& z, const torch::Tensor& unembed)
{
    RepresentationAnalysis a;
    try {
        // One column-major float64 copy that the spectrum and the diagnostics all read.
        using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const Eigen::MatrixXd zMatrix =
            Eigen::Map<const RowMajorFloat>(z.data_ptr<float>(), z.size(0), z.size(1)).cast<double>();
        const Eigen::MatrixXd covariance = representationCovariance(zMatrix, metrics.centring);
        std::optional<Eigensystem> eigensystem;
        if (fourierBasis && fourierBasis->usable() && fourierBasis->coversAllRows()
            && metrics.centring == Centring::Centred)
            eigensystem = decomposeSymmetric(covariance, metrics.fourierDirections);
        a.summary = summariseEigenvalues(eigensystem ? descendingEigenvalues(*eigensystem)
                                                     : descendingEigenvalues(covariance));
        if (fourierBasis)
            a.fourierAlignment =
                fourierBasis->alignment(zMatrix, metrics.fourierDirections, eigensystem ? &*eigensystem : nullptr);
        using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const Eigen::Map<const RowMajor> weights(unembed.data_ptr<double>(), unembed.size(0), unembed.size(1));
        const double lar = logAlignmentRatio(weights, zMatrix);
        if (std::isfinite(lar))
            a.logAlignmentRatio = lar;
    } catch (...) {
        a.failure = std::current_exception();
    }
    return a;
}

}  // namespace

Evaluator::Evaluator(TrainerState& state) : m_state(state), m_cycle(answerCycle(state.data.table))
{
    for (int pair : state.data.probePairs)
        m_probeLabels.push_back(state.data.table.answer[static_cast<size_t>(pair)]);
    if (m_cycle) {
        std::vector<int> probePhases;  // each probe example's answer on the cycle
        for (int pair : state.data.probePairs)
            probePhases.push_back(m_cycle->phaseOfClass[static_cast<size_t>(state.data.table.answer[pair])]);
        m_fourierBasis.emplace(probePhases, m_cycle->period);
    }
}

void Evaluator::evaluate()
{
    TrainerState& s = m_state;
    if (s.lastEvaluatedStep == s.step)
        return;
    s.lastEvaluatedStep = s.step;
    torch::NoGradGuard noGrad;
    EvalSnapshot snapshot;
    snapshot.step = s.step;
    const int spectrumEvery = s.config.run.spectrumEverySteps;
    const bool spectrumDue = spectrumEvery > 0 && s.step % spectrumEvery == 0;
    const std::optional<EvaluationMixing> mixing = evaluationMixingNow(s);
    const EvaluationMixing* mixingNow = mixing ? &*mixing : nullptr;
    // The unembedding copy runs here (torch). On the fused path the probe forward
    // and the analysis run on one thread alongside the splits, from the same tables;
    // otherwise (and when mixing at evaluation) the probe forward runs here and the
    // analysis after the splits.
    torch::Tensor z, unembed;
    RepresentationAnalysis analysis;
    EvaluationAlongside alongside;
    if (spectrumDue) {
        unembed = s.model->unembedding().to(torch::kCPU, torch::kFloat64).contiguous();
        if (s.fused && !mixingNow) {
            const torch::Tensor& probe = s.tensors.probeTokens;
            z = torch::empty({probe.size(0), s.model->representationWidth()}, torch::kFloat32);
            alongside.probeTokens = probe.data_ptr<int64_t>();
            alongside.probeCount = probe.size(0);
            alongside.probeOut = z.data_ptr<float>();
        } else {
            z = probeRepresentationFloat(s, mixingNow, m_probeLabels);
        }
        alongside.then = [&] { analysis = analyseRepresentations(s.config.metrics, m_fourierBasis, z, unembed); };
    }
    measureSplits(s, snapshot, alongside, mixingNow);
    const std::vector<double> squaredNorms = squaredNormPerTensor(s);
    snapshot.weightNorm = std::sqrt(std::accumulate(squaredNorms.begin(), squaredNorms.end(), 0.0));
    snapshot.learningRate = s.learningRateAt(std::max<long>(s.step, 1));
    snapshot.elapsedMs = s.trainingMs;
    snapshot.mixingActive = s.levers.mixing().enabled;
    snapshot.normMatchActive = !s.levers.normTrajectory().empty();
    snapshot.entropyFloorActive = s.levers.entropyFloor().enabled;
    addNormDecay(s, snapshot);

    if (spectrumDue) {
        if (analysis.failure)
            std::rethrow_exception(analysis.failure);
        snapshot.entropy = analysis.summary.entropy;
        snapshot.effectiveRank = analysis.summary.effectiveRank;
        addForecast(s, snapshot);
        snapshot.fourierAlignment = analysis.fourierAlignment;
        snapshot.logAlignmentRatio = analysis.logAlignmentRatio;
        SpectrumSnapshot spectrum{s.step, analysis.summary.eigenvalues};
        for (RunObserver* o : s.observers)
            o->onSpectrum(spectrum);
    }
    ParameterNorms norms;
    norms.step = s.step;
    for (double squared : squaredNorms)
        norms.norms.push_back(std::sqrt(squared));
    for (RunObserver* o : s.observers)
        o->onParameterNorms(norms);
    for (RunObserver* o : s.observers)
        o->onEvaluation(snapshot);
    for (const RunEvent& event : s.detector.observe(snapshot))
        s.emit(event);
    if (s.failure.empty())
        stopIfEvaluationDiverged(s, snapshot);

    const auto& saveAt = s.config.run.saveRepresentationsAtSteps;
    if (std::find(saveAt.begin(), saveAt.end(), s.step) != saveAt.end()) {
        const RepresentationSample sample = representationSample();
        for (RunObserver* o : s.observers)
            o->onRepresentations(sample);
    }
}

RepresentationSample Evaluator::representationSample()
{
    const std::optional<EvaluationMixing> mixing = evaluationMixingNow(m_state);
    const torch::Tensor z = probeRepresentationFloat(m_state, mixing ? &*mixing : nullptr, m_probeLabels);
    RepresentationSample sample;
    sample.step = m_state.step;
    sample.rows = static_cast<int>(z.size(0));
    sample.columns = static_cast<int>(z.size(1));
    sample.values.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    return sample;
}

}  // namespace grokscope
