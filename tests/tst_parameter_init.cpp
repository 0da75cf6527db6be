// model.init and model.init_scale (model/parameter_init.h): θ₀ must be exactly what the
// documented formulas draw from one generator in declaration order, for both schemes
// and both models, and the scale must multiply every value.

#include "io/config_json.h"
#include "model/grok_model.h"
#include "tasks/dataset.h"

#include <torch/torch.h>

#include <QtTest>
#include <cmath>
#include <functional>

using namespace grokscope;

namespace {

// One tensor of θ₀ as the header documents it: N(0, σ²), U(−b, b) or zeros.
struct Draw {
    int64_t numel;
    enum { Normal, Uniform, Zeros } kind;
    double scale;
};

// θ₀ drawn by the test itself, tensor by tensor, from torch's CPU generator.
torch::Tensor drawnByHand(const std::vector<Draw>& draws, uint64_t seed)
{
    auto generator = at::detail::createCPUGenerator(seed);
    std::vector<torch::Tensor> parts;
    for (const Draw& d : draws) {
        torch::Tensor t = torch::empty({d.numel}, torch::kFloat32);
        if (d.kind == Draw::Normal)
            t.normal_(0.0, d.scale, generator);
        else if (d.kind == Draw::Uniform)
            t.uniform_(-d.scale, d.scale, generator);
        else
            t.zero_();
        parts.push_back(t);
    }
    return torch::cat(parts);
}

// The 1-layer Transformer without LayerNorm of the z97-add preset, in declaration order.
std::vector<Draw> transformerDraws(const ModelConfig& c, const Dataset& data, bool pytorch)
{
    const int64_t d = c.dModel, m = c.dMlp, classes = data.table.numClasses;
    const double s = 1.0 / std::sqrt(double(d));
    auto weight = [&](int64_t fanIn, int64_t numel, double scaledStd) {
        return pytorch ? Draw{numel, Draw::Uniform, 1.0 / std::sqrt(double(fanIn))} : Draw{numel, Draw::Normal, scaledStd};
    };
    auto bias = [&](int64_t fanIn, int64_t numel) {
        return pytorch ? Draw{numel, Draw::Uniform, 1.0 / std::sqrt(double(fanIn))} : Draw{numel, Draw::Zeros, 0.0};
    };
    const double embedStd = pytorch ? 1.0 : s;
    return {{data.vocabularySize * d, Draw::Normal, embedStd},
            {data.sequenceLength * d, Draw::Normal, embedStd},
            weight(d, d * d, s), weight(d, d * d, s), weight(d, d * d, s), weight(d, d * d, s),
            weight(d, d * m, s), bias(d, m), weight(m, m * d, s), bias(m, d),
            weight(d, d * classes, 1.0 / std::sqrt(double(classes)))};
}

// The MLP control of the mlp-z41 preset: embedding, hidden layers (W, b), unembedding.
std::vector<Draw> mlpDraws(const ModelConfig& c, const Dataset& data, bool pytorch)
{
    const int64_t d = c.dModel, width = c.mlpHiddenWidth, classes = data.table.numClasses;
    std::vector<Draw> draws = {{data.vocabularySize * d, Draw::Normal, pytorch ? 1.0 : 1.0 / std::sqrt(double(d))}};
    int64_t fanIn = 2 * d;
    for (int l = 0; l < c.mlpHiddenLayers; ++l) {
        const double bound = 1.0 / std::sqrt(double(fanIn));
        draws.push_back(pytorch ? Draw{fanIn * width, Draw::Uniform, bound} : Draw{fanIn * width, Draw::Normal, bound});
        draws.push_back(pytorch ? Draw{width, Draw::Uniform, bound} : Draw{width, Draw::Zeros, 0.0});
        fanIn = width;
    }
    const double bound = 1.0 / std::sqrt(double(width));
    draws.push_back(pytorch ? Draw{width * classes, Draw::Uniform, bound}
                            : Draw{width * classes, Draw::Normal, 1.0 / std::sqrt(double(classes))});
    return draws;
}

// E‖θ₀‖² from the draws: numel·σ² (normal) or numel·b²/3 (uniform).
double expectedSquaredNorm(const std::vector<Draw>& draws)
{
    double sum = 0.0;
    for (const Draw& d : draws)
        sum += d.kind == Draw::Normal ? d.numel * d.scale * d.scale
               : d.kind == Draw::Uniform ? d.numel * d.scale * d.scale / 3.0 : 0.0;
    return sum;
}

torch::Tensor initialParameters(const TrainConfig& config, const Dataset& data)
{
    return createModel(config.model, data, config.run.modelSeed, torch::kCPU)->parameters().flatValues().detach().clone();
}

}  // namespace

