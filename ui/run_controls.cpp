#include "run_controls.h"

#include "wheel_guard.h"

#include <QAction>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace grokscope::ui {

RunControls::RunControls(QWidget* parent) : QWidget(parent)
{
    m_start = makeAction(tr("Start"), QKeySequence(Qt::Key_F5), tr("Start a new run with the config on the left"));
    m_pause = makeAction(tr("Pause"), QKeySequence(Qt::Key_F6), tr("Pause training"));
    m_resume = makeAction(tr("Resume"), QKeySequence(Qt::Key_F7), tr("Resume training"));
    m_step = makeAction(tr("Step"), QKeySequence(Qt::Key_F8), tr("Train the given number of steps, then pause"));
    m_stop = makeAction(tr("Stop"), QKeySequence(Qt::SHIFT | Qt::Key_F5), tr("Stop the run and write its final checkpoint"));
    m_reset = makeAction(tr("Reset"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), tr("Clear the charts for a new run"));
    connect(m_start, &QAction::triggered, this, &RunControls::startRequested);
    connect(m_pause, &QAction::triggered, this, &RunControls::pauseRequested);
    connect(m_resume, &QAction::triggered, this, &RunControls::resumeRequested);
    connect(m_step, &QAction::triggered, this, [this] { Q_EMIT stepRequested(stepSize()); });
    connect(m_stop, &QAction::triggered, this, &RunControls::stopRequested);
    connect(m_reset, &QAction::triggered, this, &RunControls::resetRequested);

    auto* buttons = new QGridLayout;
    const QList<QAction*> list = actions();
    for (int i = 0; i < list.size(); ++i) {
        auto* button = new QToolButton(this);
        button->setDefaultAction(list[i]);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        buttons->addWidget(button, i / 3, i % 3);
    }
    m_stepSize = new QSpinBox(this);
    m_stepSize->setRange(1, 100000);
    m_stepSize->setValue(100);
    m_stepSize->setSuffix(tr(" steps"));
    m_stepSize->setToolTip(tr("How many steps one press of Step trains"));
    auto* stepRow = new QHBoxLayout;
    stepRow->addWidget(new QLabel(tr("Step by"), this));
    stepRow->addWidget(m_stepSize, 1);
    m_runsDirectory = new QLabel(this);
    m_runsDirectory->setWordWrap(true);
    m_runsDirectory->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* change = new QToolButton(this);
    change->setText(tr("Change…"));
    change->setToolTip(tr("Choose the folder new runs are written to"));
    connect(change, &QToolButton::clicked, this, &RunControls::changeRunsDirectoryRequested);
    auto* runsRow = new QHBoxLayout;
    runsRow->addWidget(m_runsDirectory, 1);
    runsRow->addWidget(change);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(buttons);
    layout->addLayout(stepRow);
    layout->addLayout(runsRow);
    updateFor(SessionState::Idle, true);
    installWheelGuard(this);
}

QAction* RunControls::makeAction(const QString& text, const QKeySequence& shortcut, const QString& tip)
{
    auto* action = new QAction(text, this);
    action->setShortcut(shortcut);
    action->setShortcutContext(Qt::ApplicationShortcut);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, shortcut.toString(QKeySequence::NativeText)));
    return action;
}

QList<QAction*> RunControls::actions() const { return {m_start, m_pause, m_resume, m_step, m_stop, m_reset}; }

int RunControls::stepSize() const { return m_stepSize->value(); }

void RunControls::updateFor(SessionState state, bool configValid)
{
    m_start->setEnabled(configValid && (state == SessionState::Idle || state == SessionState::Finished));
    m_pause->setEnabled(state == SessionState::Running);
    m_resume->setEnabled(state == SessionState::Paused);
    m_step->setEnabled(state == SessionState::Paused);
    m_stop->setEnabled(state == SessionState::Running || state == SessionState::Paused);
    m_reset->setEnabled(state != SessionState::Running);
}

void RunControls::setRunsDirectory(const QString& directory)
{
    m_runsDirectory->setText(tr("Runs are written to %1").arg(directory));
    m_runsDirectory->setToolTip(directory);
}

}  // namespace grokscope::ui
