// A run directory survives what goes wrong around it: a kill before the first
// checkpoint, a damaged or foreign checkpoint, a full disk, a diverging run.

#include "io/checkpoint_file.h"
#include "io/config_json.h"
#include "io/run_log.h"
#include "train/run.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>

using namespace grokscope;
namespace fs = std::filesystem;

namespace {

TrainConfig quickConfig(long steps, unsigned long long seed = 0)
{
    TrainConfig config = loadPreset("z23-quick");
    config.run.steps = steps;
    config.run.checkpointEverySteps = 100;
    config.run.modelSeed = seed;
    return config;
}

void trainToEnd(Run& run)
{
    while (!run.finished())
        run.advance(1000);
    run.close(false);
}

// metrics.csv without elapsed_ms, the one column that is wall-clock time.
std::string metricsWithoutTime(const std::string& directory)
{
    return csvWithoutColumn(readText(fs::path(directory) / runlog::kMetrics), "elapsed_ms");
}

std::string trainedRun(const QTemporaryDir& dir, const std::string& name, const TrainConfig& config)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    auto run = Run::start(config, path);
    trainToEnd(*run);
    return path;
}

std::string refusalOf(const std::string& directory)
{
    try {
        Run::resume(directory, 10);
    } catch (const RunLogError& error) {
        return error.what();
    }
    return {};
}

}  // namespace

