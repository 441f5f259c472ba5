# cmake -DIMAGE=<path> -P check_image.cmake: fails unless IMAGE is a RISC-V Linux Image
# (header magic "RSC\x05" at offset 56, Documentation/riscv/boot-image-header.rst).
if(NOT EXISTS "${IMAGE}")
  message(FATAL_ERROR "FAILED: Linux guest Image ${IMAGE} does not exist: build it with "
                      "`cmake --build <build-dir>` (RV_BUILD_LINUX=ON) or "
                      "`cmake --build <build-dir> --target linux-guest`")
endif()
file(SIZE "${IMAGE}" size)
file(READ "${IMAGE}" magic OFFSET 56 LIMIT 4 HEX)
if(NOT magic STREQUAL "52534305")
  message(FATAL_ERROR "FAILED: ${IMAGE} is not a RISC-V Linux Image (magic ${magic})")
endif()
math(EXPR kib "${size} / 1024")
message("Linux guest Image ${IMAGE}: ${kib} KiB")
