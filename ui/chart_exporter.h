#pragma once
// Writes charts to PNG, SVG (QSvgGenerator) or PDF at a fixed size, chosen by the
// file suffix. Interactive decorations (the crosshair layer) are left out.

#include <QList>
#include <QPair>
#include <QSize>
#include <QString>

class QCustomPlot;

namespace grokscope::ui {

class ChartExporter {
public:
    static constexpr int kChartWidth = 1200;
    static constexpr int kChartHeight = 700;
    static constexpr int kGridCellWidth = 900;
    static constexpr int kGridCellHeight = 540;

    // Returns an empty string on success, else a message naming the file.
    static QString exportChart(QCustomPlot* plot, const QString& path, QSize size = QSize(kChartWidth, kChartHeight));
    // All figures in a two-column grid; a figure alone on the last row spans both columns.
    static QString exportAll(const QList<QPair<QString, QCustomPlot*>>& figures, const QString& path);
    static QStringList formats();  // "png", "svg", "pdf"
    static QString fileFilter();
};

}  // namespace grokscope::ui
