#pragma once
// What a ChartPanel draws over its series: event markers (a dashed line and a label
// each), the editable threshold line (H̃*), and the forecast band with its read-out.
// Markers, the forecast and the threshold share the main paint buffer: they are never
// replotted on their own, and each extra buffer is cleared and composited on every frame
// (grokscope-bench-charts: ~1.5 ms of a ~9.5 ms redraw).
//
// Every text here is coloured for at least 4.5:1 contrast on the plot's background
// (color_contrast.h), whatever the hue of its event.

#include <QColor>
#include <QObject>
#include <QPalette>
#include <QRectF>
#include <QStringList>

#include <functional>
#include <map>
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
    // Marker labels stack upwards from the bottom of the axes over at most this share
    // of their height; a label with no free slot there is left out (its line stays).
    static constexpr double kMarkerLabelShare = 0.6;
    // The forecast's colour: magenta and dotted, unlike any event marker (T_grok is a
    // dashed green, H̃* a dash-dotted red).
    static QColor forecastColor() { return QColor(190, 30, 150); }

    // Adds the "markers" and "threshold" layers above the main one.
    ChartOverlays(QCustomPlot* plot, const QString& fontFamily);
    ~ChartOverlays() override;

    // False when the marker was only counted (kMaxMarkers are drawn already). `owner`
    // groups the markers of one run, to be hidden or removed together.
    bool addMarker(double step, const QString& label, const QColor& color, int owner = 0);
    // Hidden markers are neither drawn nor laid out nor counted as drawn.
    void setMarkersVisible(int owner, bool visible);
    void removeMarkers(int owner);
    void clearMarkers();
    int markerCount() const;  // drawn: shown owners', up to kMaxMarkers in all
    int hiddenMarkerCount() const;  // beyond kMaxMarkers, of shown owners
    QStringList markerLabels() const;  // drawn ones
    QString markerNote() const;  // "" while every marker is drawn
    // Stacks the labels in the fewest levels where none overlaps another or the threshold
    // label, the forecast read-out and an inside legend, each on the side of its line
    // where it fits; the pixel positions change with every zoom, pan and follow step.
    void layoutMarkerLabels();

    // Tells whether a rectangle in plot pixels would cover drawn data: the threshold
    // label goes where it does not.
    using OccupiedTest = std::function<bool(const QRectF&)>;
    void setOccupiedTest(OccupiedTest test) { m_occupied = std::move(test); }

    void enableThreshold(const QString& name);
    bool hasThreshold() const { return m_thresholdLine != nullptr; }
    void setThreshold(double value);
    // Puts the threshold label at the first place, right end above the line first, that
    // covers no curve, legend or forecast read-out (the first place when none is free);
    // and the forecast read-out below the legend when they would overlap. Call it before
    // layoutMarkerLabels, whose labels keep clear of these.
    void layoutLabels();

    // Returns true when the forecast items were created by this call.
    bool setForecast(double step, double halfWidthSteps, const QString& label);
    // False when there was no forecast to hide.
    bool clearForecast();
    bool hasForecast() const;
    QString forecastText() const;
    // The forecast read-out's width in pixels; 0 without a forecast.
    int forecastLabelWidth() const;
    // The pixels from the top of an axis `axisHeight` tall to the forecast label's bottom.
    double forecastLabelBottom(int axisHeight) const;

    void applyPalette(const QPalette& palette, const QColor& textColor);

private:
    struct Marker;
    void styleMarker(Marker& marker);
    void showMarkerNote();
    void styleMarkerNote();
    QColor background() const;
    bool markerShown(const Marker& marker) const;
    QRectF thresholdLabelRect(double xRatio, Qt::Alignment alignment) const;

    QCustomPlot* m_plot;
    QString m_fontFamily;
    QCPLayer* m_markerLayer = nullptr;
    QCPLayer* m_thresholdLayer = nullptr;
    std::vector<Marker> m_markers;
    std::map<int, int> m_hiddenMarkers;  // per owner, beyond kMaxMarkers
    std::map<int, bool> m_ownerVisible;  // absent: visible
    QCPItemText* m_markerNote = nullptr;  // created with the first marker beyond kMaxMarkers
    QString m_thresholdName;
    QCPItemStraightLine* m_thresholdLine = nullptr;
    QCPItemText* m_thresholdText = nullptr;
    double m_thresholdValue = 0.0;
    QCPItemRect* m_forecastBand = nullptr;
    QCPItemStraightLine* m_forecastLine = nullptr;
    QCPItemText* m_forecastText = nullptr;
    double m_forecastTop = kForecastLabelTop;  // the read-out's top, as a share of the axis height
    OccupiedTest m_occupied;
    QPalette m_palette;  // the palette last applied, reused for new markers
    QColor m_textColor = Qt::black;
};

}  // namespace grokscope::ui