class TestParameterInit : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void drawsFollowTheDocumentedFormulas_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<bool>("pytorch");
        QTest::newRow("transformer, scaled_normal") << "z97-add" << false;
        QTest::newRow("transformer, pytorch") << "z97-add" << true;
        QTest::newRow("mlp, scaled_normal") << "mlp-z41" << false;
        QTest::newRow("mlp, pytorch") << "mlp-z41" << true;
    }
    void drawsFollowTheDocumentedFormulas()
    {
        QFETCH(QString, preset);
        QFETCH(bool, pytorch);
        TrainConfig config = loadPreset(preset.toStdString());
        config.model.init = pytorch ? InitScheme::Pytorch : InitScheme::ScaledNormal;
        config.run.modelSeed = 11;
        const Dataset data = buildDataset(config.task, config.metrics);
        const bool transformer = config.model.architecture == Architecture::Transformer;
        const std::vector<Draw> draws =
            transformer ? transformerDraws(config.model, data, pytorch) : mlpDraws(config.model, data, pytorch);
        const torch::Tensor actual = initialParameters(config, data);
        const torch::Tensor expected = drawnByHand(draws, config.run.modelSeed);
        QCOMPARE(actual.numel(), expected.numel());
        QVERIFY(torch::equal(actual, expected));  // bit for bit: same generator, same order
    }

    // The figures docs/science.md quotes: ‖θ₀‖ ≈ 42 (scaled_normal) and ≈ 114 (pytorch)
    // for the z97-add Transformer. The draws' own sums of squares scatter ~1.3% around
    // their expectation (12,544 N(0, 1) embedding entries dominate), so 5% is ~4 SD.
    void normsMatchTheirExpectation_data()
    {
        QTest::addColumn<bool>("pytorch");
        QTest::addColumn<double>("expectedNorm");
        QTest::newRow("scaled_normal") << false << 42.0;
        QTest::newRow("pytorch") << true << 115.5;
    }
    void normsMatchTheirExpectation()
    {
        QFETCH(bool, pytorch);
        QFETCH(double, expectedNorm);
        TrainConfig config = loadPreset("z97-add");
        config.model.init = pytorch ? InitScheme::Pytorch : InitScheme::ScaledNormal;
        const Dataset data = buildDataset(config.task, config.metrics);
        const double expectedSquare = expectedSquaredNorm(transformerDraws(config.model, data, pytorch));
        QVERIFY2(std::abs(std::sqrt(expectedSquare) / expectedNorm - 1.0) < 0.01,
                 qPrintable(QString("E||theta||^2 = %1").arg(expectedSquare)));
        for (unsigned long long seed : {0ULL, 1ULL, 2ULL}) {
            config.run.modelSeed = seed;
            const double square = initialParameters(config, data).pow(2).sum().item<double>();
            QVERIFY2(std::abs(square / expectedSquare - 1.0) < 0.05,
                     qPrintable(QString("seed %1: ||theta||^2 = %2, expected %3").arg(seed).arg(square).arg(expectedSquare)));
        }
    }

    void scaleMultipliesEveryParameter()
    {
        for (const InitScheme scheme : {InitScheme::ScaledNormal, InitScheme::Pytorch}) {
            TrainConfig config = loadPreset("z97-add");
            config.model.init = scheme;
            const Dataset data = buildDataset(config.task, config.metrics);
            const torch::Tensor unscaled = initialParameters(config, data);
            config.model.initScale = 2.0;  // a power of two: the product is exact
            QVERIFY(torch::equal(initialParameters(config, data), unscaled * 2.0));
            config.model.initScale = 0.3;
            QVERIFY(torch::allclose(initialParameters(config, data), unscaled * 0.3, 0.0, 0.0));
        }
    }
};

QTEST_GUILESS_MAIN(TestParameterInit)
#include "tst_parameter_init.moc"
