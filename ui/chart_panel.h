#pragma once
// One time-series chart on the shared step axis. The panel owns the QCustomPlot and
// fits its ranges; the parts live apart:
// - chart_series.h:    raw and smoothed series, min/max decimation for long runs;
// - chart_bands.h:     translucent bands (an experiment arm's spread over its seeds);
// - chart_legend.h:    where the legend goes and how it wraps;
// - chart_overlays.h:  event markers, the threshold line, the forecast band;
// - chart_crosshair.h: the crosshair and its read-out, synced across charts;
// - chart_toolbar.h:   the row above the chart, shared with SpectrumPanel, and the
//                      follow/step-range bookkeeping behind it.

#include <QColor>
#include <QPalette>
#include <QVector>
#include <QWidget>

#include "chart_overlays.h"
#include "chart_series.h"

#include <array>
#include <memory>

class QCustomPlot;
class QCPAbstractLegendItem;
class QCPLegend;
class QDoubleSpinBox;
class QMouseEvent;

namespace grokscope::ui {

class ChartBandSet;
class ChartCrosshair;
class ChartToolbar;

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    ChartPanel(const QString& title, const QString& valueAxisTitle, QWidget* parent = nullptr);
    ~ChartPanel() override;

    QString title() const { return m_title; }
    QCustomPlot* plot() const { return m_plot; }
    ChartToolbar* toolbar() const { return m_toolbar; }

    // Returns the series id. A run keeps one colour; its series differ by dash.
    int addSeries(const QString& name, const QColor& color, Qt::PenStyle style = Qt::SolidLine,
                  const SeriesLook& look = {});
    void removeSeries(int series);
    void removeAllSeries();
    void appendPoint(int series, double step, double value);
    void setSeriesData(int series, const QVector<double>& steps, const QVector<double>& values);
    // Hidden: off the chart and out of the legend, the read-out and the fitted ranges.
    void setSeriesVisible(int series, bool visible);
    bool isSeriesVisible(int series) const;
    void setSeriesName(int series, const QString& name);
    // Out of the legend only: still drawn, fitted and read out.
    void setSeriesInLegend(int series, bool inLegend);
    void setSeriesColor(int series, const QColor& color);
    QString seriesName(int series) const;  // in full, as the read-out shows it
    QColor seriesColor(int series) const;
    QVector<double> seriesSteps(int series) const;  // stored, not decimated
    QVector<double> seriesValues(int series) const;
    int seriesCount() const;
    int pointCount(int series) const;
    int displayedPointCount(int series) const;
    const ChartSeriesSet& series() const { return *m_series; }

    // A translucent area between two curves (an arm's min–max or confidence interval):
    // out of the legend, inside the fitted value range. Returns the band id.
    int addBand(const QColor& color);
    void setBandData(int band, const QVector<double>& steps, const QVector<double>& lower, const QVector<double>& upper);
    void setBandVisible(int band, bool visible);
    void setBandColor(int band, const QColor& color);
    void removeBand(int band);
    void removeAllBands();
    const ChartBandSet& bands() const { return *m_bands; }

    void setValueAxisLog(bool logarithmic);
    void setFixedValueRange(double lower, double upper);

    // At most kMaxMarkers are drawn; later ones are counted, and markerNote says so.
    // `owner` groups a run's markers: hidden or removed together.
    static constexpr int kMaxMarkers = ChartOverlays::kMaxMarkers;
    void addMarker(double step, const QString& label, const QColor& color, int owner = 0);
    void setMarkersVisible(int owner, bool visible);
    void removeMarkers(int owner);
    void clearMarkers();
    int markerCount() const;  // drawn (of shown owners)
    int hiddenMarkerCount() const;
    QStringList markerLabels() const;  // drawn ones
    QString markerNote() const;  // "" while every marker is drawn

    // A horizontal line the user can edit (H̃*).
    void enableThreshold(const QString& name, double value);
    void setThreshold(double value);
    double threshold() const;

