// grokscope-cli replicate, driven as a user would. Training the protocol takes hours,
// so the report is checked on run logs with known answers written here: the claims
// table must carry exactly the numbers those logs imply, and the verdicts the rules.

#include "cli_process.h"
#include "io/config_json.h"
#include "io/run_log_writer.h"
#include "known_run_log.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

using namespace grokscope;
namespace fs = std::filesystem;

namespace {

CliResult runCli(const QStringList& arguments)
{
    return runCliWithin(arguments, 120000);
}

QString readQText(const fs::path& path)
{
    return QString::fromStdString(readText(path));
}

std::set<std::string> entriesUnder(const fs::path& root)
{
    std::set<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        names.insert(entry.path().lexically_relative(root).string());  // fs::relative would follow links
    return names;
}

// The CLI's whole answer is one line "error: ..." containing `expected`.
bool isOneLineError(const CliResult& result, const QString& expected)
{
    const QString text = result.output.trimmed();
    return text.startsWith(QStringLiteral("error: ")) && !text.contains('\n') && text.contains(expected);
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
        writeFinishedRun(interventions / "baseline" / "seed_0", "z97-add", 0, 1000, 0.60);
        writeFinishedRun(interventions / "baseline" / "seed_1", "z97-add", 1, 1200, 0.62);
        writeFinishedRun(interventions / "mixing" / "seed_0", "z97-add", 0, 2000, 0.55);
        writeFinishedRun(interventions / "mixing" / "seed_1", "z97-add", 1, 2400, 0.57);

        const CliResult result = runCli({"replicate", "--seeds", "2", "--out", QString::fromStdString(root.string()),
                                         "--report-only"});
        QVERIFY2(result.exitCode == 0, qPrintable(result.output));
        const QString report = readQText(root / "report.md");
        // 6 intervention arms + 3 tasks, 2 seeds each; 4 runs ended.
        QVERIFY2(report.contains(QStringLiteral("4 of 18 planned runs have ended")), qPrintable(report.left(600)));
        // H̃ at T_grok: 0.60 and 0.62. The bootstrap CI of two values is their range,
        // which contains the paper's 0.605; t = ½ with ν = 1: p = 1 − 2·atan(½)/π = 0.705.
        QVERIFY2(report.contains(QStringLiteral("| 0.610 ± 0.014 (n=2, range 0.600–0.620); 95% CI [0.600, 0.620]; "
                                                "t-test against 0.605: p = 0.705 | holds |")),
                 qPrintable(report));
        // Mixing pairs with the baseline by seed: ΔT = +1000 and +1200. Both later: sign
        // test and exact Wilcoxon p = 2·¼; the bootstrap CI of the median is the range.
        // Unpaired: mean 2200 against 1100 → +1100, Mann–Whitney exact for 2 vs 2 with
        // complete separation p = 2/C(4,2) = 0.333, d = 1100/√50000 = 4.92. Later but not
        // significant, by the paired test.
        QVERIFY2(report.contains(QStringLiteral(
                     "| paired over 2 seeds: later in 2/2 (sign test p = 0.5), median ΔT +1100 [+1000, +1200], "
                     "Wilcoxon p = 0.5; unpaired: mean ΔT +1100 steps, Mann–Whitney p = 0.333, d = 4.92; "
                     "2/2 grokked | same direction, not significant (paired: Wilcoxon signed-rank) |")),
                 qPrintable(report));
        // Arms without ended runs say so instead of inventing numbers.
        QVERIFY(report.contains(QStringLiteral("no run has ended yet")));
#ifdef GROKSCOPE_REPORT_FIGURES
        QVERIFY(fs::exists(root / "figures" / "entropy_baseline.png"));
        QVERIFY(fs::file_size(root / "figures" / "tgrok_by_arm.png") > 1000);
        QVERIFY(report.contains(QStringLiteral("](figures/tgrok_by_arm.png)")));
#else  // a CLI built without the GUI libraries writes the report without figures
        QVERIFY(!fs::exists(root / "figures"));
#endif
    }

