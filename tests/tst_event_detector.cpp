// Online event detection on synthetic metric streams with known event steps.

#include "metrics/event_detector.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <deque>

using namespace grokscope;

namespace {

EvalSnapshot snapshot(long step, double trainAcc, double testAcc, std::optional<double> entropy)
{
    EvalSnapshot s;
    s.step = step;
    s.trainAccuracy = trainAcc;
    s.testAccuracy = testAcc;
    s.entropy = entropy;
    return s;
}

std::vector<RunEvent> feed(EventDetector& detector, const std::vector<EvalSnapshot>& stream)
{
    std::vector<RunEvent> all;
    for (const EvalSnapshot& s : stream)
        for (const RunEvent& e : detector.observe(s))
            all.push_back(e);
    return all;
}

const RunEvent* find(const std::vector<RunEvent>& events, const std::string& type)
{
    for (const RunEvent& e : events)
        if (e.type == type)
            return &e;
    return nullptr;
}

EventThresholds collapseRule(int windowSteps, int smoothingSteps = 0)
{
    EventThresholds thresholds;
    thresholds.collapseWindowSteps = windowSteps;
    thresholds.collapseSmoothingSteps = smoothingSteps;
    return thresholds;
}

// T_collapse of a memorised run (train accuracy 1 from `memorisedAt`) whose H̃ at step t
// is entropyAt(t), evaluated every `cadence` steps to `lastStep`.
template <typename F>
std::optional<long> collapseOf(const EventThresholds& thresholds, long cadence, long memorisedAt, long lastStep,
                               F entropyAt)
{
    EventDetector detector(thresholds);
    for (long step = 0; step <= lastStep; step += cadence)
        detector.observe(snapshot(step, step >= memorisedAt ? 1.0 : 0.5, 0.0, entropyAt(step)));
    return detector.collapseStep();
}

// Deterministic noise in [−amplitude, amplitude), a function of the step alone, so that
// two cadences see the same value wherever their evaluations coincide.
double noiseAt(long step, double amplitude)
{
    const double x = std::sin(static_cast<double>(step) * 12.9898) * 43758.5453;
    return amplitude * (2.0 * (x - std::floor(x)) - 1.0);
}

// H̃ falls smoothly from 0.80 to 0.60 around step 6,000 (steepest 0.033 per 400 steps),
// with ±0.01 of noise.
double smoothCollapse(long step)
{
    return 0.80 - 0.20 / (1.0 + std::exp(-(static_cast<double>(step) - 6000.0) / 600.0)) + noiseAt(step, 0.01);
}

// The collapse rule of releases whose window counted spectrum evaluations, as it was
// written there: H̃ fell by more than `drop` from the first to the last of the latest
// `evaluations` finite H̃ values seen after memorisation.
struct EvaluationCountingRule {
    int evaluations = 5;
    double drop = 0.05;
    bool memorised = false;
    std::deque<double> window;
    std::optional<long> collapsed;
    double collapseDrop = 0.0;

    void observe(const EvalSnapshot& s)
    {
        memorised = memorised || s.trainAccuracy >= 0.95;
        if (!memorised || !s.entropy || !std::isfinite(*s.entropy))
            return;
        window.push_back(*s.entropy);
        while (static_cast<int>(window.size()) > evaluations)
            window.pop_front();
        if (!collapsed && static_cast<int>(window.size()) == evaluations && window.front() - window.back() > drop) {
            collapsed = s.step;
            collapseDrop = window.front() - window.back();
        }
    }
};

// A small deterministic generator for the synthetic runs (xorshift64*).
struct TestRandom {
    uint64_t state;
    double uniform()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return static_cast<double>((state * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
    }
};

}  // namespace

class TestEventDetector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void paperSequenceGivesEventsAndLeads()
    {
        // 400 steps: the window of older releases, 5 evaluations at this 100-step cadence.
        EventDetector detector(collapseRule(400));
        // Memorise at 300; H̃ plateaus at 0.78, falls 0.02 per eval from step 600.
        std::vector<EvalSnapshot> stream;
        for (long step = 0; step <= 2000; step += 100) {
            const double trainAcc = step >= 300 ? 1.0 : 0.3;
            const double entropy = step < 600 ? 0.78 : 0.78 - 0.02 * double(step - 500) / 100.0;
            const double testAcc = step >= 1700 ? 0.995 : 0.05;
            stream.push_back(snapshot(step, trainAcc, testAcc, entropy));
        }
        const auto events = feed(detector, stream);
        QCOMPARE(detector.memorisedStep().value(), 300L);
        // H̃(t − 400) − H̃(t) > 0.05: at step 700, 0.78 at 300 against 0.74 (drop 0.04);
        // at 800, 0.78 at 400 against 0.72 (0.06).
        QCOMPARE(detector.collapseStep().value(), 800L);
        const RunEvent* collapse = find(events, "entropy_collapse");
        QVERIFY(collapse);
        QCOMPARE(collapse->values.at("reference_step"), 400.0);
        QCOMPARE(collapse->values.at("drop"), 0.78 - (0.78 - 0.02 * double(800 - 500) / 100.0));
        // H̃ ≤ 0.609 first at step 1400 (0.78 − 0.18 = 0.60).
        QCOMPARE(detector.thresholdCrossingStep().value(), 1400L);
        QCOMPARE(detector.grokStep().value(), 1700L);
        const RunEvent* grok = find(events, "grokked");
        QVERIFY(grok);
        QCOMPARE(grok->values.at("collapse_lead_steps"), 900.0);
        QCOMPARE(grok->values.at("crossing_lead_steps"), 300.0);
        QCOMPARE(grok->values.at("plateau_steps"), 1400.0);
        QVERIFY(detector.phase() == TrainingPhase::Grokked);
    }

