#include "chart_exporter.h"

#include "chart_panel.h"
#include "qcustomplot_include.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <functional>

namespace grokscope::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ChartExporter", text); }

QColor backgroundOf(QCustomPlot* plot)
{
    const QVariant colour = plot->property("grokscopeBackground");
    return colour.isValid() ? colour.value<QColor>() : QColor(Qt::white);
}

struct Placement {
    QCustomPlot* plot;
    QRect rect;
};

// Draws each plot into its rectangle with the crosshair layer hidden; a ChartPanel's
// plot is first re-fitted for the export's height.
void paintPlacements(QCPPainter& painter, const QList<Placement>& placements)
{
    for (const Placement& p : placements) {
        auto* panel = qobject_cast<ChartPanel*>(p.plot->parentWidget());
        if (panel)
            panel->setExportMode(true, p.rect.height());
        QCPLayer* crosshair = p.plot->layer(QStringLiteral("crosshair"));
        const bool wasVisible = crosshair && crosshair->visible();
        if (crosshair)
            crosshair->setVisible(false);
        painter.save();
        painter.translate(p.rect.topLeft());
        p.plot->toPainter(&painter, p.rect.width(), p.rect.height());
        painter.restore();
        if (crosshair)
            crosshair->setVisible(wasVisible);
        if (panel)
            panel->setExportMode(false);
    }
}

// SVG and PDF: the same vector painting onto another paint device.
bool paintVectorized(QPaintDevice* device, const QSize& total, const QColor& background,
                     const QList<Placement>& placements)
{
    QCPPainter painter;
    if (!painter.begin(device))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.fillRect(QRect(QPoint(0, 0), total), background);
    paintPlacements(painter, placements);
    painter.end();
    return true;
}

QString render(const QList<Placement>& placements, QSize total, const QString& path, const QColor& background)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png")) {
        QImage image(total, QImage::Format_ARGB32);
        image.fill(background);
        {
            QCPPainter painter(&image);
            painter.setRenderHint(QPainter::Antialiasing);
            paintPlacements(painter, placements);
        }
        if (!image.save(path, "PNG"))
            return tr("could not write %1").arg(path);
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(total);
        generator.setViewBox(QRect(QPoint(0, 0), total));
        generator.setTitle(QStringLiteral("GrokScope"));
        if (!paintVectorized(&generator, total, background, placements))
            return tr("could not write %1").arg(path);
    } else if (suffix == QLatin1String("pdf")) {
        QPdfWriter writer(path);
        writer.setCreator(QStringLiteral("GrokScope"));
        // 96 dpi, like the screen, so fonts keep the size they have relative to the chart.
        writer.setResolution(96);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setPageSize(QPageSize(QSizeF(total) * (72.0 / 96.0), QPageSize::Point, QString(), QPageSize::ExactMatch));
        if (!paintVectorized(&writer, total, background, placements))
            return tr("could not write %1").arg(path);
    } else {
        return tr("%1: unknown format \"%2\"; use .png, .svg or .pdf").arg(path, suffix);
    }
    for (const Placement& p : placements)
        p.plot->replot();  // toPainter leaves the on-screen layout at the export size
    return QString();
}

}  // namespace

QString ChartExporter::exportChart(QCustomPlot* plot, const QString& path, QSize size)
{
    return render({{plot, QRect(QPoint(0, 0), size)}}, size, path, backgroundOf(plot));
}

QString ChartExporter::exportAll(const QList<QPair<QString, QCustomPlot*>>& figures, const QString& path)
{
    if (figures.isEmpty())
        return tr("nothing to export");
    QList<Placement> placements;
    const int columns = 2;
    int row = 0, column = 0;
    for (int i = 0; i < figures.size(); ++i) {
        const bool lastAlone = i == figures.size() - 1 && column == 0;
        const int width = lastAlone ? columns * kGridCellWidth : kGridCellWidth;
        placements.append({figures[i].second, QRect(column * kGridCellWidth, row * kGridCellHeight, width, kGridCellHeight)});
        if (lastAlone || ++column == columns) {
            column = 0;
            ++row;
        }
    }
    if (column != 0)
        ++row;
    const QSize total(columns * kGridCellWidth, row * kGridCellHeight);
    return render(placements, total, path, backgroundOf(figures.front().second));
}

QStringList ChartExporter::formats() { return {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")}; }

QString ChartExporter::fileFilter()
{
    return tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

}  // namespace grokscope::ui
