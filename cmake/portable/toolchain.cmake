# The release build's toolchain (CMakePresets.json): clang over the Debian 11 sysroot that
# scripts/sysroot/build.sh prepares, so every binary needs at most glibc 2.28-era symbols and
# no libstdc++ newer than the system's (it is linked statically; the platform's Python and
# pyarrow bring their own). The same objects are tested (`make test`) and shipped (`make dist`).
if(NOT SENSORLAKE_SYSROOT)
  # Fetched and unpacked once, then cached (a second call prints the path at once).
  execute_process(COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/../../scripts/sysroot/build.sh"
                  OUTPUT_VARIABLE SENSORLAKE_SYSROOT OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _sysroot_rc)
  if(NOT _sysroot_rc EQUAL 0)
    message(FATAL_ERROR "scripts/sysroot/build.sh failed (exit ${_sysroot_rc}): no sysroot to build on")
  endif()
endif()
if(NOT EXISTS "${SENSORLAKE_SYSROOT}/.complete")
  message(FATAL_ERROR "No complete sysroot at '${SENSORLAKE_SYSROOT}': run scripts/sysroot/build.sh")
endif()
# Try-compiles see the sysroot too.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SENSORLAKE_SYSROOT)

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_SYSROOT "${SENSORLAKE_SYSROOT}")
# clang finds GCC 10's headers and libstdc++ in the sysroot only when told where GCC is.
set(CMAKE_C_FLAGS_INIT "--gcc-toolchain=${SENSORLAKE_SYSROOT}/usr")
set(CMAKE_CXX_FLAGS_INIT "--gcc-toolchain=${SENSORLAKE_SYSROOT}/usr")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--gcc-toolchain=${SENSORLAKE_SYSROOT}/usr")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "--gcc-toolchain=${SENSORLAKE_SYSROOT}/usr")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "--gcc-toolchain=${SENSORLAKE_SYSROOT}/usr")

# Libraries and headers come from the sysroot first; pyarrow's Arrow, nanobind and Python's
# headers live outside it, in the project's virtualenv and the machine's Python.
set(CMAKE_FIND_ROOT_PATH "${SENSORLAKE_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SENSORLAKE_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${SENSORLAKE_SYSROOT}/usr/lib/x86_64-linux-gnu/pkgconfig:${SENSORLAKE_SYSROOT}/usr/share/pkgconfig")
set(SENSORLAKE_PORTABLE ON CACHE BOOL "Built over the portable sysroot" FORCE)
