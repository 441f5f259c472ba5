# One bounded fuzz run (CTest label fuzz), reproducible: the scratch corpus
# that libFuzzer writes its new inputs to is emptied first, so every run
# starts from the same seeds (never from what earlier runs found), and the
# mutation seed is fixed. A crash is saved under ARTIFACTS and fails the test.
#   cmake -DFUZZER=<exe> -DSCRATCH=<dir> -DSEEDS=<dir>|<dir> -DSECONDS=<n>
#         -DARTIFACTS=<prefix> -P run_fuzz.cmake
file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH})
string(REPLACE "|" ";" seed_dirs "${SEEDS}")
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -seed=1
          -print_final_stats=1 -artifact_prefix=${ARTIFACTS} ${SCRATCH} ${seed_dirs}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); the input is saved under ${ARTIFACTS}")
endif()
