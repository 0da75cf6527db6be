// ChartCrosshair: the line snaps to the nearest stored step and the read-out lists
// every shown series there; leaving the axes or the plot hides both.
#include "chart_crosshair.h"
#include "chart_series.h"

#include "qcustomplot_include.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTest>

using grokscope::ui::ChartCrosshair;
using grokscope::ui::ChartSeriesSet;

class TestChartCrosshair : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readoutNamesEverySeriesAtTheSnappedStep()
    {
        const std::vector<ChartSeriesSet::Reading> readings{{QStringLiteral("train"), 250, 3.14519},
                                                            {QStringLiteral("test"), 250, 6.2321}};
        QCOMPARE(ChartCrosshair::readout(readings, 243.7),
                 (QStringList{QStringLiteral("step 250"), QStringLiteral("train: 3.145"), QStringLiteral("test: 6.232")}));
        // With nothing shown, the step under the mouse, rounded.
        QCOMPARE(ChartCrosshair::readout({}, 12.6), QStringList{QStringLiteral("step 13")});
        // An experiment's 60 runs: the first dozen, and a count of the rest.
        std::vector<ChartSeriesSet::Reading> many;
        for (int i = 0; i < 60; ++i)
            many.push_back({QStringLiteral("seed %1").arg(i), 100, 0.5});
        const QStringList lines = ChartCrosshair::readout(many, 100);
        QCOMPARE(lines.size(), 1 + ChartCrosshair::kMaxReadoutSeries + 1);
        QCOMPARE(lines.last(), QStringLiteral("+ 48 more"));
    }

    // Another chart's mouse drives this crosshair (ChartBoard syncs them): the line goes
    // to the pixel of the nearest stored step, and nothing is emitted back.
    void showAtDrawsAtTheStepsPixelWithoutEmitting()
    {
        QCustomPlot plot;
        plot.resize(600, 300);
        ChartSeriesSet series(&plot);
        ChartCrosshair crosshair(&plot, plot.font().family());
        const int id = series.add(QStringLiteral("acc"), Qt::red, Qt::SolidLine);
        for (int i = 0; i <= 10; ++i)
            series.append(id, i * 10, i / 10.0);
        plot.xAxis->setRange(0, 100);
        plot.replot(QCustomPlot::rpImmediateRefresh);
        QSignalSpy moved(&crosshair, &ChartCrosshair::moved);
        QSignalSpy left(&crosshair, &ChartCrosshair::left);

        crosshair.showAt(47, series);
        QVERIFY(crosshair.isVisible());
        QCPItemStraightLine* line = nullptr;
        QCPItemText* text = nullptr;
        for (QCPLayerable* item : plot.layer(QStringLiteral("crosshair"))->children()) {
            if (auto* l = qobject_cast<QCPItemStraightLine*>(item))
                line = l;
            if (auto* t = qobject_cast<QCPItemText*>(item))
                text = t;
        }
        QVERIFY(line && text);
        QCOMPARE(line->point1->coords().x(), 50.0);
        QCOMPARE(line->point1->pixelPosition().x(), plot.xAxis->coordToPixel(50.0));
        QCOMPARE(text->text(), QStringLiteral("step 50\nacc: 0.5"));
        QCOMPARE(moved.count(), 0);
        // A step beyond this chart's range hides it.
        crosshair.showAt(500, series);
        QVERIFY(!crosshair.isVisible());
        QCOMPARE(left.count(), 0);

        // The mouse: moved carries the step under it; leaving the axes emits left once.
        const int y = plot.axisRect()->rect().center().y();
        crosshair.follow(QPoint(qRound(plot.xAxis->coordToPixel(32)), y), series);
        QCOMPARE(moved.count(), 1);
        QVERIFY(std::abs(moved.at(0).at(0).toDouble() - 32.0) < 0.5);
        crosshair.follow(QPoint(2, y), series);
        QCOMPARE(left.count(), 1);
        crosshair.follow(QPoint(3, y), series);
        QCOMPARE(left.count(), 1);
    }

    void followSnapsToTheNearestStepAndHides()
    {
        QCustomPlot plot;
        plot.resize(600, 300);
        ChartSeriesSet series(&plot);
        ChartCrosshair crosshair(&plot, plot.font().family());
        const int id = series.add(QStringLiteral("acc"), Qt::red, Qt::SolidLine);
        for (int i = 0; i <= 10; ++i)
            series.append(id, i * 10, i / 10.0);
        plot.xAxis->setRange(0, 100);
        plot.replot(QCustomPlot::rpImmediateRefresh);  // lays the axes out

        QCPLayer* layer = plot.layer(QStringLiteral("crosshair"));
        QVERIFY(layer);
        QCPItemStraightLine* line = nullptr;
        QCPItemText* text = nullptr;
        for (QCPLayerable* item : layer->children()) {
            if (auto* l = qobject_cast<QCPItemStraightLine*>(item))
                line = l;
            if (auto* t = qobject_cast<QCPItemText*>(item))
                text = t;
        }
        QVERIFY(line && text);
        QVERIFY(!crosshair.isVisible());

        const int y = plot.axisRect()->rect().center().y();
        crosshair.follow(QPoint(qRound(plot.xAxis->coordToPixel(23)), y), series);
        QVERIFY(crosshair.isVisible());
        QCOMPARE(line->point1->coords().x(), 20.0);
        QCOMPARE(text->text(), QStringLiteral("step 20\nacc: 0.2"));
        crosshair.follow(QPoint(qRound(plot.xAxis->coordToPixel(87)), y), series);
        QCOMPARE(line->point1->coords().x(), 90.0);
        QCOMPARE(text->text(), QStringLiteral("step 90\nacc: 0.9"));

        // Outside the axes, e.g. over the tick labels, it hides.
        crosshair.follow(QPoint(2, y), series);
        QVERIFY(!crosshair.isVisible());
        QVERIFY(!text->visible());

        crosshair.follow(QPoint(qRound(plot.xAxis->coordToPixel(50)), y), series);
        QVERIFY(crosshair.isVisible());
        QEvent leave(QEvent::Leave);
        QApplication::sendEvent(&plot, &leave);
        QVERIFY(!crosshair.isVisible());
    }
};

QTEST_MAIN(TestChartCrosshair)
#include "tst_chart_crosshair.moc"
