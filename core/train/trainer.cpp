#include "train/trainer.h"

#include "io/checkpoint_file.h"
#include "io/run_log.h"
#include "train/checkpoint_io.h"
#include "train/engine_threads.h"
#include "train/evaluator.h"
#include "train/step_paths.h"
#include "train/trainer_state.h"

#include <algorithm>
#include <chrono>
#include <cmath>
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

}  // namespace

TrainerState::TrainerState(const TrainConfig& c)
    : config(c),
      data(buildDataset(c.task, c.metrics)),
      device(resolveDevice(c.run.device)),
      detector(EventThresholds{c.metrics.memorisationAccuracy, c.metrics.grokAccuracy, effectiveEntropyThreshold(c),
                               c.metrics.collapseDrop, c.metrics.collapseWindowSteps,
                               c.metrics.collapseSmoothingSteps, c.metrics.entropyEventsAfterMemorisation}),
      levers(c.intervention),
      normDecay(NormDecayTracker::forConfig(c)),
      lastLoss(std::nan(""))
{
    const bool fusedTransformerPath = fusedTransformerApplies(c.model, device, data);
    const bool fusedMlpPath = fusedMlpApplies(c.model, device);
    threads = configureEngineThreads(c.run.threads, fusedTransformerPath || fusedMlpPath);
    model = createModel(c.model, data, c.run.modelSeed, device);
    optimiser = std::make_unique<AdamW>(model->parameters(), c.optim);
    if (fusedTransformerPath || fusedMlpPath) {
        pool = std::make_unique<WorkerPool>(threads);
        if (fusedTransformerPath)
            fused = createFusedTransformer(*model, data, c.model, *pool);
        else
            fusedMlp = createFusedMlp(*model, data, c.model, *pool);
        optimiser->setPool(pool.get());
    }
    tensors.trainTokens = tokenTensor(data, data.trainPairs, device);
    tensors.trainLabels = labelTensor(data, data.trainPairs, device);
    tensors.testTokens = tokenTensor(data, data.testPairs, device);
    tensors.testLabels = labelTensor(data, data.testPairs, device);
    tensors.probeTokens = tokenTensor(data, data.probePairs, device);
}

void TrainerState::emit(const RunEvent& event)
{
    for (RunObserver* o : observers)
        o->onEvent(event);
}

double TrainerState::learningRateAt(long stepNumber) const
{
    const int warmup = config.optim.warmupSteps;
    const double factor = warmup > 0 ? std::min(1.0, double(stepNumber) / warmup) : 1.0;
    return config.optim.learningRate * factor;
}

void TrainerState::stopDiverged(const std::string& quantity, double value, long stepNumber)
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

// The parts of a Trainer: the shared state, and the evaluator with its own per-task
// tables. Training steps and checkpoints are functions of the state.
struct Trainer::Impl {
    TrainerState state;
    Evaluator evaluator;

    explicit Impl(const TrainConfig& config) : state(config), evaluator(state) {}

    bool finished() const
    {
        const TrainerState& s = state;
        if (!s.failure.empty() || s.step >= s.config.run.steps)
            return true;
        if (s.config.run.stopAtGrok && s.detector.grokStep()) {
            const long margin = std::max<long>(0, s.config.run.stopAfterGrokSteps);
            return s.step >= *s.detector.grokStep() + margin;
        }
        return false;
    }

    void emitIf(const std::optional<RunEvent>& event)
    {
        if (event)
            state.emit(*event);
    }
};

Trainer::Trainer(const TrainConfig& config) : d(std::make_unique<Impl>(config)) {}
Trainer::~Trainer() = default;

void Trainer::addObserver(RunObserver* observer) { d->state.observers.push_back(observer); }
const TrainConfig& Trainer::config() const { return d->state.config; }
const Dataset& Trainer::dataset() const { return d->state.data; }
long Trainer::step() const { return d->state.step; }
int Trainer::threads() const { return d->state.threads; }
// Either hand-written step (FusedTransformer or FusedMlp) trains this run.
bool Trainer::fusedPath() const { return d->state.fused != nullptr || d->state.fusedMlp != nullptr; }
bool Trainer::finished() const { return d->finished(); }
const std::string& Trainer::failure() const { return d->state.failure; }
bool Trainer::diverged() const { return d->state.diverged; }
const EventDetector& Trainer::events() const { return d->state.detector; }
double Trainer::trainingMs() const { return d->state.trainingMs; }
double Trainer::lastTrainingLoss() const { return d->state.lastLoss; }
long Trainer::parameterCount() const { return static_cast<long>(d->state.model->parameters().count()); }
std::vector<std::string> Trainer::parameterNames() const { return d->state.model->parameters().names(); }
void Trainer::evaluate() { d->evaluator.evaluate(); }
RepresentationSample Trainer::probeRepresentations() { return d->evaluator.representationSample(); }

void Trainer::setMixing(const MixingSettings& settings) { d->emitIf(d->state.levers.setMixing(settings, d->state.step)); }
const MixingSettings& Trainer::mixing() const { return d->state.levers.mixing(); }
void Trainer::setEntropyFloor(const EntropyFloorSettings& settings)
{
    d->emitIf(d->state.levers.setEntropyFloor(settings, d->state.step));
}
const EntropyFloorSettings& Trainer::entropyFloor() const { return d->state.levers.entropyFloor(); }
double Trainer::lastBatchEntropy() const { return d->state.levers.lastBatchEntropy(); }
NormMatchSettings Trainer::normMatch() const { return d->state.levers.normMatch(); }

void Trainer::setNormTrajectory(std::vector<std::pair<long, double>> trajectory, const std::string& source)
{
    d->emitIf(d->state.levers.setNormTrajectory({std::move(trajectory), source}, d->state.step));
}

long Trainer::advance(long maxSteps)
{
    TrainerState& s = d->state;
    if (s.lastEvaluatedStep < 0)
        d->evaluator.evaluate();  // the initial state is always measured
    long done = 0;
    const int evalEvery = s.config.run.evalEverySteps;
    while (done < maxSteps && !d->finished()) {
        const auto start = std::chrono::steady_clock::now();
        const bool ok = trainOneStep(s);
        s.trainingMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!ok)
            break;
        ++done;
        if (s.step % evalEvery == 0 || s.step >= s.config.run.steps)
            d->evaluator.evaluate();
    }
    return done;
}

void Trainer::saveCheckpoint(const std::string& path) const
{
    writeCheckpointFile(path, d->state.config, checkpointArchive(d->state));
}

void Trainer::loadCheckpoint(const std::string& path)
{
    TrainerState& s = d->state;
    restoreCheckpointArchive(s, readCheckpointFile(path, s.config), path);
    if (s.step < 0 || s.step > s.config.run.steps)
        throw RunLogError(path + ": checkpoint step " + std::to_string(s.step) + " lies outside this run's 0.."
                          + std::to_string(s.config.run.steps));
}

}  // namespace grokscope
