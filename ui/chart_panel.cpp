#include "chart_panel.h"

#include "chart_bands.h"
#include "chart_crosshair.h"
#include "chart_legend.h"
#include "chart_series.h"
#include "chart_toolbar.h"
#include "wheel_guard.h"

#include "qcustomplot_include.h"

#include <QDoubleSpinBox>
#include <QResizeEvent>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

// The same right-hand padding as the spectrogram, so the step axes line up.
constexpr double kStepPadding = 0.01;

}  // namespace

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

    m_series = std::make_unique<ChartSeriesSet>(m_plot);
    m_bands = std::make_unique<ChartBandSet>(m_plot);
    m_overlays = new ChartOverlays(m_plot, font().family());
    m_overlays->setOccupiedTest([this](const QRectF& pixels) { return coversData(pixels); });
    m_crosshair = new ChartCrosshair(m_plot, font().family());

    m_toolbar = new ChartToolbar(ChartToolbar::Smoothing::Offered, this);
    m_thresholdSpin = new QDoubleSpinBox(this);
    m_thresholdSpin->setRange(0.0, 1.0);
    m_thresholdSpin->setDecimals(3);
    m_thresholdSpin->setSingleStep(0.005);
    m_thresholdSpin->setVisible(false);
    m_toolbar->addTrailingWidget(m_thresholdSpin);
    m_toolbar->watchStepAxis(m_plot->xAxis, m_plot);
    m_toolbar->watchValueAxis(m_plot->yAxis);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_toolbar);
    layout->addWidget(m_plot, 1);

    connect(m_toolbar, &ChartToolbar::stepAxisLogToggled, this, [this](bool on) {
        setStepAxisLog(on);
        Q_EMIT stepAxisLogToggled(on);
    });
    connect(m_toolbar, &ChartToolbar::smoothingWeightChanged, this, [this](double weight) {
        setSmoothingWeight(weight);
        Q_EMIT smoothingWeightChanged(weight);
    });
    connect(m_toolbar, &ChartToolbar::followToggled, this, [this](bool on) {
        Q_EMIT autoRangeToggled(on);
        markDirty();
    });
    connect(m_toolbar, &ChartToolbar::stepRangeChangedByUser, this, [this](double lower, double upper) {
        Q_EMIT stepRangeChangedByUser(lower, upper);
        markDirty();  // the visible window is decimated anew
    });
    connect(m_toolbar, &ChartToolbar::exportRequested, this, &ChartPanel::exportRequested);
    connect(m_thresholdSpin, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this](double value) {
        setThreshold(value);
        Q_EMIT thresholdChanged(value);
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, &ChartPanel::onMouseMove);
    connect(m_crosshair, &ChartCrosshair::moved, this, &ChartPanel::crosshairMoved);
    connect(m_crosshair, &ChartCrosshair::left, this, &ChartPanel::crosshairLeft);
    // Label places depend on where markers, curves and the legend fall in pixels, which
    // changes with every zoom, pan, resize and follow step.
    connect(m_plot, &QCustomPlot::beforeReplot, this, &ChartPanel::layoutDecorations);
    installWheelGuard(this);  // the H̃* box: scrolling past a chart must not edit the threshold
    connect(m_plot, &QCustomPlot::legendClick, this,
            [this](QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent*) { onLegendClick(legend, item); });
}

ChartPanel::~ChartPanel() = default;

int ChartPanel::addSeries(const QString& name, const QColor& color, Qt::PenStyle style, const SeriesLook& look)
{
    const int id = m_series->add(name, color, style, look);
    markDirty();
    return id;
}

void ChartPanel::setSeriesVisible(int id, bool visible)
{
    if (m_series->setVisible(id, visible))
        markDirty();
}

bool ChartPanel::isSeriesVisible(int id) const { return m_series->isVisible(id); }

void ChartPanel::setSeriesName(int id, const QString& name)
{
    if (m_series->setName(id, name))
        markDirty();
}

void ChartPanel::setSeriesInLegend(int id, bool inLegend)
{
    if (m_series->setInLegend(id, inLegend))
        markDirty();
}

void ChartPanel::setSeriesColor(int id, const QColor& color)
{
    if (m_series->setColor(id, color))
        markDirty();
}

