#include "experiment_summary.h"

#include "io/run_log.h"
#include "train/run.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;

namespace grokscope::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<long> eventStep(const RunLog& log, const char* type)
{
    const RunEvent* event = log.firstEvent(type);
    return event ? std::optional<long>(event->step) : std::nullopt;
}

double meanOf(const std::vector<double>& values) { return values.empty() ? kNaN : mean(values); }


std::string optionalNumber(const std::optional<double>& value, const char* format)
{
    return value ? number(*value, format) : std::string();
}

std::string optionalStep(const std::optional<long>& value)
{
    return value ? std::to_string(*value) : std::string();
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string methodName(MannWhitneyMethodUsed method)
{
    switch (method) {
    case MannWhitneyMethodUsed::Exact: return "exact";
    case MannWhitneyMethodUsed::NormalApproximation: return "normal";
    case MannWhitneyMethodUsed::Undefined: return "n/a";
    }
    return "n/a";
}

std::vector<double> grokTimes(const std::vector<RunRecord>& records, const std::string& arm)
{
    std::vector<double> times;
    for (const RunRecord& r : records)
        if (r.arm == arm && r.complete() && r.tGrok)
            times.push_back(static_cast<double>(*r.tGrok));
    return times;
}

// The arm's runs as the paired comparison sees them. T_grok is the step a run grokked
// at, or for a run that finished without grokking the step it ended at (censored at its
// budget); unknown for a run that has not ended or failed before grokking.
std::vector<PairedRun> pairedRuns(const std::vector<RunRecord>& records, const std::string& arm)
{
    std::vector<PairedRun> runs;
    for (const RunRecord& r : records) {
        if (r.arm != arm)
            continue;
        PairedRun run;
        run.seed = r.seed;
        run.grokked = r.complete() && r.tGrok;
        if (run.grokked)
            run.tGrok = static_cast<double>(*r.tGrok);
        else if (r.status == RunStatus::Finished)
            run.tGrok = static_cast<double>(r.finalStep);
        runs.push_back(run);
    }
    return runs;
}

}  // namespace

std::string number(double value, const char* format)
{
    if (!std::isfinite(value))
        return "n/a";
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string statusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Missing: return "missing";
    case RunStatus::Finished: return "finished";
    case RunStatus::Failed: return "failed";
    case RunStatus::Resumable: return "unfinished";
    case RunStatus::Broken: return "broken";
    case RunStatus::Skipped: return "skipped";
    }
    return "unknown";
}

RunRecord inspectRun(const std::string& arm, unsigned long long seed, const std::string& directory)
{
    RunRecord record;
    record.arm = arm;
    record.seed = seed;
    std::error_code error;
    if (!fs::exists(fs::path(directory) / runlog::kConfig, error)) {
        if (fs::is_directory(directory, error) && !fs::is_empty(directory, error)) {
            record.status = RunStatus::Broken;
            record.detail = "no " + std::string(runlog::kConfig);
        }
        return record;
    }
    RunLog log;
    try {
        log = readRunLog(directory);
    } catch (const std::exception& e) {
        record.status = RunStatus::Broken;
        record.detail = e.what();
        return record;
    }
    record.tGrok = eventStep(log, "grokked");
    record.tMemorised = eventStep(log, "memorised");
    record.tCollapse = eventStep(log, "entropy_collapse");
    record.tCross = eventStep(log, "entropy_threshold_crossed");
    for (const EvalSnapshot& s : log.evaluations) {
        if (!s.entropy || !std::isfinite(*s.entropy))
            continue;
        if (!record.hInit)
            record.hInit = *s.entropy;
        if (record.tGrok && s.step <= *record.tGrok)
            record.hAtGrok = *s.entropy;
    }
    if (!log.evaluations.empty())
        record.finalStep = log.evaluations.back().step;

    const RunEvent* end = log.firstEvent("finished");
    if (!end)
        end = log.firstEvent("failed");
    if (end) {
        record.finalStep = end->step;
        if (const auto ms = end->values.find("training_ms"); ms != end->values.end())
            record.trainingSeconds = ms->second / 1000.0;
    }
    if (log.firstEvent("finished")) {
        record.status = RunStatus::Finished;
    } else if (log.firstEvent("failed") || log.firstEvent("nan")) {
        record.status = RunStatus::Failed;
        const RunEvent* failure = log.firstEvent("nan") ? log.firstEvent("nan") : log.firstEvent("failed");
        record.detail = failure->message;
    } else if (!Run::latestCheckpoint(directory).empty()) {
        record.status = RunStatus::Resumable;
    } else {
        record.status = RunStatus::Broken;
        record.detail = "no end event and no checkpoint to resume from";
    }
    return record;
}

