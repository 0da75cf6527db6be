#include "experiment_monitor.h"

#include "message_text.h"
#include "slurm_client.h"
#include "slurm_files.h"

#include "io/run_log.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QTableWidget>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

namespace fs = std::filesystem;

namespace grokscope::ui {

namespace {

constexpr int kRefreshMs = 2000;
// The widest the arm column asks for; longer names are elided.
constexpr int kMaxArmWidth = 200;

// The statuses, asking Slurm when the experiment was submitted there and squeue can be
// run; otherwise from the files alone, as `grokscope-cli experiment-status` does
// (app/cli_experiment_status.cpp), with the same warning.
std::vector<experiment::ExperimentRunStatus> readStatuses(const experiment::ExperimentSpec& spec,
                                                          const std::vector<experiment::PlannedRun>& runs,
                                                          const fs::path& directory, QString& warning)
{
    std::error_code error;
    if (!fs::exists(experiment::SlurmLayout(directory).submissions, error))
        return experiment::experimentStatus(spec, runs, directory, nullptr);
    experiment::SlurmCommands client;
    try {
        if (!experiment::onPath("squeue"))
            throw std::runtime_error("squeue is not on PATH");
        return experiment::experimentStatus(spec, runs, directory, &client);
    } catch (const RunLogError&) {
        throw;  // a corrupt submissions.jsonl
    } catch (const std::runtime_error& slurmError) {
        auto statuses = experiment::experimentStatus(spec, runs, directory, nullptr);
        bool uncertain = false;  // only a submitted run that has not ended could be queued or running
        for (const auto& status : statuses)
            uncertain = uncertain || (!status.job.empty() && !status.ended());
        if (uncertain)
            warning = QObject::tr("Cannot ask Slurm (%1): tasks still queued or running show as cancelled")
                          .arg(oneLine(std::string(slurmError.what())));
        return statuses;
    }
}

// Names may hold '<' and '>': a tooltip is rich text whenever Qt guesses so, so user
// text is always escaped into a rich one.
QString plainToolTip(const QString& text)
{
    return QStringLiteral("<p style='white-space:pre'>") + text.toHtmlEscaped() + QStringLiteral("</p>");
}

QTableWidgetItem* cell(const QString& text, Qt::Alignment alignment)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    item->setTextAlignment(alignment | Qt::AlignVCenter);
    return item;
}

}  // namespace

ExperimentStatusReader::ExperimentStatusReader(int generation, experiment::ExperimentSpec spec,
                                               std::vector<experiment::PlannedRun> runs, fs::path directory)
    : m_generation(generation), m_spec(std::move(spec)), m_runs(std::move(runs)), m_directory(std::move(directory))
{
}

void ExperimentStatusReader::read()
{
    // Nothing throws across threads: a failure is reported in the snapshot.
    QElapsedTimer clock;
    clock.start();
    ExperimentSnapshot snapshot;
    snapshot.generation = m_generation;
    try {
        snapshot.runs = readStatuses(m_spec, m_runs, m_directory, snapshot.warning);
        for (std::size_t a = 0; a < m_spec.arms.size(); ++a) {
            std::vector<experiment::ExperimentRunStatus> arm;
            for (const auto& status : snapshot.runs)
                if (status.armIndex == a)
                    arm.push_back(status);
            snapshot.armCounts << QStringLiteral("%1: %2").arg(QString::fromStdString(m_spec.arms[a].name),
                                                              QString::fromStdString(experiment::countLine(arm)));
        }
    } catch (const std::exception& error) {
        snapshot.runs.clear();
        snapshot.error = oneLine(std::string(error.what()));
    }
    readChangedLogs(snapshot);
    snapshot.readMs = double(clock.nsecsElapsed()) / 1e6;
    Q_EMIT statusRead(snapshot);
}

