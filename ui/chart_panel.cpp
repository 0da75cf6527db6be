#include "chart_panel.h"

#include "decimation.h"

#include "qcustomplot_include.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace grokscope::ui {

namespace {

// Up to this many points a series is drawn in full and appended incrementally;
// beyond it the visible window is decimated to min/max buckets.
constexpr int kDirectPointLimit = 4000;
// The same right-hand padding as the spectrogram, so the step axes line up.
constexpr double kStepPadding = 0.01;
constexpr double kSmoothingWeight = 0.6;  // TensorBoard's default
constexpr double kForecastLabelTop = 0.02;  // the forecast label's top, as a share of the axis height

}  // namespace

struct ChartPanel::Series {
    int id = 0;
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QVector<double> keys;
    IndexedValues values, smoothValues;
    EmaSmoother smoother{kSmoothingWeight};
    int shown = 0;
    bool decimated = false;
    bool hidden = false;
};

struct ChartPanel::Marker {
    double step = 0.0;
    QString label;
    QColor color;
    QCPItemStraightLine* line = nullptr;
    QCPItemText* text = nullptr;
};

ChartPanel::ChartPanel(const QString& title, const QString& valueAxisTitle, QWidget* parent)
    : QWidget(parent), m_title(title)
{
    setObjectName(title);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(160);
    m_plot->setNoAntialiasingOnDrag(true);
    // Lines drawn as one polyline instead of a path of joined segments: measured by
    // grokscope-bench-charts, 4 charts x 2 series x 100,000 points redraw in ~10x less
    // time (171 -> 19 ms under load), with no visible difference at these pen widths.
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->plotLayout()->insertRow(0);
    auto* titleElement = new QCPTextElement(m_plot, title, QFont(font().family(), 10, QFont::Bold));
    titleElement->setObjectName(QStringLiteral("title"));
    m_plot->plotLayout()->addElement(0, 0, titleElement);
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(valueAxisTitle);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->legend->setIconSize(18, 8);
    // One line at the top right, in head room that applyRanges keeps free of data.
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setMargins(QMargins(4, 1, 4, 1));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->xAxis->setRange(0, 100);

    m_plot->addLayer(QStringLiteral("markers"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    // Markers and the threshold share the main paint buffer: they are never replotted on
    // their own, and each extra buffer is cleared and composited on every frame
    // (grokscope-bench-charts: ~1.5 ms of a ~9.5 ms redraw). Only the crosshair, which
    // follows the mouse, keeps a buffer of its own.
    m_markerLayer = m_plot->layer(QStringLiteral("markers"));
    m_plot->addLayer(QStringLiteral("threshold"), m_markerLayer, QCustomPlot::limAbove);
    m_thresholdLayer = m_plot->layer(QStringLiteral("threshold"));
    m_plot->addLayer(QStringLiteral("crosshair"), m_plot->layer(QStringLiteral("legend")), QCustomPlot::limAbove);
    m_crosshairLayer = m_plot->layer(QStringLiteral("crosshair"));
    m_crosshairLayer->setMode(QCPLayer::lmBuffered);

    m_crosshairLine = new QCPItemStraightLine(m_plot);
    m_crosshairLine->setLayer(m_crosshairLayer);
    m_crosshairLine->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_crosshairLine->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_crosshairLine->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
    m_crosshairLine->setVisible(false);
    m_crosshairText = new QCPItemText(m_plot);
    m_crosshairText->setLayer(m_crosshairLayer);
    m_crosshairText->position->setType(QCPItemPosition::ptAbsolute);
    m_crosshairText->setPadding(QMargins(4, 2, 4, 2));
    m_crosshairText->setTextAlignment(Qt::AlignLeft);
    m_crosshairText->setFont(QFont(font().family(), 8));
    m_crosshairText->setBrush(QBrush(QColor(255, 255, 225, 230)));
    m_crosshairText->setPen(QPen(QColor(90, 90, 90)));
    m_crosshairText->setColor(Qt::black);
    m_crosshairText->setVisible(false);

    m_logXBox = new QCheckBox(tr("log step"), this);
    m_logXBox->setToolTip(tr("Logarithmic step axis (all charts)"));
    m_smoothBox = new QCheckBox(tr("smooth"), this);
    m_smoothBox->setToolTip(tr("Overlay an exponential moving average; the raw curve stays visible"));
    m_followBox = new QCheckBox(tr("follow"), this);
    m_followBox->setChecked(true);
    m_followBox->setToolTip(tr("Fit the axes to the data as it arrives. Dragging or zooming turns this off; "
                               "double-click the chart to turn it back on."));
    auto* exportButton = new QToolButton(this);
    exportButton->setText(tr("Export…"));
    exportButton->setToolTip(tr("Export this chart as PNG, SVG or PDF"));
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 0, 4, 0);
    bar->addWidget(m_logXBox);
    bar->addWidget(m_smoothBox);
    bar->addWidget(m_followBox);
    bar->addStretch(1);
    m_thresholdSpin = new QDoubleSpinBox(this);
    m_thresholdSpin->setRange(0.0, 1.0);
    m_thresholdSpin->setDecimals(3);
    m_thresholdSpin->setSingleStep(0.005);
    m_thresholdSpin->setVisible(false);
    bar->addWidget(m_thresholdSpin);
    bar->addWidget(exportButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);

    connect(m_logXBox, &QCheckBox::toggled, this, [this](bool on) {
        setStepAxisLog(on);
        Q_EMIT stepAxisLogToggled(on);
    });
    connect(m_smoothBox, &QCheckBox::toggled, this, &ChartPanel::setSmoothing);
    connect(m_followBox, &QCheckBox::toggled, this, [this](bool on) {
        if (on == m_autoRange)
            return;
        setAutoRange(on);
        Q_EMIT autoRangeToggled(on);
    });
    connect(exportButton, &QToolButton::clicked, this, &ChartPanel::exportRequested);
    connect(m_thresholdSpin, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this](double value) {
        setThreshold(value);
        Q_EMIT thresholdChanged(value);
    });
    connect(m_plot->xAxis, QOverload<const QCPRange&>::of(&QCPAxis::rangeChanged), this,
            [this](const QCPRange& range) {
                if (m_applyingRange)
                    return;
                if (m_autoRange) {
                    m_autoRange = false;
                    m_followBox->setChecked(false);
                    Q_EMIT autoRangeToggled(false);
                }
                Q_EMIT stepRangeChangedByUser(range.lower, range.upper);
                markDirty();
            });
    connect(m_plot->yAxis, QOverload<const QCPRange&>::of(&QCPAxis::rangeChanged), this, [this](const QCPRange&) {
        if (!m_applyingRange && m_autoRange) {
            m_autoRange = false;
            m_followBox->setChecked(false);
            Q_EMIT autoRangeToggled(false);
        }
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, &ChartPanel::onMouseMove);
    // Label sides depend on where the markers fall in pixels, which changes with
    // every zoom, pan and follow step.
    connect(m_plot, &QCustomPlot::beforeReplot, this, &ChartPanel::layoutMarkerLabels);
    connect(m_plot, &QCustomPlot::legendClick, this,
            [this](QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent*) { onLegendClick(legend, item); });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        setAutoRange(true);
        Q_EMIT autoRangeToggled(true);
    });
    m_plot->installEventFilter(this);
}