int ChartPanel::addBand(const QColor& color)
{
    const int id = m_bands->add(color);
    markDirty();
    return id;
}

void ChartPanel::setBandData(int id, const QVector<double>& steps, const QVector<double>& lower, const QVector<double>& upper)
{
    if (m_bands->setData(id, steps, lower, upper))
        markDirty();
}

void ChartPanel::setBandVisible(int id, bool visible)
{
    if (m_bands->setVisible(id, visible))
        markDirty();
}

void ChartPanel::setBandColor(int id, const QColor& color)
{
    if (m_bands->setColor(id, color))
        markDirty();
}

void ChartPanel::removeBand(int id)
{
    if (m_bands->remove(id))
        markDirty();
}

void ChartPanel::removeAllBands()
{
    m_bands->clear();
    markDirty();
}

void ChartPanel::removeSeries(int id)
{
    if (m_series->remove(id))
        markDirty();
}

void ChartPanel::removeAllSeries()
{
    while (!m_series->empty())
        removeSeries(m_series->lastId());
}

void ChartPanel::appendPoint(int id, double step, double value)
{
    if (m_series->append(id, step, value))
        markDirty();
}

void ChartPanel::setSeriesData(int id, const QVector<double>& steps, const QVector<double>& values)
{
    if (m_series->setData(id, steps, values))
        markDirty();
}

QString ChartPanel::seriesName(int id) const { return m_series->name(id); }

QColor ChartPanel::seriesColor(int id) const { return m_series->color(id); }

QVector<double> ChartPanel::seriesSteps(int id) const { return m_series->steps(id); }

QVector<double> ChartPanel::seriesValues(int id) const { return m_series->values(id); }

int ChartPanel::seriesCount() const { return m_series->count(); }

int ChartPanel::pointCount(int id) const { return m_series->pointCount(id); }

int ChartPanel::displayedPointCount(int id) const { return m_series->displayedPointCount(id); }

void ChartPanel::setValueAxisLog(bool logarithmic)
{
    m_valueLog = logarithmic;
    // A log scale moves a range that reaches 0 (the default 0 to 5) to positive values:
    // the chart's own change, which must not untick "follow" (issue 19, defect 5).
    ChartToolbar::ProgrammaticRange own(*m_toolbar);
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
    ChartToolbar::ProgrammaticRange own(*m_toolbar);
    m_plot->yAxis->setRange(lower, upper);
}

void ChartPanel::addMarker(double step, const QString& label, const QColor& color, int owner)
{
    m_overlays->addMarker(step, label, color, owner);
    markDirty();  // a hidden one changes the note, laid out once per replot
}

void ChartPanel::setMarkersVisible(int owner, bool visible)
{
    m_overlays->setMarkersVisible(owner, visible);
    markDirty();
}

void ChartPanel::removeMarkers(int owner)
{
    m_overlays->removeMarkers(owner);
    markDirty();
}

void ChartPanel::clearMarkers()
{
    m_overlays->clearMarkers();
    markDirty();
}

int ChartPanel::markerCount() const { return m_overlays->markerCount(); }

int ChartPanel::hiddenMarkerCount() const { return m_overlays->hiddenMarkerCount(); }

QStringList ChartPanel::markerLabels() const { return m_overlays->markerLabels(); }

QString ChartPanel::markerNote() const { return m_overlays->markerNote(); }

void ChartPanel::enableThreshold(const QString& name, double value)
{
    if (!m_overlays->hasThreshold()) {
        m_thresholdSpin->setVisible(true);
        m_thresholdSpin->setPrefix(name + QStringLiteral(" = "));
        m_thresholdSpin->setToolTip(tr("Edit the threshold %1").arg(name));
        // Its size hint undercounts the prefix's combining tilde, and a narrow toolbar then
        // cut the value off ("H̃* = 0"): the whole text plus the arrows always fit.
        const int textWidth = m_thresholdSpin->fontMetrics().horizontalAdvance(m_thresholdSpin->prefix() + QStringLiteral("0.0000"));
        m_thresholdSpin->setMinimumWidth(std::max(m_thresholdSpin->sizeHint().width(), textWidth + 26));
    }
    m_overlays->enableThreshold(name);
    setThreshold(value);
}

