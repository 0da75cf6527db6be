#pragma once
// Every setting of a run, as plain values. Defaults live here and only here:
// presets and command-line overrides change fields, they never restate defaults.
// JSON conversion and validation live in io/config_json.

#include "config/levers.h"

#include <optional>
#include <string>
#include <vector>

namespace grokscope {

enum class TaskKind { Add, Sub, Mul, Div, Permutation };
enum class Architecture { Transformer, Mlp };
enum class Activation { Relu, Gelu };
enum class LayerNormPlacement { None, Pre, Post };
enum class BatchMode { SampledWithReplacement, FullBatch };
enum class ProbeSource { Train, Test };
enum class Centring { Centred, Uncentred };
// Operands of the fused Transformer's training products: float32, or rounded to bfloat16
// with float32 accumulation (compute/bf16_gemm.h). Evaluation is float32 either way.
enum class MatmulPrecision { Float32, Bf16 };
// How the parameters are drawn before training (model/parameter_init.h has the formulas):
// scaled_normal, N(0, 1/d) for every matrix as Nanda et al. (the GrokScope default), or
// pytorch, the defaults of PyTorch's nn.Embedding and nn.Linear.
enum class InitScheme { ScaledNormal, Pytorch };

struct TaskConfig {
    TaskKind kind = TaskKind::Add;
    int modulus = 97;               // p for the cyclic tasks
    int permutationDegree = 5;      // n for S_n
    double trainFraction = 0.3;
    unsigned long long dataSeed = 0;  // the split has its own seed, separate from the model's
    bool equalsToken = true;        // inputs "a b =" (true) or "a b" (false)
};

struct ModelConfig {
    Architecture architecture = Architecture::Transformer;
    int layers = 1;
    int dModel = 128;
    int heads = 4;
    int dMlp = 512;
    Activation activation = Activation::Relu;
    LayerNormPlacement layerNorm = LayerNormPlacement::None;
    bool finalLayerNorm = false;
    int mlpHiddenLayers = 2;   // MLP control only
    int mlpHiddenWidth = 128;  // MLP control only; also the width of its representation
    // Layer-0 projections computed once per (token, position) and gathered: the same
    // arithmetic as the plain path, fewer FLOPs. False selects the plain path.
    bool lookupTables = true;
    MatmulPrecision matmulPrecision = MatmulPrecision::Float32;
    InitScheme init = InitScheme::ScaledNormal;
    double initScale = 1.0;  // every initial parameter times this (Omnigrok's α·θ₀)
};

struct OptimConfig {
    double learningRate = 1e-3;
    double weightDecay = 1.0;
    double beta1 = 0.9;
    double beta2 = 0.98;
    double epsilon = 1e-8;
    int warmupSteps = 10;
    BatchMode batchMode = BatchMode::SampledWithReplacement;
    int batchSize = 512;
};

struct RunConfig {
    long steps = 30000;
    unsigned long long modelSeed = 0;  // initialisation and batch sampling
    int evalEverySteps = 100;
    int spectrumEverySteps = 100;      // a multiple of evalEverySteps
    int checkpointEverySteps = 1000;   // 0 disables periodic checkpoints
    int keepCheckpoints = 3;           // older periodic checkpoints are deleted
    bool stopAtGrok = false;
    long stopAfterGrokSteps = -1;      // with stopAtGrok: keep training this many steps past T_grok
    std::string device = "cpu";        // "cpu" or "cuda"
    int threads = 0;                   // 0 = choose automatically (see engine docs)
    std::vector<long> saveRepresentationsAtSteps;  // probe representations as .npy
};

struct MetricsConfig {
    int probeSize = 512;
    ProbeSource probeSource = ProbeSource::Train;
    Centring centring = Centring::Centred;
    std::optional<double> entropyThreshold;  // H̃*; unset = the task's value from the paper
    double memorisationAccuracy = 0.95;
    double grokAccuracy = 0.99;
    double collapseDrop = 0.05;
    // T_collapse: H̃ fell by more than collapseDrop over this many steps. In steps, not
    // evaluations, so that the rule means the same at every cadence: 800 is the paper's
    // window of 5 evaluations, first to last, at its 200-step cadence. The key
    // metrics.collapse_window_evals of older configs reads as (evals − 1) × the spectrum
    // cadence (io/config_json.cpp).
    int collapseWindowSteps = 800;
    // H̃ in the collapse rule is the mean over the evaluations of this many trailing
    // steps (0 = the raw value), so that one noisy evaluation cannot fire it.
    int collapseSmoothingSteps = 0;
    bool entropyEventsAfterMemorisation = true;  // see EventThresholds
    // The live forecast T_grok ≈ t + C₁ (H̃ − H̃*)^γ + C₂ (metrics/forecast.h), shown
    // between memorisation and T_grok. Defaults: the paper's pooled fit (docs/science.md,
    // "Forecast"); a preset may carry a fit of its own runs (grokscope-cli forecast).
    double forecastC1 = 2.45e5;
    double forecastGamma = 1.65;
    double forecastC2 = 0.0;
    double forecastResidualSdSteps = 3000.0;  // the ± of the forecast is 1.96 × this
    // Diagnostics beyond the paper (metrics/diagnostics.h).
    int fourierDirections = 8;          // K leading eigenvectors in the Fourier alignment
    double saturationEpsilon = 1e-4;    // an example is saturated when 1 − max softmax < ε
    int normDecayWindowSteps = 2000;    // the ‖θ‖² decay is fitted over this many recent steps (≥ 3 evaluations)
    std::optional<double> normDecayTarget;  // ‖θ‖₂ the norm-decay ETA aims at; unset = no ETA
};

// A config's schedule of the entropy-blocking levers and their controls
// (docs/science.md, "Interventions"). The keys stay flat (intervention.mixing_alpha, …);
// the values they schedule are the lever types of config/levers.h, whose defaults they
// take. The GUI sets the same levers at run time.
struct InterventionConfig {
    bool mixing = false;               // representation mixing, z_i ← (1−α) z_i + α z_π(i)
    double mixingAlpha = MixingSettings{}.alpha;
    MixingSite mixingSite = MixingSettings{}.site;
    MixingForm mixingForm = MixingSettings{}.form;
    MixingPartnerGradient mixingPartnerGradient = MixingSettings{}.partnerGradient;
    MixingPermutation mixingPermutation = MixingSettings{}.permutation;
    double mixingProbability = MixingSettings{}.probability;
    bool mixingLabels = MixingSettings{}.mixLabels;
    bool mixingAtEvaluation = MixingSettings{}.atEvaluation;
    long mixingFromStep = 0;           // with mixing: switched on for step from+1 …
    long mixingUntilStep = -1;         // … and off after step until; -1 = to the end
    std::string normReferenceRun;      // run directory whose ‖θ‖₂ trajectory is followed; empty = off
    // Entropy floor: the training loss gains β·max(0, H̃_floor − H̃_batch), H̃_batch the
    // normalised spectral entropy of the batch's centred representation covariance.
    bool entropyFloor = false;
    double entropyFloorTarget = EntropyFloorSettings{}.target;  // H̃_floor
    double entropyFloorWeight = EntropyFloorSettings{}.weight;  // β
    long entropyFloorFromStep = 0;     // switched on for step from+1 …
    long entropyFloorUntilStep = -1;   // … and off after step until; -1 = to the end

