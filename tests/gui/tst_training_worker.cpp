// A failure in the training thread is reported once and ends the run: a persistent
// error (a full disk) must not repeat on every tick, one message box each.
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
    QStringList failedEvents;  // messages of "failed" run events, any arm
    explicit SessionLog(TrainingSession& session)
    {
        QObject::connect(&session, &TrainingSession::stateChanged, &session, [this](SessionState s) { state = s; });
        QObject::connect(&session, &TrainingSession::progressed, &session, [this](const SessionProgress& p) {
            if (p.arm == 0)
                step = p.step;
        });
        QObject::connect(&session, &TrainingSession::evaluated, &session,
                         [this](int, const grokscope::EvalSnapshot&) { ++evaluations; });
        QObject::connect(&session, &TrainingSession::eventOccurred, &session,
                         [this](int, const grokscope::RunEvent& e) {
                             if (e.type == "failed")
                                 failedEvents << QString::fromStdString(e.message);
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
        session.start(quickConfig(), runDir);
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Running, 20000);
        // Paused, nothing writes while the checkpoint folder is swapped.
        session.pause();
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Paused, 20000);
        blockCheckpoints(runDir);
        session.resume();

        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 30000);
        const long endedAt = log.step;
        const int evaluations = log.evaluations;
        QTest::qWait(1500);  // ticks would have run many times by now
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
        session.start(quickConfig(), runDir);
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Running, 20000);
        session.pause();
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Paused, 20000);
        blockCheckpoints(runDir);
        session.stop();  // the final checkpoint fails
        QTRY_VERIFY_WITH_TIMEOUT(log.state == SessionState::Finished, 20000);
        QTest::qWait(500);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(log.failedEvents.size(), 1);
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
