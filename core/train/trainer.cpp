#include "train/trainer.h"

#include "metrics/diagnostics.h"
#include "metrics/forecast.h"
#include "metrics/spectrum.h"
#include "compute/worker_pool.h"
#include "io/checkpoint_file.h"
#include "io/run_log.h"
#include "model/fused_transformer.h"
#include "model/grok_model.h"
#include "tasks/seeded_random.h"
#include "train/adamw.h"
#include "train/engine_threads.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <cmath>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace grokscope {

namespace {

torch::Device resolveDevice(const std::string& name)
{
    if (name == "cpu")
        return torch::kCPU;
    if (name == "cuda") {
        if (!torch::cuda::is_available())
            throw std::invalid_argument("run.device: \"cuda\" requested, but this LibTorch has no usable CUDA device");
        return torch::kCUDA;
    }
    throw std::invalid_argument("run.device: must be \"cpu\" or \"cuda\", got \"" + name + "\"");
}

torch::Tensor tokenTensor(const Dataset& data, const std::vector<int>& pairs, torch::Device device)
{
    torch::Tensor tokens = torch::empty({static_cast<int64_t>(pairs.size()), data.sequenceLength}, torch::kInt64);
    auto* out = tokens.data_ptr<int64_t>();
    std::vector<int> buffer(data.sequenceLength);
    for (size_t i = 0; i < pairs.size(); ++i) {
        data.tokensOf(pairs[i], buffer.data());
        for (int j = 0; j < data.sequenceLength; ++j)
            out[i * data.sequenceLength + j] = buffer[j];
    }
    return tokens.to(device);
}

torch::Tensor labelTensor(const Dataset& data, const std::vector<int>& pairs, torch::Device device)
{
    torch::Tensor labels = torch::empty({static_cast<int64_t>(pairs.size())}, torch::kInt64);
    auto* out = labels.data_ptr<int64_t>();
    for (size_t i = 0; i < pairs.size(); ++i)
        out[i] = data.table.answer[pairs[i]];
    return labels.to(device);
}

// Sattolo's algorithm: a uniformly random cyclic permutation, which has no fixed point.
torch::Tensor randomDerangement(int64_t size, uint64_t seed)
{
    torch::Tensor permutation = torch::arange(size, torch::kInt64);
    auto* p = permutation.data_ptr<int64_t>();
    SplitMix64 random(seed);
    for (int64_t i = size - 1; i > 0; --i)
        std::swap(p[i], p[random.below(static_cast<uint64_t>(i))]);
    return permutation;
}

double interpolate(const std::vector<std::pair<long, double>>& curve, long step)
{
    if (step <= curve.front().first)
        return curve.front().second;
    if (step >= curve.back().first)
        return curve.back().second;
    auto upper = std::lower_bound(curve.begin(), curve.end(), step,
                                  [](const auto& point, long s) { return point.first < s; });
    auto lower = upper - 1;
    const double t = double(step - lower->first) / double(upper->first - lower->first);
    return lower->second + t * (upper->second - lower->second);
}

}  // namespace

struct Trainer::Impl {
    TrainConfig config;
    Dataset data;
    torch::Device device{torch::kCPU};
    std::unique_ptr<GrokModel> model;
    std::unique_ptr<AdamW> optimiser;
    std::unique_ptr<WorkerPool> pool;
    std::unique_ptr<FusedTransformer> fused;  // null where the autograd path runs
    int threads = 1;
    torch::Tensor trainTokens, trainLabels, testTokens, testLabels, probeTokens;
    EventDetector detector;
    std::vector<RunObserver*> observers;
    long step = 0;
    long lastEvaluatedStep = -1;
    double trainingMs = 0.0;
    double lastLoss = std::nan("");
    std::string failure;
    bool diverged = false;  // the failure is a divergence: resuming would repeat it
    bool mixing = false;
    double mixingAlpha = 0.3;
    MixingSite mixingSite = MixingSite::FinalResidual;
    std::vector<std::pair<long, double>> normTrajectory;
    bool entropyFloor = false;
    double entropyFloorTarget = 0.75;
    double entropyFloorWeight = 1.0;
    double lastBatchEntropy = std::nan("");
    std::optional<AnswerCycle> cycle;          // for the Fourier alignment; none for S_n
    std::optional<FourierAlignmentBasis> fourierBasis;  // the probe set's answers on that cycle
    NormDecayTracker normDecay;                // ‖θ‖² since memorisation, for the norm-decay ETA

