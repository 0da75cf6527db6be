// grokscope-bench: the speed figures of README.md "Threads and speed", one JSON
// line each.
// Uses only core's public, torch-free API: Trainer, presets and config overrides.
//
//   grokscope-bench [--quick] [--steps-only] [--grok-only] [--threads N] [--steps N] [--eval-repeats N]
//                   [--overhead-steps N] [--preset NAME] [--set KEY=VALUE]... [--dump-losses N FILE]

#include "bench_experiment.h"
#include "io/config_json.h"
#include "model/step_work.h"
#include "metrics/spectrum.h"
#include "compute/sgemm.h"
#include "train/engine_threads.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace {

using grokscope::TrainConfig;
using grokscope::Trainer;
using Clock = std::chrono::steady_clock;

struct Options {
    bool quick = false;
    bool stepsOnly = false;    // only the two steps/s figures (the side-by-side runner)
    bool grokOnly = false;     // only the run to T_grok (the side-by-side runner's GROK=1)
    int threads = -1;          // -1: keep the preset's run.threads
    long steps = 300;          // timed steps at batch 512; full batch runs steps / 4
    int warmupSteps = 10;      // untimed steps before each timing
    int evalRepeats = 20;      // evaluations timed with and without the spectrum
    long overheadSteps = 1000; // steps at the default cadence for the overhead in --quick mode
    long dumpLosses = 0;
    std::string dumpFile;
    std::string preset = "z97-add";
    std::vector<std::string> overrides;  // --set key=value, applied to every figure
    grokscope::bench::ExperimentPlanOptions experiment;  // with --experiment, the only figure
};

[[noreturn]] void usage(int code)
{
    std::cerr << "usage: grokscope-bench [--quick] [--steps-only] [--grok-only] [--threads N] [--steps N] [--eval-repeats N]\n"
                 "                       [--overhead-steps N] [--preset NAME] [--set KEY=VALUE]...\n"
                 "                       [--dump-losses N FILE]\n"
                 "       grokscope-bench --experiment SPEC [--jobs N] [--dir DIR] [--steps N]\n"
                 "  --quick           skip the run to T_grok (about 25 s)\n"
                 "  --steps-only      only the steps/s figures (batch 512 and full batch)\n"
                 "  --grok-only       only the run to T_grok (and peak RSS)\n"
                 "  --threads N       run.threads for every figure (engine threads; see README)\n"
                 "  --steps N         timed steps at batch 512 (full batch: N / 4); default 300\n"
                 "  --eval-repeats N  evaluations timed with and without the spectrum; default 20\n"
                 "  --overhead-steps N  steps at the default cadence for the overhead with --quick\n"
                 "  --set KEY=VALUE   config override for every figure, e.g. model.lookup_tables=false\n"
                 "  --dump-losses N FILE  write the first N minibatch losses of seed 0, then exit\n"
                 "  --experiment SPEC the experiment's planned wall time from per-step costs measured\n"
                 "                    here with --jobs trainers at once (default: one per core);\n"
                 "                    --dir DIR adds the plan from the steps its runs took and the\n"
                 "                    wall time the runner recorded; --steps: timed steps per kind\n";
    std::exit(code);
}

Options parseOptions(int argc, char** argv)
{
    Options o;
    auto value = [&](int& i) -> std::string {
        if (i + 1 >= argc)
            usage(2);
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick")
            o.quick = true;
        else if (a == "--steps-only")
            o.stepsOnly = true;
        else if (a == "--grok-only")
            o.grokOnly = true;
        else if (a == "--threads")
            o.threads = std::stoi(value(i));
        else if (a == "--steps")
            o.steps = std::stol(value(i));
        else if (a == "--eval-repeats")
            o.evalRepeats = std::stoi(value(i));
        else if (a == "--overhead-steps")
            o.overheadSteps = std::stol(value(i));
        else if (a == "--preset")
            o.preset = value(i);
        else if (a == "--set")
            o.overrides.push_back(value(i));
        else if (a == "--experiment")
            o.experiment.spec = value(i);
        else if (a == "--jobs")
            o.experiment.jobs = std::stoi(value(i));
        else if (a == "--dir")
            o.experiment.directory = value(i);
        else if (a == "--dump-losses") {
            o.dumpLosses = std::stol(value(i));
            o.dumpFile = value(i);
        } else if (a == "--help" || a == "-h")
            usage(0);
        else {
            std::cerr << "grokscope-bench: unknown option " << a << "\n";
            usage(2);
        }
    }
    if (o.steps < 1 || o.evalRepeats < 1 || o.overheadSteps < 1 || o.experiment.jobs < 0)
        usage(2);
    if ((o.experiment.jobs > 0 || !o.experiment.directory.empty()) && o.experiment.spec.empty())
        usage(2);
    o.experiment.timedSteps = o.steps;
    return o;
}

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double peakRssMb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string environment(const char* name)
{
    const char* v = std::getenv(name);
    return v ? v : "";
}