ChartPanel::~ChartPanel() = default;

int ChartPanel::addSeries(const QString& name, const QColor& color, Qt::PenStyle style)
{
    auto series = std::make_unique<Series>();
    series->id = m_nextSeriesId++;
    series->name = name;
    series->color = color;
    series->style = style;
    series->smooth = m_plot->addGraph();
    series->smooth->removeFromLegend();
    series->raw = m_plot->addGraph();
    series->raw->setName(name);
    updateSeriesPens(*series);
    const int id = series->id;
    m_series.push_back(std::move(series));
    markDirty();
    return id;
}

void ChartPanel::removeSeries(int id)
{
    auto it = std::find_if(m_series.begin(), m_series.end(), [id](const auto& s) { return s->id == id; });
    if (it == m_series.end())
        return;
    m_plot->removeGraph((*it)->raw);
    m_plot->removeGraph((*it)->smooth);
    m_series.erase(it);
    markDirty();
}

void ChartPanel::removeAllSeries()
{
    while (!m_series.empty())
        removeSeries(m_series.back()->id);
}

void ChartPanel::appendPoint(int id, double step, double value)
{
    for (auto& s : m_series) {
        if (s->id != id)
            continue;
        if (!s->keys.isEmpty() && step < s->keys.back())
            return;  // keys stay sorted; a late duplicate is dropped
        s->keys.append(step);
        s->values.append(value);
        s->smoothValues.append(s->smoother.add(value));
        markDirty();
        return;
    }
}

