# The Linux guest: Debian's linux-source-6.1 built for riscv64 from tinyconfig plus a config
# fragment kept here, without a built-in initramfs: its static /init (init.c) is in a separate
# cpio archive, init.cpio, which every Linux test hands over as the guest's initramfs.
# Output: ${CMAKE_BINARY_DIR}/guest-kernels/linux/Image and init.cpio (target linux-guest).
# See guest-kernels/linux/README.md.

option(RV_BUILD_LINUX "Build the Linux guest kernel as part of ALL and register its tests" ON)
set(RV_LINUX_SOURCE_TARBALL /usr/src/linux-source-6.1.tar.xz CACHE FILEPATH
    "Linux source tarball, extracted once into the build tree")
set(RV_LINUX_SOURCE_DIR "" CACHE PATH
    "An existing, clean Linux source tree to build instead of RV_LINUX_SOURCE_TARBALL")
set(RV_LINUX_BASE_CONFIG tinyconfig CACHE STRING
    "Kernel make target giving the base configuration the fragment is merged onto")
set(RV_LINUX_CONFIG_FRAGMENT ${CMAKE_CURRENT_LIST_DIR}/rustyvisor.config CACHE STRING
    "Config fragment(s) (a ;-list) merged onto the base configuration; each option is checked")
set(RV_LINUX_CROSS_COMPILE riscv64-linux-gnu- CACHE STRING
    "CROSS_COMPILE prefix for the Linux kernel and its static /init")

set(RV_LINUX_DIR ${CMAKE_BINARY_DIR}/guest-kernels/linux)
set(RV_LINUX_IMAGE ${RV_LINUX_DIR}/Image)
set(linux_here ${CMAKE_CURRENT_LIST_DIR})
set(linux_kout ${RV_LINUX_DIR}/kbuild)
set(linux_make make ARCH=riscv CROSS_COMPILE=${RV_LINUX_CROSS_COMPILE})

# Missing tools are a configure error that says how to fix it, not a silent skip.
unset(RV_LINUX_CC CACHE) # follow changes of RV_LINUX_CROSS_COMPILE
find_program(RV_LINUX_CC ${RV_LINUX_CROSS_COMPILE}gcc)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
if(RV_BUILD_LINUX)
  if(NOT RV_LINUX_CC)
    message(FATAL_ERROR "RV_BUILD_LINUX: ${RV_LINUX_CROSS_COMPILE}gcc not found: run "
                        "scripts/setup.sh, or configure with -DRV_BUILD_LINUX=OFF")
  endif()
  if(NOT RV_LINUX_SOURCE_DIR AND NOT EXISTS ${RV_LINUX_SOURCE_TARBALL})
    message(FATAL_ERROR "RV_BUILD_LINUX: ${RV_LINUX_SOURCE_TARBALL} not found: run "
                        "scripts/setup.sh (package linux-source-6.1), set "
                        "RV_LINUX_SOURCE_TARBALL/RV_LINUX_SOURCE_DIR, or configure with "
                        "-DRV_BUILD_LINUX=OFF")
  endif()
endif()

# 1. The source tree: extracted once (a stamp), or the user's own tree.
if(RV_LINUX_SOURCE_DIR)
  set(linux_src ${RV_LINUX_SOURCE_DIR})
  set(linux_src_stamp ${RV_LINUX_SOURCE_DIR}/Makefile)
else()
  set(linux_src ${RV_LINUX_DIR}/src)
  set(linux_src_stamp ${RV_LINUX_DIR}/src.stamp)
  add_custom_command(OUTPUT ${linux_src_stamp}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${linux_src}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${linux_src}
    COMMAND tar -xf ${RV_LINUX_SOURCE_TARBALL} -C ${linux_src} --strip-components=1
    COMMAND ${CMAKE_COMMAND} -E touch ${linux_src_stamp}
    DEPENDS ${RV_LINUX_SOURCE_TARBALL}
    COMMENT "Extracting ${RV_LINUX_SOURCE_TARBALL}" VERBATIM)
endif()

# 2. The static /init and the initramfs holding it: a gen_init_cpio list (/dev/console,
#    /proc, /sys, /init) turned into a newc cpio archive by the kernel's own usr/gen_init_cpio,
#    compiled here from the source tree (one C file) so that no root is needed for the device
#    node and the archive does not wait for the kernel build.
set(linux_init ${RV_LINUX_DIR}/init)
add_custom_command(OUTPUT ${linux_init}
  COMMAND ${RV_LINUX_CC} -static -O2 -s -std=gnu11 -Wall -Wextra -Werror
          -o ${linux_init} ${linux_here}/init.c
  DEPENDS ${linux_here}/init.c ${linux_here}/diskutil.h
  COMMENT "Building the Linux guest's static /init" VERBATIM)
