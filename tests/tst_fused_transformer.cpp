// The hand-written Transformer step (FusedTransformer) against autograd on the same
// model: gradients, loss, representations and evaluation sums, with every lever it
// supports (each variant of the mixing plan at both of its sites); the same numbers on
// 1 thread and on 2; and the trainer with the mixing lever at its defaults taking the
// lever's original steps, loss for loss, bit for bit.

#include "compute/worker_pool.h"
#include "io/config_json.h"
#include "model/fused_transformer.h"
#include "model/grok_model.h"
#include "tasks/dataset.h"
#include "tasks/seeded_random.h"
#include "train/adamw.h"
#include "train/trainer.h"

#include "gradient_comparison.h"
#include "mixing_variants.h"

#include <torch/torch.h>

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <numeric>

using namespace grokscope;

namespace {

struct Fixture {
    Dataset data;
    ModelConfig config;
    std::unique_ptr<GrokModel> model;
    torch::Tensor tokens, labels;

    explicit Fixture(Activation activation, int64_t batch = 64, int dModel = 32, int dMlp = 64)
    {
        TaskConfig task;
        task.modulus = 23;
        task.trainFraction = 0.5;
        data = buildDataset(task, MetricsConfig{});
        config.dModel = dModel;
        config.heads = 4;
        config.dMlp = dMlp;
        config.activation = activation;
        model = createModel(config, data, 7, torch::kCPU);
        // Larger weights than at initialisation, so attention is far from uniform and
        // ReLUs are mixed, and biases away from their initial zeros: a wrong or missing
        // term would not hide behind symmetry or a zero.
        torch::NoGradGuard noGrad;
        torch::manual_seed(11);
        torch::Tensor& flat = model->parameters().flatValues();
        flat.mul_(3.0).add_(torch::randn_like(flat), 0.1);
        tokens = torch::empty({batch, data.sequenceLength}, torch::kInt64);
        labels = torch::empty({batch}, torch::kInt64);
        for (int64_t i = 0; i < batch; ++i) {
            const int pair = data.trainPairs[static_cast<size_t>((i * 37) % data.trainPairs.size())];
            std::vector<int> t(data.sequenceLength);
            data.tokensOf(pair, t.data());
            for (int j = 0; j < data.sequenceLength; ++j)
                tokens[i][j] = t[j];
            labels[i] = data.table.answer[pair];
        }
    }

    std::unique_ptr<FusedTransformer> fused(WorkerPool& pool) const
    {
        return createFusedTransformer(*model, data, config, pool);
    }
    float* values() const { return model->parameters().flatValues().data_ptr<float>(); }
};

torch::Tensor fusedGradient(Fixture& f, int threads, const MixingPlan* mixing, bool extra, double* loss)
{
    WorkerPool pool(threads);
    const auto fused = f.fused(pool);
    torch::Tensor gradients = torch::full_like(f.model->parameters().flatValues(), std::nanf(""));
    const RepresentationGradient addExtra = extra ? extraLossGradient() : RepresentationGradient{};
    *loss = fused->trainStep(f.values(), gradients.data_ptr<float>(), f.tokens.data_ptr<int64_t>(),
                             f.labels.data_ptr<int64_t>(), f.tokens.size(0), mixing, addExtra);
    return gradients;
}

// Tolerance 1e-4 of each tensor's largest entry (tests/gradient_comparison.h).
void compareGradients(const Fixture& f, const torch::Tensor& expected, const torch::Tensor& got)
{
    compareGradientsPerTensor(f.model->parameters(), expected, got, 1e-4);
}

// Every pair of the task, train then test: tokens (n × length) and labels (n).
std::pair<torch::Tensor, torch::Tensor> allPairs(const Fixture& f)
{
    std::vector<int> pairs = f.data.trainPairs;
    pairs.insert(pairs.end(), f.data.testPairs.begin(), f.data.testPairs.end());
    const int64_t n = static_cast<int64_t>(pairs.size()), length = f.data.sequenceLength;
    torch::Tensor tokens = torch::empty({n, length}, torch::kInt64), labels = torch::empty({n}, torch::kInt64);
    std::vector<int> t(static_cast<size_t>(length));
    for (int64_t i = 0; i < n; ++i) {
        f.data.tokensOf(pairs[static_cast<size_t>(i)], t.data());
        for (int64_t j = 0; j < length; ++j)
            tokens[i][j] = t[static_cast<size_t>(j)];
        labels[i] = f.data.table.answer[pairs[static_cast<size_t>(i)]];
    }
    return {tokens, labels};
}

torch::Tensor representationsOf(const Fixture& f, WorkerPool& pool, const torch::Tensor& tokens, int64_t count)
{
    torch::Tensor z = torch::full({count, f.config.dModel}, NAN, torch::kFloat32);
    f.fused(pool)->representations(f.values(), tokens.data_ptr<int64_t>(), count, z.data_ptr<float>());
    return z;
}

}  // namespace