void ChartPanel::setSeriesData(int id, const QVector<double>& steps, const QVector<double>& values)
{
    for (auto& s : m_series) {
        if (s->id != id)
            continue;
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
        markDirty();
        return;
    }
}

int ChartPanel::seriesCount() const { return static_cast<int>(m_series.size()); }

int ChartPanel::pointCount(int id) const
{
    for (const auto& s : m_series)
        if (s->id == id)
            return s->keys.size();
    return 0;
}

int ChartPanel::displayedPointCount(int id) const
{
    for (const auto& s : m_series)
        if (s->id == id)
            return s->raw->dataCount();
    return 0;
}

void ChartPanel::setValueAxisLog(bool logarithmic)
{
    m_valueLog = logarithmic;
    m_plot->yAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logarithmic) {
        auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
        m_plot->yAxis->setTicker(ticker);
        m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
        m_plot->yAxis->setNumberPrecision(0);
    } else {
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
        m_plot->yAxis->setNumberPrecision(6);
    }
    markDirty();
}

void ChartPanel::setFixedValueRange(double lower, double upper)
{
    m_fixedValueRange = true;
    m_fixedLower = lower;
    m_fixedUpper = upper;
    m_applyingRange = true;
    m_plot->yAxis->setRange(lower, upper);
    m_applyingRange = false;
}

void ChartPanel::addMarker(double step, const QString& label, const QColor& color)
{
    if (markerCount() >= kMaxMarkers) {
        ++m_hiddenMarkers;
        showMarkerNote();
        return;
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
    marker.text->setFont(QFont(font().family(), 7));
    marker.text->setPadding(QMargins(2, 0, 2, 0));
    marker.text->setClipToAxisRect(true);
    // Styled alone and laid out at the next refresh or replot: doing either for every
    // marker on each addition made adding n markers cost n².
    styleMarker(marker);
    m_markers.push_back(marker);
    markDirty();
}

void ChartPanel::styleMarker(Marker& marker)
{
    QColor background = m_palette.color(QPalette::Base);
    const bool light = background.lightness() > 128;
    background.setAlpha(190);
    marker.text->setBrush(background);
    marker.text->setColor(light ? marker.color.darker(130) : marker.color.lighter(130));
}

void ChartPanel::showMarkerNote()
{
    if (!m_markerNote) {
        m_markerNote = new QCPItemText(m_plot);
        m_markerNote->setLayer(m_markerLayer);
        m_markerNote->position->setType(QCPItemPosition::ptAxisRectRatio);
        m_markerNote->position->setCoords(0.995, 0.99);
        m_markerNote->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        m_markerNote->setFont(QFont(font().family(), 7));
        m_markerNote->setPadding(QMargins(2, 0, 2, 0));
        styleMarkerNote();
    }
    markDirty();  // the text follows the count in layoutMarkerLabels, once per replot
}

// Drawn over the marker labels it sits among, so it gets an opaque backing.
void ChartPanel::styleMarkerNote()
{
    QColor backing = m_palette.color(QPalette::Base);
    backing.setAlpha(235);
    m_markerNote->setBrush(backing);
    m_markerNote->setColor(m_textColor);
}

QString ChartPanel::markerNote() const
{
    return m_hiddenMarkers == 0 ? QString()
                                : tr("%n more marker(s) not drawn (at most %1 per chart)", nullptr, m_hiddenMarkers)
                                      .arg(kMaxMarkers);
}

void ChartPanel::layoutMarkerLabels()
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
    const QFontMetrics metrics(QFont(font().family(), 7));  // every marker label's font
    for (size_t i = 0; i < sorted.size(); ++i) {
        QCPItemText* text = sorted[i]->text;
        text->position->setCoords(sorted[i]->step, 0.97 - 0.085 * static_cast<double>(i % 5));
        const double x = m_plot->xAxis->coordToPixel(sorted[i]->step);
        const int width = metrics.horizontalAdvance(text->text()) + 6;
        const bool fitsRight = x + width <= rightEdge;
        text->setPositionAlignment((fitsRight ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignBottom);
    }
}

void ChartPanel::clearMarkers()
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
    markDirty();
}

