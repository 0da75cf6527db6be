// grokscope-cli experiment, driven as a user would (the library's own logic is tested
// in-process by tst_experiment_plan): real experiments on z23-quick run through the
// built CLI. The summary agrees with the runs' own logs, a rerun skips what ended, an
// interrupted experiment resumes to the same result as an uninterrupted one, a broken
// run is moved aside; and what the runner refuses: unreadable specs, bad options,
// links out of --out, and children that fail. experiment-summary pairs each arm with
// the baseline by seed, with known answers on run logs written without training.

#include "cli_process.h"
#include "experiment_plan.h"
#include "experiment_spec.h"
#include "experiment_summary.h"
#include "io/config_json.h"
#include "io/run_log.h"
#include "io/run_log_writer.h"
#include "known_run_log.h"
#include "test_files.h"

#include <QtTest>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

using namespace grokscope;
using namespace grokscope::experiment;
namespace fs = std::filesystem;

namespace {

const char* kCli = GROKSCOPE_CLI_PATH;

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// Runs grokscope-cli with `arguments`; the experiment's children train with one thread each.
CliResult runCli(const QStringList& arguments)
{
    return runCliWithin(arguments, 240000);
}

// rows of a CSV without quoting (ours quote only free text, which these columns are not)
std::vector<std::vector<std::string>> readCsv(const fs::path& path)
{
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream fields(line);
        std::string cell;
        while (std::getline(fields, cell, ','))
            cells.push_back(cell);
        if (!line.empty() && line.back() == ',')
            cells.push_back("");
        rows.push_back(cells);
    }
    return rows;
}

std::set<std::string> entriesUnder(const fs::path& root)
{
    std::set<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.path().filename() != "checkpoints" && entry.path().parent_path().filename() != "checkpoints")
            names.insert(fs::relative(entry.path(), root).string());
    return names;
}

// The same metrics, step by step, elapsed wall time (column 10) aside.
std::string metricsWithoutTiming(const fs::path& runDirectory)
{
    std::ifstream in(runDirectory / runlog::kMetrics);
    std::string line, result;
    while (std::getline(in, line)) {
        std::stringstream fields(line);
        std::string cell;
        for (int column = 1; std::getline(fields, cell, ','); ++column)
            if (column != 10)
                result += cell + ",";
        result += "\n";
    }
    return result;
}

// Process ids whose parent is `parent`, from /proc.
std::vector<pid_t> childrenOf(qint64 parent)
{
    std::vector<pid_t> children;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
        std::ifstream in(entry.path() / "stat");
        std::string stat;
        if (!std::getline(in, stat))
            continue;
        // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
        const auto close = stat.rfind(')');
        if (close == std::string::npos)
            continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        long long ppid = 0;
        if (rest >> state >> ppid && ppid == parent)
            children.push_back(static_cast<pid_t>(std::stoll(entry.path().filename().string())));
    }
    return children;
}

// The CLI's whole answer is one line "error: ..." containing `expected`.
bool isOneLineError(const CliResult& result, const QString& expected)
{
    const QString text = result.output.trimmed();
    return text.startsWith(QStringLiteral("error: ")) && !text.contains('\n') && text.contains(expected);
}

const char* kQuickSpec = R"({
  "name": "quick",
  "preset": "z23-quick",
  "seeds": [0, 1],
  "overrides": {"run.stop_at_grok": true, "run.stop_after_grok_steps": 100},
  "arms": [
    {"name": "baseline"},
    {"name": "mixing", "overrides": {"intervention.mixing": true, "intervention.mixing_alpha": 0.3}},
    {"name": "matched", "overrides": {"intervention.mixing": true}, "norm_reference_arm": "baseline"}
  ]
})";

// The summary.csv row of `arm`, keyed by the header's column names.
std::map<std::string, std::string> summaryRow(const fs::path& csv, const std::string& arm)
{
    const auto rows = readCsv(csv);
    std::map<std::string, std::string> cells;
    for (std::size_t r = 1; r < rows.size(); ++r)
        if (rows[r][0] == arm)
            for (std::size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c)
                cells[rows[0][c]] = rows[r][c];
    return cells;
}

}  // namespace

