# Finds Apache Arrow C++ and Parquet.
#
# A system installation (ArrowConfig.cmake / ParquetConfig.cmake) wins when CMake finds
# one. Otherwise the headers and shared libraries shipped inside the pyarrow wheel in the
# project's virtualenv are used, which Arrow supports for building extensions. The wheel
# ships versioned libraries only (libarrow.so.2600), so imported targets point at those
# files directly and the binaries get an RPATH to the wheel's folder.
#
# Result: targets sensorlake::arrow, sensorlake::parquet and sensorlake::arrow_s3 (Arrow's
# S3 filesystem, a library of its own since Arrow 22; inside libarrow before).

# The Python extension must use pyarrow's own libraries (docs/python.md): no system Arrow.
if(NOT SENSORLAKE_BUILD_PYTHON)
  find_package(Arrow CONFIG QUIET)
  find_package(Parquet CONFIG QUIET)
endif()
if(Arrow_FOUND AND Parquet_FOUND)
  message(STATUS "Arrow ${ARROW_VERSION}: system installation")
  add_library(sensorlake::arrow INTERFACE IMPORTED)
  target_link_libraries(sensorlake::arrow INTERFACE Arrow::arrow_shared)
  add_library(sensorlake::parquet INTERFACE IMPORTED)
  target_link_libraries(sensorlake::parquet INTERFACE Parquet::parquet_shared)
  add_library(sensorlake::arrow_s3 INTERFACE IMPORTED)
  find_package(ArrowS3 CONFIG QUIET)
  if(ArrowS3_FOUND)
    target_link_libraries(sensorlake::arrow_s3 INTERFACE ArrowS3::arrow_s3_shared)
  else()
    target_link_libraries(sensorlake::arrow_s3 INTERFACE Arrow::arrow_shared)
  endif()
  return()
endif()

set(SENSORLAKE_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python whose pyarrow wheel provides Arrow C++ when no system Arrow is found")
execute_process(
  COMMAND "${SENSORLAKE_PYTHON}" -c
          "import pyarrow as pa; print(pa.get_include()); print(pa.get_library_dirs()[0]); print(pa.__version__)"
  OUTPUT_VARIABLE _pa_out RESULT_VARIABLE _pa_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pa_rc EQUAL 0)
  message(FATAL_ERROR "No system Arrow C++ and no pyarrow in ${SENSORLAKE_PYTHON}: run scripts/setup.sh")
endif()
string(REPLACE "\n" ";" _pa_lines "${_pa_out}")
list(GET _pa_lines 0 PYARROW_INCLUDE_DIR)
list(GET _pa_lines 1 PYARROW_LIB_DIR)
list(GET _pa_lines 2 PYARROW_VERSION)
string(REGEX MATCH "^[0-9]+" _pa_major "${PYARROW_VERSION}")
set(_so_suffix "so.${_pa_major}00")
message(STATUS "Arrow ${PYARROW_VERSION}: pyarrow wheel at ${PYARROW_LIB_DIR}")

function(_sensorlake_wheel_lib target file)
  if(NOT EXISTS "${PYARROW_LIB_DIR}/${file}")
    message(FATAL_ERROR "pyarrow wheel lacks ${file} in ${PYARROW_LIB_DIR}")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${PYARROW_LIB_DIR}/${file}"
    INTERFACE_INCLUDE_DIRECTORIES "${PYARROW_INCLUDE_DIR}")
endfunction()

_sensorlake_wheel_lib(sensorlake::arrow "libarrow.${_so_suffix}")
_sensorlake_wheel_lib(sensorlake::parquet "libparquet.${_so_suffix}")
_sensorlake_wheel_lib(sensorlake::arrow_s3 "libarrow_s3.${_so_suffix}")
set_property(TARGET sensorlake::parquet PROPERTY INTERFACE_LINK_LIBRARIES sensorlake::arrow)
set_property(TARGET sensorlake::arrow_s3 PROPERTY INTERFACE_LINK_LIBRARIES sensorlake::arrow)
# Arrow headers are third-party code: keep our warnings about our own code.
set_property(TARGET sensorlake::arrow PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${PYARROW_INCLUDE_DIR}")
list(APPEND CMAKE_BUILD_RPATH "${PYARROW_LIB_DIR}")
