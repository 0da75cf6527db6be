// The collapse window in steps on a real run: z23-quick trained twice, evaluated every
// 100 and every 200 steps, follows one trajectory (evaluation draws no random numbers and
// changes no training state) and finds T_collapse within one evaluation of itself.
// z23-quick memorises by step 100 to 200 and groks at 600, so the window is 400 steps
// here: the default 800 would reach back before memorisation until after T_grok.

#include "io/config_json.h"
#include "metrics/event_detector.h"
#include "metrics/run_observer.h"
#include "train/trainer.h"

#include <QtTest>

#include <cstdlib>
#include <map>

using namespace grokscope;

namespace {

struct EvaluationRecorder : RunObserver {
    std::map<long, EvalSnapshot> evaluations;
    void onEvaluation(const EvalSnapshot& snapshot) override { evaluations[snapshot.step] = snapshot; }
};

struct CadenceRun {
    std::map<long, EvalSnapshot> evaluations;
    std::optional<long> memorised, collapsed, grokked;
};

CadenceRun trainEvaluatingEvery(int cadence)
{
    TrainConfig config = loadPreset("z23-quick");
    config.run.evalEverySteps = cadence;
    config.run.spectrumEverySteps = cadence;
    config.run.steps = 2000;
    config.run.checkpointEverySteps = 0;
    config.run.threads = 1;
    config.run.stopAtGrok = true;
    config.run.stopAfterGrokSteps = 0;
    config.metrics.collapseWindowSteps = 400;
    Trainer trainer(config);
    EvaluationRecorder recorder;
    trainer.addObserver(&recorder);
    while (!trainer.finished())
        trainer.advance(1000);
    return {recorder.evaluations, trainer.events().memorisedStep(), trainer.events().collapseStep(),
            trainer.events().grokStep()};
}

// T_collapse of the run's evaluations replayed through a detector with another window.
std::optional<long> collapseReplayed(const CadenceRun& run, int windowSteps)
{
    EventThresholds thresholds;
    thresholds.collapseWindowSteps = windowSteps;
    EventDetector detector(thresholds);
    for (const auto& [step, snapshot] : run.evaluations)
        detector.observe(snapshot);
    return detector.collapseStep();
}

}  // namespace

class TestCollapseCadence : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void twoCadencesFindOneCollapse()
    {
        const CadenceRun every100 = trainEvaluatingEvery(100);
        const CadenceRun every200 = trainEvaluatingEvery(200);
        // The same trajectory: wherever both evaluated, every measurement is equal to the bit.
        int shared = 0;
        for (const auto& [step, b] : every200.evaluations) {
            const auto a = every100.evaluations.find(step);
            if (a == every100.evaluations.end())
                continue;
            ++shared;
            QVERIFY2(a->second.trainLoss == b.trainLoss && a->second.testLoss == b.testLoss
                         && a->second.weightNorm == b.weightNorm && a->second.entropy == b.entropy,
                     qPrintable(QString("the runs part at step %1").arg(step)));
        }
        QVERIFY(shared >= 4);
        QVERIFY(every100.memorised && every200.memorised && every100.grokked && every200.grokked);
        QVERIFY2(every100.collapsed && every200.collapsed, "z23-quick must fire T_collapse at both cadences");
        QVERIFY2(std::abs(*every100.collapsed - *every200.collapsed) <= 200,
                 qPrintable(QString("T_collapse %1 (every 100) against %2 (every 200)")
                                .arg(*every100.collapsed)
                                .arg(*every200.collapsed)));
        QVERIFY(*every100.collapsed <= *every100.grokked && *every200.collapsed <= *every200.grokked);
        // The same evaluations under a window of 5 evaluations, as older releases counted
        // it (400 steps at every 100, 800 at every 200): at every 200 it finds no collapse
        // before T_grok at all.
        QCOMPARE(collapseReplayed(every100, 400), every100.collapsed);
        QCOMPARE(collapseReplayed(every200, 400), every200.collapsed);
        QVERIFY(!collapseReplayed(every200, 800));
    }
};

QTEST_APPLESS_MAIN(TestCollapseCadence)
#include "tst_collapse_cadence.moc"