std::vector<ArmSummary> summariseArms(const ExperimentSpec& spec, const std::vector<RunRecord>& records)
{
    const std::vector<double> baselineTimes = grokTimes(records, spec.arms[spec.baselineArm].name);
    std::vector<ArmSummary> result;
    for (std::size_t a = 0; a < spec.arms.size(); ++a) {
        ArmSummary s;
        s.arm = spec.arms[a].name;
        s.isBaseline = a == spec.baselineArm;
        std::vector<double> hInit, hAtGrok, collapseLeads, crossingLeads;
        for (const RunRecord& r : records) {
            if (r.arm != s.arm)
                continue;
            ++s.planned;
            if (!r.complete())
                continue;
            ++s.complete;
            if (r.status == RunStatus::Failed)
                ++s.failed;
            if (r.hInit)
                hInit.push_back(*r.hInit);
            if (!r.tGrok)
                continue;
            ++s.grokked;
            if (r.hAtGrok)
                hAtGrok.push_back(*r.hAtGrok);
            if (r.tCollapse) {
                ++s.collapseCount;
                collapseLeads.push_back(static_cast<double>(*r.tGrok - *r.tCollapse));
                s.collapseBefore += *r.tCollapse < *r.tGrok;
            }
            if (r.tCross) {
                ++s.crossingCount;
                crossingLeads.push_back(static_cast<double>(*r.tGrok - *r.tCross));
                s.crossingBefore += *r.tCross < *r.tGrok;
            }
        }
        const std::vector<double> times = grokTimes(records, s.arm);
        s.tGrok = summariseSample(times);
        s.hInitMean = meanOf(hInit);
        s.hAtGrokMean = meanOf(hAtGrok);
        s.collapseLeadMean = meanOf(collapseLeads);
        s.crossingLeadMean = meanOf(crossingLeads);
        s.paired = sharesSeedsWithBaseline(spec, a)
            ? comparePaired(pairedRuns(records, s.arm), pairedRuns(records, spec.arms[spec.baselineArm].name))
            : unpairedComparison();
        if (s.isBaseline) {
            s.deltaTGrok = kNaN;
            s.mannWhitney = {kNaN, kNaN, MannWhitneyMethodUsed::Undefined};
            s.cohensD = kNaN;
        } else {
            s.deltaTGrok = meanOf(times) - meanOf(baselineTimes);
            s.mannWhitney = mannWhitneyU(times, baselineTimes);
            s.cohensD = cohensD(times, baselineTimes);
        }
        result.push_back(s);
    }
    return result;
}

std::string runsCsv(const std::vector<RunRecord>& records)
{
    std::ostringstream out;
    out << "arm,seed,grokked,t_grok,t_memorised,t_collapse,t_cross,h_init,h_at_grok,final_step,training_s,status,"
           "detail\n";
    for (const RunRecord& r : records)
        out << csvField(r.arm) << ',' << r.seed << ',' << (r.tGrok ? 1 : 0) << ',' << optionalStep(r.tGrok) << ','
            << optionalStep(r.tMemorised) << ',' << optionalStep(r.tCollapse) << ',' << optionalStep(r.tCross) << ','
            << optionalNumber(r.hInit, "%.6f") << ',' << optionalNumber(r.hAtGrok, "%.6f") << ',' << r.finalStep << ','
            << number(r.trainingSeconds, "%.3f") << ',' << statusName(r.status) << ',' << csvField(r.detail) << '\n';
    return out.str();
}

