#include "chart_toolbar.h"

#include "qcustomplot_include.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QToolButton>

namespace grokscope::ui {

ChartToolbar::ChartToolbar(Smoothing smoothing, QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("chartToolbar"));
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    m_logStepBox = new QCheckBox(tr("log step"), this);
    m_logStepBox->setObjectName(QStringLiteral("logStep"));
    m_logStepBox->setToolTip(tr("Logarithmic step axis (all charts)"));
    if (smoothing == Smoothing::Offered) {
        m_smoothBox = new QCheckBox(tr("smooth"), this);
        m_smoothBox->setObjectName(QStringLiteral("smooth"));
        m_smoothBox->setToolTip(tr("Overlay an exponential moving average; the raw curve stays visible"));
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

    m_layout = new QHBoxLayout(this);
    m_layout->setContentsMargins(4, 0, 4, 0);
    // The row used to be a layout nested in the chart's, whose spacing of 0 it inherited.
    m_layout->setSpacing(0);
    m_layout->addWidget(m_logStepBox);
    if (m_smoothBox)
        m_layout->addWidget(m_smoothBox);
    m_layout->addWidget(m_followBox);
    m_layout->addStretch(1);
    m_layout->addWidget(m_exportButton);

    connect(m_logStepBox, &QCheckBox::toggled, this, &ChartToolbar::stepAxisLogToggled);
    if (m_smoothBox)
        connect(m_smoothBox, &QCheckBox::toggled, this, &ChartToolbar::smoothingToggled);
    connect(m_followBox, &QCheckBox::toggled, this, [this](bool on) {
        if (on == m_follow)
            return;
        m_follow = on;
        Q_EMIT followToggled(on);
    });
    connect(m_exportButton, &QToolButton::clicked, this, &ChartToolbar::exportRequested);
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

void ChartToolbar::setSmoothingChecked(bool enabled)
{
    if (!m_smoothBox)
        return;
    QSignalBlocker block(m_smoothBox);
    m_smoothBox->setChecked(enabled);
}

}  // namespace grokscope::ui
