#pragma once
// The controls of a replay (run_replayer.h), as a toolbar under the charts: play and
// pause, the speed, and a slider over the run's steps that seeks as it is dragged,
// with the step shown. Visible only while a run is loaded for replay.

#include <QToolBar>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace grokscope::ui {

class RunReplayer;

class ReplayBar : public QToolBar {
    Q_OBJECT
public:
    explicit ReplayBar(RunReplayer* replayer, QWidget* parent = nullptr);

    QToolButton* playButton() const { return m_play; }
    QComboBox* speedBox() const { return m_speed; }
    QSlider* seekSlider() const { return m_slider; }
    QLabel* stepLabel() const { return m_step; }

    // Shown only while the replayer has a log, whatever restoreState or the toolbar
    // menu ask.
    void setVisible(bool visible) override;

private:
    void onOpened(long lastStep);
    void onProgressed(long step, long lastStep);
    void onPlayingChanged(bool playing);

    RunReplayer* m_replayer;
    QToolButton* m_play = nullptr;
    QComboBox* m_speed = nullptr;
    QSlider* m_slider = nullptr;
    QLabel* m_step = nullptr;
};

}  // namespace grokscope::ui