class TestExperiment : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cliRejectsMalformedSpec();
    void unreadableSpecFilesAreRefused();
    void cliRejectsBadOptions_data();
    void cliRejectsBadOptions();
    void linksOutOfTheDirectoryAreRefused();
    void failedChildIsReportedWithItsCode();
    void killedChildIsReportedWithItsSignal();
    void runsSummarisesAndSkipsOnRerun();
    void interruptedExperimentResumesToTheSameResult();
    void brokenRunIsMovedAsideAndRestarted();
    void summaryPairsArmsWithTheBaseline();
};

void TestExperiment::cliRejectsMalformedSpec()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "bad.json",
              R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a", "norm_reference_arm": "ghost"}]})");
    const CliResult result = runCli({"experiment", QString::fromStdString((root / "bad.json").string()), "--out",
                                     QString::fromStdString((root / "out").string())});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.output.contains("bad.json: arms[0].norm_reference_arm: no arm named \"ghost\""),
             qPrintable(result.output));
    QVERIFY(!fs::exists(root / "out"));  // nothing launched, nothing written

    const CliResult missing = runCli({"experiment", QString::fromStdString((root / "absent.json").string()), "--out",
                                      QString::fromStdString((root / "out").string())});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.output.contains("absent.json"));
}

void TestExperiment::unreadableSpecFilesAreRefused()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const QString out = QString::fromStdString((root / "out").string());

    // Nesting past 64 levels is refused before parsing (50,000 levels overflowed the
    // parser's stack); the message names the file.
    writeText(root / "deep.json", R"({"preset": "z23-quick", "seed_count": 1, "arms": [{"name": "a"}], "description": )"
                                      + std::string(100000, '[') + std::string(100000, ']') + "}");
    const CliResult deep = runCli({"experiment", QString::fromStdString((root / "deep.json").string()), "--out", out});
    QCOMPARE(deep.exitCode, 2);
    QVERIFY2(isOneLineError(deep, "deep.json: JSON nested deeper than 64 levels"), qPrintable(deep.output));

    // A FIFO would block the reader forever: refused at once.
    const fs::path fifo = root / "fifo.json";
    QCOMPARE(mkfifo(fifo.c_str(), 0600), 0);
    const CliResult blocked =
        runCliWithin({"experiment", QString::fromStdString(fifo.string()), "--out", out}, 30000);
    QCOMPARE(blocked.exitCode, 2);
    QVERIFY2(isOneLineError(blocked, "fifo.json: not a regular file"), qPrintable(blocked.output));

    // The same for the copy an experiment directory keeps, read by experiment-summary.
    fs::create_directories(root / "exp");
    QCOMPARE(mkfifo((root / "exp" / "spec.json").c_str(), 0600), 0);
    const CliResult summary =
        runCliWithin({"experiment-summary", QString::fromStdString((root / "exp").string())}, 30000);
    QCOMPARE(summary.exitCode, 2);
    QVERIFY2(isOneLineError(summary, "spec.json: not a regular file"), qPrintable(summary.output));
    QVERIFY(!fs::exists(root / "out"));
}

void TestExperiment::cliRejectsBadOptions_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    // SPEC, DIR and RUN are replaced by a valid spec, an experiment directory and a run.
    const QStringList experiment = {"experiment", "SPEC", "--out", "DIR"};
    QTest::newRow("--jobs 0") << (experiment + QStringList{"--jobs", "0"}) << "--jobs: expected 1 to 1024, got 0";
    QTest::newRow("--jobs -1") << (experiment + QStringList{"--jobs", "-1"}) << "--jobs: expected 1 to 1024, got -1";
    QTest::newRow("--jobs 99999999999") << (experiment + QStringList{"--jobs", "99999999999"}) << "--jobs: expected 1 to 1024";
    QTest::newRow("--jobs 1e3") << (experiment + QStringList{"--jobs", "1e3"}) << "--jobs: expected an integer";
    QTest::newRow("--jobs past 2^64") << (experiment + QStringList{"--jobs", "99999999999999999999999"})
                                      << "--jobs: expected an integer";
    QTest::newRow("mistyped option") << (experiment + QStringList{"--job", "2"}) << "experiment: unknown option --job";
    QTest::newRow("another command's option") << (experiment + QStringList{"--seeds", "3"})
                                               << "experiment: unknown option --seeds";
    QTest::newRow("flag with a value") << (experiment + QStringList{"--quiet=yes"})
                                       << "experiment: unknown option --quiet with a value";
    QTest::newRow("unknown flag") << (experiment + QStringList{"--report-only"})
                                  << "experiment: unknown option --report-only";
    QTest::newRow("summary option") << QStringList{"experiment-summary", "DIR", "--jobs", "2"}
                                    << "experiment-summary: unknown option --jobs";
    QTest::newRow("summary override") << QStringList{"experiment-summary", "DIR", "run.steps=3"}
                                      << "experiment-summary: takes no config overrides";
    QTest::newRow("forecast nan") << QStringList{"forecast", "RUN", "--threshold", "nan"}
                                  << "--threshold: expected a number from 0 to 1, got \"nan\"";
    QTest::newRow("forecast 2") << QStringList{"forecast", "RUN", "--threshold", "2"}
                                << "--threshold: expected a number from 0 to 1";
    QTest::newRow("forecast trailing text") << QStringList{"forecast", "RUN", "--threshold", "0.5x"}
                                            << "--threshold: expected a number from 0 to 1";
    QTest::newRow("forecast option") << QStringList{"forecast", "RUN", "--jobs", "2"} << "forecast: unknown option --jobs";
    QTest::newRow("forecast override") << QStringList{"forecast", "RUN", "run.steps=3"}
                                       << "forecast: takes run directories, not config overrides";
}

