// The chart board and the run export take their metrics from core/metrics/metric_columns.cpp:
// every charted metric gets its series, legend entry and points; run.json carries every
// column under its metrics.csv name.
#include "chart_board.h"
#include "chart_panel.h"
#include "run_list.h"
#include "run_log_exporter.h"

#include "io/run_log.h"
#include "io/run_log_writer.h"
#include "metrics/metric_columns.h"
#include "qcustomplot_include.h"

#include <nlohmann/json.hpp>

#include <QDoubleSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <set>

using namespace grokscope;
using namespace grokscope::ui;

namespace {

// Three evaluations; H̃ and the diagnostics are unset on the middle one (no spectrum there).
RunLog smallRun()
{
    RunLog log;
    log.directory = "/runs/small";
    for (long step : {0L, 50L, 100L}) {
        EvalSnapshot s;
        s.step = step;
        s.trainLoss = 4.0 - step * 0.01;
        s.testLoss = 4.5;
        s.trainAccuracy = step / 100.0;
        s.testAccuracy = 0.01;
        s.weightNorm = 40.0 + step;
        s.learningRate = 1e-3;
        if (step != 50) {
            s.entropy = 0.7;
            s.fourierAlignment = 0.25;
            s.logAlignmentRatio = 0.5;
        }
        s.saturatedFraction = 0.125;
        s.logitScale = 3.0;
        log.evaluations.push_back(s);
    }
    return log;
}

// Legend entries of a chart, top to bottom.
QStringList legendNames(const ChartPanel* panel)
{
    QStringList names;
    QCPLegend* legend = panel->plot()->legend;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i)))
            names << item->plottable()->name();
    return names;
}

size_t columnIndex(const char* name) { return size_t(findMetricColumn(name) - metricColumns().data()); }

}  // namespace

