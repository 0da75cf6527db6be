// grokscope-cli's usage, driven as a user would: every command prints its own usage
// on --help and does nothing else, an unknown option is a one-line error with exit
// code 2, --version names the version and the git revision, and the overview lists
// the commands.

#include "cli_process.h"

#include <QDir>
#include <QRegularExpression>
#include <QtTest>
#include <QTemporaryDir>

namespace {

const QStringList kCommands = {"run",       "resume",           "dataset",           "summary",
                               "forecast",  "experiment",       "replicate",         "experiment-summary",
                               "experiment-status", "experiment-cancel", "config", "presets", "keys"};
// Commands with their own --help that the overview leaves out: the Slurm backend's
// batch scripts run experiment-task, a user does not.
const QStringList kHiddenCommands = {"experiment-task"};

CliResult runCliIn(const QTemporaryDir& directory, const QStringList& arguments)
{
    return runCliWithin(arguments, 60000, directory.path());
}

// The CLI's whole answer is one line "error: ..." containing `expected`.
bool isOneLineError(const CliResult& result, const QString& expected)
{
    const QString text = result.output.trimmed();
    return text.startsWith(QStringLiteral("error: ")) && !text.contains('\n') && text.contains(expected);
}

}  // namespace

class TestCliUsage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyCommandHasItsOwnHelp_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("extra");
        for (const QString& command : kCommands + kHiddenCommands) {
            QTest::newRow(qPrintable(command + " --help")) << command << QStringList{"--help"};
            QTest::newRow(qPrintable(command + " -h")) << command << QStringList{"-h"};
        }
        // Help wins over everything else on the line: nothing runs, nothing is written.
        QTest::newRow("run with options") << "run" << QStringList{"--preset", "z23-quick", "--out", "x", "--help"};
        QTest::newRow("replicate with --out") << "replicate" << QStringList{"--out", "x", "--seeds", "2", "--help"};
        QTest::newRow("experiment with a spec") << "experiment" << QStringList{"spec.json", "--out", "x", "--help"};
    }

    void everyCommandHasItsOwnHelp()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, extra);
        QTemporaryDir directory;
        const CliResult result = runCliIn(directory, QStringList{command} + extra);
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.output.startsWith(QStringLiteral("usage: grokscope-cli ") + command + ' ')
                     || result.output.startsWith(QStringLiteral("usage: grokscope-cli ") + command + '\n'),
                 qPrintable(result.output));
        QVERIFY2(result.output.count('\n') > 1, qPrintable(result.output));
        QVERIFY2(!result.output.contains(QStringLiteral("error:")), qPrintable(result.output));
        QCOMPARE(QDir(directory.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
    }

    void unknownOptionIsAOneLineUsageError_data()
    {
        QTest::addColumn<QString>("command");
        for (const QString& command : kCommands + kHiddenCommands)
            QTest::newRow(qPrintable(command)) << command;
    }

    void unknownOptionIsAOneLineUsageError()
    {
        QFETCH(QString, command);
        QTemporaryDir directory;
        // Alone at the end too: an unknown option must not be read as one that takes a
        // value ("expected a value after it").
        for (const QStringList& option : {QStringList{"--bogus", "1"}, QStringList{"--bogus=1"}, QStringList{"--bogus"}}) {
            const CliResult result = runCliIn(directory, QStringList{command} + option);
            QCOMPARE(result.exitCode, 2);
            QVERIFY2(isOneLineError(result, command + ": unknown option --bogus; grokscope-cli " + command + " --help"),
                     qPrintable(result.output));
        }
        QCOMPARE(QDir(directory.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
    }

    void anUnknownOptionDoesNotSwallowTheNextOne()
    {
        // `run --bogus --steps 10` names --bogus; it must not train with "--steps" as
        // --bogus's value and 10 as a stray word.
        QTemporaryDir directory;
        const CliResult result = runCliIn(directory, {"run", "--bogus", "--steps", "10", "--out", "x"});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(isOneLineError(result, "run: unknown option --bogus;"), qPrintable(result.output));
        QVERIFY(!QDir(directory.filePath("x")).exists());
    }

    void aDoubleDashEndsTheOptions()
    {
        // A run directory may hold '=' (an arm named lr=0.01): after "--" it is a path,
        // before it the word reads as a config override. Both backends resume with
        // `resume --quiet -- DIR`.
        QTemporaryDir directory;
        const QString run = directory.filePath("lr=0.01");
        const CliResult trained =
            runCliIn(directory, {"run", "--preset", "z23-quick", "--steps", "20", "--quiet", "--out", run});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.output));
        const CliResult withoutDashes = runCliIn(directory, {"resume", run, "--extra-steps", "10", "--quiet"});
        QCOMPARE(withoutDashes.exitCode, 2);
        const CliResult resumed = runCliIn(directory, {"resume", "--extra-steps", "10", "--quiet", "--", run});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.output));
        const CliResult summary = runCliIn(directory, {"summary", "--", run});
        QVERIFY2(summary.exitCode == 0 && summary.output.contains("step 30"), qPrintable(summary.output));
    }

    void versionNamesTheRevision()
    {
        for (const QString& option : {QStringLiteral("--version"), QStringLiteral("-V")}) {
            const CliResult result = runCliWithin({option}, 60000);
            QCOMPARE(result.exitCode, 0);
            QVERIFY2(QRegularExpression(QStringLiteral("^grokscope-cli \\d+\\.\\d+\\.\\d+ \\(([0-9a-f]{7,40}|unknown)\\)\n$"))
                         .match(result.output)
                         .hasMatch(),
                     qPrintable(result.output));
        }
    }

    void overviewListsTheCommands()
    {
        for (const QString& word : {QStringLiteral("help"), QStringLiteral("--help"), QStringLiteral("-h")}) {
            const CliResult result = runCliWithin({word}, 60000);
            QCOMPARE(result.exitCode, 0);
            for (const QString& command : kCommands)
                QVERIFY2(result.output.contains(QStringLiteral("\n  ") + command + ' '), qPrintable(command));
            for (const QString& command : kHiddenCommands)
                QVERIFY2(!result.output.contains(command), qPrintable(command));
        }
        const CliResult none = runCliWithin({}, 60000);
        QCOMPARE(none.exitCode, 2);
        QVERIFY(none.output.startsWith(QStringLiteral("usage: grokscope-cli COMMAND")));
        const CliResult unknown = runCliWithin({"trian"}, 60000);
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.output.startsWith(QStringLiteral("error: unknown command \"trian\"")));
    }

    void summaryOnlyNamesAMissingDirectory()
    {
        QTemporaryDir directory;
        const QString spec = directory.filePath("spec.json");
        QFile file(spec);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"preset": "z23-quick", "seeds": [0], "arms": [{"name": "a"}]})");
        file.close();
        const QString missing = directory.filePath("no-such-experiment");
        const CliResult result = runCliWithin({"experiment", spec, "--out", missing, "--summary-only"}, 60000);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(isOneLineError(result, missing + ": no such directory"), qPrintable(result.output));
        QVERIFY(!QFileInfo::exists(missing));
    }
};

QTEST_GUILESS_MAIN(TestCliUsage)
#include "tst_cli_usage.moc"