class TestRun : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // A kill before the first checkpoint used to leave a run that resume refused ("no
    // checkpoint") and run --out refused too ("already holds a run").
    void aRunKilledBeforeItsFirstCheckpointRestartsFromZero()
    {
        QTemporaryDir dir;
        const std::string whole = trainedRun(dir, "whole", quickConfig(150));
        const std::string killed = dir.filePath("killed").toStdString();
        {
            auto run = Run::start(quickConfig(150), killed);
            run->advance(60);  // then dropped without close(), as a kill leaves it
        }
        QVERIFY(!fs::exists(fs::path(killed) / runlog::kCheckpoints));
        auto resumed = Run::resume(killed);
        QCOMPARE(resumed->trainer().step(), 0L);
        trainToEnd(*resumed);
        QCOMPARE(metricsWithoutTime(killed), metricsWithoutTime(whole));
        QCOMPARE(readRunLog(killed).events.front().type, std::string("resumed"));
    }

    void aDamagedCheckpointIsRefusedAndTheLogUntouched()
    {
        QTemporaryDir dir;
        const std::string path = trainedRun(dir, "run", quickConfig(200));
        const fs::path checkpoint = Run::latestCheckpoint(path);
        const std::string intact = readText(checkpoint);
        const std::string metricsBefore = readText(fs::path(path) / runlog::kMetrics);
        // A bit flipped in the archive, which LibTorch's loader accepted silently.
        for (const size_t offset : {intact.size() / 2, intact.size() - 30}) {
            std::string flipped = intact;
            flipped[offset] = static_cast<char>(flipped[offset] ^ 0x10);
            std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << flipped;
            const std::string message = refusalOf(path);
            QVERIFY2(message.find("checksum does not match") != std::string::npos, message.c_str());
        }
        std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << intact.substr(0, intact.size() - 1000);
        QVERIFY(refusalOf(path).find("cut short") != std::string::npos);
        std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << "";
        QVERIFY(refusalOf(path).find("not a GrokScope checkpoint") != std::string::npos);
        QCOMPARE(readText(fs::path(path) / runlog::kMetrics), metricsBefore);
        std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << intact;
        QVERIFY(Run::resume(path, 10) != nullptr);
    }

    void aCheckpointFromAnotherSeedIsRefused()
    {
        QTemporaryDir dir;
        const std::string mine = trainedRun(dir, "seed0", quickConfig(200, 0));
        const std::string other = trainedRun(dir, "seed1", quickConfig(200, 1));
        fs::copy_file(Run::latestCheckpoint(other), Run::latestCheckpoint(mine), fs::copy_options::overwrite_existing);
        const std::string message = refusalOf(mine);
        QVERIFY2(message.find("belongs to another run (run.model_seed 1, this run's is 0)") != std::string::npos,
                 message.c_str());
    }

    // Checkpoints written before the header existed are bare LibTorch archives: they
    // still load, so runs made by earlier releases resume.
    void aBareArchiveFromAnEarlierReleaseStillLoads()
    {
        QTemporaryDir dir;
        const std::string path = trainedRun(dir, "run", quickConfig(200));
        const fs::path checkpoint = Run::latestCheckpoint(path);
        const std::string archive = readCheckpointFile(checkpoint.string(), quickConfig(200));
        QCOMPARE(archive.substr(0, 2), std::string("PK"));
        std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << archive;
        auto resumed = Run::resume(path, 100);
        QCOMPARE(resumed->trainer().step(), 200L);
    }

    // A full disk mid-checkpoint used to abort the process (LibTorch's writer throws
    // from a destructor) and leave a .partial file that kept the disk full.
    void aFullDiskStopsTheCheckpointCleanly()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run").toStdString();
        auto run = Run::start(quickConfig(200), path);
        run->advance(50);
        std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal: our stand-in for ENOSPC
        rlimit saved{};
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &saved), 0);
        rlimit small = saved;
        small.rlim_cur = 100000;  // bytes: less than a z23-quick checkpoint (~600 KB)
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
        std::string message;
        try {
            run->checkpoint();
        } catch (const RunLogError& error) {
            message = error.what();
        }
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &saved), 0);
        QVERIFY2(message.find("is the disk full?") != std::string::npos, message.c_str());
        QVERIFY2(message.find("step_00000050.pt") != std::string::npos, message.c_str());
        for (const auto& entry : fs::directory_iterator(fs::path(path) / runlog::kCheckpoints))
            QFAIL(("left behind: " + entry.path().string()).c_str());
        QVERIFY(!run->checkpoint().empty());  // space again: the next checkpoint is written
    }

    // A finite but absurd loss (1e18 here; 1e36 in the wild) used to end as "finished".
    void aDivergingRunFailsAndIsNotResumed()
    {
        QTemporaryDir dir;
        TrainConfig config = quickConfig(200);
        config.optim.learningRate = 1e3;
        config.optim.weightDecay = 0.0;
        const std::string path = dir.filePath("run").toStdString();
        auto run = Run::start(config, path);
        trainToEnd(*run);
        QVERIFY(run->trainer().diverged());
        QVERIFY(run->trainer().step() < 200);
        const RunLog log = readRunLog(path);
        const RunEvent* failed = log.firstEvent("failed");
        QVERIFY(failed && failed->labels.at("cause") == "diverged");
        QVERIFY(log.firstEvent("nan") && !log.firstEvent("finished"));
        QVERIFY(refusalOf(path).find("diverged") != std::string::npos);
    }

    // A branch's name is its source's plus " (branch at N)"; it must stay a valid name.
    void aBranchOfALongNamedRunResumes()
    {
        QTemporaryDir dir;
        TrainConfig config = quickConfig(200);
        config.name = std::string(150, 'x') + "\xc3\xa9" + std::string(47, 'y');  // 199 bytes, é at the cut
        const std::string source = trainedRun(dir, "source", config);
        auto branch = Run::branch(source, 200, dir.filePath("branch").toStdString());
        branch->close(false);
        const RunLog log = readRunLog(dir.filePath("branch").toStdString());
        QVERIFY(log.config.name.size() <= 200);
        QVERIFY(log.config.name.find(" (branch at 200)") != std::string::npos);
    }

    void aFailureOutsideTrainingIsLoggedOnce()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run").toStdString();
        auto run = Run::start(quickConfig(200), path);
        run->advance(100);
        const RunEvent event = run->fail("disk full");
        QCOMPARE(event.type, std::string("failed"));
        run->fail("again");
        run->close(false);  // already ended: nothing more is written
        const RunLog log = readRunLog(path);
        QCOMPARE(std::count_if(log.events.begin(), log.events.end(), [](const RunEvent& e) {
                     return e.type == "failed" || e.type == "finished";
                 }),
                 1L);
        QCOMPARE(log.firstEvent("failed")->labels.at("failure"), std::string("disk full"));
        QCOMPARE(Run::resume(path)->trainer().step(), 100L);  // not a divergence: resumable
    }

    void aBoundIsKeptOnExtraSteps()
    {
        QTemporaryDir dir;
        const std::string path = trainedRun(dir, "run", quickConfig(100));
        QVERIFY_THROWS_EXCEPTION(ConfigError, Run::resume(path, kMaxRunSteps));
        QVERIFY_THROWS_EXCEPTION(ConfigError, Run::resume(path, -5));
    }
};

QTEST_APPLESS_MAIN(TestRun)
#include "tst_run.moc"
