#include "replicate_figures.h"

#include "replicate_findings.h"
#include "report_figure.h"

namespace fs = std::filesystem;

namespace grokscope::figures {

namespace {

using experiment::ArmSummary;
using experiment::RunRecord;
using report::lastBeforeOrAt;
using report::ProtocolExperiment;
using report::trajectory;

QVector<double> toQt(const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); }

FigureSeries line(const QString& name, const std::vector<double>& x, const std::vector<double>& y, int colour,
                  Qt::PenStyle style = Qt::SolidLine)
{
    FigureSeries s;
    s.name = name;
    s.x = toQt(x);
    s.y = toQt(y);
    s.colour = figureColour(colour);
    s.style = style;
    return s;
}

QString seedName(const RunLog& log) { return QStringLiteral("seed %1").arg(log.config.run.modelSeed); }

}  // namespace

std::string writeReplicationFigures(const report::FigureInputs& inputs)
{
    const fs::path& directory = inputs.directory;
    const ProtocolExperiment* interventions = inputs.interventions;
    const std::vector<RunLog>& baselineLogs = inputs.baselineLogs;
    const std::vector<RunLog>& mlpLogs = inputs.mlpLogs;
    const double threshold = inputs.threshold;
    const LeaveOneSeedOutResult& loso = inputs.loso;
    FigureWriter figures(directory);
    std::string figureMarkdown;
    {
        FigureSpec spec;
        spec.title = QStringLiteral("H̃ of the z97-add baseline runs; dots mark T_grok");
        spec.xLabel = QStringLiteral("step");
        spec.yLabel = QStringLiteral("H̃");
        spec.horizontalLine = threshold;
        spec.horizontalLineLabel = QStringLiteral("H̃* = %1").arg(threshold);
        FigureSeries grokPoints;
        grokPoints.name = QStringLiteral("T_grok");
        grokPoints.points = true;
        grokPoints.colour = Qt::black;
        for (std::size_t i = 0; i < baselineLogs.size(); ++i) {
            std::vector<double> x, y;
            trajectory(baselineLogs[i], [](const EvalSnapshot& s) { return s.entropy; }, x, y);
            spec.series.push_back(line(seedName(baselineLogs[i]), x, y, int(i)));
            if (const RunEvent* g = baselineLogs[i].firstEvent("grokked"))
                if (const auto h = lastBeforeOrAt(baselineLogs[i], g->step, &EvalSnapshot::entropy)) {
                    grokPoints.x.push_back(double(g->step));
                    grokPoints.y.push_back(*h);
                }
        }
        spec.series.push_back(grokPoints);
        figureMarkdown += figures.add("entropy_baseline.png", spec,
                                      "Figure 1. H̃ of every z97-add baseline seed, with H̃* and each run's T_grok.");
    }
    if (interventions) {
        FigureSpec spec;
        spec.title = QStringLiteral("T_grok per arm on z97-add; each dot is one seed");
        spec.yLabel = QStringLiteral("T_grok (step)");
        FigureSeries dots;
        dots.points = true;
        dots.colour = figureColour(0);
        for (std::size_t a = 0; a < interventions->arms.size(); ++a) {
            const ArmSummary& s = interventions->arms[a];
            if (s.arm == "mlp-z41")  // another task and ten times the steps: Figure 5 and the tables
                continue;
            spec.categories << QStringLiteral("%1 (%2/%3)").arg(QString::fromStdString(s.arm)).arg(s.grokked).arg(s.complete);
            int k = 0;
            for (const RunRecord& r : interventions->records)
                if (r.arm == s.arm && r.complete() && r.tGrok) {
                    dots.x.push_back(double(spec.categories.size() - 1) + 0.05 * ((k++ % 7) - 3));
                    dots.y.push_back(double(*r.tGrok));
                }
        }
        spec.series.push_back(dots);
        figureMarkdown += figures.add("tgrok_by_arm.png", spec,
                                      "Figure 2. T_grok of each seed per z97-add arm; (k/n) counts the runs that "
                                      "grokked. The MLP control is in Figure 5 and the tables.");

        FigureSpec entropy;
        entropy.title = QStringLiteral("H̃ per arm, lowest seed of each: which lever holds H̃ up?");
        entropy.xLabel = QStringLiteral("step");
        entropy.yLabel = QStringLiteral("H̃");
        entropy.horizontalLine = threshold;
        entropy.horizontalLineLabel = QStringLiteral("H̃*");
        int colour = 0;
        for (const ArmSummary& s : interventions->arms) {
            const std::vector<RunLog> armLogs = interventions->completeLogs(s.arm);
            if (armLogs.empty() || s.arm == "mlp-z41")
                continue;
            std::vector<double> x, y;
            trajectory(armLogs.front(), [](const EvalSnapshot& e) { return e.entropy; }, x, y);
            entropy.series.push_back(line(QString::fromStdString(s.arm) + QStringLiteral(" (") +
                                              seedName(armLogs.front()) + QStringLiteral(")"),
                                          x, y, colour++));
        }
        figureMarkdown += figures.add("entropy_by_arm.png", entropy,
                                      "Figure 3. H̃ under each lever and control (the lowest seed of each arm).");
    }
    {
        FigureSpec spec;
        spec.title = QStringLiteral("Leave-one-seed-out forecast error as grokking approaches");
        spec.xLabel = QStringLiteral("steps before T_grok");
        spec.yLabel = QStringLiteral("|forecast − T_grok| / T_grok (%)");
        spec.horizontalLine = 20.0;
        spec.horizontalLineLabel = QStringLiteral("20 %");
        spec.yMin = 0.0;
        for (std::size_t i = 0; i < loso.runs.size(); ++i) {
            const HeldOutRun& held = loso.runs[i];
            std::vector<double> before;
            for (double step : held.steps)
                before.push_back(held.grokStep - step);
            spec.series.push_back(line(QStringLiteral("seed %1").arg(held.seed), before,
                                       held.absolutePercentageErrors, int(i)));
        }
        figureMarkdown += figures.add("forecast_loso.png", spec,
                                      "Figure 4. Forecast error of each held-out seed (fit on the other seeds) "
                                      "against the steps still to go.");
    }
    if (!mlpLogs.empty() && !baselineLogs.empty()) {
        FigureSpec spec;
        spec.title = QStringLiteral("MLP at p = 41 against the Transformer on z97-add (lowest seed of each)");
        spec.xLabel = QStringLiteral("step");
        spec.yLabel = QStringLiteral("value");
        spec.yMin = -0.02;
        spec.yMax = 1.05;
        const std::pair<const RunLog*, QString> runs[] = {{&mlpLogs.front(), QStringLiteral("MLP")},
                                                          {&baselineLogs.front(), QStringLiteral("Transformer")}};
        int colour = 0;
        for (const auto& [log, name] : runs) {
            std::vector<double> x, h, xa, acc;
            trajectory(*log, [](const EvalSnapshot& s) { return s.entropy; }, x, h);
            trajectory(*log, [](const EvalSnapshot& s) { return std::optional<double>(s.testAccuracy); }, xa, acc);
            spec.series.push_back(line(name + QStringLiteral(" H̃"), x, h, colour));
            spec.series.push_back(line(name + QStringLiteral(" test accuracy"), xa, acc, colour, Qt::DashLine));
            ++colour;
        }
        figureMarkdown += figures.add("mlp_vs_transformer.png", spec,
                                      "Figure 5. The MLP's H̃ collapses while its test accuracy stays low; the "
                                      "Transformer's collapse comes with generalisation.");
    }
    {
        FigureSpec spec;
        spec.title = QStringLiteral("Fourier alignment A against H̃ along each run");
        spec.xLabel = QStringLiteral("H̃");
        spec.yLabel = QStringLiteral("Fourier alignment A");
        int colour = 0;
        auto addRuns = [&](const std::vector<RunLog>& runLogs, const QString& prefix, Qt::PenStyle style) {
            for (const RunLog& log : runLogs) {
                std::vector<double> h, a;
                for (const EvalSnapshot& s : log.evaluations)
                    if (s.entropy && s.fourierAlignment) {
                        h.push_back(*s.entropy);
                        a.push_back(*s.fourierAlignment);
                    }
                if (h.empty())
                    continue;
                spec.series.push_back(line(prefix + seedName(log), h, a, colour++, style));
                spec.series.back().parametric = true;
            }
        };
        addRuns(baselineLogs, QStringLiteral("Transformer "), Qt::SolidLine);
        addRuns(mlpLogs, QStringLiteral("MLP "), Qt::DashLine);
        if (!spec.series.isEmpty())
            figureMarkdown += figures.add("fourier_vs_entropy.png", spec,
                                          "Figure 6. (H̃, A) trajectories. The paper's run from about (0.80, 0.11) "
                                          "to (0.55, 0.65); its MLP stays near A = 0.05.");
    }
    return "## Figures\n\n" + figureMarkdown;
}

}  // namespace grokscope::figures
