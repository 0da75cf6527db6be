#include "chart_toolbar.h"

#include "qcustomplot_include.h"

#include "smoothing.h"

#include <QCheckBox>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolButton>

#include <cmath>

namespace grokscope::ui {

ChartToolbar::ChartToolbar(Smoothing smoothing, QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("chartToolbar"));
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    m_logStepBox = new QCheckBox(tr("log step"), this);
    m_logStepBox->setObjectName(QStringLiteral("logStep"));
    m_logStepBox->setToolTip(tr("Logarithmic step axis (all charts)"));
    if (smoothing == Smoothing::Offered) {
        m_smoothSlider = new QSlider(Qt::Horizontal, this);
        m_smoothSlider->setObjectName(QStringLiteral("smooth"));
        m_smoothSlider->setRange(0, kSmoothingSliderSteps);
        m_smoothSlider->setPageStep(10);
        m_smoothSlider->setMaximumWidth(90);
        m_smoothSlider->setMinimumWidth(24);  // it gives way first in a narrow chart
        m_smoothSlider->setFocusPolicy(Qt::StrongFocus);
        m_smoothSlider->installEventFilter(this);
        const QString tip = tr("Smoothing: the weight of an exponential moving average drawn over the "
                               "raw curve, which stays visible (0 = off; all charts)");
        m_smoothSlider->setToolTip(tip);
        // One label, "smooth 0.60" or "smooth off", before the slider: narrow charts need the room.
        m_smoothValue = new QLabel(this);
        m_smoothValue->setObjectName(QStringLiteral("smoothValue"));
        m_smoothValue->setToolTip(tip);
        m_smoothValue->setBuddy(m_smoothSlider);
        m_smoothValue->setMinimumWidth(QFontMetrics(m_smoothValue->font()).horizontalAdvance(tr("smooth 0.00") + QStringLiteral(" ")));
        showSmoothingWeight();
    }
    m_followBox = new QCheckBox(tr("follow"), this);
    m_followBox->setObjectName(QStringLiteral("follow"));
    m_followBox->setChecked(true);
    m_followBox->setToolTip(tr("Fit the axes to the data as it arrives. Dragging or zooming turns this off; "
                               "double-click the chart to turn it back on."));
    m_exportButton = new QToolButton(this);
    m_exportButton->setObjectName(QStringLiteral("export"));
    m_exportButton->setText(tr("Export…"));
    m_exportButton->setToolTip(tr("Export this chart as PNG, SVG or PDF"));
    m_exportButton->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);  // never cut to "Exp…"

    m_layout = new QHBoxLayout(this);
    m_layout->setContentsMargins(4, 0, 4, 0);
    // The row used to be a layout nested in the chart's, whose spacing of 0 it inherited.
    m_layout->setSpacing(0);
    m_layout->addWidget(m_logStepBox);
    if (m_smoothSlider) {
        m_layout->addSpacing(4);
        m_layout->addWidget(m_smoothValue);
        m_layout->addWidget(m_smoothSlider);
        m_layout->addSpacing(4);
    }
    m_layout->addWidget(m_followBox);
    m_layout->addStretch(1);
    m_layout->addWidget(m_exportButton);

    connect(m_logStepBox, &QCheckBox::toggled, this, &ChartToolbar::stepAxisLogToggled);
    if (m_smoothSlider) {
        connect(m_smoothSlider, &QSlider::valueChanged, this, [this] {
            showSmoothingWeight();
            Q_EMIT smoothingWeightChanged(smoothingWeight());
        });
    }
    connect(m_followBox, &QCheckBox::toggled, this, [this](bool on) {
        if (on == m_follow)
            return;
        m_follow = on;
        Q_EMIT followToggled(on);
    });
    connect(m_exportButton, &QToolButton::clicked, this, &ChartToolbar::exportRequested);
}

bool ChartToolbar::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_smoothSlider && event->type() == QEvent::Wheel && !m_smoothSlider->hasFocus()) {
        // Consumed but not accepted: Qt offers the wheel to the parents, as wheel_guard.cpp does.
        event->ignore();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ChartToolbar::watchStepAxis(QCPAxis* stepAxis, QCustomPlot* plot)
{
    m_stepAxis = stepAxis;
    connect(stepAxis, QOverload<const QCPRange&>::of(&QCPAxis::rangeChanged), this, [this](const QCPRange& range) {
        if (m_applyingRange)
            return;
        userMovedAnAxis();
        Q_EMIT stepRangeChangedByUser(range.lower, range.upper);
    });
    connect(plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        setFollow(true);
        Q_EMIT followToggled(true);
    });
}

void ChartToolbar::watchValueAxis(QCPAxis* valueAxis)
{
    connect(valueAxis, QOverload<const QCPRange&>::of(&QCPAxis::rangeChanged), this, [this](const QCPRange&) {
        if (!m_applyingRange)
            userMovedAnAxis();
    });
}

void ChartToolbar::userMovedAnAxis()
{
    if (!m_follow)
        return;
    setFollow(false);
    Q_EMIT followToggled(false);
}

void ChartToolbar::addTrailingWidget(QWidget* widget)
{
    m_layout->insertWidget(m_layout->indexOf(m_exportButton), widget);
}

void ChartToolbar::setFollow(bool follow)
{
    m_follow = follow;
    QSignalBlocker block(m_followBox);
    m_followBox->setChecked(follow);
}

void ChartToolbar::setStepAxisLog(bool logarithmic)
{
    m_stepLog = logarithmic;
    {
        QSignalBlocker block(m_logStepBox);
        m_logStepBox->setChecked(logarithmic);
    }
    if (!m_stepAxis)
        return;
    ProgrammaticRange own(*this);
    m_stepAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logarithmic)
        m_stepAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        m_stepAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
}

double ChartToolbar::smoothingWeight() const
{
    return m_smoothSlider ? m_smoothSlider->value() / 100.0 : 0.0;
}

void ChartToolbar::setSmoothingWeight(double weight)
{
    if (!m_smoothSlider)
        return;
    {
        QSignalBlocker block(m_smoothSlider);
        m_smoothSlider->setValue(static_cast<int>(std::lround(EmaSmoother::clampWeight(weight) * 100.0)));
    }
    showSmoothingWeight();
}

void ChartToolbar::showSmoothingWeight()
{
    const int value = m_smoothSlider->value();
    m_smoothValue->setText(value == 0 ? tr("smooth off") : tr("smooth %1").arg(value / 100.0, 0, 'f', 2));
}

}  // namespace grokscope::ui
