#pragma once
// TrainConfig <-> JSON, in one place. Keys are snake_case and grouped
// ("optim.learning_rate"). Every user error names the key it is about.

#include "config/train_config.h"

#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace grokscope {

// A mistake in a config the user wrote: message names the key (and file).
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The longest run.steps a config may ask for: a billion steps is weeks on any machine
// this engine targets, and a bound keeps a corrupted config from meaning "forever".
inline constexpr long kMaxRunSteps = 1'000'000'000;

nlohmann::json configToJson(const TrainConfig& config);
// Applies the keys present in `json` on top of `base`; unknown keys and wrong types throw.
TrainConfig applyConfigJson(const TrainConfig& base, const nlohmann::json& json);
// "optim.learning_rate=3e-3": the value is parsed as JSON, or taken as a string.
TrainConfig applyOverride(const TrainConfig& base, const std::string& assignment);
TrainConfig loadConfigFile(const TrainConfig& base, const std::string& path);

// Checks everything buildDataset and the trainer would reject, and more, up front.
void validateConfig(const TrainConfig& config);

std::vector<std::string> configKeys();  // every settable key, for help and the GUI editor
std::string configKeyHelp(const std::string& key);

// Presets are compiled into the binary from resources/presets/*.json.
std::vector<std::string> presetNames();
TrainConfig loadPreset(const std::string& name);  // throws ConfigError for unknown names
nlohmann::json presetJson(const std::string& name);

std::string taskName(TaskKind kind);

}  // namespace grokscope
