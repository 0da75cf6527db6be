// The report library in-process, with known answers: run logs become forecast inputs,
// H̃ at T_grok is read per arm, and the report takes its "Figures" section from the
// writer it is given (the Qt figures are a separate library), or says it has none.

#include "forecast_runs.h"
#include "io/config_json.h"
#include "io/run_log.h"
#include "known_run_log.h"
#include "replicate_findings.h"
#include "replicate_protocol.h"
#include "replicate_report.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace grokscope;
using namespace grokscope::report;
namespace fs = std::filesystem;

namespace {

experiment::RunRecord record(const std::string& arm, experiment::RunStatus status, std::optional<long> tGrok,
                             std::optional<double> hAtGrok)
{
    experiment::RunRecord r;
    r.arm = arm;
    r.status = status;
    r.tGrok = tGrok;
    r.hAtGrok = hAtGrok;
    return r;
}

}  // namespace

class TestReport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void forecastInputsFromARunLog()
    {
        QTemporaryDir dir;
        const fs::path run = fs::path(dir.path().toStdString()) / "run";
        writeFinishedRun(run, "z97-add", 4, 1000);
        const RunLog log = readRunLog(run.string());
        const ForecastRun fromMemorisation = forecastRunOf(log);
        QCOMPARE(fromMemorisation.seed, uint64_t(4));
        QCOMPARE(fromMemorisation.grokStep, 1000.0);
        QCOMPARE(fromMemorisation.evaluations.size(), std::size_t(11));  // steps 200 … 1200
        QCOMPARE(fromMemorisation.evaluations.front().step, 200.0);
        const ForecastRun all = forecastRunOf(log, true);
        QCOMPARE(all.evaluations.size(), std::size_t(13));  // steps 0 … 1200
        QCOMPARE(all.evaluations.front().entropy, 0.78);
        QCOMPARE(*lastBeforeOrAt(log, 1050, &EvalSnapshot::entropy), 0.6);
        QVERIFY(!lastBeforeOrAt(log, -1, &EvalSnapshot::entropy));
    }

    void entropyAtGrokOverGrokkedEndedRuns()
    {
        using experiment::RunStatus;
        ProtocolExperiment e;
        e.records = {record("a", RunStatus::Finished, 1000, 0.6), record("a", RunStatus::Finished, 1200, 0.62),
                     record("a", RunStatus::Failed, 900, 0.58),
                     record("a", RunStatus::Finished, std::nullopt, std::nullopt),  // never grokked
                     record("a", RunStatus::Resumable, 800, 0.1),                   // not ended: left out
                     record("b", RunStatus::Finished, 1000, 0.9)};
        const Spread s = entropyAtGrok(&e, "a");
        QCOMPARE(s.n, std::size_t(3));
        QCOMPARE(s.mean, 0.6);
        QCOMPARE(s.low, 0.58);
        QCOMPARE(s.high, 0.62);
        QCOMPARE(entropyAtGrok(nullptr, "a").n, std::size_t(0));
        QCOMPARE(entropyAtGrok(&e, "c").n, std::size_t(0));
    }

    void reportTakesItsFiguresFromTheWriter()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const experiment::ExperimentSpec spec = protocolSpec("interventions", 2);
        QCOMPARE(spec.seeds, (std::vector<unsigned long long>{0, 1}));
        writeFinishedRun(root / "interventions" / "baseline" / "seed_0", "z97-add", 0, 1000);
        writeFinishedRun(root / "interventions" / "baseline" / "seed_1", "z97-add", 1, 1400);
        const std::vector<ProtocolExperiment> experiments = {inspectProtocol(spec, root / "interventions")};
        QCOMPARE(experiments[0].completeLogs("baseline").size(), std::size_t(2));
        const Spread baseline = entropyAtGrok(&experiments[0], "baseline");
        QCOMPARE(baseline.n, std::size_t(2));
        QCOMPARE(baseline.mean, 0.6);

        std::size_t baselineLogs = 99, mlpLogs = 99;
        double threshold = 0;
        const FigureSectionWriter stub = [&](const FigureInputs& inputs) {
            baselineLogs = inputs.baselineLogs.size();
            mlpLogs = inputs.mlpLogs.size();
            threshold = inputs.threshold;
            return std::string("## Figures\n\nstub figures\n\n");
        };
        const fs::path report = writeReplicationReport(root, experiments, 2, ReplicateTiming{}, stub);
        QCOMPARE(report, root / "report.md");
        const std::string withFigures = readText(report);
        QVERIFY(withFigures.find("stub figures") != std::string::npos);
        QCOMPARE(baselineLogs, std::size_t(2));
        QCOMPARE(mlpLogs, std::size_t(0));
        QCOMPARE(threshold, effectiveEntropyThreshold(loadPreset("z97-add")));

        writeReplicationReport(root, experiments, 2, ReplicateTiming{});
        const std::string without = readText(report);
        QVERIFY(without.find("stub figures") == std::string::npos);
        QVERIFY(without.find(noFiguresSection()) != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "tst_report.moc"
