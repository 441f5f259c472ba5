# `cmake --build <dir> --target bench`: runs the bench guest natively on OpenSBI and under
# rustyvisor (QEMU -icount, with and without Sstc), the VM switch guests (vmswitch) and the
# fairness runs (spin) under rustyvisor, and prints one markdown report, also written to
# <dir>/bench/bench.md. See scripts/bench.py and docs/performance.md.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(QEMU_RISCV64 qemu-system-riscv64)
find_program(RV_SIZE_TOOL NAMES riscv64-unknown-elf-size ${CMAKE_SIZE})
add_custom_target(bench
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/bench.py
          --build-dir ${CMAKE_BINARY_DIR}
          --qemu ${QEMU_RISCV64}
          --fw-jump ${RV_OPENSBI_DIR}/fw_jump.bin
          --size-tool ${RV_SIZE_TOOL}
          --guest-ram-mb ${RV_GUEST_RAM_MB}
          --dtc ${DTC}
  DEPENDS rustyvisor bench-guest vmswitch spin
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  USES_TERMINAL
  COMMENT "Benchmarks: the bench guest natively and under rustyvisor (docs/performance.md)")
