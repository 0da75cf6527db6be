#include "paired_comparison.h"

#include <map>

namespace grokscope::experiment {

namespace {

std::map<std::string, nlohmann::json> taskOverrides(const ArmSpec& arm)
{
    std::map<std::string, nlohmann::json> keys;
    for (const auto& [key, value] : arm.overrides)
        if (key.rfind("task.", 0) == 0)
            keys[key] = value;
    return keys;
}

}  // namespace

bool sharesSeedsWithBaseline(const ExperimentSpec& spec, std::size_t arm)
{
    const ArmSpec& candidate = spec.arms[arm];
    const ArmSpec& baseline = spec.arms[spec.baselineArm];
    auto presetOf = [&spec](const ArmSpec& a) { return a.preset.empty() ? spec.preset : a.preset; };
    return arm != spec.baselineArm && presetOf(candidate) == presetOf(baseline)
        && taskOverrides(candidate) == taskOverrides(baseline);
}

PairedComparison comparePaired(const std::vector<PairedRun>& arm, const std::vector<PairedRun>& baseline)
{
    std::map<unsigned long long, const PairedRun*> baselineBySeed;
    for (const PairedRun& run : baseline)
        baselineBySeed[run.seed] = &run;
    PairedComparison result;
    result.applicable = true;
    for (const PairedRun& run : arm) {
        const auto partner = baselineBySeed.find(run.seed);
        if (!run.tGrok || partner == baselineBySeed.end() || !partner->second->tGrok) {
            ++result.unmatched;
            continue;
        }
        if (!run.grokked && !partner->second->grokked) {
            ++result.neitherGrokked;
            continue;
        }
        result.censored += run.grokked != partner->second->grokked;
        result.seeds.push_back(run.seed);
        result.deltas.push_back(*run.tGrok - *partner->second->tGrok);
    }
    result.sign = signTest(result.deltas);
    result.wilcoxon = wilcoxonSignedRank(result.deltas);
    result.medianDelta = median(result.deltas);
    result.medianDeltaCi = bootstrapConfidenceInterval(result.deltas, BootstrapStatistic::Median);
    return result;
}

PairedComparison unpairedComparison()
{
    PairedComparison none = comparePaired({}, {});
    none.applicable = false;
    return none;
}

std::string wilcoxonMethodName(WilcoxonMethodUsed method)
{
    switch (method) {
    case WilcoxonMethodUsed::Exact: return "exact";
    case WilcoxonMethodUsed::NormalApproximation: return "normal";
    case WilcoxonMethodUsed::Undefined: return "n/a";
    }
    return "n/a";
}

}  // namespace grokscope::experiment
