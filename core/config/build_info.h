#pragma once
// Which build this is: the project version and the git revision CMake saw at configure
// time. Run logs record both (config.json), and `grokscope-cli --version` prints them.

namespace grokscope {

const char* grokscopeVersion();
const char* grokscopeGitRevision();

}  // namespace grokscope
