// The metric table (core/metrics/metric_columns.cpp) drives the metrics.csv header, the
// writer's rows and the reader: every column must hold its own field, in header order.

#include "io/run_log.h"
#include "io/run_log_writer.h"
#include "metrics/metric_columns.h"

#include <QtTest>
#include <QTemporaryDir>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace grokscope;

namespace {

// Today's layout, as README "Run log format" documents it. Changing it changes every new
// log: the bits of metrics.csv are part of the format.
const char* kDocumentedHeader =
    "step,train_loss,test_loss,train_accuracy,test_accuracy,weight_norm,entropy,effective_rank,"
    "learning_rate,elapsed_ms,mixing,norm_match,entropy_floor,forecast_grok_step,forecast_half_width,"
    "logit_scale,saturated_fraction,fourier_alignment,log_alignment_ratio,norm_decay_rate,norm_eta_step";

// Every field set by hand to its own value, all exact in binary so their %.17g spelling is short.
// `flag` picks the one flag that is on (0 mixing, 1 norm_match, 2 entropy_floor).
EvalSnapshot distinctSnapshot(long step, int flag)
{
    EvalSnapshot s;
    s.step = step;
    s.trainLoss = 0.125;
    s.testLoss = 2.5;
    s.trainAccuracy = 0.75;
    s.testAccuracy = 0.0625;
    s.weightNorm = 40.25;
    s.entropy = 0.609375;
    s.effectiveRank = 42.5;
    s.learningRate = 0.0009765625;
    s.elapsedMs = 5000.5;
    s.mixingActive = flag == 0;
    s.normMatchActive = flag == 1;
    s.entropyFloorActive = flag == 2;
    s.forecastGrokStep = 7000;
    s.forecastHalfWidthSteps = 250;
    s.logitScale = 12.75;
    s.saturatedFraction = 0.375;
    s.fourierAlignment = 0.875;
    s.logAlignmentRatio = 0.5625;
    s.normDecayRate = 0.000244140625;
    s.normEtaStep = 9100;
    return s;
}

// The cells distinctSnapshot(step, flag) must produce, by column name, written out by hand.
std::map<std::string, std::string> expectedCells(long step, int flag)
{
    return {{"step", std::to_string(step)},
            {"train_loss", "0.125"},
            {"test_loss", "2.5"},
            {"train_accuracy", "0.75"},
            {"test_accuracy", "0.0625"},
            {"weight_norm", "40.25"},
            {"entropy", "0.609375"},
            {"effective_rank", "42.5"},
            {"learning_rate", "0.0009765625"},
            {"elapsed_ms", "5000.5"},
            {"mixing", flag == 0 ? "1" : "0"},
            {"norm_match", flag == 1 ? "1" : "0"},
            {"entropy_floor", flag == 2 ? "1" : "0"},
            {"forecast_grok_step", "7000"},
            {"forecast_half_width", "250"},
            {"logit_scale", "12.75"},
            {"saturated_fraction", "0.375"},
            {"fourier_alignment", "0.875"},
            {"log_alignment_ratio", "0.5625"},
            {"norm_decay_rate", "0.000244140625"},
            {"norm_eta_step", "9100"}};
}

std::vector<std::string> split(const std::string& line)
{
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream stream(line);
    while (std::getline(stream, cell, ','))
        cells.push_back(cell);
    if (!line.empty() && line.back() == ',')
        cells.emplace_back();
    return cells;
}

std::vector<std::string> readLines(const std::string& path)
{
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// A run directory holding the given evaluations.
void writeEvaluations(const std::string& dir, const std::vector<EvalSnapshot>& evaluations)
{
    RunLogWriter::writeConfig(dir, TrainConfig{});
    RunLogWriter writer(dir, {"embed"});
    for (const EvalSnapshot& s : evaluations)
        writer.onEvaluation(s);
}

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

class TestMetricColumns : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theHeaderIsTheTablesNamesInOrder()
    {
        QCOMPARE(runlog::metricsHeader(), std::string(kDocumentedHeader));
        const std::vector<std::string> header = split(runlog::metricsHeader());
        QCOMPARE(header.size(), metricColumns().size());
        for (size_t i = 0; i < header.size(); ++i)
            QCOMPARE(header[i], std::string(metricColumns()[i].name));
    }

    void everyColumnHasItsOwnFieldAndName()
    {
        std::set<std::string> names;
        const auto& columns = metricColumns();
        for (size_t i = 0; i < columns.size(); ++i) {
            QVERIFY2(names.insert(columns[i].name).second, columns[i].name);
            for (size_t j = 0; j < i; ++j)
                QVERIFY2(!(columns[i].field == columns[j].field), columns[i].name);
            QVERIFY2((columns[i].chart == MetricChart::None) == (std::string(columns[i].label).empty()),
                     columns[i].name);
            QCOMPARE(findMetricColumn(columns[i].name), &columns[i]);
        }
        QVERIFY(std::holds_alternative<long EvalSnapshot::*>(columns.front().field));  // truncation reads it first
        QCOMPARE(findMetricColumn("no_such_metric"), nullptr);
        // Columns added later follow the first layout's, so an older (shorter) header is a prefix.
        bool later = false;
        for (const MetricColumn& column : columns) {
            QVERIFY2(!later || column.addedLater, column.name);
            later = later || column.addedLater;
        }
    }

    // The writer's row and the header agree cell by cell: each column holds its field's
    // value, as spelled by hand in expectedCells.
    void aWrittenRowHoldsEachFieldUnderItsName()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeEvaluations(path, {distinctSnapshot(100, 0), distinctSnapshot(200, 1), distinctSnapshot(300, 2)});
        const std::vector<std::string> lines = readLines(path + "/metrics.csv");
        QCOMPARE(lines.size(), size_t(4));
        const std::vector<std::string> header = split(lines[0]);
        for (size_t r = 1; r < lines.size(); ++r) {
            const std::vector<std::string> cells = split(lines[r]);
            QCOMPARE(cells.size(), header.size());
            const auto expected = expectedCells(100 * static_cast<long>(r), static_cast<int>(r) - 1);
            QCOMPARE(expected.size(), header.size());
            for (size_t c = 0; c < header.size(); ++c) {
                QVERIFY2(expected.count(header[c]), header[c].c_str());
                QVERIFY2(cells[c] == expected.at(header[c]), (header[c] + " = " + cells[c]).c_str());
            }
        }
    }