void TestExperiment::cliRejectsBadOptions()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "spec.json", R"({"preset": "z23-quick", "seeds": [0], "arms": [{"name": "a"}]})");
    writeText(root / "exp" / "spec.json", R"({"name": "e", "preset": "z23-quick", "seeds": [0], "arms": [{"name": "a"}]})");
    TrainConfig config = loadPreset("z23-quick");
    RunLogWriter::writeConfig((root / "run").string(), config);
    RunLogWriter((root / "run").string(), {"all"});
    const auto before = entriesUnder(root);
    for (QString& argument : arguments) {
        if (argument == "SPEC")
            argument = QString::fromStdString((root / "spec.json").string());
        else if (argument == "DIR")
            argument = QString::fromStdString((root / "exp").string());
        else if (argument == "RUN")
            argument = QString::fromStdString((root / "run").string());
    }
    const CliResult result = runCli(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(isOneLineError(result, expected), qPrintable(result.output));
    QCOMPARE(entriesUnder(root), before);  // refused before anything was written
}

void TestExperiment::linksOutOfTheDirectoryAreRefused()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "short.json", R"({"preset": "z23-quick", "seeds": [0], "overrides": {"run.steps": 20},
                                       "arms": [{"name": "a"}]})");
    const fs::path outside = root / "outside";
    fs::create_directories(outside);
    auto experimentInto = [&](const fs::path& out) {
        return runCli({"experiment", QString::fromStdString((root / "short.json").string()), "--out",
                       QString::fromStdString(out.string()), "--quiet"});
    };

    // The arm's directory is a link out of --out.
    fs::create_directories(root / "arm");
    fs::create_directory_symlink(outside, root / "arm" / "a");
    const CliResult arm = experimentInto(root / "arm");
    QCOMPARE(arm.exitCode, 3);
    QVERIFY2(isOneLineError(arm, QString::fromStdString((root / "arm" / "a").string()) + ": is a symbolic link"),
             qPrintable(arm.output));

    // The run's own directory is, inside a real arm directory.
    fs::create_directories(root / "seed" / "a");
    fs::create_directory_symlink(outside, root / "seed" / "a" / "seed_0");
    const CliResult seed = experimentInto(root / "seed");
    QCOMPARE(seed.exitCode, 3);
    QVERIFY2(isOneLineError(seed, "seed_0: is a symbolic link"), qPrintable(seed.output));

    // The log the child's output is appended to is.
    fs::create_directories(root / "log" / "a");
    writeText(outside / "victim.txt", "kept");
    fs::create_symlink(outside / "victim.txt", root / "log" / "a" / "seed_0.log");
    const CliResult log = experimentInto(root / "log");
    QCOMPARE(log.exitCode, 3);
    QVERIFY2(isOneLineError(log, "seed_0.log: is a symbolic link"), qPrintable(log.output));

    // Nothing was written outside, and nothing inside either (not even spec.json).
    QCOMPARE(entriesUnder(outside), std::set<std::string>{"victim.txt"});
    QCOMPARE(readText(outside / "victim.txt"), std::string("kept"));
    for (const char* out : {"arm", "seed", "log"})
        QVERIFY(!fs::exists(root / out / "spec.json"));
}