int ChartPanel::markerCount() const { return static_cast<int>(m_markers.size()); }

QStringList ChartPanel::markerLabels() const
{
    QStringList labels;
    for (const auto& m : m_markers)
        labels << m.label;
    return labels;
}

void ChartPanel::enableThreshold(const QString& name, double value)
{
    m_thresholdName = name;
    if (!m_thresholdLine) {
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
        m_thresholdText->setFont(QFont(font().family(), 8, QFont::Bold));
        m_thresholdSpin->setVisible(true);
        m_thresholdSpin->setPrefix(name + QStringLiteral(" = "));
        m_thresholdSpin->setToolTip(tr("Edit the threshold %1").arg(name));
    }
    setThreshold(value);
}

void ChartPanel::setForecast(double step, double halfWidthSteps, const QString& label)
{
    const QColor colour(0, 140, 140);
    if (!m_forecastBand) {
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
        // Top left, in head room that applyRanges keeps free of data.
        m_forecastText->position->setCoords(0.01, kForecastLabelTop);
        m_forecastText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        m_forecastText->setPadding(QMargins(3, 1, 3, 1));
        m_forecastText->setColor(colour.darker(115));
        m_forecastText->setFont(QFont(font().family(), 8, QFont::Bold));
        applyPalette(m_palette);  // the text's colour and backing follow the palette
    }
    const double halfWidth = std::isfinite(halfWidthSteps) ? halfWidthSteps : 0.0;
    m_forecastBand->topLeft->setCoords(step - halfWidth, 0.0);
    m_forecastBand->bottomRight->setCoords(step + halfWidth, 1.0);
    m_forecastLine->point1->setCoords(step, 0.0);
    m_forecastLine->point2->setCoords(step, 1.0);
    m_forecastText->setText(label);
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_forecastBand, m_forecastLine, m_forecastText})
        item->setVisible(true);
    markDirty();
}

void ChartPanel::clearForecast()
{
    if (!m_forecastBand)
        return;
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_forecastBand, m_forecastLine, m_forecastText})
        item->setVisible(false);
    markDirty();
}

// The share of the value axis, from the top, that the legend and the forecast label
// cover: the value range is stretched by it so that no data point is drawn underneath.
double ChartPanel::overlayHeadroomFraction() const
{
    // An export keeps the on-screen margins (titles, tick labels) at another plot height.
    const int axisHeight = m_plot->axisRect()->height() + (m_exportHeight > 0 ? m_exportHeight - m_plot->height() : 0);
    if (axisHeight <= 0)
        return 0.0;
    double overlay = 0.0;
    if (m_plot->legend->visible() && m_plot->legend->itemCount() > 0) {
        // Where the last layout put it (inset margins included); its size hint before that.
        const QRect placed = m_plot->legend->outerRect();
        overlay = placed.isValid() ? placed.bottom() - m_plot->axisRect()->top()
                                   : m_plot->legend->minimumOuterSizeHint().height();
    }
    if (hasForecast()) {
        // Placed at 2 % of the axis height from the top, then its text and padding.
        overlay = std::max(overlay, kForecastLabelTop * axisHeight + QFontMetrics(m_forecastText->font()).height() + 2.0);
    }
    return overlay > 0.0 ? std::min(0.3, (overlay + 4.0) / axisHeight) : 0.0;
}

