# Boot tests: QEMU is started by tests/boot/run_qemu.py, which waits for the
# named markers in order, fails at once on a panic/trap marker and prints the
# serial log when it fails.

find_program(QEMU_RISCV64 qemu-system-riscv64 REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(RV_OPENSBI_DIR /usr/lib/riscv64-linux-gnu/opensbi/generic CACHE PATH
    "Directory holding OpenSBI's fw_jump.bin")
set(RV_FW_JUMP ${RV_OPENSBI_DIR}/fw_jump.bin)

# add_qemu_test(<name> [TIMEOUT s] [LABELS l...] [SMP n] [MEM m] [CPU model]
#               [KERNEL file | FIRMWARE file] [INITRD file] [APPEND str] [EXTRA args...]
#               [EXPECT marker...] [FORBID marker...] [ALLOW marker...] [EXIT code] [ICOUNT]
#               [INPUT "marker=text"...] [KILL_WHEN_DONE] [NATIVE]
#               [VALUES "name=regex"...] [CHECKS "python expr"...]
#               [RAW_FORBID "bytes regex"...] [RUN_SERIAL] [WRAPPER cmd...])
# FIRMWARE: boot that image with -bios alone (no fw_jump, no -kernel).
# ALLOW: built-in panic/trap markers of run_qemu.py this guest prints normally.
# RAW_FORBID: fail if the raw serial output matches (control characters).
# RUN_SERIAL: no other test runs beside it (shares measured in host time).
# WRAPPER: a command that runs the whole boot test (run_qemu.py and its arguments follow it)
# and may prepare before it and judge after it (tests/boot/ext4_image.py run ... --).
# VALUES/CHECKS: numbers the guests print, judged once QEMU has exited
# (run_qemu.py --value/--check). Regexes and expressions must not hold ';'.
# NATIVE: KERNEL runs directly on OpenSBI. With more than one hart, QEMU then
# runs all harts on one host thread (-accel tcg,thread=single): OpenSBI 1.1's
# hart_start marks the hart START_PENDING before it writes the start address
# and a1, so a hart it wakes early enters the payload's entry with the FDT
# instead (docs/boot.md). The hypervisor copes with that; Linux and the test
# guests do not, and with one host thread per hart a busy host makes it
# likely enough to hang a native Linux boot at "Bringing up secondary CPUs".
# On one thread a hart can be switched out only at QEMU's 100 ms kick.
function(add_qemu_test name)
  cmake_parse_arguments(T "ICOUNT;KILL_WHEN_DONE;NATIVE;RUN_SERIAL" "TIMEOUT;SMP;MEM;CPU;KERNEL;FIRMWARE;INITRD;APPEND;EXIT"
                        "LABELS;EXTRA;EXPECT;FORBID;ALLOW;DEPENDS;INPUT;VALUES;CHECKS;RAW_FORBID;WRAPPER" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_SMP)
    set(T_SMP 1)
  endif()
  if(NOT T_MEM)
    set(T_MEM 512M)
  endif()
  if(NOT T_CPU)
    set(T_CPU rv64)
  endif()
  if(NOT T_KERNEL)
    set(T_KERNEL ${CMAKE_BINARY_DIR}/rustyvisor.bin)
  endif()
  if(NOT DEFINED T_EXIT)
    set(T_EXIT 0)
  endif()
  set(cmd ${T_WRAPPER} ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/boot/run_qemu.py
      --timeout ${T_TIMEOUT} --exit-code ${T_EXIT})
  if(T_KILL_WHEN_DONE)
    list(APPEND cmd --kill-when-done)
  endif()
  foreach(m IN LISTS T_EXPECT)
    list(APPEND cmd --expect "${m}")
  endforeach()
  foreach(m IN LISTS T_FORBID)
    list(APPEND cmd --forbid "${m}")
  endforeach()
  foreach(m IN LISTS T_ALLOW)
    list(APPEND cmd --allow "${m}")
  endforeach()
  foreach(m IN LISTS T_INPUT)
    list(APPEND cmd --input "${m}")
  endforeach()
  foreach(m IN LISTS T_VALUES)
    list(APPEND cmd --value "${m}")
  endforeach()
  foreach(m IN LISTS T_CHECKS)
    list(APPEND cmd --check "${m}")
  endforeach()
  foreach(m IN LISTS T_RAW_FORBID)
    list(APPEND cmd --raw-forbid "${m}")
  endforeach()
  list(APPEND cmd -- ${QEMU_RISCV64} -M virt -cpu ${T_CPU} -smp ${T_SMP} -m ${T_MEM}
       -nographic -monitor none -serial stdio)
  if(T_FIRMWARE)
    list(APPEND cmd -bios ${T_FIRMWARE})
  else()
    list(APPEND cmd -bios ${RV_FW_JUMP} -kernel ${T_KERNEL})
  endif()
  if(T_INITRD)
    list(APPEND cmd -initrd ${T_INITRD})
  endif()
  if(DEFINED T_APPEND)
    list(APPEND cmd -append "${T_APPEND}")
  endif()
  if(T_ICOUNT)
    list(APPEND cmd -icount shift=0)
  endif()
  if(T_NATIVE AND T_SMP GREATER 1)
    list(APPEND cmd -accel tcg,thread=single)
  endif()
  list(APPEND cmd ${T_EXTRA})
  add_test(NAME ${name} COMMAND ${cmd})
  if(NOT T_LABELS)
    set(T_LABELS qemu)
  endif()
  # The runner enforces its own timeout and prints the log; CTest's is a backstop.
  math(EXPR backstop "${T_TIMEOUT} + 30")
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${backstop})
  if(T_RUN_SERIAL)
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()
