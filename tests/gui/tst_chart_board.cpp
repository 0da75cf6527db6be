// The chart board and the run export take their metrics from core/metrics/metric_columns.cpp:
// every charted metric gets its series, legend entry and points; run.json carries every
// column under its metrics.csv name.
#include "chart_board.h"
#include "chart_panel.h"
#include "run_log_exporter.h"

#include "io/run_log.h"
#include "io/run_log_writer.h"
#include "metrics/metric_columns.h"
#include "qcustomplot_include.h"

#include <nlohmann/json.hpp>

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
        board.showRun(smallRun());
        board.addOverlay(smallRun());
        const QList<ChartPanel*> panels = board.chartPanels();
        QCOMPARE(legendNames(panels[4]), QStringList({"Fourier A", "LAR", "saturated", "small Fourier A", "small LAR",
                                                      "small saturated"}));
        int charted = 0;
        for (const MetricColumn& column : metricColumns())
            charted += column.chart != MetricChart::None;
        int total = 0;
        for (const ChartPanel* panel : panels)
            total += panel->seriesCount();
        QCOMPARE(total, 2 * charted);
        board.clearOverlays();
        total = 0;
        for (const ChartPanel* panel : panels)
            total += panel->seriesCount();
        QCOMPARE(total, charted);
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
