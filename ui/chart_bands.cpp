#include "chart_bands.h"

#include "qcustomplot_include.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace grokscope::ui {

ChartBandSet::ChartBandSet(QCustomPlot* plot) : m_plot(plot)
{
    m_plot->addLayer(QStringLiteral("bands"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limBelow);
    m_layer = m_plot->layer(QStringLiteral("bands"));
}

ChartBandSet::~ChartBandSet() = default;

ChartBandSet::Band* ChartBandSet::find(int id)
{
    auto it = std::find_if(m_bands.begin(), m_bands.end(), [id](const Band& b) { return b.id == id; });
    return it == m_bands.end() ? nullptr : &*it;
}

const ChartBandSet::Band* ChartBandSet::find(int id) const { return const_cast<ChartBandSet*>(this)->find(id); }

void ChartBandSet::style(Band& band, const QColor& color)
{
    QColor fill = color;
    fill.setAlpha(kFillAlpha);
    band.upper->setBrush(fill);
    band.lower->setBrush(Qt::NoBrush);
    band.lower->setPen(Qt::NoPen);
    band.upper->setPen(Qt::NoPen);
}

int ChartBandSet::add(const QColor& color)
{
    Band band;
    band.id = m_nextId++;
    band.lower = m_plot->addGraph();
    band.upper = m_plot->addGraph();
    for (QCPGraph* graph : {band.lower, band.upper}) {
        graph->setLayer(m_layer);
        graph->removeFromLegend();
        // A band is looked through, never picked: clicks and the crosshair go to the curves.
        graph->setSelectable(QCP::stNone);
    }
    band.upper->setChannelFillGraph(band.lower);
    style(band, color);
    m_bands.push_back(band);
    return band.id;
}

bool ChartBandSet::remove(int id)
{
    auto it = std::find_if(m_bands.begin(), m_bands.end(), [id](const Band& b) { return b.id == id; });
    if (it == m_bands.end())
        return false;
    it->upper->setChannelFillGraph(nullptr);
    m_plot->removeGraph(it->upper);
    m_plot->removeGraph(it->lower);
    m_bands.erase(it);
    return true;
}

void ChartBandSet::clear()
{
    while (!m_bands.empty())
        remove(m_bands.back().id);
}

bool ChartBandSet::setData(int id, const QVector<double>& steps, const QVector<double>& lower, const QVector<double>& upper)
{
    Band* band = find(id);
    if (!band || lower.size() != steps.size() || upper.size() != steps.size())
        return false;
    band->steps = steps;
    band->lowerValues = lower;
    band->upperValues = upper;
    band->lower->setData(steps, lower, true);
    band->upper->setData(steps, upper, true);
    return true;
}

bool ChartBandSet::setVisible(int id, bool visible)
{
    Band* band = find(id);
    if (!band || band->visible == visible)
        return false;
    band->visible = visible;
    band->lower->setVisible(visible);
    band->upper->setVisible(visible);
    return true;
}

bool ChartBandSet::setColor(int id, const QColor& color)
{
    Band* band = find(id);
    if (!band)
        return false;
    style(*band, color);
    return true;
}

QCPGraph* ChartBandSet::lowerGraph(int id) const
{
    const Band* band = find(id);
    return band ? band->lower : nullptr;
}

QCPGraph* ChartBandSet::upperGraph(int id) const
{
    const Band* band = find(id);
    return band ? band->upper : nullptr;
}

std::optional<std::pair<double, double>> ChartBandSet::stepExtent(bool logStep) const
{
    double low = std::numeric_limits<double>::max(), high = std::numeric_limits<double>::lowest();
    for (const Band& band : m_bands) {
        if (!band.visible)
            continue;
        for (double step : band.steps) {
            if (logStep && step <= 0.0)
                continue;
            low = std::min(low, step);
            high = std::max(high, step);
        }
    }
    if (low > high)
        return std::nullopt;
    return std::make_pair(low, high);
}

std::optional<std::pair<double, double>> ChartBandSet::valueExtent(double stepLower, double stepUpper, bool logValue) const
{
    double low = std::numeric_limits<double>::max(), high = std::numeric_limits<double>::lowest();
    auto include = [&](double v) {
        if (!std::isfinite(v) || (logValue && v <= 0.0))
            return;
        low = std::min(low, v);
        high = std::max(high, v);
    };
    for (const Band& band : m_bands) {
        if (!band.visible)
            continue;
        const auto begin = std::lower_bound(band.steps.begin(), band.steps.end(), stepLower) - band.steps.begin();
        const auto end = std::upper_bound(band.steps.begin(), band.steps.end(), stepUpper) - band.steps.begin();
        for (auto i = begin; i < end; ++i) {
            include(band.lowerValues[i]);
            include(band.upperValues[i]);
        }
    }
    if (low > high)
        return std::nullopt;
    return std::make_pair(low, high);
}

}  // namespace grokscope::ui
