// grokscope-bench-mlp: the MLP control's training step (docs/science.md, "MLP control"),
// two ways, and the limit its matrix products set. One JSON line per figure:
//   mlp_step_ms   per thread count: FusedMlp's step (fused_mlp.h) + AdamW against the
//                 autograd step it replaces (MlpModel's forward, torch's cross-entropy
//                 and backward, AdamW), in interleaved rounds, medians;
//   mlp_sgemm_limit  every GEMM the fused step calls, at its chunk shapes, timed hot
//                 in cache on one thread; their sum is the step's time if nothing but
//                 the GEMMs cost anything, and the fused step's share of that limit.
// --preset picks the MLP's shapes and batch (default mlp-z41). The autograd step gets
// N OpenBLAS threads where the fused one gets N chunk threads, as the trainer would
// configure each (engine_threads.h).
//
//   grokscope-bench-mlp [--preset NAME] [--rounds N] [--steps N] [--threads N[,N…]]
//                       [--fused-only SECONDS]
// --fused-only runs nothing but the fused step (+ AdamW) on the first thread count for
// that long and prints one line: a target for `perf record`.

#include "compute/sgemm.h"
#include "compute/worker_pool.h"
#include "io/config_json.h"
#include "model/fused_mlp.h"
#include "model/grok_model.h"
#include "tasks/dataset.h"
#include "tasks/seeded_random.h"
#include "train/adamw.h"
#include "train/engine_threads.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using grokscope::Op;

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string preset = "mlp-z41";
    int rounds = 9;
    int steps = 40;  // steps per round and path
    std::vector<int> threads{1, 2};
    double fusedOnlySeconds = 0.0;
};

[[noreturn]] void usage(int code)
{
    std::cerr << "usage: grokscope-bench-mlp [--preset NAME] [--rounds N] [--steps N] [--threads N[,N...]]\n"
                 "                           [--fused-only SECONDS]\n"
                 "  defaults: --preset mlp-z41 --rounds 9 --steps 40 --threads 1,2\n";
    std::exit(code);
}

Options parseOptions(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(2);
            return argv[++i];
        };
        if (a == "--preset")
            o.preset = value();
        else if (a == "--rounds")
            o.rounds = std::atoi(value().c_str());
        else if (a == "--steps")
            o.steps = std::atoi(value().c_str());
        else if (a == "--threads") {
            o.threads.clear();
            std::stringstream list(value());
            for (std::string item; std::getline(list, item, ',');)
                o.threads.push_back(std::atoi(item.c_str()));
        } else if (a == "--fused-only")
            o.fusedOnlySeconds = std::atof(value().c_str());
        else if (a == "--help" || a == "-h")
            usage(0);
        else {
            std::cerr << "grokscope-bench-mlp: unknown option " << a << "\n";
            usage(2);
        }
    }
    const bool threadsOk = !o.threads.empty() && std::all_of(o.threads.begin(), o.threads.end(), [](int t) {
        return t >= 1 && t <= grokscope::FusedMlp::kChunks;
    });
    if (o.rounds < 1 || o.steps < 1 || !threadsOk)
        usage(2);
    return o;
}

// ms per step at the sgemm limit, on one thread and on two (the chunks, and the two
// per-step tasks, side by side).
struct GemmLimit {
    double oneThreadMs, twoThreadMs;
};

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Sampled batches as the trainer draws them (step_paths.cpp), for steps 1 … count.
struct Batches {
    std::vector<torch::Tensor> tokens, labels;
};

Batches drawBatches(const grokscope::TrainConfig& c, const grokscope::Dataset& data, int count)
{
    Batches out;
    const int64_t batch = c.optim.batchSize, length = data.sequenceLength;
    std::vector<int> t(static_cast<size_t>(length));
    for (int step = 1; step <= count; ++step) {
        torch::Tensor tokens = torch::empty({batch, length}, torch::kInt64);
        torch::Tensor labels = torch::empty({batch}, torch::kInt64);
        grokscope::SplitMix64 random(
            grokscope::streamSeed(c.run.modelSeed, grokscope::kBatchStream, static_cast<uint64_t>(step)));
        for (int64_t i = 0; i < batch; ++i) {
            const int pair = data.trainPairs[random.below(data.trainPairs.size())];
            data.tokensOf(pair, t.data());
            for (int64_t j = 0; j < length; ++j)
                tokens[i][j] = t[static_cast<size_t>(j)];
            labels[i] = data.table.answer[pair];
        }
        out.tokens.push_back(tokens);
        out.labels.push_back(labels);
    }
    return out;
}

