#include "cli_usage.h"

#include "config/build_info.h"

#include <algorithm>

namespace grokscope::cli {

namespace {

const char* kOverview = R"(usage: grokscope-cli COMMAND [options] [key=value ...]

commands:
  run       train a run:  grokscope-cli run --preset z97-add --seed 0 --out runs/x
            options: --preset NAME  --config FILE.json  --set key=value (or bare key=value)
                     --seed N (run.model_seed)  --data-seed N (task.data_seed)  --steps N
                     --threads N  --device cpu|cuda  --out DIR  --no-log  --quiet
  resume    continue a run from its latest checkpoint: grokscope-cli resume DIR [--extra-steps N]
  dataset   export a task's table: grokscope-cli dataset --task s5 --format csv
            options: --task add|sub|mul|div|s2..s6  --modulus P  --data-seed N  --train-fraction F  --format csv|json
  summary   read a run log back and list its events: grokscope-cli summary DIR
  forecast  fit T_grok - t = C1 (H~ - H*)^gamma + C2 on finished runs, validate leave-one-seed-out:
            grokscope-cli forecast runs/a runs/b ... [--threshold H] [--all-evaluations]
  experiment  many seeds x arms as parallel runs, resumable, with a summary per arm:
            grokscope-cli experiment SPEC.json --out DIR [--jobs N] [--quiet] [--summary-only]
            rerun the same command to resume; DIR/summary.md, summary.csv, runs.csv
            on a Slurm cluster: ... --backend slurm [--partition P] [--time T] [--wait] ...
  replicate the paper's whole protocol (experiments/protocol: levers, norm-matched controls, MLP at
            p = 41, sub/mul/S5) with seeds 0..N-1, then DIR/report.md with PNG figures:
            grokscope-cli replicate --seeds 10 --out DIR [--jobs N] [--same-split] [--quiet] [--report-only]
            rerun the same command to resume; --report-only rewrites the report from what has ended
            on a Slurm cluster: ... --backend slurm [Slurm options as for experiment] [--wait]
  experiment-summary  recompute an experiment's summary from its logs: grokscope-cli experiment-summary DIR
  experiment-status  one line per run (pending, running, grokked, failed, ...), local or Slurm:
            grokscope-cli experiment-status DIR [--watch [SECONDS]]
  experiment-cancel  cancel an experiment's Slurm tasks that are queued or running:
            grokscope-cli experiment-cancel DIR
  config    print the resolved config of a preset plus overrides as JSON
  presets   list the built-in presets
  keys      list every config key with its default and meaning

grokscope-cli COMMAND --help lists a command's options; grokscope-cli --version prints the version.
Ctrl-C stops a run cleanly: it writes a checkpoint, and `resume` continues it.
)";

