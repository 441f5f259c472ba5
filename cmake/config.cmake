# VM configurations (docs/configuration.md): a .dts compiled by dtc into the
# blob the hypervisor reads, embedded (-DRV_CONFIG) or passed with -initrd.
# /incbin/ paths are searched in the .dts's own directory, then in the build's
# guest-kernels directory (hello.elf, linux/Image, ...).
find_program(DTC dtc REQUIRED)

# rv_add_config(<name> SOURCE <file.dts> [OUTPUT <file.dtb>] [DEPENDS <targets/files>...])
# Makes target config-<name> building <OUTPUT> (default:
# ${CMAKE_BINARY_DIR}/configs/<name>.dtb).
function(rv_add_config name)
  cmake_parse_arguments(C "" "SOURCE;OUTPUT" "DEPENDS" ${ARGN})
  if(NOT C_OUTPUT)
    set(C_OUTPUT ${CMAKE_BINARY_DIR}/configs/${name}.dtb)
  endif()
  get_filename_component(src ${C_SOURCE} ABSOLUTE)
  get_filename_component(src_dir ${src} DIRECTORY)
  get_filename_component(out_dir ${C_OUTPUT} DIRECTORY)
  file(MAKE_DIRECTORY ${out_dir})
  add_custom_command(OUTPUT ${C_OUTPUT}
    COMMAND ${DTC} -q -I dts -O dtb -i ${src_dir} -i ${CMAKE_BINARY_DIR}/guest-kernels
            -d ${C_OUTPUT}.d -o ${C_OUTPUT} ${src}
    DEPFILE ${C_OUTPUT}.d
    DEPENDS ${src} ${C_DEPENDS}
    COMMENT "dtc ${name}: VM configuration")
  add_custom_target(config-${name} ALL DEPENDS ${C_OUTPUT})
endfunction()
