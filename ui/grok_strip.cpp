#include "grok_strip.h"

#include "metrics/statistics.h"
#include "qcustomplot_include.h"

#include <QVBoxLayout>

#include <algorithm>

namespace grokscope::ui {


GrokStrip::GrokStrip(QWidget* parent) : QWidget(parent)
{
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("grokStrip"));
    m_plot->setMinimumHeight(90);
    m_plot->xAxis->setLabel(tr("T_grok (step)"));
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_plot->yAxis->setRangeReversed(true);  // the spec's first arm on top
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->setToolTip(tr("Each dot is a seed's T_grok, the bar its arm's median"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
}

void GrokStrip::setArms(const QVector<ArmGrokSteps>& arms)
{
    m_plot->clearGraphs();
    m_plot->clearItems();
    m_summaries.clear();
    auto ticker = qSharedPointerCast<QCPAxisTickerText>(m_plot->yAxis->ticker());
    ticker->clear();
    double lowest = 0.0, highest = 1.0;
    bool any = false;
    int row = 0;
    for (const ArmGrokSteps& arm : arms) {
        if (!arm.shown)
            continue;
        QString summary = tr("%1: %2/%3 grokked").arg(arm.name).arg(arm.grokSteps.size()).arg(arm.seeds);
        ticker->addTick(row, arm.name);
        if (!arm.grokSteps.isEmpty()) {
            QCPGraph* dots = m_plot->addGraph();
            dots->setLineStyle(QCPGraph::lsNone);
            dots->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, arm.colour, arm.colour, 7));
            QVector<double> ys;
            // A small alternating offset keeps equal steps apart.
            for (int i = 0; i < arm.grokSteps.size(); ++i)
                ys << row + ((i % 3) - 1) * 0.12;
            dots->setData(arm.grokSteps, ys);
            const double middle = grokscope::median(std::vector<double>(arm.grokSteps.begin(), arm.grokSteps.end()));
            auto* bar = new QCPItemLine(m_plot);
            bar->start->setCoords(middle, row - 0.35);
            bar->end->setCoords(middle, row + 0.35);
            bar->setPen(QPen(arm.colour.darker(130), 2.5));
            summary += tr(", median %L1").arg(middle, 0, 'f', 0);
            const auto [low, high] = std::minmax_element(arm.grokSteps.begin(), arm.grokSteps.end());
            lowest = any ? std::min(lowest, *low) : *low;
            highest = any ? std::max(highest, *high) : *high;
            any = true;
        }
        m_summaries << summary;
        ++row;
    }
    const double pad = std::max(100.0, 0.08 * (highest - lowest));
    m_plot->xAxis->setRange(any ? lowest - pad : 0.0, any ? highest + pad : 1.0);
    m_plot->yAxis->setRange(-0.6, std::max(row, 1) - 0.4);
    // A readable row per arm, whatever the dock's height.
    m_plot->setMinimumHeight(50 + 20 * std::max(row, 1));
    m_plot->setToolTip(m_summaries.join(QLatin1Char('\n')));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void GrokStrip::applyPalette(const QPalette& palette)
{
    const QColor background = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    m_plot->setBackground(background);
    for (QCPAxis* axis : m_plot->axisRect()->axes()) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grokscope::ui
