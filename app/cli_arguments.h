#pragma once
// Command-line parsing shared by the CLI's subcommands: flags, key=value
// overrides and the config they produce.

#include "config/train_config.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grokscope::cli {

struct Arguments {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;  // --name value (the last one given)
    std::vector<std::pair<std::string, std::string>> optionsInOrder;  // every --name value, repeats too
    std::vector<std::string> overrides;          // --set k=v and bare k=v
    std::vector<std::string> flags;              // --name without value

    bool has(const std::string& name) const;
    std::optional<std::string> option(const std::string& name) const;
    long integerOption(const std::string& name, long fallback) const;
    // Every value of a repeatable option (--sbatch-arg A --sbatch-arg B), in order.
    std::vector<std::string> optionValues(const std::string& name) const;
};

// After a bare "--" every word is positional (a path may hold '=' or start with '-').
// `valuelessFlags` stand alone; each of `valueOptions` takes the next argument (or
// --name=value). Any other --name is kept as a flag, so requireKnownOptions names it
// instead of it swallowing the next word.
Arguments parseArguments(int argc, char** argv, const std::vector<std::string>& valuelessFlags,
                         const std::vector<std::string>& valueOptions);

// Throws ConfigError naming the first option or flag the command does not take: a
// mistyped --job would otherwise be ignored and the default used silently.
void requireKnownOptions(const Arguments& args, const std::vector<std::string>& options,
                         const std::vector<std::string>& flags);

// The options that stand for a config key.
inline const std::vector<std::pair<std::string, std::string>> kShorthands = {
    {"seed", "run.model_seed"}, {"data-seed", "task.data_seed"}, {"steps", "run.steps"},
    {"threads", "run.threads"}, {"device", "run.device"}};

// --preset (default z97-add), then --config FILE, then the overrides, then the
// shorthands above; validated.
TrainConfig configFromArguments(const Arguments& arguments);
// "FILE: " when --config FILE was given, else "": the prefix of an error about the
// config that was built from it.
std::string configSource(const Arguments& arguments);
// `config` with --`option`'s value, if given, set as `key` (errors name both).
TrainConfig applyShorthand(const Arguments& arguments, const TrainConfig& config, const std::string& option,
                           const std::string& key);

}  // namespace grokscope::cli
