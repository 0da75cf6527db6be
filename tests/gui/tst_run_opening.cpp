// Opening a saved run in the window: time linear in its events, bounded markers and
// list rows, shortened messages, and a corrupt log refused with one line naming the
// file (exit 3 from `grokscope --open`).
#include "chart_board.h"
#include "chart_panel.h"
#include "main_window.h"
#include "message_text.h"

#include "io/config_json.h"
#include "io/run_log.h"
#include "train/run.h"

#include <QElapsedTimer>
#include <QListWidget>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace grokscope::ui;
namespace fs = std::filesystem;

namespace {

std::string interventionLine(long step)
{
    return "{\"step\":" + std::to_string(step)
           + R"(,"type":"intervention","message":"mixing on","labels":{"kind":"mixing","state":"on"}})";
}

struct GuiResult {
    int exitCode = -1;  // -1 when it crashed or was killed
    QString standardError;
};

// grokscope as a user starts it; one still running after `timeoutMs` is killed.
GuiResult runGui(const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    process.start(QString::fromUtf8(GROKSCOPE_GUI_PATH), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardError())};
}

// What the program printed besides Qt's own notes about the environment.
QStringList ownLines(const QString& output)
{
    QStringList lines;
    for (const QString& line : output.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.startsWith(QStringLiteral("QStandardPaths:")) && !line.contains(QStringLiteral("propagateSizeHints")))
            lines << line;
    return lines;
}

}  // namespace

