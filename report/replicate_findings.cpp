#include "replicate_findings.h"

#include "metrics/diagnostics.h"
#include "metrics/statistics.h"

#include <algorithm>
#include <limits>

namespace grokscope::report {

using experiment::ArmSummary;
using experiment::number;
using experiment::PairedComparison;
using experiment::RunRecord;

namespace {

// The verdict rule of delayVerdict for one difference and its test's p.
std::string delayRule(double delta, double pValue, const std::string& basis)
{
    if (delta > 0 && pValue < 0.05)
        return "holds" + basis;
    if (delta > 0)
        return "same direction, not significant" + basis;
    if (delta < 0 && pValue < 0.05)
        return "does not hold: grokking came significantly earlier" + basis;
    return "does not hold: no delay" + basis;
}

bool hasPairs(const ArmSummary& arm)
{
    return arm.paired.applicable && arm.paired.pairs() > 0;
}

}  // namespace

const ProtocolExperiment* experimentNamed(const std::vector<ProtocolExperiment>& experiments, const std::string& name)
{
    for (const ProtocolExperiment& e : experiments)
        if (e.spec.name == name)
            return &e;
    return nullptr;
}

std::vector<double> entropiesAtGrok(const ProtocolExperiment* e, const std::string& arm)
{
    std::vector<double> values;
    if (e)
        for (const RunRecord& r : e->records)
            if (r.arm == arm && r.complete() && r.tGrok && r.hAtGrok)
                values.push_back(*r.hAtGrok);
    return values;
}

Spread entropyAtGrok(const ProtocolExperiment* e, const std::string& arm)
{
    Spread s;
    const std::vector<double> values = entropiesAtGrok(e, arm);
    if (values.empty())
        return s;
    s.n = values.size();
    s.mean = mean(values);
    s.low = *std::min_element(values.begin(), values.end());
    s.high = *std::max_element(values.begin(), values.end());
    return s;
}

ClaimedValueCheck checkClaimedValue(const std::vector<double>& values, double claimed)
{
    ClaimedValueCheck check;
    check.claimed = claimed;
    if (!values.empty()) {
        check.spread.n = values.size();
        check.spread.mean = mean(values);
        check.spread.low = *std::min_element(values.begin(), values.end());
        check.spread.high = *std::max_element(values.begin(), values.end());
    }
    check.sd = sampleStandardDeviation(values);
    check.meanCi = bootstrapConfidenceInterval(values, BootstrapStatistic::Mean);
    check.tTest = oneSampleTTest(values, claimed);
    return check;
}

std::string claimedValueText(const ClaimedValueCheck& check)
{
    const Spread& s = check.spread;
    if (s.n == 0)
        return "no grokked runs";
    std::string text = number(s.mean, "%.3f");
    if (std::isfinite(check.sd))
        text += " ± " + number(check.sd, "%.3f");
    text += " (n=" + std::to_string(s.n) + ", range " + number(s.low, "%.3f") + "–" + number(s.high, "%.3f") +
            "); 95% CI [" + number(check.meanCi.low, "%.3f") + ", " + number(check.meanCi.high, "%.3f") + "]";
    if (std::isfinite(check.tTest.pValue))
        text += "; t-test against " + number(check.claimed, "%.3f") + ": p = " + number(check.tTest.pValue, "%.3g");
    return text;
}

std::string claimedValueVerdict(const ClaimedValueCheck& check)
{
    if (check.spread.n == 0 || !std::isfinite(check.meanCi.low))
        return "no data";
    if (check.claimed > check.meanCi.high)
        return "does not hold: the paper's value is above our 95% CI";
    if (check.claimed < check.meanCi.low)
        return "does not hold: the paper's value is below our 95% CI";
    return "holds";
}

std::string delayVerdict(const ArmSummary* arm)
{
    if (!arm)
        return "no data";
    if (hasPairs(*arm))
        return delayRule(arm->paired.medianDelta, arm->paired.wilcoxon.pValue, " (paired: Wilcoxon signed-rank)");
    if (arm->grokked == 0 || !std::isfinite(arm->deltaTGrok))
        return "no data";
    return delayRule(arm->deltaTGrok, arm->mannWhitney.pValue, " (unpaired: Mann–Whitney)");
}

std::string delayText(const ArmSummary* arm)
{
    if (!arm)
        return "not run";
    if (arm->complete == 0)
        return "no run has ended yet";
    std::string text;
    if (hasPairs(*arm)) {
        const PairedComparison& p = arm->paired;
        text += "paired over " + std::to_string(p.pairs()) + " seeds";
        if (p.censored)
            text += " (" + std::to_string(p.censored) + " censored at the budget)";
        text += ": later in " + std::to_string(p.sign.positives) + "/" +
                std::to_string(p.sign.positives + p.sign.negatives) + " (sign test p = " +
                number(p.sign.pValue, "%.3g") + "), median ΔT " + number(p.medianDelta, "%+.0f") + " [" +
                number(p.medianDeltaCi.low, "%+.0f") + ", " + number(p.medianDeltaCi.high, "%+.0f") +
                "], Wilcoxon p = " + number(p.wilcoxon.pValue, "%.3g") + "; ";
    }
    if (arm->grokked > 0)
        text += "unpaired: mean ΔT " + number(arm->deltaTGrok, "%+.0f") + " steps, Mann–Whitney p = " +
                number(arm->mannWhitney.pValue, "%.3g") + ", d = " + number(arm->cohensD, "%.2f") + "; ";
    return text + std::to_string(arm->grokked) + "/" + std::to_string(arm->complete) + " grokked";
}

std::optional<double> lastBeforeOrAt(const RunLog& log, long step, std::optional<double> EvalSnapshot::*field)
{
    std::optional<double> value;
    for (const EvalSnapshot& s : log.evaluations)
        if (s.step <= step && s.*field)
            value = s.*field;
    return value;
}

MlpFacts mlpFacts(const std::vector<RunLog>& logs)
{
    MlpFacts f;
    std::vector<double> init, final, test, fourier;
    for (const RunLog& log : logs) {
        std::vector<double> steps, entropy;
        trajectory(log, [](const EvalSnapshot& s) { return s.entropy; }, steps, entropy);
        if (entropy.empty())
            continue;
        ++f.runs;
        f.grokked += log.firstEvent("grokked") != nullptr;
        init.push_back(entropy.front());
        final.push_back(entropy.back());
        test.push_back(log.evaluations.back().testAccuracy);
        if (const auto a = lastBeforeOrAt(log, log.evaluations.back().step, &EvalSnapshot::fourierAlignment))
            fourier.push_back(*a);
    }
    f.entropyInit = mean(init);
    f.entropyFinal = mean(final);
    f.testFinal = mean(test);
    f.fourierFinal = mean(fourier);
    return f;
}

double meanFourierAtGrok(const std::vector<RunLog>& logs)
{
    double sum = 0.0;
    int n = 0;
    for (const RunLog& log : logs)
        if (const RunEvent* grokked = log.firstEvent("grokked"))
            if (const auto a = lastBeforeOrAt(log, grokked->step, &EvalSnapshot::fourierAlignment)) {
                sum += *a;
                ++n;
            }
    return n ? sum / n : std::nan("");
}

NormEtaCheck checkNormEta(const std::vector<RunLog>& logs)
{
    NormEtaCheck check;
    std::vector<const RunLog*> grokked;
    for (const RunLog& log : logs)
        if (const RunEvent* g = log.firstEvent("grokked"))
            for (const EvalSnapshot& s : log.evaluations)
                if (s.step == g->step) {
                    grokked.push_back(&log);
                    check.normsAtGrok.push_back(s.weightNorm);
                    if (const auto h = lastBeforeOrAt(log, g->step, &EvalSnapshot::entropy))
                        check.entropiesAtGrok.push_back(*h);
                    break;
                }
    if (grokked.size() < 2)
        return check;
    std::vector<double> lastErrors, warnings;
    for (std::size_t i = 0; i < grokked.size(); ++i) {
        const RunLog& log = *grokked[i];
        NormEtaRun run;
        run.seed = log.config.run.modelSeed;
        run.grokStep = double(log.firstEvent("grokked")->step);
        double others = 0.0;
        for (std::size_t j = 0; j < grokked.size(); ++j)
            others += j == i ? 0.0 : check.normsAtGrok[j];
        run.target = others / double(grokked.size() - 1);
        const RunEvent* memorised = log.firstEvent("memorised");
        NormDecayTracker tracker = NormDecayTracker::forConfig(log.config);
        std::vector<std::pair<double, double>> errors;  // (step, % error; ∞ without an ETA)
        for (const EvalSnapshot& s : log.evaluations) {
            if (!memorised || s.step < memorised->step || double(s.step) >= run.grokStep)
                continue;
            const auto estimate = tracker.add(double(s.step), s.weightNorm, run.target);
            const double error = estimate && estimate->etaStep
                                     ? 100.0 * std::abs(*estimate->etaStep - run.grokStep) / run.grokStep
                                     : std::numeric_limits<double>::infinity();
            errors.emplace_back(double(s.step), error);
        }
        if (errors.empty())
            continue;
        run.lastErrorPercent = errors.back().second;
        for (auto e = errors.rbegin(); e != errors.rend() && e->second < 20.0; ++e)
            run.warningSteps = run.grokStep - e->first;
        if (std::isfinite(run.lastErrorPercent))
            lastErrors.push_back(run.lastErrorPercent);
        warnings.push_back(run.warningSteps);
        check.runs.push_back(run);
    }
    check.meanLastErrorPercent = mean(lastErrors);
    check.meanWarningSteps = mean(warnings);
    return check;
}

}  // namespace grokscope::report
