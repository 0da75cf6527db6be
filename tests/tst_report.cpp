// The report library in-process, with known answers: run logs become forecast inputs,
// H̃ at T_grok is read per arm and tested against the paper's value, a delay is judged
// by the paired test where arms share seeds, and the report takes its "Figures"
// section from the writer it is given (the Qt figures are a separate library), or says
// it has none.

#include "experiment_spec.h"
#include "forecast_runs.h"
#include "io/config_json.h"
#include "io/run_log.h"
#include "known_run_log.h"
#include "replicate_findings.h"
#include "replicate_protocol.h"
#include "replicate_report.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace grokscope;
using namespace grokscope::report;
namespace fs = std::filesystem;

namespace {

experiment::RunRecord record(const std::string& arm, experiment::RunStatus status, std::optional<long> tGrok,
                             std::optional<double> hAtGrok)
{
    experiment::RunRecord r;
    r.arm = arm;
    r.status = status;
    r.tGrok = tGrok;
    r.hAtGrok = hAtGrok;
    return r;
}

// A run of `arm` and `seed` that ended: grokked at tGrok, or finished at `finalStep`
// without grokking.
experiment::RunRecord ended(const std::string& arm, unsigned long long seed, std::optional<long> tGrok,
                            long finalStep = 0, experiment::RunStatus status = experiment::RunStatus::Finished)
{
    experiment::RunRecord r = record(arm, status, tGrok, std::nullopt);
    r.seed = seed;
    r.finalStep = tGrok ? *tGrok + 200 : finalStep;
    return r;
}

// Three arms on the preset z97-add: the baseline, a lever that pairs with it, and an
// arm with its own preset that does not.
experiment::ExperimentSpec threeArmSpec()
{
    return experiment::parseSpec(nlohmann::json::parse(R"({"preset": "z97-add", "seed_count": 12, "arms": [
        {"name": "baseline"},
        {"name": "lever", "overrides": {"intervention.mixing": true}},
        {"name": "mlp", "preset": "mlp-z41"}]})"),
                                 "three.json");
}

// Baseline T_grok 1000·(seed + 1); the lever's ΔT per seed 0..9 is −100, +200, +300,
// …, +1000: later in 9 of 10 seeds, the one earlier seed with the smallest |ΔT|.
constexpr long kLeverDelta[10] = {-100, 200, 300, 400, 500, 600, 700, 800, 900, 1000};

}  // namespace