    // The live forecast of a step (T_grok): a band step ± halfWidth with a dashed line,
    // and a read-out that stays visible when the step lies beyond the shown range.
    void setForecast(double step, double halfWidthSteps, const QString& label);
    void clearForecast();
    bool hasForecast() const;
    QString forecastText() const;
    void setStepAxisLog(bool logarithmic);
    bool stepAxisLog() const;
    void setStepRange(double lower, double upper);
    void setAutoRange(bool follow);
    bool autoRange() const;
    // The EMA weight of the smoothed curves, 0 (off) to 0.99 (smoothing.h); the toolbar's
    // slider sets it and smoothingWeightChanged tells the board, which sets it on the others.
    void setSmoothingWeight(double weight);
    double smoothingWeight() const;
    // On: TensorBoard's default weight 0.6; off: 0.
    void setSmoothing(bool enabled);
    bool smoothing() const;

    // The crosshair at `step` as another chart's mouse moves (the board syncs them);
    // it emits nothing.
    void showCrosshairAt(double step);
    void hideCrosshair();
    bool crosshairVisible() const;

    // Colours for the current palette (light or dark).
    void applyPalette(const QPalette& palette);
    // For an export drawn `height` pixels tall: hides interactive decorations (the
    // crosshair), antialiases every curve and, while the axes follow the data, re-fits
    // the value axis' head room for that height. setExportMode(false) restores the
    // on-screen ranges.
    void setExportMode(bool exporting, int height = 0);
    // The same for an export of `size` (layout pixels), and the legend, the H̃* label and
    // the marker labels are laid out anew for that size: a figure larger than the chart
    // on screen shows the labels that had no room there. setExportMode(false) restores.
    void setExportMode(bool exporting, const QSize& size);

    bool isDirty() const { return m_dirty; }
    // Moves new points to the graphs (or re-decimates) and queues one replot.
    void refresh();

Q_SIGNALS:
    void dirtied();
    void stepRangeChangedByUser(double lower, double upper);
    void stepAxisLogToggled(bool logarithmic);
    void autoRangeToggled(bool follow);
    void thresholdChanged(double value);
    void smoothingWeightChanged(double weight);  // by the user, on this chart's slider
    // The mouse over this chart's axes, at `step`; and off them.
    void crosshairMoved(double step);
    void crosshairLeft();
    void exportRequested();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void markDirty();
    // Does a rectangle in plot pixels cover a drawn curve? (where the threshold label may not go)
    bool coversData(const QRectF& pixels) const;
    void layoutDecorations();
    // ChartLegend::layout when the legend's entries or the plot's size changed.
    void layoutLegend();
    void onMouseMove(QMouseEvent* event);
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item);
    void applyRanges();
    double overlayHeadroomFraction() const;

    QString m_title;
    QCustomPlot* m_plot = nullptr;
    ChartToolbar* m_toolbar = nullptr;
    QDoubleSpinBox* m_thresholdSpin = nullptr;
    std::unique_ptr<ChartSeriesSet> m_series;
    std::unique_ptr<ChartBandSet> m_bands;
    ChartOverlays* m_overlays = nullptr;    // owned by m_plot
    ChartCrosshair* m_crosshair = nullptr;  // owned by m_plot
    bool m_dirty = false;
    // What the last legend layout was for: the plot's size, the series' legend revision
    // and the room left for the forecast read-out.
    QSize m_legendLaidOutFor;
    int m_legendLaidOutRevision = -1;
    int m_legendLaidOutReserve = -1;
    bool m_valueLog = false;
    int m_exportHeight = 0;  // > 0 while drawing an export of that plot height
    bool m_exportLaidOut = false;  // the plot's viewport is the export's size (the QSize overload)
    std::array<double, 4> m_rangesBeforeExport{};  // step and value axes, lower and upper
    bool m_fixedValueRange = false;
    double m_fixedLower = 0.0, m_fixedUpper = 1.0;  // applyRanges adds head room above
    bool m_exporting = false;
    QPalette m_palette;  // the palette last applied, reapplied when the forecast appears
};

}  // namespace grokscope::ui