void TestExperiment::failedChildIsReportedWithItsCode()
{
    // A run that looks resumable but whose checkpoint is garbage: its `resume` child
    // exits with an error, which the experiment reports with the code and exits 1.
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "one.json", R"({"preset": "z23-quick", "seeds": [0], "arms": [{"name": "a"}]})");
    const fs::path exp = root / "exp";
    const auto planned = planRuns(loadSpec((root / "one.json").string()), exp);
    const fs::path run = planned.front().directory;
    RunLogWriter::writeConfig(run.string(), planned.front().config);
    {
        RunLogWriter writer(run.string(), {"all"});
        EvalSnapshot s;
        s.step = 0;
        s.trainAccuracy = s.testAccuracy = 0.05;
        s.trainLoss = s.testLoss = 3.1;
        s.weightNorm = 30.0;
        writer.onEvaluation(s);
    }
    writeText(run / runlog::kCheckpoints / "step_00000100.pt", "not a checkpoint");
    QCOMPARE(inspectRun("a", 0, run.string()).status, RunStatus::Resumable);

    const CliResult result =
        runCli({"experiment", QString::fromStdString((root / "one.json").string()), "--out", QString::fromStdString(exp.string())});
    QVERIFY2(result.exitCode == 1, qPrintable(result.output));
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("a seed 0: ERROR, exit code (\\d+); see ")).match(result.output);
    QVERIFY2(match.hasMatch(), qPrintable(result.output));
    const QString code = match.captured(1);
    QVERIFY(code != "0");
    // runs.csv keeps how the child ended; the run is retried on the next invocation.
    const auto rows = readCsv(exp / "runs.csv");
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(rows[1][11], std::string("unfinished"));
    QCOMPARE(rows[1][12], "grokscope-cli exit code " + code.toStdString());
    QVERIFY2(result.output.contains("1 run(s) did not end"), qPrintable(result.output));
}

void TestExperiment::killedChildIsReportedWithItsSignal()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "long.json", R"({"preset": "z23-quick", "seeds": [0],
        "overrides": {"run.steps": 1000000, "run.stop_at_grok": false}, "arms": [{"name": "a"}]})");
    const fs::path exp = root / "exp";
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QString::fromUtf8(kCli), {"experiment", QString::fromStdString((root / "long.json").string()), "--out",
                                            QString::fromStdString(exp.string())});
    QVERIFY(process.waitForStarted());
    QElapsedTimer waited;
    waited.start();
    std::vector<pid_t> children;
    while (children.empty() && waited.elapsed() < 60000 && process.state() == QProcess::Running) {
        children = childrenOf(process.processId());
        QTest::qWait(20);
    }
    QCOMPARE(children.size(), std::size_t(1));
    QCOMPARE(kill(children.front(), SIGKILL), 0);
    if (!process.waitForFinished(60000)) {
        process.kill();
        QFAIL("the experiment did not end after its only run was killed");
    }
    const QString output = QString::fromUtf8(process.readAll());
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 1, qPrintable(output));
    QVERIFY2(output.contains("a seed 0: ERROR, killed by signal 9"), qPrintable(output));
    const auto rows = readCsv(exp / "runs.csv");
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(rows[1][12].substr(0, 30), std::string("grokscope-cli killed by signal"));
}