    void theDefaultWindowIs800Steps()
    {
        // The paper sequence above under the default window: the history starts at
        // memorisation (300), so the first evaluation with a reference 800 steps back is
        // 1,100, where H̃ has fallen from 0.78 to 0.66.
        QCOMPARE(EventThresholds{}.collapseWindowSteps, 800);
        const auto entropy = [](long step) { return step < 600 ? 0.78 : 0.78 - 0.02 * double(step - 500) / 100.0; };
        QCOMPARE(collapseOf(EventThresholds{}, 100, 300, 2000, entropy).value(), 1100L);
        // Memorised at 0 the rule still waits for a reference: it fires at 800, not at 600.
        QCOMPARE(collapseOf(EventThresholds{}, 100, 0, 2000, entropy).value(), 800L);
    }

    void theReferenceIsTheLatestEvaluationAtOrBeforeTheWindow()
    {
        // Irregular evaluations: at step 900 the reference is 100 (the latest at or before
        // 900 − 800), not 0. H̃ fell 0.14 from step 0 but only 0.04 from step 100.
        EventDetector detector(EventThresholds{});
        feed(detector, {snapshot(0, 1.0, 0.0, 0.90), snapshot(100, 1.0, 0.0, 0.80), snapshot(250, 1.0, 0.0, 0.79),
                        snapshot(900, 1.0, 0.0, 0.76)});
        QVERIFY(!detector.collapseStep());
        // At 1,050 the reference is 250: 0.79 − 0.73 = 0.06.
        const auto events = feed(detector, {snapshot(1050, 1.0, 0.0, 0.73)});
        QCOMPARE(detector.collapseStep().value(), 1050L);
        QCOMPARE(find(events, "entropy_collapse")->values.at("reference_step"), 250.0);
    }

    void theLegacyReadingGivesTheEvaluationCountingAnswers()
    {
        // metrics.collapse_window_evals = 5 at one spectrum evaluation per 100 steps reads
        // as 400 steps. On 200 noisy synthetic runs (evaluations every 50 steps, H̃ every
        // 100, memorisation at a random evaluation) the step rule must fire where, and
        // with the drop that, the rule of older releases did.
        TestRandom random{0x9e3779b97f4a7c15ULL};
        int fired = 0, silent = 0;
        for (int run = 0; run < 200; ++run) {
            const long memorisedAt = 50 * static_cast<long>(random.uniform() * 40);
            const double plateau = 0.7 + 0.1 * random.uniform();
            const double fall = 0.05 + 0.25 * random.uniform();  // total fall of H̃
            const double centre = 2000 + 6000 * random.uniform();
            const double width = 100 + 700 * random.uniform();
            const double noise = 0.02 * random.uniform();
            EventDetector detector(collapseRule(400));
            EvaluationCountingRule legacy;
            std::vector<RunEvent> events;
            for (long step = 0; step <= 10000; step += 50) {
                std::optional<double> entropy;
                if (step % 100 == 0)
                    entropy = plateau - fall / (1.0 + std::exp(-(step - centre) / width)) + noiseAt(step, noise);
                const EvalSnapshot s = snapshot(step, step >= memorisedAt ? 1.0 : 0.4, 0.0, entropy);
                for (const RunEvent& e : detector.observe(s))
                    events.push_back(e);
                legacy.observe(s);
            }
            QCOMPARE(detector.collapseStep(), legacy.collapsed);
            if (legacy.collapsed) {
                QCOMPARE(find(events, "entropy_collapse")->values.at("drop"), legacy.collapseDrop);
                ++fired;
            } else {
                ++silent;
            }
        }
        QVERIFY2(fired >= 60 && silent >= 60, qPrintable(QString("fired %1, silent %2").arg(fired).arg(silent)));
    }

