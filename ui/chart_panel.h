#pragma once
// One time-series chart on the shared step axis: raw and smoothed series, min/max
// decimation for long runs, event markers, an optional threshold line, crosshair,
// a legend that toggles series, and the per-chart toolbar.

#include <QColor>
#include <QPalette>
#include <QPointer>
#include <QVector>
#include <QWidget>

#include "smoothing.h"

#include <array>
#include <memory>
#include <vector>

class QCheckBox;
class QCustomPlot;
class QCPAbstractLegendItem;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemRect;
class QCPItemText;
class QCPLayer;
class QCPLegend;
class QCPRange;
class QDoubleSpinBox;
class QMouseEvent;
class QLabel;

namespace grokscope::ui {

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    ChartPanel(const QString& title, const QString& valueAxisTitle, QWidget* parent = nullptr);
    ~ChartPanel() override;

    QString title() const { return m_title; }
    QCustomPlot* plot() const { return m_plot; }

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

    // Draws at most kMaxMarkers; later ones are only counted, and a note on the chart
    // says how many. Each marker is two plot items laid out on every replot, so a log
    // with 100,000 events would otherwise take minutes to open and to redraw.
    static constexpr int kMaxMarkers = 200;
    void addMarker(double step, const QString& label, const QColor& color);
    void clearMarkers();
    int markerCount() const;  // drawn
    int hiddenMarkerCount() const { return m_hiddenMarkers; }
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
    bool stepAxisLog() const { return m_stepLog; }
    void setStepRange(double lower, double upper);
    void setAutoRange(bool follow);
    bool autoRange() const { return m_autoRange; }
    void setSmoothing(bool enabled);
    bool smoothing() const { return m_smoothing; }

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

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Series;
    struct Marker;

    void markDirty();
    void onMouseMove(QMouseEvent* event);
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item);
    void applyRanges();
    void updateSeriesPens(Series& series);
    void updateAntialiasing(Series& series);
    double overlayHeadroomFraction() const;
    void layoutMarkerLabels();
    void styleMarker(Marker& marker);
    void showMarkerNote();
    void styleMarkerNote();

    QString m_title;
    QCustomPlot* m_plot = nullptr;
    QCPLayer* m_markerLayer = nullptr;
    QCPLayer* m_thresholdLayer = nullptr;
    QCPLayer* m_crosshairLayer = nullptr;
    QCPItemStraightLine* m_crosshairLine = nullptr;
    QCPItemText* m_crosshairText = nullptr;
    QCPItemStraightLine* m_thresholdLine = nullptr;
    QCPItemText* m_thresholdText = nullptr;
    QCPItemRect* m_forecastBand = nullptr;
    QCPItemStraightLine* m_forecastLine = nullptr;
    QCPItemText* m_forecastText = nullptr;
    QString m_thresholdName;
    QDoubleSpinBox* m_thresholdSpin = nullptr;
    QCheckBox* m_logXBox = nullptr;
    QCheckBox* m_smoothBox = nullptr;
    QCheckBox* m_followBox = nullptr;
    std::vector<std::unique_ptr<Series>> m_series;
    std::vector<Marker> m_markers;
    int m_hiddenMarkers = 0;
    QCPItemText* m_markerNote = nullptr;  // created with the first hidden marker
    int m_nextSeriesId = 0;
    bool m_dirty = false;
    bool m_stepLog = false;
    bool m_valueLog = false;
    int m_exportHeight = 0;  // > 0 while drawing an export of that plot height
    std::array<double, 4> m_rangesBeforeExport{};  // step and value axes, lower and upper
    bool m_fixedValueRange = false;
    double m_fixedLower = 0.0, m_fixedUpper = 1.0;  // applyRanges adds head room above
    bool m_autoRange = true;
    bool m_smoothing = false;
    bool m_applyingRange = false;
    bool m_exporting = false;
    QColor m_textColor = Qt::black;
    QPalette m_palette;  // the palette last applied, reused for new markers
};

}  // namespace grokscope::ui
