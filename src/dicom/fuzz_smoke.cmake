# CTest driver for dicom_parse_fuzz_smoke: copies ../shared/testdata (valid and malformed files)
# as a seed corpus into a fresh temporary directory, runs the fuzzer for SECONDS and fails on any
# crash, sanitizer report, leak or timeout. Artifacts of a failure stay in the temporary directory.
# Usage: cmake -DFUZZER=<exe> -DSEEDS=<dir> -DSECONDS=60 -P fuzz_smoke.cmake
if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
  set(tmp "$ENV{TMPDIR}")
else()
  set(tmp "/tmp")
endif()
string(RANDOM LENGTH 10 ALPHABET abcdefghijklmnopqrstuvwxyz0123456789 suffix)
set(work "${tmp}/dokuei_dicom_fuzz_${suffix}")
file(MAKE_DIRECTORY "${work}/corpus")
file(GLOB_RECURSE seeds LIST_DIRECTORIES false "${SEEDS}/*")
set(n 0)
foreach(seed IN LISTS seeds)
  file(SIZE "${seed}" bytes)
  get_filename_component(name "${seed}" NAME)
  if(bytes LESS_EQUAL 1048576 AND NOT name MATCHES "\\.md$")
    math(EXPR n "${n} + 1")
    file(COPY_FILE "${seed}" "${work}/corpus/seed_${n}")
  endif()
endforeach()
message(STATUS "dicom_parse_fuzz: ${n} seeds in ${work}/corpus, ${SECONDS} s")
# UBSan only prints by default: make its reports fatal so that they fail the test too.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
          "${FUZZER}" -max_total_time=${SECONDS} -max_len=1048576 -rss_limit_mb=3072
          -timeout=30 -print_final_stats=1 -artifact_prefix=${work}/ "${work}/corpus"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dicom_parse_fuzz failed (exit ${rc}); crash input and corpus in ${work}")
endif()
file(REMOVE_RECURSE "${work}")
