// Exports are real PNG/SVG/PDF files with content.
#include "chart_exporter.h"
#include "chart_panel.h"

#include "qcustomplot_include.h"

#include <QFile>
#include <QImage>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

using namespace grokscope::ui;

class TestChartExporter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exportsEveryFormat()
    {
        QTemporaryDir dir;
        ChartPanel panel(QStringLiteral("Loss"), QStringLiteral("loss"));
        panel.setValueAxisLog(true);
        const int id = panel.addSeries(QStringLiteral("train"), Qt::blue);
        for (int i = 0; i < 50; ++i)
            panel.appendPoint(id, i * 10, std::exp(-i * 0.1) + 0.01);
        panel.addMarker(200, QStringLiteral("T_grok"), Qt::darkGreen);
        panel.applyPalette(panel.palette());
        panel.refresh();
        const QString png = dir.filePath(QStringLiteral("c.png"));
        const QString svg = dir.filePath(QStringLiteral("c.svg"));
        const QString pdf = dir.filePath(QStringLiteral("c.pdf"));
        QCOMPARE(ChartExporter::exportChart(panel.plot(), png), QString());
        QCOMPARE(ChartExporter::exportChart(panel.plot(), svg), QString());
        QCOMPARE(ChartExporter::exportChart(panel.plot(), pdf), QString());
        QImage image(png);
        QCOMPARE(image.size(), QSize(ChartExporter::kChartWidth, ChartExporter::kChartHeight));
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.read(5) == "%PDF-");
        QVERIFY(!ChartExporter::exportChart(panel.plot(), dir.filePath(QStringLiteral("c.bmpx"))).isEmpty());
    }
};

QTEST_MAIN(TestChartExporter)
#include "tst_chart_exporter.moc"
