#include "variant_figures.h"

#include "experiment_summary.h"
#include "report_figure.h"

namespace grokscope::figures {

std::string writeVariantFigure(const report::VariantFigureInputs& inputs)
{
    FigureSpec spec;
    spec.title = QStringLiteral("Paired ΔT_grok per seed: each reading against its experiment's baseline");
    spec.xLabel = QStringLiteral("reading");
    spec.yLabel = QStringLiteral("ΔT_grok (steps; > 0 = later)");
    spec.horizontalLine = 0.0;
    spec.horizontalLineLabel = QStringLiteral("no change");
    FigureSeries seeds, medians;
    seeds.name = QStringLiteral("one seed");
    seeds.points = true;
    seeds.colour = figureColour(0);
    medians.name = QStringLiteral("median");
    medians.points = true;
    medians.colour = figureColour(3);
    for (const report::VariantReading& r : inputs.readings) {
        const experiment::PairedComparison& paired = r.summary->paired;
        if (r.summary->isBaseline || !paired.applicable)
            continue;
        const double x = spec.categories.size();
        // Arms of the other experiments carry its name on a second line (variants-pytorch-init:
        // "pytorch-init"), so that equal arm names stay apart.
        const std::string prefix = "variants-";
        const std::string experiment =
            r.experiment.rfind(prefix, 0) == 0 ? r.experiment.substr(prefix.size()) : r.experiment;
        spec.categories << QString::fromStdString(r.experiment == "variants" ? r.arm : r.arm + "\n(" + experiment + ")");
        // Seeds side by side within the column, so equal ΔT stay visible.
        for (std::size_t k = 0; k < paired.deltas.size(); ++k) {
            seeds.x.push_back(x + 0.05 * (double(k % 7) - 3.0));
            seeds.y.push_back(paired.deltas[k]);
        }
        if (paired.pairs() > 0) {
            medians.x.push_back(x);
            medians.y.push_back(paired.medianDelta);
        }
    }
    spec.series = {seeds, medians};
    FigureWriter figures(inputs.directory);
    return "## Figure\n\n" +
           figures.add("variants_paired_delta.png", spec,
                       "Paired ΔT_grok (reading − baseline, same seed) for each reading; red: the median. Points "
                       "above the line grokked later than their baseline.");
}

}  // namespace grokscope::figures
