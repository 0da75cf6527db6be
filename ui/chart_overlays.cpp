#include "chart_overlays.h"

#include "color_contrast.h"

#include "qcustomplot_include.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

constexpr int kMarkerFontPt = 7;
constexpr int kMarkerLabelGapPx = 2;  // between a label and its line, and between labels
const QMargins kThresholdPadding(3, 2, 3, 2);

}  // namespace

struct ChartOverlays::Marker {
    double step = 0.0;
    QString label;
    QColor color;
    int owner = 0;
    QCPItemStraightLine* line = nullptr;
    QCPItemText* text = nullptr;
};

ChartOverlays::ChartOverlays(QCustomPlot* plot, const QString& fontFamily)
    : QObject(plot), m_plot(plot), m_fontFamily(fontFamily)
{
    m_plot->addLayer(QStringLiteral("markers"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_markerLayer = m_plot->layer(QStringLiteral("markers"));
    m_plot->addLayer(QStringLiteral("threshold"), m_markerLayer, QCustomPlot::limAbove);
    m_thresholdLayer = m_plot->layer(QStringLiteral("threshold"));
}

ChartOverlays::~ChartOverlays() = default;

QColor ChartOverlays::background() const
{
    const QColor base = m_palette.color(QPalette::Base);
    return base.isValid() ? base : QColor(Qt::white);
}

bool ChartOverlays::markerShown(const Marker& marker) const
{
    const auto it = m_ownerVisible.find(marker.owner);
    return it == m_ownerVisible.end() || it->second;
}

bool ChartOverlays::addMarker(double step, const QString& label, const QColor& color, int owner)
{
    if (static_cast<int>(m_markers.size()) >= kMaxMarkers) {
        ++m_hiddenMarkers[owner];
        showMarkerNote();
        return false;
    }
    Marker marker;
    marker.step = step;
    marker.label = label;
    marker.color = color;
    marker.owner = owner;
    marker.line = new QCPItemStraightLine(m_plot);
    marker.line->setLayer(m_markerLayer);
    marker.line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    marker.line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    marker.line->point1->setCoords(step, 0.0);
    marker.line->point2->setCoords(step, 1.0);
    marker.line->setPen(QPen(color, 1.3, Qt::DashLine));
    marker.text = new QCPItemText(m_plot);
    marker.text->setLayer(m_markerLayer);
    // Pixel offsets from the line's foot, so that the stacking holds at any export size.
    marker.text->position->setParentAnchor(marker.line->point2);
    marker.text->position->setType(QCPItemPosition::ptAbsolute);
    marker.text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    marker.text->setText(label);
    marker.text->setFont(QFont(m_fontFamily, kMarkerFontPt));
    marker.text->setPadding(QMargins(2, 0, 2, 0));
    marker.text->setClipToAxisRect(true);
    // Styled alone and laid out at the next refresh or replot: doing either for every
    // marker on each addition made adding n markers cost n².
    styleMarker(marker);
    const bool shown = markerShown(marker);
    marker.line->setVisible(shown);
    marker.text->setVisible(shown);
    m_markers.push_back(marker);
    return true;
}

void ChartOverlays::setMarkersVisible(int owner, bool visible)
{
    m_ownerVisible[owner] = visible;
    for (auto& m : m_markers) {
        if (m.owner != owner)
            continue;
        m.line->setVisible(visible);
        m.text->setVisible(visible);  // layoutMarkerLabels may still leave it out
    }
    if (m_markerNote)
        m_markerNote->setVisible(!markerNote().isEmpty());
}

void ChartOverlays::removeMarkers(int owner)
{
    auto firstRemoved = std::stable_partition(m_markers.begin(), m_markers.end(),
                                              [owner](const Marker& m) { return m.owner != owner; });
    for (auto it = firstRemoved; it != m_markers.end(); ++it) {
        m_plot->removeItem(it->text);
        m_plot->removeItem(it->line);
    }
    m_markers.erase(firstRemoved, m_markers.end());
    m_hiddenMarkers.erase(owner);
    m_ownerVisible.erase(owner);
    if (m_markerNote)
        m_markerNote->setVisible(!markerNote().isEmpty());
}

void ChartOverlays::styleMarker(Marker& marker)
{
    QColor backing = background();
    backing.setAlpha(190);
    marker.text->setBrush(backing);
    marker.text->setColor(readableOn(marker.color, background()));
}

void ChartOverlays::showMarkerNote()
{
    if (m_markerNote)
        return;  // its text follows the count in layoutMarkerLabels, once per replot
    m_markerNote = new QCPItemText(m_plot);
    m_markerNote->setLayer(m_markerLayer);
    m_markerNote->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_markerNote->position->setCoords(0.995, 0.99);
    m_markerNote->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_markerNote->setFont(QFont(m_fontFamily, kMarkerFontPt));
    m_markerNote->setPadding(QMargins(2, 0, 2, 0));
    styleMarkerNote();
}

// Drawn over the marker labels it sits among, so it gets an opaque backing.
void ChartOverlays::styleMarkerNote()
{
    QColor backing = background();
    backing.setAlpha(235);
    m_markerNote->setBrush(backing);
    m_markerNote->setColor(readableOn(m_textColor, background()));
}

int ChartOverlays::hiddenMarkerCount() const
{
    int hidden = 0;
    for (const auto& [owner, count] : m_hiddenMarkers) {
        const auto visible = m_ownerVisible.find(owner);
        if (visible == m_ownerVisible.end() || visible->second)
            hidden += count;
    }
    return hidden;
}

QString ChartOverlays::markerNote() const
{
    const int hidden = hiddenMarkerCount();
    return hidden == 0 ? QString()
                       : tr("%n more marker(s) not drawn (at most %1 per chart)", nullptr, hidden).arg(kMaxMarkers);
}

void ChartOverlays::layoutMarkerLabels()
{
    if (m_markerNote)
        m_markerNote->setText(markerNote());
    // Placed in the order they were added: when levels run out the later ones go
    // without a label. A live run adds them as they happen; the board adds a saved
    // run's most important first (T_grok, the H̃* crossing, T_collapse, memorisation).
    std::vector<Marker*> sorted;
    for (auto& m : m_markers)
        if (markerShown(m))
            sorted.push_back(&m);

    const QRect axis = m_plot->axisRect()->rect();
    const QFontMetrics metrics(QFont(m_fontFamily, kMarkerFontPt));  // every marker label's font
    const int levelHeight = metrics.height() + kMarkerLabelGapPx;
    const int levels = std::max(1, static_cast<int>(kMarkerLabelShare * axis.height()) / levelHeight);
    // The horizontal spans taken on each level, in pixels.
    std::vector<std::vector<std::pair<double, double>>> taken(static_cast<size_t>(levels));
    // What the labels must not cover: laid out first (layoutLabels), they keep their places.
    std::vector<QRectF> obstacles;
    for (const QCPItemText* text : {m_thresholdText, m_forecastText})
        if (text && text->visible())
            obstacles.emplace_back(QRectF(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition()).normalized());
    if (m_plot->legend->visible() && m_plot->legend->layout() != m_plot->plotLayout())
        obstacles.emplace_back(m_plot->legend->outerRect());
    auto isFree = [&](int level, double left, double right) {
        for (const auto& [l, r] : taken[static_cast<size_t>(level)])
            if (left < r + kMarkerLabelGapPx && right + kMarkerLabelGapPx > l)
                return false;
        const double bottom = axis.bottom() - 3.0 - level * levelHeight;
        const QRectF rect(left, bottom - metrics.height(), right - left, metrics.height());
        return std::none_of(obstacles.begin(), obstacles.end(), [&](const QRectF& o) { return o.intersects(rect); });
    };
    for (Marker* m : sorted) {
        QCPItemText* text = m->text;
        const double x = m_plot->xAxis->coordToPixel(m->step);
        if (x < axis.left() || x > axis.right()) {
            text->setVisible(false);  // scrolled out: it would only take a level
            continue;
        }
        const double width = metrics.horizontalAdvance(text->text()) + 4;  // the padding of 2 on each side
        const bool fitsRight = x + kMarkerLabelGapPx + width <= axis.right();
        const bool fitsLeft = x - kMarkerLabelGapPx - width >= axis.left();
        std::vector<bool> sides;  // true: right of the line
        if (fitsRight || !fitsLeft)
            sides.push_back(true);
        if (fitsLeft)
            sides.push_back(false);
        bool placed = false;
        for (int level = 0; level < levels && !placed; ++level) {
            for (bool right : sides) {
                const double left = right ? x + kMarkerLabelGapPx : x - kMarkerLabelGapPx - width;
                if (!isFree(level, left, left + width))
                    continue;
                taken[static_cast<size_t>(level)].emplace_back(left, left + width);
                text->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignBottom);
                text->position->setCoords(right ? kMarkerLabelGapPx : -kMarkerLabelGapPx, -3.0 - level * levelHeight);
                placed = true;
                break;
            }
        }
        text->setVisible(placed);
    }
}

void ChartOverlays::clearMarkers()
{
    for (auto& m : m_markers) {
        m_plot->removeItem(m.text);
        m_plot->removeItem(m.line);
    }
    m_markers.clear();
    if (m_markerNote)
        m_plot->removeItem(m_markerNote);
    m_markerNote = nullptr;
    m_hiddenMarkers.clear();
    m_ownerVisible.clear();
}

int ChartOverlays::markerCount() const
{
    return static_cast<int>(std::count_if(m_markers.begin(), m_markers.end(), [this](const Marker& m) { return markerShown(m); }));
}

QStringList ChartOverlays::markerLabels() const
{
    QStringList labels;
    for (const auto& m : m_markers)
        if (markerShown(m))
            labels << m.label;
    return labels;
}

void ChartOverlays::enableThreshold(const QString& name)
{
    m_thresholdName = name;
    if (m_thresholdLine)
        return;
    m_thresholdLine = new QCPItemStraightLine(m_plot);
    m_thresholdLine->setLayer(m_thresholdLayer);
    m_thresholdLine->point1->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_thresholdLine->point2->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_thresholdLine->setPen(QPen(QColor(200, 30, 30), 1.5, Qt::DashDotLine));
    m_thresholdText = new QCPItemText(m_plot);
    m_thresholdText->setLayer(m_thresholdLayer);
    m_thresholdText->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_thresholdText->position->setTypeY(QCPItemPosition::ptPlotCoords);
    m_thresholdText->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_thresholdText->setPadding(kThresholdPadding);
    m_thresholdText->setFont(QFont(m_fontFamily, 8, QFont::Bold));
    m_thresholdText->setClipToAxisRect(true);
    applyPalette(m_palette, m_textColor);
}

void ChartOverlays::setThreshold(double value)
{
    if (!m_thresholdLine)
        return;
    m_thresholdValue = value;
    m_thresholdLine->point1->setCoords(0.0, value);
    m_thresholdLine->point2->setCoords(1.0, value);
    m_thresholdText->position->setCoords(m_thresholdText->position->coords().x(), value);
    m_thresholdText->setText(QStringLiteral("%1 = %2").arg(m_thresholdName).arg(value, 0, 'f', 3));
}

QRectF ChartOverlays::thresholdLabelRect(double xRatio, Qt::Alignment alignment) const
{
    const QRect axis = m_plot->axisRect()->rect();
    const QFontMetrics metrics(m_thresholdText->font());
    const double width = metrics.horizontalAdvance(m_thresholdText->text()) + kThresholdPadding.left() + kThresholdPadding.right();
    const double height = metrics.height() + kThresholdPadding.top() + kThresholdPadding.bottom();
    const double x = axis.left() + xRatio * axis.width();
    const double y = m_plot->yAxis->coordToPixel(m_thresholdValue);
    const double left = alignment & Qt::AlignRight ? x - width : alignment & Qt::AlignHCenter ? x - width / 2 : x;
    const double top = alignment & Qt::AlignBottom ? y - height : y;
    return QRectF(left, top, width, height);
}

void ChartOverlays::layoutLabels()
{
    const QRect axis = m_plot->axisRect()->rect();
    const QCPLegend* legend = m_plot->legend;
    const bool legendInside = legend->visible() && legend->itemCount() > 0 && legend->layout() != m_plot->plotLayout();
    const QRect legendRect = legendInside ? legend->outerRect() : QRect();

    QRectF forecastRect;
    if (hasForecast() && axis.height() > 0) {
        const QFontMetrics metrics(m_forecastText->font());
        const double width = forecastLabelWidth();
        const double height = metrics.height() + 2;
        const double left = axis.left() + 0.01 * axis.width();
        forecastRect = QRectF(left, axis.top() + kForecastLabelTop * axis.height(), width, height);
        m_forecastTop = kForecastLabelTop;
        if (legendInside && forecastRect.intersects(legendRect)) {
            // Under the legend, which keeps its corner: ChartPanel's head room grows to match.
            m_forecastTop = (legendRect.bottom() + 3.0 - axis.top()) / axis.height();
            forecastRect.moveTop(axis.top() + m_forecastTop * axis.height());
        }
        m_forecastText->position->setCoords(0.01, m_forecastTop);
    }

    if (!m_thresholdText || axis.height() <= 0)
        return;
    struct Place {
        double xRatio;
        Qt::Alignment alignment;
    };
    // Right end first: a decreasing H̃ is past its early dip there, and below the line.
    static const Place places[] = {
        {0.99, Qt::AlignRight | Qt::AlignBottom}, {0.99, Qt::AlignRight | Qt::AlignTop},
        {0.01, Qt::AlignLeft | Qt::AlignBottom},  {0.01, Qt::AlignLeft | Qt::AlignTop},
        {0.5, Qt::AlignHCenter | Qt::AlignBottom}, {0.5, Qt::AlignHCenter | Qt::AlignTop},
        {0.75, Qt::AlignHCenter | Qt::AlignBottom}, {0.75, Qt::AlignHCenter | Qt::AlignTop},
        {0.25, Qt::AlignHCenter | Qt::AlignBottom}, {0.25, Qt::AlignHCenter | Qt::AlignTop},
    };
    const Place* chosen = &places[0];
    for (const Place& place : places) {
        const QRectF rect = thresholdLabelRect(place.xRatio, place.alignment);
        const bool inside = rect.top() >= axis.top() && rect.bottom() <= axis.bottom() + 1;
        const bool free = inside && !rect.intersects(legendRect) && !rect.intersects(forecastRect) &&
                          !(m_occupied && m_occupied(rect));
        if (free) {
            chosen = &place;
            break;
        }
    }
    m_thresholdText->setPositionAlignment(chosen->alignment);
    m_thresholdText->position->setCoords(chosen->xRatio, m_thresholdValue);
}

bool ChartOverlays::setForecast(double step, double halfWidthSteps, const QString& label)
{
    const QColor colour = forecastColor();
    const bool creating = !m_forecastBand;
    if (creating) {
        m_forecastBand = new QCPItemRect(m_plot);
        m_forecastLine = new QCPItemStraightLine(m_plot);
        m_forecastText = new QCPItemText(m_plot);
        for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_forecastBand, m_forecastLine, m_forecastText})
            item->setLayer(m_markerLayer);
        m_forecastBand->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_forecastBand->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_forecastBand->setPen(Qt::NoPen);
        QColor fill = colour;
        fill.setAlpha(18);  // a faint band: with the paper's fit it can span the whole plot
        m_forecastBand->setBrush(fill);
        m_forecastBand->setClipToAxisRect(true);
        m_forecastLine->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_forecastLine->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        m_forecastLine->setPen(QPen(colour, 2.0, Qt::DotLine));
        m_forecastText->position->setType(QCPItemPosition::ptAxisRectRatio);
        // Top left, in head room that ChartPanel keeps free of data.
        m_forecastText->position->setCoords(0.01, m_forecastTop);
        m_forecastText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        m_forecastText->setPadding(QMargins(3, 1, 3, 1));
        m_forecastText->setColor(readableOn(colour, background()));
        m_forecastText->setFont(QFont(m_fontFamily, 8, QFont::Bold));
    }
    const double halfWidth = std::isfinite(halfWidthSteps) ? halfWidthSteps : 0.0;
    m_forecastBand->topLeft->setCoords(step - halfWidth, 0.0);
    m_forecastBand->bottomRight->setCoords(step + halfWidth, 1.0);
    m_forecastLine->point1->setCoords(step, 0.0);
    m_forecastLine->point2->setCoords(step, 1.0);
    m_forecastText->setText(label);
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_forecastBand, m_forecastLine, m_forecastText})
        item->setVisible(true);
    return creating;
}

