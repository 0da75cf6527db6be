#include "chart_series.h"

#include "qcustomplot_include.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace grokscope::ui {

int nearestKeyIndex(const QVector<double>& keys, double step)
{
    if (keys.isEmpty())
        return -1;
    auto it = std::lower_bound(keys.begin(), keys.end(), step);
    if (it == keys.end())
        --it;
    else if (it != keys.begin() && std::abs(*(it - 1) - step) < std::abs(*it - step))
        --it;
    return static_cast<int>(it - keys.begin());
}

struct ChartSeriesSet::Series {
    int id = 0;
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QVector<double> keys;
    IndexedValues values, smoothValues;
    EmaSmoother smoother{kSmoothingWeight};
    int shown = 0;  // points already handed to the graphs
    bool decimated = false;
    bool hidden = false;
};

ChartSeriesSet::ChartSeriesSet(QCustomPlot* plot) : m_plot(plot) {}

ChartSeriesSet::~ChartSeriesSet() = default;

ChartSeriesSet::Series* ChartSeriesSet::find(int id) const
{
    for (const auto& s : m_series)
        if (s->id == id)
            return s.get();
    return nullptr;
}

int ChartSeriesSet::add(const QString& name, const QColor& color, Qt::PenStyle style)
{
    auto series = std::make_unique<Series>();
    series->id = m_nextId++;
    series->name = name;
    series->color = color;
    series->style = style;
    series->smooth = m_plot->addGraph();
    series->smooth->removeFromLegend();
    series->raw = m_plot->addGraph();
    series->raw->setName(name);
    updatePens(*series);
    const int id = series->id;
    m_series.push_back(std::move(series));
    return id;
}

bool ChartSeriesSet::remove(int id)
{
    auto it = std::find_if(m_series.begin(), m_series.end(), [id](const auto& s) { return s->id == id; });
    if (it == m_series.end())
        return false;
    m_plot->removeGraph((*it)->raw);
    m_plot->removeGraph((*it)->smooth);
    m_series.erase(it);
    return true;
}

int ChartSeriesSet::lastId() const { return m_series.empty() ? -1 : m_series.back()->id; }

bool ChartSeriesSet::append(int id, double step, double value)
{
    Series* s = find(id);
    if (!s || (!s->keys.isEmpty() && step < s->keys.back()))
        return false;
    s->keys.append(step);
    s->values.append(value);
    s->smoothValues.append(s->smoother.add(value));
    return true;
}

bool ChartSeriesSet::setData(int id, const QVector<double>& steps, const QVector<double>& values)
{
    Series* s = find(id);
    if (!s)
        return false;
    s->keys = steps;
    s->values.assign(values);
    s->smoothValues.clear();
    s->smoother.reset();
    for (double v : values)
        s->smoothValues.append(s->smoother.add(v));
    s->raw->data()->clear();
    s->smooth->data()->clear();
    s->shown = 0;
    s->decimated = false;
    updateAntialiasing(*s);
    return true;
}

int ChartSeriesSet::pointCount(int id) const
{
    const Series* s = find(id);
    return s ? s->keys.size() : 0;
}

int ChartSeriesSet::displayedPointCount(int id) const
{
    const Series* s = find(id);
    return s ? s->raw->dataCount() : 0;
}

void ChartSeriesSet::setSmoothing(bool enabled)
{
    m_smoothing = enabled;
    for (auto& s : m_series)
        updatePens(*s);
}

void ChartSeriesSet::setTextColor(const QColor& color)
{
    m_textColor = color;
    for (auto& s : m_series)
        updatePens(*s);
}

void ChartSeriesSet::setExporting(bool exporting)
{
    m_exporting = exporting;
    for (auto& s : m_series)
        updateAntialiasing(*s);
}

bool ChartSeriesSet::toggleHidden(const QCPAbstractPlottable* plottable)
{
    bool toggled = false;
    for (auto& s : m_series) {
        if (s->raw == plottable) {
            s->hidden = !s->hidden;
            updatePens(*s);
            toggled = true;
        }
    }
    return toggled;
}

void ChartSeriesSet::invalidateDisplayed()
{
    for (auto& s : m_series)
        s->decimated = true;
}

