# One firmware image: OpenSBI's fw_jump with the hypervisor (and what it
# embeds: guests, a configuration) as its payload, for
# `qemu-system-riscv64 -M virt -bios build/rustyvisor-fw.bin` with no -kernel
# (docs/boot.md). `cmake --build build --target firmware`.
#
# rv_add_firmware(<name> HYPERVISOR <target>): <name>.bin/.elf in the build
# directory from <target>.bin (scripts/mkfirmware.py; fails when the payload
# would reach OpenSBI's FDT copy at base + 32 MiB).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(RV_OPENSBI_DIR /usr/lib/riscv64-linux-gnu/opensbi/generic CACHE PATH
    "Directory holding OpenSBI's fw_jump.bin")
set(RV_OPENSBI_SRC "" CACHE PATH
    "An OpenSBI source tree: `firmware` then also builds its real fw_payload with the hypervisor")
function(rv_add_firmware name)
  cmake_parse_arguments(F "" "HYPERVISOR" "" ${ARGN})
  set(out ${CMAKE_BINARY_DIR}/${name})
  add_custom_command(OUTPUT ${out}.bin ${out}.elf
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/mkfirmware.py
            --fw ${RV_FW_JUMP} --payload ${CMAKE_BINARY_DIR}/${F_HYPERVISOR}.bin --out ${out}
    DEPENDS ${F_HYPERVISOR} ${CMAKE_BINARY_DIR}/${F_HYPERVISOR}.bin ${RV_FW_JUMP}
            ${PROJECT_SOURCE_DIR}/scripts/mkfirmware.py
    COMMENT "Firmware image ${name}.bin: OpenSBI fw_jump + ${F_HYPERVISOR}" VERBATIM)
  add_custom_target(${name}-image ALL DEPENDS ${out}.bin ${out}.elf)
endfunction()

set(RV_FW_JUMP ${RV_OPENSBI_DIR}/fw_jump.bin)
rv_add_firmware(rustyvisor-fw HYPERVISOR rustyvisor)
add_custom_target(firmware DEPENDS rustyvisor-fw-image)
if(RV_OPENSBI_SRC)
  # OpenSBI's own packaging: fw_payload with FW_PAYLOAD_PATH = the hypervisor,
  # built out of tree (O=) so the source tree stays clean. The generic
  # platform's defaults put the payload at +0x200000 and the FDT at
  # +0x2200000, as mkfirmware.py does.
  set(sbi_out ${CMAKE_BINARY_DIR}/opensbi)
  # OpenSBI since 1.x links itself as a PIE, which riscv64-unknown-elf-ld
  # cannot do: Debian's riscv64-linux-gnu- toolchain can.
  set(RV_OPENSBI_CROSS_COMPILE riscv64-linux-gnu- CACHE STRING
      "CROSS_COMPILE prefix for building OpenSBI from RV_OPENSBI_SRC")
  set(sbi_cross ${RV_OPENSBI_CROSS_COMPILE})
  add_custom_command(OUTPUT ${sbi_out}/platform/generic/firmware/fw_payload.bin
    COMMAND make -C ${RV_OPENSBI_SRC} O=${sbi_out} PLATFORM=generic CROSS_COMPILE=${sbi_cross}
            FW_PAYLOAD_PATH=${CMAKE_BINARY_DIR}/rustyvisor.bin
    COMMAND ${CMAKE_COMMAND} -E copy ${sbi_out}/platform/generic/firmware/fw_payload.bin
            ${CMAKE_BINARY_DIR}/rustyvisor-fw-payload.bin
    DEPENDS rustyvisor ${CMAKE_BINARY_DIR}/rustyvisor.bin
    COMMENT "OpenSBI fw_payload from ${RV_OPENSBI_SRC} with the hypervisor as its payload" VERBATIM)
  add_custom_target(firmware-opensbi DEPENDS ${sbi_out}/platform/generic/firmware/fw_payload.bin)
  add_dependencies(firmware firmware-opensbi)
endif()