bool ChartPanel::hasForecast() const { return m_forecastText && m_forecastText->visible(); }

QString ChartPanel::forecastText() const { return hasForecast() ? m_forecastText->text() : QString(); }

void ChartPanel::setThreshold(double value)
{
    if (!m_thresholdLine)
        return;
    m_thresholdLine->point1->setCoords(0.0, value);
    m_thresholdLine->point2->setCoords(1.0, value);
    m_thresholdText->position->setCoords(0.01, value);
    m_thresholdText->setText(QStringLiteral("%1 = %2").arg(m_thresholdName).arg(value, 0, 'f', 3));
    if (std::abs(m_thresholdSpin->value() - value) > 1e-9) {
        QSignalBlocker block(m_thresholdSpin);
        m_thresholdSpin->setValue(value);
    }
    markDirty();
}

double ChartPanel::threshold() const { return m_thresholdSpin->value(); }

void ChartPanel::setStepAxisLog(bool logarithmic)
{
    if (m_stepLog == logarithmic)
        return;
    m_stepLog = logarithmic;
    {
        QSignalBlocker block(m_logXBox);
        m_logXBox->setChecked(logarithmic);
    }
    m_applyingRange = true;
    m_plot->xAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logarithmic)
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    m_applyingRange = false;
    for (auto& s : m_series)
        s->decimated = true;  // forces a rebuild for the new pixel mapping
    setAutoRange(true);
}

void ChartPanel::setStepRange(double lower, double upper)
{
    m_applyingRange = true;
    m_plot->xAxis->setRange(lower, upper);
    m_applyingRange = false;
    if (m_autoRange) {
        m_autoRange = false;
        QSignalBlocker block(m_followBox);
        m_followBox->setChecked(false);
    }
    markDirty();
}

void ChartPanel::setAutoRange(bool follow)
{
    m_autoRange = follow;
    {
        QSignalBlocker block(m_followBox);
        m_followBox->setChecked(follow);
    }
    markDirty();
}

void ChartPanel::setSmoothing(bool enabled)
{
    m_smoothing = enabled;
    {
        QSignalBlocker block(m_smoothBox);
        m_smoothBox->setChecked(enabled);
    }
    for (auto& s : m_series)
        updateSeriesPens(*s);
    markDirty();
}

void ChartPanel::updateSeriesPens(Series& s)
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
void ChartPanel::updateAntialiasing(Series& s)
{
    s.raw->setAntialiased(m_exporting || !s.decimated);
}

void ChartPanel::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item)
{
    auto* plottableItem = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!plottableItem)
        return;
    for (auto& s : m_series) {
        if (s->raw == plottableItem->plottable()) {
            s->hidden = !s->hidden;
            updateSeriesPens(*s);
            markDirty();
        }
    }
}