// A log is reread whole when it grew: at 50,000 steps every 100 it is 500 rows, so a
// 60-run experiment costs a few milliseconds per changed run on this worker thread.
void ExperimentStatusReader::readChangedLogs(ExperimentSnapshot& snapshot)
{
    m_logSizes.resize(m_runs.size(), 0);
    for (std::size_t i = 0; i < m_runs.size(); ++i) {
        const fs::path& directory = m_runs[i].directory;
        std::error_code error;
        std::uintmax_t size = 0;
        for (const char* file : {runlog::kMetrics, runlog::kEvents}) {
            const std::uintmax_t bytes = fs::file_size(directory / file, error);
            size += error ? 0 : bytes;
        }
        if (size == 0 || size == m_logSizes[i])
            continue;
        try {
            const RunLog log = readRunLog(directory.string());
            snapshot.changedLogs.push_back({i, log.evaluations, log.events});
            m_logSizes[i] = size;
        } catch (const std::exception&) {
            // Being written (config.json not yet there): the next reading tries again.
        }
    }
}

ExperimentMonitor::ExperimentMonitor(QWidget* parent) : QWidget(parent)
{
    qRegisterMetaType<ExperimentSnapshot>();
    m_title = new QLabel(tr("No experiment open"), this);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({tr("Arm"), tr("Seed"), tr("State"), tr("Step"), tr("T_grok"), tr("Exit")});
    m_table->verticalHeader()->setVisible(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // The arm column takes what the numbers leave, its names elided in the middle (the
    // whole name is the cell's tooltip): a narrow dock still shows every state.
    m_table->horizontalHeader()->setSectionResizeMode(ArmColumn, QHeaderView::Stretch);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setWordWrap(false);
    m_table->setToolTip(tr("Double-click a run to open it in the charts"));
    m_counts = new QLabel(this);
    m_counts->setWordWrap(true);
    m_counts->setTextFormat(Qt::PlainText);  // arm names are user text
    m_counts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->hide();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_counts);
    layout->addWidget(m_note);

    m_timer = new QTimer(this);
    m_timer->setInterval(kRefreshMs);
    connect(m_timer, &QTimer::timeout, this, &ExperimentMonitor::refresh);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) { activateRow(row); });
}

ExperimentMonitor::~ExperimentMonitor() { stopReader(); }

void ExperimentMonitor::stopReader()
{
    m_timer->stop();
    if (!m_thread)
        return;
    m_thread->quit();
    m_thread->wait();  // a reading under way ends first: it touches only its own copies
    delete m_reader;
    delete m_thread;
    m_reader = nullptr;
    m_thread = nullptr;
    m_reading = false;
}

QString ExperimentMonitor::open(const QString& directory)
{
    const QString shown = QDir::toNativeSeparators(directory);
    const fs::path root = fs::absolute(fs::path(directory.toStdString())).lexically_normal();
    if (!QFileInfo(QDir(directory).filePath(QStringLiteral("spec.json"))).isFile())
        return tr("%1 is not an experiment directory (it has no spec.json)").arg(shown);
    experiment::ExperimentSpec spec;
    std::vector<experiment::PlannedRun> runs;
    try {
        spec = experiment::loadSpec((root / "spec.json").string());
        runs = experiment::planRuns(spec, root);
    } catch (const std::exception& error) {
        return oneLine(std::string(error.what()));  // names spec.json and the key at fault
    }

    stopReader();
    ++m_generation;
    m_directory = QString::fromStdString(root.string());
    m_runs = runs;
    m_armNames.clear();
    for (const auto& arm : spec.arms)
        m_armNames << QString::fromStdString(arm.name);
    m_snapshot = ExperimentSnapshot();
    const bool slurm = fs::exists(experiment::SlurmLayout(root).submissions);
    m_title->setText(tr("<b>%1</b> — %2 (%n run(s), %3)", nullptr, int(runs.size()))
                         .arg(QString::fromStdString(spec.name).toHtmlEscaped(),
                              QDir::toNativeSeparators(m_directory).toHtmlEscaped(),
                              slurm ? tr("Slurm") : tr("local")));
    m_title->setToolTip(plainToolTip(QDir::toNativeSeparators(m_directory)));
    m_table->clearContents();
    m_table->setRowCount(int(runs.size()));
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const QString arm = QString::fromStdString(spec.arms[runs[i].arm].name);
        m_table->setItem(int(i), ArmColumn, cell(arm, Qt::AlignLeft));
        m_table->item(int(i), ArmColumn)->setToolTip(plainToolTip(arm));
        m_table->setItem(int(i), SeedColumn, cell(QString::number(runs[i].seed), Qt::AlignRight));
        m_table->setItem(int(i), StateColumn, cell(tr("reading…"), Qt::AlignLeft));
        for (int column : {StepColumn, TGrokColumn, ExitColumn})
            m_table->setItem(int(i), column, cell(QString(), Qt::AlignRight));
    }
    m_counts->clear();
    m_note->hide();

    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("experiment status"));
    m_reader = new ExperimentStatusReader(m_generation, std::move(spec), std::move(runs), root);
    m_reader->moveToThread(m_thread);
    connect(m_reader, &ExperimentStatusReader::statusRead, this, &ExperimentMonitor::show, Qt::QueuedConnection);
    m_thread->start();
    refresh();
    m_timer->start();
    return QString();
}

