// The hand-written MLP step (FusedMlp) against autograd on the same MlpModel: loss and
// gradients with every lever it supports, the same bits on 1 thread and on 2, and a
// trainer running mlp-z41 on it against MlpModel + AdamW driven directly.
//
// Tolerances: the fused step computes the same function in float32 in another order:
// the first layer's product split by operand (its input tables), partial gradients
// per chunk, another GEMM blocking, the embedding gradient summed per token, and its
// own exponential (within 1 ulp of expf). A reordered float sum of n terms moves by
// at most about n·2⁻²⁴ of the sum of its terms' magnitudes (3e-5 for n = 512) and
// typically by √n·2⁻²⁴ (~1e-6). Entries are compared with their tensor's largest
// gradient as the scale: within 1e-5 of it (measured: at most 5.7e-7; each case
// prints its figure); the loss within 1e-6 relative (measured: at most 1.1e-7). A
// dropped or wrong term moves a tensor by far more than that.

#include "compute/worker_pool.h"
#include "io/config_json.h"
#include "model/fused_mlp.h"
#include "model/fused_kernels.h"
#include "model/fused_mlp_rows.h"
#include "model/grok_model.h"
#include "tasks/dataset.h"
#include "tasks/seeded_random.h"
#include "train/adamw.h"
#include "train/trainer.h"

#include "gradient_comparison.h"
#include "mixing_variants.h"

#include <torch/torch.h>

#include <QtTest>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

using namespace grokscope;