class TestReport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void forecastInputsFromARunLog()
    {
        QTemporaryDir dir;
        const fs::path run = fs::path(dir.path().toStdString()) / "run";
        writeFinishedRun(run, "z97-add", 4, 1000);
        const RunLog log = readRunLog(run.string());
        const ForecastRun fromMemorisation = forecastRunOf(log);
        QCOMPARE(fromMemorisation.seed, uint64_t(4));
        QCOMPARE(fromMemorisation.grokStep, 1000.0);
        QCOMPARE(fromMemorisation.evaluations.size(), std::size_t(11));  // steps 200 … 1200
        QCOMPARE(fromMemorisation.evaluations.front().step, 200.0);
        const ForecastRun all = forecastRunOf(log, true);
        QCOMPARE(all.evaluations.size(), std::size_t(13));  // steps 0 … 1200
        QCOMPARE(all.evaluations.front().entropy, 0.78);
        QCOMPARE(*lastBeforeOrAt(log, 1050, &EvalSnapshot::entropy), 0.6);
        QVERIFY(!lastBeforeOrAt(log, -1, &EvalSnapshot::entropy));
    }

    void entropyAtGrokOverGrokkedEndedRuns()
    {
        using experiment::RunStatus;
        ProtocolExperiment e;
        e.records = {record("a", RunStatus::Finished, 1000, 0.6), record("a", RunStatus::Finished, 1200, 0.62),
                     record("a", RunStatus::Failed, 900, 0.58),
                     record("a", RunStatus::Finished, std::nullopt, std::nullopt),  // never grokked
                     record("a", RunStatus::Resumable, 800, 0.1),                   // not ended: left out
                     record("b", RunStatus::Finished, 1000, 0.9)};
        const Spread s = entropyAtGrok(&e, "a");
        QCOMPARE(s.n, std::size_t(3));
        QCOMPARE(s.mean, 0.6);
        QCOMPARE(s.low, 0.58);
        QCOMPARE(s.high, 0.62);
        QCOMPARE(entropyAtGrok(nullptr, "a").n, std::size_t(0));
        QCOMPARE(entropyAtGrok(&e, "c").n, std::size_t(0));
    }

    void claimedValueHoldsOnlyInsideTheConfidenceInterval()
    {
        // The paper's 0.605 lies in the range of these ten values (0.48–0.62) but far
        // above their mean 0.512 ± 0.040: the percentile bootstrap of the mean
        // (10,000 resamples of SplitMix64, recomputed outside C++) is
        // [0.49499999999999994, 0.5389999999999999], and t = (0.512 − 0.605)/(s/√10)
        // = −7.41434134816564 with ν = 9, p = 4.0415584812078578e-05.
        const std::vector<double> values{0.50, 0.51, 0.49, 0.50, 0.52, 0.48, 0.50, 0.51, 0.49, 0.62};
        ClaimedValueCheck check = checkClaimedValue(values, 0.605);
        QCOMPARE(check.spread.n, std::size_t(10));
        QCOMPARE(check.spread.low, 0.48);
        QCOMPARE(check.spread.high, 0.62);
        QVERIFY(std::abs(check.spread.mean - 0.512) < 1e-15);
        QVERIFY(std::abs(check.sd - 0.039665266081716047) < 1e-15);
        QVERIFY(std::abs(check.meanCi.low - 0.49499999999999994) < 1e-15);
        QVERIFY(std::abs(check.meanCi.high - 0.5389999999999999) < 1e-15);
        QVERIFY(std::abs(check.tTest.t + 7.4143413481656373) < 1e-12);
        QVERIFY(std::abs(check.tTest.pValue / 4.0415584812078578e-05 - 1.0) < 1e-9);
        QCOMPARE(claimedValueVerdict(check), std::string("does not hold: the paper's value is above our 95% CI"));
        QCOMPARE(claimedValueText(check), std::string("0.512 ± 0.040 (n=10, range 0.480–0.620); 95% CI [0.495, "
                                                      "0.539]; t-test against 0.605: p = 4.04e-05"));
        QCOMPARE(claimedValueVerdict(checkClaimedValue(values, 0.45)),
                 std::string("does not hold: the paper's value is below our 95% CI"));
        QCOMPARE(claimedValueVerdict(checkClaimedValue(values, 0.52)), std::string("holds"));

        // Two values: the resampled means are 0.60, 0.61, 0.62 with probabilities ¼, ½, ¼,
        // so the interval is the range; t = 0.005/0.01 = ½ with ν = 1 (Cauchy):
        // p = 1 − 2·atan(½)/π = 0.70483276469913347.
        check = checkClaimedValue({0.60, 0.62}, 0.605);
        QCOMPARE(check.meanCi.low, 0.60);
        QCOMPARE(check.meanCi.high, 0.62);
        QVERIFY(std::abs(check.tTest.pValue - (1.0 - 2.0 * std::atan(0.5) / M_PI)) < 1e-13);
        QCOMPARE(claimedValueVerdict(check), std::string("holds"));
        QCOMPARE(claimedValueText(check), std::string("0.610 ± 0.014 (n=2, range 0.600–0.620); 95% CI [0.600, "
                                                      "0.620]; t-test against 0.605: p = 0.705"));
        QCOMPARE(claimedValueVerdict(checkClaimedValue({}, 0.605)), std::string("no data"));
        QCOMPARE(claimedValueText(checkClaimedValue({}, 0.605)), std::string("no grokked runs"));
    }

    void delayIsJudgedByThePairedTest()
    {
        const experiment::ExperimentSpec spec = threeArmSpec();
        std::vector<experiment::RunRecord> records;
        for (unsigned long long seed = 0; seed < 10; ++seed) {
            const long baseline = 1000 * long(seed + 1);
            records.push_back(ended("baseline", seed, baseline));
            records.push_back(ended("lever", seed, baseline + kLeverDelta[seed]));
            records.push_back(ended("mlp", seed, 3000 + 10 * long(seed)));
        }
        const auto arms = experiment::summariseArms(spec, records);
        QCOMPARE(arms.size(), std::size_t(3));
        QVERIFY(!arms[0].paired.applicable);  // the baseline itself
        QVERIFY(!arms[2].paired.applicable);  // its own preset
        const experiment::ArmSummary& lever = arms[1];
        QVERIFY(lever.paired.applicable);
        QCOMPARE(lever.paired.pairs(), std::size_t(10));
        QCOMPARE(lever.paired.censored, std::size_t(0));
        QCOMPARE(lever.paired.sign.positives, std::size_t(9));
        QCOMPARE(lever.paired.sign.negatives, std::size_t(1));
        QVERIFY(std::abs(lever.paired.sign.pValue - 22.0 / 1024.0) < 1e-15);
        // |ΔT| are all distinct and the earlier seed has rank 1: W = 1, exact p = 2·2/1024.
        QCOMPARE(lever.paired.wilcoxon.method, WilcoxonMethodUsed::Exact);
        QCOMPARE(lever.paired.wilcoxon.statistic, 1.0);
        QCOMPARE(lever.paired.wilcoxon.pValue, 4.0 / 1024.0);
        QCOMPARE(lever.paired.medianDelta, 550.0);
        // The percentile bootstrap of the median (recomputed outside C++).
        QCOMPARE(lever.paired.medianDeltaCi.low, 300.0);
        QCOMPARE(lever.paired.medianDeltaCi.high, 800.0);
        // Unpaired, the same runs say nothing: U = 54, exact Mann–Whitney p = 0.79593626188053.
        QCOMPARE(lever.deltaTGrok, 530.0);
        QVERIFY(std::abs(lever.mannWhitney.pValue - 0.7959362618805343) < 1e-12);
        QCOMPARE(delayVerdict(&lever), std::string("holds (paired: Wilcoxon signed-rank)"));
        QCOMPARE(delayText(&lever),
                 std::string("paired over 10 seeds: later in 9/10 (sign test p = 0.0215), median ΔT +550 [+300, "
                             "+800], Wilcoxon p = 0.00391; unpaired: mean ΔT +530 steps, Mann–Whitney p = 0.796, "
                             "d = 0.17; 10/10 grokked"));
        // The arm with its own preset is judged unpaired: 3045 − 5500 on average, U = 29.5,
        // Mann–Whitney p ≈ 0.13.
        QCOMPARE(delayVerdict(&arms[2]), std::string("does not hold: no delay (unpaired: Mann–Whitney)"));
        QCOMPARE(delayVerdict(nullptr), std::string("no data"));
    }

    void pairsCensorRunsThatNeverGrokked()
    {
        using experiment::RunStatus;
        const experiment::ExperimentSpec spec = threeArmSpec();
        std::vector<experiment::RunRecord> records;
        for (unsigned long long seed = 0; seed < 9; ++seed) {
            records.push_back(ended("baseline", seed, 1000 * long(seed + 1)));
            records.push_back(ended("lever", seed, 1000 * long(seed + 1) + kLeverDelta[seed]));
        }
        // Seed 9: the lever never grokked in its 20,000 steps; the baseline grokked at
        // 10,000, so the pair is later by at least 10,000 (censored).
        records.push_back(ended("baseline", 9, 10000));
        records.push_back(ended("lever", 9, std::nullopt, 20000));
        // Seed 10: neither grokked: no information, left out.
        records.push_back(ended("baseline", 10, std::nullopt, 20000));
        records.push_back(ended("lever", 10, std::nullopt, 20000));
        // Seed 11: the lever's run failed (NaN) before grokking: T_grok unknown, left out.
        records.push_back(ended("baseline", 11, 5000));
        records.push_back(ended("lever", 11, std::nullopt, 900, RunStatus::Failed));
        const experiment::ArmSummary lever = experiment::summariseArms(spec, records)[1];
        const experiment::PairedComparison& p = lever.paired;
        QCOMPARE(p.pairs(), std::size_t(10));
        QCOMPARE(p.censored, std::size_t(1));
        QCOMPARE(p.neitherGrokked, std::size_t(1));
        QCOMPARE(p.unmatched, std::size_t(1));
        QCOMPARE(p.deltas.back(), 10000.0);
        QCOMPARE(p.seeds.back(), 9ULL);
        QCOMPARE(p.sign.positives, std::size_t(9));
        QCOMPARE(p.wilcoxon.statistic, 1.0);
        QCOMPARE(p.wilcoxon.pValue, 4.0 / 1024.0);
        QCOMPARE(p.medianDelta, 550.0);
        QCOMPARE(p.medianDeltaCi.low, 300.0);
        QCOMPARE(p.medianDeltaCi.high, 800.0);
        QCOMPARE(lever.grokked, std::size_t(9));
        QVERIFY(delayText(&lever).rfind("paired over 10 seeds (1 censored at the budget): later in 9/10", 0) == 0);
        // A lever that never grokks while the baseline does is a delay the unpaired
        // statistics cannot see at all (no grokked run): the pairs see it in every seed.
        std::vector<experiment::RunRecord> blocked;
        for (unsigned long long seed = 0; seed < 6; ++seed) {
            blocked.push_back(ended("baseline", seed, 1000 + 100 * long(seed)));
            blocked.push_back(ended("lever", seed, std::nullopt, 20000));
        }
        const experiment::ArmSummary never = experiment::summariseArms(spec, blocked)[1];
        QCOMPARE(never.grokked, std::size_t(0));
        QCOMPARE(never.paired.censored, std::size_t(6));
        QCOMPARE(never.paired.sign.positives, std::size_t(6));
        QCOMPARE(never.paired.wilcoxon.pValue, 2.0 / 64.0);
        QCOMPARE(delayVerdict(&never), std::string("holds (paired: Wilcoxon signed-rank)"));
    }

    void reportTakesItsFiguresFromTheWriter()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const experiment::ExperimentSpec spec = protocolSpec("interventions", 2);
        QCOMPARE(spec.seeds, (std::vector<unsigned long long>{0, 1}));
        writeFinishedRun(root / "interventions" / "baseline" / "seed_0", "z97-add", 0, 1000);
        writeFinishedRun(root / "interventions" / "baseline" / "seed_1", "z97-add", 1, 1400);
        const std::vector<ProtocolExperiment> experiments = {inspectProtocol(spec, root / "interventions")};
        QCOMPARE(experiments[0].completeLogs("baseline").size(), std::size_t(2));
        const Spread baseline = entropyAtGrok(&experiments[0], "baseline");
        QCOMPARE(baseline.n, std::size_t(2));
        QCOMPARE(baseline.mean, 0.6);

        std::size_t baselineLogs = 99, mlpLogs = 99;
        double threshold = 0;
        const FigureSectionWriter stub = [&](const FigureInputs& inputs) {
            baselineLogs = inputs.baselineLogs.size();
            mlpLogs = inputs.mlpLogs.size();
            threshold = inputs.threshold;
            return std::string("## Figures\n\nstub figures\n\n");
        };
        const fs::path report = writeReplicationReport(root, experiments, 2, ReplicateTiming{}, stub);
        QCOMPARE(report, root / "report.md");
        const std::string withFigures = readText(report);
        QVERIFY(withFigures.find("stub figures") != std::string::npos);
        QCOMPARE(baselineLogs, std::size_t(2));
        QCOMPARE(mlpLogs, std::size_t(0));
        QCOMPARE(threshold, effectiveEntropyThreshold(loadPreset("z97-add")));

        writeReplicationReport(root, experiments, 2, ReplicateTiming{});
        const std::string without = readText(report);
        QVERIFY(without.find("stub figures") == std::string::npos);
        QVERIFY(without.find(noFiguresSection()) != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "tst_report.moc"
