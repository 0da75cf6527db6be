#pragma once
// What the real-cluster experiment tests (tst_slurm_experiment.cpp) read back from an
// experiment directory: summaries without their wall-time cells, run logs, file times,
// DIR/slurm/submissions.jsonl and experiment-status listings.

#include "test_files.h"

#include "io/run_log.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>

inline void writeFile(const QString& path, const QString& text)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text.toUtf8());
}

inline std::string read(const QString& path) { return readText(path.toStdString()); }

// summary.md without the Runs table's last column, "training s" (wall time).
inline std::string withoutTrainingSeconds(const std::string& markdown)
{
    std::istringstream in(markdown);
    std::string line, kept;
    bool inRuns = false;
    while (std::getline(in, line)) {
        inRuns = inRuns || line == "## Runs";
        if (inRuns && line.size() > 2 && line.compare(line.size() - 2, 2, " |") == 0) {
            const auto lastCell = line.rfind('|', line.size() - 3);
            line = line.substr(0, lastCell + 1);
        }
        kept += line + "\n";
    }
    return kept;
}

// The run log in `directory`; empty (no config, no events) when it cannot be read, so
// that the test fails on what is missing instead of aborting on the exception.
inline grokscope::RunLog runLog(const std::string& directory)
{
    try {
        return grokscope::readRunLog(directory);
    } catch (const std::exception& e) {
        qWarning("%s", e.what());
        return grokscope::RunLog();
    }
}

// When `path` was last written; the latest time there is when it does not exist.
inline std::filesystem::file_time_type writtenAt(const std::filesystem::path& path)
{
    std::error_code error;
    const std::filesystem::file_time_type time = std::filesystem::last_write_time(path, error);
    return error ? std::filesystem::file_time_type::max() : time;
}

// The newest modification time of any file under `directory`.
inline std::filesystem::file_time_type newestUnder(const std::filesystem::path& directory)
{
    std::filesystem::file_time_type newest = std::filesystem::file_time_type::min();
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(directory, error);
         !error && it != std::filesystem::end(it); it.increment(error))
        newest = std::max(newest, writtenAt(it->path()));
    return newest;
}

// DIR/slurm/submissions.jsonl, one object per sbatch call.
inline QList<QJsonObject> submissions(const QString& experiment)
{
    QList<QJsonObject> lines;
    QFile file(experiment + "/slurm/submissions.jsonl");
    if (file.open(QIODevice::ReadOnly))
        for (const QByteArray& line : file.readAll().split('\n'))
            if (!line.trimmed().isEmpty())
                lines << QJsonDocument::fromJson(line).object();
    return lines;
}

// The state experiment-status prints for one run ("<arm>  seed <s>  <state>"), or empty.
inline QString statusLine(const QString& listing, const QString& arm, int seed)
{
    const QRegularExpression line("^\\s*" + QRegularExpression::escape(arm) + "\\s+seed " + QString::number(seed)
                                      + "\\s+(.+?)\\s*$",
                                  QRegularExpression::MultilineOption);
    return line.match(listing).captured(1);
}

// Files named PWNED* anywhere under `root` (not following links).
inline QStringList pwnedUnder(const QString& root)
{
    QStringList found;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(root.toStdString(), error);
         !error && it != std::filesystem::end(it); it.increment(error))
        if (it->path().filename().string().rfind("PWNED", 0) == 0)
            found << QString::fromStdString(it->path().string());
    return found;
}

