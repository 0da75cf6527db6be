#pragma once
// Which of an experiment's runs start first, on either backend, so that the whole
// experiment ends sooner: the order changes no run's numbers, since each run is
// deterministic on its own.
//
// A run's expected work is its step budget times the arithmetic of one step
// (model/step_work.h), with the entropy floor's extra over the steps its window covers.
// Runs that stop at grokking usually end well before their budget, but the budget is
// what is known before they start, and it ranks the architectures and levers right.
// Runs are started longest critical path first: a run's priority is its own work plus
// the largest priority among the runs that follow its ‖θ‖ (norm_reference_arm), which
// cannot start before it ends. So references start early and no slot idles waiting
// for one while other work is ready, and long runs do not start last and leave a core
// idle at the end.

#include "experiment_plan.h"

#include <cstddef>
#include <vector>

namespace grokscope::experiment {

// Floating-point operations of a run's matrix products from step `fromStep` (a resumed
// run's last checkpoint) to its budget, plus the entropy floor's.
double expectedRunWork(const TrainConfig& config, long fromStep = 0);

// Indices into `runs`, in the order their jobs should be started. `work[i]` is run i's
// expected work (any unit); ties keep the plan's order.
std::vector<std::size_t> launchOrder(const std::vector<PlannedRun>& runs, const std::vector<double>& work);

// What list scheduling in `order` on `jobs` slots gives: each slot that comes free takes
// the first run in the order whose reference (if any) has ended, as the local runner
// does. `duration[i]` is run i's time in any unit; `wall` is when the last run ends.
struct SimulatedSchedule {
    double wall = 0.0;
    std::vector<double> start, end;  // per run
};
SimulatedSchedule simulateSchedule(const std::vector<PlannedRun>& runs, const std::vector<double>& duration,
                                   const std::vector<std::size_t>& order, int jobs);

}  // namespace grokscope::experiment