    void aWindowInStepsFindsTheSameCollapseAtEveryCadence()
    {
        // One smooth-plus-noise H̃ curve, evaluated every 100 and every 200 steps: with the
        // window in steps both find T_collapse near 6,000, within one evaluation of each
        // other.
        const std::optional<long> every100 = collapseOf(EventThresholds{}, 100, 1000, 12000, smoothCollapse);
        const std::optional<long> every200 = collapseOf(EventThresholds{}, 200, 1000, 12000, smoothCollapse);
        QVERIFY(every100 && every200);
        QVERIFY2(std::abs(*every100 - *every200) <= 200,
                 qPrintable(QString("T_collapse %1 against %2").arg(*every100).arg(*every200)));
        QVERIFY(*every100 >= 5500 && *every100 <= 6500);
        // The window in evaluations (5 of them, as older releases counted) spans 400 steps
        // at the first cadence and 800 at the second: it never fires on this curve at the
        // first (H̃ never falls 0.05 in 400 steps) and fires at the second.
        QVERIFY(!collapseOf(collapseRule(400), 100, 1000, 12000, smoothCollapse));
        QVERIFY(collapseOf(collapseRule(800), 200, 1000, 12000, smoothCollapse));
    }

    void smoothingIgnoresASingleSpike()
    {
        // H̃ stays at 0.78 but for one evaluation at 3,000 that reads 0.68.
        const auto spike = [](long step) { return step == 3000 ? 0.68 : 0.78; };
        QCOMPARE(collapseOf(collapseRule(800), 100, 0, 6000, spike).value(), 3000L);
        // Averaged over (t − 400, t], four evaluations, the spike weighs 0.025 < 0.05.
        QVERIFY(!collapseOf(collapseRule(800, 400), 100, 0, 6000, spike));
        // A real fall still fires, later by the smoothing's lag: H̃ falls 0.012 per 100
        // steps from 2,000. Raw: 2,500 (drop 0.06 from 1,700). Smoothed over four
        // evaluations: at 2,500 the mean fall is (0.024 + 0.036 + 0.048 + 0.06) / 4 =
        // 0.042; at 2,600, 0.054 against a reference still on the plateau.
        const auto fall = [](long step) { return step <= 2000 ? 0.78 : 0.78 - 0.012 * double(step - 2000) / 100.0; };
        QCOMPARE(collapseOf(collapseRule(800), 100, 0, 6000, fall).value(), 2500L);
        QCOMPARE(collapseOf(collapseRule(800, 400), 100, 0, 6000, fall).value(), 2600L);
    }

    void theHistoryKeepsOnlyWhatTheRuleReads()
    {
        // A flat H̃ for 10,000 steps at cadence 100: the reference t − W and everything
        // after it (9 evaluations for W = 800), plus the smoothing window before the
        // reference, (t − 1200, t − 800] (12 for S = 400).
        for (const auto& [smoothing, kept] : {std::pair<int, size_t>{0, 9}, {400, 12}}) {
            EventDetector detector(collapseRule(800, smoothing));
            for (long step = 0; step <= 10000; step += 100)
                detector.observe(snapshot(step, 1.0, 0.0, 0.78));
            const std::vector<EntropyPoint> history = detector.state().entropyHistory;
            QCOMPARE(history.size(), kept);
            QCOMPARE(history.back().step, 10000L);
            QCOMPARE(history.front().step, 10000L - 800 - (smoothing > 0 ? smoothing - 100 : 0));
        }
    }

    void crossingAfterGrokHasANegativeLead()
    {
        EventDetector detector(EventThresholds{});
        const auto events = feed(detector, {snapshot(0, 1.0, 0.0, 0.8), snapshot(100, 1.0, 1.0, 0.7),
                                            snapshot(200, 1.0, 1.0, 0.6)});
        QCOMPARE(detector.grokStep().value(), 100L);
        const RunEvent* crossing = find(events, "entropy_threshold_crossed");
        QVERIFY(crossing);
        QCOMPARE(crossing->step, 200L);
        QCOMPARE(crossing->values.at("lead_steps"), -100.0);
    }

