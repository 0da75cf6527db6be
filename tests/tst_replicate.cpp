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
        // H̃ at T_grok: mean 0.61 over 0.60 and 0.62, which contains the paper's 0.605.
        QVERIFY(report.contains(QStringLiteral("| 0.610 (0.600–0.620, n=2) | holds |")));
        // Mixing: mean 2200 against 1100 → +1100; Mann–Whitney exact for 2 vs 2 with
        // complete separation: p = 2/C(4,2) = 0.333; later but not significant.
        QVERIFY2(report.contains(QStringLiteral("+1100 steps (p = 0.333")), qPrintable(report));
        QVERIFY(report.contains(QStringLiteral("same direction, not significant")));
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