void TestExperiment::runsSummarisesAndSkipsOnRerun()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "quick.json", kQuickSpec);
    const QStringList command = {"experiment", QString::fromStdString((root / "quick.json").string()), "--out",
                                 QString::fromStdString((root / "exp").string()), "--jobs", "2"};
    const CliResult first = runCli(command);
    QVERIFY2(first.exitCode == 0, qPrintable(first.output));
    const fs::path exp = root / "exp";
    for (const char* file : {"spec.json", "summary.md", "summary.csv", "runs.csv"})
        QVERIFY2(fs::exists(exp / file), file);

    // runs.csv agrees with each run's own log.
    const auto runs = readCsv(exp / "runs.csv");
    QCOMPARE(runs.size(), std::size_t(7));
    std::map<std::string, std::vector<double>> grokTimes;
    for (std::size_t i = 1; i < runs.size(); ++i) {
        const auto& row = runs[i];
        const fs::path runDirectory = exp / row[0] / ("seed_" + row[1]);
        const RunLog log = readRunLog(runDirectory.string());
        QVERIFY(log.firstEvent("finished"));
        const RunEvent* grokked = log.firstEvent("grokked");
        QVERIFY2(grokked, "z23-quick groks well within its 4000 steps");
        QCOMPARE(row[2], std::string("1"));
        QCOMPARE(row[3], std::to_string(grokked->step));
        QCOMPARE(row[11], std::string("finished"));
        QCOMPARE(log.config.run.modelSeed, std::stoull(row[1]));
        QCOMPARE(log.config.intervention.mixing, row[0] != "baseline");
        if (row[0] == "matched") {
            // It followed the baseline run of its own seed, started once that had finished.
            const fs::path reference = exp / "baseline" / ("seed_" + row[1]);
            QCOMPARE(fs::path(log.config.intervention.normReferenceRun), fs::absolute(reference));
            bool normMatched = false;
            for (const RunEvent& e : log.events)
                normMatched = normMatched || (e.type == "intervention" && e.labels.count("kind")
                                              && e.labels.at("kind") == "norm_match");
            QVERIFY(normMatched);
            const QString started = "start matched seed " + QString::fromStdString(row[1]);
            const QString referenceDone = "baseline seed " + QString::fromStdString(row[1]) + ": T_grok";
            QVERIFY2(first.output.indexOf(referenceDone) >= 0
                         && first.output.indexOf(referenceDone) < first.output.indexOf(started),
                     qPrintable(first.output));
        }
        grokTimes[row[0]].push_back(grokked->step);
        QVERIFY(fs::exists(exp / row[0] / ("seed_" + row[1] + ".log")));
    }
    // summary.csv: means and ΔT from those same times.
    const auto summary = readCsv(exp / "summary.csv");
    QCOMPARE(summary.size(), std::size_t(4));
    QCOMPARE(summary[1][0], std::string("baseline"));
    QCOMPARE(std::stod(summary[1][7]), mean(grokTimes["baseline"]));
    QCOMPARE(std::stod(summary[2][7]), mean(grokTimes["mixing"]));
    QVERIFY(std::abs(std::stod(summary[2][20]) - (mean(grokTimes["mixing"]) - mean(grokTimes["baseline"]))) < 1e-3);
    // Both levers train the baseline's preset from its seeds: paired by seed, with the
    // statistics of those same per-seed differences (runs.csv lists seeds in order).
    for (const std::string arm : {"mixing", "matched"}) {
        const auto row = summaryRow(exp / "summary.csv", arm);
        std::vector<double> deltas;
        for (std::size_t i = 0; i < grokTimes[arm].size(); ++i)
            deltas.push_back(grokTimes[arm][i] - grokTimes["baseline"][i]);
        QCOMPARE(row.at("paired"), std::string("1"));
        QCOMPARE(row.at("paired_n"), std::string("2"));
        QCOMPARE(std::stod(row.at("paired_delta_t_median")), median(deltas));
        QCOMPARE(row.at("wilcoxon_p"), number(wilcoxonSignedRank(deltas).pValue, "%.6g"));
        QCOMPARE(row.at("sign_test_p"), number(signTest(deltas).pValue, "%.6g"));
    }

    // A rerun keeps everything: no new runs, no new files, the same summary.
    const std::string summaryBefore = readText(exp / "summary.md");
    const auto entriesBefore = entriesUnder(exp);
    const CliResult second = runCli(command);
    QVERIFY2(second.exitCode == 0, qPrintable(second.output));
    QVERIFY2(second.output.contains("6 already ended, 0 to resume, 0 to start"), qPrintable(second.output));
    QVERIFY(!second.output.contains("start baseline"));
    QCOMPARE(entriesUnder(exp), entriesBefore);
    QCOMPARE(readText(exp / "summary.md"), summaryBefore);

    // experiment-summary recomputes the same text without running anything.
    fs::remove(exp / "summary.md");
    const CliResult recomputed = runCli({"experiment-summary", QString::fromStdString(exp.string())});
    QCOMPARE(recomputed.exitCode, 0);
    QCOMPARE(readText(exp / "summary.md"), summaryBefore);

    // A different spec on the same directory is refused rather than mixed in.
    writeText(root / "other.json", R"({"preset": "z23-quick", "seeds": [0], "arms": [{"name": "baseline"}]})");
    const CliResult other = runCli({"experiment", QString::fromStdString((root / "other.json").string()), "--out",
                                    QString::fromStdString(exp.string())});
    QCOMPARE(other.exitCode, 2);
    QVERIFY2(other.output.contains("different experiment spec"), qPrintable(other.output));
}

