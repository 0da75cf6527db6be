#pragma once
// The crosshair of a ChartPanel: a dotted vertical line at the step nearest the mouse
// and a read-out of every shown series there. It lives on a buffered layer of its own
// ("crosshair"), so following the mouse replots only that layer. Another chart's mouse
// can drive it too (showAt), which is how ChartBoard syncs the crosshairs of all charts.

#include "chart_series.h"

#include <QObject>
#include <QPoint>
#include <QPointer>
#include <QStringList>

#include <vector>

class QCPItemStraightLine;
class QCPItemText;
class QCPLayer;
class QCustomPlot;

namespace grokscope::ui {

class ChartCrosshair : public QObject {
    Q_OBJECT
public:
    // Adds the "crosshair" layer above the legend, and hides the crosshair when the
    // mouse leaves `plot`.
    ChartCrosshair(QCustomPlot* plot, const QString& fontFamily);

    // The read-out's lines: "step N" (the step of the last reading, or `cursorStep`
    // when there is none), then "name: value" for each reading.
    static QStringList readout(const std::vector<ChartSeriesSet::Reading>& readings, double cursorStep);

    // At most this many series are listed; the rest are counted ("+ 12 more").
    static constexpr int kMaxReadoutSeries = 12;

    // Shows the line and read-out for the mouse at `mouse` (plot pixels), and emits
    // moved(step under the mouse); hides them, emitting left(), when it is outside the axes.
    void follow(const QPoint& mouse, const ChartSeriesSet& series);
    // Shows the line at the stored step nearest `step` (or at `step` itself when there
    // is none) and its read-out, without emitting anything.
    void showAt(double step, const ChartSeriesSet& series);
    void hide();
    // Hides them without a replot: an export is being drawn.
    void hideQuietly();
    bool isVisible() const;

Q_SIGNALS:
    void moved(double step);
    void left();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Draws the line at `step` and the read-out `lines` beside pixel column `x`.
    void showLine(double step, double x, const QStringList& lines);

    QCustomPlot* m_plot;
    QCPLayer* m_layer = nullptr;
    // Guarded: the plot deletes its items before it stops sending events to this filter.
    QPointer<QCPItemStraightLine> m_line;
    QPointer<QCPItemText> m_text;
};

}  // namespace grokscope::ui
