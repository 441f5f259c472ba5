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
# Each is a bounded run from a seed corpus; a missing clang is a failing test,
# never a silently skipped one.
set(RV_FUZZ_HOST_DIR ${CMAKE_BINARY_DIR}/fuzz-host)
set(RV_FUZZ_SECONDS 20 CACHE STRING "Seconds each bounded fuzz run (label fuzz) lasts")
find_program(RV_CLANG NAMES clang clang-14)
if(RV_CLANG)
  ExternalProject_Add(fuzz-host
    SOURCE_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz
    BINARY_DIR ${RV_FUZZ_HOST_DIR}
    CMAKE_GENERATOR Ninja
    CMAKE_ARGS -DCMAKE_C_COMPILER=${RV_CLANG} -DRV_SOURCE_DIR=${PROJECT_SOURCE_DIR}
    BUILD_ALWAYS ON
    INSTALL_COMMAND "")
  foreach(f IN LISTS RV_FUZZ_TARGETS)
    # The first corpus directory (in the build tree) receives new inputs; the
    # others are seeds: built by the fuzz project (seeds/), checked in (corpus/).
    set(seed_dirs ${RV_FUZZ_HOST_DIR}/seeds/${f})
    if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${f})
      list(APPEND seed_dirs ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${f})
    endif()
    # run_fuzz.cmake empties that first directory before each run, so that
    # a run does not start from what earlier runs found (reproducible).
    string(REPLACE ";" "|" seed_arg "${seed_dirs}")
    add_test(NAME fuzz.${f}
      COMMAND ${CMAKE_COMMAND} -DFUZZER=${RV_FUZZ_HOST_DIR}/${f}
              -DSCRATCH=${RV_FUZZ_HOST_DIR}/corpus/${f} -DSEEDS=${seed_arg}
              -DSECONDS=${RV_FUZZ_SECONDS} -DARTIFACTS=${RV_FUZZ_HOST_DIR}/artifacts/${f}-
              -P ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.cmake)
    set_tests_properties(fuzz.${f} PROPERTIES LABELS fuzz ENVIRONMENT "${RV_SANITIZER_ENV}")
  endforeach()
else()
  add_test(NAME fuzz.clang-missing
    COMMAND ${CMAKE_COMMAND} -P ${PROJECT_SOURCE_DIR}/tests/fuzz/clang_missing.cmake)
  set_tests_properties(fuzz.clang-missing PROPERTIES LABELS fuzz)
endif()