    void pairedTestAndConfidenceIntervalDecideTheVerdicts()
    {
        // Ten seeds. H̃ at T_grok of the baseline spans 0.48–0.62, which contains the
        // paper's 0.605, but its mean 0.512 is far below it: the claim does not hold.
        // Mixing groks later than the baseline of its own seed in 9 of 10 seeds, yet the
        // seeds' spread hides that from Mann–Whitney: the paired test decides.
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        const fs::path interventions = root / "interventions";
        const double entropy[10] = {0.50, 0.51, 0.49, 0.50, 0.52, 0.48, 0.50, 0.51, 0.49, 0.62};
        const long delta[10] = {-100, 200, 300, 400, 500, 600, 700, 800, 900, 1000};
        for (int seed = 0; seed < 10; ++seed) {
            const std::string name = "seed_" + std::to_string(seed);
            const long baseline = 1000L * (seed + 1);
            writeFinishedRun(interventions / "baseline" / name, "z97-add", seed, baseline, entropy[seed]);
            writeFinishedRun(interventions / "mixing" / name, "z97-add", seed, baseline + delta[seed], 0.55);
        }
        const CliResult result = runCli({"replicate", "--seeds", "10", "--out", QString::fromStdString(root.string()),
                                         "--report-only"});
        QVERIFY2(result.exitCode == 0, qPrintable(result.output));
        const QString report = readQText(root / "report.md");
        // Mean 0.512 ± 0.040; the percentile bootstrap of the mean [0.495, 0.539]
        // (recomputed outside C++), the t-test's p = 4.04e-05 (ν = 9, t = −7.41).
        QVERIFY2(report.contains(QStringLiteral(
                     "| 0.512 ± 0.040 (n=10, range 0.480–0.620); 95% CI [0.495, 0.539]; t-test against 0.605: "
                     "p = 4.04e-05 | does not hold: the paper's value is above our 95% CI |")),
                 qPrintable(report));
        // ΔT = −100, +200, …, +1000: 9/10 later, sign test 22/1024; the one earlier seed
        // has the smallest |ΔT|, so W = 1 and the exact Wilcoxon p = 4/1024. Median +550,
        // bootstrap CI [+300, +800]. Unpaired: +530, U = 54, exact p = 0.796, d = 0.17.
        QVERIFY2(report.contains(QStringLiteral(
                     "| paired over 10 seeds: later in 9/10 (sign test p = 0.0215), median ΔT +550 [+300, +800], "
                     "Wilcoxon p = 0.00391; unpaired: mean ΔT +530 steps, Mann–Whitney p = 0.796, d = 0.17; "
                     "10/10 grokked | holds (paired: Wilcoxon signed-rank) |")),
                 qPrintable(report));
        // The experiment's own summary, nested in the report, has the paired table.
        QVERIFY2(report.contains(QStringLiteral("| mixing | 10 | 0 | 9 / 1 / 0 | +550 | [+300, +800] | "
                                                "0.00391 (exact) | 0.0215 | 0 |")),
                 qPrintable(report));
        // The MLP trains its own preset: not paired, and said so.
        QVERIFY(report.contains(QStringLiteral("Not paired (another preset or task): mlp-z41.")));
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

    void rejectsBadOptions_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("expected");
        QTest::newRow("--seeds 0") << QStringList{"--seeds", "0"} << "--seeds: expected 2 to 1000";
        QTest::newRow("--seeds -1") << QStringList{"--seeds", "-1"} << "--seeds: expected 2 to 1000";
        QTest::newRow("--seeds 1e30") << QStringList{"--seeds", "1e30"} << "--seeds: expected an integer, got \"1e30\"";
        QTest::newRow("--seeds 99999999999") << QStringList{"--seeds", "99999999999"} << "--seeds: expected 2 to 1000";
        QTest::newRow("--jobs 0") << QStringList{"--seeds", "2", "--jobs", "0"} << "--jobs: expected 1 to 1024, got 0";
        QTest::newRow("--jobs -1") << QStringList{"--seeds", "2", "--jobs", "-1"} << "--jobs: expected 1 to 1024";
        QTest::newRow("--jobs 99999999999") << QStringList{"--seeds", "2", "--jobs", "99999999999"}
                                            << "--jobs: expected 1 to 1024";
        QTest::newRow("mistyped option") << QStringList{"--seed", "2"} << "replicate: unknown option --seed";
        QTest::newRow("unknown flag") << QStringList{"--seeds", "2", "--summary-only"}
                                      << "replicate: unknown option --summary-only";
        QTest::newRow("flag with a value") << QStringList{"--seeds", "2", "--report-only=no"}
                                           << "replicate: unknown option --report-only with a value";
    }

