// grokscope-bench --experiment SPEC [--jobs N] [--dir DIR]: how long an experiment
// will take here, before it starts.
//
// Each run is cut into phases of one kind of step: before its levers switch on and
// after (mixing, the entropy floor; a norm-matched run's rescale costs one norm per
// step and is timed as plain). Every distinct kind (the config with seeds, names, step
// counts and lever windows set aside) is timed on this machine with `jobs` trainers
// training at once, as the runner would run them (one engine thread each), over
// `timedSteps` steps at the config's own evaluation cadence, so evaluations and the
// spectrum are in the figure. A run's planned seconds are its phases' steps times
// their ms/step, and the experiment's wall time is experiment/launch_plan.h's schedule
// of those runs on `jobs` slots:
//   - budget: every run to its step budget (an upper bound where runs stop at grokking;
//     what a cluster time limit per task should allow);
//   - with --dir: every run to the step it ended at, beside the wall time the runner
//     recorded in DIR/experiment_time.json.

#include "bench_experiment.h"

#include "experiment_directory.h"
#include "experiment_plan.h"
#include "experiment_spec.h"
#include "launch_plan.h"
#include "io/config_json.h"
#include "io/run_log.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace grokscope::bench {

namespace {

using experiment::PlannedRun;

// A run's steps of one kind: [fromStep, toStep) with `config`'s step.
struct Phase {
    long fromStep = 0, toStep = 0;
    std::string kind;  // key into the measured kinds
};

// The config of a kind: what decides a step's cost, with everything else at one value.
TrainConfig kindConfig(TrainConfig c, bool leversOn)
{
    c.name = "timing";
    c.run.modelSeed = 0;
    c.task.dataSeed = 0;
    c.run.steps = 1'000'000'000;  // never ends while timed
    c.run.stopAtGrok = false;
    c.run.stopAfterGrokSteps = -1;
    c.run.checkpointEverySteps = 0;  // a checkpoint costs milliseconds every thousands of steps
    c.run.saveRepresentationsAtSteps.clear();
    c.intervention.normReferenceRun.clear();
    c.intervention.mixing = leversOn && c.intervention.mixing;
    c.intervention.entropyFloor = leversOn && c.intervention.entropyFloor;
    c.intervention.mixingFromStep = c.intervention.entropyFloorFromStep = 0;
    c.intervention.mixingUntilStep = c.intervention.entropyFloorUntilStep = -1;
    return c;
}

// The step where a run's step cost changes: the first lever window's start.
long leverStart(const TrainConfig& c)
{
    long start = c.run.steps;
    if (c.intervention.mixing && c.intervention.mixingAlpha > 0.0)
        start = std::min(start, c.intervention.mixingFromStep);
    if (c.intervention.entropyFloor && c.intervention.entropyFloorWeight > 0.0)
        start = std::min(start, c.intervention.entropyFloorFromStep);
    return start;
}

struct Kind {
    TrainConfig config;
    std::vector<std::string> usedBy;  // "arm" or "arm (levers on)"
};

std::vector<Phase> phasesOf(const TrainConfig& c, const std::string& arm, std::map<std::string, Kind>& kinds)
{
    std::vector<Phase> phases;
    const long start = std::clamp(leverStart(c), 0L, c.run.steps);
    for (const bool on : {false, true}) {
        const long from = on ? start : 0, to = on ? c.run.steps : start;
        if (to <= from)
            continue;
        const TrainConfig kind = kindConfig(c, on);
        const std::string key = configToJson(kind).dump();
        Kind& entry = kinds.emplace(key, Kind{kind, {}}).first->second;
        const std::string user = on ? arm + " (levers on)" : arm;
        if (std::find(entry.usedBy.begin(), entry.usedBy.end(), user) == entry.usedBy.end())
            entry.usedBy.push_back(user);
        phases.push_back({from, to, key});
    }
    return phases;
}

// ms per step of `config` with `jobs` trainers training at once, each on one engine
// thread; the mean over the trainers.
double measureStepMs(const TrainConfig& config, int jobs, long timedSteps)
{
    std::vector<double> ms(static_cast<std::size_t>(jobs));
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j)
        threads.emplace_back([&, j] {
            TrainConfig c = config;
            c.run.threads = 1;
            Trainer trainer(c);
            trainer.advance(50);  // the initial evaluation and the first allocations
            const auto start = std::chrono::steady_clock::now();
            const long done = trainer.advance(timedSteps);
            ms[std::size_t(j)] =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()
                / double(std::max(1L, done));
        });
    for (std::thread& t : threads)
        t.join();
    double sum = 0.0;
    for (double m : ms)
        sum += m;
    return sum / double(jobs);
}