void TestExperiment::interruptedExperimentResumesToTheSameResult()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    // Fixed-length runs with frequent checkpoints; one seed, two arms, two at a time.
    writeText(root / "resume.json", R"({"preset": "z23-quick", "seeds": [1],
        "overrides": {"run.steps": 1200, "run.checkpoint_every_steps": 200},
        "arms": [{"name": "baseline"}, {"name": "mixing", "overrides": {"intervention.mixing": true}}]})");
    auto command = [&](const fs::path& out) {
        return QStringList{"experiment", QString::fromStdString((root / "resume.json").string()), "--out",
                           QString::fromStdString(out.string()), "--jobs", "2"};
    };
    const CliResult reference = runCli(command(root / "whole"));
    QVERIFY2(reference.exitCode == 0, qPrintable(reference.output));

    // Stop the experiment once both runs have a checkpoint, as Ctrl-C would.
    const fs::path cut = root / "cut";
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QString::fromUtf8(kCli), command(cut));
    QVERIFY(process.waitForStarted());
    QElapsedTimer waited;
    waited.start();
    // Any checkpoint will do: older ones are pruned as the runs go on, so waiting for
    // one particular file could miss it on a fast machine.
    auto hasCheckpoint = [&](const char* arm) {
        const fs::path checkpoints = cut / arm / "seed_1" / runlog::kCheckpoints;
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(checkpoints, error))
            if (entry.path().extension() == ".pt")  // written under a temporary name, then renamed
                return true;
        return false;
    };
    while (!(hasCheckpoint("baseline") && hasCheckpoint("mixing")) && waited.elapsed() < 120000
           && process.state() == QProcess::Running)
        QTest::qWait(20);
    if (process.state() != QProcess::Running)
        QSKIP("the experiment ended before both runs had a checkpoint; the machine is faster than this test assumes");
    process.terminate();  // SIGTERM to the experiment, which forwards it to its runs
    QVERIFY(process.waitForFinished(120000));
    const QString stoppedOutput = QString::fromUtf8(process.readAll());
    QVERIFY2(process.exitCode() == 130, qPrintable(stoppedOutput));
    QVERIFY2(stoppedOutput.contains("rerun the same command to resume"), qPrintable(stoppedOutput));
    const RunRecord stopped = inspectRun("baseline", 1, (cut / "baseline" / "seed_1").string());
    if (stopped.status != RunStatus::Resumable)
        QSKIP("the runs ended before the stop arrived; the machine is faster than this test assumes");

    const CliResult resumed = runCli(command(cut));
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.output));
    QVERIFY2(resumed.output.contains("resume baseline seed 1"), qPrintable(resumed.output));
    for (const char* arm : {"baseline", "mixing"}) {
        const fs::path a = root / "whole" / arm / "seed_1";
        const fs::path b = cut / arm / "seed_1";
        QCOMPARE(metricsWithoutTiming(b), metricsWithoutTiming(a));
        if (std::string(arm) == "baseline")
            QVERIFY(readRunLog(b.string()).firstEvent("resumed"));
    }
    // The tables agree except the training times.
    auto withoutTimes = [](const fs::path& csv) {
        std::string text;
        for (auto row : readCsv(csv)) {
            row[10] = "";
            for (const auto& cell : row)
                text += cell + ",";
            text += "\n";
        }
        return text;
    };
    QCOMPARE(withoutTimes(cut / "runs.csv"), withoutTimes(root / "whole" / "runs.csv"));
}

void TestExperiment::brokenRunIsMovedAsideAndRestarted()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeText(root / "one.json", R"({"preset": "z23-quick", "seeds": [0],
        "overrides": {"run.stop_at_grok": true, "run.stop_after_grok_steps": 0},
        "arms": [{"name": "baseline"}]})");
    const fs::path run = root / "exp" / "baseline" / "seed_0";
    writeText(run / runlog::kConfig, "{ truncated");  // as if killed while writing
    const CliResult result = runCli({"experiment", QString::fromStdString((root / "one.json").string()), "--out",
                                     QString::fromStdString((root / "exp").string()), "--quiet"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.output));
    QVERIFY2(result.output.contains("aside"), qPrintable(result.output));
    QCOMPARE(readText(root / "exp" / "baseline" / "seed_0.broken-1" / runlog::kConfig), std::string("{ truncated"));
    QVERIFY(readRunLog(run.string()).firstEvent("finished"));
}