    explicit Impl(const TrainConfig& c)
        : config(c),
          data(buildDataset(c.task, c.metrics)),
          device(resolveDevice(c.run.device)),
          detector(EventThresholds{c.metrics.memorisationAccuracy, c.metrics.grokAccuracy,
                                   effectiveEntropyThreshold(c), c.metrics.collapseDrop,
                                   c.metrics.collapseWindowEvals, c.metrics.entropyEventsAfterMemorisation})
    {
        const bool fusedPath = fusedTransformerApplies(c.model, device, data);
        threads = configureEngineThreads(c.run.threads, fusedPath);
        model = createModel(c.model, data, c.run.modelSeed, device);
        optimiser = std::make_unique<AdamW>(model->parameters(), c.optim);
        if (fusedPath) {
            pool = std::make_unique<WorkerPool>(threads);
            fused = createFusedTransformer(*model, data, c.model, *pool);
            optimiser->setPool(pool.get());
        }
        trainTokens = tokenTensor(data, data.trainPairs, device);
        trainLabels = labelTensor(data, data.trainPairs, device);
        testTokens = tokenTensor(data, data.testPairs, device);
        testLabels = labelTensor(data, data.testPairs, device);
        probeTokens = tokenTensor(data, data.probePairs, device);
        mixingAlpha = c.intervention.mixingAlpha;
        mixingSite = c.intervention.mixingSite;
        entropyFloorTarget = c.intervention.entropyFloorTarget;
        entropyFloorWeight = c.intervention.entropyFloorWeight;
        normDecay = NormDecayTracker::forConfig(c);
        cycle = answerCycle(data.table);
        if (cycle) {
            std::vector<int> probePhases;  // each probe example's answer on the cycle
            for (int pair : data.probePairs)
                probePhases.push_back(cycle->phaseOfClass[static_cast<size_t>(data.table.answer[pair])]);
            fourierBasis.emplace(probePhases, cycle->period);
        }
    }

    void emit(const RunEvent& event)
    {
        for (RunObserver* o : observers)
            o->onEvent(event);
    }

    double learningRateAt(long stepNumber) const
    {
        const int warmup = config.optim.warmupSteps;
        const double factor = warmup > 0 ? std::min(1.0, double(stepNumber) / warmup) : 1.0;
        return config.optim.learningRate * factor;
    }

    // A config schedule switches mixing at the window's edges only, so the GUI's
    // toggle can override it in between.
    void applyScheduledInterventions(long stepNumber)
    {
        const InterventionConfig& iv = config.intervention;
        if (const auto on = windowEdge(iv.mixing, iv.mixingFromStep, iv.mixingUntilStep, stepNumber))
            setMixing(*on, iv.mixingAlpha, iv.mixingSite);
        if (const auto on = windowEdge(iv.entropyFloor, iv.entropyFloorFromStep, iv.entropyFloorUntilStep, stepNumber))
            setEntropyFloor(*on, iv.entropyFloorTarget, iv.entropyFloorWeight);
    }

    // A scheduled lever is active for steps in (from, until]; at the window's first
    // step it switches on, after its last one off. Nothing elsewhere.
    static std::optional<bool> windowEdge(bool scheduled, long fromStep, long untilStep, long stepNumber)
    {
        if (!scheduled)
            return std::nullopt;
        const bool atStart = stepNumber == fromStep + 1;
        const bool atEnd = untilStep >= 0 && stepNumber == untilStep + 1;
        if (!atStart && !atEnd)
            return std::nullopt;
        return atStart && !atEnd;
    }

    RunEvent interventionEvent(const std::string& kind, bool enabled) const
    {
        RunEvent event;
        event.step = step;
        event.type = "intervention";
        event.labels["kind"] = kind;
        event.labels["state"] = enabled ? "on" : "off";
        return event;
    }

    void setEntropyFloor(bool enabled, double target, double weight)
    {
        if (enabled == entropyFloor && target == entropyFloorTarget && weight == entropyFloorWeight)
            return;
        entropyFloor = enabled;
        entropyFloorTarget = target;
        entropyFloorWeight = weight;
        RunEvent event = interventionEvent("entropy_floor", enabled);
        event.values["target"] = target;
        event.values["weight"] = weight;
        std::ostringstream message;
        message << "entropy floor " << (enabled ? "on" : "off") << " (H~ floor " << target << ", weight " << weight
                << ") at step " << step;
        event.message = message.str();
        emit(event);
    }

