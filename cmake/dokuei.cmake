# dokuei_module(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# Creates library target dokuei_<name> with public headers in src/<name>/include.
function(dokuei_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(dokuei_${name} STATIC ${M_SOURCES})
  add_library(dokuei::${name} ALIAS dokuei_${name})
  target_include_directories(dokuei_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                            PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(dokuei_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

# dokuei_test(<name> SOURCES ... [DEPS ...] [LABELS ...])
# A GoogleTest executable registered with CTest (one CTest entry per executable keeps CI fast).
function(dokuei_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "DOKUEI_TESTDATA=${DOKUEI_TESTDATA_DIR};DOKUEI_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    LABELS "unit;${T_LABELS}")
endfunction()

get_filename_component(_shared "${PROJECT_SOURCE_DIR}/../shared/testdata" ABSOLUTE)
set(DOKUEI_TESTDATA_DIR "${_shared}" CACHE PATH "Real DICOM test data (../shared/testdata)")
if(NOT EXISTS "${DOKUEI_TESTDATA_DIR}/transfer_syntaxes")
  message(WARNING "No test data at ${DOKUEI_TESTDATA_DIR}: the tests that read the shared DICOM "
                  "files will fail. Clone beside ../shared, or set -DDOKUEI_TESTDATA_DIR=<dir>.")
endif()

# dokuei_glob_module(<name> DEPS ... PRIVATE_DEPS ... [TEST_DEPS ...])
# Library from every *.cc in the folder (recursively) except *_test.cc and *_fuzz.cc; one test
# executable <name>_test from every *_test.cc, when there is any.
function(dokuei_glob_module name)
  cmake_parse_arguments(M "" "" "DEPS;PRIVATE_DEPS;TEST_DEPS;TEST_LABELS" ${ARGN})
  file(GLOB_RECURSE _all CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  set(_src "")
  set(_tests "")
  foreach(_f ${_all})
    if(_f MATCHES "_test\\.cc$")
      list(APPEND _tests ${_f})
    elseif(NOT _f MATCHES "_fuzz\\.cc$")
      list(APPEND _src ${_f})
    endif()
  endforeach()
  if(NOT _src)
    # Nothing implemented yet: headers only.
    add_library(dokuei_${name} INTERFACE)
    add_library(dokuei::${name} ALIAS dokuei_${name})
    target_include_directories(dokuei_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(dokuei_${name} INTERFACE ${M_DEPS})
    return()
  endif()
  dokuei_module(${name} SOURCES ${_src} DEPS ${M_DEPS} PRIVATE_DEPS ${M_PRIVATE_DEPS})
  if(_tests)
    dokuei_test(${name}_test SOURCES ${_tests} DEPS dokuei::${name} dokuei::testing ${M_TEST_DEPS}
                LABELS ${M_TEST_LABELS})
  endif()
endfunction()
