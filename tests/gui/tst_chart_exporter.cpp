// Exports are real PNG/SVG/PDF files with content, at the size, resolution and
// background of ExportSettings, and SVG text has the PNG's size relative to the figure.
#include "app_palette.h"
#include "chart_board.h"
#include "chart_exporter.h"
#include "chart_panel.h"
#include "export_settings.h"

#include "qcustomplot_include.h"

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>
#include <optional>

using namespace grokscope::ui;

namespace {

std::unique_ptr<ChartPanel> lossPanel()
{
    auto panel = std::make_unique<ChartPanel>(QStringLiteral("Loss"), QStringLiteral("loss"));
    panel->setValueAxisLog(true);
    const int id = panel->addSeries(QStringLiteral("train"), Qt::blue);
    for (int i = 0; i < 50; ++i)
        panel->appendPoint(id, i * 10, std::exp(-i * 0.1) + 0.01);
    panel->addMarker(200, QStringLiteral("T_grok"), Qt::darkGreen);
    panel->applyPalette(panel->palette());
    panel->refresh();
    return panel;
}

QImage rasterised(const QString& svg, const QSize& size)
{
    QSvgRenderer renderer(svg);
    QImage image(size, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    renderer.render(&painter);
    return image;
}

bool isInk(QRgb pixel) { return qGray(pixel) < 128; }

// The ink of the title: from the first row with dark pixels down to the next row
// without; QCustomPlot leaves a margin between the title and the axis rect.
std::optional<QRect> titleInk(const QImage& image)
{
    int top = -1, left = image.width(), right = -1;
    for (int y = 0; y < image.height() / 4; ++y) {
        bool inkInRow = false;
        for (int x = 0; x < image.width(); ++x)
            if (isInk(image.pixel(x, y))) {
                inkInRow = true;
                left = std::min(left, x);
                right = std::max(right, x);
            }
        if (inkInRow && top < 0)
            top = y;
        if (!inkInRow && top >= 0)
            return QRect(QPoint(left, top), QPoint(right, y - 1));
    }
    return std::nullopt;
}

}  // namespace

class TestChartExporter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exportsEveryFormat()
    {
        QTemporaryDir dir;
        const auto panel = lossPanel();
        const QString png = dir.filePath(QStringLiteral("c.png"));
        const QString svg = dir.filePath(QStringLiteral("c.svg"));
        const QString pdf = dir.filePath(QStringLiteral("c.pdf"));
        QCOMPARE(ChartExporter::exportChart(panel->plot(), png), QString());
        QCOMPARE(ChartExporter::exportChart(panel->plot(), svg), QString());
        QCOMPARE(ChartExporter::exportChart(panel->plot(), pdf), QString());
        QImage image(png);
        QCOMPARE(image.size(), QSize(1200, 700));  // ExportSettings' default
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBox(), QRect(0, 0, 1200, 700));
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.read(5) == "%PDF-");
        QVERIFY(!ChartExporter::exportChart(panel->plot(), dir.filePath(QStringLiteral("c.bmpx"))).isEmpty());
    }

    void journalColumnIs1050By750At300Dpi()
    {
        QTemporaryDir dir;
        const auto panel = lossPanel();
        ExportSettings journal;
        for (const ExportPreset& preset : exportPresets())
            if (preset.name == QLatin1String("Journal column (3.5 in)"))
                journal = preset.settings;
        QCOMPARE(journal.unit, ExportSettings::SizeUnit::Inches);
        QCOMPARE(journal.inches(), QSizeF(3.5, 2.5));
        QCOMPARE(journal.dpi, 300);
        const QString png = dir.filePath(QStringLiteral("journal.png"));
        QCOMPARE(ChartExporter::exportChart(panel->plot(), png, journal), QString());
        const QImage image(png);
        QCOMPARE(image.size(), QSize(1050, 750));
        QCOMPARE(qRound(image.dotsPerMeterX() * 0.0254), 300);  // prints at 3.5 in
        // Laid out at 336 × 240 and drawn 3.125× larger: the title is 3.125× as tall as
        // in the same layout drawn at 96 dpi.
        ExportSettings screen = journal;
        screen.dpi = ExportSettings::kLayoutDpi;
        const QString small = dir.filePath(QStringLiteral("small.png"));
        QCOMPARE(ChartExporter::exportChart(panel->plot(), small, screen), QString());
        QCOMPARE(QImage(small).size(), QSize(336, 240));
        const auto big = titleInk(image), reference = titleInk(QImage(small));
        QVERIFY(big && reference);
        QVERIFY2(std::abs(double(big->width()) / reference->width() / 3.125 - 1.0) < 0.1,
                 qPrintable(QStringLiteral("%1 vs %2").arg(big->width()).arg(reference->width())));

        // Pixels at a DPI: exactly that many pixels.
        ExportSettings pixels;
        pixels.width = 1001;
        pixels.height = 701;
        pixels.dpi = 300;
        const QString odd = dir.filePath(QStringLiteral("odd.png"));
        QCOMPARE(ChartExporter::exportChart(panel->plot(), odd, pixels), QString());
        QCOMPARE(QImage(odd).size(), QSize(1001, 701));
    }

    // QSvgGenerator's default 72 dpi wrote fonts at 3/4 of their size in the PNG. The
    // same chart, exported 4× larger than the screen so that a pixel is ~2.5% of the
    // title's height, as PNG and as SVG rasterised at the PNG's size: the title's ink
    // has the same width and height within 5%.
    void svgTextHasThePngsSize()
    {
        QTemporaryDir dir;
        const auto panel = lossPanel();
        ExportSettings settings;
        settings.width = 4800;
        settings.height = 2800;
        settings.dpi = 4 * ExportSettings::kLayoutDpi;
        const QString png = dir.filePath(QStringLiteral("t.png"));
        const QString svg = dir.filePath(QStringLiteral("t.svg"));
        QCOMPARE(ChartExporter::exportChart(panel->plot(), png, settings), QString());
        QCOMPARE(ChartExporter::exportChart(panel->plot(), svg, settings), QString());
        const QImage fromPng(png);
        const QImage fromSvg = rasterised(svg, fromPng.size());
        const auto pngTitle = titleInk(fromPng), svgTitle = titleInk(fromSvg);
        QVERIFY(pngTitle && svgTitle);
        const QString sizes = QStringLiteral("PNG title %1×%2 px, SVG title %3×%4 px")
                                  .arg(pngTitle->width()).arg(pngTitle->height())
                                  .arg(svgTitle->width()).arg(svgTitle->height());
        QVERIFY2(pngTitle->height() > 30 && pngTitle->width() > 90, qPrintable(sizes));
        QVERIFY2(std::abs(double(svgTitle->height()) / pngTitle->height() - 1.0) < 0.05, qPrintable(sizes));
        QVERIFY2(std::abs(double(svgTitle->width()) / pngTitle->width() - 1.0) < 0.05, qPrintable(sizes));

        // The file itself: fonts in layout pixels, the title's point size × 96 / 72,
        // against a viewBox of the layout size (1200 × 700).
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY(text.contains(QStringLiteral("viewBox=\"0 0 1200 700\"")));
        auto* title = qobject_cast<QCPTextElement*>(panel->plot()->plotLayout()->element(0, 0));
        QVERIFY(title);
        const double titlePixels = title->font().pointSizeF() * ExportSettings::kLayoutDpi / 72.0;
        bool found = false;
        const QRegularExpression fontSize(QStringLiteral("font-size=\"([0-9.]+)\""));
        for (auto match = fontSize.globalMatch(text); match.hasNext() && !found;)
            found = std::abs(match.next().captured(1).toDouble() - titlePixels) < 0.05 * titlePixels;
        QVERIFY2(found, qPrintable(QStringLiteral("no font-size=\"%1\" in the SVG").arg(titlePixels)));
    }

    void lightBackgroundUnderTheDarkTheme()
    {
        QTemporaryDir dir;
        // As MainWindow::setTheme does: the application's palette, then the charts'.
        QApplication::setPalette(paletteFor(Theme::Dark));
        const auto panel = lossPanel();
        panel->applyPalette(paletteFor(Theme::Dark));
        ExportSettings light;
        ExportSettings dark;
        dark.lightBackground = false;
        const QString lightPng = dir.filePath(QStringLiteral("light.png"));
        const QString darkPng = dir.filePath(QStringLiteral("dark.png"));
        const QString lightSvg = dir.filePath(QStringLiteral("light.svg"));
        QCOMPARE(ChartExporter::exportChart(panel->plot(), lightPng, light), QString());
        QCOMPARE(ChartExporter::exportChart(panel->plot(), darkPng, dark), QString());
        QCOMPARE(ChartExporter::exportChart(panel->plot(), lightSvg, light), QString());
        const QImage lightImage(lightPng), darkImage(darkPng);
        QVERIFY(QColor(lightImage.pixel(2, 2)).lightness() > 230);
        QVERIFY(QColor(lightImage.pixel(lightImage.width() - 3, lightImage.height() - 3)).lightness() > 230);
        QVERIFY(QColor(darkImage.pixel(2, 2)).lightness() < 60);
        const QImage svgImage = rasterised(lightSvg, lightImage.size());
        QVERIFY(QColor(svgImage.pixel(2, 2)).lightness() > 230);
        // The text follows: dark ink in the light export's title.
        QVERIFY(titleInk(lightImage));
        // The panel itself is dark again.
        QVERIFY(panel->plot()->property("grokscopeBackground").value<QColor>().lightness() < 60);
        QApplication::setPalette(paletteFor(Theme::Light));
    }

    void allChartsOnALightBackground()
    {
        QTemporaryDir dir;
        QApplication::setPalette(paletteFor(Theme::Dark));
        ChartBoard board;
        board.applyPalette(paletteFor(Theme::Dark));
        board.refreshNow();
        ExportSettings settings;
        settings.width = 400;
        settings.height = 240;
        const QString png = dir.filePath(QStringLiteral("all.png"));
        QCOMPARE(ChartExporter::exportAll(board.figures(), png, settings), QString());
        const QImage image(png);
        const int figures = int(board.figures().size());
        QCOMPARE(image.size(), QSize(2 * 400, (figures + 1) / 2 * 240));
        // The top-left corner of every cell, the spectrum's included.
        for (int i = 0; i < figures; ++i) {
            const QPoint corner((i % 2) * 400 + 2, (i / 2) * 240 + 2);
            QVERIFY2(QColor(image.pixel(corner)).lightness() > 230, qPrintable(board.figures()[i].first));
        }
        QApplication::setPalette(paletteFor(Theme::Light));
    }
};

QTEST_MAIN(TestChartExporter)
#include "tst_chart_exporter.moc"
