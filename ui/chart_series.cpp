#include "chart_series.h"

#include "qcustomplot_include.h"

#include <QFontMetrics>

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
    SeriesLook look;
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QVector<double> keys;
    IndexedValues values, smoothValues;
    EmaSmoother smoother{0.0};
    int shown = 0;  // points already handed to the graphs
    bool decimated = false;
    bool visible = true;        // setVisible: out of the graphs and the legend
    bool hiddenByUser = false;  // a legend click: greyed in the legend
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

bool ChartSeriesSet::shown(const Series& s) { return s.visible && !s.hiddenByUser; }

int ChartSeriesSet::add(const QString& name, const QColor& color, Qt::PenStyle style, const SeriesLook& look)
{
    auto series = std::make_unique<Series>();
    series->id = m_nextId++;
    series->name = name;
    series->color = color;
    series->style = style;
    series->look = look;
    series->look.alpha = std::clamp(look.alpha, 0, 255);
    series->smoother = EmaSmoother(m_smoothingWeight);
    series->smooth = m_plot->addGraph();
    series->raw = m_plot->addGraph();
    series->smooth->removeFromLegend();
    series->raw->removeFromLegend();
    if (look.inLegend)
        legendGraph(*series)->addToLegend();
    updateLegendName(*series);
    updatePens(*series);
    const int id = series->id;
    m_series.push_back(std::move(series));
    ++m_legendRevision;
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
    ++m_legendRevision;
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
    s->smoother.reset();
    s->smoothValues.assign(s->smoother.addAll(values));
    s->raw->data()->clear();
    s->smooth->data()->clear();
    s->shown = 0;
    s->decimated = false;
    updateAntialiasing(*s);
    return true;
}

bool ChartSeriesSet::setVisible(int id, bool visible)
{
    Series* s = find(id);
    if (!s || s->visible == visible)
        return false;
    s->visible = visible;
    updatePens(*s);
    rebuildLegend();
    return true;
}

bool ChartSeriesSet::isVisible(int id) const
{
    const Series* s = find(id);
    return s && s->visible;
}

bool ChartSeriesSet::setInLegend(int id, bool inLegend)
{
    Series* s = find(id);
    if (!s || s->look.inLegend == inLegend)
        return false;
    s->look.inLegend = inLegend;
    rebuildLegend();
    return true;
}

bool ChartSeriesSet::setName(int id, const QString& name)
{
    Series* s = find(id);
    if (!s || s->name == name)
        return false;
    s->name = name;
    updateLegendName(*s);
    ++m_legendRevision;
    return true;
}

bool ChartSeriesSet::setColor(int id, const QColor& color)
{
    Series* s = find(id);
    if (!s || s->color == color)
        return false;
    s->color = color;
    updatePens(*s);
    return true;
}

QString ChartSeriesSet::name(int id) const
{
    const Series* s = find(id);
    return s ? s->name : QString();
}

QColor ChartSeriesSet::color(int id) const
{
    const Series* s = find(id);
    return s ? s->color : QColor();
}

QVector<double> ChartSeriesSet::steps(int id) const
{
    const Series* s = find(id);
    return s ? s->keys : QVector<double>();
}

