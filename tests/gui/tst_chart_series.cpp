// ChartSeriesSet: the store behind a ChartPanel's curves. Points stay sorted, short
// series reach their graphs incrementally, long ones are min/max-decimated to the
// visible window, and ranges and crosshair readings come from the stored values.
#include "chart_bands.h"
#include "chart_legend.h"
#include "chart_series.h"

#include "qcustomplot_include.h"

#include <QTest>

#include <cmath>

using grokscope::ui::ChartBandSet;
using grokscope::ui::ChartSeriesSet;
using grokscope::ui::legendColumns;
using grokscope::ui::nearestKeyIndex;
using grokscope::ui::SeriesLook;
using grokscope::ui::EmaSmoother;

namespace {

QVector<double> graphValues(QCPGraph* graph)
{
    QVector<double> values;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        values << it->value;
    return values;
}

QStringList legendNames(const QCustomPlot& plot)
{
    QStringList names;
    for (int i = 0; i < plot.legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot.legend->item(i)))
            names << item->plottable()->name();
    return names;
}

bool fuzzyEqual(const QVector<double>& a, const QVector<double>& b)
{
    if (a.size() != b.size())
        return false;
    for (int i = 0; i < a.size(); ++i)
        if (std::abs(a[i] - b[i]) > 1e-12)
            return false;
    return true;
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
        set.setSmoothing(true);  // TensorBoard's default weight
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

    // The run list hides a run: its series leave the graphs, the legend, the read-out
    // and the fitted ranges, and come back in their old place in the legend.
    void hiddenSeriesLeaveRangesLegendAndReadout()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int a = set.add(QStringLiteral("a"), Qt::blue, Qt::SolidLine);
        const int b = set.add(QStringLiteral("b"), Qt::red, Qt::DashLine);
        const int c = set.add(QStringLiteral("c"), Qt::green, Qt::DotLine);
        set.append(a, 0, 1.0);
        set.append(a, 10, 2.0);
        set.append(b, 0, 50.0);
        set.append(b, 40, -50.0);
        set.append(c, 5, 3.0);
        QCOMPARE(legendNames(plot), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        QCOMPARE(set.valueExtent(0, 100, false), std::make_optional(std::make_pair(-50.0, 50.0)));

        QVERIFY(set.setVisible(b, false));
        QVERIFY(!set.setVisible(b, false));  // no change
        QVERIFY(!set.isVisible(b));
        QVERIFY(!set.rawGraph(b)->visible());
        QCOMPARE(legendNames(plot), (QStringList{QStringLiteral("a"), QStringLiteral("c")}));
        QCOMPARE(set.stepExtent(false), std::make_optional(std::make_pair(0.0, 10.0)));
        QCOMPARE(set.valueExtent(0, 100, false), std::make_optional(std::make_pair(1.0, 3.0)));
        QCOMPARE(set.readingsAt(5).size(), size_t(2));

        QVERIFY(set.setVisible(b, true));
        QVERIFY(set.rawGraph(b)->visible());
        QCOMPARE(legendNames(plot), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        QCOMPARE(set.valueExtent(0, 100, false), std::make_optional(std::make_pair(-50.0, 50.0)));
        QVERIFY(!set.setVisible(99, false));
    }

    void looksNamesAndColours()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int mean = set.add(QStringLiteral("arm A"), QColor(10, 20, 30), Qt::SolidLine, SeriesLook{2.4, 255, true});
        const int seed = set.add(QStringLiteral("seed 1"), QColor(10, 20, 30), Qt::DashLine, SeriesLook{1.0, 70, false});
        QCOMPARE(legendNames(plot), QStringList{QStringLiteral("arm A")});  // seeds stay out
        QCOMPARE(set.rawGraph(mean)->pen().widthF(), 2.4);
        QCOMPARE(set.rawGraph(seed)->pen().widthF(), 1.0);
        QCOMPARE(set.rawGraph(seed)->pen().color().alpha(), 70);
        QCOMPARE(set.rawGraph(seed)->pen().style(), Qt::DashLine);
        // Default look: the pens of before (1.6 raw; 1.0 raw under a 2.0 average when smoothed).
        const int plain = set.add(QStringLiteral("plain"), Qt::red, Qt::SolidLine);
        QCOMPARE(set.rawGraph(plain)->pen().widthF(), 1.6);
        set.setSmoothing(true);
        QCOMPARE(set.rawGraph(plain)->pen().widthF(), 1.0);
        QCOMPARE(set.smoothGraph(plain)->pen().widthF(), 2.0);
        QVERIFY(set.smoothGraph(plain)->visible());
        // Smoothed, each legend entry shows the average's pen, not the dimmed raw one.
        QVERIFY(plot.legend->itemWithPlottable(set.smoothGraph(plain)));
        QVERIFY(!plot.legend->itemWithPlottable(set.rawGraph(plain)));
        QCOMPARE(legendNames(plot), (QStringList{QStringLiteral("arm A"), QStringLiteral("plain")}));
        const int later = set.add(QStringLiteral("later"), Qt::green, Qt::SolidLine);
        QVERIFY(plot.legend->itemWithPlottable(set.smoothGraph(later)));
        QVERIFY(set.toggleHidden(set.smoothGraph(later)));  // a click on that entry
        QVERIFY(!set.rawGraph(later)->visible());
        set.remove(later);
        set.setSmoothing(false);
        QVERIFY(plot.legend->itemWithPlottable(set.rawGraph(plain)));
        QVERIFY(!plot.legend->itemWithPlottable(set.smoothGraph(plain)));
        set.setSmoothing(true);

        QVERIFY(set.setName(mean, QStringLiteral("z97-add seed 0")));
        QCOMPARE(legendNames(plot).first(), QStringLiteral("z97-add seed 0"));
        set.append(mean, 0, 1.0);
        QCOMPARE(set.readingsAt(0).front().name, QStringLiteral("z97-add seed 0"));
        QVERIFY(set.setColor(mean, QColor(200, 0, 0)));
        QCOMPARE(set.rawGraph(mean)->pen().color().rgb(), QColor(200, 0, 0).rgb());
        QCOMPARE(set.smoothGraph(mean)->pen().color(), QColor(200, 0, 0));

        // Long legend names are elided in the middle; the read-out keeps them whole.
        const QString longName = QStringLiteral("experiment-2026-12-07 arm floor-0.75 seed 12 test accuracy");
        QVERIFY(set.setName(mean, longName));
        set.setLegendNameWidth(80, plot.font());
        const QString shown = legendNames(plot).first();
        QVERIFY2(shown.contains(QChar(0x2026)) && QFontMetrics(plot.font()).horizontalAdvance(shown) <= 80, qPrintable(shown));
        QCOMPARE(set.name(mean), longName);
        QCOMPARE(set.readingsAt(0).front().name, longName);
    }

    // TensorBoard's debiased EMA at the slider's weight, known answers for 0, 10, 4.
    void smoothingWeightSetsTheAverage()
    {
        auto smoothedValues = [](const QVector<double>& values, double weight) { return EmaSmoother(weight).addAll(values); };
        QCOMPARE(smoothedValues({0.0, 10.0, 4.0}, 0.0), (QVector<double>{0.0, 10.0, 4.0}));
        // w = 0.5: 0; 0.5·10 / (1 − 0.25) = 6.667; (0.5·5 + 0.5·4) / (1 − 0.125) = 5.143.
        QVERIFY(fuzzyEqual(smoothedValues({0.0, 10.0, 4.0}, 0.5), {0.0, 5.0 / 0.75, 4.5 / 0.875}));
        // A weight of 1 would freeze the curve; it is clamped to 0.99.
        QVERIFY(fuzzyEqual(smoothedValues({0.0, 10.0}, 1.0), smoothedValues({0.0, 10.0}, 0.99)));

        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int id = set.add(QStringLiteral("loss"), Qt::blue, Qt::SolidLine);
        for (double v : {0.0, 10.0, 4.0})
            set.append(id, set.pointCount(id), v);
        set.setSmoothingWeight(0.5);
        set.pushToGraphs(0, 2, 100);
        QVERIFY(fuzzyEqual(graphValues(set.smoothGraph(id)), {0.0, 5.0 / 0.75, 4.5 / 0.875}));
        QVERIFY(set.smoothGraph(id)->visible());
        set.setSmoothingWeight(0.9);  // recomputed for the stored points
        set.pushToGraphs(0, 2, 100);
        // 0.1·10 / (1 − 0.81) = 5.263; (0.9·1 + 0.1·4) / (1 − 0.729) = 4.797.
        QVERIFY(fuzzyEqual(graphValues(set.smoothGraph(id)), {0.0, 1.0 / 0.19, 1.3 / 0.271}));
        set.append(id, 3, 4.0);  // and continued for new ones
        set.pushToGraphs(0, 3, 100);
        QCOMPARE(graphValues(set.smoothGraph(id)).size(), 4);
        QVERIFY(std::abs(graphValues(set.smoothGraph(id)).last() - (0.9 * 1.3 + 0.4) / (1 - std::pow(0.9, 4))) < 1e-12);
        set.setSmoothingWeight(0.0);
        QVERIFY(!set.smoothing());
        QVERIFY(!set.smoothGraph(id)->visible());
        QCOMPARE(set.rawGraph(id)->pen().widthF(), 1.6);
    }

    void bandsFillBetweenTheirBoundsAndCountInTheRange()
    {
        QCustomPlot plot;
        ChartBandSet bands(&plot);
        const int band = bands.add(QColor(0, 100, 200));
        QCOMPARE(plot.graphCount(), 2);
        QCOMPARE(plot.legend->itemCount(), 0);
        QCPGraph* lower = bands.lowerGraph(band);
        QCPGraph* upper = bands.upperGraph(band);
        QCOMPARE(upper->channelFillGraph(), lower);
        QCOMPARE(upper->brush().color().alpha(), ChartBandSet::kFillAlpha);
        QCOMPARE(upper->layer()->name(), QStringLiteral("bands"));
        QVERIFY(plot.layer(QStringLiteral("bands"))->index() < plot.layer(QStringLiteral("main"))->index());

        QVERIFY(!bands.setData(band, {0, 10}, {1.0}, {2.0, 3.0}));  // lengths differ
        QVERIFY(bands.setData(band, {0, 10, 20}, {1.0, 0.5, 0.2}, {2.0, 3.0, 1.0}));
        QCOMPARE(graphValues(lower), (QVector<double>{1.0, 0.5, 0.2}));
        QCOMPARE(graphValues(upper), (QVector<double>{2.0, 3.0, 1.0}));
        QCOMPARE(bands.valueExtent(0, 20, false), std::make_optional(std::make_pair(0.2, 3.0)));
        QCOMPARE(bands.valueExtent(5, 15, false), std::make_optional(std::make_pair(0.5, 3.0)));
        QCOMPARE(bands.stepExtent(false), std::make_optional(std::make_pair(0.0, 20.0)));

        QVERIFY(bands.setVisible(band, false));
        QVERIFY(!upper->visible() && !lower->visible());
        QCOMPARE(bands.valueExtent(0, 20, false), std::nullopt);
        QVERIFY(bands.setVisible(band, true));
        QVERIFY(bands.remove(band));
        QCOMPARE(plot.graphCount(), 0);
        QVERIFY(!bands.remove(band));
    }

    // Where a label may go: a curve crosses a box when a point inside it is in the value
    // range, or when a segment through the box's edges meets it (the test's own segment
    // test, in data coordinates here). Faint curves do not count.
    void curvesCrossKnownAnswers()
    {
        QCustomPlot plot;
        ChartSeriesSet set(&plot);
        const int peak = set.add(QStringLiteral("peak"), Qt::blue, Qt::SolidLine);
        set.setData(peak, {0, 10, 20}, {0.0, 10.0, 0.0});
        int edgeCalls = 0;
        auto box = [&](double x0, double x1, double y0, double y1) {
            // Sampled: whether the segment passes through [x0, x1] × [y0, y1].
            return set.curvesCross(x0, x1, y0, y1, [&](double s0, double v0, double s1, double v1) {
                ++edgeCalls;
                for (int k = 0; k <= 1000; ++k) {
                    const double s = s0 + (s1 - s0) * k / 1000.0, v = v0 + (v1 - v0) * k / 1000.0;
                    if (s >= x0 && s <= x1 && v >= y0 && v <= y1)
                        return true;
                }
                return false;
            });
        };
        QVERIFY(box(8, 12, 9, 11));      // the peak itself
        QVERIFY(!box(8, 12, 0, 7));      // under the peak: only the edge segments could, and do not
        QVERIFY(box(4, 6, 4, 6));        // no point inside, the rising segment passes through
        QVERIFY(!box(4, 6, 7, 9));       // above it
        QVERIFY(!box(5, 15, 0, 1));      // between the feet
        QVERIFY(edgeCalls > 0);
        QVERIFY(!box(30, 40, -100, 100));  // past the curve's end

        const int seed = set.add(QStringLiteral("seed"), Qt::blue, Qt::SolidLine, SeriesLook{1.0, 60, false});
        set.setData(seed, {0, 20}, {-5.0, 5.0});
        QVERIFY(!box(9, 11, -1, 1));  // the faint seed runs through it, and does not count
        set.setVisible(peak, false);
        QVERIFY(!box(8, 12, 9, 11));  // nor do hidden curves
    }

    void legendColumnsFitTheWidth()
    {
        QCOMPARE(legendColumns({50, 50, 50}, 10, 170), 3);  // 50 + 10 + 50 + 10 + 50
        QCOMPARE(legendColumns({50, 50, 50}, 10, 169), 2);
        // Three columns: the 4th entry wraps under the 1st, so they are 100, 20 and 20 wide.
        QCOMPARE(legendColumns({100, 20, 20, 100}, 0, 140), 3);
        QCOMPARE(legendColumns({100, 20, 20, 100}, 0, 139), 1);  // two would be 100 + 100
        QCOMPARE(legendColumns({300}, 0, 100), 1);
        QCOMPARE(legendColumns({}, 0, 100), 1);
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