// One model and optimiser trained by one path; `step(i)` runs a step on batch i.
struct Path {
    std::unique_ptr<grokscope::GrokModel> model;
    std::unique_ptr<grokscope::AdamW> optimiser;
    std::function<void(int)> step;
};

// ms per step of each path for `threads` threads: rounds of `steps` steps, the paths
// alternating, medians. Each path's thread setting (engine_threads.h) is applied
// before its round, as the trainer would for that path.
// `limit`: the step's sgemm limit (measureSgemmLimit).
void measureSteps(const Options& o, const grokscope::TrainConfig& c, const grokscope::Dataset& data,
                  const Batches& batches, int threads, const GemmLimit& limit)
{
    grokscope::WorkerPool pool(threads);
    Path fused, autograd;
    for (Path* p : {&fused, &autograd}) {
        p->model = grokscope::createModel(c.model, data, c.run.modelSeed, torch::kCPU);
        p->optimiser = std::make_unique<grokscope::AdamW>(p->model->parameters(), c.optim);
    }
    fused.optimiser->setPool(&pool);
    const auto fusedMlp = grokscope::createFusedMlp(*fused.model, data, c.model, pool);
    const int64_t length = data.sequenceLength;
    fused.step = [&](int i) {
        grokscope::ParameterStore& store = fused.model->parameters();
        fusedMlp->trainStep(store.flatValues().data_ptr<float>(), store.flatGradients().data_ptr<float>(),
                            batches.tokens[size_t(i)].data_ptr<int64_t>(), length,
                            batches.labels[size_t(i)].data_ptr<int64_t>(), c.optim.batchSize, nullptr, {});
        fused.optimiser->step(c.optim.learningRate);
    };
    autograd.step = [&](int i) {
        autograd.model->parameters().flatGradients().zero_();
        const torch::Tensor logits = autograd.model->forward(batches.tokens[size_t(i)], nullptr).logits;
        torch::nn::functional::cross_entropy(logits, batches.labels[size_t(i)]).backward();
        autograd.optimiser->step(c.optim.learningRate);
    };
    // The fused step's gradient alone, without AdamW (the parameters stay put).
    auto gradientOnly = [&](int i) {
        grokscope::ParameterStore& store = fused.model->parameters();
        fusedMlp->trainStep(store.flatValues().data_ptr<float>(), store.flatGradients().data_ptr<float>(),
                            batches.tokens[size_t(i)].data_ptr<int64_t>(), length,
                            batches.labels[size_t(i)].data_ptr<int64_t>(), c.optim.batchSize, nullptr, {});
    };
    const int count = int(batches.tokens.size());
    if (o.fusedOnlySeconds > 0.0) {
        grokscope::configureEngineThreads(threads, true);
        long steps = 0;
        const auto start = Clock::now();
        while (msSince(start) < 1000.0 * o.fusedOnlySeconds)
            fused.step(int(steps++ % count));
        std::cout << nlohmann::json{{"figure", "mlp_fused_only"}, {"threads", threads}, {"steps", steps},
                                    {"fused_ms", msSince(start) / double(steps)}}.dump()
                  << std::endl;
        return;
    }
    auto round = [&](const std::function<void(int)>& step) {
        const auto start = Clock::now();
        for (int s = 0; s < o.steps; ++s)
            step(s % count);
        return msSince(start) / o.steps;
    };
    std::vector<double> fusedMs, autogradMs, gradientMs;
    for (int r = -1; r < o.rounds; ++r) {  // round −1 warms up
        grokscope::configureEngineThreads(threads, true);
        const double f = round(fused.step), g = round(gradientOnly);
        grokscope::configureEngineThreads(threads, false);
        const double a = round(autograd.step);
        if (r < 0)
            continue;
        fusedMs.push_back(f);
        gradientMs.push_back(g);
        autogradMs.push_back(a);
    }
    const double fusedMedian = median(fusedMs), autogradMedian = median(autogradMs), gradientMedian = median(gradientMs);
    const double limitMs = threads == 1 ? limit.oneThreadMs : limit.twoThreadMs;
    nlohmann::json line = {{"figure", "mlp_step_ms"},
                           {"preset", c.name},
                           {"batch", c.optim.batchSize},
                           {"threads", threads},
                           {"rounds", o.rounds},
                           {"steps_per_round", o.steps},
                           {"fused_ms", fusedMedian},
                           {"fused_gradient_only_ms", gradientMedian},
                           {"autograd_ms", autogradMedian},
                           {"fused_steps_per_s", 1000.0 / fusedMedian},
                           {"autograd_steps_per_s", 1000.0 / autogradMedian},
                           {"speedup", autogradMedian / fusedMedian},
                           {"sgemm_limit_ms", limitMs},
                           {"fused_percent_of_limit", 100.0 * limitMs / fusedMedian},
                           {"fused_gradient_only_percent_of_limit", 100.0 * limitMs / gradientMedian}};
    std::cout << line.dump() << std::endl;
}

