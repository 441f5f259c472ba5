# The bench guest (guest-kernels/bench/bench.c): instruction counts of SBI calls, traps, MMIO and
# WFI under QEMU -icount, run natively and under rustyvisor by scripts/bench.py (the `bench`
# target, cmake/bench.cmake). The target is bench-guest because `bench` runs the benchmarks;
# the images are also copied to the names the docs use: guest-kernels/bench.{elf,bin}.
add_guest_kernel(bench-guest SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench.c)
add_custom_command(TARGET bench-guest POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/bench-guest.elf
          ${CMAKE_CURRENT_BINARY_DIR}/bench.elf
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/bench-guest.bin
          ${CMAKE_CURRENT_BINARY_DIR}/bench.bin
  BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/bench.elf ${CMAKE_CURRENT_BINARY_DIR}/bench.bin
  COMMENT "bench guest: bench.elf, bench.bin")