void ChartPanel::applyPalette(const QPalette& palette)
{
    m_palette = palette;
    const QColor background = palette.color(QPalette::Base);
    m_textColor = palette.color(QPalette::Text);
    const QColor grid = background.lightness() > 128 ? QColor(220, 220, 220) : QColor(70, 70, 70);
    m_plot->setBackground(background);
    m_plot->setProperty("grokscopeBackground", background);
    m_plot->axisRect()->setBackground(background);
    if (m_forecastText) {
        QColor backing = background;
        backing.setAlpha(215);
        m_forecastText->setBrush(backing);
        m_forecastText->setColor(background.lightness() > 128 ? QColor(0, 110, 110) : QColor(90, 210, 210));
    }
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis, m_plot->xAxis2, m_plot->yAxis2}) {
        axis->setBasePen(QPen(m_textColor));
        axis->setTickPen(QPen(m_textColor));
        axis->setSubTickPen(QPen(m_textColor));
        axis->setTickLabelColor(m_textColor);
        axis->setLabelColor(m_textColor);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setSubGridPen(Qt::NoPen);
    }
    QColor legendBrush = background;
    legendBrush.setAlpha(210);
    m_plot->legend->setBrush(legendBrush);
    m_plot->legend->setBorderPen(QPen(grid.darker(120)));
    m_plot->legend->setTextColor(m_textColor);
    if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
        title->setTextColor(m_textColor);
    for (auto& m : m_markers)
        styleMarker(m);
    if (m_markerNote)
        styleMarkerNote();
    for (auto& s : m_series)
        updateSeriesPens(*s);
    markDirty();
}

void ChartPanel::setExportMode(bool exporting, int height)
{
    const bool entering = exporting && !m_exporting, leaving = !exporting && m_exporting;
    m_exporting = exporting;
    m_exportHeight = exporting ? height : 0;
    for (auto& s : m_series)
        updateAntialiasing(*s);
    if (exporting) {
        m_crosshairLine->setVisible(false);
        m_crosshairText->setVisible(false);
    }
    if (entering)
        m_rangesBeforeExport = {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper,
                                m_plot->yAxis->range().lower, m_plot->yAxis->range().upper};
    if (exporting && m_autoRange) {
        applyRanges();
    } else if (leaving) {
        // As shown before: re-fitting here would measure the plot still laid out at the
        // export's size (the exporter's replot restores the layout afterwards).
        m_applyingRange = true;
        m_plot->xAxis->setRange(m_rangesBeforeExport[0], m_rangesBeforeExport[1]);
        m_plot->yAxis->setRange(m_rangesBeforeExport[2], m_rangesBeforeExport[3]);
        m_applyingRange = false;
    }
}

void ChartPanel::markDirty()
{
    if (m_dirty)
        return;
    m_dirty = true;
    Q_EMIT dirtied();
}

void ChartPanel::applyRanges()
{
    m_applyingRange = true;
    double keyLow = std::numeric_limits<double>::max(), keyHigh = std::numeric_limits<double>::lowest();
    for (const auto& s : m_series) {
        if (s->hidden || s->keys.isEmpty())
            continue;
        for (double k : {s->keys.front(), s->keys.back()}) {
            if (m_stepLog && k <= 0.0)
                continue;
            keyLow = std::min(keyLow, k);
            keyHigh = std::max(keyHigh, k);
        }
        if (m_stepLog && s->keys.front() <= 0.0 && s->keys.size() > 1)
            keyLow = std::min(keyLow, s->keys[1]);
    }
    if (keyLow <= keyHigh) {
        if (keyHigh <= keyLow)
            keyHigh = keyLow + 1.0;
        if (m_stepLog)
            m_plot->xAxis->setRange(std::max(1.0, keyLow), keyHigh * std::pow(keyHigh / std::max(1.0, keyLow), kStepPadding));
        else
            m_plot->xAxis->setRange(keyLow, keyHigh + (keyHigh - keyLow) * kStepPadding);
    }
    const double headroom = overlayHeadroomFraction();
    // Stretches [lower, upper] upwards so that it fills the axis below the head room.
    auto setValueRange = [&](double lower, double upper) {
        if (m_valueLog && lower > 0.0 && upper > 0.0)
            m_plot->yAxis->setRange(lower, lower * std::pow(upper / lower, 1.0 / (1.0 - headroom)));
        else
            m_plot->yAxis->setRange(lower, lower + (upper - lower) / (1.0 - headroom));
    };
    if (m_fixedValueRange) {
        setValueRange(m_fixedLower, m_fixedUpper);
    } else {
        const QCPRange keys = m_plot->xAxis->range();
        double low = std::numeric_limits<double>::max(), high = std::numeric_limits<double>::lowest();
        for (const auto& s : m_series) {
            if (s->hidden)
                continue;
            const int begin = static_cast<int>(std::lower_bound(s->keys.begin(), s->keys.end(), keys.lower) - s->keys.begin());
            const int end = static_cast<int>(std::upper_bound(s->keys.begin(), s->keys.end(), keys.upper) - s->keys.begin());
            const IndexedValues::Extremes e = s->values.find(begin, end);
            const int lowAt = m_valueLog ? e.minPositiveAt : e.minAt;
            if (lowAt < 0)
                continue;
            low = std::min(low, s->values[lowAt]);
            high = std::max(high, s->values[e.maxAt]);
        }
        if (m_thresholdLine) {
            low = std::min(low, threshold());
            high = std::max(high, threshold());
        }
        if (low <= high) {
            if (m_valueLog) {
                setValueRange(low / 1.5, high * 1.5);
            } else {
                const double pad = std::max((high - low) * 0.06, 1e-6 + std::abs(high) * 0.02);
                setValueRange(low - pad, high + pad);
            }
        }
    }
    m_applyingRange = false;
}