    // β·max(0, H̃_floor − H̃_batch) with H̃_batch from the centred covariance of the batch's
    // representation, as the metric computes it (spectrum.h), but differentiable.
    // eigvalsh's gradient needs only the eigenvectors, so repeated eigenvalues are safe.
    torch::Tensor entropyFloorPenalty(const torch::Tensor& representation)
    {
        const torch::Tensor z = representation.to(torch::kFloat64);
        const torch::Tensor centred = z - z.mean(0, true);
        const torch::Tensor covariance = centred.t().mm(centred) / static_cast<double>(z.size(0));
        const torch::Tensor eigenvalues = torch::linalg::eigvalsh(covariance, "L").clamp_min(0.0);
        const torch::Tensor p = eigenvalues / eigenvalues.sum();
        const torch::Tensor entropy =
            -(p * p.clamp_min(1e-300).log()).sum() / std::log(static_cast<double>(z.size(1)));
        lastBatchEntropy = entropy.item<double>();
        return (entropyFloorTarget - entropy).clamp_min(0.0).mul(entropyFloorWeight).to(torch::kFloat32);
    }

    void setMixing(bool enabled, double alpha, MixingSite site)
    {
        if (enabled == mixing && alpha == mixingAlpha && site == mixingSite)
            return;
        mixing = enabled;
        mixingAlpha = alpha;
        mixingSite = site;
        RunEvent event = interventionEvent("mixing", enabled);
        event.values["alpha"] = alpha;
        const char* siteName = site == MixingSite::FinalResidual ? "final_residual"
                               : site == MixingSite::AttentionOutput ? "attention_output" : "embedding";
        event.labels["site"] = siteName;
        std::ostringstream message;
        message << "representation mixing " << (enabled ? "on" : "off") << " (alpha " << alpha << ", "
                << siteName << ") at step " << step;
        event.message = message.str();
        emit(event);
    }

    // One optimiser step. Returns false (and sets `failure`) on a non-finite loss.
    bool trainOneStep()
    {
        const long stepNumber = step + 1;
        applyScheduledInterventions(stepNumber);
        torch::Tensor tokens, labels;
        if (config.optim.batchMode == BatchMode::FullBatch) {
            tokens = trainTokens;
            labels = trainLabels;
        } else {
            const int64_t batch = config.optim.batchSize;
            torch::Tensor index = torch::empty({batch}, torch::kInt64);
            auto* out = index.data_ptr<int64_t>();
            SplitMix64 random(streamSeed(config.run.modelSeed, kBatchStream, static_cast<uint64_t>(stepNumber)));
            const uint64_t trainCount = data.trainPairs.size();
            for (int64_t i = 0; i < batch; ++i)
                out[i] = static_cast<int64_t>(random.below(trainCount));
            index = index.to(device);
            tokens = trainTokens.index_select(0, index);
            labels = trainLabels.index_select(0, index);
        }
        const bool mixingOn = mixing && mixingAlpha > 0.0 && tokens.size(0) > 1;
        // The step's derangement (CPU, int64): both paths mix with the same one.
        const torch::Tensor permutation =
            mixingOn ? randomDerangement(tokens.size(0), streamSeed(config.run.modelSeed, kMixingStream, stepNumber))
                     : torch::Tensor();
        if (fused && !(mixingOn && mixingSite == MixingSite::Embedding))
            return trainOneFusedStep(stepNumber, tokens, labels, permutation);
        MixingRequest request;
        const MixingRequest* mixingRequest = nullptr;
        if (mixingOn) {
            request.alpha = mixingAlpha;
            request.site = mixingSite;
            request.permutation = permutation.to(device);
            mixingRequest = &request;
        }
        model->parameters().flatGradients().zero_();
        const ModelOutput output = model->forward(tokens, mixingRequest);
        torch::Tensor loss = torch::nn::functional::cross_entropy(output.logits, labels);
        const double lossValue = loss.item<double>();
        if (!acceptLoss(lossValue, stepNumber))
            return false;
        if (entropyFloorApplies(output.representation.size(0)))
            loss = loss + entropyFloorPenalty(output.representation);
        loss.backward();
        finishStep(stepNumber);
        return true;
    }

    bool entropyFloorApplies(int64_t batch) const { return entropyFloor && entropyFloorWeight > 0.0 && batch > 1; }

    // Records the minibatch loss, or stops the run on a diverged one.
    bool acceptLoss(double lossValue, long stepNumber)
    {
        if (!std::isfinite(lossValue) || lossValue > kDivergedLoss) {
            stopDiverged("training loss", lossValue, stepNumber);
            return false;
        }
        lastLoss = lossValue;  // the cross-entropy alone, comparable across arms
        return true;
    }

