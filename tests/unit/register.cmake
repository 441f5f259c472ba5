# Included by tests/CMakeLists.txt inside the cross-compiled top-level
# project. The unit tests and fuzz targets run on the build host, so they are
# separate host CMake projects (ExternalProject) built with the host compiler;
# this file registers what they build with the top-level CTest.
include(ExternalProject)
include(${CMAKE_CURRENT_LIST_DIR}/tests.cmake)

set(RV_UNIT_HOST_DIR ${CMAKE_BINARY_DIR}/unit-host)
ExternalProject_Add(unit-host
  SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
  BINARY_DIR ${RV_UNIT_HOST_DIR}
  CMAKE_GENERATOR Ninja
  CMAKE_ARGS -DCMAKE_C_COMPILER=cc -DRV_SOURCE_DIR=${PROJECT_SOURCE_DIR}
  BUILD_ALWAYS ON
  INSTALL_COMMAND "")

# Sanitizers: any report fails the test (abort, nonzero exit), leaks included.
set(RV_SANITIZER_ENV
  "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

foreach(t IN LISTS RV_UNIT_TESTS)
  add_test(NAME unit.${t} COMMAND ${RV_UNIT_HOST_DIR}/${t})
  set_tests_properties(unit.${t} PROPERTIES LABELS unit TIMEOUT 300
                       ENVIRONMENT "${RV_SANITIZER_ENV}")
endforeach()

# Fuzz targets need clang's libFuzzer: a second host project compiled by clang.
# Each test is a bounded run (tests/fuzz/run_fuzzer.cmake) from the seeds and
# corpora, read-only, with a fixed seed: the corpus does not grow from run to
# run. A missing clang is a failing test, never a silently skipped one.
set(RV_FUZZ_HOST_DIR ${CMAKE_BINARY_DIR}/fuzz-host)
set(RV_FUZZ_SECONDS 20 CACHE STRING "Seconds each bounded fuzz run (label fuzz) lasts")
set(RV_FUZZ_SEED 1 CACHE STRING "libFuzzer -seed= of the bounded fuzz runs (label fuzz)")
set(RV_FUZZ_GROW_SECONDS 300 CACHE STRING "Seconds each fuzzer runs for the fuzz-grow targets")
find_program(RV_CLANG NAMES clang clang-14)
if(RV_CLANG)
  ExternalProject_Add(fuzz-host
    SOURCE_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz
    BINARY_DIR ${RV_FUZZ_HOST_DIR}
    CMAKE_GENERATOR Ninja
    CMAKE_ARGS -DCMAKE_C_COMPILER=${RV_CLANG} -DRV_SOURCE_DIR=${PROJECT_SOURCE_DIR}
    BUILD_ALWAYS ON
    INSTALL_COMMAND "")
  add_custom_target(fuzz-grow)
  foreach(f IN LISTS RV_FUZZ_TARGETS)
    # Seeds: built by the fuzz project (seeds/), checked in (corpus/), and
    # what fuzz-grow found (the build tree's corpus/).
    set(grown ${RV_FUZZ_HOST_DIR}/corpus/${f})
    set(seed_dirs ${RV_FUZZ_HOST_DIR}/seeds/${f} ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${f})
    string(REPLACE ";" "|" corpora "${grown};${seed_dirs}")
    set(run ${CMAKE_COMMAND} -DFUZZER=${RV_FUZZ_HOST_DIR}/${f}
            -DARTIFACTS=${RV_FUZZ_HOST_DIR}/artifacts/${f}- -DCORPORA=${corpora})
    add_test(NAME fuzz.${f}
      COMMAND ${run} -DOUT=${RV_FUZZ_HOST_DIR}/scratch/${f} -DFRESH=ON
              -DSECONDS=${RV_FUZZ_SECONDS} -DSEED=${RV_FUZZ_SEED}
              -P ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzzer.cmake)
    set_tests_properties(fuzz.${f} PROPERTIES LABELS fuzz ENVIRONMENT "${RV_SANITIZER_ENV}"
                         TIMEOUT 300)
    # On request only: fuzz for RV_FUZZ_GROW_SECONDS and keep what is found
    # in the build tree's corpus (docs/debugging.md says how to check it in).
    add_custom_target(fuzz-grow-${f}
      COMMAND ${CMAKE_COMMAND} -E env ${RV_SANITIZER_ENV}
              ${run} -DOUT=${grown} -DFRESH=OFF -DSECONDS=${RV_FUZZ_GROW_SECONDS}
              -P ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzzer.cmake
      DEPENDS fuzz-host USES_TERMINAL VERBATIM
      COMMENT "Fuzzing ${f} for ${RV_FUZZ_GROW_SECONDS} s into ${grown}")
    add_dependencies(fuzz-grow fuzz-grow-${f})
  endforeach()
else()
  add_test(NAME fuzz.clang-missing
    COMMAND ${CMAKE_COMMAND} -P ${PROJECT_SOURCE_DIR}/tests/fuzz/clang_missing.cmake)
  set_tests_properties(fuzz.clang-missing PROPERTIES LABELS fuzz)
endif()
