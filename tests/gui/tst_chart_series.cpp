// ChartSeriesSet: the store behind a ChartPanel's curves. Points stay sorted, short
// series reach their graphs incrementally, long ones are min/max-decimated to the
// visible window, and ranges and crosshair readings come from the stored values.
#include "chart_series.h"

#include "qcustomplot_include.h"

#include <QTest>

#include <cmath>

using grokscope::ui::ChartSeriesSet;
using grokscope::ui::nearestKeyIndex;

namespace {

QVector<double> graphValues(QCPGraph* graph)
{
    QVector<double> values;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        values << it->value;
    return values;
}

}  // namespace

class TestChartSeries : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nearestKeyIndexPicksTheClosestKey()
    {
        const QVector<double> keys{0, 10, 20, 30};
        QCOMPARE(nearestKeyIndex(keys, -5), 0);
        QCOMPARE(nearestKeyIndex(keys, 4), 0);
        QCOMPARE(nearestKeyIndex(keys, 5), 1);  // a tie goes to the later key
        QCOMPARE(nearestKeyIndex(keys, 14.9), 1);
        QCOMPARE(nearestKeyIndex(keys, 20), 2);
        QCOMPARE(nearestKeyIndex(keys, 26), 3);
        QCOMPARE(nearestKeyIndex(keys, 1000), 3);
        QCOMPARE(nearestKeyIndex({}, 3), -1);
    }

    void appendKeepsStepsSorted()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int id = set.add(QStringLiteral("loss"), Qt::blue, Qt::SolidLine);
        QVERIFY(set.append(id, 10, 1.0));
        QVERIFY(set.append(id, 10, 2.0));  // the same step again is kept
        QVERIFY(!set.append(id, 5, 3.0));  // a late point is dropped
        QVERIFY(!set.append(id + 1, 20, 3.0));  // no such series
        QCOMPARE(set.pointCount(id), 2);
        QCOMPARE(set.pointCount(id + 1), 0);
    }

    void shortSeriesReachTheGraphsIncrementallyAndSmoothed()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int id = set.add(QStringLiteral("loss"), Qt::blue, Qt::SolidLine);
        QCPGraph* smooth = plot.graph(0);  // added before the raw one, out of the legend
        QCPGraph* raw = plot.graph(1);
        set.append(id, 0, 0.0);
        set.append(id, 1, 10.0);
        set.pushToGraphs(0, 1, 100);
        QCOMPARE(graphValues(raw), (QVector<double>{0.0, 10.0}));
        // Debiased EMA with weight 0.6: 0, then 0.4 * 10 / (1 - 0.6²) = 6.25.
        QCOMPARE(graphValues(smooth), (QVector<double>{0.0, 6.25}));
        set.append(id, 2, 4.0);
        set.pushToGraphs(0, 2, 100);
        QCOMPARE(set.displayedPointCount(id), 3);
        QCOMPARE(graphValues(raw), (QVector<double>{0.0, 10.0, 4.0}));
    }

    void longSeriesAreDecimatedToTheWindow()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int id = set.add(QStringLiteral("loss"), Qt::blue, Qt::SolidLine);
        const int n = ChartSeriesSet::kDirectPointLimit + 1000;
        for (int i = 0; i < n; ++i)
            set.append(id, i, std::sin(i * 0.01));
        set.pushToGraphs(0, n - 1, 100);
        const int whole = set.displayedPointCount(id);
        QVERIFY2(whole > 100 && whole <= 2 * 100 + 4, qPrintable(QString::number(whole)));
        // A window of 50 steps needs no decimation: its points and one on each side.
        set.pushToGraphs(1000, 1049, 100);
        QCOMPARE(set.displayedPointCount(id), 52);

        // Replaced by a short series: drawn in full again.
        QVector<double> steps, values;
        for (int i = 0; i < 30; ++i) {
            steps << i;
            values << i * 2.0;
        }
        QVERIFY(set.setData(id, steps, values));
        set.pushToGraphs(0, 5, 100);
        QCOMPARE(set.displayedPointCount(id), 30);
        QCOMPARE(graphValues(plot.graph(1)), values);
    }

    void invalidatedShortSeriesAreRebuiltInFull()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int id = set.add(QStringLiteral("acc"), Qt::red, Qt::SolidLine);
        for (int i = 0; i < 10; ++i)
            set.append(id, i, i);
        set.pushToGraphs(0, 9, 100);
        set.invalidateDisplayed();
        set.pushToGraphs(0, 9, 100);
        QCOMPARE(set.displayedPointCount(id), 10);  // rebuilt once, not appended twice
    }

    void extentsSkipHiddenSeriesAndNonPositiveLogSteps()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int a = set.add(QStringLiteral("a"), Qt::blue, Qt::SolidLine);
        const int b = set.add(QStringLiteral("b"), Qt::red, Qt::SolidLine);
        for (double step : {0.0, 10.0, 20.0})
            set.append(a, step, step / 10.0);  // 0, 1, 2
        set.append(b, 5, -3.0);
        set.append(b, 30, 7.0);
        QCOMPARE(set.stepExtent(false), std::make_optional(std::make_pair(0.0, 30.0)));
        QCOMPARE(set.stepExtent(true), std::make_optional(std::make_pair(5.0, 30.0)));
        QCOMPARE(set.valueExtent(0, 20, false), std::make_optional(std::make_pair(-3.0, 2.0)));
        // On a log axis the lowest positive value counts.
        QCOMPARE(set.valueExtent(0, 20, true), std::make_optional(std::make_pair(1.0, 2.0)));
        QVERIFY(set.toggleHidden(plot.graph(3)));  // b's raw graph, as its legend entry
        QCOMPARE(set.stepExtent(false), std::make_optional(std::make_pair(0.0, 20.0)));
        QCOMPARE(set.valueExtent(0, 30, false), std::make_optional(std::make_pair(0.0, 2.0)));
        QCOMPARE(set.valueExtent(100, 200, false), std::nullopt);
        QVERIFY(!set.toggleHidden(nullptr));
    }

    void readingsAtGiveEachShownSeriesNearestPoint()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int train = set.add(QStringLiteral("train"), Qt::blue, Qt::SolidLine);
        const int test = set.add(QStringLiteral("test"), Qt::red, Qt::SolidLine);
        set.add(QStringLiteral("empty"), Qt::green, Qt::SolidLine);
        for (int i = 0; i <= 10; ++i)
            set.append(train, i * 10, i);
        set.append(test, 0, 100);
        set.append(test, 50, 50);
        const auto readings = set.readingsAt(33);
        QCOMPARE(readings.size(), size_t(2));
        QCOMPARE(readings[0].name, QStringLiteral("train"));
        QCOMPARE(readings[0].step, 30.0);
        QCOMPARE(readings[0].value, 3.0);
        QCOMPARE(readings[1].name, QStringLiteral("test"));
        QCOMPARE(readings[1].step, 50.0);
        QCOMPARE(readings[1].value, 50.0);
    }
};

QTEST_MAIN(TestChartSeries)
#include "tst_chart_series.moc"
