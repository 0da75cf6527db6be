// The run log survives what users do to it: reading back, kills mid-row, corruption.

#include "io/config_json.h"
#include "io/npy_writer.h"
#include "io/run_log.h"
#include "io/run_log_writer.h"

#include <QtTest>
#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace grokscope;

namespace {

EvalSnapshot evaluation(long step, std::optional<double> entropy)
{
    EvalSnapshot s;
    s.step = step;
    s.trainLoss = 1.0 / (step + 1);
    s.testLoss = 4.0 + step * 1e-3;
    s.trainAccuracy = 0.5;
    s.testAccuracy = 0.1 * step / 100.0;
    s.weightNorm = 40.0 + 1.0 / 3.0;
    s.entropy = entropy;
    s.effectiveRank = entropy ? std::optional<double>(42.0) : std::nullopt;
    s.learningRate = 1e-3;
    s.elapsedMs = step * 2.5;
    s.mixingActive = step >= 200;
    return s;
}

// Writes three evaluations, spectra, norms and an event; returns the directory.
void writeSmallLog(const std::string& dir)
{
    RunLogWriter::writeConfig(dir, TrainConfig{});
    RunLogWriter writer(dir, {"embed", "unembed"});
    for (long step : {0L, 100L, 200L}) {
        writer.onEvaluation(evaluation(step, step == 100 ? std::nullopt : std::optional<double>(0.7 - step * 1e-4)));
        writer.onSpectrum({step, {3.0, 2.0, 1.0 / 3.0}});
        writer.onParameterNorms({step, {1.5, 2.5}});
    }
    RunEvent event;
    event.step = 200;
    event.type = "intervention";
    event.message = "mixing on";
    event.values["alpha"] = 0.3;
    event.labels["kind"] = "mixing";
    writer.onEvent(event);
}

void appendRaw(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::app);
    out << text;
}

}  // namespace

class TestRunLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void writtenLogReadsBackExactly()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        const RunLog log = readRunLog(path);
        QCOMPARE(log.evaluations.size(), size_t(3));
        QCOMPARE(log.evaluations[1].step, 100L);
        QCOMPARE(log.evaluations[2].weightNorm, 40.0 + 1.0 / 3.0);  // %.17g round-trips exactly
        QCOMPARE(log.evaluations[0].trainLoss, 1.0);
        QVERIFY(!log.evaluations[1].entropy);
        QCOMPARE(*log.evaluations[2].entropy, 0.7 - 200 * 1e-4);
        QVERIFY(log.evaluations[2].mixingActive && !log.evaluations[0].mixingActive);
        QCOMPARE(log.spectra.size(), size_t(3));
        QCOMPARE(log.spectra[1].eigenvalues[2], 1.0 / 3.0);
        QCOMPARE(log.parameterNames, (std::vector<std::string>{"embed", "unembed"}));
        QCOMPARE(log.parameterNorms[2].norms[1], 2.5);
        QCOMPARE(log.events.size(), size_t(1));
        QCOMPARE(log.events[0].labels.at("kind"), std::string("mixing"));
        QCOMPARE(log.events[0].values.at("alpha"), 0.3);
        QVERIFY(!log.gitRevision.empty());
        QVERIFY(log.warnings.empty());
    }

    void rowsTornByAKillAreDroppedWithAWarning()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        appendRaw(path + "/metrics.csv", "300,0.1,0.2");  // a kill in mid-row: no newline
        appendRaw(path + "/events.jsonl", "{\"step\": 300, \"ty");
        const RunLog log = readRunLog(path);
        QCOMPARE(log.evaluations.size(), size_t(3));
        QCOMPARE(log.events.size(), size_t(1));
        QCOMPARE(log.warnings.size(), size_t(2));
    }

    void corruptRowsNameFileAndLine()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        appendRaw(path + "/metrics.csv", "300,x,1,1,1,1,,,1,1,0,0\n");
        try {
            readRunLog(path);
            QFAIL("a corrupt row must be reported");
        } catch (const RunLogError& error) {
            const std::string message = error.what();
            QVERIFY2(message.find("metrics.csv:5") != std::string::npos, message.c_str());
        }
    }

    void missingOrBrokenConfigIsReported()
    {
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(RunLogError, readRunLog(dir.path().toStdString()));
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        std::ofstream(path + "/config.json") << "{ not json";
        try {
            readRunLog(path);
            QFAIL("a corrupt config must be reported");
        } catch (const RunLogError& error) {
            QVERIFY(std::string(error.what()).find("config.json") != std::string::npos);
        }
    }

    void truncateAfterKeepsRowsUpToTheCheckpoint()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        RunLogWriter::truncateAfter(path, 100);
        const RunLog log = readRunLog(path);
        QCOMPARE(log.evaluations.size(), size_t(2));
        QCOMPARE(log.evaluations.back().step, 100L);
        QCOMPARE(log.spectra.size(), size_t(2));
        QCOMPARE(log.parameterNorms.size(), size_t(2));
        QVERIFY(log.events.empty());
    }

    void blankLinesAreSkippedWithAWarning()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        appendRaw(path + "/metrics.csv", "\n");  // an editor's trailing blank line
        appendRaw(path + "/events.jsonl", "\n");
        const RunLog log = readRunLog(path);
        QCOMPARE(log.evaluations.size(), size_t(3));
        QCOMPARE(log.events.size(), size_t(1));
        QCOMPARE(log.warnings.size(), size_t(2));
        QVERIFY(log.warnings[0].find("blank") != std::string::npos);
        RunLogWriter::truncateAfter(path, 200);  // resume's cut keeps every row
        QCOMPARE(readRunLog(path).evaluations.size(), size_t(3));
    }

    // A step is a whole number that rises row by row; anything else is corruption and is
    // named, never read as a step (nan used to become a step silently).
    void stepsThatAreNotStepsAreRefused_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("row");
        QTest::addColumn<QString>("expected");
        const QString tail = ",1,1,1,1,1,,,1,1,0,0,0,,,,,,,,\n";
        QTest::newRow("nan") << "metrics.csv" << "nan" + tail << "metrics.csv:5: step \"nan\"";
        QTest::newRow("inf") << "metrics.csv" << "inf" + tail << "metrics.csv:5: step";
        QTest::newRow("huge") << "metrics.csv" << "1e300" + tail << "metrics.csv:5: step";
        QTest::newRow("negative") << "metrics.csv" << "-100" + tail << "metrics.csv:5: step";
        QTest::newRow("not rising") << "metrics.csv" << "200" + tail << "does not follow step 200";
        QTest::newRow("flag cell") << "metrics.csv" << "300,1,1,1,1,1,,,1,1,abc,0,0,,,,,,,,\n"
                                   << "metrics.csv:5: mixing is \"abc\", not 0 or 1";
        QTest::newRow("spectra nan") << "spectra.csv" << "nan,1,1,1\n" << "spectra.csv:5: step";
        QTest::newRow("norms fraction") << "param_norms.csv" << "250.5,1,1\n" << "param_norms.csv:5: step";
        QTest::newRow("event step string") << "events.jsonl" << "{\"step\": \"x\", \"type\": \"a\"}\n"
                                           << "events.jsonl:2: not an event";
        QTest::newRow("event values") << "events.jsonl" << "{\"step\": 3, \"type\": \"a\", \"values\": [1]}\n"
                                      << "\"values\" must be an object";
        QTest::newRow("event label type") << "events.jsonl"
                                          << "{\"step\": 3, \"type\": \"a\", \"labels\": {\"k\": 1}}\n"
                                          << "\"labels\".k must be a string";
        QTest::newRow("event deep") << "events.jsonl" << QString(100000, '[') + QString(100000, ']') + "\n"
                                    << "events.jsonl:2: not an event";
    }

    void stepsThatAreNotStepsAreRefused()
    {
        QFETCH(QString, file);
        QFETCH(QString, row);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        appendRaw(path + "/" + file.toStdString(), row.toStdString());
        try {
            readRunLog(path);
            QFAIL("a corrupt row must be refused");
        } catch (const RunLogError& error) {
            const std::string message = error.what();
            QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
            QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
        }
    }

    // resume validates the run's config: eval_every_steps 0 used to divide by zero.
    void aRunsConfigIsValidatedOnRead()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        for (const char* assignment : {"run.eval_every_steps=0", "run.keep_checkpoints=0", "run.threads=1000"}) {
            RunLogWriter::writeConfig(path, applyOverride(TrainConfig{}, assignment));
            try {
                readRunLog(path);
                QFAIL(assignment);
            } catch (const RunLogError& error) {
                const std::string key = std::string(assignment).substr(0, std::string(assignment).find('='));
                QVERIFY2(std::string(error.what()).find("config.json: " + key) != std::string::npos, error.what());
            }
        }
    }

    void specialFilesAreRefusedWithoutBlocking()
    {
        for (const char* file : {"metrics.csv", "events.jsonl", "config.json", "spectra.csv"}) {
            QTemporaryDir dir;
            const std::string path = dir.path().toStdString();
            writeSmallLog(path);
            QVERIFY(std::filesystem::remove(path + "/" + file));
            QCOMPARE(::mkfifo((path + "/" + file).c_str(), 0600), 0);
            try {
                readRunLog(path);
                QFAIL(file);
            } catch (const RunLogError& error) {
                QVERIFY2(std::string(error.what()).find(std::string(file) + ": not a regular file") != std::string::npos,
                         error.what());
            }
        }
    }

    // Appending rows of today's width under a header that is not ours would make a
    // readable log unreadable: the writer refuses before writing anything.
    void theWriterRefusesAForeignHeader()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeSmallLog(path);
        std::string header = runlog::metricsHeader();
        for (int i = 0; i < 100000; ++i)
            header += ",extra" + std::to_string(i);
        std::ofstream(path + "/metrics.csv") << header << "\n";
        const auto before = std::filesystem::file_size(path + "/metrics.csv");
        QVERIFY_THROWS_EXCEPTION(RunLogError, RunLogWriter(path, {"embed", "unembed"}));
        QCOMPARE(std::filesystem::file_size(path + "/metrics.csv"), before);
        writeSmallLog(dir.filePath("other").toStdString());
        QVERIFY_THROWS_EXCEPTION(RunLogError, RunLogWriter(dir.filePath("other").toStdString(), {"embed", "norm"}));
        // An older, shorter layout is still appended to.
        const std::string old = dir.filePath("old").toStdString();
        std::filesystem::create_directories(old);
        std::ofstream(old + "/metrics.csv") << "step,train_loss,test_loss\n";
        RunLogWriter(old, {"embed"});
    }

    void npyFilesFollowTheFormat()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("z.npy").toStdString();
        const std::vector<float> values{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, -6.5f};
        writeNpyFloat32(path, 2, 3, values);
        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QCOMPARE(bytes.substr(0, 6), std::string("\x93NUMPY"));
        const size_t headerLength = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        QCOMPARE((10 + headerLength) % 64, size_t(0));  // NumPy aligns the data to 64 bytes
        QCOMPARE(bytes[10 + headerLength - 1], '\n');
        QCOMPARE(bytes.size(), 10 + headerLength + values.size() * 4);
        int rows = 0, columns = 0;
        QCOMPARE(readNpyFloat32(path, rows, columns), values);
        QCOMPARE(rows, 2);
        QCOMPARE(columns, 3);
    }
};

QTEST_APPLESS_MAIN(TestRunLog)
#include "tst_run_log.moc"
