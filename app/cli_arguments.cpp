#include "cli_arguments.h"

#include "io/config_json.h"

#include <algorithm>

namespace grokscope::cli {

bool Arguments::has(const std::string& name) const
{
    return std::find(flags.begin(), flags.end(), name) != flags.end() || options.count(name);
}

std::optional<std::string> Arguments::option(const std::string& name) const
{
    auto it = options.find(name);
    return it == options.end() ? std::nullopt : std::optional<std::string>(it->second);
}

long Arguments::integerOption(const std::string& name, long fallback) const
{
    const auto text = option(name);
    if (!text)
        return fallback;
    try {
        size_t used = 0;
        const long value = std::stol(*text, &used);
        if (used == text->size())
            return value;
    } catch (...) {
    }
    throw ConfigError("--" + name + ": expected an integer, got \"" + *text + "\"");
}

Arguments parseArguments(int argc, char** argv, const std::vector<std::string>& valuelessFlags)
{
    Arguments args;
    if (argc > 1)
        args.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.rfind("--", 0) == 0) {
            const std::string name = word.substr(2);
            const auto equals = name.find('=');
            if (equals != std::string::npos) {
                args.options[name.substr(0, equals)] = name.substr(equals + 1);
            } else if (std::find(valuelessFlags.begin(), valuelessFlags.end(), name) != valuelessFlags.end()) {
                args.flags.push_back(name);
            } else if (name == "set") {
                if (i + 1 >= argc)
                    throw ConfigError("--set: expected key=value after it");
                args.overrides.push_back(argv[++i]);
            } else {
                if (i + 1 >= argc)
                    throw ConfigError("--" + name + ": expected a value after it");
                args.options[name] = argv[++i];
            }
        } else if (word.find('=') != std::string::npos) {
            args.overrides.push_back(word);
        } else {
            args.positional.push_back(word);
        }
    }
    return args;
}

TrainConfig configFromArguments(const Arguments& args)
{
    TrainConfig config = loadPreset(args.option("preset").value_or("z97-add"));
    if (const auto file = args.option("config"))
        config = loadConfigFile(config, *file);
    for (const std::string& assignment : args.overrides)
        config = applyOverride(config, assignment);
    for (const char* name : {"seed", "data-seed"})
        if (args.option(name) && args.integerOption(name, 0) < 0)
            throw ConfigError(std::string("--") + name + ": must not be negative");
    if (args.option("seed"))
        config.run.modelSeed = static_cast<unsigned long long>(args.integerOption("seed", 0));
    if (args.option("data-seed"))
        config.task.dataSeed = static_cast<unsigned long long>(args.integerOption("data-seed", 0));
    if (args.option("steps"))
        config.run.steps = args.integerOption("steps", config.run.steps);
    if (args.option("threads"))
        config.run.threads = static_cast<int>(args.integerOption("threads", 0));
    if (args.option("device"))
        config.run.device = *args.option("device");
    validateConfig(config);
    return config;
}

}  // namespace grokscope::cli