struct Gemm {
    std::string what;
    Op opA, opB;
    int64_t m, n, k;
};

// Every GEMM of FusedMlp::trainStep for one chunk of `rows` rows, as fused_mlp.cpp
// calls them (forwardRows, unembedRows, backwardRows): the layers above the first.
std::vector<Gemm> chunkGemms(const grokscope::ModelConfig& model, int64_t classes, int64_t rows)
{
    const int64_t width = model.mlpHiddenWidth;
    std::vector<Gemm> gemms;
    for (int l = 1; l < model.mlpHiddenLayers; ++l)
        gemms.push_back({"hidden" + std::to_string(l) + " forward", Op::None, Op::None, rows, width, width});
    gemms.push_back({"unembed forward", Op::None, Op::None, rows, classes, width});
    gemms.push_back({"unembed dW", Op::Transpose, Op::None, width, classes, rows});
    gemms.push_back({"unembed dX", Op::None, Op::Transpose, rows, width, classes});
    for (int l = model.mlpHiddenLayers - 1; l >= 1; --l) {
        gemms.push_back({"hidden" + std::to_string(l) + " dW", Op::Transpose, Op::None, width, width, rows});
        gemms.push_back({"hidden" + std::to_string(l) + " dX", Op::None, Op::Transpose, rows, width, width});
    }
    return gemms;
}

// The GEMMs FusedMlp runs once per step, as two tasks side by side (buildInputTables,
// finishInputGradients): the first layer's input tables, forward and back.
std::vector<Gemm> stepGemms(const grokscope::ModelConfig& model, int64_t vocabulary)
{
    const int64_t d = model.dModel, width = model.mlpHiddenWidth;
    std::vector<Gemm> gemms;
    for (const char* operand : {"a", "b"}) {
        gemms.push_back({std::string("input table ") + operand, Op::None, Op::None, vocabulary, width, d});
        gemms.push_back({std::string("hidden0 dW from table ") + operand, Op::Transpose, Op::None, d, width,
                         vocabulary});
        gemms.push_back({std::string("d embed from table ") + operand, Op::None, Op::Transpose, vocabulary, d,
                         width});
    }
    return gemms;
}

// For comparison: the GEMMs of the same step without the input tables, as autograd
// computes it (the first layer as a product over the batch's concatenated embeddings).
std::vector<Gemm> plainChunkGemms(const grokscope::ModelConfig& model, int64_t classes, int64_t rows)
{
    const int64_t d = model.dModel, width = model.mlpHiddenWidth;
    std::vector<Gemm> gemms = chunkGemms(model, classes, rows);
    gemms.push_back({"hidden0 forward", Op::None, Op::None, rows, width, 2 * d});
    gemms.push_back({"hidden0 dW", Op::Transpose, Op::None, 2 * d, width, rows});
    gemms.push_back({"hidden0 dX", Op::None, Op::Transpose, rows, 2 * d, width});
    return gemms;
}

// Median ms of one call of `g`, operands hot in cache, one thread.
double hotGemmMs(const Gemm& g, int rounds)
{
    const int64_t rowsA = g.opA == Op::None ? g.m : g.k, colsA = g.opA == Op::None ? g.k : g.m;
    const int64_t rowsB = g.opB == Op::None ? g.k : g.n, colsB = g.opB == Op::None ? g.n : g.k;
    std::vector<float> a(size_t(rowsA * colsA)), b(size_t(rowsB * colsB)), c(size_t(g.m * g.n));
    for (size_t i = 0; i < a.size(); ++i)
        a[i] = float(int(i % 7) - 3) * 0.25f;
    for (size_t i = 0; i < b.size(); ++i)
        b[i] = float(int(i % 5) - 2) * 0.5f;
    auto call = [&] {
        grokscope::sgemm(g.opA, g.opB, g.m, g.n, g.k, 1.0f, a.data(), colsA, b.data(), colsB, 0.0f, c.data(), g.n);
    };
    for (int i = 0; i < 20; ++i)
        call();
    std::vector<double> samples;
    for (int r = 0; r < rounds; ++r) {
        const int calls = 50;
        const auto start = Clock::now();
        for (int i = 0; i < calls; ++i)
            call();
        samples.push_back(msSince(start) / calls);
    }
    return median(samples);
}

