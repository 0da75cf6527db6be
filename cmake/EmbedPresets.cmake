# Embeds every *.json of a folder as (name, text) pairs returned by one function.
# Usage: cmake -DOUTPUT=file.cpp -DPRESET_DIR=dir [-DFUNCTION=name -DHEADER=include/path.h]
#              -P EmbedPresets.cmake
# Used for resources/presets (embeddedPresets) and experiments/protocol (embeddedProtocol).
if(NOT FUNCTION)
  set(FUNCTION embeddedPresets)
endif()
if(NOT HEADER)
  set(HEADER io/presets_embedded.h)
endif()
file(GLOB presets "${PRESET_DIR}/*.json")
list(SORT presets)
set(body "")
foreach(preset ${presets})
  get_filename_component(name "${preset}" NAME_WE)
  file(READ "${preset}" text)
  string(APPEND body "        {\"${name}\", R\"grokscope_preset(${text})grokscope_preset\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${PRESET_DIR} by cmake/EmbedPresets.cmake. Do not edit.
#include \"${HEADER}\"

namespace grokscope {
const std::vector<std::pair<std::string, std::string>>& ${FUNCTION}()
{
    static const std::vector<std::pair<std::string, std::string>> presets = {
${body}    };
    return presets;
}
}  // namespace grokscope
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
