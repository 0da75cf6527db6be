// The CLI's dispatch: one function from argv to an exit code, so that tests can run
// a command in a forked child without paying libtorch's start-up per case.

#include "cli_dispatch.h"

#include "cli_commands.h"
#include "cli_experiment.h"
#include "cli_experiment_status.h"
#include "cli_forecast.h"
#include "cli_replicate.h"
#include "cli_slurm.h"
#include "cli_stop_signal.h"
#include "cli_usage.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <algorithm>
#include <iostream>

namespace grokscope::cli {

namespace {

using Command = int (*)(const Arguments&);

Command commandNamed(const std::string& name)
{
    static const std::vector<std::pair<std::string, Command>> commands = {
        {"run", runCommand},
        {"resume", resumeCommand},
        {"dataset", datasetCommand},
        {"summary", summaryCommand},
        {"forecast", forecastCommand},
        {"experiment", experimentCommand},
        {"replicate", replicateCommand},
        {"experiment-summary", experimentSummaryCommand},
        {"experiment-status", experimentStatusCommand},
        {"experiment-cancel", experimentCancelCommand},
        {"experiment-task", experimentTaskCommand},
        {"config", configCommand},
        {"presets", presetsCommand},
        {"keys", keysCommand},
    };
    for (const auto& [commandName, command] : commands)
        if (commandName == name)
            return command;
    return nullptr;
}

// --help anywhere after the command (or -h, which the parser keeps as a word).
bool asksForHelp(const Arguments& args)
{
    return std::find(args.flags.begin(), args.flags.end(), "help") != args.flags.end()
           || std::find(args.positional.begin(), args.positional.end(), "-h") != args.positional.end();
}

int runWithUsage(const Arguments& args, const CommandUsage& usage, Command command)
{
    if (asksForHelp(args)) {
        std::cout << usage.usage;
        return 0;
    }
    requireKnownOptions(args, usage.options, usage.flags);
    installStopHandler();
    return command(args);
}

}  // namespace

int dispatch(int argc, char** argv)
{
    try {
        // The command's own tables decide which options take a value.
        const CommandUsage* named = argc > 1 ? commandUsage(argv[1]) : nullptr;
        const Arguments args = named ? parseArguments(argc, argv, flagsWithHelp(*named), named->options)
                                     : parseArguments(argc, argv, {"help"}, {});
        if (args.command.empty() || args.command == "help" || args.command == "--help" || args.command == "-h") {
            std::cout << overviewUsage();
            return args.command.empty() ? 2 : 0;
        }
        if (args.command == "--version" || args.command == "-V") {
            std::cout << versionText() << "\n";
            return 0;
        }
        const CommandUsage* usage = commandUsage(args.command);
        const Command command = commandNamed(args.command);
        if (!usage || !command) {
            std::cerr << "error: unknown command \"" << args.command << "\"\n\n" << overviewUsage();
            return 2;
        }
        return runWithUsage(args, *usage, command);
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
