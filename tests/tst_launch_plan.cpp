// experiment/launch_plan.h with known answers: the expected work of a run from the
// step arithmetic (model/step_work.h), the launch order (longest critical path first,
// references before their followers), and the wall time list scheduling gives, worked
// by hand for schedules where the order matters.

#include "experiment_plan.h"
#include "launch_plan.h"
#include "io/config_json.h"
#include "model/step_work.h"
#include "tasks/dataset.h"

#include <QtTest>

#include <optional>
#include <vector>

using namespace grokscope;
using namespace grokscope::experiment;

namespace {

// Runs with only what the planner reads: their references.
std::vector<PlannedRun> runsWithReferences(const std::vector<std::optional<std::size_t>>& references)
{
    std::vector<PlannedRun> runs(references.size());
    for (std::size_t i = 0; i < runs.size(); ++i)
        runs[i].reference = references[i];
    return runs;
}

}  // namespace

class TestLaunchPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stepWorkMatchesTheShapes()
    {
        // z97-add at batch 512: the benchmark's gemm_gflop_per_step (bench/README.md).
        const TrainConfig add = loadPreset("z97-add");
        const Dataset addData = buildDataset(add.task, add.metrics);
        QCOMPARE(stepGemmFlops(add, addData, 512), 558563328.0);
        // mlp-z41 (42 tokens): 3·512·(128·128 + 128·41) per-example multiply-adds and
        // 6·42·128·128 for the first layer's token tables (FusedMlp), by hand; on the
        // autograd path (CUDA) the first layer runs per example.
        TrainConfig mlp = loadPreset("mlp-z41");
        const Dataset mlpData = buildDataset(mlp.task, mlp.metrics);
        QCOMPARE(mlpData.vocabularySize, 42);
        QCOMPARE(stepGemmFlops(mlp, mlpData, 512), 2.0 * (3.0 * 512 * (128 * 128 + 128 * 41) + 6.0 * 42 * 128 * 128));
        mlp.run.device = "cuda";
        QCOMPARE(stepGemmFlops(mlp, mlpData, 512), 2.0 * 3.0 * 512 * (256 * 128 + 128 * 128 + 128 * 41));
        // The floor at 512 × 128: 1.35 plain z97-add steps' worth (its calibration).
        const double floorRatio = (stepGemmFlops(add, addData, 512) + entropyFloorStepFlops(512, 128))
                                  / stepGemmFlops(add, addData, 512);
        QVERIFY2(floorRatio > 1.3 && floorRatio < 1.4, qPrintable(QString::number(floorRatio)));
    }

    void runWorkCountsBudgetAndFloorWindow()
    {
        TrainConfig c = loadPreset("z97-add");
        const Dataset data = buildDataset(c.task, c.metrics);
        const double step = stepGemmFlops(c, data, 512), floor = entropyFloorStepFlops(512, 128);
        c.run.steps = 30000;
        QCOMPARE(expectedRunWork(c), 30000 * step);
        QCOMPARE(expectedRunWork(c, 12000), 18000 * step);  // resumed at step 12,000
        c.intervention.entropyFloor = true;
        c.intervention.entropyFloorFromStep = 2000;
        QCOMPARE(expectedRunWork(c), 30000 * step + 28000 * floor);
        c.intervention.entropyFloorUntilStep = 5000;
        QCOMPARE(expectedRunWork(c), 30000 * step + 3000 * floor);
        QCOMPARE(expectedRunWork(c, 4000), 26000 * step + 1000 * floor);
        c.intervention.entropyFloorWeight = 0.0;  // a floor of weight 0 does nothing
        QCOMPARE(expectedRunWork(c), 30000 * step);
    }

    void longestFirstShortensTheTail()
    {
        // Three short runs listed before a long one, two slots: in the listed order the
        // long run starts last (0–10, 0–10, 10–20, 10–40: wall 40); longest first it
        // starts at once (0–30 beside 0–10, 10–20, 20–30: wall 30).
        const auto runs = runsWithReferences({std::nullopt, std::nullopt, std::nullopt, std::nullopt});
        const std::vector<double> duration = {10, 10, 10, 30};
        const std::vector<std::size_t> order = launchOrder(runs, duration);
        QCOMPARE(order, (std::vector<std::size_t>{3, 0, 1, 2}));
        QCOMPARE(simulateSchedule(runs, duration, order, 2).wall, 30.0);
        QCOMPARE(simulateSchedule(runs, duration, {0, 1, 2, 3}, 2).wall, 40.0);
        QCOMPARE(simulateSchedule(runs, duration, order, 1).wall, 60.0);  // one slot: the sum
    }

    void referencesStartEarlyAndNoSlotIdles()
    {
        // x (25), y (25), r (10) and f (40), which follows r's norm. Priorities: r 50
        // (its own 10 + f's 40), f 40, x 25, y 25. Two slots: r 0–10 and x 0–25 (f is
        // not ready at 0, so the slot takes x rather than idle), f 10–50 once r ended,
        // y 25–50: wall 50. The listed order x, y, r, f gives r 25–35, f 35–75.
        const auto runs = runsWithReferences({std::nullopt, std::nullopt, std::nullopt, std::size_t(2)});
        const std::vector<double> duration = {25, 25, 10, 40};
        const std::vector<std::size_t> order = launchOrder(runs, duration);
        QCOMPARE(order, (std::vector<std::size_t>{2, 3, 0, 1}));
        const SimulatedSchedule planned = simulateSchedule(runs, duration, order, 2);
        QCOMPARE(planned.wall, 50.0);
        QCOMPARE(planned.start, (std::vector<double>{0, 25, 0, 10}));
        QCOMPARE(simulateSchedule(runs, duration, {0, 1, 2, 3}, 2).wall, 75.0);
        // A follower never starts before its reference ends, even when a slot is free
        // and nothing else is left: r 0–10, then f waits for it on the idle slot.
        const auto pair = runsWithReferences({std::nullopt, std::size_t(0)});
        const SimulatedSchedule chained = simulateSchedule(pair, {10, 5}, launchOrder(pair, {10, 5}), 2);
        QCOMPARE(chained.start, (std::vector<double>{0, 10}));
        QCOMPARE(chained.wall, 15.0);
    }

    void protocolOrderPutsReferencesAndLongRunsFirst()
    {
        // The interventions protocol's arms with their real configs: the baselines (the
        // norm-matched arms wait for them) start first, the floor before the plain
        // Transformer arms, the MLP control (80,000 cheap steps) last.
        const auto arm = [](const char* preset, bool floor, std::optional<std::size_t> reference) {
            PlannedRun run;
            run.config = loadPreset(preset);
            run.config.intervention.entropyFloor = floor;
            run.config.intervention.entropyFloorFromStep = 2000;
            run.reference = reference;
            return run;
        };
        const std::vector<PlannedRun> runs = {arm("z97-add", false, std::nullopt), arm("z97-add", false, 0),
                                              arm("z97-add", true, std::nullopt), arm("mlp-z41", false, std::nullopt)};
        std::vector<double> work;
        for (const PlannedRun& run : runs)
            work.push_back(expectedRunWork(run.config));
        QCOMPARE(launchOrder(runs, work), (std::vector<std::size_t>{0, 2, 1, 3}));
    }
};

QTEST_GUILESS_MAIN(TestLaunchPlan)
#include "tst_launch_plan.moc"
