#include "io/config_json.h"
#include "io/presets_embedded.h"

#include <nlohmann/json.hpp>

namespace grokscope {

std::vector<std::string> presetNames()
{
    std::vector<std::string> names;
    for (const auto& [name, text] : embeddedPresets())
        names.push_back(name);
    return names;
}

nlohmann::json presetJson(const std::string& name)
{
    for (const auto& [presetName, text] : embeddedPresets())
        if (presetName == name)
            return nlohmann::json::parse(text);
    std::string known;
    for (const std::string& n : presetNames())
        known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("preset \"" + name + "\" does not exist; known presets: " + known);
}

TrainConfig loadPreset(const std::string& name)
{
    try {
        return applyConfigJson(TrainConfig{}, presetJson(name));
    } catch (const ConfigError& error) {
        throw ConfigError("preset " + name + ": " + error.what());
    }
}

}  // namespace grokscope