    void entropyEventsWaitForMemorisationByDefault()
    {
        EventDetector detector(EventThresholds{});
        feed(detector, {snapshot(0, 0.1, 0.0, 0.5), snapshot(100, 0.2, 0.0, 0.8), snapshot(200, 1.0, 0.0, 0.7),
                        snapshot(300, 1.0, 0.0, 0.55)});
        QCOMPARE(detector.thresholdCrossingStep().value(), 300L);  // not 0, before memorisation
        EventThresholds anyTime;
        anyTime.entropyEventsAfterMemorisation = false;
        EventDetector eager(anyTime);
        feed(eager, {snapshot(0, 0.1, 0.0, 0.5)});
        QCOMPARE(eager.thresholdCrossingStep().value(), 0L);
    }

    void aChangedThresholdFindsTheDetectorsCrossing()
    {
        // H̃ 0.8 before memorisation (step 200), then 0.7, 0.65, 0.6, 0.55, 0.5.
        const std::vector<EvalSnapshot> stream = {
            snapshot(0, 0.1, 0.0, 0.5),    snapshot(100, 0.2, 0.0, 0.8),  snapshot(200, 1.0, 0.0, 0.7),
            snapshot(300, 1.0, 0.0, 0.65), snapshot(400, 1.0, 0.0, std::nullopt), snapshot(500, 1.0, 0.0, 0.6),
            snapshot(600, 1.0, 0.0, 0.55), snapshot(700, 1.0, 0.0, 0.5)};
        for (double threshold : {0.45, 0.5, 0.58, 0.609, 0.65, 0.75}) {
            EventThresholds thresholds;
            thresholds.entropyThreshold = threshold;
            EventDetector detector(thresholds);
            feed(detector, stream);
            QCOMPARE(entropyThresholdCrossing(stream, threshold, 200L), detector.thresholdCrossingStep());
        }
        QCOMPARE(entropyThresholdCrossing(stream, 0.609, 200L).value(), 500L);  // 0.6 ≤ 0.609
        QCOMPARE(entropyThresholdCrossing(stream, 0.65, 200L).value(), 300L);  // ≤, not <
        QCOMPARE(entropyThresholdCrossing(stream, 0.58, 200L).value(), 600L);
        QVERIFY(!entropyThresholdCrossing(stream, 0.45, 200L));
        QVERIFY(!entropyThresholdCrossing(stream, 0.75, std::nullopt));  // never memorised
        QCOMPARE(entropyThresholdCrossing(stream, 0.609, std::nullopt, false).value(), 0L);
    }

    void phasesFollowTheEvents()
    {
        EventDetector detector(EventThresholds{});
        QVERIFY(detector.phase() == TrainingPhase::Memorising);
        feed(detector, {snapshot(0, 0.99, 0.0, 0.78)});
        QVERIFY(detector.phase() == TrainingPhase::Plateau);
        feed(detector, {snapshot(100, 1.0, 0.1, 0.5)});
        QVERIFY(detector.phase() == TrainingPhase::Collapsing);
        QCOMPARE(phaseName(detector.phase()), std::string("collapsing"));
    }

    void stateRestoresExactly()
    {
        EventDetector a(collapseRule(400, 200));
        feed(a, {snapshot(0, 1.0, 0.0, 0.78), snapshot(100, 1.0, 0.0, 0.77), snapshot(200, 1.0, 0.0, 0.75)});
        QCOMPARE(a.state().entropyHistory,
                 (std::vector<EntropyPoint>{{0, 0.78}, {100, 0.77}, {200, 0.75}}));
        EventDetector b(collapseRule(400, 200));
        b.restore(a.state());
        const std::vector<EvalSnapshot> rest{snapshot(300, 1.0, 0.0, 0.74), snapshot(400, 1.0, 0.0, 0.70),
                                             snapshot(500, 1.0, 0.0, 0.69)};
        feed(a, rest);
        feed(b, rest);
        // Smoothed over (t − 200, t]: at 400, (0.74 + 0.70) / 2 = 0.72 against 0.78 at 0
        // (the only evaluation in (−200, 0]).
        QCOMPARE(a.collapseStep().value(), 400L);
        QCOMPARE(b.collapseStep().value(), 400L);
        QCOMPARE(b.state().entropyHistory, a.state().entropyHistory);
    }

    void nanEntropyIsIgnored()
    {
        EventDetector detector(EventThresholds{});
        feed(detector, {snapshot(0, 1.0, 0.0, std::nan(""))});
        QVERIFY(!detector.thresholdCrossingStep());
    }
};

QTEST_APPLESS_MAIN(TestEventDetector)
#include "tst_event_detector.moc"