class Reporter {
public:
    explicit Reporter(const Options& options) : m_options(options) {}

    void emit(const std::string& figure, nlohmann::json values) const
    {
        values["side"] = "grokscope";
        values["figure"] = figure;
        values["preset"] = m_options.preset;
        values["overrides"] = m_options.overrides;
        values["run_threads"] = m_runThreads;
        values["engine_threads"] = m_engineThreads;
        values["engine_path"] = m_enginePath;
        values["sgemm"] = grokscope::sgemmUsesBlas() ? "cblas_sgemm" : "eigen";
        values["torch_threads"] = grokscope::torchIntraOpThreads();
        values["openblas_threads"] = openblas_get_num_threads ? openblas_get_num_threads() : -1;
        values["OMP_NUM_THREADS"] = environment("OMP_NUM_THREADS");
        values["OPENBLAS_NUM_THREADS"] = environment("OPENBLAS_NUM_THREADS");
        values["MKL_NUM_THREADS"] = environment("MKL_NUM_THREADS");
        values["peak_rss_mb"] = peakRssMb();
        std::cout << values.dump() << std::endl;
    }
    void setRunThreads(int threads) { m_runThreads = threads; }
    // What the trainer resolved: thread count and which step runs.
    void setEngine(const Trainer& trainer)
    {
        m_engineThreads = trainer.threads();
        m_enginePath = trainer.fusedPath() ? "fused" : "autograd";
    }

private:
    const Options& m_options;
    int m_runThreads = 0;
    int m_engineThreads = 0;
    std::string m_enginePath = "unknown";
};

TrainConfig baseConfig(const Options& options)
{
    TrainConfig c = grokscope::loadPreset(options.preset);
    for (const std::string& assignment : options.overrides)
        c = grokscope::applyOverride(c, assignment);
    if (options.threads >= 0)
        c.run.threads = options.threads;
    return c;
}

// A config that never evaluates on its own (beyond the initial state) and never stops
// within any timing: a billion steps, the most a config accepts.
TrainConfig timingConfig(const Options& options)
{
    TrainConfig c = baseConfig(options);
    c.run.steps = 1'000'000'000;
    c.run.evalEverySteps = 1 << 30;
    c.run.spectrumEverySteps = 0;
    c.run.stopAtGrok = false;
    return c;
}

double median(std::vector<double> v);

