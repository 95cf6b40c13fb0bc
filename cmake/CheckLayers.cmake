# The layer rule (CONTRIBUTING.md, docs/architecture.md), checked: a file of one layer may
# include only its own layer and layers of strictly lower rank; siblings of equal rank never
# include each other. A unit test (*_test.cc) may also include src/testing.
#
#   cmake -DROOT=<tree> -P cmake/CheckLayers.cmake
#
# scans <tree>/src/<layer>/ and <tree>/include/sensorlake/<layer>/ and fails naming
# file:line and the include of every breach. ctest runs it as LayerRule over the repository
# and as LayerRuleRejects over tests/data/layers/, a tree that breaks the rule on purpose.
# Fuzz targets (*_fuzz.cc) belong in fuzz/, outside the rule.
cmake_minimum_required(VERSION 3.20)

if(NOT DEFINED ROOT)
  message(FATAL_ERROR "CheckLayers: pass -DROOT=<source tree>")
endif()

# Rank of every layer, low to high. A folder missing here is an error: rank it first.
set(_rank_common 0)
set(_rank_wisdm 1)
set(_rank_net 1)
set(_rank_storage 2)
set(_rank_zones 3)
set(_rank_tables 3)
foreach(_stage ingest transform quality features generate monitoring)
  set(_rank_${_stage} 4)
endforeach()
foreach(_top pipeline serve testing)
  set(_rank_${_top} 5)
endforeach()
set(_rank_cli 6)

# The layer an include names: "sensorlake/<layer>/x.h" (public) or "<layer>/x.h" (a header
# internal to src/); empty for anything else (a file beside the includer, a library).
function(_included_layer path out)
  set(layer "")
  if(path MATCHES "^sensorlake/([A-Za-z0-9_]+)/")
    set(layer "${CMAKE_MATCH_1}")
    if(NOT DEFINED _rank_${layer})
      set(layer "?${layer}")
    endif()
  elseif(path MATCHES "^([A-Za-z0-9_]+)/" AND DEFINED _rank_${CMAKE_MATCH_1})
    set(layer "${CMAKE_MATCH_1}")
  endif()
  set(${out} "${layer}" PARENT_SCOPE)
endfunction()

# 1-based line of byte offset `pos` in `text` (which starts with an added newline).
function(_line_of text pos out)
  math(EXPR len "${pos} + 1")
  string(SUBSTRING "${text}" 0 ${len} head)
  string(REGEX MATCHALL "\n" newlines "${head}")
  list(LENGTH newlines line)
  set(${out} ${line} PARENT_SCOPE)
endfunction()

set(_breaches "")
set(_count 0)
set(_files 0)
foreach(_base src include/sensorlake)
  file(GLOB_RECURSE _sources LIST_DIRECTORIES false RELATIVE "${ROOT}"
       "${ROOT}/${_base}/*.h" "${ROOT}/${_base}/*.cc" "${ROOT}/${_base}/*.h.in")
  foreach(_rel IN LISTS _sources)
    if(_rel MATCHES "_fuzz\\.cc$")
      continue()
    endif()
    string(LENGTH "${_base}/" _prefix_len)
    string(SUBSTRING "${_rel}" ${_prefix_len} -1 _inside)
    if(NOT _inside MATCHES "^([A-Za-z0-9_]+)/")
      continue()  # src/CMakeLists.txt and the like: no layer
    endif()
    set(_own "${CMAKE_MATCH_1}")
    math(EXPR _files "${_files} + 1")
    if(NOT DEFINED _rank_${_own})
      string(APPEND _breaches "${_rel}:1: layer '${_own}' is not in the rule's table\n")
      math(EXPR _count "${_count} + 1")
      continue()
    endif()
    set(_is_test FALSE)
    if(_rel MATCHES "_test\\.cc$")
      set(_is_test TRUE)
    endif()
    file(READ "${ROOT}/${_rel}" _text)
    set(_text "\n${_text}")
    # Both spellings: "sensorlake/x/y.h" and <sensorlake/x/y.h> name the same header.
    string(REGEX MATCHALL "\n[ \t]*#[ \t]*include[ \t]*[\"<][^\">\n]+[\">]" _includes "${_text}")
    foreach(_inc IN LISTS _includes)
      string(REGEX REPLACE "^.*[\"<]([^\">]+)[\">]$" "\\1" _path "${_inc}")
      _included_layer("${_path}" _layer)
      if(_layer STREQUAL "" OR _layer STREQUAL _own)
        continue()
      endif()
      if(_layer MATCHES "^\\?(.*)")
        set(_why "layer '${CMAKE_MATCH_1}' is not in the rule's table")
      elseif(_rank_${_layer} LESS _rank_${_own})
        continue()
      elseif(_is_test AND _layer STREQUAL "testing")
        continue()
      elseif(_rank_${_layer} EQUAL _rank_${_own})
        set(_why "sibling layer '${_layer}' (rank ${_rank_${_layer}}) from '${_own}'")
      else()
        set(_why "higher layer '${_layer}' (rank ${_rank_${_layer}}) from '${_own}' (rank ${_rank_${_own}})")
      endif()
      string(FIND "${_text}" "${_inc}" _pos)
      _line_of("${_text}" ${_pos} _line)
      string(APPEND _breaches "${_rel}:${_line}: #include ${_path}: ${_why}\n")
      math(EXPR _count "${_count} + 1")
    endforeach()
  endforeach()
endforeach()

if(_count GREATER 0)
  message("${_breaches}")
  message(FATAL_ERROR "LayerRule: ${_count} breach(es) of the layer rule in ${_files} files under ${ROOT}")
endif()
message(STATUS "LayerRule: ${_files} files under ${ROOT} keep the layer rule")
