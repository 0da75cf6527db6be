#pragma once
// Command-line parsing shared by the CLI's subcommands: flags, key=value
// overrides and the config they produce.

#include "train/train_config.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::cli {

struct Arguments {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;  // --name value
    std::vector<std::string> overrides;          // --set k=v and bare k=v
    std::vector<std::string> flags;              // --name without value

    bool has(const std::string& name) const;
    std::optional<std::string> option(const std::string& name) const;
    long integerOption(const std::string& name, long fallback) const;
};

// Flags that take no value; every other --name takes the next argument.
Arguments parseArguments(int argc, char** argv, const std::vector<std::string>& valuelessFlags);

// --preset (default z97-add), then --config FILE, then the overrides, then the
// --seed/--data-seed/--steps shorthands; validated.
TrainConfig configFromArguments(const Arguments& arguments);

}  // namespace grokscope::cli