    // A run whose numbers left the finite range (or a cross-entropy no trained model
    // reaches) stops as failed, the same way whatever the quantity: a "nan" event now,
    // and a "failed" event with cause "diverged" when the run closes.
    void stopDiverged(const std::string& quantity, double value, long stepNumber)
    {
        std::ostringstream message;
        message << quantity << " became " << value << " at step " << stepNumber
                << ": the run diverged and stopped; its log is kept. Lower optim.learning_rate (now "
                << config.optim.learningRate << ") or check the config.";
        failure = message.str();
        diverged = true;
        RunEvent event;
        event.step = stepNumber;
        event.type = "nan";
        event.message = failure;
        emit(event);
    }

    // After an evaluation: a non-finite loss, accuracy, norm or spectral entropy ends the
    // run as a non-finite training loss does (the row stays in the log as evidence).
    void stopIfEvaluationDiverged(const EvalSnapshot& s)
    {
        const std::pair<const char*, double> measured[] = {
            {"train loss", s.trainLoss}, {"test loss", s.testLoss}, {"weight norm", s.weightNorm},
            {"spectral entropy", s.entropy.value_or(0.0)}, {"effective rank", s.effectiveRank.value_or(0.0)}};
        for (const auto& [quantity, value] : measured) {
            if (!std::isfinite(value)) {
                stopDiverged(quantity, value, s.step);
                return;
            }
        }
        if (s.trainLoss > kDivergedLoss)
            stopDiverged("train loss", s.trainLoss, s.step);
    }

    // The same step as trainOneStep's autograd path, by FusedTransformer (issue 5).
    // `permutation`: the step's derangement, undefined without mixing.
    bool trainOneFusedStep(long stepNumber, const torch::Tensor& tokens, const torch::Tensor& labels,
                           const torch::Tensor& permutation)
    {
        const int64_t batch = tokens.size(0);
        const bool mixingOn = permutation.defined();
        const FusedMixing mixingPlan{mixingAlpha, mixingSite, mixingOn ? permutation.data_ptr<int64_t>() : nullptr};
        FusedTransformer::RepresentationGradient floorGradient;
        if (entropyFloorApplies(batch))
            floorGradient = [this](const float* z, float* dz, int64_t rows, int64_t width) {
                const torch::Tensor representation =
                    torch::from_blob(const_cast<float*>(z), {rows, width}, torch::kFloat32).clone().requires_grad_(true);
                entropyFloorPenalty(representation).backward();
                const torch::Tensor gradient = representation.grad().contiguous();
                const float* g = gradient.data_ptr<float>();
                for (int64_t i = 0; i < rows * width; ++i)
                    dz[i] += g[i];
            };
        ParameterStore& store = model->parameters();
        const double lossValue =
            fused->trainStep(store.flatValues().data_ptr<float>(), store.flatGradients().data_ptr<float>(),
                             tokens.contiguous().data_ptr<int64_t>(), labels.contiguous().data_ptr<int64_t>(), batch,
                             mixingOn ? &mixingPlan : nullptr, floorGradient);
        // torch's cross-entropy is a float: round the same way before comparing or logging.
        if (!acceptLoss(double(float(lossValue)), stepNumber))
            return false;
        finishStep(stepNumber);
        return true;
    }

    void finishStep(long stepNumber)
    {
        optimiser->step(learningRateAt(stepNumber));
        if (!normTrajectory.empty()) {
            torch::NoGradGuard noGrad;
            torch::Tensor& flat = model->parameters().flatValues();
            const double current = flat.norm().item<double>();
            const double target = interpolate(normTrajectory, stepNumber);
            if (current > 0.0)
                flat.mul_(target / current);
        }
        step = stepNumber;
    }

