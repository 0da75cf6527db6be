#pragma once
// Short real runs and their comparison, for the tests that train (tst_trainer,
// tst_evaluation_mixing).

#include "io/config_json.h"
#include "io/run_log.h"
#include "train/run.h"

#include <QtTest>
#include <vector>

// z23-quick for `steps` steps on one thread, a checkpoint every 100 steps.
inline grokscope::TrainConfig quickConfig(long steps)
{
    grokscope::TrainConfig config = grokscope::loadPreset("z23-quick");
    config.run.steps = steps;
    config.run.checkpointEverySteps = 100;
    config.run.threads = 1;
    return config;
}

// Trains to the run's end and closes it.
inline void trainToEnd(grokscope::Run& run)
{
    while (!run.finished())
        run.advance(1000);
    run.close(false);
}

// Every logged number except wall-clock time.
inline void compareEvaluations(const std::vector<grokscope::EvalSnapshot>& a,
                               const std::vector<grokscope::EvalSnapshot>& b)
{
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].step, b[i].step);
        QCOMPARE(a[i].trainLoss, b[i].trainLoss);
        QCOMPARE(a[i].testLoss, b[i].testLoss);
        QCOMPARE(a[i].trainAccuracy, b[i].trainAccuracy);
        QCOMPARE(a[i].testAccuracy, b[i].testAccuracy);
        QCOMPARE(a[i].weightNorm, b[i].weightNorm);
        using S = grokscope::EvalSnapshot;
        for (auto field : {&S::entropy, &S::logitScale, &S::saturatedFraction, &S::fourierAlignment,
                           &S::logAlignmentRatio, &S::normDecayRate, &S::normEtaStep}) {
            QCOMPARE((a[i].*field).has_value(), (b[i].*field).has_value());
            if ((a[i].*field).has_value())
                QCOMPARE(*(a[i].*field), *(b[i].*field));
        }
    }
}
