#include "replicate_findings.h"

#include "metrics/diagnostics.h"
#include "metrics/statistics.h"

#include <algorithm>
#include <limits>

namespace grokscope::report {

using experiment::RunRecord;

const ProtocolExperiment* experimentNamed(const std::vector<ProtocolExperiment>& experiments, const std::string& name)
{
    for (const ProtocolExperiment& e : experiments)
        if (e.spec.name == name)
            return &e;
    return nullptr;
}

Spread entropyAtGrok(const ProtocolExperiment* e, const std::string& arm)
{
    Spread s;
    if (!e)
        return s;
    std::vector<double> values;
    for (const RunRecord& r : e->records)
        if (r.arm == arm && r.complete() && r.tGrok && r.hAtGrok)
            values.push_back(*r.hAtGrok);
    if (values.empty())
        return s;
    s.n = values.size();
    s.mean = mean(values);
    s.low = *std::min_element(values.begin(), values.end());
    s.high = *std::max_element(values.begin(), values.end());
    return s;
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