// One core's sgemm rate on the step's largest shapes, operands hot in cache: the six
// MLP products of one chunk (half the batch), repeated. The ceiling the step is
// measured against.
double sgemmGflopsPerCore(const TrainConfig& c)
{
    using grokscope::Op;
    const int64_t rows = c.optim.batchSize / 2, d = c.model.dModel, m = c.model.dMlp;
    std::vector<float> x(size_t(rows * d), 0.5f), w(size_t(d * m), 0.25f), h(size_t(rows * m), 0.125f),
        out(size_t(rows * d)), gradient(size_t(d * m));
    auto chunk = [&] {
        grokscope::sgemm(Op::None, Op::None, rows, m, d, 1.0f, x.data(), d, w.data(), m, 0.0f, h.data(), m);
        grokscope::sgemm(Op::None, Op::None, rows, d, m, 1.0f, h.data(), m, w.data(), m, 0.0f, out.data(), d);
        grokscope::sgemm(Op::None, Op::Transpose, rows, m, d, 1.0f, x.data(), d, w.data(), d, 0.0f, h.data(), m);
        grokscope::sgemm(Op::Transpose, Op::None, m, d, rows, 1.0f, h.data(), m, x.data(), d, 0.0f, gradient.data(), d);
        grokscope::sgemm(Op::Transpose, Op::None, d, m, rows, 1.0f, x.data(), d, h.data(), m, 0.0f, gradient.data(), m);
        grokscope::sgemm(Op::None, Op::Transpose, rows, d, m, 1.0f, h.data(), m, w.data(), m, 0.0f, out.data(), d);
    };
    for (int i = 0; i < 20; ++i)
        chunk();
    std::vector<double> rates;
    for (int round = 0; round < 7; ++round) {
        const int repeats = 50;
        const auto start = Clock::now();
        for (int i = 0; i < repeats; ++i)
            chunk();
        rates.push_back(6.0 * 2.0 * double(rows * d * m) * repeats / (msSince(start) * 1e6));
    }
    return median(rates);
}

// Runs first, so its trainer tells the reporter which engine every later figure uses.
void measureSteps(const Options& options, Reporter& reporter, grokscope::BatchMode mode, long steps)
{
    TrainConfig c = timingConfig(options);
    c.optim.batchMode = mode;
    grokscope::validateConfig(c);
    Trainer trainer(c);
    reporter.setEngine(trainer);
    trainer.advance(options.warmupSteps);  // includes the evaluation of the initial state
    const double trainingBefore = trainer.trainingMs();
    const auto start = Clock::now();
    const long done = trainer.advance(steps);
    const double wallMs = msSince(start);
    const double stepMs = trainer.trainingMs() - trainingBefore;
    const bool full = mode == grokscope::BatchMode::FullBatch;
    const long batch = full ? long(trainer.dataset().trainPairs.size()) : long(c.optim.batchSize);
    nlohmann::json figure = {{"batch_mode", full ? "full" : "sampled"},
                             {"batch", batch},
                             {"steps", done},
                             {"value", 1000.0 * done / wallMs},
                             {"ms_per_step", wallMs / done},
                             {"ms_per_step_in_trainer", stepMs / done}};
    if (trainer.fusedPath()) {
        const double flops = grokscope::stepGemmFlops(c, trainer.dataset(), batch);
        figure["gemm_gflop_per_step"] = flops / 1e9;
        figure["gemm_gflops_achieved"] = flops * done / (wallMs * 1e6);
    }
    reporter.emit("steps_per_s", figure);
}

// The step against the machine's sgemm rate: how many steps per second the GEMMs alone
// would allow if every thread ran them at the hot-cache rate.
void measureSgemmLimit(const Options& options, Reporter& reporter)
{
    TrainConfig c = timingConfig(options);
    grokscope::validateConfig(c);
    Trainer trainer(c);
    // The MLP control's limit is its own shapes' (grokscope-bench-mlp).
    if (!trainer.fusedPath() || c.model.architecture != grokscope::Architecture::Transformer)
        return;
    const double perCore = sgemmGflopsPerCore(c);
    const double flops = stepGemmFlops(c, trainer.dataset(), c.optim.batchSize);
    reporter.emit("sgemm_limit", {{"what", "hot-cache sgemm on the step's MLP chunk shapes, one core"},
                                  {"value", perCore},
                                  {"batch", c.optim.batchSize},
                                  {"gemm_gflop_per_step", flops / 1e9},
                                  {"steps_per_s_at_limit", perCore * 1e9 * trainer.threads() / flops}});
}

// Wall time of advance(1) minus the trainer's own step time is the evaluation that
// advance runs after the step (eval cadence 1). The trainers with and without the
// spectrum alternate, so background load falls on both alike.
struct EvaluationSamples {
    std::vector<double> plainMs, withSpectrumMs;
};

