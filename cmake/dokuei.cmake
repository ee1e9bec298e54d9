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
