# The portable release build (cmake/portable/toolchain.cmake): the libraries that Debian 11
# lacks or has a major version older come as header-only code from the sysroot, the C++
# library is linked in statically, and every binary finds its shared libraries through a
# relative RUNPATH into the bundle that the `runtime_libs` target assembles (<build>/lib, the
# tarball's lib/), so the build tree runs exactly what `make dist` ships.
# The sysroot's path names its package lists (scripts/sysroot/build.sh): when they change, the
# libraries this folder found at its first configure are gone, so say so rather than fail on
# a missing path at generate time.
if(DEFINED CACHE{SENSORLAKE_SYSROOT_CONFIGURED}
   AND NOT SENSORLAKE_SYSROOT_CONFIGURED STREQUAL CMAKE_SYSROOT)
  message(FATAL_ERROR "${CMAKE_BINARY_DIR} was configured against the sysroot "
                      "${SENSORLAKE_SYSROOT_CONFIGURED}; scripts/sysroot now gives "
                      "${CMAKE_SYSROOT} (its package lists changed): remove "
                      "${CMAKE_BINARY_DIR} and build again (make build)")
endif()
set(SENSORLAKE_SYSROOT_CONFIGURED "${CMAKE_SYSROOT}" CACHE INTERNAL "the sysroot of the first configure")

add_library(sensorlake_fmt INTERFACE)
target_compile_definitions(sensorlake_fmt INTERFACE FMT_HEADER_ONLY=1)
add_library(sensorlake::fmt ALIAS sensorlake_fmt)

add_library(sensorlake_tomlplusplus INTERFACE)
target_compile_definitions(sensorlake_tomlplusplus INTERFACE TOML_HEADER_ONLY=1)
add_library(sensorlake::tomlplusplus ALIAS sensorlake_tomlplusplus)

# The single header from Debian's cpp-httplib 0.11.4 source (scripts/sysroot/build.sh):
# `sensorlake serve` speaks plain HTTP on the loopback or behind a proxy.
add_library(sensorlake_httplib INTERFACE)
target_link_libraries(sensorlake_httplib INTERFACE Threads::Threads)
add_library(sensorlake::httplib ALIAS sensorlake_httplib)

# GLIBCXX_3.4.24 is manylinux_2_28's ceiling and GCC 10's library is newer: link it in. In
# an executable the linker also exports what the shared libraries it loads reference (Arrow
# binds to that copy first, the system's libstdc++ for the rest); a module hides its copy
# from the Python process, which has its own.
add_link_options(-static-libstdc++)
set(SENSORLAKE_MODULE_LINK_OPTIONS -Wl,--exclude-libs,ALL)

add_compile_options("SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/glibc_2_28_symbols.h")

# RUNPATHs are set, not collected from the link line: the sysroot's folders must never be
# searched at run time (its libcurl would look for OpenSSL 1.1 on the host). The engine and
# the module find the bundle relative to themselves (the tarball's bin/ and lib/); the test
# binaries find the build tree's.
set(CMAKE_BUILD_WITH_INSTALL_RPATH ON)
set(CMAKE_INSTALL_RPATH "${CMAKE_BINARY_DIR}/lib")
set(SENSORLAKE_ENGINE_RPATH "$ORIGIN/../lib")
set(SENSORLAKE_MODULE_RPATH "$ORIGIN/../pyarrow;$ORIGIN/../../lib")

# <build>/lib: every shared library the engine and the module need that manylinux_2_28 does
# not promise, with RUNPATH $ORIGIN (pyarrow's own libraries as symlinks in the build tree;
# `make dist` copies them). scripts/dist/portable.py reads the binaries' NEEDED entries.
function(sensorlake_add_runtime_libs)
  set(elfs "$<TARGET_FILE:sensorlake>")
  set(deps sensorlake)
  if(TARGET _engine)
    list(APPEND elfs "$<TARGET_FILE:_engine>")
    list(APPEND deps _engine)
  endif()
  add_custom_target(runtime_libs ALL
    COMMAND "${SENSORLAKE_PYTHON}" "${PROJECT_SOURCE_DIR}/scripts/dist/portable.py" bundle
            --out "${CMAKE_BINARY_DIR}/lib" --search "${PYARROW_LIB_DIR}" --link-from "${PYARROW_LIB_DIR}"
            --search "${CMAKE_SYSROOT}/lib/x86_64-linux-gnu"
            --search "${CMAKE_SYSROOT}/usr/lib/x86_64-linux-gnu" ${elfs}
    DEPENDS ${deps} "${PROJECT_SOURCE_DIR}/scripts/dist/portable.py"
    COMMENT "Bundling the shared libraries the engine needs into lib/"
    VERBATIM)
endfunction()
