// The checkpoint format (core/train/checkpoint_io.h): a checkpoint written by release
// 0.1 (format 1, tests/data/release-0.1-run) still loads and continues that run bit for
// bit; one of format 2 (tests/data/format-2-run) gets the steps of its H̃ window back;
// and one written now (format 3) round-trips every field.

#include "io/checkpoint_file.h"
#include "io/config_json.h"
#include "io/run_log.h"
#include "train/run.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace grokscope;
namespace fs = std::filesystem;

namespace {

// A complete run directory made by release 0.1: z23-quick with d_model 16, 2 heads,
// d_mlp 32, seed 5, 200 steps, mixing on after step 50, the entropy floor on after step
// 150; its checkpoint at step 100 and its whole log to step 200.
const fs::path kReleaseRun = fs::path(GROKSCOPE_SOURCE_DIR) / "tests/data/release-0.1-run";
const char* kReleaseCheckpoint = "checkpoints/step_00000100.pt";

// A run directory made by a release of checkpoint format 2, whose collapse window counted
// evaluations (5 of them, a spectrum every 50 steps): z23-quick with d_model 16, 2 heads,
// d_mlp 32, seed 5, 400 steps, memorisation at train accuracy 0.15 (so that H̃'s early
// fall comes after it), mixing on (α 0.2, attention output) for steps 101 to 200; its
// checkpoint at step 250 and its whole log. That release fired T_collapse at step 300,
// from the first to the last of H̃ at 100, 150, …, 300: four of those five values are in
// the checkpoint.
const fs::path kFormat2Run = fs::path(GROKSCOPE_SOURCE_DIR) / "tests/data/format-2-run";
const char* kFormat2Checkpoint = "checkpoints/step_00000250.pt";
constexpr long kFormat2CheckpointStep = 250;

fs::path copyOfRun(const fs::path& run, const QTemporaryDir& dir)
{
    const fs::path copy = fs::path(dir.path().toStdString()) / run.filename();
    fs::copy(run, copy, fs::copy_options::recursive);
    return copy;
}

fs::path copyOfReleaseRun(const QTemporaryDir& dir) { return copyOfRun(kReleaseRun, dir); }

TrainConfig grokkingConfig()
{
    TrainConfig config = loadPreset("z23-quick");
    config.run.steps = 1500;
    config.run.checkpointEverySteps = 0;
    config.run.threads = 1;
    return config;
}

void resumeToTheEnd(const fs::path& directory, long fromStep = 100)
{
    auto run = Run::resume(directory.string());
    QCOMPARE(run->trainer().step(), fromStep);
    while (!run->finished())
        run->advance(1000);
    run->close(false);
}

// Two CSVs with the same header and shape whose numeric cells agree to `relative`
// (exactly where the expected cell is 0 or not a number).
bool csvCellsAgree(const std::string& actual, const std::string& expected, double relative)
{
    std::istringstream a(actual), e(expected);
    std::string lineA, lineE;
    while (std::getline(e, lineE)) {
        if (!std::getline(a, lineA))
            return false;
        std::istringstream cellsA(lineA), cellsE(lineE);
        std::string x, y;
        while (std::getline(cellsE, y, ',')) {
            if (!std::getline(cellsA, x, ','))
                return false;
            char* endX = nullptr;
            char* endY = nullptr;
            const double vx = std::strtod(x.c_str(), &endX);
            const double vy = std::strtod(y.c_str(), &endY);
            const bool numbers = !y.empty() && *endY == '\0' && !x.empty() && *endX == '\0';
            if (x != y && !(numbers && vy != 0.0 && std::abs(vx - vy) <= relative * std::abs(vy)))
                return false;
        }
        if (std::getline(cellsA, x, ','))
            return false;
    }
    return !std::getline(a, lineA);
}

}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aReleaseCheckpointRestoresItsState()
    {
        QVERIFY2(fs::exists(kReleaseRun / kReleaseCheckpoint), "the release 0.1 fixture is missing");
        const RunLog log = readRunLog(kReleaseRun.string());
        Trainer trainer(log.config);
        trainer.loadCheckpoint((kReleaseRun / kReleaseCheckpoint).string());
        QCOMPARE(trainer.step(), 100L);
        QVERIFY(trainer.trainingMs() > 0.0);
        // Mixing was switched on by the schedule at step 50 and is restored as it was.
        QVERIFY(trainer.mixing() == (MixingSettings{true, 0.3, MixingSite::FinalResidual}));
        // The floor's window opens only after step 150: off, with the config's values.
        QVERIFY(trainer.entropyFloor() == (EntropyFloorSettings{false, 0.75, 1.0}));
        QVERIFY(!trainer.normMatch().enabled);
        // At step 100 the run has not memorised: no event step, no entropy window yet.
        const EventDetector::State events = trainer.events().state();
        QVERIFY(!events.memorised && !events.grokked && !events.crossed && !events.collapsed);
        QVERIFY(events.entropyHistory.empty());
        QVERIFY(!trainer.events().memorisedStep());
        // Its collapse_window_evals = 5 at one spectrum per 50 steps reads as 200 steps.
        QCOMPARE(trainer.events().thresholds().collapseWindowSteps, 200);
    }

    void aReleaseRunResumesAsItRan()
    {
        // Resuming release 0.1's checkpoint at step 100 must give the rows that release
        // wrote for steps 150 and 200: parameters, optimiser moments, the levers (mixing
        // on, the floor switching on after 150) and the clocks all came back. Bit for bit
        // under the BLAS kernel that made the fixture; another kernel rounds its sums
        // differently, which moves these rows by about 1e-7 (Haswell: 1.5e-7) while a lost
        // optimiser moment or lever moves them by orders of magnitude more.
        QTemporaryDir dir;
        const fs::path copy = copyOfReleaseRun(dir);
        resumeToTheEnd(copy);
        const std::string metrics = csvWithoutColumn(readText(copy / runlog::kMetrics), "elapsed_ms");
        const std::string released = csvWithoutColumn(readText(kReleaseRun / runlog::kMetrics), "elapsed_ms");
        QVERIFY2(csvCellsAgree(metrics, released, 1e-5), qPrintable(QString::fromStdString(metrics)));
        QVERIFY(csvCellsAgree(readText(copy / runlog::kSpectra), readText(kReleaseRun / runlog::kSpectra), 1e-5));
        QVERIFY(csvCellsAgree(readText(copy / runlog::kParameterNorms), readText(kReleaseRun / runlog::kParameterNorms),
                              1e-5));
        const RunLog resumed = readRunLog(copy.string());
        const RunEvent* floorOn = nullptr;
        for (const RunEvent& e : resumed.events)
            if (e.type == "intervention" && e.labels.at("kind") == "entropy_floor")
                floorOn = &e;
        QVERIFY(floorOn);
        QCOMPARE(floorOn->step, 150L);
        QVERIFY(resumed.evaluations.back().mixingActive && resumed.evaluations.back().entropyFloorActive);
    }

    void aReleaseCheckpointResavedResumesIdentically()
    {
        // Kernel-independent and exact: the release checkpoint, and the same state loaded
        // and written again in today's format, continue the run to the same bits.
        QTemporaryDir dir;
        const fs::path asReleased = copyOfReleaseRun(dir);
        const fs::path resaved = fs::path(dir.path().toStdString()) / "resaved-run";
        fs::copy(kReleaseRun, resaved, fs::copy_options::recursive);
        {
            Trainer trainer(readRunLog(kReleaseRun.string()).config);
            trainer.loadCheckpoint((kReleaseRun / kReleaseCheckpoint).string());
            trainer.saveCheckpoint((resaved / kReleaseCheckpoint).string());
        }
        QVERIFY(readText(resaved / kReleaseCheckpoint) != readText(kReleaseRun / kReleaseCheckpoint));
        resumeToTheEnd(asReleased);
        resumeToTheEnd(resaved);
        for (const char* file : {runlog::kSpectra, runlog::kParameterNorms})
            QCOMPARE(readText(resaved / file), readText(asReleased / file));
        QCOMPARE(csvWithoutColumn(readText(resaved / runlog::kMetrics), "elapsed_ms"),
                 csvWithoutColumn(readText(asReleased / runlog::kMetrics), "elapsed_ms"));
    }

    void aFormat2CheckpointGetsItsEntropyStepsBack()
    {
        // Format 2 kept the collapse rule's last H̃ values (up to five, since memorisation)
        // without their steps. They come back at the spectrum steps that logged them.
        const RunLog log = readRunLog(kFormat2Run.string());
        QCOMPARE(log.config.metrics.collapseWindowSteps, 200);  // collapse_window_evals 5, every 50 steps
        Trainer trainer(log.config);
        trainer.loadCheckpoint((kFormat2Run / kFormat2Checkpoint).string());
        QCOMPARE(trainer.step(), kFormat2CheckpointStep);
        QCOMPARE(trainer.events().memorisedStep().value(), 100L);
        std::vector<EntropyPoint> logged;  // metrics.csv has H̃ to %.17g: exact
        for (const EvalSnapshot& e : log.evaluations)
            if (e.entropy && e.step >= 100 && e.step <= kFormat2CheckpointStep)
                logged.push_back({e.step, *e.entropy});
        QCOMPARE(logged.size(), size_t(4));  // 100, 150, 200, 250
        QVERIFY(trainer.events().state().entropyHistory == logged);
        QVERIFY(!trainer.events().collapseStep());
        // Format 2 mixed in the one way the variants' defaults describe (the schedule
        // switched mixing off after step 200; its α and site stay).
        QVERIFY(trainer.mixing() == (MixingSettings{false, 0.2, MixingSite::AttentionOutput}));
    }

    void aFormat2RunResumesWithItsCollapse()
    {
        // The release fired T_collapse 50 steps after its checkpoint, against H̃ at step 100:
        // only a history that got its steps back holds that reference (from an empty one
        // the rule could fire at step 450 at the earliest, after this run's end). Resumed
        // under today's rule, the window read as 200 steps, the run fires where it did.
        const RunLog released = readRunLog(kFormat2Run.string());
        const RunEvent* releasedCollapse = released.firstEvent("entropy_collapse");
        QVERIFY(releasedCollapse);
        QCOMPARE(releasedCollapse->step, 300L);
        QTemporaryDir dir;
        const fs::path copy = copyOfRun(kFormat2Run, dir);
        resumeToTheEnd(copy, kFormat2CheckpointStep);
        const RunLog resumed = readRunLog(copy.string());
        const RunEvent* collapse = resumed.firstEvent("entropy_collapse");
        QVERIFY(collapse);
        QCOMPARE(collapse->step, releasedCollapse->step);
        QCOMPARE(collapse->values.at("reference_step"), 100.0);
        // H̃ at 300 comes from the resumed steps: equal to ~1e-7 under another BLAS kernel.
        QVERIFY(std::abs(collapse->values.at("drop") - releasedCollapse->values.at("drop")) < 1e-6);
    }

    void aNewCheckpointRoundTripsEveryField()
    {
        // A run past memorisation (event steps and the entropy window are set) with every
        // lever set to something other than its default.
        QTemporaryDir dir;
        const TrainConfig config = grokkingConfig();
        Trainer trainer(config);
        while (!trainer.finished() && !trainer.events().grokStep())
            trainer.advance(100);
        QVERIFY2(trainer.events().memorisedStep() && trainer.events().grokStep(), "z23-quick must grok by step 1500");
        // Every mixing field other than its default, the variants included.
        trainer.setMixing({true, 0.45, MixingSite::AttentionOutput, MixingForm::Swap, MixingPartnerGradient::Detached,
                           MixingPermutation::SameClass, 0.5, true, true});
        trainer.setEntropyFloor({true, 0.6, 2.5});
        trainer.setNormTrajectory({{0, 10.0}, {500, 12.5}, {1500, 9.0}}, "reference/run");
        trainer.advance(3);  // the optimiser moments and the clocks move on under the levers
        const std::string path = dir.filePath("a.pt").toStdString();
        trainer.saveCheckpoint(path);

        Trainer loaded(config);
        loaded.loadCheckpoint(path);
        QCOMPARE(loaded.step(), trainer.step());
        QCOMPARE(loaded.trainingMs(), trainer.trainingMs());
        QVERIFY(loaded.mixing() == trainer.mixing());
        QVERIFY(loaded.mixing().permutation == MixingPermutation::SameClass && loaded.mixing().probability == 0.5);
        QVERIFY(loaded.entropyFloor() == trainer.entropyFloor());
        QVERIFY(loaded.normMatch() == (NormMatchSettings{true, "reference/run"}));
        const EventDetector::State a = trainer.events().state(), b = loaded.events().state();
        QVERIFY(b.memorised == a.memorised);
        QVERIFY(b.grokked == a.grokked);
        QVERIFY(b.crossed == a.crossed);
        QVERIFY(b.collapsed == a.collapsed);
        QVERIFY(b.entropyHistory.size() >= 2);
        QVERIFY(b.entropyHistory == a.entropyHistory);
        // Everything, parameters and optimiser and the norm-decay history included: the
        // loaded state writes the same archive again.
        const std::string again = dir.filePath("b.pt").toStdString();
        loaded.saveCheckpoint(again);
        QCOMPARE(readCheckpointFile(again, config), readCheckpointFile(path, config));
        // ... and continues as the original does.
        trainer.advance(20);
        loaded.advance(20);
        QCOMPARE(loaded.probeRepresentations().values, trainer.probeRepresentations().values);
    }

    void aNewCheckpointNamesItsFieldsAndVersion()
    {
        // LibTorch stores the archive uncompressed: the field names are in its bytes.
        QTemporaryDir dir;
        TrainConfig config = grokkingConfig();
        config.run.steps = 10;
        Trainer trainer(config);
        trainer.advance(10);
        trainer.setMixing({true, 0.3, MixingSite::Embedding, MixingForm::Swap, MixingPartnerGradient::Through,
                           MixingPermutation::DifferentClass});
        const std::string path = dir.filePath("c.pt").toStdString();
        trainer.saveCheckpoint(path);
        const std::string archive = readCheckpointFile(path, config);
        for (const char* field :
             {"format_version", "mixing/enabled", "mixing/alpha", "mixing/site", "embedding", "mixing/form", "swap",
              "mixing/partner_gradient", "through", "mixing/permutation", "different_class", "mixing/probability",
              "mixing/labels", "mixing/at_evaluation", "entropy_floor/target", "norm_match/trajectory",
              "events/entropy_history", "norm_decay/squared_norms"})
            QVERIFY2(archive.find(field) != std::string::npos, field);
        QVERIFY(archive.find("events/recent_entropy") == std::string::npos);  // format 2's values without steps
        // An event that has not happened has no field, rather than a −1.
        QVERIFY(archive.find("events/memorised") == std::string::npos);
        QVERIFY(archive.find("event_steps") == std::string::npos);
    }
};

QTEST_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
