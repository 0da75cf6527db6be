// ChartToolbar: the one row of buttons above ChartPanel and SpectrumPanel. The same
// clicks, drags and double-clicks give the same panel signals on both, which is what
// ChartBoard relies on to keep every step axis in step.
#include "chart_panel.h"
#include "chart_toolbar.h"
#include "spectrum_panel.h"

#include "qcustomplot_include.h"

#include <QApplication>
#include <QCheckBox>
#include <QWheelEvent>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QToolButton>

#include <functional>

using grokscope::ui::ChartPanel;
using grokscope::ui::ChartToolbar;
using grokscope::ui::SpectrumPanel;

namespace {

// What the test needs of either panel.
struct Subject {
    QString name;
    QWidget* panel;
    ChartToolbar* toolbar;
    QCustomPlot* plot;
    QCPAxis* stepAxis;
    std::function<bool()> stepAxisLog;
    std::function<bool()> autoRange;
    std::function<void(double, double)> setStepRange;
};

}  // namespace

class TestChartToolbar : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bothPanelsShowTheSameButtons()
    {
        ChartPanel chart(QStringLiteral("Loss"), QStringLiteral("loss"));
        SpectrumPanel spectrum;
        for (ChartToolbar* toolbar : {chart.toolbar(), spectrum.toolbar()}) {
            QVERIFY(toolbar);
            QCOMPARE(toolbar->stepLogBox()->text(), QStringLiteral("log step"));
            QCOMPARE(toolbar->stepLogBox()->toolTip(), QStringLiteral("Logarithmic step axis (all charts)"));
            QCOMPARE(toolbar->followBox()->text(), QStringLiteral("follow"));
            QVERIFY(toolbar->followBox()->isChecked());
            QVERIFY(toolbar->followBox()->toolTip().contains(QStringLiteral("double-click")));
            QCOMPARE(toolbar->exportButton()->text(), QStringLiteral("Export…"));
            QCOMPARE(toolbar->exportButton()->toolTip(), QStringLiteral("Export this chart as PNG, SVG or PDF"));
        }
        QVERIFY(chart.toolbar()->smoothingSlider());
        QVERIFY(!spectrum.toolbar()->smoothingSlider());  // the spectrum has no smoothed curves
    }

    // The slider sets the EMA weight (0 to 0.99) and announces it, so the board can give
    // every chart the same; weights set by code move it quietly. The smoothed values
    // follow (known answers in tst_chart_series).
    void smoothingSliderSetsTheWeight()
    {
        ChartPanel chart(QStringLiteral("Loss"), QStringLiteral("loss"));
        QSlider* slider = chart.toolbar()->smoothingSlider();
        QCOMPARE(slider->minimum(), 0);
        QCOMPARE(slider->maximum(), 99);
        QCOMPARE(chart.smoothingWeight(), 0.0);
        QCOMPARE(chart.toolbar()->smoothingLabel()->text(), QStringLiteral("smooth off"));
        QSignalSpy changed(&chart, &ChartPanel::smoothingWeightChanged);

        const int id = chart.addSeries(QStringLiteral("train"), Qt::blue);
        chart.appendPoint(id, 0, 0.0);
        chart.appendPoint(id, 1, 10.0);
        slider->setValue(50);  // as a drag would
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toDouble(), 0.5);
        QCOMPARE(chart.smoothingWeight(), 0.5);
        QVERIFY(chart.smoothing());
        QCOMPARE(chart.toolbar()->smoothingLabel()->text(), QStringLiteral("smooth 0.50"));
        chart.refresh();
        QCPGraph* smooth = chart.series().smoothGraph(id);
        QVERIFY(smooth->visible());
        QCOMPARE(smooth->data()->at(1)->value, 0.5 * 10.0 / (1.0 - 0.25));

        chart.setSmoothingWeight(0.9);  // from the board: quiet
        QCOMPARE(changed.count(), 1);
        QCOMPARE(slider->value(), 90);
        chart.setSmoothing(false);  // the old switch: off is 0, on TensorBoard's 0.6
        QCOMPARE(slider->value(), 0);
        QVERIFY(!chart.smoothing());
        chart.setSmoothing(true);
        QCOMPARE(slider->value(), 60);
        QCOMPARE(chart.smoothingWeight(), 0.6);
        QCOMPARE(changed.count(), 1);

        // The wheel over the unfocused slider leaves the weight alone (it scrolls the charts).
        const QPointF centre = QRectF(slider->rect()).center();
        QWheelEvent wheel(centre, slider->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(slider, &wheel);
        QCOMPARE(slider->value(), 60);
        QCOMPARE(changed.count(), 1);
        slider->removeEventFilter(chart.toolbar());  // unguarded, the same wheel moves it
        QWheelEvent again(centre, slider->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(slider, &again);
        QVERIFY(slider->value() != 60);
    }

    void bothPanelsEmitTheSameActions()
    {
        ChartPanel chart(QStringLiteral("Loss"), QStringLiteral("loss"));
        SpectrumPanel spectrum;
        const QList<Subject> subjects{
            {QStringLiteral("chart"), &chart, chart.toolbar(), chart.plot(), chart.plot()->xAxis,
             [&] { return chart.stepAxisLog(); }, [&] { return chart.autoRange(); },
             [&](double lower, double upper) { chart.setStepRange(lower, upper); }},
            {QStringLiteral("spectrum"), &spectrum, spectrum.toolbar(), spectrum.plot(),
             spectrum.plot()->axisRects().at(1)->axis(QCPAxis::atBottom), [&] { return spectrum.stepAxisLog(); },
             [&] { return spectrum.autoRange(); }, [&](double lower, double upper) { spectrum.setStepRange(lower, upper); }},
        };
        for (const Subject& s : subjects) {
            s.panel->resize(700, 300);
            QSignalSpy logToggled(s.panel, SIGNAL(stepAxisLogToggled(bool)));
            QSignalSpy followToggled(s.panel, SIGNAL(autoRangeToggled(bool)));
            QSignalSpy rangeChanged(s.panel, SIGNAL(stepRangeChangedByUser(double, double)));
            QSignalSpy exportRequested(s.panel, SIGNAL(exportRequested()));
            QVERIFY(logToggled.isValid() && followToggled.isValid() && rangeChanged.isValid() && exportRequested.isValid());

            // "log step": the panel's step axis turns logarithmic and the choice is announced.
            s.toolbar->stepLogBox()->click();
            QCOMPARE(logToggled.count(), 1);
            QCOMPARE(logToggled.at(0).at(0).toBool(), true);
            QVERIFY2(s.stepAxisLog(), qPrintable(s.name));
            QCOMPARE(s.stepAxis->scaleType(), QCPAxis::stLogarithmic);
            QVERIFY(s.autoRange());

            // A drag or zoom of the step axis turns "follow" off once and reports each range.
            s.stepAxis->setRange(10, 50);
            s.stepAxis->setRange(20, 40);
            QCOMPARE(followToggled.count(), 1);
            QCOMPARE(followToggled.at(0).at(0).toBool(), false);
            QVERIFY(!s.toolbar->followBox()->isChecked());
            QVERIFY(!s.autoRange());
            QCOMPARE(rangeChanged.count(), 2);
            QCOMPARE(rangeChanged.at(1).at(0).toDouble(), 20.0);
            QCOMPARE(rangeChanged.at(1).at(1).toDouble(), 40.0);

            // A double-click turns it back on.
            const QPoint centre = s.plot->rect().center();
            QTest::mouseDClick(s.plot, Qt::LeftButton, Qt::NoModifier, centre);
            QCOMPARE(followToggled.count(), 2);
            QCOMPARE(followToggled.at(1).at(0).toBool(), true);
            QVERIFY(s.autoRange());

            // A range set by the board (another chart was dragged) is not reported back.
            s.setStepRange(100, 200);
            QCOMPARE(rangeChanged.count(), 2);
            QCOMPARE(followToggled.count(), 2);
            QVERIFY(!s.autoRange());
            QVERIFY(!s.toolbar->followBox()->isChecked());

            // Ticking "follow" again.
            s.toolbar->followBox()->click();
            QCOMPARE(followToggled.count(), 3);
            QCOMPARE(followToggled.at(2).at(0).toBool(), true);

            s.toolbar->exportButton()->click();
            QCOMPARE(exportRequested.count(), 1);

            // Unticking "log step".
            s.toolbar->stepLogBox()->click();
            QCOMPARE(logToggled.count(), 2);
            QCOMPARE(logToggled.at(1).at(0).toBool(), false);
            QCOMPARE(s.stepAxis->scaleType(), QCPAxis::stLinear);
        }
    }

    // A line chart's value axis is dragged along with its steps; the spectrum's
    // eigenvalue axes are not tied to the other charts.
    void valueAxisDragsTurnFollowOffOnLineChartsOnly()
    {
        ChartPanel chart(QStringLiteral("Loss"), QStringLiteral("loss"));
        QSignalSpy chartFollow(&chart, &ChartPanel::autoRangeToggled);
        chart.plot()->yAxis->setRange(1, 7);  // the default range is 0 to 5
        QCOMPARE(chartFollow.count(), 1);
        QVERIFY(!chart.autoRange());

        SpectrumPanel spectrum;
        QSignalSpy spectrumFollow(&spectrum, &SpectrumPanel::autoRangeToggled);
        spectrum.plot()->axisRects().at(0)->axis(QCPAxis::atLeft)->setRange(1e-4, 1);
        QCOMPARE(spectrumFollow.count(), 0);
        QVERIFY(spectrum.autoRange());
    }

    void programmaticRangesAreNotTheUsers()
    {
        QCustomPlot plot;
        ChartToolbar toolbar(ChartToolbar::Smoothing::NotOffered);
        toolbar.watchStepAxis(plot.xAxis, &plot);
        toolbar.watchValueAxis(plot.yAxis);
        QSignalSpy follow(&toolbar, &ChartToolbar::followToggled);
        QSignalSpy range(&toolbar, &ChartToolbar::stepRangeChangedByUser);
        {
            ChartToolbar::ProgrammaticRange own(toolbar);
            plot.xAxis->setRange(3, 4);
            plot.yAxis->setRange(3, 4);
        }
        QCOMPARE(follow.count(), 0);
        QCOMPARE(range.count(), 0);
        QVERIFY(toolbar.follow());
        plot.yAxis->setRange(5, 6);
        QCOMPARE(follow.count(), 1);
        QCOMPARE(range.count(), 0);  // only step ranges are shared
        toolbar.setFollow(true);  // quiet
        QCOMPARE(follow.count(), 1);
        QVERIFY(toolbar.followBox()->isChecked());
    }
};

QTEST_MAIN(TestChartToolbar)
#include "tst_chart_toolbar.moc"