    void everyFieldReadsBack()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeEvaluations(path, {distinctSnapshot(100, 0), distinctSnapshot(200, 1), distinctSnapshot(300, 2)});
        const RunLog log = readRunLog(path);
        QCOMPARE(log.evaluations.size(), size_t(3));
        for (size_t r = 0; r < 3; ++r) {
            const EvalSnapshot want = distinctSnapshot(100 * static_cast<long>(r + 1), static_cast<int>(r));
            const EvalSnapshot& got = log.evaluations[r];
            for (const MetricColumn& column : metricColumns())
                QVERIFY2(metricValue(column, got) == metricValue(column, want), column.name);
            // And by hand, in case the table pointed two columns at swapped fields.
            QCOMPARE(got.testLoss, 2.5);
            QCOMPARE(got.testAccuracy, 0.0625);
            QCOMPARE(*got.saturatedFraction, 0.375);
            QCOMPARE(*got.fourierAlignment, 0.875);
            QCOMPARE(got.normMatchActive, r == 1);
            QCOMPARE(got.entropyFloorActive, r == 2);
        }
    }

    void unsetValuesAreEmptyCellsAndReadBackUnset()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        EvalSnapshot bare;
        bare.step = 5;
        writeEvaluations(path, {bare});
        const std::vector<std::string> lines = readLines(path + "/metrics.csv");
        QCOMPARE(lines[1], std::string("5,0,0,0,0,0,,,0,0,0,0,0,,,,,,,,"));
        const EvalSnapshot got = readRunLog(path).evaluations.at(0);
        for (const MetricColumn& column : metricColumns())
            QVERIFY2(metricValue(column, got) == metricValue(column, bare), column.name);
        QVERIFY(!got.entropy && !got.normEtaStep);
    }

    // The reader finds columns by name: an older log without the later columns reads,
    // columns in another order or unknown to us are fine, and a missing first-layout
    // column is named.
    void theReaderMapsColumnsByName()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeEvaluations(path, {});
        writeFile(path + "/metrics.csv",
                  "future,norm_match,mixing,elapsed_ms,learning_rate,effective_rank,entropy,weight_norm,"
                  "test_accuracy,train_accuracy,test_loss,train_loss,step\n"
                  "x,1,0,7,0.5,,0.25,3,0.125,0.75,2,1,40\n");
        const RunLog log = readRunLog(path);
        QCOMPARE(log.evaluations.size(), size_t(1));
        const EvalSnapshot& s = log.evaluations[0];
        QCOMPARE(s.step, 40L);
        QCOMPARE(s.trainLoss, 1.0);
        QCOMPARE(s.testLoss, 2.0);
        QCOMPARE(s.trainAccuracy, 0.75);
        QCOMPARE(s.testAccuracy, 0.125);
        QCOMPARE(s.weightNorm, 3.0);
        QCOMPARE(*s.entropy, 0.25);
        QVERIFY(!s.effectiveRank);
        QCOMPARE(s.learningRate, 0.5);
        QCOMPARE(s.elapsedMs, 7.0);
        QVERIFY(!s.mixingActive && s.normMatchActive && !s.entropyFloorActive);
        QVERIFY(!s.forecastGrokStep && !s.logitScale && !s.normEtaStep);

        writeFile(path + "/metrics.csv", "step,train_loss,test_loss,train_accuracy,test_accuracy,weight_norm,entropy\n");
        try {
            readRunLog(path);
            QFAIL("a log without effective_rank must be refused");
        } catch (const RunLogError& error) {
            QVERIFY2(std::string(error.what()).find("metrics.csv: no column \"effective_rank\"") != std::string::npos,
                     error.what());
        }
    }

    // A run resumed from an older log keeps its layout: the writer's rows stay as wide as
    // that header, and each cell still sits under its own name.
    void rowsAppendedToAnOlderLayoutMatchItsHeader()
    {
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString();
        writeFile(path + "/metrics.csv", "step,train_loss,test_loss,train_accuracy,test_accuracy,weight_norm,entropy,"
                                         "effective_rank,learning_rate,elapsed_ms,mixing,norm_match\n");
        {
            RunLogWriter writer(path, {"embed"});
            writer.onEvaluation(distinctSnapshot(100, 1));
        }
        const std::vector<std::string> lines = readLines(path + "/metrics.csv");
        QCOMPARE(lines.size(), size_t(2));
        QCOMPARE(lines[1], std::string("100,0.125,2.5,0.75,0.0625,40.25,0.609375,42.5,0.0009765625,5000.5,0,1"));
    }
};

QTEST_APPLESS_MAIN(TestMetricColumns)
#include "tst_metric_columns.moc"