void ChartSeriesSet::updatePens(Series& s)
{
    QColor rawColor = s.color;
    if (m_smoothing)
        rawColor.setAlpha(80);
    s.raw->setPen(QPen(rawColor, m_smoothing ? 1.0 : 1.6, s.style));
    s.raw->setVisible(!s.hidden);
    s.smooth->setPen(QPen(s.color, 2.0, s.style));
    s.smooth->setVisible(m_smoothing && !s.hidden);
    if (auto* item = m_plot->legend->itemWithPlottable(s.raw))
        item->setTextColor(s.hidden ? QColor(150, 150, 150) : m_textColor);
}

// A min/max-decimated curve has two or more points per pixel column, so its line is a
// dense vertical zigzag where antialiasing changes no visible pixel yet was a third of
// the redraw (grokscope-bench-charts: 4 charts x 2 series x 100,000 points, ~5 ms of
// ~14). Exports keep it: they are drawn once and may be scaled.
void ChartSeriesSet::updateAntialiasing(Series& s)
{
    s.raw->setAntialiased(m_exporting || !s.decimated);
}

std::optional<std::pair<double, double>> ChartSeriesSet::stepExtent(bool logStep) const
{
    double low = std::numeric_limits<double>::max(), high = std::numeric_limits<double>::lowest();
    for (const auto& s : m_series) {
        if (s->hidden || s->keys.isEmpty())
            continue;
        for (double k : {s->keys.front(), s->keys.back()}) {
            if (logStep && k <= 0.0)
                continue;
            low = std::min(low, k);
            high = std::max(high, k);
        }
        if (logStep && s->keys.front() <= 0.0 && s->keys.size() > 1)
            low = std::min(low, s->keys[1]);
    }
    if (low > high)
        return std::nullopt;
    return std::make_pair(low, high);
}

std::optional<std::pair<double, double>> ChartSeriesSet::valueExtent(double stepLower, double stepUpper, bool logValue) const
{
    double low = std::numeric_limits<double>::max(), high = std::numeric_limits<double>::lowest();
    for (const auto& s : m_series) {
        if (s->hidden)
            continue;
        const int begin = static_cast<int>(std::lower_bound(s->keys.begin(), s->keys.end(), stepLower) - s->keys.begin());
        const int end = static_cast<int>(std::upper_bound(s->keys.begin(), s->keys.end(), stepUpper) - s->keys.begin());
        const IndexedValues::Extremes e = s->values.find(begin, end);
        const int lowAt = logValue ? e.minPositiveAt : e.minAt;
        if (lowAt < 0)
            continue;
        low = std::min(low, s->values[lowAt]);
        high = std::max(high, s->values[e.maxAt]);
    }
    if (low > high)
        return std::nullopt;
    return std::make_pair(low, high);
}

void ChartSeriesSet::pushToGraphs(double stepLower, double stepUpper, int buckets)
{
    for (auto& s : m_series) {
        if (s->keys.size() <= kDirectPointLimit && !s->decimated) {
            if (s->shown < s->keys.size()) {
                const int n = s->keys.size() - s->shown;
                s->raw->addData(s->keys.mid(s->shown, n), s->values.values().mid(s->shown, n), true);
                s->smooth->addData(s->keys.mid(s->shown, n), s->smoothValues.values().mid(s->shown, n), true);
                s->shown = s->keys.size();
            }
            continue;
        }
        const DecimatedSeries raw = decimateMinMax(s->keys, s->values, stepLower, stepUpper, buckets);
        s->raw->setData(raw.keys, raw.values, true);
        if (m_smoothing) {
            const DecimatedSeries smooth = decimateMinMax(s->keys, s->smoothValues, stepLower, stepUpper, buckets);
            s->smooth->setData(smooth.keys, smooth.values, true);
        }
        s->shown = s->keys.size();
        s->decimated = s->keys.size() > kDirectPointLimit;
        if (!s->decimated) {
            s->raw->setData(s->keys, s->values.values(), true);
            s->smooth->setData(s->keys, s->smoothValues.values(), true);
        }
        updateAntialiasing(*s);
    }
}

std::vector<ChartSeriesSet::Reading> ChartSeriesSet::readingsAt(double step) const
{
    std::vector<Reading> readings;
    for (const auto& s : m_series) {
        if (s->hidden)
            continue;
        const int index = nearestKeyIndex(s->keys, step);
        if (index < 0)
            continue;
        readings.push_back({s->name, s->keys[index], s->values[index]});
    }
    return readings;
}

}  // namespace grokscope::ui