void ChartPanel::setThreshold(double value)
{
    if (!m_overlays->hasThreshold())
        return;
    m_overlays->setThreshold(value);
    if (std::abs(m_thresholdSpin->value() - value) > 1e-9) {
        QSignalBlocker block(m_thresholdSpin);
        m_thresholdSpin->setValue(value);
    }
    markDirty();
}

double ChartPanel::threshold() const { return m_thresholdSpin->value(); }

void ChartPanel::setForecast(double step, double halfWidthSteps, const QString& label)
{
    if (m_overlays->setForecast(step, halfWidthSteps, label))
        applyPalette(m_palette);  // the new read-out's colour and backing follow the palette
    markDirty();
}

void ChartPanel::clearForecast()
{
    if (m_overlays->clearForecast())
        markDirty();
}

bool ChartPanel::hasForecast() const { return m_overlays->hasForecast(); }

QString ChartPanel::forecastText() const { return m_overlays->forecastText(); }

// The share of the value axis, from the top, that the legend and the forecast label
// cover: the value range is stretched by it so that no data point is drawn underneath.
double ChartPanel::overlayHeadroomFraction() const
{
    // An export keeps the on-screen margins (titles, tick labels) at another plot height.
    const int axisHeight = m_plot->axisRect()->height() +
                           (m_exportHeight > 0 && !m_exportLaidOut ? m_exportHeight - m_plot->height() : 0);
    if (axisHeight <= 0)
        return 0.0;
    double overlay = 0.0;
    if (m_plot->legend->visible() && m_plot->legend->itemCount() > 0 && ChartLegend::place(m_plot) == LegendPlace::Inside) {
        // Where the last layout put it (inset margins included); its size hint before that.
        const QRect placed = m_plot->legend->outerRect();
        overlay = placed.isValid() ? placed.bottom() - m_plot->axisRect()->top()
                                   : m_plot->legend->minimumOuterSizeHint().height();
    }
    if (hasForecast())
        overlay = std::max(overlay, m_overlays->forecastLabelBottom(axisHeight));
    return overlay > 0.0 ? std::min(0.3, (overlay + 4.0) / axisHeight) : 0.0;
}

bool ChartPanel::stepAxisLog() const { return m_toolbar->stepAxisLog(); }

void ChartPanel::setStepAxisLog(bool logarithmic)
{
    if (m_toolbar->stepAxisLog() == logarithmic)
        return;
    m_toolbar->setStepAxisLog(logarithmic);
    m_series->invalidateDisplayed();  // a rebuild for the new pixel mapping
    setAutoRange(true);
}

void ChartPanel::setStepRange(double lower, double upper)
{
    {
        ChartToolbar::ProgrammaticRange own(*m_toolbar);
        m_plot->xAxis->setRange(lower, upper);
    }
    if (m_toolbar->follow())
        m_toolbar->setFollow(false);
    markDirty();
}

bool ChartPanel::autoRange() const { return m_toolbar->follow(); }

void ChartPanel::setAutoRange(bool follow)
{
    m_toolbar->setFollow(follow);
    markDirty();
}

bool ChartPanel::smoothing() const { return m_series->smoothing(); }

void ChartPanel::setSmoothing(bool enabled)
{
    setSmoothingWeight(enabled ? ChartSeriesSet::kSmoothingWeight : 0.0);
}

double ChartPanel::smoothingWeight() const { return m_series->smoothingWeight(); }

void ChartPanel::setSmoothingWeight(double weight)
{
    m_toolbar->setSmoothingWeight(weight);
    m_series->setSmoothingWeight(weight);
    markDirty();
}

void ChartPanel::showCrosshairAt(double step)
{
    if (!m_exporting)
        m_crosshair->showAt(step, *m_series);
}

void ChartPanel::hideCrosshair()
{
    if (m_crosshair->isVisible())
        m_crosshair->hide();
}

bool ChartPanel::crosshairVisible() const { return m_crosshair->isVisible(); }

void ChartPanel::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item)
{
    auto* plottableItem = qobject_cast<QCPPlottableLegendItem*>(item);
    if (plottableItem && m_series->toggleHidden(plottableItem->plottable()))
        markDirty();
}

