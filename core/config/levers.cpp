#include "config/levers.h"

namespace grokscope {

const char* mixingSiteName(MixingSite site)
{
    for (const auto& [known, name] : kMixingSiteNames)
        if (known == site)
            return name;
    return "unknown";
}

bool mixingSiteFromName(const std::string& name, MixingSite& site)
{
    for (const auto& [known, knownName] : kMixingSiteNames)
        if (name == knownName) {
            site = known;
            return true;
        }
    return false;
}

}  // namespace grokscope