namespace {

// summary.csv's paired columns: "0" and empty cells for an arm that is not paired.
std::string pairedCells(const PairedComparison& p)
{
    if (!p.applicable)
        return "0" + std::string(14, ',');
    auto cell = [](double v) { return std::isfinite(v) ? number(v, "%.6g") : std::string(); };
    std::ostringstream out;
    out << "1," << p.pairs() << ',' << p.censored << ',' << p.neitherGrokked << ',' << p.unmatched << ','
        << p.sign.positives << ',' << p.sign.negatives << ',' << p.sign.zeros << ',' << cell(p.medianDelta) << ','
        << cell(p.medianDeltaCi.low) << ',' << cell(p.medianDeltaCi.high) << ',' << cell(p.wilcoxon.statistic) << ','
        << cell(p.wilcoxon.pValue) << ',' << wilcoxonMethodName(p.wilcoxon.method) << ',' << cell(p.sign.pValue);
    return out.str();
}

}  // namespace

std::string summaryCsv(const std::vector<ArmSummary>& arms)
{
    std::ostringstream out;
    out << "arm,baseline,planned,complete,failed,grokked,fraction_grokked,t_grok_mean,t_grok_median,t_grok_ci_low,"
           "t_grok_ci_high,t_grok_sd,h_init_mean,h_at_grok_mean,collapse_lead_mean,collapse_before_grok,"
           "collapse_runs,crossing_lead_mean,crossing_before_grok,crossing_runs,delta_t_grok,mann_whitney_u,"
           "mann_whitney_p,mann_whitney_method,cohens_d,paired,paired_n,paired_censored,paired_neither_grokked,"
           "paired_unmatched,paired_later,paired_earlier,paired_tied,paired_delta_t_median,paired_delta_t_ci_low,"
           "paired_delta_t_ci_high,wilcoxon_w,wilcoxon_p,wilcoxon_method,sign_test_p\n";
    auto cell = [](double v) { return std::isfinite(v) ? number(v, "%.6g") : std::string(); };
    for (const ArmSummary& s : arms) {
        const double fraction = s.complete ? static_cast<double>(s.grokked) / s.complete : kNaN;
        out << csvField(s.arm) << ',' << (s.isBaseline ? 1 : 0) << ',' << s.planned << ',' << s.complete << ','
            << s.failed << ',' << s.grokked << ',' << cell(fraction) << ',' << cell(s.tGrok.mean) << ','
            << cell(s.tGrok.median) << ',' << cell(s.tGrok.meanCi.low) << ',' << cell(s.tGrok.meanCi.high) << ','
            << cell(s.tGrok.sd) << ',' << cell(s.hInitMean) << ',' << cell(s.hAtGrokMean) << ','
            << cell(s.collapseLeadMean) << ',' << s.collapseBefore << ',' << s.collapseCount << ','
            << cell(s.crossingLeadMean) << ',' << s.crossingBefore << ',' << s.crossingCount << ','
            << cell(s.deltaTGrok) << ',' << cell(s.mannWhitney.u) << ',' << cell(s.mannWhitney.pValue) << ','
            << (s.isBaseline ? std::string() : methodName(s.mannWhitney.method)) << ',' << cell(s.cohensD) << ','
            << pairedCells(s.paired) << '\n';
    }
    return out.str();
}