void ChartPanel::applyPalette(const QPalette& palette)
{
    m_palette = palette;
    const QColor background = palette.color(QPalette::Base);
    const QColor textColor = palette.color(QPalette::Text);
    const QColor grid = background.lightness() > 128 ? QColor(220, 220, 220) : QColor(70, 70, 70);
    m_plot->setBackground(background);
    m_plot->setProperty("grokscopeBackground", background);
    m_plot->axisRect()->setBackground(background);
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis, m_plot->xAxis2, m_plot->yAxis2}) {
        axis->setBasePen(QPen(textColor));
        axis->setTickPen(QPen(textColor));
        axis->setSubTickPen(QPen(textColor));
        axis->setTickLabelColor(textColor);
        axis->setLabelColor(textColor);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setSubGridPen(Qt::NoPen);
    }
    QColor legendBrush = background;
    legendBrush.setAlpha(210);
    m_plot->legend->setBrush(legendBrush);
    m_plot->legend->setBorderPen(QPen(grid.darker(120)));
    m_plot->legend->setTextColor(textColor);
    if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
        title->setTextColor(textColor);
    m_overlays->applyPalette(palette, textColor);
    m_series->setTextColor(textColor);
    markDirty();
}

void ChartPanel::setExportMode(bool exporting, int height)
{
    const bool entering = exporting && !m_exporting, leaving = !exporting && m_exporting;
    m_exporting = exporting;
    m_exportHeight = exporting ? height : 0;
    m_series->setExporting(exporting);
    if (exporting)
        m_crosshair->hideQuietly();
    if (entering)
        m_rangesBeforeExport = {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper,
                                m_plot->yAxis->range().lower, m_plot->yAxis->range().upper};
    if (exporting && autoRange()) {
        applyRanges();
    } else if (leaving) {
        // As shown before: re-fitting here would measure the plot still laid out at the
        // export's size (the exporter's replot restores the layout afterwards).
        ChartToolbar::ProgrammaticRange own(*m_toolbar);
        m_plot->xAxis->setRange(m_rangesBeforeExport[0], m_rangesBeforeExport[1]);
        m_plot->yAxis->setRange(m_rangesBeforeExport[2], m_rangesBeforeExport[3]);
    }
    if (leaving && m_exportLaidOut) {
        m_exportLaidOut = false;
        m_plot->setViewport(m_plot->rect());
        m_legendLaidOutFor = QSize();  // the next replot lays the legend out for the screen
    }
}

void ChartPanel::setExportMode(bool exporting, const QSize& size)
{
    if (!exporting) {
        setExportMode(false, 0);
        return;
    }
    // The viewport that QCustomPlot::toPainter will set, so that what is measured below
    // (axes, legend, label levels) is what the export draws.
    m_exportLaidOut = true;
    m_plot->setViewport(QRect(QPoint(0, 0), size));
    m_legendLaidOutFor = QSize();
    layoutLegend();
    setExportMode(true, size.height());
    ChartLegend::relayout(m_plot);  // for the export's ranges and tick labels
    m_overlays->layoutLabels();
    m_overlays->layoutMarkerLabels();
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
    ChartToolbar::ProgrammaticRange own(*m_toolbar);
    const bool stepLog = stepAxisLog();
    auto steps = m_series->stepExtent(stepLog);
    if (const auto band = m_bands->stepExtent(stepLog))
        steps = steps ? std::make_pair(std::min(steps->first, band->first), std::max(steps->second, band->second)) : *band;
    if (steps) {
        auto [keyLow, keyHigh] = *steps;
        if (keyHigh <= keyLow)
            keyHigh = keyLow + 1.0;
        if (stepLog)
            m_plot->xAxis->setRange(std::max(1.0, keyLow), keyHigh * std::pow(keyHigh / std::max(1.0, keyLow), kStepPadding));
        else
            m_plot->xAxis->setRange(keyLow, keyHigh + (keyHigh - keyLow) * kStepPadding);
    } else {
        // Nothing shown (a Reset, every run hidden): the first screen's step axis, not
        // the last run's range.
        m_plot->xAxis->setRange(stepLog ? 1.0 : 0.0, stepLog ? 1000.0 : 100.0);
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
        return;
    }
    const QCPRange keys = m_plot->xAxis->range();
    auto values = m_series->valueExtent(keys.lower, keys.upper, m_valueLog);
    if (const auto band = m_bands->valueExtent(keys.lower, keys.upper, m_valueLog))
        values = values ? std::make_pair(std::min(values->first, band->first), std::max(values->second, band->second))
                        : *band;
    if (m_overlays->hasThreshold()) {
        const double t = threshold();
        values = values ? std::make_pair(std::min(values->first, t), std::max(values->second, t)) : std::make_pair(t, t);
    }
    if (!values)
        return;
    const auto [low, high] = *values;
    if (m_valueLog) {
        setValueRange(low / 1.5, high * 1.5);
    } else {
        const double pad = std::max((high - low) * 0.06, 1e-6 + std::abs(high) * 0.02);
        setValueRange(low - pad, high + pad);
    }
}

