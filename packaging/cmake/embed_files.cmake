# Writes a C++ file that defines one std::string_view per source file, holding its bytes, so that
# a page's HTML, CSS and JavaScript are compiled into the binary (no files to lose at run time).
# Byte arrays, not raw string literals: a literal would break on its own delimiter.
# Run by add_custom_command with
#   -DSRC_DIR=<dir> -DFILES=<a;b> -DNAMES=<name_a;name_b> -DHEADER=<include> -DNAMESPACE=<ns> -DOUT=<file.cpp>
# The folder's name only: an absolute path would make every clone's file differ (and miss ccache).
get_filename_component(folder "${SRC_DIR}" NAME)
set(body "// Generated from src/http/${folder}/ by packaging/cmake/embed_files.cmake. Do not edit.\n")
string(APPEND body "#include \"${HEADER}\"\n\nnamespace ${NAMESPACE} {\nnamespace {\n")
list(LENGTH FILES count)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  list(GET FILES ${i} file)
  list(GET NAMES ${i} name)
  file(READ "${SRC_DIR}/${file}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "const unsigned char ${name}_bytes[] = {${bytes}0};\n")
  set(size_${name} ${size})
endforeach()
string(APPEND body "}  // namespace\n")
foreach(name ${NAMES})
  string(APPEND body "const std::string_view ${name}{reinterpret_cast<const char*>(${name}_bytes), ${size_${name}}};\n")
endforeach()
string(APPEND body "}  // namespace ${NAMESPACE}\n")
# Written only when it changes, so an unchanged page does not recompile.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL body)
  file(WRITE "${OUT}" "${body}")
endif()