namespace {

// The "Paired against the baseline" section of summary.md.
std::string pairedMarkdown(const ExperimentSpec& spec, const std::vector<ArmSummary>& arms)
{
    const std::string baseline = spec.arms[spec.baselineArm].name;
    std::ostringstream out;
    out << "## Paired against " << baseline << "\n\n";
    std::vector<std::string> unpaired;
    std::ostringstream rows;
    for (const ArmSummary& s : arms) {
        if (s.isBaseline)
            continue;
        if (!s.paired.applicable) {
            unpaired.push_back(s.arm);
            continue;
        }
        const PairedComparison& p = s.paired;
        rows << "| " << s.arm << " | " << p.pairs() << " | " << p.censored << " | " << p.sign.positives << " / "
             << p.sign.negatives << " / " << p.sign.zeros << " | " << number(p.medianDelta, "%+.0f") << " | ";
        if (std::isfinite(p.medianDeltaCi.low))
            rows << "[" << number(p.medianDeltaCi.low, "%+.0f") << ", " << number(p.medianDeltaCi.high, "%+.0f")
                 << "]";
        else
            rows << "n/a";
        rows << " | " << number(p.wilcoxon.pValue, "%.3g");
        if (p.wilcoxon.method != WilcoxonMethodUsed::Undefined && p.pairs() > 0)
            rows << " (" << wilcoxonMethodName(p.wilcoxon.method) << ")";
        rows << " | " << number(p.sign.pValue, "%.3g") << " | " << p.neitherGrokked + p.unmatched << " |\n";
    }
    if (rows.str().empty()) {
        out << "No arm trains the baseline's preset and task, so no arm shares the baseline's seeds: every "
               "comparison above is unpaired.\n\n";
        return out.str();
    }
    out << "| arm | pairs | censored | later / earlier / tied | median ΔT_grok | 95% CI | Wilcoxon p | sign test p "
           "| seeds left out |\n|---|---:|---:|---|---:|---|---:|---:|---:|\n"
        << rows.str();
    out << "\nAn arm that trains the baseline's preset and task keys shares each seed's initialisation, split "
           "and batches with the baseline's run of that seed, so the two runs form a pair and ΔT_grok = T_arm − "
           "T_baseline is taken seed by seed. Where exactly one run of a pair grokked, the other's T_grok is "
           "the step it ended at (its budget): the pair is *censored*, its sign is known and its ΔT is a bound. "
           "Seeds where neither run grokked, or a run has not ended or failed before grokking, are left out. "
           "Wilcoxon signed-rank is two-sided with zero differences dropped: exact for up to 50 pairs without "
           "ties, else the normal approximation with tie and continuity corrections. The sign test is the exact "
           "binomial test of later against earlier (ties dropped). The 95% CI of the median ΔT is a percentile "
           "bootstrap (10,000 resamples, fixed seed). These are the tests to read for a paired arm: they use "
           "the pairing that Mann–Whitney ignores.";
    if (!unpaired.empty()) {
        out << " Not paired (another preset or task): ";
        for (std::size_t i = 0; i < unpaired.size(); ++i)
            out << (i ? ", " : "") << unpaired[i];
        out << ".";
    }
    out << "\n\n";
    return out.str();
}

}  // namespace