class TestFusedTransformer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gradientsEqualAutograd_data()
    {
        QTest::addColumn<bool>("gelu");
        QTest::addColumn<int>("site");  // -1: no mixing, else MixingSite
        QTest::addColumn<bool>("extra");
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("variant");  // MixingVariant (mixing_variants.h)
        const int convex = int(MixingVariant::Convex);
        QTest::newRow("ReLU") << false << -1 << false << 64 << convex;
        QTest::newRow("GELU") << true << -1 << false << 64 << convex;
        QTest::newRow("odd batch, uneven chunks") << false << -1 << false << 37 << convex;
        QTest::newRow("mixing at the final residual") << false << int(MixingSite::FinalResidual) << false << 64
                                                       << convex;
        QTest::newRow("mixing at the attention output") << false << int(MixingSite::AttentionOutput) << false << 64
                                                         << convex;
        QTest::newRow("extra loss term on z") << false << -1 << true << 64 << convex;
        QTest::newRow("extra term and final mixing") << true << int(MixingSite::FinalResidual) << true << 64 << convex;
        for (const auto& [variant, name] : kMixingVariantNames) {
            if (variant == MixingVariant::Convex)
                continue;
            for (MixingSite site : {MixingSite::FinalResidual, MixingSite::AttentionOutput})
                QTest::addRow("%s at the %s", name, mixingSiteName(site))
                    << false << int(site) << false << 37 << int(variant);
        }
        QTest::newRow("all variants, GELU, extra term") << true << int(MixingSite::FinalResidual) << true << 64
                                                         << int(MixingVariant::SwapDetachedLabels);
    }

    void gradientsEqualAutograd()
    {
        QFETCH(bool, gelu);
        QFETCH(int, site);
        QFETCH(bool, extra);
        QFETCH(int, batch);
        QFETCH(int, variant);
        Fixture f(gelu ? Activation::Gelu : Activation::Relu, batch);
        const MixingPlan plan = handPlan(MixingSite(site < 0 ? 0 : site), batch, MixingVariant(variant));
        double expectedLoss = 0.0, loss = 0.0;
        const torch::Tensor expected = autogradGradient(f, site < 0 ? nullptr : &plan, extra, &expectedLoss);
        const torch::Tensor got = fusedGradient(f, 2, site < 0 ? nullptr : &plan, extra, &loss);
        QVERIFY2(std::abs(loss - expectedLoss) <= 1e-5 * expectedLoss,
                 qPrintable(QString("loss %1 vs %2").arg(loss).arg(expectedLoss)));
        compareGradients(f, expected, got);
        if (site >= 0)
            checkTrainingLoss(*f.model, f.tokens, f.labels, plan);
    }

    // A row whose tokens no other row of the batch has (row 0: operands 0 and 1) lends
    // its representation to row B−1 (π(B−1) = 0) and takes nothing itself (w_0 = 0). With
    // the partner detached, those tokens' embedding gradients are those of the unmixed
    // step: its share in row B−1 sends nothing back. With it passed through, they are not.
    void aDetachedPartnerGetsNoGradientFromItsShare_data()
    {
        QTest::addColumn<int>("site");
        QTest::newRow("final residual") << int(MixingSite::FinalResidual);
        QTest::newRow("attention output") << int(MixingSite::AttentionOutput);
    }

    void aDetachedPartnerGetsNoGradientFromItsShare()
    {
        QFETCH(int, site);
        Fixture f(Activation::Relu, 16);
        const int64_t batch = 16, p = f.data.table.numClasses;
        const int64_t equals = f.tokens[0][f.data.sequenceLength - 1].item<int64_t>();
        for (int64_t i = 0; i < batch; ++i) {
            const int64_t a = i == 0 ? 0 : 2 + (i * 5) % (p - 2), b = i == 0 ? 1 : 2 + (i * 11 + 3) % (p - 2);
            f.tokens[i][0] = a;
            f.tokens[i][1] = b;
            f.tokens[i][2] = equals;
            f.labels[i] = (a + b) % p;
        }
        MixingPlan plan;
        plan.site = MixingSite(site);
        for (int64_t i = 0; i < batch; ++i) {
            plan.partner.push_back((i + 1) % batch);
            plan.weight.push_back(i == 0 ? 0.0 : 0.35);
        }
        plan.detachPartner = true;
        const ParameterStore& store = f.model->parameters();
        const int embed = int(std::find(store.names().begin(), store.names().end(), "embed") - store.names().begin());
        const int64_t d = f.config.dModel;
        const int64_t embedOffset = store.view(embed).data_ptr<float>() - store.flatValues().data_ptr<float>();
        auto ownTokens = [&](const torch::Tensor& gradient) { return gradient.narrow(0, embedOffset, 2 * d); };
        double loss = 0.0;
        const torch::Tensor unmixed = ownTokens(fusedGradient(f, 2, nullptr, false, &loss));
        const torch::Tensor detached = ownTokens(fusedGradient(f, 2, &plan, false, &loss));
        plan.detachPartner = false;
        const torch::Tensor through = ownTokens(fusedGradient(f, 2, &plan, false, &loss));
        const double scale = unmixed.abs().max().item<double>();
        const double detachedError = (detached - unmixed).abs().max().item<double>() / scale;
        const double throughDifference = (through - unmixed).abs().max().item<double>() / scale;
        qInfo("detached: %.3g of the unmixed gradient's scale; through: %.3g", detachedError, throughDifference);
        QVERIFY2(detachedError <= 1e-6, qPrintable(QString::number(detachedError)));
        QVERIFY2(throughDifference > 1e-2, qPrintable(QString::number(throughDifference)));
    }

    // With the lever at its defaults (probability 1, convex, cycle, through, one-hot
    // labels) the trainer's first 300 z97-add losses are, bit for bit, those of the step
    // the lever always took: the batch of each step, Sattolo's cycle from the step's
    // mixing stream drawn as train/interventions.cpp drew it before the variants, every
    // row at weight α, the fused step and AdamW. (The row kernels' bits at one weight
    // against the original kernels: tst_mixing_plan.) With variants the trainer's first
    // 150 steps are those of drawMixingPlan from the batch's labels and the same stream,
    // the steps the probability skips unmixed.
    void theTrainerTakesThePlannedSteps_data()
    {
        QTest::addColumn<bool>("variants");
        QTest::newRow("the lever's defaults") << false;
        QTest::newRow("same_class, detached, labels, probability 0.5, attention output") << true;
    }

    void theTrainerTakesThePlannedSteps()
    {
        QFETCH(bool, variants);
        const long steps = variants ? 150 : 300;
        TrainConfig config = loadPreset("z97-add");
        config.run.steps = steps;
        config.run.evalEverySteps = 1000;
        config.run.spectrumEverySteps = 0;
        config.run.threads = 2;
        config.intervention.mixing = true;
        if (variants) {
            config.intervention.mixingPermutation = MixingPermutation::SameClass;
            config.intervention.mixingPartnerGradient = MixingPartnerGradient::Detached;
            config.intervention.mixingLabels = true;
            config.intervention.mixingProbability = 0.5;
            config.intervention.mixingSite = MixingSite::AttentionOutput;
        }
        Trainer trainer(config);
        QVERIFY(trainer.fusedPath());

        const Dataset& data = trainer.dataset();
        auto model = createModel(config.model, data, config.run.modelSeed, torch::kCPU);
        AdamW optimiser(model->parameters(), config.optim);
        WorkerPool pool(2);
        const auto fused = createFusedTransformer(*model, data, config.model, pool);
        const int64_t batch = config.optim.batchSize, length = data.sequenceLength;
        std::vector<int> t(static_cast<size_t>(length));
        torch::Tensor tokens = torch::empty({batch, length}, torch::kInt64);
        torch::Tensor labels = torch::empty({batch}, torch::kInt64);
        int mixedSteps = 0;
        for (long step = 1; step <= steps; ++step) {
            QCOMPARE(trainer.advance(1), 1L);
            SplitMix64 random(streamSeed(config.run.modelSeed, kBatchStream, static_cast<uint64_t>(step)));
            for (int64_t i = 0; i < batch; ++i) {
                const int pair = data.trainPairs[random.below(data.trainPairs.size())];
                data.tokensOf(pair, t.data());
                for (int64_t j = 0; j < length; ++j)
                    tokens.data_ptr<int64_t>()[i * length + j] = t[static_cast<size_t>(j)];
                labels.data_ptr<int64_t>()[i] = data.table.answer[pair];
            }
            const uint64_t mixingSeed = streamSeed(config.run.modelSeed, kMixingStream, static_cast<uint64_t>(step));
            MixingPlan plan;
            if (variants) {
                plan = drawMixingPlan(config.intervention.mixingSettings(), labels.data_ptr<int64_t>(), batch,
                                      mixingSeed);
            } else {
                plan.partner.resize(size_t(batch));
                std::iota(plan.partner.begin(), plan.partner.end(), 0);
                SplitMix64 mixing(mixingSeed);
                for (int64_t i = batch - 1; i > 0; --i)
                    std::swap(plan.partner[size_t(i)], plan.partner[mixing.below(static_cast<uint64_t>(i))]);
                plan.weight.assign(size_t(batch), config.intervention.mixingAlpha);
            }
            mixedSteps += !plan.empty();
            ParameterStore& store = model->parameters();
            const double loss = fused->trainStep(store.flatValues().data_ptr<float>(),
                                                 store.flatGradients().data_ptr<float>(), tokens.data_ptr<int64_t>(),
                                                 labels.data_ptr<int64_t>(), batch, plan.empty() ? nullptr : &plan, {});
            optimiser.step(config.optim.learningRate * std::min(1.0, double(step) / config.optim.warmupSteps));
            QVERIFY2(trainer.lastTrainingLoss() == double(float(loss)),
                     qPrintable(QString("step %1: loss %2, the planned step's %3")
                                    .arg(step)
                                    .arg(trainer.lastTrainingLoss(), 0, 'g', 17)
                                    .arg(double(float(loss)), 0, 'g', 17)));
        }
        if (variants)  // Binomial(150, 0.5): 75 ± 6.1; the band is ±4 σ
            QVERIFY2(mixedSteps >= 51 && mixedSteps <= 99, qPrintable(QString::number(mixedSteps)));
        else
            QCOMPARE(mixedSteps, 300);
    }

    void oneThreadAndTwoGiveIdenticalNumbers()
    {
        // Fixed chunks, reduced in chunk order: the thread count must not change a bit.
        Fixture f(Activation::Relu, 64);
        double lossOne = 0.0, lossTwo = 0.0;
        const torch::Tensor one = fusedGradient(f, 1, nullptr, false, &lossOne);
        const torch::Tensor two = fusedGradient(f, 2, nullptr, false, &lossTwo);
        QCOMPARE(lossOne, lossTwo);
        QVERIFY(torch::equal(one, two));
        WorkerPool poolOne(1), poolTwo(2);
        const FusedTransformer::Split all{f.tokens.data_ptr<int64_t>(), f.labels.data_ptr<int64_t>(), f.tokens.size(0)};
        const SplitSums a = f.fused(poolOne)->evaluate(f.values(), {all}, 1e-4).front();
        const SplitSums b = f.fused(poolTwo)->evaluate(f.values(), {all}, 1e-4).front();
        QCOMPARE(a.lossSum, b.lossSum);
        QCOMPARE(a.sumSquaredCentred, b.sumSquaredCentred);
    }

    // Evaluation takes its logits from per-row tables (W_O·W_in, W_O·U, W_out·U), not
    // from the training path's products: both activations against torch's forward.
    void evaluationSumsEqualTorch()
    {
        compareEvaluationWithTorch(Activation::Relu);
        if (QTest::currentTestFailed())
            return;
        compareEvaluationWithTorch(Activation::Gelu);
    }

    // A row's representation is the same bits whatever the number of rows asked for,
    // on every BLAS kernel: the probe forward alongside evaluate() and representations()
    // may be given different counts (the test above), and a sample of the first k rows
    // must be the first k rows of a larger one. Counts that leave a block partly filled,
    // from one row to one short of the whole, on either side of the block size. Without
    // padding every block's products to a whole block, OpenBLAS's AVX-512 sgemm rounds
    // the row of a 1-row product with W_out (d_mlp 512) differently from the same row
    // in a 256-row one, and its Haswell kernel does so at every width here.
    void representationsDoNotDependOnTheRowCount_data()
    {
        QTest::addColumn<bool>("gelu");
        QTest::addColumn<int>("dModel");
        QTest::addColumn<int>("dMlp");
        QTest::newRow("ReLU") << false << 32 << 64;
        QTest::newRow("GELU") << true << 32 << 64;
        QTest::newRow("ReLU, the presets' widths") << false << 128 << 512;
    }

    void representationsDoNotDependOnTheRowCount()
    {
        QFETCH(bool, gelu);
        QFETCH(int, dModel);
        QFETCH(int, dMlp);
        Fixture f(gelu ? Activation::Gelu : Activation::Relu, 0, dModel, dMlp);
        const torch::Tensor tokens = allPairs(f).first;
        const int64_t n = tokens.size(0), block = FusedTransformer::kEvalBlockRows;
        QVERIFY(n > 2 * block);
        WorkerPool pool(2);
        const torch::Tensor whole = representationsOf(f, pool, tokens, n);
        for (int64_t count : {int64_t(1), int64_t(2), int64_t(3), int64_t(7), int64_t(16), int64_t(17), int64_t(44),
                              int64_t(100), block - 1, block, block + 1, block + 44, 2 * block - 1, 2 * block, n - 1}) {
            const torch::Tensor part = representationsOf(f, pool, tokens, count);
            QVERIFY2(torch::equal(part, whole.slice(0, 0, count)),
                     qPrintable(QString("%1 rows: largest difference %2")
                                    .arg(count)
                                    .arg((part - whole.slice(0, 0, count)).abs().max().item<double>())));
        }
    }

