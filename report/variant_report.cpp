#include "variant_report.h"

#include "experiment_directory.h"
#include "experiment_summary.h"
#include "replicate_findings.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <sstream>

namespace fs = std::filesystem;

namespace grokscope::report {

namespace {

using experiment::ArmSummary;
using experiment::number;

// The mean H̃ of one run's spectrum evaluations in (from, until]; NaN without any.
double meanEntropyBetween(const RunLog& log, long from, long until)
{
    double sum = 0.0;
    std::size_t count = 0;
    for (const EvalSnapshot& s : log.evaluations)
        if (s.step > from && s.step <= until && s.entropy && std::isfinite(*s.entropy)) {
            sum += *s.entropy;
            ++count;
        }
    return count ? sum / double(count) : std::nan("");
}

// VariantReading::entropyHeld for the arm's ended runs.
double entropyHeld(const ProtocolExperiment& e, const std::string& arm)
{
    std::vector<double> perRun;
    for (const RunLog& log : e.completeLogs(arm)) {
        const RunEvent* grokked = log.firstEvent("grokked");
        const long until = grokked ? grokked->step : (log.evaluations.empty() ? 0 : log.evaluations.back().step);
        const double held = meanEntropyBetween(log, log.config.intervention.mixingFromStep, until);
        if (std::isfinite(held))
            perRun.push_back(held);
    }
    return mean(perRun);
}

// Free text in a Markdown table cell: a "|" would end the cell.
std::string tableCell(const std::string& text)
{
    std::string cell;
    for (const char c : text)
        cell += c == '|' ? std::string("\\|") : std::string(1, c);
    return cell;
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    return buffer;
}

// "+1,200 [−300, +2,400]" style: the median paired ΔT and its bootstrap CI.
std::string medianDeltaText(const experiment::PairedComparison& p)
{
    if (!p.applicable || p.pairs() == 0)
        return "n/a";
    return number(p.medianDelta, "%+.0f") + " [" + number(p.medianDeltaCi.low, "%+.0f") + ", " +
           number(p.medianDeltaCi.high, "%+.0f") + "]";
}

std::string answer(const std::vector<VariantReading>& readings)
{
    std::vector<std::string> delaying, advancing;
    std::size_t judged = 0;
    for (const VariantReading& r : readings) {
        if (r.verdict == "baseline" || r.verdict == "no data")
            continue;
        ++judged;
        const std::string name = "`" + r.experiment + "/" + r.arm + "`";
        if (r.verdict.rfind("holds", 0) == 0)
            delaying.push_back(name);
        else if (r.verdict.find("earlier") != std::string::npos)
            advancing.push_back(name);
    }
    auto list = [](const std::vector<std::string>& names) {
        std::string text;
        for (std::size_t i = 0; i < names.size(); ++i)
            text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
        return text;
    };
    std::ostringstream out;
    if (judged == 0)
        return "No reading has ended runs to judge yet.";
    if (delaying.empty())
        out << "**No.** No reading of the " << judged << " with ended runs makes grokking significantly later "
            << "than its baseline (paired Wilcoxon signed-rank test, p < 0.05).";
    else
        out << "**Yes: " << list(delaying) << "** " << (delaying.size() == 1 ? "makes" : "make")
            << " grokking significantly later than the baseline (paired Wilcoxon signed-rank test, p < 0.05).";
    if (!advancing.empty())
        out << " " << list(advancing) << " " << (advancing.size() == 1 ? "makes" : "make")
            << " it significantly earlier.";
    return out.str();
}

}  // namespace

std::vector<VariantReading> variantReadings(const std::vector<ProtocolExperiment>& experiments)
{
    std::vector<VariantReading> readings;
    for (const ProtocolExperiment& e : experiments)
        for (std::size_t i = 0; i < e.spec.arms.size() && i < e.arms.size(); ++i) {
            VariantReading r;
            r.experiment = e.spec.name;
            r.arm = e.spec.arms[i].name;
            r.description = e.spec.arms[i].description;
            r.summary = &e.arms[i];
            r.entropyHeld = entropyHeld(e, r.arm);
            r.verdict = r.summary->isBaseline ? "baseline" : delayVerdict(r.summary);
            readings.push_back(r);
        }
    return readings;
}

fs::path writeVariantReport(const fs::path& directory, const std::vector<ProtocolExperiment>& experiments, int seeds,
                            const ReplicateTiming& timing, const VariantFigureWriter& figure)
{
    const std::vector<VariantReading> readings = variantReadings(experiments);
    std::size_t planned = 0, complete = 0;
    for (const ProtocolExperiment& e : experiments) {
        for (const experiment::RunRecord& r : e.records) {
            ++planned;
            complete += r.complete() ? 1 : 0;
        }
    }

    std::ostringstream md;
    md << "# Does any reading of the paper's intervention delay grokking?\n\n"
       << "Written " << utcNow() << " by `grokscope-cli replicate --suite variants --seeds " << seeds << "`. Seeds 0–"
       << seeds - 1 << "; " << splitDescription(experiments) << ". " << complete << " of " << planned << " planned runs have ended";
    if (complete < planned)
        md << "; the others are left out of every number below: rerun the same command to finish them";
    md << ".\n\n**Time.** This invocation took " << number(timing.invocationSeconds / 60.0, "%.1f")
       << " min; all invocations on this directory " << number(timing.cumulativeSeconds / 60.0, "%.1f") << " min, on "
       << timing.cores << " cores with " << timing.jobs << " runs at a time of 1 thread each.\n\n"
       << "The paper says only that representations were \"shuffled within a batch by a derangement\" and that "
          "this delayed grokking by +5,020 steps (docs/science.md, \"Interventions\"). Each arm below is one "
          "reading of that sentence (README, \"Interventions\", lists the keys); every lever switches on after "
          "memorisation. An arm trains from the same seeds as its experiment's baseline, so ΔT_grok is paired "
          "seed by seed: a run that never grokked counts as censored at its budget.\n\n"
       << "## Answer\n\n" << answer(readings) << "\n\n"
       << "| experiment | reading | what it changes | grokked | median paired ΔT_grok [95% CI] | later in | "
          "Wilcoxon p | sign test p | H̃ held | H̃ at T_grok | delays grokking? |\n"
       << "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const VariantReading& r : readings) {
        const ArmSummary& s = *r.summary;
        const experiment::PairedComparison& p = s.paired;
        const bool paired = p.applicable && p.pairs() > 0;
        md << "| " << r.experiment << " | " << r.arm << " | " << tableCell(r.description) << " | " << s.grokked << "/"
           << s.complete << " | " << medianDeltaText(p) << " | "
           << (paired ? std::to_string(p.sign.positives) + "/" + std::to_string(p.pairs()) : "n/a") << " | "
           << (paired ? number(p.wilcoxon.pValue, "%.3g") : "n/a") << " | "
           << (paired ? number(p.sign.pValue, "%.3g") : "n/a") << " | " << number(r.entropyHeld, "%.3f") << " | "
           << number(s.hAtGrokMean, "%.3f") << " | " << r.verdict << " |\n";
    }
    md << "\n*H̃ held*: the mean over runs of the mean H̃ at the spectrum evaluations after the lever switches on, "
          "up to T_grok (or the run's end). *Later in*: pairs where the reading grokked later. The CI is a "
          "percentile bootstrap of the median (10,000 resamples); docs/science.md, \"Statistics\", gives each "
          "test.\n\n";
    md << (figure ? figure(VariantFigureInputs{directory, readings}) : noFiguresSection());
    for (const ProtocolExperiment& e : experiments)
        md << "## Detail: experiment `" << e.spec.name << "` (" << e.directory.filename().string() << "/)\n\n"
           << nestedSummary(e) << "\n";

    const fs::path report = directory / "variants-report.md";
    experiment::writeFileAtomically(report, md.str());
    return report;
}

}  // namespace grokscope::report
