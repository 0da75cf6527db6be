# Usage: cmake -DOUTPUT=file.cpp -DPRESET_DIR=dir -P EmbedPresets.cmake
file(GLOB presets "${PRESET_DIR}/*.json")
list(SORT presets)
set(body "")
foreach(preset ${presets})
  get_filename_component(name "${preset}" NAME_WE)
  file(READ "${preset}" text)
  string(APPEND body "        {\"${name}\", R\"grokscope_preset(${text})grokscope_preset\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from resources/presets by cmake/EmbedPresets.cmake. Do not edit.
#include \"io/presets_embedded.h\"

namespace grokscope {
const std::vector<std::pair<std::string, std::string>>& embeddedPresets()
{
    static const std::vector<std::pair<std::string, std::string>> presets = {
${body}    };
    return presets;
}
}  // namespace grokscope
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
