#include "cli_commands.h"

#include "cli_progress.h"
#include "cli_stop_signal.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"
#include "tasks/dataset.h"
#include "train/run.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <regex>

namespace fs = std::filesystem;

namespace grokscope::cli {

namespace {

std::string defaultRunDirectory(const TrainConfig& config, const Arguments& args)
{
    if (const auto problem = plainNameProblem(config.name))
        throw ConfigError(configSource(args) + "name: " + quotedForMessage(config.name) + " " + *problem
                          + "; without --out it names the run's directory under runs/");
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    return "runs/" + config.name + "-seed" + std::to_string(config.run.modelSeed) + "-" + stamp;
}

// Trains until the run finishes or a signal asks it to stop; returns the exit code.
int drive(Run& run, ProgressPrinter& progress)
{
    run.trainer().addObserver(&progress);
    while (!run.finished() && !stopRequested())
        run.advance(50);
    const bool stopped = stopRequested() && !run.finished();
    run.close(stopped);
    const EventDetector& events = run.trainer().events();
    if (!run.trainer().failure().empty()) {
        std::cerr << "error: " << (run.directory().empty() ? std::string("run") : run.directory()) << ": "
                  << run.trainer().failure() << "\n";
        return 3;
    }
    std::cout << (stopped ? "stopped" : "finished") << " at step " << run.trainer().step() << "; T_grok "
              << (events.grokStep() ? std::to_string(*events.grokStep()) : std::string("not reached"))
              << "; training time " << run.trainer().trainingMs() / 1000.0 << " s";
    if (!run.directory().empty())
        std::cout << "; log in " << run.directory();
    std::cout << "\n";
    return stopped ? 130 : 0;
}

}  // namespace

int runCommand(const Arguments& args)
{
    const TrainConfig config = configFromArguments(args);
    const std::string directory = args.has("no-log") ? std::string()
                                  : args.option("out") ? *args.option("out")
                                                       : defaultRunDirectory(config, args);
    auto run = Run::start(config, directory);
    std::cout << "training " << config.name << ": " << taskName(config.task.kind) << " "
              << (config.task.kind == TaskKind::Permutation ? "S" + std::to_string(config.task.permutationDegree)
                                                             : "mod " + std::to_string(config.task.modulus))
              << ", " << run->trainer().dataset().trainPairs.size() << " train / "
              << run->trainer().dataset().testPairs.size() << " test pairs, " << run->trainer().parameterCount()
              << " parameters, " << run->trainer().threads() << " thread(s)"
              << (run->trainer().fusedPath() ? " (fused step" : " (autograd")
              << (config.model.matmulPrecision == MatmulPrecision::Bf16 ? ", bf16 training products)" : ")") << ", H* " << effectiveEntropyThreshold(config) << "\n";
    ProgressPrinter progress(config.run.steps, args.has("quiet"));
    return drive(*run, progress);
}

int resumeCommand(const Arguments& args)
{
    if (args.positional.empty())
        throw ConfigError("resume: name the run directory, e.g. grokscope-cli resume runs/x");
    auto run = Run::resume(args.positional.front(), args.integerOption("extra-steps", 0));
    std::cout << "resumed " << args.positional.front() << " at step " << run->trainer().step() << "\n";
    ProgressPrinter progress(run->trainer().config().run.steps, args.has("quiet"));
    return drive(*run, progress);
}

namespace {

TaskConfig taskFromArguments(const Arguments& args)
{
    TaskConfig task = args.option("preset") ? loadPreset(*args.option("preset")).task : TaskConfig{};
    if (const auto name = args.option("task")) {
        if (name->size() == 2 && (*name)[0] == 's' && std::isdigit(static_cast<unsigned char>((*name)[1]))) {
            task.kind = TaskKind::Permutation;
            task.permutationDegree = (*name)[1] - '0';
        } else {
            task = applyConfigJson(TrainConfig{}, nlohmann::json{{"task", {{"kind", *name}}}}).task;
        }
    }
    TrainConfig config;
    config.task = task;
    for (const auto& [option, key] : std::vector<std::pair<std::string, std::string>>{
             {"modulus", "task.modulus"}, {"data-seed", "task.data_seed"}, {"train-fraction", "task.train_fraction"}})
        config = applyShorthand(args, config, option, key);
    return config.task;
}

}  // namespace

int datasetCommand(const Arguments& args)
{
    const TaskConfig task = taskFromArguments(args);
    const std::string format = args.option("format").value_or("csv");
    if (format != "csv" && format != "json")
        throw ConfigError("--format: must be csv or json, got \"" + format + "\"");
    Dataset data;
    try {
        data = buildDataset(task, MetricsConfig{});
    } catch (const std::invalid_argument& error) {
        throw ConfigError(error.what());
    }
    std::vector<char> inTrain(data.table.size(), 0);
    for (int pair : data.trainPairs)
        inTrain[pair] = 1;
    const GroupTable& t = data.table;
    if (format == "csv") {
        std::cout << "a,b,answer,a_label,b_label,answer_label,split\n";
        for (int i = 0; i < t.size(); ++i)
            std::cout << t.left[i] << ',' << t.right[i] << ',' << t.answer[i] << ',' << t.labels[t.left[i]] << ','
                      << t.labels[t.right[i]] << ',' << t.labels[t.answer[i]] << ','
                      << (inTrain[i] ? "train" : "test") << '\n';
    } else {
        nlohmann::json rows = nlohmann::json::array();
        for (int i = 0; i < t.size(); ++i)
            rows.push_back({{"a", t.left[i]}, {"b", t.right[i]}, {"answer", t.answer[i]},
                            {"a_label", t.labels[t.left[i]]}, {"b_label", t.labels[t.right[i]]},
                            {"answer_label", t.labels[t.answer[i]]}, {"split", inTrain[i] ? "train" : "test"}});
        std::cout << nlohmann::json{{"task", taskName(task.kind)}, {"operation", taskSymbol(task.kind)},
                                    {"elements", t.labels}, {"pairs", rows}}
                         .dump(1)
                  << "\n";
    }
    return 0;
}

int presetsCommand(const Arguments&)
{
    for (const std::string& name : presetNames()) {
        const TrainConfig c = loadPreset(name);
        std::cout << name << "\t" << taskName(c.task.kind) << " "
                  << (c.task.kind == TaskKind::Permutation ? "S" + std::to_string(c.task.permutationDegree)
                                                           : "p=" + std::to_string(c.task.modulus))
                  << ", train fraction " << c.task.trainFraction << ", "
                  << (c.model.architecture == Architecture::Transformer ? "transformer" : "mlp") << ", "
                  << c.run.steps << " steps\n";
    }
    return 0;
}

int keysCommand(const Arguments&)
{
    const nlohmann::json defaults = configToJson(TrainConfig{});
    for (const std::string& key : configKeys()) {
        nlohmann::json::json_pointer pointer("/" + std::regex_replace(key, std::regex("\\."), "/"));
        std::cout << key << " = " << defaults[pointer].dump() << "\n    " << configKeyHelp(key) << "\n";
    }
    return 0;
}

int configCommand(const Arguments& args)
{
    std::cout << configToJson(configFromArguments(args)).dump(2) << "\n";
    return 0;
}

int summaryCommand(const Arguments& args)
{
    if (args.positional.empty())
        throw ConfigError("summary: name the run directory");
    const RunLog log = readRunLog(args.positional.front());
    for (const std::string& warning : log.warnings)
        std::cerr << "warning: " << warning << "\n";
    std::cout << "run " << log.directory << " (" << log.config.name << ", GrokScope " << log.version << ", git "
              << log.gitRevision << ", created " << log.createdUtc << ")\n";
    std::cout << log.evaluations.size() << " evaluations, " << log.spectra.size() << " spectra, " << log.events.size()
              << " events\n";
    for (const RunEvent& e : log.events)
        std::cout << "  [" << e.step << "] " << e.type << ": " << e.message << "\n";
    if (!log.evaluations.empty()) {
        const EvalSnapshot& last = log.evaluations.back();
        std::cout << "last evaluation: step " << last.step << ", train acc " << last.trainAccuracy << ", test acc "
                  << last.testAccuracy << ", |theta| " << last.weightNorm;
        if (last.entropy)
            std::cout << ", H~ " << *last.entropy;
        std::cout << "\n";
    }
    return 0;
}

}  // namespace grokscope::cli
