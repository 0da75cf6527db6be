// A chart stays fast with 100,000 points per series: decimation bounds what is drawn.
#include "chart_exporter.h"
#include "chart_panel.h"

#include "qcustomplot_include.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <QTest>

using grokscope::ui::ChartExporter;
using grokscope::ui::ChartPanel;

class TestChartPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void longSeriesAreDecimated()
    {
        ChartPanel panel(QStringLiteral("Loss"), QStringLiteral("loss"));
        panel.resize(900, 500);
        panel.show();
        panel.setValueAxisLog(true);
        const int train = panel.addSeries(QStringLiteral("train"), Qt::blue);
        const int test = panel.addSeries(QStringLiteral("test"), Qt::red);
        panel.setSmoothing(true);
        constexpr int kPoints = 100000;
        for (int i = 0; i < kPoints; ++i) {
            panel.appendPoint(train, i, std::exp(-i * 1e-4) + 1e-3 * (1 + std::sin(i)));
            panel.appendPoint(test, i, 5.0 / (1 + i * 1e-3));
        }
        QCOMPARE(panel.pointCount(train), kPoints);
        QElapsedTimer clock;
        clock.start();
        panel.refresh();
        panel.plot()->replot(QCustomPlot::rpImmediateRefresh);
        const qint64 elapsedMs = clock.elapsed();
        qInfo("refresh + replot of 2 x %d points (smoothed): %lld ms", kPoints, elapsedMs);
        QVERIFY(panel.displayedPointCount(train) <= 2 * panel.plot()->axisRect()->width() + 4);
        QVERIFY(panel.displayedPointCount(train) > 100);
        // The time is printed, not asserted: the redraw figure is grokscope-bench-charts'
        // job. The decimation checks above are what keep a refresh cheap.

        // Zooming in re-decimates the visible window at full resolution.
        panel.setStepRange(1000, 1200);
        panel.refresh();
        QVERIFY(panel.displayedPointCount(train) >= 200);
    }

    void crosshairShowsValuesAndHidesOnExport()
    {
        ChartPanel panel(QStringLiteral("Accuracy"), QStringLiteral("accuracy"));
        panel.resize(800, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const int id = panel.addSeries(QStringLiteral("test"), Qt::red);
        for (int i = 0; i <= 100; ++i)
            panel.appendPoint(id, i * 10, i / 100.0);
        panel.refresh();
        panel.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QCPLayer* layer = panel.plot()->layer(QStringLiteral("crosshair"));
        QVERIFY(layer);
        auto visibleText = [layer]() -> QString {
            for (QCPLayerable* item : layer->children())
                if (auto* text = qobject_cast<QCPItemText*>(item); text && text->visible())
                    return text->text();
            return QString();
        };
        QVERIFY(visibleText().isEmpty());
        const QPoint centre = panel.plot()->axisRect()->rect().center();
        QMouseEvent move(QEvent::MouseMove, centre, panel.plot()->mapToGlobal(centre), Qt::NoButton, Qt::NoButton,
                         Qt::NoModifier);
        QApplication::sendEvent(panel.plot(), &move);
        QVERIFY2(visibleText().contains(QStringLiteral("test: ")), qPrintable(visibleText()));
        QVERIFY(visibleText().contains(QStringLiteral("step ")));
        panel.setExportMode(true);
        QVERIFY(visibleText().isEmpty());
    }

    void markersAndThreshold()
    {
        ChartPanel panel(QStringLiteral("H"), QStringLiteral("H"));
        panel.enableThreshold(QStringLiteral("H*"), 0.6);
        QCOMPARE(panel.threshold(), 0.6);
        panel.setThreshold(0.55);
        QCOMPARE(panel.threshold(), 0.55);
        panel.addMarker(10, QStringLiteral("T_grok"), Qt::green);
        panel.addMarker(5, QStringLiteral("memorised"), Qt::red);
        QCOMPARE(panel.markerCount(), 2);
        panel.clearMarkers();
        QCOMPARE(panel.markerCount(), 0);
    }

    // The legend and the forecast label sit at the top of the axes; the value range is
    // stretched so that the highest point is drawn below both, with auto and fixed ranges.
    void noDataUnderTheLegendOrForecastLabel()
    {
        for (bool fixed : {false, true}) {
            ChartPanel panel(QStringLiteral("Accuracy"), QStringLiteral("accuracy"));
            panel.resize(700, 300);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            if (fixed)
                panel.setFixedValueRange(-0.02, 1.02);
            const int id = panel.addSeries(QStringLiteral("test"), Qt::red);
            for (int i = 0; i <= 200; ++i)
                panel.appendPoint(id, i * 10, std::min(1.0, i / 100.0));
            panel.setForecast(1500, 100, QStringLiteral("forecast at step 2,000: T_grok = 1,500"));
            for (int pass = 0; pass < 2; ++pass) {  // the first replot lays the axes out
                panel.refresh();
                panel.plot()->replot(QCustomPlot::rpImmediateRefresh);
                panel.appendPoint(id, 2010 + pass, 1.0);
            }
            QCustomPlot* plot = panel.plot();
            const double topOfData = plot->yAxis->coordToPixel(1.0);
            QVERIFY2(topOfData > plot->legend->outerRect().bottom(),
                     qPrintable(QStringLiteral("fixed=%1: 1.0 at y=%2, legend bottom %3")
                                    .arg(fixed).arg(topOfData).arg(plot->legend->outerRect().bottom())));
            QCPItemText* label = nullptr;
            for (int k = 0; k < plot->itemCount(); ++k)
                if (auto* text = qobject_cast<QCPItemText*>(plot->item(k)); text && text->text().startsWith(QStringLiteral("forecast")))
                    label = text;
            QVERIFY(label);
            QVERIFY(topOfData > label->bottom->pixelPosition().y());

            // An export three times as tall needs a third of the head room's share;
            // leaving export mode restores the on-screen range.
            const QCPRange shown = plot->yAxis->range();
            panel.setExportMode(true, 3 * plot->height());
            const QCPRange exported = plot->yAxis->range();
            QVERIFY(exported.upper < shown.upper && exported.upper > 1.0);
            const double shownShare = 1.0 - (1.0 - shown.lower) / shown.size();
            const double exportedShare = 1.0 - (1.0 - exported.lower) / exported.size();
            QVERIFY2(exportedShare < 0.5 * shownShare, qPrintable(QStringLiteral("%1 vs %2").arg(exportedShare).arg(shownShare)));
            panel.setExportMode(false);
            QCOMPARE(plot->yAxis->range().upper, shown.upper);
            // The same through the exporter, which draws at the export's layout.
            QTemporaryDir dir;
            QVERIFY(ChartExporter::exportChart(plot, dir.filePath(QStringLiteral("chart.png")), QSize(700, 900)).isEmpty());
            QCOMPARE(plot->yAxis->range().upper, shown.upper);
            QCOMPARE(plot->yAxis->range().lower, shown.lower);
        }
    }
};

QTEST_MAIN(TestChartPanel)
#include "tst_chart_panel.moc"
