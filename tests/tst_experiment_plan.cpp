// The experiment library in-process, with known answers: a spec expands into its
// runs (names "<experiment>-<arm>", seeds, overrides, norm references), malformed
// specs name the key, and the per-arm statistics, runs.csv and summary.md follow from
// known run logs. The runner is tested in tst_experiment_runner.

#include "experiment_directory.h"
#include "experiment_plan.h"
#include "experiment_spec.h"
#include "experiment_summary.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"
#include "known_run_log.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace grokscope;
using namespace grokscope::experiment;
namespace fs = std::filesystem;

namespace {

}  // namespace

class TestExperimentPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void resolvesConfigsInOrder();
    void normReferenceFollowsSameSeed();
    void malformedSpecsNameTheKey_data();
    void malformedSpecsNameTheKey();
    void summaryStatisticsKnownAnswers();
    void recordsAndSummaryFromKnownRunLogs();
};

void TestExperimentPlan::resolvesConfigsInOrder()
{
    const auto spec = parseSpec(nlohmann::json::parse(R"({
      "preset": "z23-quick", "seed_count": 3,
      "overrides": {"optim.learning_rate": 0.002, "run.steps": 100, "task.kind": "sub"},
      "arms": [{"name": "a"},
               {"name": "b", "overrides": {"optim.learning_rate": 0.001, "intervention.mixing": true}},
               {"name": "c", "preset": "z97-add", "overrides": {"run.threads": 2}}],
      "baseline": "b"})"),
                                "spec.json");
    QCOMPARE(spec.name, std::string("spec"));  // defaults to the file's stem
    QCOMPARE(spec.seeds, (std::vector<unsigned long long>{0, 1, 2}));
    QCOMPARE(spec.baselineArm, std::size_t(1));
    const auto runs = planRuns(spec, "/tmp/exp");
    QCOMPARE(runs.size(), std::size_t(9));
    const TrainConfig preset = loadPreset("z23-quick");
    for (const PlannedRun& run : runs) {
        QCOMPARE(run.config.run.modelSeed, run.seed);
        QCOMPARE(run.config.task.dataSeed, preset.task.dataSeed);  // the split stays the preset's
        QCOMPARE(run.config.run.steps, 100L);
        QCOMPARE(run.config.task.kind, TaskKind::Sub);
        QCOMPARE(run.directory.string(),
                 "/tmp/exp/" + spec.arms[run.arm].name + "/seed_" + std::to_string(run.seed));
        QVERIFY(!run.reference);
    }
    // A run's name is a plain name (it may name a directory): "<experiment>-<arm>".
    QCOMPARE(runs[0].config.name, std::string("spec-a"));
    QCOMPARE(runs[0].config.optim.learningRate, 0.002);
    QCOMPARE(runs[0].config.run.threads, 1);  // one thread per run unless the spec says otherwise
    QCOMPARE(runs[0].config.task.modulus, 23);
    QCOMPARE(runs[3].config.optim.learningRate, 0.001);  // arm overrides come after the experiment's
    QVERIFY(runs[3].config.intervention.mixing);
    QCOMPARE(runs[6].config.task.modulus, 97);  // arm preset
    QCOMPARE(runs[6].config.run.threads, 2);

    auto varied = parseSpec(nlohmann::json::parse(
                                R"({"preset": "z23-quick", "seeds": [5, 7], "vary_data_seed": true, "arms": [{"name": "a"}]})"),
                            "v.json");
    const auto variedRuns = planRuns(varied, "/tmp/v");
    QCOMPARE(variedRuns[1].config.task.dataSeed, 7ULL);
    QCOMPARE(variedRuns[1].config.run.modelSeed, 7ULL);
}

void TestExperimentPlan::normReferenceFollowsSameSeed()
{
    const auto spec = parseSpec(nlohmann::json::parse(R"({
      "preset": "z23-quick", "seeds": [3, 4],
      "arms": [{"name": "matched", "norm_reference_arm": "base", "overrides": {"intervention.mixing": true}},
               {"name": "base"}]})"),
                                "s.json");
    const auto runs = planRuns(spec, "/tmp/e");
    QCOMPARE(*runs[0].reference, std::size_t(2));
    QCOMPARE(*runs[1].reference, std::size_t(3));
    QCOMPARE(runs[1].config.intervention.normReferenceRun, std::string("/tmp/e/base/seed_4"));
    QVERIFY(runs[2].config.intervention.normReferenceRun.empty());
}

