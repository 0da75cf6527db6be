#pragma once
// What grokscope-cli's commands accept: each command's usage text (printed by
// `grokscope-cli COMMAND --help`) and the options and flags it knows, so that a
// mistyped or misplaced option is an error instead of being ignored.

#include <string>
#include <vector>

namespace grokscope::cli {

struct CommandUsage {
    std::string name;
    std::string usage;               // printed by --help, ends with a newline
    std::vector<std::string> options;  // --name VALUE
    std::vector<std::string> flags;    // --name alone (besides --help)
};

// The overview printed by `grokscope-cli`, `grokscope-cli help` and `--help`.
const char* overviewUsage();
// "grokscope-cli 0.1.0 (<git revision>)".
std::string versionText();
// nullptr for a command grokscope-cli does not have.
const CommandUsage* commandUsage(const std::string& command);
// The command's flags and "help": the words its parser takes without a value.
std::vector<std::string> flagsWithHelp(const CommandUsage& usage);

}  // namespace grokscope::cli