int ExperimentMonitor::preferredWidth() const
{
    const QFontMetrics metrics = m_table->fontMetrics();
    const int cellMargins = 2 * metrics.horizontalAdvance(QLatin1Char('M'));
    int columns = 0;
    for (int column = 0; column < ColumnCount; ++column) {
        int widest = m_table->horizontalHeader()->sectionSizeHint(column);
        for (int row = 0; row < m_table->rowCount(); ++row)
            widest = std::max(widest, metrics.horizontalAdvance(m_table->item(row, column)->text()) + cellMargins);
        columns += column == ArmColumn ? std::min(kMaxArmWidth, widest) : widest;
    }
    return columns + m_table->verticalScrollBar()->sizeHint().width() + 2 * m_table->frameWidth()
           + layout()->contentsMargins().left() + layout()->contentsMargins().right();
}

bool ExperimentMonitor::isFollowing() const { return m_timer->isActive(); }

void ExperimentMonitor::refresh()
{
    if (!m_reader || m_reading)  // one reading at a time, however slow the filesystem
        return;
    m_reading = true;
    QMetaObject::invokeMethod(m_reader, &ExperimentStatusReader::read, Qt::QueuedConnection);
}

void ExperimentMonitor::show(const ExperimentSnapshot& snapshot)
{
    if (snapshot.generation != m_generation)
        return;
    m_reading = false;
    ++m_readings;
    m_snapshot = snapshot;
    const QString note = snapshot.error.isEmpty() ? snapshot.warning : snapshot.error;
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
    if (!snapshot.error.isEmpty()) {  // keep the last rows; try again at the next tick
        Q_EMIT refreshed();
        return;
    }
    bool allEnded = true;
    const int rows = std::min(m_table->rowCount(), int(snapshot.runs.size()));
    for (int row = 0; row < rows; ++row) {
        const auto& status = snapshot.runs[std::size_t(row)];
        allEnded = allEnded && status.ended();
        // Texts are set in place, so the selection and the scroll position survive a refresh.
        m_table->item(row, StateColumn)->setText(QString::fromStdString(experiment::describeRunState(status)));
        QString tip = QString::fromStdString(status.detail);
        if (!status.job.empty())
            tip += (tip.isEmpty() ? QString() : QStringLiteral("\n"))
                   + tr("Slurm job %1").arg(QString::fromStdString(status.job));
        if (status.resumable)
            tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + tr("resumable from its checkpoint");
        m_table->item(row, StateColumn)->setToolTip(plainToolTip(tip));
        const bool started =
            status.state != experiment::RunState::NotSubmitted && status.state != experiment::RunState::Pending;
        m_table->item(row, StepColumn)->setText(started ? QString::number(status.step) : QString());
        m_table->item(row, TGrokColumn)->setText(status.tGrok ? QString::number(*status.tGrok) : QString());
        m_table->item(row, ExitColumn)->setText(status.exitCode ? QString::number(*status.exitCode) : QString());
    }
    m_counts->setText(snapshot.armCounts.join(QLatin1Char('\n')));
    if (allEnded)
        m_timer->stop();
    Q_EMIT refreshed();
}

void ExperimentMonitor::activateRow(int row)
{
    if (row < 0 || std::size_t(row) >= m_runs.size())
        return;
    const fs::path& directory = m_runs[std::size_t(row)].directory;
    std::error_code error;
    if (!fs::is_regular_file(directory / runlog::kConfig, error)) {
        m_note->setText(tr("%1 has not started: there is no run log to open yet")
                            .arg(QDir::toNativeSeparators(QString::fromStdString(directory.string()))));
        m_note->show();
        return;
    }
    Q_EMIT runActivated(QString::fromStdString(directory.string()));
}

}  // namespace grokscope::ui