    // Σθ² of each parameter tensor in float64. On the CPU one pass over the floats with
    // eight partial sums (a fixed order), instead of a float64 copy of every tensor.
    std::vector<double> squaredNormPerTensor() const
    {
        std::vector<double> out;
        for (const torch::Tensor& view : model->parameters().views()) {
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

    // Train and test loss and accuracy, and the train split's logit statistics. The fused
    // path runs `alongside` (probe forward, then `then`) on one of its threads meanwhile;
    // otherwise only `then` runs, after the splits (the caller ran the probe forward).
    void measureSplits(EvalSnapshot& s, const EvaluationAlongside& alongside)
    {
        LogitStatistics logitStatistics;
        if (fused) {
            const std::vector<SplitSums> sums = fused->evaluate(
                model->parameters().flatValues().data_ptr<float>(),
                {{trainTokens.data_ptr<int64_t>(), trainLabels.data_ptr<int64_t>(), trainTokens.size(0)},
                 {testTokens.data_ptr<int64_t>(), testLabels.data_ptr<int64_t>(), testTokens.size(0)}},
                config.metrics.saturationEpsilon, alongside);
            const SplitSums &train = sums[0], &test = sums[1];
            s.trainLoss = train.lossSum / double(train.examples);
            s.trainAccuracy = double(train.correct) / double(train.examples);
            s.testLoss = test.lossSum / double(test.examples);
            s.testAccuracy = double(test.correct) / double(test.examples);
            logitStatistics.sumSquaredCentred = train.sumSquaredCentred;
            logitStatistics.entries = train.entries;
            logitStatistics.saturated = train.saturated;
            logitStatistics.examples = train.examples;
        } else {
            std::tie(s.trainLoss, s.trainAccuracy) = lossAndAccuracy(trainTokens, trainLabels, &logitStatistics);
            std::tie(s.testLoss, s.testAccuracy) = lossAndAccuracy(testTokens, testLabels);
            if (alongside.then)
                alongside.then();
        }
        s.logitScale = logitStatistics.scale();
        s.saturatedFraction = logitStatistics.saturatedFraction();
    }

    // Mean loss (float64 accumulation) and accuracy over a whole split, in chunks
    // (the autograd path).
    std::pair<double, double> lossAndAccuracy(const torch::Tensor& tokens, const torch::Tensor& labels,
                                              LogitStatistics* statistics = nullptr)
    {
        constexpr int64_t chunk = 4096;
        double lossSum = 0.0;
        int64_t correct = 0;
        const int64_t total = tokens.size(0);
        for (int64_t start = 0; start < total; start += chunk) {
            const int64_t count = std::min(chunk, total - start);
            const torch::Tensor logits = model->forward(tokens.narrow(0, start, count), nullptr).logits;
            const torch::Tensor chunkLabels = labels.narrow(0, start, count);
            const torch::Tensor logSoftmax = logits.log_softmax(-1);
            lossSum -= logSoftmax.gather(1, chunkLabels.unsqueeze(1)).to(torch::kFloat64).sum().item<double>();
            correct += logits.argmax(-1).eq(chunkLabels).sum().item<int64_t>();
            if (statistics)
                accumulateLogitStatistics(logits, logSoftmax, *statistics);
        }
        return {lossSum / double(total), double(correct) / double(total)};
    }

    void accumulateLogitStatistics(const torch::Tensor& logits, const torch::Tensor& logSoftmax,
                                   LogitStatistics& statistics) const
    {
        const torch::Tensor centred = logits - logits.mean(-1, true);
        statistics.sumSquaredCentred += centred.to(torch::kFloat64).pow(2).sum().item<double>();
        statistics.entries += logits.numel();
        // 1 − p_max = −expm1(log p_max), exact where p_max is within float rounding of 1.
        const torch::Tensor shortfall = -torch::expm1(std::get<0>(logSoftmax.max(-1)));
        statistics.saturated += shortfall.lt(config.metrics.saturationEpsilon).sum().item<int64_t>();
        statistics.examples += logits.size(0);
    }

    // Whether the run has memorised / grokked by this evaluation, counting the
    // evaluation itself before the detector has seen it.
    bool memorisedBy(const EvalSnapshot& s) const
    {
        return detector.memorisedStep() || s.trainAccuracy >= config.metrics.memorisationAccuracy;
    }
    bool grokkedBy(const EvalSnapshot& s) const
    {
        return detector.grokStep() || s.testAccuracy >= config.metrics.grokAccuracy;
    }

    void addNormDecay(EvalSnapshot& s)
    {
        if (!memorisedBy(s))
            return;
        if (const auto estimate = normDecay.add(double(s.step), s.weightNorm, config.metrics.normDecayTarget)) {
            s.normDecayRate = estimate->ratePerStep;
            if (!grokkedBy(s))
                s.normEtaStep = estimate->etaStep;
        }
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
    RepresentationAnalysis analyseRepresentations(const torch::Tensor& z, const torch::Tensor& unembed) const
    {
        RepresentationAnalysis a;
        try {
            // One column-major float64 copy that the spectrum and the diagnostics all read.
            using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
            const Eigen::MatrixXd zMatrix =
                Eigen::Map<const RowMajorFloat>(z.data_ptr<float>(), z.size(0), z.size(1)).cast<double>();
            const Eigen::MatrixXd covariance = representationCovariance(zMatrix, config.metrics.centring);
            std::optional<Eigensystem> eigensystem;
            if (fourierBasis && fourierBasis->usable() && fourierBasis->coversAllRows()
                && config.metrics.centring == Centring::Centred)
                eigensystem = decomposeSymmetric(covariance, config.metrics.fourierDirections);
            a.summary = summariseEigenvalues(eigensystem ? descendingEigenvalues(*eigensystem)
                                                         : descendingEigenvalues(covariance));
            if (fourierBasis)
                a.fourierAlignment = fourierBasis->alignment(zMatrix, config.metrics.fourierDirections,
                                                             eigensystem ? &*eigensystem : nullptr);
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

    // Final-position representations of the probe set, N × d, float32 on the CPU.
    torch::Tensor probeRepresentationFloat()
    {
        torch::NoGradGuard noGrad;
        if (fused) {
            torch::Tensor z = torch::empty({probeTokens.size(0), model->representationWidth()}, torch::kFloat32);
            fused->representations(model->parameters().flatValues().data_ptr<float>(), probeTokens.data_ptr<int64_t>(),
                                   probeTokens.size(0), z.data_ptr<float>());
            return z;
        }
        return model->forward(probeTokens, nullptr).representation.to(torch::kCPU, torch::kFloat32).contiguous();
    }

    void evaluate()
    {
        if (lastEvaluatedStep == step)
            return;
        lastEvaluatedStep = step;
        torch::NoGradGuard noGrad;
        EvalSnapshot s;
        s.step = step;
        const int spectrumEvery = config.run.spectrumEverySteps;
        const bool spectrumDue = spectrumEvery > 0 && step % spectrumEvery == 0;
        // The unembedding copy runs here (torch). On the fused path the probe forward
        // and the analysis run on one thread alongside the splits, from the same tables;
        // otherwise the probe forward runs here and the analysis after the splits.
        torch::Tensor z, unembed;
        RepresentationAnalysis analysis;
        EvaluationAlongside alongside;
        if (spectrumDue) {
            unembed = model->unembedding().to(torch::kCPU, torch::kFloat64).contiguous();
            if (fused) {
                z = torch::empty({probeTokens.size(0), model->representationWidth()}, torch::kFloat32);
                alongside.probeTokens = probeTokens.data_ptr<int64_t>();
                alongside.probeCount = probeTokens.size(0);
                alongside.probeOut = z.data_ptr<float>();
            } else {
                z = probeRepresentationFloat();
            }
            alongside.then = [&] { analysis = analyseRepresentations(z, unembed); };
        }
        measureSplits(s, alongside);
        const std::vector<double> squaredNorms = squaredNormPerTensor();
        s.weightNorm = std::sqrt(std::accumulate(squaredNorms.begin(), squaredNorms.end(), 0.0));
        s.learningRate = learningRateAt(std::max<long>(step, 1));
        s.elapsedMs = trainingMs;
        s.mixingActive = mixing;
        s.normMatchActive = !normTrajectory.empty();
        s.entropyFloorActive = entropyFloor;
        addNormDecay(s);

        if (spectrumDue) {
            if (analysis.failure)
                std::rethrow_exception(analysis.failure);
            s.entropy = analysis.summary.entropy;
            s.effectiveRank = analysis.summary.effectiveRank;
            addForecast(s);
            s.fourierAlignment = analysis.fourierAlignment;
            s.logAlignmentRatio = analysis.logAlignmentRatio;
            SpectrumSnapshot spectrum{step, analysis.summary.eigenvalues};
            for (RunObserver* o : observers)
                o->onSpectrum(spectrum);
        }
        ParameterNorms norms;
        norms.step = step;
        for (double squared : squaredNorms)
            norms.norms.push_back(std::sqrt(squared));
        for (RunObserver* o : observers)
            o->onParameterNorms(norms);
        for (RunObserver* o : observers)
            o->onEvaluation(s);
        for (const RunEvent& event : detector.observe(s))
            emit(event);
        if (failure.empty())
            stopIfEvaluationDiverged(s);

        const auto& saveAt = config.run.saveRepresentationsAtSteps;
        if (std::find(saveAt.begin(), saveAt.end(), step) != saveAt.end()) {
            const RepresentationSample sample = representationSample();
            for (RunObserver* o : observers)
                o->onRepresentations(sample);
        }
    }

    // Phase II only: before memorisation H̃ still moves with the fit itself, and after
    // T_grok there is nothing left to forecast.
    void addForecast(EvalSnapshot& s) const
    {
        const MetricsConfig& m = config.metrics;
        if (!memorisedBy(s) || grokkedBy(s) || !s.entropy || !std::isfinite(*s.entropy))
            return;
        ForecastFit fit;
        fit.entropyThreshold = effectiveEntropyThreshold(config);
        fit.c1 = m.forecastC1;
        fit.gamma = m.forecastGamma;
        fit.c2 = m.forecastC2;
        fit.residualSdSteps = m.forecastResidualSdSteps;
        const GrokPrediction prediction = predictGrokStepWithInterval(fit, double(s.step), *s.entropy);
        s.forecastGrokStep = prediction.grokStep;
        s.forecastHalfWidthSteps = prediction.halfWidthSteps;
    }

    RepresentationSample representationSample()
    {
        const torch::Tensor z = probeRepresentationFloat();
        RepresentationSample sample;
        sample.step = step;
        sample.rows = static_cast<int>(z.size(0));
        sample.columns = static_cast<int>(z.size(1));
        sample.values.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
        return sample;
    }

    bool finished() const
    {
        if (!failure.empty() || step >= config.run.steps)
            return true;
        if (config.run.stopAtGrok && detector.grokStep()) {
            const long margin = std::max<long>(0, config.run.stopAfterGrokSteps);
            return step >= *detector.grokStep() + margin;
        }
        return false;
    }
};

Trainer::Trainer(const TrainConfig& config) : d(std::make_unique<Impl>(config)) {}
Trainer::~Trainer() = default;

void Trainer::addObserver(RunObserver* observer) { d->observers.push_back(observer); }
const TrainConfig& Trainer::config() const { return d->config; }
const Dataset& Trainer::dataset() const { return d->data; }
long Trainer::step() const { return d->step; }
int Trainer::threads() const { return d->threads; }
bool Trainer::fusedPath() const { return d->fused != nullptr; }
bool Trainer::finished() const { return d->finished(); }
const std::string& Trainer::failure() const { return d->failure; }
bool Trainer::diverged() const { return d->diverged; }
const EventDetector& Trainer::events() const { return d->detector; }
double Trainer::trainingMs() const { return d->trainingMs; }
double Trainer::lastTrainingLoss() const { return d->lastLoss; }
bool Trainer::mixingEnabled() const { return d->mixing; }
bool Trainer::normMatchEnabled() const { return !d->normTrajectory.empty(); }
long Trainer::parameterCount() const { return static_cast<long>(d->model->parameters().count()); }
std::vector<std::string> Trainer::parameterNames() const { return d->model->parameters().names(); }
void Trainer::evaluate() { d->evaluate(); }
void Trainer::setMixing(bool enabled, double alpha, MixingSite site) { d->setMixing(enabled, alpha, site); }
void Trainer::setEntropyFloor(bool enabled, double target, double weight) { d->setEntropyFloor(enabled, target, weight); }
bool Trainer::entropyFloorEnabled() const { return d->entropyFloor; }
double Trainer::lastBatchEntropy() const { return d->lastBatchEntropy; }
RepresentationSample Trainer::probeRepresentations() { return d->representationSample(); }

void Trainer::setNormTrajectory(std::vector<std::pair<long, double>> trajectory, const std::string& source)
{
    std::sort(trajectory.begin(), trajectory.end());
    const bool wasOn = !d->normTrajectory.empty();
    d->normTrajectory = std::move(trajectory);
    const bool isOn = !d->normTrajectory.empty();
    if (wasOn == isOn)
        return;
    RunEvent event;
    event.step = d->step;
    event.type = "intervention";
    event.labels["kind"] = "norm_match";
    event.labels["state"] = isOn ? "on" : "off";
    event.labels["reference"] = source;
    event.message = std::string("norm matching ") + (isOn ? "on, following " + source : "off") + " at step "
                    + std::to_string(d->step);
    d->emit(event);
}

long Trainer::advance(long maxSteps)
{
    if (d->lastEvaluatedStep < 0)
        d->evaluate();  // the initial state is always measured
    long done = 0;
    const int evalEvery = d->config.run.evalEverySteps;
    while (done < maxSteps && !d->finished()) {
        const auto start = std::chrono::steady_clock::now();
        const bool ok = d->trainOneStep();
        d->trainingMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!ok)
            break;
        ++done;
        if (d->step % evalEvery == 0 || d->step >= d->config.run.steps)
            d->evaluate();
    }
    return done;
}

void Trainer::saveCheckpoint(const std::string& path) const
{
    torch::serialize::OutputArchive archive;
    archive.write("parameters", d->model->parameters().flatValues().to(torch::kCPU));
    d->optimiser->save(archive);
    archive.write("step", torch::tensor(static_cast<int64_t>(d->step)));
    archive.write("training_ms", torch::tensor(d->trainingMs, torch::kFloat64));
    archive.write("last_evaluated_step", torch::tensor(static_cast<int64_t>(d->lastEvaluatedStep)));
    archive.write("mixing", torch::tensor({d->mixing ? 1.0 : 0.0, d->mixingAlpha,
                                           static_cast<double>(static_cast<int>(d->mixingSite))},
                                          torch::kFloat64));
    archive.write("entropy_floor", torch::tensor({d->entropyFloor ? 1.0 : 0.0, d->entropyFloorTarget,
                                                  d->entropyFloorWeight},
                                                 torch::kFloat64));
    std::vector<double> normCurve;
    for (const auto& [s, n] : d->normTrajectory) {
        normCurve.push_back(static_cast<double>(s));
        normCurve.push_back(n);
    }
    archive.write("norm_trajectory", torch::tensor(normCurve, torch::kFloat64));
    const EventDetector::State events = d->detector.state();
    auto orMinusOne = [](const std::optional<long>& v) { return static_cast<double>(v.value_or(-1)); };
    archive.write("event_steps", torch::tensor({orMinusOne(events.memorised), orMinusOne(events.grokked),
                                                orMinusOne(events.crossed), orMinusOne(events.collapsed)},
                                               torch::kFloat64));
    archive.write("recent_entropy", torch::tensor(events.recentEntropy, torch::kFloat64));
    std::vector<double> normHistory;
    for (const auto& [s, squared] : d->normDecay.points()) {
        normHistory.push_back(s);
        normHistory.push_back(squared);
    }
    archive.write("squared_norm_history", torch::tensor(normHistory, torch::kFloat64));
    // Serialised in memory, then written by checkpoint_file with its checksum: LibTorch's
    // own file writer aborts the process when the disk fills (it throws from a destructor).
    std::ostringstream bytes;
    archive.save_to(bytes);
    writeCheckpointFile(path, d->config, bytes.str());
}

void Trainer::loadCheckpoint(const std::string& path)
{
    const std::string payload = readCheckpointFile(path, d->config);
    try {
        loadCheckpointArchive(payload);
    } catch (const c10::Error& error) {
        throw RunLogError(path + ": checkpoint is unreadable: " + error.what_without_backtrace());
    }
    if (d->step < 0 || d->step > d->config.run.steps)
        throw RunLogError(path + ": checkpoint step " + std::to_string(d->step) + " lies outside this run's 0.."
                          + std::to_string(d->config.run.steps));
}

void Trainer::loadCheckpointArchive(const std::string& payload)
{
    torch::serialize::InputArchive archive;
    std::istringstream bytes(payload);
    archive.load_from(bytes);
    torch::Tensor values, step, trainingMs, lastEvaluated, mixing, normCurve, eventSteps, recentEntropy;
    archive.read("parameters", values);
    d->model->parameters().assign(values.to(d->device));
    d->optimiser->load(archive, d->device);
    archive.read("step", step);
    archive.read("training_ms", trainingMs);
    archive.read("last_evaluated_step", lastEvaluated);
    archive.read("mixing", mixing);
    archive.read("norm_trajectory", normCurve);
    archive.read("event_steps", eventSteps);
    archive.read("recent_entropy", recentEntropy);
    d->step = step.item<int64_t>();
    d->trainingMs = trainingMs.item<double>();
    d->lastEvaluatedStep = lastEvaluated.item<int64_t>();
    d->mixing = mixing[0].item<double>() != 0.0;
    d->mixingAlpha = mixing[1].item<double>();
    d->mixingSite = static_cast<MixingSite>(static_cast<int>(mixing[2].item<double>()));
    torch::Tensor floor;
    if (archive.try_read("entropy_floor", floor)) {  // absent in checkpoints older than the lever
        d->entropyFloor = floor[0].item<double>() != 0.0;
        d->entropyFloorTarget = floor[1].item<double>();
        d->entropyFloorWeight = floor[2].item<double>();
    }
    torch::Tensor normHistory;
    std::vector<std::pair<double, double>> normPoints;
    if (archive.try_read("squared_norm_history", normHistory))  // absent before the norm-decay diagnostic
        for (int64_t i = 0; i + 1 < normHistory.numel(); i += 2)
            normPoints.emplace_back(normHistory[i].item<double>(), normHistory[i + 1].item<double>());
    d->normDecay.restore(std::move(normPoints));
    d->normTrajectory.clear();
    for (int64_t i = 0; i + 1 < normCurve.numel(); i += 2)
        d->normTrajectory.emplace_back(static_cast<long>(normCurve[i].item<double>()), normCurve[i + 1].item<double>());
    auto optionalStep = [&](int i) -> std::optional<long> {
        const double v = eventSteps[i].item<double>();
        return v < 0 ? std::nullopt : std::optional<long>(static_cast<long>(v));
    };
    EventDetector::State state;
    state.memorised = optionalStep(0);
    state.grokked = optionalStep(1);
    state.crossed = optionalStep(2);
    state.collapsed = optionalStep(3);
    const double* entropy = recentEntropy.data_ptr<double>();
    state.recentEntropy.assign(entropy, entropy + recentEntropy.numel());
    d->detector.restore(state);
}

}  // namespace grokscope