class TestRunOpening : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    std::string m_base;  // a short finished run
    int m_copies = 0;

    // A copy of the base run with `lines` appended to its events.jsonl.
    QString copyWith(long eventCount, const std::function<std::string(long)>& line)
    {
        const std::string dir = m_tmp.filePath(QStringLiteral("copy%1").arg(++m_copies)).toStdString();
        fs::copy(m_base, dir, fs::copy_options::recursive);
        std::ofstream events(fs::path(dir) / grokscope::runlog::kEvents, std::ios::app);
        for (long i = 0; i < eventCount; ++i)
            events << line(i) << '\n';
        return QString::fromStdString(dir);
    }

    size_t baseEvents() const { return grokscope::readRunLog(m_base).events.size(); }

    // The best of three, in microseconds, against a busy machine's noise.
    static qint64 bestOpeningUs(const QString& directory)
    {
        qint64 best = -1;
        for (int attempt = 0; attempt < 3; ++attempt) {
            MainWindow window;
            QElapsedTimer clock;
            clock.start();
            if (!window.openRun(directory))
                return -1;
            const qint64 us = clock.nsecsElapsed() / 1000;
            best = best < 0 ? us : std::min(best, us);
        }
        return best;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("GrokScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_run_opening"));
        QVERIFY(m_tmp.isValid());
        m_base = m_tmp.filePath(QStringLiteral("base")).toStdString();
        grokscope::TrainConfig config = grokscope::loadPreset("z23-quick");
        config.run.steps = 60;
        auto run = grokscope::Run::start(config, m_base);
        run->advance(config.run.steps);
        run->close(false);
    }

    // More events than a chart draws: the milestones stay, the rest is counted.
    void markersAndRowsAreBounded()
    {
        constexpr long kInterventions = 1200;
        const QString dir = copyWith(kInterventions + 1, [](long i) {
            return i < kInterventions ? interventionLine(i % 60)
                                      : std::string(R"({"step":55,"type":"grokked","message":"grokked"})");
        });
        MainWindow window;
        QVERIFY(window.openRun(dir));
        const ChartPanel* loss = window.board()->chartPanels().front();
        QCOMPARE(window.board()->markerCount(), ChartPanel::kMaxMarkers);
        QVERIFY2(loss->markerLabels().contains(QStringLiteral("T_grok")), "the milestone is drawn first");
        QVERIFY(window.board()->hiddenMarkerCount() >= kInterventions + 1 - ChartPanel::kMaxMarkers);
        QVERIFY(loss->markerNote().contains(QString::number(window.board()->hiddenMarkerCount())));

        // The list shows the first and the last 500 events around one note.
        const long total = static_cast<long>(baseEvents()) + kInterventions + 1;
        QCOMPARE(window.eventList()->count(), 1001);
        QVERIFY(window.eventList()->item(500)->text().contains(QString::number(total - 1000)));
        QVERIFY(window.eventList()->item(1000)->text().contains(QStringLiteral("grokked")));
    }

    // Quadratic work would make ten times the events cost a hundred times the time.
    void openingTimeIsLinearInEvents()
    {
        const QString small = copyWith(2000, [](long i) { return interventionLine(i % 60); });
        const QString large = copyWith(20000, [](long i) { return interventionLine(i % 60); });
        const qint64 smallUs = bestOpeningUs(small);
        const qint64 largeUs = bestOpeningUs(large);
        QVERIFY(smallUs > 0 && largeUs > 0);
        qInfo("opening 2,000 events: %lld us; 20,000 events: %lld us", smallUs, largeUs);
        QVERIFY2(largeUs < 30 * smallUs, qPrintable(QStringLiteral("%1 us against %2 us").arg(largeUs).arg(smallUs)));
    }

    void longMessagesAreShortenedToOneLine()
    {
        const QString dir = copyWith(1, [&](long) {
            return R"({"step":30,"type":"note","message":")" + std::string("start\\n") + std::string(2000000, 'x')
                   + R"(\nend"})";
        });
        MainWindow window;
        QVERIFY(window.openRun(dir));
        QListWidgetItem* row = nullptr;
        for (int i = 0; i < window.eventList()->count(); ++i)
            if (window.eventList()->item(i)->text().contains(QStringLiteral("start")))
                row = window.eventList()->item(i);
        QVERIFY(row);
        QVERIFY2(row->text().size() <= kMaxShownChars + 40, qPrintable(QString::number(row->text().size())));
        QVERIFY(!row->text().contains(QLatin1Char('\n')));
        QVERIFY(row->text().endsWith(QStringLiteral(" end")));
    }

    void corruptLogIsOneMessageNamingTheFile()
    {
        const QString dir = copyWith(2, [](long i) { return i == 0 ? std::string("{not json") : interventionLine(1); });
        MainWindow window;
        const QString error = window.loadRun(dir);
        QVERIFY2(error.contains(QStringLiteral("events.jsonl:")), qPrintable(error));
        QVERIFY(!error.contains(QLatin1Char('\n')));
        QVERIFY(!window.openRun(dir));
        int errorRows = 0;
        for (int i = 0; i < window.eventList()->count(); ++i)
            errorRows += window.eventList()->item(i)->text().startsWith(QStringLiteral("error: ")) ? 1 : 0;
        QCOMPARE(errorRows, 1);
    }

    // `grokscope --open DIR` on a bad directory: exit 3 and one line naming the file,
    // whether or not the window would stay open (--quit).
    void commandLineRefusesBadRunWithExit3()
    {
        const QString corrupt = copyWith(2, [](long i) { return i == 0 ? std::string("{not json") : interventionLine(1); });
        const QString missing = m_tmp.filePath(QStringLiteral("no-such-run"));
        const QString events = QDir::toNativeSeparators(QDir(corrupt).filePath(QStringLiteral("events.jsonl")));
        for (const QStringList& arguments :
             {QStringList{QStringLiteral("--open"), corrupt, QStringLiteral("--quit")},
              QStringList{QStringLiteral("--open"), corrupt},
              QStringList{QStringLiteral("--open"), QString::fromStdString(m_base), QStringLiteral("--overlay"), corrupt},
              QStringList{QStringLiteral("--open"), missing}}) {
            const GuiResult result = runGui(arguments, 20000);
            const QStringList lines = ownLines(result.standardError);
            QVERIFY2(result.exitCode == 3, qPrintable(arguments.join(QLatin1Char(' ')) + QStringLiteral(" → exit %1: ")
                                                          .arg(result.exitCode) + result.standardError));
            QCOMPARE(lines.size(), 1);
            QVERIFY2(lines.first().startsWith(QStringLiteral("error: ")), qPrintable(lines.first()));
            const QString named = arguments.at(1) == missing ? missing : events;
            QVERIFY2(lines.first().contains(named), qPrintable(lines.first()));
        }
        // A good run still opens, and --quit ends the program after the screenshot.
        const QString png = m_tmp.filePath(QStringLiteral("shot.png"));
        const GuiResult good = runGui({QStringLiteral("--open"), QString::fromStdString(m_base), QStringLiteral("--screenshot"),
                                       png, QStringLiteral("--quit")},
                                      60000);
        QCOMPARE(good.exitCode, 0);
        QVERIFY(QFile::exists(png));
    }

    void helpAndVersionNeedNoDisplay()
    {
        // As over ssh without X: the xcb platform and no display, where a QApplication
        // aborts. --help and --version only print.
        for (const QString& flag : {QStringLiteral("--help"), QStringLiteral("--version")}) {
            QProcess process;
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            environment.remove(QStringLiteral("DISPLAY"));
            environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
            environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
            process.setProcessEnvironment(environment);
            process.start(QString::fromUtf8(GROKSCOPE_GUI_PATH), {flag});
            QVERIFY(process.waitForFinished(20000));
            const QString output = QString::fromUtf8(process.readAllStandardOutput());
            QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                     qPrintable(flag + QStringLiteral(": ") + QString::fromUtf8(process.readAllStandardError())));
            QVERIFY2(output.contains(flag == QStringLiteral("--help") ? QStringLiteral("--open-experiment")
                                                                       : QStringLiteral("grokscope 0.")),
                     qPrintable(output));
        }
    }

    void aFolderArgumentOpensTheRun()
    {
        // The desktop file's `Exec=grokscope %F`: a folder named without an option opens.
        const QString png = m_tmp.filePath(QStringLiteral("folder.png"));
        const GuiResult good = runGui({QString::fromStdString(m_base), QStringLiteral("--screenshot"), png,
                                       QStringLiteral("--quit")},
                                      60000);
        QVERIFY2(good.exitCode == 0, qPrintable(good.standardError));
        QVERIFY(QFile::exists(png));
        const QString missing = m_tmp.filePath(QStringLiteral("no-such-folder"));
        const GuiResult bad = runGui({missing, QStringLiteral("--quit")}, 20000);
        QCOMPARE(bad.exitCode, 3);
        QVERIFY2(ownLines(bad.standardError).value(0).contains(missing), qPrintable(bad.standardError));
    }
};

QTEST_MAIN(TestRunOpening)
#include "tst_run_opening.moc"