void ChartPanel::refresh()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    if (m_autoRange)
        applyRanges();
    const QCPRange keys = m_plot->xAxis->range();
    const int buckets = std::max(100, m_plot->axisRect()->width());
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
        const DecimatedSeries raw = decimateMinMax(s->keys, s->values, keys.lower, keys.upper, buckets);
        s->raw->setData(raw.keys, raw.values, true);
        if (m_smoothing) {
            const DecimatedSeries smooth = decimateMinMax(s->keys, s->smoothValues, keys.lower, keys.upper, buckets);
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
    layoutMarkerLabels();  // now too, for an export drawn before the queued replot
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartPanel::onMouseMove(QMouseEvent* event)
{
    if (m_exporting || m_series.empty())
        return;
    const QRect rect = m_plot->axisRect()->rect();
    if (!rect.contains(event->pos())) {
        m_crosshairLine->setVisible(false);
        m_crosshairText->setVisible(false);
        m_crosshairLayer->replot();
        return;
    }
    const double step = m_plot->xAxis->pixelToCoord(event->pos().x());
    QStringList lines;
    double nearestStep = step;
    for (const auto& s : m_series) {
        if (s->hidden || s->keys.isEmpty())
            continue;
        auto it = std::lower_bound(s->keys.begin(), s->keys.end(), step);
        if (it == s->keys.end())
            --it;
        else if (it != s->keys.begin() && std::abs(*(it - 1) - step) < std::abs(*it - step))
            --it;
        const int index = static_cast<int>(it - s->keys.begin());
        nearestStep = *it;
        lines << QStringLiteral("%1: %2").arg(s->name).arg(s->values[index], 0, 'g', 4);
    }
    lines.prepend(tr("step %1").arg(nearestStep, 0, 'f', 0));
    m_crosshairLine->point1->setCoords(nearestStep, 0.0);
    m_crosshairLine->point2->setCoords(nearestStep, 1.0);
    m_crosshairLine->setVisible(true);
    m_crosshairText->setText(lines.join(QLatin1Char('\n')));
    const bool leftHalf = event->pos().x() < rect.center().x();
    m_crosshairText->setPositionAlignment((leftHalf ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop);
    m_crosshairText->position->setCoords(event->pos().x() + (leftHalf ? 10 : -10), rect.top() + 4);
    m_crosshairText->setVisible(true);
    m_crosshairLayer->replot();
}

bool ChartPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot && event->type() == QEvent::Leave && m_crosshairLine->visible()) {
        m_crosshairLine->setVisible(false);
        m_crosshairText->setVisible(false);
        m_crosshairLayer->replot();
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace grokscope::ui