// The options that build a config: run and config share them.
const std::vector<std::string> kConfigOptions = {"preset", "config", "seed", "data-seed", "steps", "threads", "device"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

const std::vector<CommandUsage>& commands()
{
    static const std::vector<CommandUsage> table = {
        {"run",
         R"(usage: grokscope-cli run [options] [key=value ...]
Trains one run and writes its log to --out (default runs/<name>-seed<N>-<time>).
  --preset NAME        start from a built-in preset (default z97-add; see `presets`)
  --config FILE.json   then apply a config file
  --set key=value      then a config key (bare key=value works too; see `keys`)
  --seed N             run.model_seed
  --data-seed N        task.data_seed
  --steps N            run.steps
  --threads N          run.threads
  --device cpu|cuda    run.device
  --out DIR            the run's directory
  --no-log             write no run log
  --quiet              no progress line
Ctrl-C stops the run with a checkpoint; `grokscope-cli resume DIR` continues it.
)",
         concat(kConfigOptions, {"out"}),
         {"no-log", "quiet"}},
        {"resume",
         R"(usage: grokscope-cli resume DIR [--extra-steps N] [--quiet]
Continues a run from its latest checkpoint, to its run.steps plus --extra-steps.
)",
         {"extra-steps"},
         {"quiet"}},
        {"dataset",
         R"(usage: grokscope-cli dataset [options]
Prints a task's table with each pair's train/test split.
  --preset NAME                   start from a preset's task
  --task add|sub|mul|div|s2..s6   the task
  --modulus P                     task.modulus
  --data-seed N                   task.data_seed
  --train-fraction F              task.train_fraction
  --format csv|json               default csv
)",
         {"preset", "task", "modulus", "data-seed", "train-fraction", "format"},
         {}},
        {"summary",
         R"(usage: grokscope-cli summary DIR
Reads a run log back and lists its events and its last evaluation.
)",
         {},
         {}},
        {"forecast",
         R"(usage: grokscope-cli forecast RUN_DIR... [--threshold H] [--all-evaluations]
Fits T_grok - t = C1 (H~ - H*)^gamma + C2 on finished runs and validates it
leave-one-seed-out.
  --threshold H        H* from 0 to 1 (default: the runs' metrics.entropy_threshold)
  --all-evaluations    fit every evaluation, not only those from memorisation on
)",
         {"threshold"},
         {"all-evaluations"}},
        {"experiment",
         R"(usage: grokscope-cli experiment SPEC.json --out DIR [--jobs N] [--quiet] [--summary-only]
       grokscope-cli experiment SPEC.json --out DIR --backend slurm [Slurm options] [--wait]
Runs many seeds x arms as parallel child processes and writes DIR/summary.md,
summary.csv and runs.csv. Rerun the same command to resume.
  --out DIR         the experiment's directory (required)
  --jobs N          runs at once, 1 to 1024 (default: the number of cores)
  --quiet           print only the plan, skips and errors
  --summary-only    rewrite the summary from the runs in DIR, running nothing
  --backend local|slurm   local child processes (default), or Slurm job arrays
With --backend slurm each arm is one job array (task id = the seed's index in the
spec); DIR must be on a filesystem the nodes share. The spec's "slurm" object sets
the same options; the flags override it:
  --partition P       sbatch --partition (default: the cluster's)
  --time T            time limit per run, e.g. 0:30:00 (default: the partition's)
  --cpus-per-task N   default 1 (each run uses 1 thread)
  --mem SIZE          memory per run, e.g. 2G (default: the cluster's)
  --max-running N     tasks of an array running at once (sbatch --array=...%N)
  --account A  --qos Q
  --sbatch-arg ARG    one more sbatch option, e.g. --sbatch-arg=--exclusive (repeatable)
  --retry-failed      resubmit failed runs too (a rerun resubmits stopped and cancelled ones)
  --wait              follow the tasks until they end, then write the summary
Without --wait it submits and returns; `experiment-status DIR` follows the runs,
`experiment-cancel DIR` cancels them, and rerunning the command resubmits what was
cancelled or stopped (resuming from checkpoints).
)",
         {"out", "jobs", "backend", "partition", "time", "cpus-per-task", "mem", "max-running", "account", "qos",
          "sbatch-arg"},
         {"quiet", "summary-only", "retry-failed", "wait"}},
        {"replicate",
         R"(usage: grokscope-cli replicate --out DIR [--suite paper|variants] [--seeds N] [--jobs N] [--same-split]
                                [--quiet] [--report-only]
Runs the paper's whole protocol (experiments/protocol) with seeds 0..N-1 into
DIR/<experiment>, then writes DIR/report.md with figures in DIR/figures.
--suite variants runs readings of the mixing intervention instead (variants,
variants-pytorch-init) and reports whether any of them delays grokking.
Each seed draws its own train/test split (task.data_seed = the seed) and its own
initialisation and batches. Rerun the same command to resume.
  --out DIR         the replication's directory (required)
  --seeds N         seeds per arm, 2 to 1000 (default 10)
  --suite S         paper (default): interventions and tasks; variants: the mixing readings
  --same-split      every seed trains on the preset's one split (resumes replications
                    started before splits varied with the seed)
  --jobs N          runs at once, 1 to 1024 (default: the number of cores)
  --quiet           print only the plan, skips and errors
  --report-only     rewrite the report from the runs that have ended, running nothing
  --backend local|slurm   local child processes (default), or Slurm job arrays: the
                    Slurm options of `experiment --help`, and --wait to follow the
                    tasks and write the report when they end
)",
         {"out", "suite", "seeds", "jobs", "backend", "partition", "time", "cpus-per-task", "mem", "max-running",
          "account", "qos", "sbatch-arg"},
         {"quiet", "report-only", "retry-failed", "wait", "same-split"}},
        {"experiment-summary",
         R"(usage: grokscope-cli experiment-summary DIR
Recomputes DIR/summary.md, summary.csv and runs.csv from the experiment's logs.
)",
         {},
         {}},
        {"experiment-status",
         R"(usage: grokscope-cli experiment-status DIR [--watch [SECONDS]]
Lists every run of the experiment in DIR, local or Slurm, one line each:
  <arm>  seed <s>  pending | running at step N | grokked at T | finished |
                   failed with exit code N | cancelled | stopped at step N | not submitted
then a count per arm. From the run logs, the tasks' exit files and squeue.
  --watch [SECONDS]   repeat every SECONDS (default 5) until no run is pending or running
)",
         {"watch"},
         {"watch"}},
        {"experiment-cancel",
         R"(usage: grokscope-cli experiment-cancel DIR
Cancels (scancel) every Slurm array of the experiment in DIR that has tasks queued
or running. Running runs checkpoint and stop; rerunning the experiment command
resubmits them.
)",
         {},
         {}},
        {"experiment-task",
         R"(usage: grokscope-cli experiment-task DIR ARM_INDEX SEED_INDEX
What each Slurm array task runs (DIR/slurm/<arm>.sbatch): one run of the experiment
in DIR, planned from DIR/spec.json, started or resumed as `run`/`resume` would, its
output appended to DIR/<arm>/seed_<s>.log; then DIR/slurm/exit/<arm>_<seed>.json.
)",
         {},
         {}},
        {"config",
         R"(usage: grokscope-cli config [options] [key=value ...]
Prints the resolved config as JSON: --preset, then --config, then the overrides.
  --preset NAME  --config FILE.json  --set key=value  --seed N  --data-seed N
  --steps N  --threads N  --device cpu|cuda   (as for `run`)
)",
         kConfigOptions,
         {}},
        {"presets",
         R"(usage: grokscope-cli presets
Lists the built-in presets.
)",
         {},
         {}},
        {"keys",
         R"(usage: grokscope-cli keys
Lists every config key with its default and meaning.
)",
         {},
         {}},
    };
    return table;
}

}  // namespace

const char* overviewUsage() { return kOverview; }

std::string versionText()
{
    return std::string("grokscope-cli ") + grokscopeVersion() + " (" + grokscopeGitRevision() + ")";
}

const CommandUsage* commandUsage(const std::string& command)
{
    for (const CommandUsage& usage : commands())
        if (usage.name == command)
            return &usage;
    return nullptr;
}

std::vector<std::string> flagsWithHelp(const CommandUsage& usage)
{
    std::vector<std::string> flags = usage.flags;
    flags.push_back("help");
    return flags;
}

}  // namespace grokscope::cli
