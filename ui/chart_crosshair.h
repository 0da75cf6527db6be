#pragma once
// The crosshair of a ChartPanel: a dotted vertical line at the step nearest the mouse
// and a read-out of every shown series there. It lives on a buffered layer of its own
// ("crosshair"), so following the mouse replots only that layer.

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

    // Shows the line and read-out for the mouse at `mouse` (plot pixels); hides them
    // when it is outside the axes.
    void follow(const QPoint& mouse, const ChartSeriesSet& series);
    void hide();
    // Hides them without a replot: an export is being drawn.
    void hideQuietly();
    bool isVisible() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QCustomPlot* m_plot;
    QCPLayer* m_layer = nullptr;
    // Guarded: the plot deletes its items before it stops sending events to this filter.
    QPointer<QCPItemStraightLine> m_line;
    QPointer<QCPItemText> m_text;
};

}  // namespace grokscope::ui
