#pragma once
// Generated at build time from experiments/protocol/*.json (see report/CMakeLists.txt):
// the experiment specs `grokscope-cli replicate` runs, so it needs no files at run time.

#include <string>
#include <utility>
#include <vector>

namespace grokscope {
const std::vector<std::pair<std::string, std::string>>& embeddedProtocol();
}