std::string summaryMarkdown(const ExperimentSpec& spec, const std::vector<RunRecord>& records,
                            const std::vector<ArmSummary>& arms)
{
    std::ostringstream out;
    const std::string baseline = spec.arms[spec.baselineArm].name;
    out << "# Experiment " << spec.name << "\n\n";
    out << spec.arms.size() << " arms × " << spec.seeds.size() << " seeds (seeds";
    for (std::size_t i = 0; i < spec.seeds.size() && i < 20; ++i)
        out << (i ? ", " : " ") << spec.seeds[i];
    if (spec.seeds.size() > 20)
        out << ", …";
    out << "). A seed sets run.model_seed"
        << (spec.varyDataSeed ? " and task.data_seed" : "; task.data_seed (the train/test split) is the same for every seed")
        << ". Baseline arm: **" << baseline << "**.\n\n";
    std::size_t incomplete = 0;
    for (const RunRecord& r : records)
        incomplete += !r.complete();
    out << "How runs count: *n* is the runs that ended (finished, or failed with a NaN loss). "
           "Runs that never grokked count in *n* and lower the fraction grokked, and are left out of every "
           "T_grok statistic, the leads and ΔT_grok, except the paired comparison, which counts a finished run "
           "that never grokked as censored at its budget (below). Failed runs count as not grokked unless they "
           "grokked before failing. Unfinished runs are left out entirely"
        << (incomplete ? " (" + std::to_string(incomplete) + " of " + std::to_string(records.size())
                             + " runs are unfinished: rerun the experiment command to complete them)"
                       : "")
        << ".\n\n";

    out << "## T_grok\n\n";
    out << "| arm | n | failed | grokked | T_grok mean | median | 95% CI of mean | ΔT_grok vs " << baseline
        << " | Mann–Whitney p | Cohen's d |\n";
    out << "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|\n";
    for (const ArmSummary& s : arms) {
        out << "| " << s.arm << (s.isBaseline && s.arm != "baseline" ? " (baseline)" : "") << " | " << s.complete;
        if (s.complete < s.planned)
            out << " of " << s.planned;
        out << " | " << s.failed << " | " << s.grokked << "/" << s.complete << " | " << number(s.tGrok.mean, "%.0f")
            << " | " << number(s.tGrok.median, "%.0f") << " | ";
        if (std::isfinite(s.tGrok.meanCi.low))
            out << "[" << number(s.tGrok.meanCi.low, "%.0f") << ", " << number(s.tGrok.meanCi.high, "%.0f") << "]";
        else
            out << "n/a";
        if (s.isBaseline) {
            out << " | — | — | — |\n";
        } else {
            out << " | " << number(s.deltaTGrok, "%+.0f") << " | " << number(s.mannWhitney.pValue, "%.3g");
            if (s.mannWhitney.method != MannWhitneyMethodUsed::Undefined)
                out << " (" << methodName(s.mannWhitney.method) << ")";
            out << " | " << number(s.cohensD, "%.2f") << " |\n";
        }
    }
    out << "\nΔT_grok = mean T_grok of the arm − mean T_grok of the baseline, over grokked runs. "
           "Mann–Whitney U is two-sided (exact without ties and for small samples, else the normal "
           "approximation); Cohen's d is positive when the arm groks later than the baseline. "
           "The 95% CI is a percentile bootstrap (10,000 resamples, fixed seed). Both ignore that an arm's run "
           "and the baseline's run of one seed start from the same state: where they do, read the paired "
           "comparison below.\n\n";
    out << pairedMarkdown(spec, arms);

    out << "## Spectral entropy\n\n";
    auto lead = [](double value, std::size_t n) {
        return std::isfinite(value) ? number(value, "%.0f") + " (n=" + std::to_string(n) + ")" : std::string("n/a");
    };
    out << "| arm | H̃ at init | H̃ at T_grok | T_collapse lead | T_collapse before T_grok | H̃* crossing lead | "
           "crossing before T_grok |\n";
    out << "|---|---:|---:|---:|---:|---:|---:|\n";
    for (const ArmSummary& s : arms)
        out << "| " << s.arm << " | " << number(s.hInitMean, "%.3f") << " | " << number(s.hAtGrokMean, "%.3f")
            << " | " << lead(s.collapseLeadMean, s.collapseCount) << " | " << s.collapseBefore << "/" << s.grokked
            << " | " << lead(s.crossingLeadMean, s.crossingCount) << " | " << s.crossingBefore << "/" << s.grokked
            << " |\n";
    out << "\nH̃ at init: the first evaluation with a spectrum. H̃ at T_grok: the last spectrum evaluation at or "
           "before T_grok. Leads are T_grok − T_event, averaged over the *n* grokked runs that have the event (a "
           "negative lead means the event came after grokking); \"before\" counts grokked runs whose event came "
           "strictly before T_grok, out of all grokked runs.\n\n";

    out << "## Runs\n\n| arm | seed | status | T_grok | T_memorised | T_collapse | H̃* crossing | final step | "
           "training s |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n";
    for (const RunRecord& r : records) {
        out << "| " << r.arm << " | " << r.seed << " | " << statusName(r.status) << " | "
            << (r.tGrok ? std::to_string(*r.tGrok) : std::string("not grokked")) << " | " << optionalStep(r.tMemorised)
            << " | " << optionalStep(r.tCollapse) << " | " << optionalStep(r.tCross) << " | " << r.finalStep << " | "
            << number(r.trainingSeconds, "%.1f") << " |\n";
    }
    return out.str();
}

}  // namespace grokscope::experiment
