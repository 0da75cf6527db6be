#include "chart_exporter.h"

#include "app_palette.h"
#include "chart_panel.h"
#include "qcustomplot_include.h"
#include "spectrum_panel.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <cmath>

namespace grokscope::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ChartExporter", text); }

constexpr double kDotsPerMeterPerDpi = 100.0 / 2.54;

QColor backgroundOf(QCustomPlot* plot)
{
    const QVariant colour = plot->property("grokscopeBackground");
    return colour.isValid() ? colour.value<QColor>() : QColor(Qt::white);
}

bool isDark(const QColor& colour) { return colour.lightness() < 128; }

// For the export only, the charts drawn in a dark palette are drawn in the light one:
// every colour the panel picks from its palette (text, grid, legend, marker labels)
// follows, not just the background. The panels take their palette from the widget's
// (main_window.cpp's setTheme sets both), which is what they get back afterwards.
class LightPaletteForExport {
public:
    LightPaletteForExport(const QList<QCustomPlot*>& plots, bool wanted)
    {
        if (!wanted)
            return;
        for (QCustomPlot* plot : plots)
            if (isDark(backgroundOf(plot)) && plot->parentWidget()) {
                m_swapped << plot->parentWidget();
                applyTo(plot->parentWidget(), paletteFor(Theme::Light));
            }
    }
    ~LightPaletteForExport()
    {
        for (QWidget* owner : m_swapped)
            applyTo(owner, owner->palette());
    }
    LightPaletteForExport(const LightPaletteForExport&) = delete;
    LightPaletteForExport& operator=(const LightPaletteForExport&) = delete;

private:
    static void applyTo(QWidget* owner, const QPalette& palette)
    {
        if (auto* panel = qobject_cast<ChartPanel*>(owner))
            panel->applyPalette(palette);
        else if (auto* spectrum = qobject_cast<SpectrumPanel*>(owner))
            spectrum->applyPalette(palette);
    }
    QList<QWidget*> m_swapped;
};

struct Placement {
    QCustomPlot* plot;
    QRect rect;  // in layout pixels (ExportSettings::layoutSize)
};

