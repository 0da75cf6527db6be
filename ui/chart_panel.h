#pragma once
// One time-series chart on the shared step axis. The panel owns the QCustomPlot and
// fits its ranges; the parts live apart:
// - chart_series.h:    raw and smoothed series, min/max decimation for long runs;
// - chart_overlays.h:  event markers, the threshold line, the forecast band;
// - chart_crosshair.h: the crosshair and its read-out;
// - chart_toolbar.h:   the row above the chart, shared with SpectrumPanel, and the
//                      follow/step-range bookkeeping behind it.

#include <QColor>
#include <QPalette>
#include <QVector>
#include <QWidget>

#include "chart_overlays.h"

#include <array>
#include <memory>

class QCustomPlot;
class QCPAbstractLegendItem;
class QCPLegend;
class QDoubleSpinBox;
class QMouseEvent;

namespace grokscope::ui {

class ChartCrosshair;
class ChartSeriesSet;
class ChartToolbar;

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    ChartPanel(const QString& title, const QString& valueAxisTitle, QWidget* parent = nullptr);
    ~ChartPanel() override;

    QString title() const { return m_title; }
    QCustomPlot* plot() const { return m_plot; }
    ChartToolbar* toolbar() const { return m_toolbar; }

    // Returns the series id. A dashed style is used for overlays and second arms.
    int addSeries(const QString& name, const QColor& color, Qt::PenStyle style = Qt::SolidLine);
    void removeSeries(int series);
    void removeAllSeries();
    void appendPoint(int series, double step, double value);
    void setSeriesData(int series, const QVector<double>& steps, const QVector<double>& values);
    int seriesCount() const;
    int pointCount(int series) const;
    int displayedPointCount(int series) const;

    void setValueAxisLog(bool logarithmic);
    void setFixedValueRange(double lower, double upper);

    // At most kMaxMarkers are drawn; later ones are counted, and markerNote says so.
    static constexpr int kMaxMarkers = ChartOverlays::kMaxMarkers;
    void addMarker(double step, const QString& label, const QColor& color);
    void clearMarkers();
    int markerCount() const;  // drawn
    int hiddenMarkerCount() const;
    QStringList markerLabels() const;
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
    void setSmoothing(bool enabled);
    bool smoothing() const;

    // Colours for the current palette (light or dark).
    void applyPalette(const QPalette& palette);
    // For an export drawn `height` pixels tall: hides interactive decorations (the
    // crosshair), antialiases every curve and, while the axes follow the data, re-fits
    // the value axis' head room for that height. setExportMode(false) restores the
    // on-screen ranges.
    void setExportMode(bool exporting, int height = 0);

    bool isDirty() const { return m_dirty; }
    // Moves new points to the graphs (or re-decimates) and queues one replot.
    void refresh();

Q_SIGNALS:
    void dirtied();
    void stepRangeChangedByUser(double lower, double upper);
    void stepAxisLogToggled(bool logarithmic);
    void autoRangeToggled(bool follow);
    void thresholdChanged(double value);
    void exportRequested();

private:
    void markDirty();
    void onMouseMove(QMouseEvent* event);
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item);
    void applyRanges();
    double overlayHeadroomFraction() const;

    QString m_title;
    QCustomPlot* m_plot = nullptr;
    ChartToolbar* m_toolbar = nullptr;
    QDoubleSpinBox* m_thresholdSpin = nullptr;
    std::unique_ptr<ChartSeriesSet> m_series;
    ChartOverlays* m_overlays = nullptr;    // owned by m_plot
    ChartCrosshair* m_crosshair = nullptr;  // owned by m_plot
    bool m_dirty = false;
    bool m_valueLog = false;
    int m_exportHeight = 0;  // > 0 while drawing an export of that plot height
    std::array<double, 4> m_rangesBeforeExport{};  // step and value axes, lower and upper
    bool m_fixedValueRange = false;
    double m_fixedLower = 0.0, m_fixedUpper = 1.0;  // applyRanges adds head room above
    bool m_exporting = false;
    QPalette m_palette;  // the palette last applied, reapplied when the forecast appears
};

}  // namespace grokscope::ui
