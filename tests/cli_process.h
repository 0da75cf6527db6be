#pragma once
// grokscope-cli run as a child process, as a user runs it: for the tests that drive
// the CLI (GROKSCOPE_CLI_PATH is set for them in tests/CMakeLists.txt).

#include <QProcess>
#include <QString>
#include <QStringList>

struct CliResult {
    int exitCode = -1;  // -1 when the CLI crashed or was killed
    QString output;     // stdout and stderr together
};

// A CLI still running after `timeoutMs` is killed, so a hang fails the test here and
// not later through missing files.
// `workingDirectory` empty: the test's own.
inline CliResult runCliWithin(const QStringList& arguments, int timeoutMs, const QString& workingDirectory = QString())
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    process.start(QString::fromUtf8(GROKSCOPE_CLI_PATH), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAll())};
}