void TestExperimentPlan::malformedSpecsNameTheKey_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not an object") << "[1]" << "expected a JSON object";
    QTest::newRow("no seeds") << R"({"preset": "z23-quick", "arms": [{"name": "a"}]})" << "seeds";
    QTest::newRow("both seeds") << R"({"preset": "z23-quick", "seeds": [1], "seed_count": 2, "arms": [{"name": "a"}]})"
                                << "exactly one";
    QTest::newRow("negative seed") << R"({"preset": "z23-quick", "seeds": [0, -1], "arms": [{"name": "a"}]})"
                                   << "seeds[1]";
    QTest::newRow("duplicate seed") << R"({"preset": "z23-quick", "seeds": [2, 2], "arms": [{"name": "a"}]})"
                                    << "listed twice";
    QTest::newRow("zero seed_count") << R"({"preset": "z23-quick", "seed_count": 0, "arms": [{"name": "a"}]})"
                                     << "seed_count";
    QTest::newRow("typo key") << R"({"preset": "z23-quick", "seed_count": 1, "arm": []})" << "arm: unknown key";
    QTest::newRow("no arms") << R"({"preset": "z23-quick", "seed_count": 1, "arms": []})" << "arms:";
    QTest::newRow("arm typo") << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "overide": {}}]})"
                              << "arms[0].overide: unknown key";
    QTest::newRow("arm without name") << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{}]})"
                                      << "arms[0].name: missing";
    QTest::newRow("unsafe name") << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "../x"}]})"
                                 << "arms[0].name";
    QTest::newRow("control character in name")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a\u0001b"}]})"
        << "names the arm's directory and contains a control character";
    // Names of what the experiment writes next to the arms' directories.
    QTest::newRow("reserved summary.md")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "summary.md"}]})"
        << "arms[0].name: \"summary.md\" is the name of a file the experiment writes";
    QTest::newRow("reserved spec.json, second arm")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a"}, {"name": "spec.json"}]})"
        << "arms[1].name: \"spec.json\" is the name of a file";
    QTest::newRow("reserved in another case")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "Runs.CSV"}]})" << "arms[0].name: \"Runs.CSV\"";
    QTest::newRow("reserved summary.csv") << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "summary.csv"}]})"
                                          << "arms[0].name: \"summary.csv\"";
    QTest::newRow("reserved report.md") << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "report.md"}]})"
                                        << "arms[0].name: \"report.md\"";
    QTest::newRow("reserved figures") << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "figures"}]})"
                                      << "arms[0].name: \"figures\"";
    QTest::newRow("reserved temporary name")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "runs.csv.partial"}]})"
        << "arms[0].name: \"runs.csv.partial\"";
    QTest::newRow("experiment name with a slash")
        << R"({"name": "a/b", "preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a"}]})"
        << "name: \"a/b\" contains a path separator";
    QTest::newRow("seed past 2^64")
        << R"({"preset": "z23-quick", "seeds": [18446744073709551616], "arms": [{"name": "a"}]})" << "seeds[0]";
    QTest::newRow("fractional seed") << R"({"preset": "z23-quick", "seeds": [1.5], "arms": [{"name": "a"}]})"
                                     << "seeds[0]";
    QTest::newRow("seed_count 1e30") << R"({"preset": "z23-quick", "seed_count": 1e30, "arms": [{"name": "a"}]})"
                                     << "seed_count";
    QTest::newRow("too many runs")
        << R"({"preset": "z23-quick", "seed_count": 100000, "arms": [{"name": "a"}, {"name": "b"}]})"
        << "arms: 2 arms x 100000 seeds is more than the 100000 runs";
    // Integers past 2^32 are refused, not wrapped (4294967396 would be 100 steps).
    QTest::newRow("run.steps past 2^32")
        << R"({"preset": "z23-quick", "seed_count": 1, "overrides": {"run.steps": 4294967396}, "arms": [{"name": "a"}]})"
        << "run.steps";
    QTest::newRow("task.modulus past 2^32")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "overrides": {"task.modulus": 4294967319}}]})"
        << "task.modulus";
    QTest::newRow("duplicate arm")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a"}, {"name": "a"}]})" << "defined twice";
    QTest::newRow("no preset") << R"({"seed_count": 1, "arms": [{"name": "a"}]})" << "arms[0].preset";
    QTest::newRow("unknown reference")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "norm_reference_arm": "zz"}]})"
        << "arms[0].norm_reference_arm: no arm named \"zz\"";
    QTest::newRow("self reference")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "norm_reference_arm": "a"}]})"
        << "its own";
    QTest::newRow("reference cycle")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "norm_reference_arm": "b"},
                                                             {"name": "b", "norm_reference_arm": "a"}]})"
        << "cycle";
    QTest::newRow("unknown baseline")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a"}], "baseline": "b"})" << "baseline";
    QTest::newRow("overrides not an object")
        << R"({"preset": "z23-quick", "seed_count": 1, "overrides": [1], "arms": [{"name": "a"}]})" << "overrides";
    QTest::newRow("null override")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "overrides": {"run.steps": null}}]})"
        << "arms[0].overrides.run.steps";
    QTest::newRow("seed in overrides")
        << R"({"preset": "z23-quick", "seed_count": 1, "overrides": {"run.model_seed": 3}, "arms": [{"name": "a"}]})"
        << "overrides.run.model_seed";
    QTest::newRow("unknown config key")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "overrides": {"optim.learnin_rate": 1}}]})"
        << "optim.learnin_rate";
    QTest::newRow("wrong value type")
        << R"({"preset": "z23-quick", "seed_count": 1, "overrides": {"optim.learning_rate": "fast"}, "arms": [{"name": "a"}]})"
        << "optim.learning_rate";
    QTest::newRow("invalid config")
        << R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "overrides": {"run.eval_every_steps": 0}}]})"
        << "run.eval_every_steps";
    QTest::newRow("unknown preset") << R"({"preset": "nope", "seed_count": 1, "arms": [{"name": "a"}]})" << "nope";
}