bool ChartOverlays::clearForecast()
{
    if (!m_forecastBand)
        return false;
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_forecastBand, m_forecastLine, m_forecastText})
        item->setVisible(false);
    return true;
}

bool ChartOverlays::hasForecast() const { return m_forecastText && m_forecastText->visible(); }

QString ChartOverlays::forecastText() const { return hasForecast() ? m_forecastText->text() : QString(); }

int ChartOverlays::forecastLabelWidth() const
{
    return hasForecast() ? QFontMetrics(m_forecastText->font()).horizontalAdvance(m_forecastText->text()) + 6 : 0;
}

double ChartOverlays::forecastLabelBottom(int axisHeight) const
{
    // Placed at m_forecastTop of the axis height from the top, then its text and padding.
    return m_forecastTop * axisHeight + QFontMetrics(m_forecastText->font()).height() + 2.0;
}

void ChartOverlays::applyPalette(const QPalette& palette, const QColor& textColor)
{
    m_palette = palette;
    m_textColor = textColor;
    const QColor base = background();
    QColor backing = base;
    backing.setAlpha(215);
    if (m_forecastText) {
        m_forecastText->setBrush(backing);
        m_forecastText->setColor(readableOn(forecastColor(), base));
    }
    if (m_thresholdText) {
        m_thresholdText->setBrush(backing);
        m_thresholdText->setColor(readableOn(QColor(200, 30, 30), base));
    }
    for (auto& m : m_markers)
        styleMarker(m);
    if (m_markerNote)
        styleMarkerNote();
}

}  // namespace grokscope::ui
