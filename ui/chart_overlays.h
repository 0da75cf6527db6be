#pragma once
// What a ChartPanel draws over its series: event markers (a dashed line and a label
// each), the editable threshold line (H̃*), and the forecast band with its read-out.
// Markers, the forecast and the threshold share the main paint buffer: they are never
// replotted on their own, and each extra buffer is cleared and composited on every frame
// (grokscope-bench-charts: ~1.5 ms of a ~9.5 ms redraw).

#include <QColor>
#include <QObject>
#include <QPalette>
#include <QStringList>

#include <vector>

class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPLayer;
class QCustomPlot;

namespace grokscope::ui {

class ChartOverlays : public QObject {
    Q_OBJECT
public:
    // Draws at most kMaxMarkers; later ones are only counted, and a note on the chart
    // says how many. Each marker is two plot items laid out on every replot, so a log
    // with 100,000 events would otherwise take minutes to open and to redraw.
    static constexpr int kMaxMarkers = 200;
    static constexpr double kForecastLabelTop = 0.02;  // the forecast label's top, as a share of the axis height

    // Adds the "markers" and "threshold" layers above the main one.
    ChartOverlays(QCustomPlot* plot, const QString& fontFamily);
    ~ChartOverlays() override;

    // False when the marker was only counted (kMaxMarkers are drawn already).
    bool addMarker(double step, const QString& label, const QColor& color);
    void clearMarkers();
    int markerCount() const;  // drawn
    int hiddenMarkerCount() const { return m_hiddenMarkers; }
    QStringList markerLabels() const;
    QString markerNote() const;  // "" while every marker is drawn
    // Staggers the labels and puts each on the side of its line where it fits; the
    // pixel positions change with every zoom, pan and follow step.
    void layoutMarkerLabels();

    void enableThreshold(const QString& name);
    bool hasThreshold() const { return m_thresholdLine != nullptr; }
    void setThreshold(double value);

    // Returns true when the forecast items were created by this call.
    bool setForecast(double step, double halfWidthSteps, const QString& label);
    // False when there was no forecast to hide.
    bool clearForecast();
    bool hasForecast() const;
    QString forecastText() const;
    // The pixels from the top of an axis `axisHeight` tall to the forecast label's bottom.
    double forecastLabelBottom(int axisHeight) const;

    void applyPalette(const QPalette& palette, const QColor& textColor);

private:
    struct Marker;
    void styleMarker(Marker& marker);
    void showMarkerNote();
    void styleMarkerNote();

    QCustomPlot* m_plot;
    QString m_fontFamily;
    QCPLayer* m_markerLayer = nullptr;
    QCPLayer* m_thresholdLayer = nullptr;
    std::vector<Marker> m_markers;
    int m_hiddenMarkers = 0;
    QCPItemText* m_markerNote = nullptr;  // created with the first hidden marker
    QString m_thresholdName;
    QCPItemStraightLine* m_thresholdLine = nullptr;
    QCPItemText* m_thresholdText = nullptr;
    QCPItemRect* m_forecastBand = nullptr;
    QCPItemStraightLine* m_forecastLine = nullptr;
    QCPItemText* m_forecastText = nullptr;
    QPalette m_palette;  // the palette last applied, reused for new markers
    QColor m_textColor = Qt::black;
};

}  // namespace grokscope::ui
