// The paper's story on the real recipe (docs/science.md, "Events"): z97-add seed 0,
// trained as the preset says until 200 steps after T_grok, memorises, holds H̃ high on
// the plateau, lets it fall below H̃* before it groks, and fires T_collapse before
// T_grok. Ranges, not exact steps: a trajectory moves with the sgemm
// kernels OpenBLAS picks for the CPU (README, "Presets"). Seen here: memorised at 600,
// plateau maximum 0.78, T_collapse 2,900, H̃* crossed at 4,000, T_grok 6,200 (Xeon);
// 6,100 on an AMD EPYC.

#include "run_comparison.h"

#include "config/train_config.h"

#include <QTemporaryDir>
#include <algorithm>

using namespace grokscope;

class TestScience : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void z97AddSeed0TellsThePapersStory()
    {
        QTemporaryDir dir;
        TrainConfig config = loadPreset("z97-add");
        config.run.modelSeed = 0;
        config.run.stopAtGrok = true;
        config.run.stopAfterGrokSteps = 200;
        config.run.checkpointEverySteps = 0;
        auto run = Run::start(config, dir.filePath("z97-add").toStdString());
        trainToEnd(*run);
        const RunLog log = readRunLog(run->directory());

        const RunEvent* memorised = log.firstEvent("memorised");
        const RunEvent* collapsed = log.firstEvent("entropy_collapse");
        const RunEvent* crossed = log.firstEvent("entropy_threshold_crossed");
        const RunEvent* grokked = log.firstEvent("grokked");
        QVERIFY2(memorised && grokked, "z97-add seed 0 must memorise and grok within 30,000 steps");
        QVERIFY2(memorised->step <= 1500, qPrintable(QString("memorised at %1").arg(memorised->step)));
        // The band spans what seeds 0 of this recipe did on the CPUs we measured (6,000–
        // 6,200) with room for other kernels, and stays far from seed 1's 10,500.
        QVERIFY2(grokked->step >= 4000 && grokked->step <= 9000,
                 qPrintable(QString("T_grok %1, expected 4,000–9,000").arg(grokked->step)));

        // At initialisation H̃ is near the paper's ≈ 0.78 (centred covariance: 0.72–0.73).
        QVERIFY(log.evaluations.front().entropy.has_value());
        const double initial = *log.evaluations.front().entropy;
        QVERIFY2(initial > 0.65 && initial < 0.8, qPrintable(QString("H~ at init %1").arg(initial)));

        // Phase II: after memorisation H̃ first rises above 0.7 (the plateau), then
        // crosses H̃* and collapses, both before T_grok.
        double plateau = 0.0;
        for (const EvalSnapshot& s : log.evaluations)
            if (s.step >= memorised->step && s.step < grokked->step && s.entropy)
                plateau = std::max(plateau, *s.entropy);
        QVERIFY2(plateau > 0.7, qPrintable(QString("plateau maximum %1").arg(plateau)));
        const double threshold = effectiveEntropyThreshold(config);
        QCOMPARE(threshold, 0.605);
        QVERIFY2(crossed && crossed->step < grokked->step,
                 qPrintable(QString("H~* crossing %1, T_grok %2").arg(crossed ? crossed->step : -1).arg(grokked->step)));
        QVERIFY2(collapsed && collapsed->step < grokked->step && collapsed->step > memorised->step,
                 qPrintable(QString("T_collapse %1").arg(collapsed ? collapsed->step : -1)));
        // H̃ at T_grok lies below H̃*: the model generalises in the collapsed state.
        double atGrok = 1.0;
        for (const EvalSnapshot& s : log.evaluations)
            if (s.step <= grokked->step && s.entropy)
                atGrok = *s.entropy;
        QVERIFY2(atGrok < threshold, qPrintable(QString("H~ at T_grok %1").arg(atGrok)));
    }
};

QTEST_GUILESS_MAIN(TestScience)
#include "tst_science.moc"