    void rejectsBadOptions()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, expected);
        QTemporaryDir temporary;
        const QString out = temporary.path() + "/out";
        const CliResult result = runCli(QStringList{"replicate", "--out", out, "--report-only"} + options);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(isOneLineError(result, expected), qPrintable(result.output));
        QVERIFY(!fs::exists(out.toStdString()));  // refused before anything was written
    }

    void refusesLinksOutOfTheDirectory_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::newRow("figures") << "figures";
        QTest::newRow("an experiment") << "interventions";
    }

    void refusesLinksOutOfTheDirectory()
    {
        QFETCH(QString, entry);
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        const fs::path outside = root / "outside";
        fs::create_directories(outside);
        fs::create_directories(root / "out");
        fs::create_directory_symlink(outside, root / "out" / entry.toStdString());
        const CliResult result =
            runCli({"replicate", "--seeds", "2", "--out", QString::fromStdString((root / "out").string()), "--report-only"});
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(isOneLineError(result, entry + ": is a symbolic link"), qPrintable(result.output));
        QVERIFY(fs::is_empty(outside));
        QCOMPARE(entriesUnder(root / "out"), std::set<std::string>{entry.toStdString()});
    }

    void timeFileIsReadOnlyWhenRegular()
    {
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        // Past invocations' time is kept; a damaged file counts as none, without failing.
        std::ofstream(root / "replicate_time.json") << "{\"seconds\": 5}\n";
        QCOMPARE(runCli({"replicate", "--seeds", "2", "--out", temporary.path(), "--report-only"}).exitCode, 0);
        QCOMPARE(readQText(root / "replicate_time.json").trimmed(), QStringLiteral("{\"seconds\":5.0}"));
        std::ofstream(root / "replicate_time.json") << std::string(1000, '[') << std::string(1000, ']');
        QCOMPARE(runCli({"replicate", "--seeds", "2", "--out", temporary.path(), "--report-only"}).exitCode, 0);
        QCOMPARE(readQText(root / "replicate_time.json").trimmed(), QStringLiteral("{\"seconds\":0.0}"));
        // A FIFO in its place would block the reader: refused at once.
        fs::remove(root / "replicate_time.json");
        QCOMPARE(mkfifo((root / "replicate_time.json").c_str(), 0600), 0);
        const CliResult fifo = runCliWithin({"replicate", "--seeds", "2", "--out", temporary.path(), "--report-only"}, 30000);
        QCOMPARE(fifo.exitCode, 3);
        QVERIFY2(fifo.output.trimmed().endsWith(QStringLiteral("replicate_time.json: not a regular file (a FIFO, socket or device is refused)")),
                 qPrintable(fifo.output));
    }

    void eachSeedDrawsItsOwnSplitUnlessSameSplit()
    {
        QTemporaryDir perSeed, shared;
        QCOMPARE(runCli({"replicate", "--seeds", "2", "--out", perSeed.path(), "--report-only"}).exitCode, 0);
        QVERIFY(readQText(fs::path(perSeed.path().toStdString()) / "report.md")
                    .contains(QStringLiteral("each seed draws its own train/test split (task.data_seed = the seed)")));
        QCOMPARE(runCli({"replicate", "--seeds", "2", "--out", shared.path(), "--report-only", "--same-split"}).exitCode,
                 0);
        QVERIFY(readQText(fs::path(shared.path().toStdString()) / "report.md")
                    .contains(QStringLiteral("every seed trains on the preset's train/test split (--same-split)")));

        // Runs started with one split are resumed only with the same choice, and the
        // message names the flag that resumes them.
        const fs::path root = shared.path().toStdString();
        fs::create_directories(root / "interventions");
        std::ofstream(root / "interventions" / "spec.json") << "{\"name\": \"interventions\", \"vary_data_seed\": false}\n";
        const CliResult resumed = runCli({"replicate", "--seeds", "2", "--out", shared.path(), "--report-only"});
        QCOMPARE(resumed.exitCode, 2);
        QVERIFY2(isOneLineError(resumed, QStringLiteral("interventions/spec.json: these runs were started with one "
                                                        "train/test split for all seeds; rerun with --same-split")),
                 qPrintable(resumed.output));
        std::ofstream(root / "interventions" / "spec.json") << "{\"name\": \"interventions\", \"vary_data_seed\": true}\n";
        const CliResult other = runCli({"replicate", "--seeds", "2", "--out", shared.path(), "--report-only", "--same-split"});
        QCOMPARE(other.exitCode, 2);
        QVERIFY2(isOneLineError(other, QStringLiteral("a train/test split per seed; rerun without --same-split")),
                 qPrintable(other.output));
    }

    void variantSuiteAnswersItsQuestion()
    {
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        writeFinishedRun(root / "variants" / "baseline" / "seed_0", "z97-add", 0, 1000, 0.60);
        writeFinishedRun(root / "variants" / "baseline" / "seed_1", "z97-add", 1, 1200, 0.62);
        writeFinishedRun(root / "variants" / "convex" / "seed_0", "z97-add", 0, 2000, 0.55);
        writeFinishedRun(root / "variants" / "convex" / "seed_1", "z97-add", 1, 2400, 0.57);
        const CliResult result = runCli({"replicate", "--suite", "variants", "--seeds", "2", "--out", temporary.path(),
                                         "--report-only"});
        QVERIFY2(result.exitCode == 0, qPrintable(result.output));
        QVERIFY(!fs::exists(root / "report.md"));  // the paper's report is not overwritten
        const QString report = readQText(root / "variants-report.md");
        // 10 + 4 arms, 2 seeds each.
        QVERIFY2(report.contains(QStringLiteral("4 of 28 planned runs have ended")), qPrintable(report.left(800)));
        // ΔT +1000 and +1200: median +1100, its bootstrap CI the range, later in 2/2,
        // Wilcoxon and sign test p = 0.5. H̃ held: the logs' H̃ falls linearly from 0.78
        // to H̃(T_grok) over K evaluations after step 0 (their lever starts at 0), so a
        // run holds 0.78 + (H̃(T_grok) − 0.78)(K + 1)/(2K): 0.65925 and 0.670625 for the
        // convex runs (mean 0.665), 0.681 and 0.69333 for the baseline's (0.687).
        QVERIFY2(report.contains(QStringLiteral(
                     "| variants | convex | z_i <- 0.7 z_i + 0.3 z_pi(i), pi one random B-cycle (the interventions "
                     "experiment's reading) | 2/2 | +1100 [+1000, +1200] | 2/2 | 0.5 | 0.5 | 0.665 | 0.560 | "
                     "same direction, not significant (paired: Wilcoxon signed-rank) |")),
                 qPrintable(report));
        QVERIFY2(report.contains(QStringLiteral("| variants | baseline | no mixing | 2/2 | n/a | n/a | n/a | n/a | 0.687 | "
                                                "0.610 | baseline |")),
                 qPrintable(report));
        QVERIFY2(report.contains(QStringLiteral("**No.** No reading of the 1 with ended runs makes grokking "
                                                "significantly later")),
                 qPrintable(report));
#ifdef GROKSCOPE_REPORT_FIGURES
        QVERIFY(fs::file_size(root / "figures" / "variants_paired_delta.png") > 1000);
#endif
        QCOMPARE(runCli({"replicate", "--suite", "other", "--seeds", "2", "--out", temporary.path()}).exitCode, 2);
    }

    void refusesADirectoryOfOtherSeeds()
    {
        // A directory holding the protocol with 3 seeds is not silently mixed with 2.
        QTemporaryDir temporary;
        const fs::path root = temporary.path().toStdString();
        QCOMPARE(runCli({"replicate", "--seeds", "3", "--out", temporary.path(), "--report-only"}).exitCode, 0);
        fs::create_directories(root / "interventions");
        // (With a split per seed, as the default, so that the split is not what differs.)
        std::ofstream(root / "interventions" / "spec.json")
            << "{\"name\": \"something else\", \"vary_data_seed\": true}\n";
        const CliResult mismatch = runCli({"replicate", "--seeds", "2", "--out", temporary.path(), "--report-only"});
        QCOMPARE(mismatch.exitCode, 2);
        QVERIFY2(mismatch.output.contains(QStringLiteral("different experiment spec")), qPrintable(mismatch.output));
    }
};

QTEST_GUILESS_MAIN(TestReplicate)
#include "tst_replicate.moc"
