#include "cli_arguments.h"

#include "io/config_json.h"
#include "io/input_file.h"

#include <algorithm>
#include <charconv>

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

std::vector<std::string> Arguments::optionValues(const std::string& name) const
{
    std::vector<std::string> values;
    for (const auto& [optionName, value] : optionsInOrder)
        if (optionName == name)
            values.push_back(value);
    return values;
}

long Arguments::integerOption(const std::string& name, long fallback) const
{
    const auto text = option(name);
    if (!text)
        return fallback;
    long value = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error == std::errc() && end == text->data() + text->size())
        return value;
    throw ConfigError("--" + name + ": expected an integer"
                      + std::string(error == std::errc::result_out_of_range ? " in range" : "") + ", got "
                      + quotedForMessage(*text));
}

Arguments parseArguments(int argc, char** argv, const std::vector<std::string>& valuelessFlags,
                         const std::vector<std::string>& valueOptions)
{
    Arguments args;
    if (argc > 1)
        args.command = argv[1];
    bool optionsEnded = false;
    for (int i = 2; i < argc; ++i) {
        const std::string word = argv[i];
        if (optionsEnded) {
            args.positional.push_back(word);  // after "--": a path, even with '=' or a leading '-'
        } else if (word == "--") {
            optionsEnded = true;
        } else if (word.rfind("--", 0) == 0) {
            const std::string name = word.substr(2);
            const auto equals = name.find('=');
            if (equals != std::string::npos && name.substr(0, equals) == "set") {
                args.overrides.push_back(name.substr(equals + 1));  // --set=key=value
            } else if (equals != std::string::npos) {
                args.options[name.substr(0, equals)] = name.substr(equals + 1);
                args.optionsInOrder.emplace_back(name.substr(0, equals), name.substr(equals + 1));
            } else if (std::find(valuelessFlags.begin(), valuelessFlags.end(), name) != valuelessFlags.end()) {
                args.flags.push_back(name);
            } else if (name == "set") {
                if (i + 1 >= argc)
                    throw ConfigError("--set: expected key=value after it");
                args.overrides.push_back(argv[++i]);
            } else if (std::find(valueOptions.begin(), valueOptions.end(), name) == valueOptions.end()) {
                // Unknown: kept as a flag so that requireKnownOptions names it, rather
                // than swallowing the next word as its value.
                args.flags.push_back(name);
            } else {
                if (i + 1 >= argc)
                    throw ConfigError("--" + name + ": expected a value after it");
                args.options[name] = argv[++i];
                args.optionsInOrder.emplace_back(name, args.options[name]);
            }
        } else if (word.find('=') != std::string::npos) {
            args.overrides.push_back(word);
        } else {
            args.positional.push_back(word);
        }
    }
    return args;
}

void requireKnownOptions(const Arguments& args, const std::vector<std::string>& options,
                         const std::vector<std::string>& flags)
{
    auto known = [](const std::vector<std::string>& names, const std::string& name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    for (const auto& [name, value] : args.options)
        if (!known(options, name))
            throw ConfigError(args.command + ": unknown option --" + name
                              + (known(flags, name) ? " with a value (it is a flag: give it alone)" : "")
                              + "; grokscope-cli " + args.command + " --help lists the options");
    for (const std::string& name : args.flags)
        if (!known(flags, name))
            throw ConfigError(args.command + ": unknown option --" + name + "; grokscope-cli " + args.command
                              + " --help lists the options");
}

TrainConfig configFromArguments(const Arguments& args)
{
    TrainConfig config = loadPreset(args.option("preset").value_or("z97-add"));
    if (const auto file = args.option("config"))
        config = loadConfigFile(config, *file);
    for (const std::string& assignment : args.overrides)
        config = applyOverride(config, assignment);
    for (const auto& [option, key] : kShorthands)
        config = applyShorthand(args, config, option, key);
    try {
        validateConfig(config);
    } catch (const ConfigError& error) {
        throw ConfigError(configSource(args) + error.what());
    }
    return config;
}

std::string configSource(const Arguments& args)
{
    const auto file = args.option("config");
    return file ? *file + ": " : std::string();
}

TrainConfig applyShorthand(const Arguments& args, const TrainConfig& config, const std::string& option,
                           const std::string& key)
{
    const auto text = args.option(option);
    if (!text)
        return config;
    // Through the key's own parser, so ranges and types are checked as in a config file.
    try {
        return applyOverride(config, key + "=" + *text);
    } catch (const ConfigError& error) {
        throw ConfigError("--" + option + ": " + error.what());
    }
}

}  // namespace grokscope::cli
