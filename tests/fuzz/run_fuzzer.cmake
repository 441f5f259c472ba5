# One fuzz run (tests/unit/register.cmake):
#   cmake -DFUZZER=<exe> -DOUT=<dir> -DFRESH=ON|OFF -DSECONDS=<s> [-DSEED=<n>]
#         -DARTIFACTS=<prefix> "-DCORPORA=<dir>|<dir>..." -P run_fuzzer.cmake
# libFuzzer writes the inputs it finds to its first directory, OUT; the
# others (CORPORA, those that exist) are only read.
# FRESH=ON, the `fuzz` CTest label's bounded runs: OUT is a scratch directory
# emptied before and removed after the run, so the corpus never grows from
# run to run, and with a fixed SEED a run is reproducible.
# FRESH=OFF, the fuzz-grow targets: OUT is the build tree's corpus, kept.
# A crash is saved as <ARTIFACTS>crash-<sha1> and fails the run.
foreach(v FUZZER OUT FRESH SECONDS ARTIFACTS CORPORA)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${v}= missing")
  endif()
endforeach()
string(REPLACE "|" ";" corpora "${CORPORA}")
set(dirs)
foreach(d IN LISTS corpora)
  if(IS_DIRECTORY ${d} AND NOT d STREQUAL OUT)
    list(APPEND dirs ${d})
  endif()
endforeach()
set(seed_arg)
if(DEFINED SEED AND NOT SEED STREQUAL "")
  set(seed_arg -seed=${SEED})
endif()
if(FRESH)
  file(REMOVE_RECURSE ${OUT})
endif()
file(MAKE_DIRECTORY ${OUT})
get_filename_component(artifact_dir ${ARTIFACTS} DIRECTORY)
file(MAKE_DIRECTORY ${artifact_dir})
execute_process(
  COMMAND ${FUZZER} ${seed_arg} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${ARTIFACTS} ${OUT} ${dirs}
  RESULT_VARIABLE rc)
if(FRESH)
  file(REMOVE_RECURSE ${OUT})
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER}: exit status ${rc}: see the report above and ${ARTIFACTS}crash-*; "
                      "reproduce with: ${FUZZER} <that file> (docs/debugging.md, Fuzzing)")
endif()
