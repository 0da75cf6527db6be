# Warnings and sanitizers are applied per target, never globally.
function(grokscope_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(GROKSCOPE_SANITIZE)
    # Undefined behaviour aborts like an ASan report, so a test cannot pass over it.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                             -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# Generates OUTPUT (a .cpp) whose FUNCTION returns every *.json of DIRECTORY as
# (name, text) pairs, declared in HEADER; regenerated when a file changes.
function(grokscope_embed_json output directory function header comment)
  file(GLOB files CONFIGURE_DEPENDS ${directory}/*.json)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DPRESET_DIR=${directory}
            -DFUNCTION=${function} -DHEADER=${header}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedPresets.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/EmbedPresets.cmake
    COMMENT ${comment})
endfunction()
