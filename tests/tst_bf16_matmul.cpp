// model.matmul_precision = bf16 (compute/bf16_gemm.h): the rounding, the product of
// rounded operands, the fused Transformer's training step against its float32 step
// within a bfloat16 tolerance, the same bits on 1 and 2 threads, evaluation left in
// float32, and the config key. Tests that need oneDNN on an AMX-BF16 CPU skip elsewhere.

#include "compute/bf16_gemm.h"
#include "compute/worker_pool.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"
#include "model/fused_transformer.h"
#include "model/grok_model.h"
#include "tasks/dataset.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>

using namespace grokscope;
Q_DECLARE_METATYPE(grokscope::Activation)

namespace {

#define SKIP_WITHOUT_BF16()                                                                                           \
    do {                                                                                                              \
        if (const auto reason = bf16GemmUnavailableReason())                                                         \
            QSKIP(qPrintable(QString::fromStdString("bf16 " + *reason)));                                            \
    } while (false)

// z97-add's model at initialisation (ModelConfig's and TaskConfig's defaults) and one
// batch of 512 training examples: the shapes and scales the lever is for.
struct Fixture {
    Dataset data;
    ModelConfig config;
    std::unique_ptr<GrokModel> model;
    torch::Tensor tokens, labels;

    explicit Fixture(Activation activation = Activation::Relu, int64_t batch = 512)
    {
        config.activation = activation;
        data = buildDataset(TaskConfig{}, MetricsConfig{});
        model = createModel(config, data, 3, torch::kCPU);
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

    std::unique_ptr<FusedTransformer> fused(WorkerPool& pool, MatmulPrecision precision) const
    {
        ModelConfig c = config;
        c.matmulPrecision = precision;
        return createFusedTransformer(*model, data, c, pool);
    }
    float* values() const { return model->parameters().flatValues().data_ptr<float>(); }

    torch::Tensor gradient(MatmulPrecision precision, int threads, double* loss) const
    {
        WorkerPool pool(threads);
        const auto step = fused(pool, precision);
        torch::Tensor g = torch::full_like(model->parameters().flatValues(), std::nanf(""));
        *loss = step->trainStep(values(), g.data_ptr<float>(), tokens.data_ptr<int64_t>(), labels.data_ptr<int64_t>(),
                                tokens.size(0), nullptr, {});
        return g;
    }
};

bool sameBits(const torch::Tensor& a, const torch::Tensor& b)
{
    return a.numel() == b.numel() && std::memcmp(a.data_ptr<float>(), b.data_ptr<float>(), a.numel() * 4) == 0;
}

std::vector<float> normalMatrix(int64_t count, std::mt19937& random)
{
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(count));
    for (float& x : v)
        x = normal(random);
    return v;
}

float roundedValue(float x) { return bf16ToFloat(roundToBf16(x)); }

std::string errorOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "(no error)";
}

}  // namespace