EvaluationSamples evaluationSamples(const Options& options)
{
    auto makeTrainer = [&](int spectrumEverySteps) {
        TrainConfig c = timingConfig(options);
        c.run.evalEverySteps = 1;
        c.run.spectrumEverySteps = spectrumEverySteps;
        grokscope::validateConfig(c);
        auto trainer = std::make_unique<Trainer>(c);
        trainer->advance(options.warmupSteps);
        return trainer;
    };
    auto evaluationMs = [](Trainer& trainer) {
        const double trainingBefore = trainer.trainingMs();
        const auto start = Clock::now();
        trainer.advance(1);
        return msSince(start) - (trainer.trainingMs() - trainingBefore);
    };
    auto plain = makeTrainer(0);
    auto withSpectrum = makeTrainer(1);
    EvaluationSamples samples;
    for (int i = 0; i < options.evalRepeats; ++i) {
        samples.plainMs.push_back(evaluationMs(*plain));
        samples.withSpectrumMs.push_back(evaluationMs(*withSpectrum));
    }
    return samples;
}

// The spectrum's parts timed directly through the public API: the probe forward
// (Trainer::probeRepresentations) and covariance + eigenvalues
// (summariseRepresentations). On its spectrum cadence evaluate() also computes the
// eigenvectors (for the Fourier alignment) and the diagnostics: the difference of
// evaluate() with and without the spectrum, reported alongside, includes those.
std::vector<double> spectrumSamples(const Options& options)
{
    TrainConfig c = timingConfig(options);
    Trainer trainer(c);
    trainer.advance(options.warmupSteps);
    std::vector<double> samples;
    for (int i = 0; i < options.evalRepeats; ++i) {
        const auto start = Clock::now();
        const grokscope::RepresentationSample z = trainer.probeRepresentations();
        const Eigen::MatrixXd zMatrix = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                                            z.values.data(), z.rows, z.columns)
                                            .cast<double>();
        const grokscope::SpectrumSummary summary = grokscope::summariseRepresentations(zMatrix, c.metrics.centring);
        samples.push_back(msSince(start));
        if (!(summary.entropy >= 0.0))
            throw std::runtime_error("spectrum benchmark: entropy is not a number");
    }
    return samples;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

void measureEvaluation(const Options& options, const Reporter& reporter)
{
    const EvaluationSamples e = evaluationSamples(options);
    const std::vector<double> spectrum = spectrumSamples(options);
    reporter.emit("ms_per_eval", {{"what", "train + test loss and accuracy, weight and per-tensor norms"},
                                  {"value", median(e.plainMs)},
                                  {"mean", mean(e.plainMs)},
                                  {"repeats", options.evalRepeats}});
    reporter.emit("ms_per_spectrum",
                  {{"what", "probe forward + covariance + eigendecomposition, timed directly"},
                   {"value", median(spectrum)},
                   {"mean", mean(spectrum)},
                   {"probe_size", baseConfig(options).metrics.probeSize},
                   {"eval_with_spectrum_ms", median(e.withSpectrumMs)},
                   {"eval_with_minus_without_ms", median(e.withSpectrumMs) - median(e.plainMs)},
                   {"repeats", options.evalRepeats}});
}

// Trains at the preset's cadence (eval and spectrum every 100 steps by default) and
// reports the share of wall time not spent in optimiser steps.
struct CadenceRun {
    double wallMs = 0, trainingMs = 0;
    long steps = 0;
};

CadenceRun runAtDefaultCadence(Trainer& trainer, long maxSteps)
{
    CadenceRun r;
    const auto start = Clock::now();
    while (!trainer.finished() && r.steps < maxSteps)
        r.steps += trainer.advance(std::min<long>(1000, maxSteps - r.steps));
    r.wallMs = msSince(start);
    r.trainingMs = trainer.trainingMs();
    return r;
}

void emitOverhead(const Reporter& reporter, const TrainConfig& c, const CadenceRun& r, const std::string& source)
{
    reporter.emit("metrics_overhead_percent",
                  {{"value", 100.0 * (r.wallMs - r.trainingMs) / r.wallMs},
                   {"eval_every_steps", c.run.evalEverySteps},
                   {"spectrum_every_steps", c.run.spectrumEverySteps},
                   {"steps", r.steps},
                   {"wall_s", r.wallMs / 1000.0},
                   {"training_s", r.trainingMs / 1000.0},
                   {"source", source}});
}

