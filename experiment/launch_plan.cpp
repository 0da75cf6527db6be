#include "launch_plan.h"

#include "model/step_work.h"
#include "tasks/dataset.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace grokscope::experiment {

double expectedRunWork(const TrainConfig& c, long fromStep)
{
    const Dataset data = buildDataset(c.task, c.metrics);
    const int64_t batch = stepBatch(c, data);
    const long steps = std::max(0L, c.run.steps - fromStep);
    double work = double(steps) * stepGemmFlops(c, data, batch);
    const InterventionConfig& levers = c.intervention;
    if (levers.entropyFloor && levers.entropyFloorWeight > 0.0) {
        const long first = std::max(levers.entropyFloorFromStep, fromStep);
        const long last = levers.entropyFloorUntilStep < 0 ? c.run.steps
                                                           : std::min(levers.entropyFloorUntilStep, c.run.steps);
        if (last > first)
            work += double(last - first) * entropyFloorStepFlops(batch, representationWidth(c.model));
    }
    return work;
}

std::vector<std::size_t> launchOrder(const std::vector<PlannedRun>& runs, const std::vector<double>& work)
{
    if (work.size() != runs.size())
        throw std::invalid_argument("launchOrder: one work figure per run");
    // Priorities from the leaves up: a run's followers are other runs whose reference it
    // is. Reference chains are acyclic (planRuns refuses cycles), so memoised recursion
    // ends; depth is the chain's length, a few arms at most.
    std::vector<std::vector<std::size_t>> followers(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i)
        if (runs[i].reference)
            followers.at(*runs[i].reference).push_back(i);
    std::vector<double> priority(runs.size(), -1.0);
    auto priorityOf = [&](auto& self, std::size_t i) -> double {
        if (priority[i] >= 0.0)
            return priority[i];
        double longestFollower = 0.0;
        for (std::size_t f : followers[i])
            longestFollower = std::max(longestFollower, self(self, f));
        return priority[i] = std::max(0.0, work[i]) + longestFollower;
    };
    std::vector<std::size_t> order(runs.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    for (std::size_t i : order)
        priorityOf(priorityOf, i);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return priority[a] > priority[b]; });
    return order;
}

SimulatedSchedule simulateSchedule(const std::vector<PlannedRun>& runs, const std::vector<double>& duration,
                                   const std::vector<std::size_t>& order, int jobs)
{
    if (duration.size() != runs.size() || order.size() != runs.size() || jobs < 1)
        throw std::invalid_argument("simulateSchedule: one duration per run, every run in the order, jobs >= 1");
    constexpr double kNotYet = std::numeric_limits<double>::infinity();
    SimulatedSchedule s;
    s.start.assign(runs.size(), kNotYet);
    s.end.assign(runs.size(), kNotYet);
    std::vector<double> slotFree(std::size_t(jobs), 0.0);
    std::vector<bool> started(runs.size(), false);
    for (std::size_t placed = 0; placed < runs.size(); ++placed) {
        // The earliest a slot frees up; then the first run in the order that may start
        // by then. A run whose reference ends later waits for that end (the runner
        // polls), unless another run in the order can use the slot first.
        const auto slot = std::min_element(slotFree.begin(), slotFree.end());
        double now = *slot;
        std::size_t chosen = runs.size();
        while (chosen == runs.size()) {
            double nextEnd = kNotYet;
            for (std::size_t i : order) {
                if (started[i])
                    continue;
                const double ready = runs[i].reference ? s.end[*runs[i].reference] : 0.0;
                if (ready <= now) {
                    chosen = i;
                    break;
                }
                nextEnd = std::min(nextEnd, ready);
            }
            if (chosen == runs.size()) {
                if (nextEnd == kNotYet)
                    throw std::logic_error("simulateSchedule: a run's reference never starts");
                now = nextEnd;  // every slot-free moment before it has nothing ready
            }
        }
        started[chosen] = true;
        s.start[chosen] = now;
        s.end[chosen] = now + std::max(0.0, duration[chosen]);
        *slot = s.end[chosen];
        s.wall = std::max(s.wall, s.end[chosen]);
    }
    return s;
}

}  // namespace grokscope::experiment
