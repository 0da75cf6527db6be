// A failure in the training thread is reported once and ends the run: a persistent
// error (a full disk) must not repeat on every tick, one message box each. A lever
// that cannot be set is reported once and the run goes on. The levers' settings
// travel whole from the session to the trainer.
#include "training_session.h"

#include "io/config_json.h"
#include "io/run_log.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace grokscope::ui;
namespace fs = std::filesystem;

namespace {

// Follows what the session reports, as the main window does.
struct SessionLog {
    SessionState state = SessionState::Idle;
    long step = 0;
    int evaluations = 0;
    int progressReports = 0;
    SessionProgress lastProgress;                // arm 0's
    QStringList failedEvents;                    // messages of "failed" run events, any arm
    std::vector<grokscope::RunEvent> levers;     // "intervention" events, arm 0
    explicit SessionLog(TrainingSession& session)
    {
        QObject::connect(&session, &TrainingSession::stateChanged, &session, [this](SessionState s) { state = s; });
        QObject::connect(&session, &TrainingSession::progressed, &session, [this](const SessionProgress& p) {
            ++progressReports;
            if (p.arm == 0) {
                step = p.step;
                lastProgress = p;
            }
        });
        QObject::connect(&session, &TrainingSession::evaluated, &session,
                         [this](int, const grokscope::EvalSnapshot&) { ++evaluations; });
        QObject::connect(&session, &TrainingSession::eventOccurred, &session,
                         [this](int, const grokscope::RunEvent& e) {
                             if (e.type == "failed")
                                 failedEvents << QString::fromStdString(e.message);
                             if (e.type == "intervention")
                                 levers.push_back(e);
                         });
    }
};

grokscope::TrainConfig quickConfig()
{
    grokscope::TrainConfig config = grokscope::loadPreset("z23-quick");
    config.run.steps = 100000;
    config.run.checkpointEverySteps = 20;  // a checkpoint is due every few ticks
    return config;
}

// Root ignores file modes, so the failure is made by a path that cannot be a
// directory: a regular file where the run keeps its checkpoints. Every later
// checkpoint fails, as on a full disk.
void blockCheckpoints(const QString& runDirectory)
{
    const fs::path checkpoints = fs::path(runDirectory.toStdString()) / grokscope::runlog::kCheckpoints;
    fs::remove_all(checkpoints);
    QFile blocker(QString::fromStdString(checkpoints.string()));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
}

// Starts a quick run and pauses it: paused, nothing writes, so a test may swap the
// checkpoint folder or press a lever before the next step.
void startPaused(TrainingSession& session, const SessionLog& log, const QString& runDir)
{
    session.start(quickConfig(), runDir);
    QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Running, 20000);
    session.pause();
    QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Paused, 20000);
}

}  // namespace

