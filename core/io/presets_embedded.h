#pragma once
// Generated at build time from resources/presets/*.json (see core/CMakeLists.txt),
// so the CLI needs no resource files at run time.

#include <string>
#include <utility>
#include <vector>

namespace grokscope {
const std::vector<std::pair<std::string, std::string>>& embeddedPresets();
}
