// The CLI's dispatch: one function from argv to an exit code, so that tests can run
// a command in a forked child without paying libtorch's start-up per case.

#include "cli_dispatch.h"

#include "cli_commands.h"
#include "cli_experiment.h"
#include "cli_forecast.h"
#include "cli_replicate.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <iostream>

namespace {

const char* kUsage = R"(usage: grokscope-cli COMMAND [options] [key=value ...]

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
  replicate the paper's whole protocol (experiments/protocol: levers, norm-matched controls, MLP at
            p = 41, sub/mul/S5) with seeds 0..N-1, then DIR/report.md with PNG figures:
            grokscope-cli replicate --seeds 10 --out DIR [--jobs N] [--quiet] [--report-only]
            rerun the same command to resume; --report-only rewrites the report from what has ended
  experiment-summary  recompute an experiment's summary from its logs: grokscope-cli experiment-summary DIR
  config    print the resolved config of a preset plus overrides as JSON
  presets   list the built-in presets
  keys      list every config key with its default and meaning

Ctrl-C stops a run cleanly: it writes a checkpoint, and `resume` continues it.
)";

}  // namespace

namespace grokscope::cli {

int dispatch(int argc, char** argv)
{
    try {
        const Arguments args = parseArguments(argc, argv, {"quiet", "no-log", "help", "all-evaluations", "summary-only", "report-only"});
        if (args.command.empty() || args.command == "help" || args.command == "--help" || args.command == "-h") {
            std::cout << kUsage;
            return args.command.empty() ? 2 : 0;
        }
        installStopHandler();
        if (args.command == "run")
            return runCommand(args);
        if (args.command == "resume")
            return resumeCommand(args);
        if (args.command == "dataset")
            return datasetCommand(args);
        if (args.command == "summary")
            return summaryCommand(args);
        if (args.command == "forecast")
            return forecastCommand(args);
        if (args.command == "experiment")
            return experimentCommand(args);
        if (args.command == "replicate")
            return replicateCommand(args);
        if (args.command == "experiment-summary")
            return experimentSummaryCommand(args);
        if (args.command == "config")
            return configCommand(args);
        if (args.command == "presets")
            return presetsCommand(args);
        if (args.command == "keys")
            return keysCommand(args);
        std::cerr << "error: unknown command \"" << args.command << "\"\n\n" << kUsage;
        return 2;
    } catch (const ConfigError& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 2;
    } catch (const InputError& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 2;
    } catch (const RunLogError& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 3;
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
    }
}

}  // namespace grokscope::cli