private:
    static void compareEvaluationWithTorch(Activation activation)
    {
        // Every pair of the task, in more than one evaluation block.
        Fixture f(activation, 0);
        const auto [tokens, labels] = allPairs(f);
        const int64_t n = tokens.size(0), length = f.data.sequenceLength;
        QVERIFY(n > FusedTransformer::kEvalBlockRows);
        torch::NoGradGuard noGrad;
        const ModelOutput out = f.model->forward(tokens, nullptr);
        const TorchSums expected = torchSums(out.logits, labels);
        const double epsilon = expected.epsilon, lossSum = expected.lossSum;
        const int64_t correct = expected.correct;

        // Every example ends in '=': the evaluation folds the query position's rows.
        WorkerPool pool(2);
        compareSums(f.fused(pool)->evaluate(f.values(), {{tokens.data_ptr<int64_t>(), labels.data_ptr<int64_t>(), n}},
                                           epsilon)
                        .front(),
                    expected, f.data.table.numClasses);
        if (QTest::currentTestFailed())
            return;

        // Every other example ends in token 0 instead: two query tokens, nothing folded.
        const torch::Tensor mixedTokens = tokens.clone();
        mixedTokens.select(1, length - 1).slice(0, 0, n, 2).fill_(0);
        const TorchSums mixedExpected = torchSums(f.model->forward(mixedTokens, nullptr).logits, labels);
        compareSums(f.fused(pool)
                        ->evaluate(f.values(), {{mixedTokens.data_ptr<int64_t>(), labels.data_ptr<int64_t>(), n}},
                                   mixedExpected.epsilon)
                        .front(),
                    mixedExpected, f.data.table.numClasses);
        if (QTest::currentTestFailed())
            return;
        // representations() reads the same tables, here unfolded.
        const torch::Tensor mixedZ = representationsOf(f, pool, mixedTokens, n);
        const torch::Tensor mixedRepresentation = f.model->forward(mixedTokens, nullptr).representation;
        QVERIFY((mixedZ - mixedRepresentation).abs().max().item<double>()
                <= 1e-5 * mixedRepresentation.abs().max().item<double>());

        // Two splits in one call: each the same sums as on its own (blocks start at a
        // split's first row), and together the whole.
        const int64_t cut = 300;
        const FusedTransformer::Split head{tokens.data_ptr<int64_t>(), labels.data_ptr<int64_t>(), cut},
            tail{tokens.data_ptr<int64_t>() + cut * length, labels.data_ptr<int64_t>() + cut, n - cut};
        const std::vector<SplitSums> both = f.fused(pool)->evaluate(f.values(), {head, tail}, epsilon);
        const SplitSums headAlone = f.fused(pool)->evaluate(f.values(), {head}, epsilon).front();
        QCOMPARE(both.size(), size_t(2));
        QCOMPARE(both[0].lossSum, headAlone.lossSum);
        QCOMPARE(both[0].correct, headAlone.correct);
        QCOMPARE(both[0].examples, cut);
        QCOMPARE(both[1].examples, n - cut);
        QCOMPARE(both[0].correct + both[1].correct, correct);
        QVERIFY(std::abs(both[0].lossSum + both[1].lossSum - lossSum) <= 1e-5 * lossSum);

        const torch::Tensor z = representationsOf(f, pool, tokens, n);
        const double scale = out.representation.abs().max().item<double>();
        QVERIFY((z - out.representation).abs().max().item<double>() <= 1e-5 * scale);

        // The probe forward alongside the splits gives representations()'s bits (its
        // 300 rows, the first 300 of the n above: a row's bits do not depend on the
        // count), is done before `then` runs, and changes no sum (its final tokens are
        // the splits', so the tables are the same).
        const int64_t probeCount = 300;
        torch::Tensor alongsideZ = torch::full({probeCount, f.config.dModel}, NAN, torch::kFloat32);
        torch::Tensor seenByThen;
        EvaluationAlongside alongside;
        alongside.probeTokens = tokens.data_ptr<int64_t>();
        alongside.probeCount = probeCount;
        alongside.probeOut = alongsideZ.data_ptr<float>();
        alongside.then = [&] { seenByThen = alongsideZ.clone(); };
        const std::vector<SplitSums> withProbe = f.fused(pool)->evaluate(f.values(), {head, tail}, epsilon, alongside);
        QVERIFY(probeCount > FusedTransformer::kEvalBlockRows && probeCount <= n);
        QVERIFY(torch::equal(alongsideZ, z.slice(0, 0, probeCount)));
        QVERIFY(seenByThen.defined() && torch::equal(seenByThen, alongsideZ));
        QCOMPARE(withProbe[0].lossSum, both[0].lossSum);
        QCOMPARE(withProbe[1].lossSum, both[1].lossSum);
        QCOMPARE(withProbe[1].sumSquaredCentred, both[1].sumSquaredCentred);
    }

    struct TorchSums {
        double lossSum = 0.0, squares = 0.0, epsilon = 0.0;
        int64_t correct = 0, saturated = 0, examples = 0;
    };

    // The evaluation's sums from torch's logits, with a saturation threshold that
    // splits the rows, so the count is not trivially 0 or n.
    static TorchSums torchSums(const torch::Tensor& logits, const torch::Tensor& labels)
    {
        TorchSums t;
        const torch::Tensor logSoftmax = logits.log_softmax(-1);
        t.lossSum = -logSoftmax.gather(1, labels.unsqueeze(1)).to(torch::kFloat64).sum().item<double>();
        t.correct = logits.argmax(-1).eq(labels).sum().item<int64_t>();
        t.squares = (logits - logits.mean(-1, true)).to(torch::kFloat64).pow(2).sum().item<double>();
        const torch::Tensor shortfall = -torch::expm1(std::get<0>(logSoftmax.max(-1)).to(torch::kFloat64));
        t.epsilon = shortfall.median().item<double>();
        t.saturated = shortfall.lt(t.epsilon).sum().item<int64_t>();
        t.examples = logits.size(0);
        return t;
    }

    static void compareSums(const SplitSums& s, const TorchSums& t, int64_t classes)
    {
        QCOMPARE(s.examples, t.examples);
        QCOMPARE(s.entries, t.examples * classes);
        QVERIFY2(std::abs(s.lossSum - t.lossSum) <= 1e-5 * t.lossSum,
                 qPrintable(QString("loss sum %1 vs torch %2").arg(s.lossSum).arg(t.lossSum)));
        QCOMPARE(s.correct, t.correct);
        QVERIFY(t.correct > 0 && t.correct < t.examples);
        QVERIFY(std::abs(s.sumSquaredCentred - t.squares) <= 1e-5 * t.squares);
        QVERIFY(std::abs(s.saturated - t.saturated) <= 2);  // rows at the threshold may round either way
    }
};

QTEST_APPLESS_MAIN(TestFusedTransformer)
#include "tst_fused_transformer.moc"
