#include "chart_crosshair.h"

#include "qcustomplot_include.h"

namespace grokscope::ui {

ChartCrosshair::ChartCrosshair(QCustomPlot* plot, const QString& fontFamily) : QObject(plot), m_plot(plot)
{
    m_plot->addLayer(QStringLiteral("crosshair"), m_plot->layer(QStringLiteral("legend")), QCustomPlot::limAbove);
    m_layer = m_plot->layer(QStringLiteral("crosshair"));
    m_layer->setMode(QCPLayer::lmBuffered);

    m_line = new QCPItemStraightLine(m_plot);
    m_line->setLayer(m_layer);
    m_line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_line->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
    m_line->setVisible(false);
    m_text = new QCPItemText(m_plot);
    m_text->setLayer(m_layer);
    m_text->position->setType(QCPItemPosition::ptAbsolute);
    m_text->setPadding(QMargins(4, 2, 4, 2));
    m_text->setTextAlignment(Qt::AlignLeft);
    m_text->setFont(QFont(fontFamily, 8));
    m_text->setBrush(QBrush(QColor(255, 255, 225, 230)));
    m_text->setPen(QPen(QColor(90, 90, 90)));
    m_text->setColor(Qt::black);
    m_text->setVisible(false);
    m_plot->installEventFilter(this);
}

QStringList ChartCrosshair::readout(const std::vector<ChartSeriesSet::Reading>& readings, double cursorStep)
{
    QStringList lines;
    double shownStep = cursorStep;
    for (const auto& reading : readings) {
        shownStep = reading.step;
        if (lines.size() < kMaxReadoutSeries)
            lines << QStringLiteral("%1: %2").arg(reading.name).arg(reading.value, 0, 'g', 4);
    }
    const int more = static_cast<int>(readings.size()) - kMaxReadoutSeries;
    if (more > 0)
        lines << tr("+ %n more", nullptr, more);
    lines.prepend(tr("step %1").arg(shownStep, 0, 'f', 0));
    return lines;
}

void ChartCrosshair::follow(const QPoint& mouse, const ChartSeriesSet& series)
{
    const QRect rect = m_plot->axisRect()->rect();
    if (!rect.contains(mouse)) {
        if (isVisible())
            Q_EMIT left();
        hide();
        return;
    }
    const double cursorStep = m_plot->xAxis->pixelToCoord(mouse.x());
    const std::vector<ChartSeriesSet::Reading> readings = series.readingsAt(cursorStep);
    const double step = readings.empty() ? cursorStep : readings.back().step;
    showLine(step, mouse.x(), readout(readings, cursorStep));
    Q_EMIT moved(cursorStep);
}

void ChartCrosshair::showAt(double step, const ChartSeriesSet& series)
{
    const std::vector<ChartSeriesSet::Reading> readings = series.readingsAt(step);
    const double snapped = readings.empty() ? step : readings.back().step;
    showLine(snapped, m_plot->xAxis->coordToPixel(snapped), readout(readings, step));
}

void ChartCrosshair::showLine(double step, double x, const QStringList& lines)
{
    const QRect rect = m_plot->axisRect()->rect();
    if (x < rect.left() || x > rect.right()) {
        hide();  // the step lies outside this chart's range
        return;
    }
    m_line->point1->setCoords(step, 0.0);
    m_line->point2->setCoords(step, 1.0);
    m_line->setVisible(true);
    m_text->setText(lines.join(QLatin1Char('\n')));
    const bool leftHalf = x < rect.center().x();
    m_text->setPositionAlignment((leftHalf ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop);
    m_text->position->setCoords(x + (leftHalf ? 10 : -10), rect.top() + 4);
    m_text->setVisible(true);
    m_layer->replot();
}

void ChartCrosshair::hide()
{
    hideQuietly();
    m_layer->replot();
}

void ChartCrosshair::hideQuietly()
{
    m_line->setVisible(false);
    m_text->setVisible(false);
}

bool ChartCrosshair::isVisible() const { return m_line->visible(); }

bool ChartCrosshair::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot && event->type() == QEvent::Leave && m_line && m_text && m_line->visible()) {
        hide();
        Q_EMIT left();
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace grokscope::ui