    // The levers this schedule sets, `enabled` as scheduled (inside the window or not).
    MixingSettings mixingSettings() const
    {
        return {mixing,           mixingAlpha,       mixingSite,   mixingForm,        mixingPartnerGradient,
                mixingPermutation, mixingProbability, mixingLabels, mixingAtEvaluation};
    }
    EntropyFloorSettings entropyFloorSettings() const { return {entropyFloor, entropyFloorTarget, entropyFloorWeight}; }
    NormMatchSettings normMatchSettings() const { return {!normReferenceRun.empty(), normReferenceRun}; }
    LeverWindow mixingWindow() const { return {mixingFromStep, mixingUntilStep}; }
    LeverWindow entropyFloorWindow() const { return {entropyFloorFromStep, entropyFloorUntilStep}; }
};

struct TrainConfig {
    std::string name = "custom";
    TaskConfig task;
    ModelConfig model;
    OptimConfig optim;
    RunConfig run;
    MetricsConfig metrics;
    InterventionConfig intervention;
};

// H̃* per task, from the paper (docs/science.md, "Events"): add 0.605, sub 0.589, mul 0.589,
// S5 0.655; tasks it did not report fall back to the mod-97 mean 0.609.
double paperEntropyThreshold(TaskKind kind);
double effectiveEntropyThreshold(const TrainConfig& config);

}  // namespace grokscope
