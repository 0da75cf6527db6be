// The run log survives what users do to it: reading back, kills mid-row, corruption.

#include "io/npy_writer.h"
#include "io/run_log.h"
#include "io/run_log_writer.h"

#include <QtTest>
#include <QTemporaryDir>
#include <fstream>

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
