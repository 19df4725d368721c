# Finds llhttp and defines the imported target rl::llhttp.
#
# Order of preference:
#   1. an installed llhttp CMake package (llhttp::llhttp),
#   2. pkg-config (libllhttp),
#   3. the C sources Debian's node-llhttp package installs
#      (/usr/share/llhttp/*.c and /usr/share/include/llhttp/llhttp.h),
#      built here as a static library.
# Nothing is downloaded; without any of them configuration stops and names
# the package to install.

if(TARGET rl::llhttp)
  return()
endif()

find_package(llhttp CONFIG QUIET)
if(TARGET llhttp::llhttp)
  add_library(rl::llhttp ALIAS llhttp::llhttp)
  message(STATUS "llhttp: CMake package ${llhttp_DIR}")
  return()
elseif(TARGET llhttp::llhttp_static)
  add_library(rl::llhttp ALIAS llhttp::llhttp_static)
  message(STATUS "llhttp: CMake package ${llhttp_DIR} (static)")
  return()
endif()

pkg_check_modules(LLHTTP QUIET IMPORTED_TARGET libllhttp)
if(LLHTTP_FOUND)
  add_library(rl::llhttp ALIAS PkgConfig::LLHTTP)
  message(STATUS "llhttp: pkg-config ${LLHTTP_VERSION}")
  return()
endif()

set(LLHTTP_SOURCE_DIR "/usr/share/llhttp" CACHE PATH
    "Directory holding llhttp's generated C sources (api.c, http.c, llhttp.c)")
set(LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH
    "Directory holding llhttp.h")
foreach(f api.c http.c llhttp.c)
  if(NOT EXISTS "${LLHTTP_SOURCE_DIR}/${f}")
    message(FATAL_ERROR
      "llhttp not found: no llhttp CMake package, no pkg-config libllhttp, and "
      "no ${LLHTTP_SOURCE_DIR}/${f}. Install Debian's node-llhttp package "
      "(apt-get install node-llhttp), or set LLHTTP_SOURCE_DIR and LLHTTP_INCLUDE_DIR.")
  endif()
endforeach()
if(NOT EXISTS "${LLHTTP_INCLUDE_DIR}/llhttp.h")
  message(FATAL_ERROR "llhttp.h not found in ${LLHTTP_INCLUDE_DIR} (package node-llhttp)")
endif()

add_library(rl_llhttp STATIC
  ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c ${LLHTTP_SOURCE_DIR}/llhttp.c)
target_include_directories(rl_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
# Third-party generated code: its warnings are not ours to fix.
target_compile_options(rl_llhttp PRIVATE -w)
set_target_properties(rl_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(rl::llhttp ALIAS rl_llhttp)
file(STRINGS "${LLHTTP_INCLUDE_DIR}/llhttp.h" _llhttp_ver REGEX "define LLHTTP_VERSION_(MAJOR|MINOR|PATCH)")
message(STATUS "llhttp: building Debian's sources from ${LLHTTP_SOURCE_DIR}")