void TestExperiment::summaryPairsArmsWithTheBaseline()
{
    QTemporaryDir dir;
    const fs::path exp = fs::path(dir.path().toStdString()) / "exp";
    writeText(exp / "spec.json", R"({"preset": "z23-quick", "seeds": [0, 1, 2, 3, 4, 5], "arms": [
        {"name": "baseline"},
        {"name": "lever", "overrides": {"intervention.mixing": true}},
        {"name": "other-task", "preset": "z97-add"}]})");
    // Baseline T_grok 1000, 1200, …, 2000; the lever 1500, 1300, 2000, 1500, 2800 and,
    // for seed 5, no grokking in its 4000 steps (censored: T_grok = 4000).
    const long baseline[6] = {1000, 1200, 1400, 1600, 1800, 2000};
    const long lever[5] = {1500, 1300, 2000, 1500, 2800};
    for (int seed = 0; seed < 6; ++seed) {
        const std::string name = "seed_" + std::to_string(seed);
        writeFinishedRun(exp / "baseline" / name, "z23-quick", seed, baseline[seed]);
        if (seed < 5)
            writeFinishedRun(exp / "lever" / name, "z23-quick", seed, lever[seed]);
    }
    writeUngrokkedRun(exp / "lever" / "seed_5", "z23-quick", 5, 4000);
    const CliResult result = runCli({"experiment-summary", QString::fromStdString(exp.string())});
    QVERIFY2(result.exitCode == 0, qPrintable(result.output));

    // ΔT = +500, +100, +600, −100, +1000, +2000 (censored). |ΔT| 100 is tied, so ranks
    // 1.5, 1.5, 3, 4, 5, 6: W = W− = 1.5; normal approximation with σ² = 6·7·13/24 − 6/48
    // = 22.625, z = (1.5 − 10.5 + ½)/σ = −1.78700032617396, p = 0.0739374358521521.
    // Sign test 5 of 6 later: 2·7/64 = 0.21875. Median +550; the percentile bootstrap
    // of the median (recomputed outside C++) [0, +1500].
    const auto row = summaryRow(exp / "summary.csv", "lever");
    QCOMPARE(row.at("paired"), std::string("1"));
    QCOMPARE(row.at("paired_n"), std::string("6"));
    QCOMPARE(row.at("paired_censored"), std::string("1"));
    QCOMPARE(row.at("paired_neither_grokked"), std::string("0"));
    QCOMPARE(row.at("paired_unmatched"), std::string("0"));
    QCOMPARE(row.at("paired_later"), std::string("5"));
    QCOMPARE(row.at("paired_earlier"), std::string("1"));
    QCOMPARE(row.at("paired_tied"), std::string("0"));
    QCOMPARE(row.at("paired_delta_t_median"), std::string("550"));
    QCOMPARE(row.at("paired_delta_t_ci_low"), std::string("0"));
    QCOMPARE(row.at("paired_delta_t_ci_high"), std::string("1500"));
    QCOMPARE(row.at("wilcoxon_w"), std::string("1.5"));
    QVERIFY(std::abs(std::stod(row.at("wilcoxon_p")) - 0.0739374358521521) < 1e-6);
    QCOMPARE(row.at("wilcoxon_method"), std::string("normal"));
    QCOMPARE(row.at("sign_test_p"), std::string("0.21875"));
    // Unpaired, the censored run is left out: 5 grokked.
    QCOMPARE(row.at("grokked"), std::string("5"));
    // An arm with its own preset is not paired; the baseline has no comparison.
    const auto other = summaryRow(exp / "summary.csv", "other-task");
    QCOMPARE(other.at("paired"), std::string("0"));
    QCOMPARE(other.at("wilcoxon_p"), std::string());
    QCOMPARE(summaryRow(exp / "summary.csv", "baseline").at("paired"), std::string("0"));
    // summary.md carries the same row, and says which arm is not paired.
    const std::string markdown = readText(exp / "summary.md");
    QVERIFY2(markdown.find("| lever | 6 | 1 | 5 / 1 / 0 | +550 | [+0, +1500] | 0.0739 (normal) | 0.219 | 0 |")
                 != std::string::npos,
             markdown.c_str());
    QVERIFY(markdown.find("Not paired (another preset or task): other-task.") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestExperiment)
#include "tst_experiment.moc"
