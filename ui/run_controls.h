#pragma once
// Start, Pause, Resume, Step, Stop and Reset, as actions with keyboard shortcuts
// (shared by the toolbar, the Run menu and the buttons here), plus the step size.

#include "session_types.h"

#include <QWidget>

class QAction;
class QLabel;
class QSpinBox;

namespace grokscope::ui {

class RunControls : public QWidget {
    Q_OBJECT
public:
    explicit RunControls(QWidget* parent = nullptr);

    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* resumeAction() const { return m_resume; }
    QAction* stepAction() const { return m_step; }
    QAction* stopAction() const { return m_stop; }
    QAction* resetAction() const { return m_reset; }
    QList<QAction*> actions() const;

    int stepSize() const;
    // Enables the actions that make sense in `state`; `configValid` gates Start.
    void updateFor(SessionState state, bool configValid);
    void setRunsDirectory(const QString& directory);

Q_SIGNALS:
    void startRequested();
    void pauseRequested();
    void resumeRequested();
    void stepRequested(int steps);
    void stopRequested();
    void resetRequested();
    void changeRunsDirectoryRequested();

private:
    QAction* makeAction(const QString& text, const QKeySequence& shortcut, const QString& tip);

    QAction* m_start = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_resume = nullptr;
    QAction* m_step = nullptr;
    QAction* m_stop = nullptr;
    QAction* m_reset = nullptr;
    QSpinBox* m_stepSize = nullptr;
    QLabel* m_runsDirectory = nullptr;
};

}  // namespace grokscope::ui