class TestBf16Matmul : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundingIsToNearestEven()
    {
        QCOMPARE(roundToBf16(1.0f), uint16_t(0x3f80));
        QCOMPARE(roundToBf16(-2.0f), uint16_t(0xc000));
        // 1 + 2⁻⁸ lies halfway between 1 (even) and 1 + 2⁻⁷: to 1. 1 + 3·2⁻⁸ lies halfway
        // between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶: up. Just above a half: up.
        QCOMPARE(roundToBf16(1.0f + std::ldexp(1.0f, -8)), uint16_t(0x3f80));
        QCOMPARE(roundToBf16(1.0f + 3.0f * std::ldexp(1.0f, -8)), uint16_t(0x3f82));
        QCOMPARE(roundToBf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), uint16_t(0x3f81));
        QCOMPARE(roundToBf16(INFINITY), uint16_t(0x7f80));
        QCOMPARE(roundToBf16(3.4e38f), uint16_t(0x7f80));  // above bf16's largest finite: overflows
        QVERIFY(std::isnan(bf16ToFloat(roundToBf16(NAN))));
        QCOMPARE(bf16ToFloat(0x3f81), 1.0f + std::ldexp(1.0f, -7));
    }

    // The default precision is sgemm itself: the float32 runs' bits cannot move.
    void float32IsSgemmBitForBit()
    {
        std::mt19937 random(1);
        const int64_t m = 37, n = 29, k = 53;
        const auto a = normalMatrix(k * m, random), b = normalMatrix(n * k, random), c0 = normalMatrix(m * n, random);
        std::vector<float> viaGemm = c0, viaSgemm = c0;
        gemm(MatmulPrecision::Float32, Op::Transpose, Op::Transpose, m, n, k, 0.5f, a.data(), m, b.data(), k, 1.0f,
             viaGemm.data(), n);
        sgemm(Op::Transpose, Op::Transpose, m, n, k, 0.5f, a.data(), m, b.data(), k, 1.0f, viaSgemm.data(), n);
        QVERIFY(std::memcmp(viaGemm.data(), viaSgemm.data(), viaGemm.size() * 4) == 0);
    }

    // bf16 is the float64 product of the rounded operands up to float32 summation
    // (k·2⁻²⁴ of Σ|a||b|), and not the product of the unrounded ones: for N(0, 1)
    // operands and k = 96 the rounding moves entries by ~2⁻⁹·√k ≈ 0.02, far above that.
    void bf16MultipliesRoundedOperands_data()
    {
        QTest::addColumn<bool>("transA");
        QTest::addColumn<bool>("transB");
        QTest::newRow("A B") << false << false;
        QTest::newRow("Aᵀ B") << true << false;
        QTest::newRow("A Bᵀ") << false << true;
        QTest::newRow("Aᵀ Bᵀ") << true << true;
    }
    void bf16MultipliesRoundedOperands()
    {
        SKIP_WITHOUT_BF16();
        QFETCH(bool, transA);
        QFETCH(bool, transB);
        std::mt19937 random(2);
        const int64_t m = 45, n = 33, k = 96, pad = 7;  // strided operands: lda = columns + 7
        const int64_t aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        const int64_t lda = aCols + pad, ldb = bCols + pad, ldc = n + 3;
        const auto a = normalMatrix(aRows * lda, random), b = normalMatrix(bRows * ldb, random);
        const auto c0 = normalMatrix(m * ldc, random);
        std::vector<float> c = c0;
        const float alpha = 0.75f, beta = 1.0f;
        gemm(MatmulPrecision::Bf16, transA ? Op::Transpose : Op::None, transB ? Op::Transpose : Op::None, m, n, k,
             alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
        auto aAt = [&](int64_t i, int64_t p) { return transA ? a[p * lda + i] : a[i * lda + p]; };
        auto bAt = [&](int64_t p, int64_t j) { return transB ? b[j * ldb + p] : b[p * ldb + j]; };
        double worstRounded = 0.0, largestUnrounded = 0.0;
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
                double rounded = 0.0, unrounded = 0.0, magnitude = 0.0;
                for (int64_t p = 0; p < k; ++p) {
                    rounded += double(roundedValue(aAt(i, p))) * roundedValue(bAt(p, j));
                    unrounded += double(aAt(i, p)) * bAt(p, j);
                    magnitude += std::abs(double(aAt(i, p)) * bAt(p, j));
                }
                const double start = beta * c0[i * ldc + j], got = c[i * ldc + j];
                const double bound = (k + 2) * std::ldexp(1.0, -24) * (alpha * magnitude + std::abs(start));
                worstRounded = std::max(worstRounded, std::abs(got - (start + alpha * rounded)) / bound);
                largestUnrounded = std::max(largestUnrounded, std::abs(got - (start + alpha * unrounded)));
            }
        for (int64_t i = 0; i < m; ++i)  // ldc's padding untouched
            for (int64_t j = n; j < ldc; ++j)
                QCOMPARE(c[i * ldc + j], c0[i * ldc + j]);
        QVERIFY2(worstRounded <= 1.0, qPrintable(QString("error %1 of the float32 bound").arg(worstRounded)));
        QVERIFY2(largestUnrounded > 1e-3, qPrintable(QString("bf16 product equals the float one (%1)").arg(largestUnrounded)));
    }

    // The tolerance. bf16 keeps 8 significant bits: unit roundoff u = 2⁻⁹ ≈ 2e-3, and a
    // product of two rounded factors is off by ≤ 2u per term. Rounding errors of random
    // sign do not grow with the sum's length relative to the sum, so a product, and a
    // gradient a few products deep, should move by a few u, norm-wise: the bound is
    // 1e-2 (5u) of each tensor's float32 gradient norm. With GELU every tensor meets it
    // (z97-add at initialisation, this CPU: 2.7e-3 to 5.4e-3).
    // ReLU adds a discrete effect: a hidden unit whose pre-activation lies within the
    // rounding of 0 switches on or off, and its whole gradient with it. That spares the
    // gradients downstream of the mask (W_out, b_out, the unembedding: 2.4e-3 to 4e-3,
    // within 1e-2) and reaches everything upstream (W_in, b_in, attention, embeddings:
    // 2.4e-2 to 3.1e-2 measured); the bound there is 6e-2. The loss agrees to 1e-3
    // relative, the whole gradient's direction to a cosine ≥ 0.998, and some tensor must
    // differ by more than float32 noise (1e-5), or bf16 did not run.
    void trainStepAgreesWithFloat32WithinBf16Tolerance_data()
    {
        QTest::addColumn<Activation>("activation");
        QTest::newRow("relu") << Activation::Relu;
        QTest::newRow("gelu") << Activation::Gelu;
    }
    void trainStepAgreesWithFloat32WithinBf16Tolerance()
    {
        SKIP_WITHOUT_BF16();
        QFETCH(Activation, activation);
        const Fixture f(activation);
        double lossFloat = 0.0, lossBf16 = 0.0;
        const torch::Tensor expected = f.gradient(MatmulPrecision::Float32, 1, &lossFloat);
        const torch::Tensor got = f.gradient(MatmulPrecision::Bf16, 1, &lossBf16);
        QVERIFY(torch::isfinite(got).all().item<bool>());  // every entry written
        QVERIFY2(std::abs(lossBf16 - lossFloat) <= 1e-3 * lossFloat,
                 qPrintable(QString("loss %1 vs %2").arg(lossBf16).arg(lossFloat)));
        const ParameterStore& store = f.model->parameters();
        const std::set<std::string> belowTheMask = {"layer0.mlp.W_out", "layer0.mlp.b_out", "unembed"};
        int64_t offset = 0;
        double largest = 0.0;
        for (size_t i = 0; i < store.views().size(); ++i) {
            const int64_t n = store.views()[i].numel();
            const torch::Tensor e = expected.narrow(0, offset, n), g = got.narrow(0, offset, n);
            const double relative = ((e - g).norm() / e.norm()).item<double>();
            const std::string& name = store.names()[i];
            const double bound = activation == Activation::Relu && !belowTheMask.count(name) ? 6e-2 : 1e-2;
            QVERIFY2(relative <= bound, qPrintable(QString("%1: relative error %2").arg(name.c_str()).arg(relative)));
            largest = std::max(largest, relative);
            offset += n;
        }
        const double cosine = (expected * got).sum().item<double>() / (expected.norm() * got.norm()).item<double>();
        QVERIFY2(cosine >= 0.998, qPrintable(QString("cosine %1").arg(cosine)));
        QVERIFY2(largest > 1e-5, qPrintable(QString("the bf16 step equals the float32 one (%1)").arg(largest)));
    }

    // The batch is cut into fixed chunks whatever the thread count (fused_transformer.h),
    // and oneDNN runs each product on its calling thread: the same bits, run to run too.
    void bf16StepHasTheSameBitsOnOneAndTwoThreads()
    {
        SKIP_WITHOUT_BF16();
        const Fixture f;
        double loss1 = 0.0, loss2 = 0.0, lossAgain = 0.0;
        const torch::Tensor one = f.gradient(MatmulPrecision::Bf16, 1, &loss1);
        const torch::Tensor two = f.gradient(MatmulPrecision::Bf16, 2, &loss2);
        const torch::Tensor again = f.gradient(MatmulPrecision::Bf16, 2, &lossAgain);
        QVERIFY(sameBits(one, two));
        QVERIFY(sameBits(two, again));
        QCOMPARE(loss1, loss2);
        QCOMPARE(loss2, lossAgain);
    }

    // Accuracies, losses and the spectrum read evaluate() and representations(): the same
    // bits as the float32 step's, whatever the training precision.
    void evaluationStaysFloat32()
    {
        SKIP_WITHOUT_BF16();
        const Fixture f;
        WorkerPool pool(2);
        const auto bf16 = f.fused(pool, MatmulPrecision::Bf16);
        const auto float32 = f.fused(pool, MatmulPrecision::Float32);
        const int64_t count = f.tokens.size(0);
        // A training step first: it leaves bf16 tables behind, which evaluation must rebuild.
        torch::Tensor scratch = torch::empty_like(f.model->parameters().flatValues());
        bf16->trainStep(f.values(), scratch.data_ptr<float>(), f.tokens.data_ptr<int64_t>(),
                        f.labels.data_ptr<int64_t>(), count, nullptr, {});
        torch::Tensor zBf16 = torch::empty({count, f.config.dModel}), zFloat = torch::empty({count, f.config.dModel});
        bf16->representations(f.values(), f.tokens.data_ptr<int64_t>(), count, zBf16.data_ptr<float>());
        float32->representations(f.values(), f.tokens.data_ptr<int64_t>(), count, zFloat.data_ptr<float>());
        QVERIFY(sameBits(zBf16, zFloat));
        const std::vector<FusedTransformer::Split> splits = {
            {f.tokens.data_ptr<int64_t>(), f.labels.data_ptr<int64_t>(), count}};
        bf16->trainStep(f.values(), scratch.data_ptr<float>(), f.tokens.data_ptr<int64_t>(),
                        f.labels.data_ptr<int64_t>(), count, nullptr, {});
        const SplitSums a = bf16->evaluate(f.values(), splits, 1e-4).front();
        const SplitSums b = float32->evaluate(f.values(), splits, 1e-4).front();
        QCOMPARE(a.lossSum, b.lossSum);
        QCOMPARE(a.correct, b.correct);
        QCOMPARE(a.sumSquaredCentred, b.sumSquaredCentred);
    }

    void configKeyRoundTrips()
    {
        const TrainConfig defaults;
        QVERIFY(defaults.model.matmulPrecision == MatmulPrecision::Float32);
        QCOMPARE(QString::fromStdString(configToJson(defaults)["model"]["matmul_precision"].get<std::string>()),
                 QString("float32"));
        const TrainConfig bf16 = applyOverride(defaults, "model.matmul_precision=bf16");
        QVERIFY(bf16.model.matmulPrecision == MatmulPrecision::Bf16);
        const nlohmann::json written = configToJson(bf16);
        QCOMPARE(QString::fromStdString(written["model"]["matmul_precision"].get<std::string>()), QString("bf16"));
        QVERIFY(applyConfigJson(TrainConfig{}, written).model.matmulPrecision == MatmulPrecision::Bf16);
        QVERIFY(applyConfigJson(bf16, configToJson(defaults)).model.matmulPrecision == MatmulPrecision::Float32);
    }

    // A run log written before the key existed trains, and resumes, in float32.
    void releaseRunWithoutTheKeyReadsAsFloat32()
    {
        const std::filesystem::path release = std::filesystem::path(GROKSCOPE_SOURCE_DIR) / "tests/data/release-0.1-run";
        QVERIFY(readJsonFile((release / "config.json").string())["model"].count("matmul_precision") == 0);
        QVERIFY(readRunLog(release.string()).config.model.matmulPrecision == MatmulPrecision::Float32);
    }

    void badValuesAreOneLineErrorsNamingTheKey()
    {
        for (const char* value : {"fp16", "BF16", "bfloat16", "", "1"}) {
            const std::string message = errorOf([&] { applyOverride(TrainConfig{}, std::string("model.matmul_precision=") + value); });
            QVERIFY2(message.rfind("model.matmul_precision: ", 0) == 0, message.c_str());
            QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
        }
        // bf16 where the step would be autograd's, in float32: refused, never silent.
        for (const char* other : {"model.architecture=mlp", "model.layer_norm=pre", "model.layers=2",
                                  "model.lookup_tables=false", "model.final_layer_norm=true"}) {
            const TrainConfig c = applyOverride(applyOverride(TrainConfig{}, "model.matmul_precision=bf16"), other);
            const std::string message = errorOf([&] { validateConfig(c); });
            QVERIFY2(message.rfind("model.matmul_precision: bf16 runs on the fused Transformer step only", 0) == 0,
                     (std::string(other) + ": " + message).c_str());
        }
        TrainConfig embedding = applyOverride(TrainConfig{}, "model.matmul_precision=bf16");
        embedding.intervention.mixing = true;
        embedding.intervention.mixingSite = MixingSite::Embedding;
        QVERIFY(errorOf([&] { validateConfig(embedding); }).find("model.matmul_precision") == 0);
        // Where this process can run bf16 the preset validates; elsewhere the error says why.
        const TrainConfig preset = applyOverride(loadPreset("z97-add"), "model.matmul_precision=bf16");
        if (const auto reason = bf16GemmUnavailableReason())
            QCOMPARE(QString::fromStdString(errorOf([&] { validateConfig(preset); })),
                     QString::fromStdString("model.matmul_precision: bf16 " + *reason));
        else
            validateConfig(preset);
    }

    void embeddingMixingSwitchedOnMidRunStopsTheRun()
    {
        // The GUI's lever can pick the embedding site after the start; the step that
        // mixes there is autograd's, float32 only: the run stops with a message instead.
        SKIP_WITHOUT_BF16();
        TrainConfig c = applyOverride(loadPreset("z97-add"), "model.matmul_precision=bf16");
        c.run.threads = 1;
        c.run.steps = 100;
        Trainer trainer(c);
        QCOMPARE(trainer.advance(5), 5L);
        QVERIFY(trainer.failure().empty());
        trainer.setMixing({true, 0.3, MixingSite::Embedding});
        QCOMPARE(trainer.advance(5), 0L);
        QCOMPARE(trainer.step(), 5L);
        QVERIFY2(trainer.failure().find("no bf16 products") != std::string::npos, trainer.failure().c_str());
        QVERIFY(trainer.finished());
    }
};

QTEST_GUILESS_MAIN(TestBf16Matmul)
#include "tst_bf16_matmul.moc"