class TestChartBoard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyChartedMetricHasItsSeries()
    {
        ChartBoard board;
        board.showRun(smallRun());
        const QList<ChartPanel*> panels = board.chartPanels();
        QCOMPARE(panels.size(), 6);
        const QList<QStringList> legends = {{"train", "test"}, {"train", "test"}, {"‖θ‖₂"},
                                            {"H̃"},             {"Fourier A", "LAR", "saturated"}, {"logit scale"}};
        // Points per series, in legend order: an unset value draws none.
        const QList<QList<int>> points = {{3, 3}, {3, 3}, {3}, {2}, {2, 2, 3}, {3}};
        for (int p = 0; p < panels.size(); ++p) {
            QCOMPARE(legendNames(panels[p]), legends[p]);
            QCOMPARE(panels[p]->seriesCount(), legends[p].size());
            for (int id = 0; id < points[p].size(); ++id)
                QCOMPARE(panels[p]->pointCount(id), points[p][id]);
        }
    }

    void overlaysAddAndRemoveEverySeries()
    {
        ChartBoard board;
        RunLog opened = smallRun(), overlaid = smallRun();
        opened.config.name = "opened";
        overlaid.config.name = "other";
        overlaid.config.run.modelSeed = 7;
        board.showRun(opened);
        board.addOverlay(overlaid);
        const QList<ChartPanel*> panels = board.chartPanels();
        // The first run names its series by kind, its solid one with its name too; the
        // overlay has one entry, its short name: never its folder's.
        QCOMPARE(legendNames(panels[4]), QStringList({"opened s0 · Fourier A", "LAR", "saturated", "other s7"}));
        QCOMPARE(legendNames(panels[0]), QStringList({"opened s0 · train", "test", "other s7"}));
        int charted = 0;
        for (const MetricColumn& column : metricColumns())
            charted += column.chart != MetricChart::None;
        int total = 0;
        for (const ChartPanel* panel : panels)
            total += panel->seriesCount();
        QCOMPARE(total, 2 * charted);
        QCOMPARE(board.overlayCount(), 1);
        board.clearOverlays();
        QCoreApplication::processEvents();  // the legend is relabelled once the run has left
        total = 0;
        for (const ChartPanel* panel : panels)
            total += panel->seriesCount();
        QCOMPARE(total, charted);
        QCOMPARE(legendNames(panels[0]), QStringList({"train", "test"}));
    }

    void everyRunHasOneColourAndHidingItHidesItsSeries()
    {
        ChartBoard board;
        const int opened = board.showRun(smallRun());
        const int overlay = board.addOverlay(smallRun());
        const ShownRun* a = board.runs()->find(opened);
        const ShownRun* b = board.runs()->find(overlay);
        QVERIFY(a->colour != b->colour);
        ChartPanel* loss = board.chartPanels()[0];
        const int train = board.seriesId(overlay, columnIndex("train_loss"));
        const int test = board.seriesId(overlay, columnIndex("test_loss"));
        QCOMPARE(loss->seriesColor(train), b->colour);
        QCOMPARE(loss->seriesColor(test), b->colour);  // one hue; the dash tells them apart
        board.runs()->setVisible(overlay, false);
        QVERIFY(!loss->isSeriesVisible(train));
        QVERIFY(!loss->isSeriesVisible(test));
        QCOMPARE(legendNames(loss), QStringList({"train", "test"}));  // one run shown again
    }

    void editingTheThresholdMovesTheCrossingMarker()
    {
        // Memorised at 100; H̃ 0.7, 0.65, 0.62, 0.6, 0.55 from step 100 on.
        RunLog log;
        log.directory = "/runs/crossing";
        const double entropy[] = {0.9, 0.7, 0.65, 0.62, 0.6, 0.55};
        for (int i = 0; i < 6; ++i) {
            EvalSnapshot s;
            s.step = 100L * i;
            s.trainAccuracy = i >= 1 ? 1.0 : 0.1;
            s.entropy = entropy[i];
            log.evaluations.push_back(s);
        }
        RunEvent memorised;
        memorised.type = "memorised";
        memorised.step = 100;
        RunEvent crossed;
        crossed.type = "entropy_threshold_crossed";
        crossed.step = 400;
        log.events = {memorised, crossed};
        log.config.metrics.entropyThreshold = 0.609;
        ChartBoard board;
        const int id = board.showRun(log);
        auto crossingStep = [&] {
            for (const RunEvent& e : board.markedEvents(id))
                if (e.type == "entropy_threshold_crossed")
                    return e.step;
            return -1L;
        };
        QCOMPARE(crossingStep(), 400L);
        board.setEntropyThreshold(0.66);
        QCOMPARE(crossingStep(), 200L);
        QVERIFY(board.chartPanels()[0]->markerLabels().contains(QStringLiteral("H̃ < H̃*")));
        board.setEntropyThreshold(0.5);  // never reached: no marker
        QCOMPARE(crossingStep(), -1L);
        QVERIFY(!board.chartPanels()[0]->markerLabels().contains(QStringLiteral("H̃ < H̃*")));
        // The user's edit in the chart's H̃* box does the same.
        board.chartPanels()[3]->findChild<QDoubleSpinBox*>()->setValue(0.63);
        QCOMPARE(crossingStep(), 300L);
    }

    void aForecastWiderThanTheDataIsWithheldAndGoneAfterGrokking()
    {
        ChartBoard board;
        EvalSnapshot s;
        s.step = 500;
        s.forecastGrokStep = 550.0;
        s.forecastHalfWidthSteps = 5880.0;
        board.addEvaluation(0, s);
        QVERIFY(!board.chartPanels()[3]->hasForecast());
        QVERIFY2(board.forecastText().contains(QStringLiteral("too wide")), qPrintable(board.forecastText()));
        s.step = 600;
        s.forecastGrokStep = 6000.0;
        s.forecastHalfWidthSteps = 900.0;
        board.addEvaluation(0, s);
        QVERIFY(board.chartPanels()[3]->hasForecast());
        QVERIFY(board.forecastText().startsWith(QStringLiteral("grokking expected at step")));
        RunEvent grokked;
        grokked.type = "grokked";
        grokked.step = 5900;
        board.addEvent(0, grokked);
        QVERIFY(!board.chartPanels()[3]->hasForecast());
        QCOMPARE(board.forecastText(), QString());
        s.step = 6000;  // a later evaluation's forecast stays withheld
        board.addEvaluation(0, s);
        QCOMPARE(board.forecastText(), QString());
    }

    void anExperimentArmIsTheMeanOfItsSeeds()
    {
        ChartBoard board;
        const int arm = board.addExperimentArm(QStringLiteral("baseline"), QStringLiteral("/exp/baseline"));
        const int s0 = board.addExperimentSeed(arm, QStringLiteral("seed 0"), QString());
        const int s1 = board.addExperimentSeed(arm, QStringLiteral("seed 1"), QString());
        RunLog a = smallRun(), b = smallRun();
        for (EvalSnapshot& e : b.evaluations)
            e.weightNorm += 10.0;  // 50, 100, 150 against 40, 90, 140
        RunEvent grok;
        grok.type = "grokked";
        grok.step = 100;
        board.setSeedLog(s0, a.evaluations, {grok});
        board.setSeedLog(s1, b.evaluations, {});
        ChartPanel* norm = board.chartPanels()[2];
        const int mean = board.seriesId(arm, columnIndex("weight_norm"));
        QCOMPARE(norm->pointCount(mean), 3);
        QCOMPARE(norm->seriesValues(mean), QVector<double>({45.0, 95.0, 145.0}));
        QCOMPARE(norm->seriesColor(board.seriesId(s0, columnIndex("weight_norm"))), board.runs()->find(arm)->colour);
        QCOMPARE(board.armGrokSteps(arm), std::vector<double>({100.0}));
        // Only the arm is in the legend; its seeds are not.
        QCOMPARE(legendNames(norm), QStringList({"‖θ‖₂"}));
        QVERIFY(norm->markerLabels().contains(QStringLiteral("baseline median T_grok")));
    }

    void runJsonHasEveryColumnByName()
    {
        QTemporaryDir dir;
        const std::string run = dir.filePath(QStringLiteral("run")).toStdString();
        RunLogWriter::writeConfig(run, TrainConfig{});
        {
            RunLogWriter writer(run, {"embed"});
            for (const EvalSnapshot& s : smallRun().evaluations)
                writer.onEvaluation(s);
        }
        RunLogExporter::exportRun(QString::fromStdString(run), dir.filePath(QStringLiteral("out")));
        std::ifstream in(dir.filePath(QStringLiteral("out/run.json")).toStdString());
        const nlohmann::json document = nlohmann::json::parse(in);
        const nlohmann::json& evaluations = document.at("evaluations");
        QCOMPARE(evaluations.size(), size_t(3));
        std::set<std::string> keys, names;
        for (const auto& item : evaluations[1].items())
            keys.insert(item.key());
        for (const MetricColumn& column : metricColumns())
            names.insert(column.name);
        QCOMPARE(keys, names);
        QCOMPARE(evaluations[1].at("step").get<long>(), 50L);
        QCOMPARE(evaluations[1].at("weight_norm").get<double>(), 90.0);
        QCOMPARE(evaluations[1].at("saturated_fraction").get<double>(), 0.125);
        QVERIFY(evaluations[1].at("entropy").is_null());
        QCOMPARE(evaluations[2].at("fourier_alignment").get<double>(), 0.25);
        QCOMPARE(evaluations[2].at("mixing").get<bool>(), false);
        QCOMPARE(document.at("metric_units").at("train_loss").get<std::string>(), std::string("nats"));
        QCOMPARE(document.at("metric_units").size(), metricColumns().size());
    }
};

QTEST_MAIN(TestChartBoard)
#include "tst_chart_board.moc"
