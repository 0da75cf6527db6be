#include "replay_bar.h"

#include "run_replayer.h"
#include "wheel_guard.h"

#include <QComboBox>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

#include <algorithm>
#include <climits>

namespace grokscope::ui {

namespace {
constexpr double kSpeeds[] = {0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0};
}

ReplayBar::ReplayBar(RunReplayer* replayer, QWidget* parent) : QToolBar(tr("Replay"), parent), m_replayer(replayer)
{
    setObjectName(QStringLiteral("replayBar"));
    setMovable(false);

    m_play = new QToolButton(this);
    m_play->setObjectName(QStringLiteral("replayPlay"));
    m_play->setAutoRaise(true);
    addWidget(m_play);

    m_speed = new QComboBox(this);
    m_speed->setObjectName(QStringLiteral("replaySpeed"));
    m_speed->setToolTip(tr("Replay speed; 1× shows %1 evaluations a second")
                            .arg(RunReplayer::kEvaluationsPerSecondAt1x));
    for (double speed : kSpeeds)
        m_speed->addItem(QStringLiteral("%1×").arg(QLocale().toString(speed)), speed);
    m_speed->setCurrentIndex(m_speed->findData(1.0));
    addWidget(m_speed);

    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("replaySeek"));
    m_slider->setToolTip(tr("Drag to show the run up to a step"));
    m_slider->setMinimumWidth(160);
    addWidget(m_slider);

    m_step = new QLabel(this);
    m_step->setObjectName(QStringLiteral("replayStep"));
    m_step->setMinimumWidth(m_step->fontMetrics().horizontalAdvance(QStringLiteral("step 1,000,000 / 1,000,000")));
    addWidget(m_step);

    connect(m_play, &QToolButton::clicked, this, [this] {
        if (m_replayer->isPlaying())
            m_replayer->pause();
        else
            m_replayer->play();
    });
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this] { m_replayer->setSpeed(m_speed->currentData().toDouble()); });
    // Every move of the handle seeks, so the charts follow the drag; so do clicks on
    // the groove and the keyboard (actionTriggered), but not the bar's own updates.
    connect(m_slider, &QSlider::actionTriggered, this, [this] {
        m_replayer->seekToStep(m_slider->sliderPosition());
    });
    connect(m_replayer, &RunReplayer::opened, this, &ReplayBar::onOpened);
    connect(m_replayer, &RunReplayer::progressed, this, &ReplayBar::onProgressed);
    connect(m_replayer, &RunReplayer::playingChanged, this, &ReplayBar::onPlayingChanged);
    connect(m_replayer, &RunReplayer::stopped, this, &ReplayBar::hide);
    installWheelGuard(this);  // scrolling past the speed box leaves it alone
    onPlayingChanged(false);
    QToolBar::setVisible(false);
}

void ReplayBar::setVisible(bool visible) { QToolBar::setVisible(visible && m_replayer->isLoaded()); }

void ReplayBar::onOpened(long lastStep)
{
    {
        const QSignalBlocker block(m_slider);
        m_slider->setRange(0, int(std::min<long>(lastStep, INT_MAX)));
        m_slider->setPageStep(std::max(1, m_slider->maximum() / 20));
        m_slider->setSingleStep(std::max(1, m_slider->maximum() / 200));
        m_slider->setValue(0);
    }
    m_replayer->setSpeed(m_speed->currentData().toDouble());
    show();
}

void ReplayBar::onProgressed(long step, long lastStep)
{
    if (!m_slider->isSliderDown()) {
        const QSignalBlocker block(m_slider);
        m_slider->setValue(int(std::min<long>(step, INT_MAX)));
    }
    m_step->setText(tr("step %1 / %2").arg(QLocale().toString(qlonglong(step)), QLocale().toString(qlonglong(lastStep))));
}

void ReplayBar::onPlayingChanged(bool playing)
{
    m_play->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_play->setText(playing ? tr("Pause") : tr("Play"));
    m_play->setToolTip(playing ? tr("Pause the replay") : tr("Play the replay"));
}

}  // namespace grokscope::ui
