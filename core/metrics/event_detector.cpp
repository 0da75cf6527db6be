#include "metrics/event_detector.h"

#include <cmath>
#include <cstddef>
#include <sstream>

namespace grokscope {

std::optional<long> entropyThresholdCrossing(const std::vector<EvalSnapshot>& evaluations, double threshold,
                                             std::optional<long> memorisedStep, bool afterMemorisation)
{
    if (afterMemorisation && !memorisedStep)
        return std::nullopt;
    for (const EvalSnapshot& s : evaluations) {
        if (afterMemorisation && s.step < *memorisedStep)
            continue;
        if (s.entropy && std::isfinite(*s.entropy) && *s.entropy <= threshold)
            return s.step;
    }
    return std::nullopt;
}

std::string phaseName(TrainingPhase phase)
{
    switch (phase) {
    case TrainingPhase::Memorising: return "memorising";
    case TrainingPhase::Plateau: return "plateau";
    case TrainingPhase::Collapsing: return "collapsing";
    case TrainingPhase::Grokked: return "grokked";
    }
    return "unknown";
}

EventDetector::EventDetector(EventThresholds thresholds) : m_thresholds(thresholds) {}

EventDetector::State EventDetector::state() const
{
    return {m_memorised, m_grokked, m_crossed, m_collapsed, m_entropyHistory};
}

void EventDetector::restore(const State& state)
{
    m_memorised = state.memorised;
    m_grokked = state.grokked;
    m_crossed = state.crossed;
    m_collapsed = state.collapsed;
    m_entropyHistory = state.entropyHistory;
}

std::optional<size_t> EventDetector::latestAtOrBefore(long step) const
{
    std::optional<size_t> latest;
    for (size_t i = 0; i < m_entropyHistory.size() && m_entropyHistory[i].step <= step; ++i)
        latest = i;
    return latest;
}

double EventDetector::smoothedEntropy(size_t i) const
{
    const long from = m_entropyHistory[i].step - m_thresholds.collapseSmoothingSteps;  // exclusive
    double sum = m_entropyHistory[i].entropy;
    int count = 1;
    for (size_t j = i; j-- > 0 && m_entropyHistory[j].step > from;) {
        sum += m_entropyHistory[j].entropy;
        ++count;
    }
    return sum / count;
}

void EventDetector::recordEntropy(long step, double entropy)
{
    m_entropyHistory.push_back({step, entropy});
    // The reference of this and every later evaluation is at or after r, the latest
    // evaluation at or before step − W, and its smoothing window starts after r − S:
    // an evaluation before r and at or before r − S is never read again.
    const std::optional<size_t> reference = latestAtOrBefore(step - m_thresholds.collapseWindowSteps);
    if (!reference)
        return;
    const long referenceStep = m_entropyHistory[*reference].step;
    const long smoothingFrom = referenceStep - m_thresholds.collapseSmoothingSteps;
    size_t keepFrom = 0;
    while (keepFrom < *reference && m_entropyHistory[keepFrom].step <= smoothingFrom)
        ++keepFrom;
    m_entropyHistory.erase(m_entropyHistory.begin(), m_entropyHistory.begin() + static_cast<std::ptrdiff_t>(keepFrom));
}

TrainingPhase EventDetector::phase() const
{
    if (m_grokked)
        return TrainingPhase::Grokked;
    if (m_collapsed || m_crossed)
        return TrainingPhase::Collapsing;
    if (m_memorised)
        return TrainingPhase::Plateau;
    return TrainingPhase::Memorising;
}

// An H̃ event reports its lead over T_grok when T_grok is already known; T_grok
// reports the leads of the H̃ events that came before it. A negative lead means
// the H̃ event came after grokking: the tool shows it rather than hiding it.
RunEvent EventDetector::leadEvent(const std::string& type, long step, const std::string& what) const
{
    RunEvent event;
    event.step = step;
    event.type = type;
    std::ostringstream message;
    message << what << " at step " << step;
    if (m_grokked) {
        event.values["lead_steps"] = static_cast<double>(*m_grokked - step);
        message << " (" << (step - *m_grokked) << " steps after T_grok)";
    }
    event.message = message.str();
    return event;
}

std::vector<RunEvent> EventDetector::observe(const EvalSnapshot& s)
{
    std::vector<RunEvent> events;
    if (!m_memorised && s.trainAccuracy >= m_thresholds.memorisationAccuracy) {
        m_memorised = s.step;
        RunEvent e;
        e.step = s.step;
        e.type = "memorised";
        e.values["train_accuracy"] = s.trainAccuracy;
        e.values["test_accuracy"] = s.testAccuracy;
        std::ostringstream message;
        message << "memorised: train accuracy " << s.trainAccuracy << " at step " << s.step;
        e.message = message.str();
        events.push_back(e);
    }

    const bool entropyPhase = m_memorised || !m_thresholds.entropyEventsAfterMemorisation;
    if (entropyPhase && s.entropy && std::isfinite(*s.entropy)) {
        const double h = *s.entropy;
        if (!m_crossed && h <= m_thresholds.entropyThreshold) {
            m_crossed = s.step;
            RunEvent e = leadEvent("entropy_threshold_crossed", s.step, "H̃ crossed H̃*");
            e.values["entropy"] = h;
            e.values["threshold"] = m_thresholds.entropyThreshold;
            events.push_back(e);
        }
        recordEntropy(s.step, h);
        // T_collapse: see EventThresholds::collapseWindowSteps.
        const std::optional<size_t> reference = latestAtOrBefore(s.step - m_thresholds.collapseWindowSteps);
        if (!m_collapsed && reference) {
            const double drop = smoothedEntropy(*reference) - smoothedEntropy(m_entropyHistory.size() - 1);
            if (drop > m_thresholds.collapseDrop) {
                m_collapsed = s.step;
                RunEvent e = leadEvent("entropy_collapse", s.step, "entropy collapse (T_collapse)");
                e.values["entropy"] = h;
                e.values["drop"] = drop;
                e.values["reference_step"] = static_cast<double>(m_entropyHistory[*reference].step);
                events.push_back(e);
            }
        }
    }

    if (!m_grokked && s.testAccuracy >= m_thresholds.grokAccuracy) {
        m_grokked = s.step;
        RunEvent e;
        e.step = s.step;
        e.type = "grokked";
        e.values["test_accuracy"] = s.testAccuracy;
        std::ostringstream message;
        message << "grokked (T_grok) at step " << s.step;
        if (m_collapsed) {
            e.values["collapse_lead_steps"] = static_cast<double>(s.step - *m_collapsed);
            message << "; T_collapse led by " << (s.step - *m_collapsed);
        }
        if (m_crossed) {
            e.values["crossing_lead_steps"] = static_cast<double>(s.step - *m_crossed);
            message << "; H̃* crossing led by " << (s.step - *m_crossed);
        }
        if (m_memorised)
            e.values["plateau_steps"] = static_cast<double>(s.step - *m_memorised);
        e.message = message.str();
        events.push_back(e);
    }
    return events;
}

}  // namespace grokscope