// Draws each plot into its rectangle with the crosshair layer hidden; a ChartPanel's
// plot is first re-fitted for the export's height.
void paintPlacements(QCPPainter& painter, const QList<Placement>& placements)
{
    for (const Placement& p : placements) {
        auto* panel = qobject_cast<ChartPanel*>(p.plot->parentWidget());
        if (panel)
            panel->setExportMode(true, p.rect.size());  // legend and labels laid out at the export's size
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

// SVG and PDF: the same vector painting, in layout pixels, onto another paint device
// whose resolution is kLayoutDpi, so that fonts in points get the size they have on
// screen relative to the chart.
bool paintVectorized(QPaintDevice* device, const QSize& layout, const QColor& background,
                     const QList<Placement>& placements)
{
    QCPPainter painter;
    if (!painter.begin(device))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.fillRect(QRect(QPoint(0, 0), layout), background);
    paintPlacements(painter, placements);
    painter.end();
    return true;
}

QString renderPng(const QList<Placement>& placements, const QSize& layout, const QSize& pixels,
                  const QColor& background, int dpi, const QString& path)
{
    QImage image(pixels, QImage::Format_ARGB32);
    if (image.isNull())
        return tr("%1: a figure of %2 × %3 px is too large; lower the size or the DPI")
            .arg(path)
            .arg(pixels.width())
            .arg(pixels.height());
    // Fonts in points are converted with the image's DPI: lay out at kLayoutDpi and let
    // the painter's scale make the DPI, as QCustomPlot::savePng does.
    const int layoutDpm = int(std::lround(ExportSettings::kLayoutDpi * kDotsPerMeterPerDpi));
    image.setDotsPerMeterX(layoutDpm);
    image.setDotsPerMeterY(layoutDpm);
    image.fill(background);
    {
        QCPPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        // dpi / kLayoutDpi, give or take the rounding of the layout to whole pixels
        painter.scale(double(pixels.width()) / layout.width(), double(pixels.height()) / layout.height());
        paintPlacements(painter, placements);
    }
    const int dpm = int(std::lround(dpi * kDotsPerMeterPerDpi));  // the PNG's pHYs: its print size
    image.setDotsPerMeterX(dpm);
    image.setDotsPerMeterY(dpm);
    if (!image.save(path, "PNG"))
        return tr("could not write %1").arg(path);
    return QString();
}

// `layout` is the figure's size in layout pixels, `pixels` its size as a PNG.
QString render(const QList<Placement>& placements, const QSize& layout, const QSize& pixels, const QString& path,
               const ExportSettings& settings)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (!ChartExporter::formats().contains(suffix))
        return tr("%1: unknown format \"%2\"; use .png, .svg or .pdf").arg(path, suffix);
    QList<QCustomPlot*> plots;
    for (const Placement& p : placements)
        plots << p.plot;
    QString error;
    {
        const LightPaletteForExport light(plots, settings.lightBackground);
        const QColor background = backgroundOf(plots.front());
        if (suffix == QLatin1String("png")) {
            error = renderPng(placements, layout, pixels, background, settings.dpi, path);
        } else if (suffix == QLatin1String("svg")) {
            QSvgGenerator generator;
            generator.setFileName(path);
            // QSvgGenerator's default 72 dpi would write fonts in points at 3/4 of the
            // size they have in the PNG; at kLayoutDpi one layout pixel is one SVG unit,
            // and width/height say the size in inches.
            generator.setResolution(ExportSettings::kLayoutDpi);
            generator.setSize(layout);
            generator.setViewBox(QRect(QPoint(0, 0), layout));
            generator.setTitle(QStringLiteral("GrokScope"));
            if (!paintVectorized(&generator, layout, background, placements))
                error = tr("could not write %1").arg(path);
        } else {
            QPdfWriter writer(path);
            writer.setCreator(QStringLiteral("GrokScope"));
            writer.setResolution(ExportSettings::kLayoutDpi);
            writer.setPageMargins(QMarginsF(0, 0, 0, 0));
            writer.setPageSize(QPageSize(QSizeF(layout) * (72.0 / ExportSettings::kLayoutDpi), QPageSize::Point,
                                         QString(), QPageSize::ExactMatch));
            if (!paintVectorized(&writer, layout, background, placements))
                error = tr("could not write %1").arg(path);
        }
    }
    for (const Placement& p : placements)
        p.plot->replot();  // toPainter leaves the on-screen layout at the export size
    return error;
}

}  // namespace

QString ChartExporter::exportChart(QCustomPlot* plot, const QString& path, const ExportSettings& settings)
{
    const QSize layout = settings.layoutSize();
    return render({{plot, QRect(QPoint(0, 0), layout)}}, layout, settings.pixelSize(), path, settings);
}

QString ChartExporter::exportAll(const QList<QPair<QString, QCustomPlot*>>& figures, const QString& path,
                                 const ExportSettings& settings)
{
    if (figures.isEmpty())
        return tr("nothing to export");
    const QSize cell = settings.layoutSize();
    QList<Placement> placements;
    int row = 0, column = 0;
    for (int i = 0; i < figures.size(); ++i) {
        const bool lastAlone = i == figures.size() - 1 && column == 0;
        const int width = lastAlone ? kGridColumns * cell.width() : cell.width();
        placements.append({figures[i].second, QRect(column * cell.width(), row * cell.height(), width, cell.height())});
        if (lastAlone || ++column == kGridColumns) {
            column = 0;
            ++row;
        }
    }
    if (column != 0)
        ++row;
    const QSize cellPixels = settings.pixelSize();
    return render(placements, QSize(kGridColumns * cell.width(), row * cell.height()),
                  QSize(kGridColumns * cellPixels.width(), row * cellPixels.height()), path, settings);
}

QStringList ChartExporter::formats() { return {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")}; }

QString ChartExporter::fileFilter()
{
    QStringList filters;
    for (const QString& format : formats())
        filters << fileFilterFor(format);
    return filters.join(QStringLiteral(";;"));
}

QString ChartExporter::fileFilterFor(const QString& format)
{
    if (format == QLatin1String("svg"))
        return tr("SVG drawing (*.svg)");
    if (format == QLatin1String("pdf"))
        return tr("PDF document (*.pdf)");
    return tr("PNG image (*.png)");
}

}  // namespace grokscope::ui