class TestTrainingWorker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void persistentFailureEndsTheRunOnce()
    {
        QTemporaryDir tmp;
        const QString runDir = tmp.filePath(QStringLiteral("run"));
        TrainingSession session;
        SessionLog log(session);
        QSignalSpy failed(&session, &TrainingSession::failed);
        startPaused(session, log, runDir);
        if (QTest::currentTestFailed())
            return;
        blockCheckpoints(runDir);
        session.resume();

        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 30000);
        const long endedAt = log.step;
        const int evaluations = log.evaluations;
        const int progressReports = log.progressReports;
        QTest::qWait(1500);  // ticks would have run many times by now
        QCOMPARE(log.progressReports, progressReports);  // no tick ran after the failure
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("checkpoints")),
                 qPrintable(failed.first().first().toString()));
        QCOMPARE(log.failedEvents.size(), 1);
        QVERIFY(log.failedEvents.first().startsWith(QStringLiteral("failed at step ")));
        QCOMPARE(log.state, SessionState::Finished);
        QCOMPARE(log.step, endedAt);
        QCOMPARE(log.evaluations, evaluations);
        QVERIFY(endedAt > 0 && endedAt % 20 == 0);  // it failed at its first checkpoint
        // The log stays readable, as a killed run's does.
        const grokscope::RunLog written = grokscope::readRunLog(runDir.toStdString());
        QVERIFY(!written.evaluations.empty());
        // ...and says why it ended.
        const grokscope::RunEvent* failure = written.firstEvent("failed");
        QVERIFY(failure && failure->labels.at("failure").find("checkpoints") != std::string::npos);
        QCOMPARE(failure->step, endedAt);
    }

    void failingStopStillEndsTheRun()
    {
        QTemporaryDir tmp;
        const QString runDir = tmp.filePath(QStringLiteral("run"));
        TrainingSession session;
        SessionLog log(session);
        QSignalSpy failed(&session, &TrainingSession::failed);
        startPaused(session, log, runDir);
        if (QTest::currentTestFailed())
            return;
        blockCheckpoints(runDir);
        session.stop();  // the final checkpoint fails
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 20000);
        QTest::qWait(500);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(log.failedEvents.size(), 1);
    }

    void aBranchPointThatCannotBeSavedEndsTheRunOnce()
    {
        QTemporaryDir tmp;
        const QString runDir = tmp.filePath(QStringLiteral("run"));
        TrainingSession session;
        SessionLog log(session);
        QSignalSpy failed(&session, &TrainingSession::failed);
        startPaused(session, log, runDir);
        if (QTest::currentTestFailed())
            return;
        blockCheckpoints(runDir);
        session.branch(tmp.filePath(QStringLiteral("branch")));
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 20000);
        session.resume();  // a finished session ignores it: nothing more to fail
        QTest::qWait(500);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(log.failedEvents.size(), 1);
        QVERIFY(!session.hasSecondArm());
    }

    void leversTravelWholeToTheTrainer()
    {
        QTemporaryDir tmp;
        TrainingSession session;
        SessionLog log(session);
        QSignalSpy failed(&session, &TrainingSession::failed);
        startPaused(session, log, tmp.filePath(QStringLiteral("run")));
        if (QTest::currentTestFailed())
            return;
        session.setMixing(0, grokscope::MixingSettings{true, 0.55, grokscope::MixingSite::AttentionOutput});
        session.setEntropyFloor(0, grokscope::EntropyFloorSettings{true, 0.6, 3.0});
        QTRY_COMPARE_WITH_TIMEOUT(log.levers.size(), size_t(2), 20000);
        const grokscope::RunEvent& mixing = log.levers[0];
        QCOMPARE(mixing.labels.at("kind"), std::string("mixing"));
        QCOMPARE(mixing.labels.at("state"), std::string("on"));
        QCOMPARE(mixing.labels.at("site"), std::string("attention_output"));
        QCOMPARE(mixing.values.at("alpha"), 0.55);
        const grokscope::RunEvent& floor = log.levers[1];
        QCOMPARE(floor.labels.at("kind"), std::string("entropy_floor"));
        QCOMPARE(floor.values.at("target"), 0.6);
        QCOMPARE(floor.values.at("weight"), 3.0);
        QTRY_VERIFY_WITH_TIMEOUT(log.lastProgress.mixingActive && log.lastProgress.entropyFloorActive, 20000);
        // The same settings again change nothing and log nothing.
        session.setMixing(0, grokscope::MixingSettings{true, 0.55, grokscope::MixingSite::AttentionOutput});
        session.setMixing(0, grokscope::MixingSettings{false, 0.55, grokscope::MixingSite::AttentionOutput});
        QTRY_COMPARE_WITH_TIMEOUT(log.levers.size(), size_t(3), 20000);
        QCOMPARE(log.levers[2].labels.at("state"), std::string("off"));
        QTRY_VERIFY_WITH_TIMEOUT(!log.lastProgress.mixingActive, 20000);
        QCOMPARE(failed.count(), 0);
    }

    void aLeverThatCannotBeSetIsReportedOnceAndTheRunGoesOn()
    {
        QTemporaryDir tmp;
        TrainingSession session;
        SessionLog log(session);
        QSignalSpy failed(&session, &TrainingSession::failed);
        startPaused(session, log, tmp.filePath(QStringLiteral("run")));
        if (QTest::currentTestFailed())
            return;
        const long pausedAt = log.step;
        QTest::qWait(300);  // the pause's own progress report has arrived
        const int reports = log.progressReports;
        // A reference that is not a run: the control stays off, and a progress report
        // (paused, nothing else sends one) tells the panel so, to uncheck its toggle.
        session.setNormMatch(0, grokscope::NormMatchSettings{true, tmp.filePath(QStringLiteral("nowhere")).toStdString()});
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(log.progressReports > reports, 20000);
        QVERIFY(!log.lastProgress.normMatchActive);
        QCOMPARE(log.state, SessionState::Paused);
        QVERIFY(log.failedEvents.isEmpty());  // the run did not fail
        session.resume();
        QTRY_VERIFY_WITH_TIMEOUT(log.step > pausedAt, 20000);
        QCOMPARE(log.state, SessionState::Running);
        QCOMPARE(failed.count(), 1);
        session.stop();
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 20000);
        QCOMPARE(failed.count(), 1);
    }

    void failedStartEndsTheSession()
    {
        QTemporaryDir tmp;
        QFile file(tmp.filePath(QStringLiteral("file")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        TrainingSession session;
        SessionLog log(session);
        QSignalSpy failed(&session, &TrainingSession::failed);
        session.start(quickConfig(), tmp.filePath(QStringLiteral("file/run")));  // under a file
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 20000);
        QTest::qWait(300);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(log.step, 0L);
    }
};

QTEST_MAIN(TestTrainingWorker)
#include "tst_training_worker.moc"