double phaseSeconds(const std::vector<Phase>& phases, const std::map<std::string, double>& msPerStep, long endStep)
{
    double seconds = 0.0;
    for (const Phase& p : phases)
        seconds += double(std::max(0L, std::min(p.toStep, endStep) - p.fromStep)) * msPerStep.at(p.kind) / 1000.0;
    return seconds;
}

}  // namespace

int planExperiment(const ExperimentPlanOptions& options)
{
    experiment::ExperimentSpec spec;
    std::vector<PlannedRun> runs;
    try {
        spec = experiment::loadSpec(options.spec);
        // Paths only; nothing is written unless --dir names the experiment's directory.
        runs = experiment::planRuns(spec, options.directory.empty() ? fs::path("planned") : fs::path(options.directory));
    } catch (const std::exception& e) {
        std::cerr << "grokscope-bench: " << e.what() << "\n";
        return 2;
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int jobs = options.jobs > 0 ? options.jobs : int(cores);
    const int concurrent = std::min<int>(jobs, int(cores));  // the trainers that share the cores at once

    std::map<std::string, Kind> kinds;
    std::vector<std::vector<Phase>> phases;
    for (const PlannedRun& run : runs)
        phases.push_back(phasesOf(run.config, spec.arms[run.arm].name, kinds));
    std::map<std::string, double> msPerStep;
    for (const auto& [key, kind] : kinds) {
        msPerStep[key] = measureStepMs(kind.config, concurrent, options.timedSteps);
        std::cout << nlohmann::json{{"figure", "experiment_step_ms"},
                                    {"used_by", kind.usedBy},
                                    {"trainers_at_once", concurrent},
                                    {"timed_steps", options.timedSteps},
                                    {"ms_per_step", msPerStep[key]}}
                         .dump()
                  << std::endl;
    }

    std::vector<double> budgetSeconds, work;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        budgetSeconds.push_back(phaseSeconds(phases[i], msPerStep, runs[i].config.run.steps));
        work.push_back(experiment::expectedRunWork(runs[i].config));
    }
    const std::vector<std::size_t> order = experiment::launchOrder(runs, work);
    nlohmann::json plan = {{"figure", "experiment_plan"},
                           {"experiment", spec.name},
                           {"runs", runs.size()},
                           {"jobs", jobs},
                           {"cores", cores},
                           {"budget_wall_s", experiment::simulateSchedule(runs, budgetSeconds, order, jobs).wall}};
    for (std::size_t arm = 0; arm < spec.arms.size(); ++arm) {
        double seconds = 0.0;
        std::size_t count = 0;
        long budget = 0;
        for (std::size_t i = 0; i < runs.size(); ++i)
            if (runs[i].arm == arm) {
                seconds += budgetSeconds[i];
                budget = runs[i].config.run.steps;
                ++count;
            }
        std::cout << nlohmann::json{{"figure", "experiment_arm"},
                                    {"arm", spec.arms[arm].name},
                                    {"runs", count},
                                    {"budget_steps", budget},
                                    {"budget_s_per_run", count ? seconds / double(count) : 0.0}}
                         .dump()
                  << std::endl;
    }
    if (!options.directory.empty()) {
        try {
            const std::vector<experiment::RunRecord> records = experiment::inspectRuns(spec, runs);
            std::vector<double> takenSeconds;
            double trainingSeconds = 0.0;
            std::size_t ended = 0;
            for (std::size_t i = 0; i < runs.size(); ++i) {
                takenSeconds.push_back(phaseSeconds(phases[i], msPerStep, records[i].finalStep));
                trainingSeconds += records[i].trainingSeconds;
                ended += records[i].complete() ? 1 : 0;
            }
            plan["runs_ended"] = ended;
            plan["steps_taken_wall_s"] = experiment::simulateSchedule(runs, takenSeconds, order, jobs).wall;
            plan["runs_training_s"] = trainingSeconds;  // the runs' own optimiser time, summed
            const auto real = experiment::cumulativeSeconds(fs::path(options.directory) / "experiment_time.json");
            plan["real_wall_s"] = real ? nlohmann::json(*real) : nlohmann::json();
        } catch (const std::exception& e) {
            std::cerr << "grokscope-bench: " << options.directory << ": " << e.what() << "\n";
            return 2;
        }
    }
    std::cout << plan.dump() << std::endl;
    return 0;
}

}  // namespace grokscope::bench