set(linux_initramfs ${RV_LINUX_DIR}/initramfs.list)
file(CONFIGURE OUTPUT ${linux_initramfs} CONTENT
"dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init ${linux_init} 0755 0 0
")
set(linux_gen_init_cpio ${RV_LINUX_DIR}/gen_init_cpio)
add_custom_command(OUTPUT ${linux_gen_init_cpio}
  COMMAND cc -O2 -o ${linux_gen_init_cpio} ${linux_src}/usr/gen_init_cpio.c
  DEPENDS ${linux_src_stamp}
  COMMENT "Building the kernel's usr/gen_init_cpio for the host" VERBATIM)
set(RV_LINUX_INITRAMFS ${RV_LINUX_DIR}/init.cpio)
add_custom_command(OUTPUT ${RV_LINUX_INITRAMFS}
  COMMAND ${linux_gen_init_cpio} -t 0 ${linux_initramfs} > ${RV_LINUX_INITRAMFS}
  DEPENDS ${linux_gen_init_cpio} ${linux_init} ${linux_initramfs}
  COMMENT "Writing the Linux guest's initramfs init.cpio" VERBATIM)

# Relative fragment paths are relative to the top of the source tree.
set(linux_fragments)
foreach(frag IN LISTS RV_LINUX_CONFIG_FRAGMENT)
  get_filename_component(frag ${frag} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
  if(RV_BUILD_LINUX AND NOT EXISTS ${frag})
    message(FATAL_ERROR "RV_LINUX_CONFIG_FRAGMENT: ${frag} does not exist")
  endif()
  list(APPEND linux_fragments ${frag})
endforeach()

# 3. Configure: base config + fragments, olddefconfig, then check that every
#    fragment option survived (Kconfig drops unmet dependencies silently).
#    The chatty base-config and merge steps write to config.log.
set(linux_config_stamp ${RV_LINUX_DIR}/config.stamp)
add_custom_command(OUTPUT ${linux_config_stamp}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${linux_kout}
  COMMAND ${linux_make} -s -C ${linux_src} O=${linux_kout} ${RV_LINUX_BASE_CONFIG}
          > ${RV_LINUX_DIR}/config.log
  COMMAND ${CMAKE_COMMAND} -E chdir ${linux_kout}
          ${linux_src}/scripts/kconfig/merge_config.sh -m -O ${linux_kout}
          ${linux_kout}/.config ${linux_fragments} >> ${RV_LINUX_DIR}/config.log
  COMMAND ${linux_make} -s -C ${linux_src} O=${linux_kout} olddefconfig
  COMMAND ${Python3_EXECUTABLE} ${linux_here}/check_config.py ${linux_kout}/.config
          ${linux_fragments}
  COMMAND ${CMAKE_COMMAND} -E touch ${linux_config_stamp}
  DEPENDS ${linux_src_stamp} ${linux_fragments} ${linux_here}/check_config.py
  COMMENT "Configuring Linux: ${RV_LINUX_BASE_CONFIG} + ${RV_LINUX_CONFIG_FRAGMENT}" VERBATIM)

# 4. Build Image. The DEPENDS decide when to run Kbuild at all, so an unchanged tree is not
#    touched; /init is not in the Image, so a new /init rebuilds only init.cpio.
cmake_host_system_information(RESULT linux_jobs QUERY NUMBER_OF_LOGICAL_CORES)
add_custom_command(OUTPUT ${RV_LINUX_IMAGE}
  COMMAND ${linux_make} -C ${linux_src} O=${linux_kout} -j${linux_jobs} Image
  COMMAND ${CMAKE_COMMAND} -E copy ${linux_kout}/arch/riscv/boot/Image ${RV_LINUX_IMAGE}
  COMMAND ${CMAKE_COMMAND} -E touch ${RV_LINUX_IMAGE}
  DEPENDS ${linux_config_stamp}
  USES_TERMINAL VERBATIM
  COMMENT "Building the Linux guest Image (the first build takes about 10 minutes)")

if(RV_BUILD_LINUX)
  add_custom_target(linux-guest ALL DEPENDS ${RV_LINUX_IMAGE} ${RV_LINUX_INITRAMFS})
else()
  add_custom_target(linux-guest DEPENDS ${RV_LINUX_IMAGE} ${RV_LINUX_INITRAMFS})
  message(STATUS "RV_BUILD_LINUX=OFF: linux-guest is not built by default and the "
                 "linux.* tests are not registered")
endif()
