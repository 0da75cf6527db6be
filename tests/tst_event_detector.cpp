// Online event detection on synthetic metric streams with known event steps.

#include "metrics/event_detector.h"

#include <QtTest>

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

}  // namespace

class TestEventDetector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void paperSequenceGivesEventsAndLeads()
    {
        EventDetector detector(EventThresholds{});
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
        // Window of 5 evaluations, first minus last > 0.05: at step 700 the window
        // 300..700 holds 0.78 … 0.74 (drop 0.04); at 800, 400..800 holds 0.78 … 0.72 (0.06).
        QCOMPARE(detector.collapseStep().value(), 800L);
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
        EventDetector a(EventThresholds{});
        feed(a, {snapshot(0, 1.0, 0.0, 0.78), snapshot(100, 1.0, 0.0, 0.77), snapshot(200, 1.0, 0.0, 0.75)});
        EventDetector b(EventThresholds{});
        b.restore(a.state());
        const std::vector<EvalSnapshot> rest{snapshot(300, 1.0, 0.0, 0.74), snapshot(400, 1.0, 0.0, 0.70),
                                             snapshot(500, 1.0, 0.0, 0.69)};
        feed(a, rest);
        feed(b, rest);
        QCOMPARE(a.collapseStep().value(), 400L);
        QCOMPARE(b.collapseStep().value(), 400L);
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