void TestExperimentPlan::malformedSpecsNameTheKey()
{
    QFETCH(QString, spec);
    QFETCH(QString, expected);
    try {
        const auto parsed = parseSpec(nlohmann::json::parse(spec.toStdString()), "bad.json");
        planRuns(parsed, "/tmp/never-created");
        QFAIL("accepted a malformed spec");
    } catch (const ConfigError& error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.startsWith("bad.json: "), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
    }
    QVERIFY(!fs::exists("/tmp/never-created"));
}

void TestExperimentPlan::summaryStatisticsKnownAnswers()
{
    const auto spec = parseSpec(nlohmann::json::parse(
                                    R"({"preset": "z23-quick", "seed_count": 4, "arms": [{"name": "b"}, {"name": "x"}]})"),
                                "k.json");
    auto record = [](const std::string& arm, unsigned long long seed, std::optional<long> tGrok,
                     std::optional<long> tCollapse, RunStatus status = RunStatus::Finished) {
        RunRecord r;
        r.arm = arm;
        r.seed = seed;
        r.status = status;
        r.tGrok = tGrok;
        r.tCollapse = tCollapse;
        r.hInit = 0.8;
        if (tGrok)
            r.hAtGrok = 0.6;
        return r;
    };
    const std::vector<RunRecord> records = {
        record("b", 0, 1000, 700), record("b", 1, 1200, 1300), record("b", 2, 1400, std::nullopt),
        record("b", 3, std::nullopt, 500),                                     // never grokked
        record("x", 0, 2000, 1000), record("x", 1, 2600, 2000), record("x", 2, std::nullopt, std::nullopt,
                                                                                  RunStatus::Failed),
        record("x", 3, std::nullopt, std::nullopt, RunStatus::Resumable),      // unfinished: left out
    };
    const auto arms = summariseArms(spec, records);
    QCOMPARE(arms.size(), std::size_t(2));
    const ArmSummary& b = arms[0];
    const ArmSummary& x = arms[1];
    QVERIFY(b.isBaseline && !x.isBaseline);
    QCOMPARE(b.planned, std::size_t(4));
    QCOMPARE(b.complete, std::size_t(4));
    QCOMPARE(b.grokked, std::size_t(3));
    QCOMPARE(b.tGrok.mean, 1200.0);
    QCOMPARE(b.tGrok.median, 1200.0);
    QCOMPARE(b.collapseCount, std::size_t(2));   // grokked runs with a collapse
    QCOMPARE(b.collapseBefore, std::size_t(1));  // 700 < 1000; 1300 > 1200
    QCOMPARE(b.collapseLeadMean, (300.0 - 100.0) / 2);
    QCOMPARE(b.hInitMean, 0.8);
    QVERIFY(std::isnan(b.deltaTGrok));
    QCOMPARE(x.planned, std::size_t(4));
    QCOMPARE(x.complete, std::size_t(3));
    QCOMPARE(x.failed, std::size_t(1));
    QCOMPARE(x.grokked, std::size_t(2));
    QCOMPARE(x.tGrok.mean, 2300.0);
    QCOMPARE(x.deltaTGrok, 1100.0);
    const auto mw = mannWhitneyU({2000, 2600}, {1000, 1200, 1400});
    QCOMPARE(x.mannWhitney.u, mw.u);
    QCOMPARE(x.mannWhitney.u, 6.0);
    QCOMPARE(x.mannWhitney.pValue, mw.pValue);
    QCOMPARE(x.cohensD, cohensD({2000, 2600}, {1000, 1200, 1400}));
    QVERIFY(x.cohensD > 0);
    QCOMPARE(x.collapseBefore, std::size_t(2));

    const std::string markdown = summaryMarkdown(spec, records, arms);
    QVERIFY(markdown.find("| x | 3 of 4 | 1 | 2/3 | 2300 | 2300 |") != std::string::npos);
    QVERIFY(markdown.find("+1100") != std::string::npos);
    QVERIFY(markdown.find("left out of every T_grok statistic") != std::string::npos);
    const std::string csv = runsCsv(records);
    QVERIFY(csv.find("\nb,3,0,,,500,,0.800000,,0,0.000,finished,\n") != std::string::npos);
}