// The step's time if nothing but its GEMMs cost anything, each at its hot-cache rate
// on one core.
GemmLimit measureSgemmLimit(const Options& o, const grokscope::TrainConfig& c, const grokscope::Dataset& data)
{
    grokscope::configureEngineThreads(1, true);
    constexpr int chunks = grokscope::FusedMlp::kChunks;
    const int64_t rows = c.optim.batchSize / chunks, classes = data.table.numClasses;
    auto timeAll = [&](const std::vector<Gemm>& gemms, nlohmann::json* listing, double* flopsOut) {
        double ms = 0.0, flops = 0.0;
        for (const Gemm& g : gemms) {
            const double gemmMs = hotGemmMs(g, o.rounds), gemmFlops = 2.0 * double(g.m * g.n * g.k);
            ms += gemmMs;
            flops += gemmFlops;
            if (listing)
                listing->push_back({{"what", g.what}, {"m", g.m}, {"n", g.n}, {"k", g.k}, {"ms", gemmMs},
                                    {"gflops", gemmFlops / (gemmMs * 1e6)}});
        }
        *flopsOut = flops;
        return ms;
    };
    nlohmann::json perChunk = nlohmann::json::array(), perStep = nlohmann::json::array();
    double chunkFlops = 0.0, stepFlops = 0.0, plainFlops = 0.0;
    const double chunkMs = timeAll(chunkGemms(c.model, classes, rows), &perChunk, &chunkFlops);
    const double stepMs = timeAll(stepGemms(c.model, data.vocabularySize), &perStep, &stepFlops);
    const double plainChunkMs = timeAll(plainChunkGemms(c.model, classes, rows), nullptr, &plainFlops);
    const GemmLimit limit{chunkMs * chunks + stepMs, chunkMs * chunks / 2 + stepMs / 2};
    nlohmann::json line = {{"figure", "mlp_sgemm_limit"},
                           {"preset", c.name},
                           {"batch", c.optim.batchSize},
                           {"chunks", chunks},
                           {"sgemm", grokscope::sgemmUsesBlas() ? "cblas_sgemm" : "eigen"},
                           {"gemm_gflop_per_step", (chunkFlops * chunks + stepFlops) / 1e9},
                           {"ms_per_step_at_limit_1_thread", limit.oneThreadMs},
                           {"steps_per_s_at_limit_1_thread", 1000.0 / limit.oneThreadMs},
                           {"ms_per_step_at_limit_2_threads", limit.twoThreadMs},
                           {"steps_per_s_at_limit_2_threads", 1000.0 / limit.twoThreadMs},
                           {"without_input_tables_gemm_gflop_per_step", plainFlops * chunks / 1e9},
                           {"without_input_tables_ms_per_step_at_limit_1_thread", plainChunkMs * chunks},
                           {"gemms_per_chunk", perChunk},
                           {"gemms_per_step", perStep}};
    std::cout << line.dump() << std::endl;
    return limit;
}

}  // namespace

int main(int argc, char** argv)
{
    const Options o = parseOptions(argc, argv);
    grokscope::TrainConfig c = grokscope::loadPreset(o.preset);
    if (c.model.architecture != grokscope::Architecture::Mlp) {
        std::cerr << "grokscope-bench-mlp: preset " << o.preset << " is not an MLP\n";
        return 2;
    }
    const grokscope::Dataset data = grokscope::buildDataset(c.task, c.metrics);
    const Batches batches = drawBatches(c, data, 16);
    if (o.fusedOnlySeconds > 0.0) {
        measureSteps(o, c, data, batches, o.threads.front(), {});
        return 0;
    }
    const GemmLimit limit = measureSgemmLimit(o, c, data);
    for (int threads : o.threads)
        measureSteps(o, c, data, batches, threads, limit);
    return 0;
}