// Every operator new in this test binary is counted, so that a test can check that a
// training step allocates nothing once its buffers exist.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size)
{
    ++g_allocations;
    if (void* p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

struct Fixture {
    Dataset data;
    ModelConfig config;
    std::unique_ptr<GrokModel> model;
    torch::Tensor tokens, labels;

    Fixture(Activation activation, int hiddenLayers, int64_t batch, int dModel, int width)
    {
        TaskConfig task;
        task.modulus = 23;
        task.trainFraction = 0.5;
        data = buildDataset(task, MetricsConfig{});
        config.architecture = Architecture::Mlp;
        config.dModel = dModel;
        config.mlpHiddenLayers = hiddenLayers;
        config.mlpHiddenWidth = width;
        config.activation = activation;
        model = createModel(config, data, 7, torch::kCPU);
        // Larger weights than at initialisation, so ReLUs are mixed and the softmax is
        // far from uniform, and biases away from their initial zeros: a missing term
        // would not hide behind a zero.
        torch::NoGradGuard noGrad;
        torch::manual_seed(11);
        torch::Tensor& flat = model->parameters().flatValues();
        flat.mul_(3.0).add_(torch::randn_like(flat), 0.1);
        tokens = torch::empty({batch, data.sequenceLength}, torch::kInt64);
        labels = torch::empty({batch}, torch::kInt64);
        std::vector<int> t(static_cast<size_t>(data.sequenceLength));
        for (int64_t i = 0; i < batch; ++i) {
            const int pair = data.trainPairs[static_cast<size_t>((i * 37) % data.trainPairs.size())];
            data.tokensOf(pair, t.data());
            for (int j = 0; j < data.sequenceLength; ++j)
                tokens[i][j] = t[static_cast<size_t>(j)];
            labels[i] = data.table.answer[pair];
        }
    }

    float* values() const { return model->parameters().flatValues().data_ptr<float>(); }
};

torch::Tensor fusedGradient(Fixture& f, int threads, const MixingPlan* mixing, bool extra, double* loss)
{
    WorkerPool pool(threads);
    const auto fused = createFusedMlp(*f.model, f.data, f.config, pool);
    torch::Tensor gradients = torch::full_like(f.model->parameters().flatValues(), std::nanf(""));
    const RepresentationGradient addExtra = extra ? extraLossGradient() : RepresentationGradient{};
    *loss = fused->trainStep(f.values(), gradients.data_ptr<float>(), f.tokens.data_ptr<int64_t>(), f.tokens.size(1),
                             f.labels.data_ptr<int64_t>(), f.tokens.size(0), mixing, addExtra);
    return gradients;
}

// Tolerance 1e-5 of each tensor's largest entry (tests/gradient_comparison.h).
void compareGradients(const Fixture& f, const torch::Tensor& expected, const torch::Tensor& got)
{
    const double worst = compareGradientsPerTensor(f.model->parameters(), expected, got, 1e-5);
    qInfo("largest gradient difference: %.3g of its tensor's largest entry", worst);
}

}  // namespace

class TestFusedMlp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gradientsEqualAutograd_data()
    {
        QTest::addColumn<bool>("gelu");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("site");  // -1: no mixing, else MixingSite
        QTest::addColumn<bool>("extra");
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("dModel");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("variant");  // MixingVariant (mixing_variants.h)
        const int convex = int(MixingVariant::Convex);
        // Widths on both sides of 2·d_model: the gradient arrays change width per layer.
        QTest::newRow("ReLU, 1 layer") << false << 1 << -1 << false << 64 << 16 << 48 << convex;
        QTest::newRow("ReLU, 2 layers") << false << 2 << -1 << false << 64 << 16 << 48 << convex;
        QTest::newRow("GELU, 1 layer") << true << 1 << -1 << false << 64 << 32 << 40 << convex;
        QTest::newRow("GELU, 2 layers") << true << 2 << -1 << false << 64 << 32 << 40 << convex;
        QTest::newRow("ReLU, 3 layers, odd batch") << false << 3 << -1 << false << 37 << 16 << 24 << convex;
        QTest::newRow("mixing at the final residual") << false << 2 << int(MixingSite::FinalResidual) << false << 64
                                                       << 16 << 48 << convex;
        QTest::newRow("mixing at the attention output") << true << 1 << int(MixingSite::AttentionOutput) << false
                                                         << 64 << 16 << 48 << convex;
        QTest::newRow("extra loss term on z") << false << 2 << -1 << true << 64 << 16 << 48 << convex;
        QTest::newRow("extra term and mixing, GELU") << true << 2 << int(MixingSite::FinalResidual) << true << 64
                                                      << 32 << 40 << convex;
        // The MLP mixes at its last hidden layer for either site.
        for (const auto& [variant, name] : kMixingVariantNames)
            if (variant != MixingVariant::Convex)
                QTest::addRow("%s", name) << false << 2 << int(MixingSite::FinalResidual) << false << 37 << 16 << 48
                                          << int(variant);
        QTest::newRow("all variants, GELU, extra term") << true << 2 << int(MixingSite::FinalResidual) << true << 64
                                                         << 32 << 40 << int(MixingVariant::SwapDetachedLabels);
    }

    void gradientsEqualAutograd()
    {
        QFETCH(bool, gelu);
        QFETCH(int, layers);
        QFETCH(int, site);
        QFETCH(bool, extra);
        QFETCH(int, batch);
        QFETCH(int, dModel);
        QFETCH(int, width);
        QFETCH(int, variant);
        Fixture f(gelu ? Activation::Gelu : Activation::Relu, layers, batch, dModel, width);
        const MixingPlan plan = handPlan(MixingSite(site < 0 ? 0 : site), batch, MixingVariant(variant));
        double expectedLoss = 0.0, loss = 0.0, lossOne = 0.0;
        const torch::Tensor expected = autogradGradient(f, site < 0 ? nullptr : &plan, extra, &expectedLoss);
        const torch::Tensor got = fusedGradient(f, 2, site < 0 ? nullptr : &plan, extra, &loss);
        qInfo("relative loss difference %.3g", std::abs(loss - expectedLoss) / expectedLoss);
        QVERIFY2(std::abs(loss - expectedLoss) <= 1e-6 * expectedLoss,
                 qPrintable(QString("loss %1 vs %2").arg(loss, 0, 'g', 9).arg(expectedLoss, 0, 'g', 9)));
        compareGradients(f, expected, got);
        // Fixed chunks, reduced in chunk order: the thread count must not change a bit.
        const torch::Tensor gotOne = fusedGradient(f, 1, site < 0 ? nullptr : &plan, extra, &lossOne);
        QCOMPARE(lossOne, loss);
        QVERIFY(torch::equal(gotOne, got));
        if (site >= 0)
            checkTrainingLoss(*f.model, f.tokens, f.labels, plan);
    }

    // The loss kernel's soft targets (label mixing) against the same mixup loss in
    // float64: (1 − w) CE(y) + w CE(y') and softmax − ((1 − w) e_y + w e_y'), with
    // partners that share the label too (same_class pairs).
    void crossEntropyRowsWithMixedTargetsEqualFloat64()
    {
        const int64_t rows = 37, classes = 41;
        const float scale = 1.0f / float(rows);
        torch::manual_seed(5);
        const torch::Tensor logits = torch::randn({rows, classes}) * 10.0;
        const torch::Tensor labels = torch::randint(classes, {rows}, torch::kInt64);
        torch::Tensor partnerLabels = torch::randint(classes, {rows}, torch::kInt64);
        partnerLabels.slice(0, 0, 5).copy_(labels.slice(0, 0, 5));
        std::vector<double> weight(static_cast<size_t>(rows));
        for (int64_t b = 0; b < rows; ++b)
            weight[size_t(b)] = b % 4 == 0 ? 1.0 : 0.1 * double(b % 9);
        const fused::MixedTargets targets{partnerLabels.data_ptr<int64_t>(), weight.data()};
        torch::Tensor work = logits.clone();
        const double loss = fused::mlp::crossEntropyRows(work.data_ptr<float>(), labels.data_ptr<int64_t>(), rows,
                                                         classes, scale, &targets);
        const torch::Tensor wide = logits.to(torch::kFloat64), w = torch::tensor(weight, torch::kFloat64);
        const torch::Tensor logP = wide.log_softmax(1);
        const torch::Tensor own = -logP.gather(1, labels.unsqueeze(1)).squeeze(1);
        const torch::Tensor other = -logP.gather(1, partnerLabels.unsqueeze(1)).squeeze(1);
        const double expectedLoss = ((1.0 - w) * own + w * other).sum().item<double>();
        const torch::Tensor target = torch::one_hot(labels, classes).to(torch::kFloat64) * (1.0 - w).unsqueeze(1)
                                     + torch::one_hot(partnerLabels, classes).to(torch::kFloat64) * w.unsqueeze(1);
        const torch::Tensor expectedGradient = (wide.softmax(1) - target) * double(scale);
        const double lossError = std::abs(loss - expectedLoss) / expectedLoss;
        const double gradientError = (work.to(torch::kFloat64) - expectedGradient).abs().max().item<double>() / scale;
        qInfo("mixed targets: loss sum relative error %.3g, gradient error %.3g of 1/batch", lossError, gradientError);
        QVERIFY2(lossError <= 1e-6, qPrintable(QString::number(lossError)));
        QVERIFY2(gradientError <= 1e-6, qPrintable(QString::number(gradientError)));
    }

    // The loss kernel against the same cross-entropy in float64: logits far apart (some
    // more than 87 below their row's largest, where its exponential returns 0), and
    // the softmax gradient. Bounds: float rounding of a 41-term sum and of an
    // exponential within 1 ulp (measured: see the output).
    void crossEntropyRowsEqualFloat64()
    {
        const int64_t rows = 37, classes = 41;
        const float scale = 1.0f / float(rows);
        torch::manual_seed(3);
        const torch::Tensor logits = torch::randn({rows, classes}) * 30.0;
        const torch::Tensor labels = torch::randint(classes, {rows}, torch::kInt64);
        torch::Tensor work = logits.clone();
        const double loss =
            fused::mlp::crossEntropyRows(work.data_ptr<float>(), labels.data_ptr<int64_t>(), rows, classes, scale);
        const torch::Tensor wide = logits.to(torch::kFloat64);
        const double expectedLoss =
            -wide.log_softmax(1).gather(1, labels.unsqueeze(1)).sum().item<double>();
        const torch::Tensor expectedGradient =
            (wide.softmax(1) - torch::one_hot(labels, classes).to(torch::kFloat64)) * double(scale);
        const double lossError = std::abs(loss - expectedLoss) / expectedLoss;
        const double gradientError = (work.to(torch::kFloat64) - expectedGradient).abs().max().item<double>() / scale;
        qInfo("loss sum relative error %.3g, gradient error %.3g of 1/batch", lossError, gradientError);
        QVERIFY(torch::isfinite(work).all().item<bool>());
        QVERIFY(work.eq(0.0f).any().item<bool>());  // the underflow branch ran
        QVERIFY2(lossError <= 1e-6, qPrintable(QString::number(lossError)));
        QVERIFY2(gradientError <= 1e-6, qPrintable(QString::number(gradientError)));
    }

    // Buffers are sized by the first step at a batch size; later steps allocate
    // nothing, with mixing and an extra term, on 2 threads.
    void stepsAfterTheFirstAllocateNothing()
    {
        Fixture f(Activation::Gelu, 2, 64, 16, 48);
        const MixingPlan plan = handPlan(MixingSite::FinalResidual, 64, MixingVariant::SwapDetachedLabels);
        const RepresentationGradient extra = extraLossGradient();
        WorkerPool pool(2);
        const auto fused = createFusedMlp(*f.model, f.data, f.config, pool);
        torch::Tensor gradients = torch::empty_like(f.model->parameters().flatValues());
        auto step = [&](const MixingPlan* mixing, const RepresentationGradient& term) {
            fused->trainStep(f.values(), gradients.data_ptr<float>(), f.tokens.data_ptr<int64_t>(), f.tokens.size(1),
                             f.labels.data_ptr<int64_t>(), f.tokens.size(0), mixing, term);
        };
        const RepresentationGradient none;
        step(&plan, extra);
        const long before = g_allocations.load();
        step(&plan, extra);
        step(nullptr, extra);
        step(nullptr, none);
        QCOMPARE(g_allocations.load() - before, 0L);
    }

    void embeddingMixingIsRefused()
    {
        Fixture f(Activation::Relu, 1, 16, 8, 8);
        const MixingPlan plan = handPlan(MixingSite::Embedding, 16, MixingVariant::Convex);
        double loss = 0.0;
        QVERIFY_THROWS_EXCEPTION(std::logic_error, fusedGradient(f, 1, &plan, false, &loss));
    }

    void offsetsMustTileTheParameters()
    {
        WorkerPool pool(1);
        FusedMlpShape shape{5, 2, 1, 3, 4, Activation::Relu};
        // embed 5·2, W 4·3, b 3, unembed 3·4: 10 + 12 + 3 + 12 = 37.
        FusedMlpOffsets o{0, {10}, {22}, 25, 37};
        FusedMlp fits(shape, o, pool);
        o.unembed = 26;  // a gap
        o.total = 38;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FusedMlp(shape, o, pool));
        o = FusedMlpOffsets{0, {10}, {21}, 25, 37};  // an overlap
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FusedMlp(shape, o, pool));
    }

    // The trainer on the fused path against the autograd step it replaces: MlpModel's
    // forward, torch's cross-entropy and backward, and the project's AdamW, driven here
    // with the trainer's batches and learning-rate schedule, over mlp-z41's first 300
    // steps. With GELU the trajectories part by float rounding alone (measured: at most
    // 3.6e-7 relative, a few float ulps of the loss). With ReLU (the preset) they agree as closely until a
    // pre-activation within rounding of 0 takes the other side of the kink in one path
    // (here near step 242, then each step's loss differs by up to 2.9e-4 relative at
    // step 300): a discontinuity of the function, not of the arithmetic. Bounds: 2e-6
    // for GELU, 1e-3 for ReLU.
    void trainerLossesFollowAutograd_data()
    {
        QTest::addColumn<bool>("gelu");
        QTest::addColumn<double>("bound");
        QTest::newRow("mlp-z41 (ReLU)") << false << 1e-3;
        QTest::newRow("mlp-z41 with GELU") << true << 2e-6;
    }

    void trainerLossesFollowAutograd()
    {
        QFETCH(bool, gelu);
        QFETCH(double, bound);
        TrainConfig config = loadPreset("mlp-z41");
        config.run.steps = 300;
        config.run.evalEverySteps = 1000;
        config.run.spectrumEverySteps = 0;
        config.run.threads = 2;
        if (gelu)
            config.model.activation = Activation::Gelu;
        Trainer trainer(config);
        QVERIFY(trainer.fusedPath());

        const Dataset& data = trainer.dataset();
        auto model = createModel(config.model, data, config.run.modelSeed, torch::kCPU);
        AdamW optimiser(model->parameters(), config.optim);
        const int64_t batch = config.optim.batchSize, length = data.sequenceLength;
        std::vector<int> t(static_cast<size_t>(length));
        double worst = 0.0;
        for (long step = 1; step <= 300; ++step) {
            QCOMPARE(trainer.advance(1), 1L);
            torch::Tensor tokens = torch::empty({batch, length}, torch::kInt64);
            torch::Tensor labels = torch::empty({batch}, torch::kInt64);
            SplitMix64 random(streamSeed(config.run.modelSeed, kBatchStream, static_cast<uint64_t>(step)));
            for (int64_t i = 0; i < batch; ++i) {
                const int pair = data.trainPairs[random.below(data.trainPairs.size())];
                data.tokensOf(pair, t.data());
                for (int64_t j = 0; j < length; ++j)
                    tokens[i][j] = t[static_cast<size_t>(j)];
                labels[i] = data.table.answer[pair];
            }
            model->parameters().flatGradients().zero_();
            torch::Tensor loss =
                torch::nn::functional::cross_entropy(model->forward(tokens, nullptr).logits, labels);
            const double expected = loss.item<double>();
            loss.backward();
            const double warmup = config.optim.warmupSteps;
            optimiser.step(config.optim.learningRate * std::min(1.0, double(step) / warmup));
            const double difference = std::abs(trainer.lastTrainingLoss() - expected) / expected;
            worst = std::max(worst, difference);
            QVERIFY2(difference <= bound, qPrintable(QString("step %1: loss %2 vs autograd %3")
                                                        .arg(step)
                                                        .arg(trainer.lastTrainingLoss(), 0, 'g', 9)
                                                        .arg(expected, 0, 'g', 9)));
        }
        qInfo("largest relative loss difference over 300 steps: %g", worst);
        // Another summation order leaves some trace in 300 losses: identical bits would
        // mean that the trainer took the autograd step.
        QVERIFY2(worst > 0.0, "the trainer's losses are autograd's bits: the fused step did not run");
    }
};

QTEST_APPLESS_MAIN(TestFusedMlp)
#include "tst_fused_mlp.moc"
