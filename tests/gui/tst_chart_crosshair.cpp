// ChartCrosshair: the line snaps to the nearest stored step and the read-out lists
// every shown series there; leaving the axes or the plot hides both.
#include "chart_crosshair.h"
#include "chart_series.h"

#include "qcustomplot_include.h"

#include <QApplication>
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
