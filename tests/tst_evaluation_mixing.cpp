// Mixing at evaluation and probe time (train/evaluation_mixing.h) on real short runs:
// off, nothing changes; on, the measured probe is the documented plan applied to the
// unmixed one, and accuracy and H̃ take the values that plan implies.

#include "io/config_json.h"
#include "io/run_log.h"
#include "metrics/spectrum.h"
#include "run_comparison.h"
#include "train/evaluation_mixing.h"
#include "train/run.h"

#include <QtTest>
#include <QTemporaryDir>
#include <algorithm>
#include <cmath>

using namespace grokscope;

namespace {

// H̃ of a probe sample, computed here from the values alone.
double entropyOf(const RepresentationSample& z, Centring centring)
{
    Eigen::MatrixXd m(z.rows, z.columns);
    for (int i = 0; i < z.rows; ++i)
        for (int j = 0; j < z.columns; ++j)
            m(i, j) = double(z.values[size_t(i) * z.columns + j]);
    return summariseRepresentations(m, centring).entropy;
}

// The logged evaluation at `step` (there is one in these tests).
const EvalSnapshot& evaluationAt(const RunLog& log, long step)
{
    const auto found = std::find_if(log.evaluations.begin(), log.evaluations.end(),
                                    [step](const EvalSnapshot& s) { return s.step == step; });
    if (found == log.evaluations.end())
        qFatal("no evaluation at step %ld", step);
    return *found;
}

// The probe set's true labels, in the probe's row order.
std::vector<int64_t> probeLabels(const Dataset& data)
{
    std::vector<int64_t> labels;
    for (int pair : data.probePairs)
        labels.push_back(data.table.answer[size_t(pair)]);
    return labels;
}

// The probe plan the evaluation at the trainer's step draws for `lever`
// (train/evaluation_mixing.h), rebuilt from its documented stream.
MixingPlan probePlan(Trainer& trainer, const MixingSettings& lever)
{
    const std::vector<int64_t> labels = probeLabels(trainer.dataset());
    return evaluationMixingPlan(lever, labels.data(), int64_t(labels.size()), trainer.config().run.modelSeed,
                                trainer.step(), EvaluationPass::Probe, 0);
}

// max_i,j |mixed_ij − ((1 − w_i) z_ij + w_i z_π(i)j)| over the rows, with the plan's
// weights and partners, and the largest |z_ij| as the scale to judge it by.
std::pair<double, double> planResidual(const RepresentationSample& z, const RepresentationSample& mixed,
                                       const MixingPlan& plan)
{
    double worst = 0.0, scale = 0.0;
    for (int i = 0; i < z.rows; ++i) {
        const double w = plan.weight[size_t(i)];
        const int64_t partner = plan.partner[size_t(i)];
        for (int j = 0; j < z.columns; ++j) {
            const double own = z.values[size_t(i) * z.columns + j];
            const double theirs = w > 0.0 ? double(z.values[size_t(partner) * z.columns + j]) : 0.0;
            const double expected = (1.0 - w) * own + w * theirs;
            worst = std::max(worst, std::abs(double(mixed.values[size_t(i) * z.columns + j]) - expected));
            scale = std::max(scale, std::abs(own));
        }
    }
    return {worst, scale};
}

}  // namespace

