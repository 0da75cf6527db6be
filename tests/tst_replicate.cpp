// grokscope-cli replicate, driven as a user would. Training the protocol takes hours,
// so the report is checked on run logs with known answers written here: the claims
// table must carry exactly the numbers those logs imply, and the verdicts the rules.

#include "cli_process.h"
#include "io/config_json.h"
#include "io/run_log_writer.h"

#include <QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace grokscope;
namespace fs = std::filesystem;

namespace {

CliResult runCli(const QStringList& arguments)
{
    return runCliWithin(arguments, 120000);
}

QString readText(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return QString::fromStdString(text.str());
}

// A finished z97-add run that memorises at step 200, has H̃ falling linearly from
// 0.78 and groks at `grokStep`, where H̃ is exactly `entropyAtGrok`.
void writeRun(const fs::path& directory, unsigned seed, long grokStep, double entropyAtGrok)
{
    TrainConfig config = loadPreset("z97-add");
    config.run.modelSeed = seed;
    RunLogWriter::writeConfig(directory.string(), config);
    RunLogWriter writer(directory.string(), {"all"});
    for (long step = 0; step <= grokStep + 200; step += 100) {
        EvalSnapshot s;
        s.step = step;
        s.trainAccuracy = step >= 200 ? 1.0 : 0.1;
        s.testAccuracy = step >= grokStep ? 1.0 : 0.01;
        s.trainLoss = s.testLoss = 1.0;
        s.weightNorm = 40.0;
        s.entropy = 0.78 + (entropyAtGrok - 0.78) * double(step) / double(grokStep);
        writer.onEvaluation(s);
    }
    RunEvent memorised{200, "memorised", "memorised", {}, {}};
    RunEvent grokked{grokStep, "grokked", "grokked", {}, {}};
    RunEvent finished{grokStep + 200, "finished", "finished", {{"training_ms", 1000.0}}, {}};
    for (const RunEvent& e : {memorised, grokked, finished})
        writer.onEvent(e);
}

}  // namespace

class TestReplicate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reportCarriesTheLogsNumbers()
    {
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        const fs::path interventions = root / "interventions";
        writeRun(interventions / "baseline" / "seed_0", 0, 1000, 0.60);
        writeRun(interventions / "baseline" / "seed_1", 1, 1200, 0.62);
        writeRun(interventions / "mixing" / "seed_0", 0, 2000, 0.55);
        writeRun(interventions / "mixing" / "seed_1", 1, 2400, 0.57);

        const CliResult result = runCli({"replicate", "--seeds", "2", "--out", QString::fromStdString(root.string()),
                                         "--report-only"});
        QVERIFY2(result.exitCode == 0, qPrintable(result.output));
        const QString report = readText(root / "report.md");
        // 6 intervention arms + 3 tasks, 2 seeds each; 4 runs ended.
        QVERIFY2(report.contains(QStringLiteral("4 of 18 planned runs have ended")), qPrintable(report.left(600)));
        // H̃ at T_grok: mean 0.61 over 0.60 and 0.62, which contains the paper's 0.605.
        QVERIFY(report.contains(QStringLiteral("| 0.610 (0.600–0.620, n=2) | holds |")));
        // Mixing: mean 2200 against 1100 → +1100; Mann–Whitney exact for 2 vs 2 with
        // complete separation: p = 2/C(4,2) = 0.333; later but not significant.
        QVERIFY2(report.contains(QStringLiteral("+1100 steps (p = 0.333")), qPrintable(report));
        QVERIFY(report.contains(QStringLiteral("same direction, not significant")));
        // Arms without ended runs say so instead of inventing numbers.
        QVERIFY(report.contains(QStringLiteral("no run has ended yet")));
        QVERIFY(fs::exists(root / "figures" / "entropy_baseline.png"));
        QVERIFY(fs::file_size(root / "figures" / "tgrok_by_arm.png") > 1000);
        QVERIFY(report.contains(QStringLiteral("](figures/tgrok_by_arm.png)")));
    }

    void rejectsImpossibleSeedCounts()
    {
        QTemporaryDir temporary;
        const CliResult one = runCli({"replicate", "--seeds", "1", "--out", temporary.path(), "--report-only"});
        QCOMPARE(one.exitCode, 2);
        QVERIFY(one.output.contains(QStringLiteral("--seeds: expected 2 to 1000")));
        const CliResult noOut = runCli({"replicate", "--seeds", "3"});
        QCOMPARE(noOut.exitCode, 2);
        QVERIFY(noOut.output.contains(QStringLiteral("--out DIR is required")));
    }

    void refusesADirectoryOfOtherSeeds()
    {
        // A directory holding the protocol with 3 seeds is not silently mixed with 2.
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        QCOMPARE(runCli({"replicate", "--seeds", "3", "--out", temporary.path(), "--report-only"}).exitCode, 0);
        fs::create_directories(root / "interventions");
        std::ofstream(root / "interventions" / "spec.json") << "{\"name\": \"something else\"}\n";
        const CliResult mismatch = runCli({"replicate", "--seeds", "2", "--out", temporary.path(), "--report-only"});
        QCOMPARE(mismatch.exitCode, 2);
        QVERIFY2(mismatch.output.contains(QStringLiteral("different experiment spec")), qPrintable(mismatch.output));
    }
};

QTEST_GUILESS_MAIN(TestReplicate)
#include "tst_replicate.moc"