QVector<double> ChartSeriesSet::values(int id) const
{
    const Series* s = find(id);
    return s ? s->values.values() : QVector<double>();
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

QCPGraph* ChartSeriesSet::rawGraph(int id) const
{
    const Series* s = find(id);
    return s ? s->raw : nullptr;
}

QCPGraph* ChartSeriesSet::smoothGraph(int id) const
{
    const Series* s = find(id);
    return s ? s->smooth : nullptr;
}

void ChartSeriesSet::setSmoothingWeight(double weight)
{
    weight = EmaSmoother::clampWeight(weight);
    if (weight == m_smoothingWeight)
        return;
    const bool switched = (weight > 0.0) != (m_smoothingWeight > 0.0);
    m_smoothingWeight = weight;
    for (auto& s : m_series) {
        s->smoother = EmaSmoother(weight);
        s->smoothValues.assign(s->smoother.addAll(s->values.values()));
        s->decimated = true;  // the next pushToGraphs redraws both curves
        updatePens(*s);
    }
    if (switched)
        rebuildLegend();
}

void ChartSeriesSet::setTextColor(const QColor& color)
{
    m_textColor = color;
    for (auto& s : m_series)
        updatePens(*s);
}

void ChartSeriesSet::setLegendNameWidth(int widthPx, const QFont& font)
{
    if (widthPx == m_legendNameWidth && font == m_legendFont)
        return;
    m_legendNameWidth = widthPx;
    m_legendFont = font;
    for (auto& s : m_series)
        updateLegendName(*s);
}

void ChartSeriesSet::updateLegendName(Series& s)
{
    const QString shown = m_legendNameWidth > 0
                              ? QFontMetrics(m_legendFont).elidedText(s.name, Qt::ElideMiddle, m_legendNameWidth)
                              : s.name;
    s.raw->setName(shown);
    s.smooth->setName(shown);
}

QCPGraph* ChartSeriesSet::legendGraph(const Series& s) const
{
    // Smoothed, the legend shows the average's full-colour pen, not the dimmed raw trace.
    return m_smoothingWeight > 0.0 ? s.smooth : s.raw;
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
        if (s->raw == plottable || s->smooth == plottable) {
            s->hiddenByUser = !s->hiddenByUser;
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

void ChartSeriesSet::rebuildLegend()
{
    ++m_legendRevision;
    for (auto& s : m_series) {
        s->raw->removeFromLegend();
        s->smooth->removeFromLegend();
    }
    for (auto& s : m_series)
        if (s->visible && s->look.inLegend)
            legendGraph(*s)->addToLegend();
    for (auto& s : m_series)
        updatePens(*s);  // new legend items take the text colour
}

void ChartSeriesSet::updatePens(Series& s)
{
    const bool smoothing = m_smoothingWeight > 0.0;
    QColor rawColor = s.color;
    // Smoothed, the raw curve stays as a faint trace behind the average (TensorBoard's look).
    rawColor.setAlpha(smoothing ? s.look.alpha * 80 / 255 : s.look.alpha);
    QColor smoothColor = s.color;
    smoothColor.setAlpha(s.look.alpha);
    // The default width 1.6 gives the pens used before looks existed: 1.0 raw under a 2.0 average.
    s.raw->setPen(QPen(rawColor, smoothing ? s.look.width * 0.625 : s.look.width, s.style));
    s.raw->setVisible(shown(s));
    s.smooth->setPen(QPen(smoothColor, s.look.width * 1.25, s.style));
    s.smooth->setVisible(smoothing && shown(s));
    if (auto* item = m_plot->legend->itemWithPlottable(legendGraph(s)))
        item->setTextColor(s.hiddenByUser ? QColor(150, 150, 150) : m_textColor);
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
        if (!shown(*s) || s->keys.isEmpty())
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
        if (!shown(*s))
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

bool ChartSeriesSet::curvesCross(double stepLower, double stepUpper, double valueLower, double valueUpper,
                                 const SegmentTest& crossesEdge) const
{
    for (const auto& s : m_series) {
        // Faint curves (an experiment's seeds) may run under a label's backing.
        if (!shown(*s) || s->keys.isEmpty() || s->look.alpha < kFaintAlpha)
            continue;
        const int n = static_cast<int>(s->keys.size());
        // [begin, end): the points inside the window.
        const int begin = static_cast<int>(std::lower_bound(s->keys.begin(), s->keys.end(), stepLower) - s->keys.begin());
        const int end = static_cast<int>(std::upper_bound(s->keys.begin(), s->keys.end(), stepUpper) - s->keys.begin());
        for (const IndexedValues* values : {&s->values, &s->smoothValues}) {
            if (values == &s->smoothValues && m_smoothingWeight <= 0.0)
                continue;
            if (begin < end) {
                const IndexedValues::Extremes e = values->find(begin, end);
                if (e.minAt >= 0 && (*values)[e.minAt] <= valueUpper && (*values)[e.maxAt] >= valueLower)
                    return true;
            }
            auto edge = [&](int i) {  // the segment from point i to i + 1
                const double v0 = (*values)[i], v1 = (*values)[i + 1];
                return std::isfinite(v0) && std::isfinite(v1) && crossesEdge(s->keys[i], v0, s->keys[i + 1], v1);
            };
            if (begin > 0 && begin < n && edge(begin - 1))
                return true;
            if (end > begin && end < n && edge(end - 1))
                return true;
        }
    }
    return false;
}

void ChartSeriesSet::pushToGraphs(double stepLower, double stepUpper, int buckets)
{
    const bool smoothing = m_smoothingWeight > 0.0;
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
        if (smoothing) {
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
        if (!shown(*s))
            continue;
        const int index = nearestKeyIndex(s->keys, step);
        if (index < 0)
            continue;
        readings.push_back({s->name, s->keys[index], s->values[index]});
    }
    return readings;
}

}  // namespace grokscope::ui
