#include "chart_overlays.h"

#include "qcustomplot_include.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

struct ChartOverlays::Marker {
    double step = 0.0;
    QString label;
    QColor color;
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

bool ChartOverlays::addMarker(double step, const QString& label, const QColor& color)
{
    if (markerCount() >= kMaxMarkers) {
        ++m_hiddenMarkers;
        showMarkerNote();
        return false;
    }
    Marker marker;
    marker.step = step;
    marker.label = label;
    marker.color = color;
    marker.line = new QCPItemStraightLine(m_plot);
    marker.line->setLayer(m_markerLayer);
    marker.line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    marker.line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    marker.line->point1->setCoords(step, 0.0);
    marker.line->point2->setCoords(step, 1.0);
    marker.line->setPen(QPen(color, 1.3, Qt::DashLine));
    marker.text = new QCPItemText(m_plot);
    marker.text->setLayer(m_markerLayer);
    marker.text->position->setTypeX(QCPItemPosition::ptPlotCoords);
    marker.text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    marker.text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    marker.text->setText(label);
    marker.text->setFont(QFont(m_fontFamily, 7));
    marker.text->setPadding(QMargins(2, 0, 2, 0));
    marker.text->setClipToAxisRect(true);
    // Styled alone and laid out at the next refresh or replot: doing either for every
    // marker on each addition made adding n markers cost n².
    styleMarker(marker);
    m_markers.push_back(marker);
    return true;
}

void ChartOverlays::styleMarker(Marker& marker)
{
    QColor background = m_palette.color(QPalette::Base);
    const bool light = background.lightness() > 128;
    background.setAlpha(190);
    marker.text->setBrush(background);
    marker.text->setColor(light ? marker.color.darker(130) : marker.color.lighter(130));
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
    m_markerNote->setFont(QFont(m_fontFamily, 7));
    m_markerNote->setPadding(QMargins(2, 0, 2, 0));
    styleMarkerNote();
}

// Drawn over the marker labels it sits among, so it gets an opaque backing.
void ChartOverlays::styleMarkerNote()
{
    QColor backing = m_palette.color(QPalette::Base);
    backing.setAlpha(235);
    m_markerNote->setBrush(backing);
    m_markerNote->setColor(m_textColor);
}

QString ChartOverlays::markerNote() const
{
    return m_hiddenMarkers == 0 ? QString()
                                : tr("%n more marker(s) not drawn (at most %1 per chart)", nullptr, m_hiddenMarkers)
                                      .arg(kMaxMarkers);
}

void ChartOverlays::layoutMarkerLabels()
{
    std::vector<Marker*> sorted;
    for (auto& m : m_markers)
        sorted.push_back(&m);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->step < b->step; });
    // Stagger the labels upwards from the bottom so neighbouring markers stay legible.
    // A label that would run past the right edge of the plot goes left of its line.
    const double rightEdge = m_plot->axisRect()->rect().right();
    if (m_markerNote)
        m_markerNote->setText(markerNote());
    const QFontMetrics metrics(QFont(m_fontFamily, 7));  // every marker label's font
    for (size_t i = 0; i < sorted.size(); ++i) {
        QCPItemText* text = sorted[i]->text;
        text->position->setCoords(sorted[i]->step, 0.97 - 0.085 * static_cast<double>(i % 5));
        const double x = m_plot->xAxis->coordToPixel(sorted[i]->step);
        const int width = metrics.horizontalAdvance(text->text()) + 6;
        const bool fitsRight = x + width <= rightEdge;
        text->setPositionAlignment((fitsRight ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignBottom);
    }
}

void ChartOverlays::clearMarkers()
{
    for (auto& m : m_markers) {
        m_plot->removeItem(m.line);
        m_plot->removeItem(m.text);
    }
    m_markers.clear();
    if (m_markerNote)
        m_plot->removeItem(m_markerNote);
    m_markerNote = nullptr;
    m_hiddenMarkers = 0;
}

int ChartOverlays::markerCount() const { return static_cast<int>(m_markers.size()); }

QStringList ChartOverlays::markerLabels() const
{
    QStringList labels;
    for (const auto& m : m_markers)
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
    m_thresholdText->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    m_thresholdText->setColor(QColor(200, 30, 30));
    m_thresholdText->setFont(QFont(m_fontFamily, 8, QFont::Bold));
}

void ChartOverlays::setThreshold(double value)
{
    if (!m_thresholdLine)
        return;
    m_thresholdLine->point1->setCoords(0.0, value);
    m_thresholdLine->point2->setCoords(1.0, value);
    m_thresholdText->position->setCoords(0.01, value);
    m_thresholdText->setText(QStringLiteral("%1 = %2").arg(m_thresholdName).arg(value, 0, 'f', 3));
}

bool ChartOverlays::setForecast(double step, double halfWidthSteps, const QString& label)
{
    const QColor colour(0, 140, 140);
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
        m_forecastLine->setPen(QPen(colour, 1.5, Qt::DashLine));
        m_forecastText->position->setType(QCPItemPosition::ptAxisRectRatio);
        // Top left, in head room that ChartPanel keeps free of data.
        m_forecastText->position->setCoords(0.01, kForecastLabelTop);
        m_forecastText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        m_forecastText->setPadding(QMargins(3, 1, 3, 1));
        m_forecastText->setColor(colour.darker(115));
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

double ChartOverlays::forecastLabelBottom(int axisHeight) const
{
    // Placed at 2 % of the axis height from the top, then its text and padding.
    return kForecastLabelTop * axisHeight + QFontMetrics(m_forecastText->font()).height() + 2.0;
}

void ChartOverlays::applyPalette(const QPalette& palette, const QColor& textColor)
{
    m_palette = palette;
    m_textColor = textColor;
    const QColor background = palette.color(QPalette::Base);
    if (m_forecastText) {
        QColor backing = background;
        backing.setAlpha(215);
        m_forecastText->setBrush(backing);
        m_forecastText->setColor(background.lightness() > 128 ? QColor(0, 110, 110) : QColor(90, 210, 210));
    }
    for (auto& m : m_markers)
        styleMarker(m);
    if (m_markerNote)
        styleMarkerNote();
}

}  // namespace grokscope::ui