void measureOverhead(const Options& options, const Reporter& reporter)
{
    TrainConfig c = baseConfig(options);
    c.run.stopAtGrok = false;
    c.run.steps = options.overheadSteps;
    grokscope::validateConfig(c);
    Trainer trainer(c);
    const CadenceRun r = runAtDefaultCadence(trainer, options.overheadSteps);
    emitOverhead(reporter, c, r, "first " + std::to_string(r.steps) + " steps");
}

void measureTimeToGrok(const Options& options, Reporter& reporter)
{
    TrainConfig c = baseConfig(options);
    c.run.modelSeed = 0;
    c.run.stopAtGrok = true;
    c.run.stopAfterGrokSteps = 0;
    grokscope::validateConfig(c);
    const auto start = Clock::now();
    Trainer trainer(c);
    const CadenceRun r = runAtDefaultCadence(trainer, c.run.steps);
    const double wallS = msSince(start) / 1000.0;  // includes building the dataset and model
    reporter.setEngine(trainer);  // with --grok-only no earlier figure has set it
    const auto grok = trainer.events().grokStep();
    reporter.emit("time_to_grok_s", {{"value", grok ? nlohmann::json(wallS) : nlohmann::json(nullptr)},
                                     {"grok_step", grok ? nlohmann::json(*grok) : nlohmann::json(nullptr)},
                                     {"steps_run", trainer.step()},
                                     {"wall_s", wallS},
                                     {"training_s", r.trainingMs / 1000.0},
                                     {"model_seed", c.run.modelSeed},
                                     {"eval_every_steps", c.run.evalEverySteps},
                                     {"spectrum_every_steps", c.run.spectrumEverySteps}});
    emitOverhead(reporter, c, r, "run to T_grok");
}

int dumpLosses(const Options& options, Reporter& reporter)
{
    TrainConfig c = timingConfig(options);
    c.run.modelSeed = 0;
    grokscope::validateConfig(c);
    Trainer trainer(c);
    reporter.setEngine(trainer);
    std::ofstream out(options.dumpFile);
    if (!out) {
        std::cerr << "grokscope-bench: cannot write " << options.dumpFile << "\n";
        return 1;
    }
    char line[64];
    for (long i = 0; i < options.dumpLosses; ++i) {
        if (trainer.advance(1) != 1) {
            std::cerr << "grokscope-bench: training stopped at step " << trainer.step() << ": "
                      << trainer.failure() << "\n";
            return 1;
        }
        std::snprintf(line, sizeof line, "%.9g\n", trainer.lastTrainingLoss());
        out << line;
    }
    reporter.emit("dump_losses", {{"steps", options.dumpLosses}, {"file", options.dumpFile}});
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    Options options;
    try {
        options = parseOptions(argc, argv);
    } catch (const std::logic_error&) {  // std::stoi on a malformed number
        usage(2);
    }
    if (!options.experiment.spec.empty())
        return grokscope::bench::planExperiment(options.experiment);
    Reporter reporter(options);
    try {
        reporter.setRunThreads(baseConfig(options).run.threads);
        if (options.dumpLosses > 0)
            return dumpLosses(options, reporter);
        if (options.grokOnly) {
            measureTimeToGrok(options, reporter);
            reporter.emit("peak_rss_mb", {{"value", peakRssMb()}});
            return 0;
        }
        measureSteps(options, reporter, grokscope::BatchMode::SampledWithReplacement, options.steps);
        measureSteps(options, reporter, grokscope::BatchMode::FullBatch, std::max<long>(1, options.steps / 4));
        measureSgemmLimit(options, reporter);
        if (options.stepsOnly)
            return 0;
        measureEvaluation(options, reporter);
        if (options.quick)
            measureOverhead(options, reporter);
        else
            measureTimeToGrok(options, reporter);
        reporter.emit("peak_rss_mb", {{"value", peakRssMb()}});
    } catch (const std::exception& error) {
        std::cerr << "grokscope-bench: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