void TestExperimentPlan::recordsAndSummaryFromKnownRunLogs()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto spec = parseSpec(nlohmann::json::parse(R"({"name": "k", "preset": "z23-quick", "seeds": [0, 1, 2, 3],
                                                        "arms": [{"name": "a"}]})"),
                                "k.json");
    const auto runs = planRuns(spec, root);
    writeFinishedRun(root / "a" / "seed_0", "z23-quick", 0, 1000);
    writeFinishedRun(root / "a" / "seed_1", "z23-quick", 1, 1400);
    fs::create_directories(root / "a" / "seed_2");
    std::ofstream(root / "a" / "seed_2" / "stray.txt") << "x";  // a directory without a run log
    // seed_3: nothing there yet.
    const std::vector<RunRecord> records = inspectRuns(spec, runs);
    QCOMPARE(records.size(), std::size_t(4));
    QCOMPARE(records[0].status, RunStatus::Finished);
    QCOMPARE(*records[0].tGrok, 1000L);
    QCOMPARE(*records[0].tMemorised, 200L);
    QCOMPARE(*records[0].hInit, 0.78);
    QCOMPARE(*records[0].hAtGrok, 0.6);
    QCOMPARE(records[0].finalStep, 1200L);
    QCOMPARE(records[0].trainingSeconds, 1.0);
    QCOMPARE(*records[1].tGrok, 1400L);
    QCOMPARE(records[2].status, RunStatus::Broken);
    QVERIFY2(records[2].detail.rfind("no ", 0) == 0, records[2].detail.c_str());
    QCOMPARE(records[3].status, RunStatus::Missing);

    const std::string markdown = writeSummary(spec, root, records);
    QCOMPARE(readText(root / "summary.md"), markdown);
    const std::string runsCsvText = readText(root / "runs.csv");
    QVERIFY2(runsCsvText.find("\na,0,1,1000,200,,,0.780000,0.600000,1200,1.000,finished,\n") != std::string::npos,
             runsCsvText.c_str());
    QVERIFY(runsCsvText.find("\na,3,0,,,,,,,0,0.000,missing,\n") != std::string::npos);
    const auto arms = summariseArms(spec, records);
    QCOMPARE(arms[0].grokked, std::size_t(2));
    QCOMPARE(arms[0].tGrok.mean, 1200.0);
    QCOMPARE(arms[0].hAtGrokMean, 0.6);
    QVERIFY(readText(root / "summary.csv").find("\na,") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestExperimentPlan)
#include "tst_experiment_plan.moc"
