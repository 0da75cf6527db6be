#include "config/build_info.h"

// Set by core/CMakeLists.txt; the fallbacks keep an IDE's parse of this file quiet.
#ifndef GROKSCOPE_VERSION
#define GROKSCOPE_VERSION "unknown"
#endif
#ifndef GROKSCOPE_GIT_REVISION
#define GROKSCOPE_GIT_REVISION "unknown"
#endif

namespace grokscope {

const char* grokscopeVersion() { return GROKSCOPE_VERSION; }
const char* grokscopeGitRevision() { return GROKSCOPE_GIT_REVISION; }

}  // namespace grokscope
