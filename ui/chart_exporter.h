#pragma once
// Writes charts to PNG, SVG (QSvgGenerator) or PDF, chosen by the file suffix, at the
// size, resolution and background of ExportSettings (export_settings.h). Interactive
// decorations (the crosshair layer) are left out.

#include "export_settings.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

class QCustomPlot;

namespace grokscope::ui {

class ChartExporter {
public:
    static constexpr int kGridColumns = 2;

    // Returns an empty string on success, else a message naming the file.
    static QString exportChart(QCustomPlot* plot, const QString& path, const ExportSettings& settings = {});
    // All figures in a two-column grid, each at the settings' size; a figure alone on
    // the last row spans both columns.
    static QString exportAll(const QList<QPair<QString, QCustomPlot*>>& figures, const QString& path,
                             const ExportSettings& settings = {});
    static QStringList formats();  // "png", "svg", "pdf"
    static QString fileFilter();
    // The entry of fileFilter() for one of formats(), e.g. "SVG drawing (*.svg)".
    static QString fileFilterFor(const QString& format);
};

}  // namespace grokscope::ui