class TestEvaluationMixing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mixingAtEvaluationChangesOnlyTheMeasurement()
    {
        // Two runs that train alike (mixing α 0.5 from step 0), one measuring mixed.
        // Known answers: the parameters stay equal (at_evaluation does not touch
        // training); each logged H̃ is that of the probe sample the run hands out; the
        // unmixed run's H̃ is that of the shared model's unmixed probe; the mixed run's
        // probe is the plan of train/evaluation_mixing.h applied to that unmixed probe.
        QTemporaryDir dir;
        TrainConfig unmixed = quickConfig(20);
        unmixed.run.checkpointEverySteps = 0;
        unmixed.run.evalEverySteps = 10;
        unmixed.run.spectrumEverySteps = 10;
        unmixed.intervention.mixing = true;
        unmixed.intervention.mixingAlpha = 0.5;
        TrainConfig mixed = unmixed;
        mixed.intervention.mixingAtEvaluation = true;
        auto a = Run::start(unmixed, dir.filePath("unmixed").toStdString());
        auto b = Run::start(mixed, dir.filePath("mixed").toStdString());
        a->advance(20);
        b->advance(20);
        const RepresentationSample zA = a->trainer().probeRepresentations();
        const RepresentationSample zB = b->trainer().probeRepresentations();
        MixingSettings lever = b->trainer().mixing();
        const MixingPlan plan = probePlan(b->trainer(), lever);
        lever.enabled = false;
        b->trainer().setMixing(lever);
        const RepresentationSample zBUnmixed = b->trainer().probeRepresentations();
        trainToEnd(*a);
        trainToEnd(*b);
        const RunLog la = readRunLog(a->directory()), lb = readRunLog(b->directory());
        QCOMPARE(la.evaluations.size(), size_t(3));
        QCOMPARE(lb.evaluations.size(), size_t(3));
        // Step 0: the window opens with step 1, so nothing mixes yet.
        compareEvaluations({la.evaluations[0]}, {lb.evaluations[0]});
        for (size_t i = 1; i < 3; ++i) {
            QCOMPARE(la.evaluations[i].weightNorm, lb.evaluations[i].weightNorm);
            QVERIFY(la.evaluations[i].trainLoss != lb.evaluations[i].trainLoss);
            QVERIFY(la.evaluations[i].testLoss != lb.evaluations[i].testLoss);
            // Small but real: a convex mix with a random partner scales the covariance by
            // (1−α)² + α² (H̃ does not see a scale) and adds only the cross term of
            // unrelated rows; measured 0.0014 at steps 10 and 20. Unmixed, the two are equal.
            QVERIFY(std::abs(*la.evaluations[i].entropy - *lb.evaluations[i].entropy) > 2e-4);
        }
        const Centring centring = unmixed.metrics.centring;
        const double hA = *evaluationAt(la, 20).entropy, hB = *evaluationAt(lb, 20).entropy;
        QCOMPARE(zBUnmixed.values, zA.values);  // the same model, measured unmixed
        QVERIFY2(std::abs(entropyOf(zA, centring) - hA) < 1e-9, qPrintable(QString::number(hA)));
        QVERIFY2(std::abs(entropyOf(zB, centring) - hB) < 1e-9, qPrintable(QString::number(hB)));
        QCOMPARE(plan.rows(), int64_t(zA.rows));
        const auto [worst, scale] = planResidual(zA, zB, plan);
        // The mixed probe runs the torch forward, the unmixed one the fused tables: float
        // rounding apart. A wrong partner or weight is off by a share of the scale.
        QVERIFY2(worst <= 1e-4 * scale, qPrintable(QString("residual %1 of scale %2").arg(worst).arg(scale)));
        QVERIFY(planResidual(zA, zA, plan).first > 100 * worst);  // the check can tell mixed from unmixed
    }

    void evaluationMixingFollowsEachVariant_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("form");
        QTest::addColumn<int>("permutation");
        QTest::addColumn<double>("alpha");
        const QString transformer = QStringLiteral("z23-quick"), mlp = QStringLiteral("mlp-z41");
        QTest::newRow("convex cycle") << transformer << int(MixingForm::Convex) << int(MixingPermutation::Cycle) << 0.3;
        QTest::newRow("swap derangement") << transformer << int(MixingForm::Swap) << int(MixingPermutation::Derangement)
                                          << 1.0;
        QTest::newRow("swap half, same class") << transformer << int(MixingForm::Swap)
                                               << int(MixingPermutation::SameClass) << 0.5;
        QTest::newRow("convex different class") << transformer << int(MixingForm::Convex)
                                                << int(MixingPermutation::DifferentClass) << 0.7;
        // The MLP evaluates by its torch forward whether mixing or not; sampled batches.
        QTest::newRow("MLP, convex derangement") << mlp << int(MixingForm::Convex)
                                                 << int(MixingPermutation::Derangement) << 0.4;
    }

    void evaluationMixingFollowsEachVariant()
    {
        // One trained model, measured under each variant of the lever: the measured probe
        // is its plan applied to the unmixed probe, and the plan is what the variant says
        // (no row its own partner; partners by label; round(αN) swapped rows).
        QFETCH(QString, preset);
        QFETCH(int, form);
        QFETCH(int, permutation);
        QFETCH(double, alpha);
        TrainConfig config = loadPreset(preset.toStdString());
        config.run.steps = 20;
        config.run.threads = 1;
        config.run.checkpointEverySteps = 0;
        auto run = Run::start(config, "");
        run->advance(20);
        Trainer& trainer = run->trainer();
        const RepresentationSample z = trainer.probeRepresentations();
        MixingSettings lever;
        lever.enabled = true;
        lever.atEvaluation = true;
        lever.alpha = alpha;
        lever.form = MixingForm(form);
        lever.permutation = MixingPermutation(permutation);
        lever.probability = 0.5;  // a training step's coin: evaluation mixes every time
        lever.mixLabels = true;   // never at evaluation
        trainer.setMixing(lever);
        const RepresentationSample mixed = trainer.probeRepresentations();
        QCOMPARE(trainer.probeRepresentations().values, mixed.values);  // one plan per (step, pass, batch)
        const MixingPlan plan = probePlan(trainer, lever);
        QCOMPARE(plan.rows(), int64_t(z.rows));
        QVERIFY(!plan.mixLabels);
        const auto [worst, scale] = planResidual(z, mixed, plan);
        QVERIFY2(worst <= 1e-4 * scale, qPrintable(QString("residual %1 of scale %2").arg(worst).arg(scale)));
        const std::vector<int64_t> labels = probeLabels(trainer.dataset());
        int mixedRows = 0, partneredRows = 0;
        for (int64_t i = 0; i < plan.rows(); ++i) {
            const int64_t partner = plan.partner[size_t(i)];
            partneredRows += partner != i ? 1 : 0;
            const double w = plan.weight[size_t(i)];
            if (w == 0.0)
                continue;
            ++mixedRows;
            QVERIFY2(partner != i, "a mixed row is its own partner");
            QCOMPARE(w, lever.form == MixingForm::Convex ? alpha : 1.0);
            if (lever.permutation == MixingPermutation::SameClass)
                QCOMPARE(labels[size_t(partner)], labels[size_t(i)]);
            if (lever.permutation == MixingPermutation::DifferentClass)  // 23 classes: none fills half the probe
                QVERIFY(labels[size_t(partner)] != labels[size_t(i)]);
        }
        // Every label fills several probe rows (z23: ~18 of 423, z41: ~12 of 504), so
        // every row has a partner other than itself, whatever the permutation kind.
        QCOMPARE(partneredRows, z.rows);
        QCOMPARE(mixedRows, lever.form == MixingForm::Swap ? int(std::lround(alpha * z.rows)) : z.rows);
    }

    void swappedEvaluationHasKnownAccuracyAndEntropy_data()
    {
        QTest::addColumn<int>("permutation");
        QTest::newRow("same class") << int(MixingPermutation::SameClass);
        QTest::newRow("different class") << int(MixingPermutation::DifferentClass);
    }

    void swappedEvaluationHasKnownAccuracyAndEntropy()
    {
        // A memorised model measured with every row's final representation swapped for its
        // partner's (form swap, α 1): row i then gets the prediction of row π(i). With
        // partners of the same label the accuracy is exactly the unmixed one; with
        // partners of another label a row can only be right where its partner was wrong,
        // so accuracy ≤ 1 − unmixed accuracy. H̃ cannot see it: the mixed probe is a
        // permutation of the unmixed probe's rows, with the same covariance. The
        // unmixed numbers come from a twin run that trains alike and measures unmixed.
        QFETCH(int, permutation);
        QTemporaryDir dir;
        TrainConfig unmixed = quickConfig(300);
        unmixed.run.checkpointEverySteps = 0;
        unmixed.intervention.mixing = true;  // on for step 300 only, measured at step 300
        unmixed.intervention.mixingFromStep = 299;
        unmixed.intervention.mixingForm = MixingForm::Swap;
        unmixed.intervention.mixingAlpha = 1.0;
        unmixed.intervention.mixingPermutation = MixingPermutation(permutation);
        TrainConfig mixed = unmixed;
        mixed.intervention.mixingAtEvaluation = true;
        auto a = Run::start(unmixed, dir.filePath("unmixed").toStdString());
        auto b = Run::start(mixed, dir.filePath("mixed").toStdString());
        trainToEnd(*a);
        trainToEnd(*b);
        const RunLog la = readRunLog(a->directory()), lb = readRunLog(b->directory());
        const EvalSnapshot &ea = evaluationAt(la, 300), &eb = evaluationAt(lb, 300);
        QCOMPARE(ea.weightNorm, eb.weightNorm);  // the same model
        QVERIFY2(ea.trainAccuracy >= 0.9, qPrintable(QString("train accuracy %1 at step 300").arg(ea.trainAccuracy)));
        QVERIFY(eb.trainLoss != ea.trainLoss);
        if (MixingPermutation(permutation) == MixingPermutation::SameClass) {
            QCOMPARE(eb.trainAccuracy, ea.trainAccuracy);
            QCOMPARE(eb.testAccuracy, ea.testAccuracy);
        } else {
            QVERIFY2(eb.trainAccuracy <= 1.0 - ea.trainAccuracy + 1e-12,
                     qPrintable(QString("mixed %1, unmixed %2").arg(eb.trainAccuracy).arg(ea.trainAccuracy)));
        }
        // Float rounding apart (the mixed probe runs the torch forward, the unmixed one
        // the fused tables); a mixing that changed the covariance moves H̃ by far more.
        QVERIFY2(std::abs(*eb.entropy - *ea.entropy) < 1e-5,
                 qPrintable(QString("H~ mixed %1, unmixed %2").arg(*eb.entropy).arg(*ea.entropy)));
    }

    void mixingAtEvaluationWithoutTheLeverChangesNothing()
    {
        // intervention.mixing_at_evaluation alone (the lever off): every number as before.
        QTemporaryDir dir;
        TrainConfig plain = quickConfig(100);
        plain.run.checkpointEverySteps = 0;
        TrainConfig flagged = plain;
        flagged.intervention.mixingAtEvaluation = true;
        flagged.intervention.mixingPermutation = MixingPermutation::Derangement;
        auto a = Run::start(plain, dir.filePath("plain").toStdString());
        auto b = Run::start(flagged, dir.filePath("flagged").toStdString());
        trainToEnd(*a);
        trainToEnd(*b);
        const RunLog la = readRunLog(a->directory()), lb = readRunLog(b->directory());
        compareEvaluations(la.evaluations, lb.evaluations);
        QCOMPARE(la.spectra.back().eigenvalues, lb.spectra.back().eigenvalues);
    }
};

QTEST_GUILESS_MAIN(TestEvaluationMixing)
#include "tst_evaluation_mixing.moc"