void ChartPanel::refresh()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    // The legend first: whether it sits inside the axes sets the head room.
    layoutLegend();
    m_overlays->layoutLabels();
    if (autoRange())
        applyRanges();
    const QCPRange keys = m_plot->xAxis->range();
    m_series->pushToGraphs(keys.lower, keys.upper, std::max(100, m_plot->axisRect()->width()));
    // Now too, for an export drawn before the queued replot.
    m_overlays->layoutLabels();
    m_overlays->layoutMarkerLabels();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartPanel::layoutDecorations()
{
    if (m_exporting)
        return;  // the export keeps the screen's places, re-fitted for its height already
    layoutLegend();
    m_overlays->layoutLabels();
    m_overlays->layoutMarkerLabels();
}

void ChartPanel::layoutLegend()
{
    const QSize size = m_plot->viewport().size();
    // In steps of 40 pixels: the read-out's text changes with every evaluation.
    const int reserve = m_overlays->hasForecast() ? (m_overlays->forecastLabelWidth() / 40 + 1) * 40 + 8 : 0;
    if (size == m_legendLaidOutFor && m_series->legendRevision() == m_legendLaidOutRevision &&
        reserve == m_legendLaidOutReserve)
        return;
    ChartLegend::layout(m_plot, *m_series, reserve);
    m_legendLaidOutFor = size;
    m_legendLaidOutRevision = m_series->legendRevision();
    m_legendLaidOutReserve = reserve;
}

bool ChartPanel::coversData(const QRectF& pixels) const
{
    const QRectF box = pixels.adjusted(-1, -1, 1, 1);  // the pen's width
    const double stepA = m_plot->xAxis->pixelToCoord(box.left()), stepB = m_plot->xAxis->pixelToCoord(box.right());
    const double valueA = m_plot->yAxis->pixelToCoord(box.top()), valueB = m_plot->yAxis->pixelToCoord(box.bottom());
    const QLineF edges[] = {{box.topLeft(), box.topRight()}, {box.topRight(), box.bottomRight()},
                            {box.bottomRight(), box.bottomLeft()}, {box.bottomLeft(), box.topLeft()}};
    // In pixels, where a segment is straight whatever the axes' scales.
    auto crossesEdge = [&](double step0, double value0, double step1, double value1) {
        const QPointF a(m_plot->xAxis->coordToPixel(step0), m_plot->yAxis->coordToPixel(value0));
        const QPointF b(m_plot->xAxis->coordToPixel(step1), m_plot->yAxis->coordToPixel(value1));
        if (box.contains(a) || box.contains(b))
            return true;
        const QLineF segment(a, b);
        return std::any_of(std::begin(edges), std::end(edges), [&](const QLineF& edge) {
            return segment.intersects(edge, nullptr) == QLineF::BoundedIntersection;
        });
    };
    return m_series->curvesCross(std::min(stepA, stepB), std::max(stepA, stepB), std::min(valueA, valueB),
                                 std::max(valueA, valueB), crossesEdge);
}

void ChartPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    markDirty();  // the legend may wrap or move, and the head room changes
}

void ChartPanel::onMouseMove(QMouseEvent* event)
{
    if (m_exporting || m_series->empty())
        return;
    m_crosshair->follow(event->pos(), *m_series);
}

}  // namespace grokscope::ui
