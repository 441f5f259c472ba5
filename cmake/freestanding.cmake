# Flags shared by everything that runs on the riscv64 target without an OS:
# the hypervisor itself and the bare-metal guests.
set(RV_FREESTANDING_FLAGS
    -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
    -ffreestanding -fno-common -fno-builtin -fno-stack-protector -fno-pie
    -O2 -g -Wall -Wextra -Werror)

# add_freestanding_image(<target> LINKER_SCRIPT <ld> SOURCES <src...>)
# Builds <target>.elf and <target>.bin (flat binary) in the current binary dir.
function(add_freestanding_image target)
  cmake_parse_arguments(ARG "" "LINKER_SCRIPT;OUTPUT_DIR" "SOURCES;INCLUDES;DEFINES" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  add_executable(${target} ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${target}.elf
                        RUNTIME_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR}
                        LINK_DEPENDS ${ARG_LINKER_SCRIPT})
  target_compile_options(${target} PRIVATE ${RV_FREESTANDING_FLAGS})
  target_compile_features(${target} PRIVATE c_std_11)
  set_target_properties(${target} PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
  target_include_directories(${target} PRIVATE ${ARG_INCLUDES})
  target_compile_definitions(${target} PRIVATE ${ARG_DEFINES})
  target_link_options(${target} PRIVATE -nostdlib -nostartfiles -static
                      -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
                      -T ${ARG_LINKER_SCRIPT} -Wl,--gc-sections -Wl,--no-warn-rwx-segments)
  target_link_libraries(${target} PRIVATE gcc)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O binary ${ARG_OUTPUT_DIR}/${target}.elf ${ARG_OUTPUT_DIR}/${target}.bin
    BYPRODUCTS ${ARG_OUTPUT_DIR}/${target}.bin
    COMMENT "objcopy ${target}.bin")
endfunction()

# add_guest_kernel(<name> SOURCES <src...>): a bare-metal guest linked at 0x80200000
# with the common guest runtime, so it runs under rustyvisor and natively on OpenSBI.
function(add_guest_kernel name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEFINES" ${ARGN})
  set(common ${PROJECT_SOURCE_DIR}/guest-kernels/common)
  add_freestanding_image(${name}
    LINKER_SCRIPT ${common}/guest.ld
    SOURCES ${ARG_SOURCES} ${common}/start.S ${common}/runtime.c
            ${PROJECT_SOURCE_DIR}/hv/lib/printf.c ${PROJECT_SOURCE_DIR}/hv/lib/string.c
            ${PROJECT_SOURCE_DIR}/hv/lib/fdt.c
    INCLUDES ${common} ${PROJECT_SOURCE_DIR}/sbi-proxy/include ${PROJECT_SOURCE_DIR}/hv/lib
             ${PROJECT_SOURCE_DIR}/hv/include
    DEFINES ${ARG_DEFINES})
  set_property(GLOBAL APPEND PROPERTY RV_GUEST_KERNELS ${name})
endfunction()
