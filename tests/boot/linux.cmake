# Linux guest (guest-kernels/linux) booted NATIVELY on OpenSBI: proves the Image and its /init
# before the hypervisor runs them. Label `linux`. The Image is built by ALL (RV_BUILD_LINUX=ON);
# if it is missing, linux.native.image fails and names the fix, and the boot tests do not run.
# The Image has no built-in initramfs: every Linux test hands it init.cpio, the initramfs with
# its /init (QEMU's -initrd here; the VM's initramfs in linux_hv.cmake), so one kernel build
# serves them all. Without it the kernel finds no init and panics.

if(NOT RV_BUILD_LINUX)
  return()
endif()

set(LINUX_IMAGE ${CMAKE_BINARY_DIR}/guest-kernels/linux/Image)
set(LINUX_INITRAMFS ${CMAKE_BINARY_DIR}/guest-kernels/linux/init.cpio)

# What init computes (guest-kernels/linux/init.c, COMPUTE_ITERATIONS): a change there changes this.
set(LINUX_COMPUTE_RESULT "rvinit: compute result 26722e8a44fbd1b1 in")

add_test(NAME linux.native.image
         COMMAND ${CMAKE_COMMAND} -DIMAGE=${LINUX_IMAGE}
                 -P ${PROJECT_SOURCE_DIR}/guest-kernels/linux/check_image.cmake)
set_tests_properties(linux.native.image PROPERTIES LABELS linux FIXTURES_SETUP linux-image)

# The kernel's "console enabled" and "CPUs brought up" lines, in the order they come: hvc0 is
# registered by a console_initcall, before the secondary harts start; ttyS0 only when the 8250
# driver probes, after them. Also used by linux_hv.cmake.
function(linux_console_and_smp_markers out console cpus)
  set(smp "smp: Brought up 1 node, ${cpus} CPU")
  set(con "printk: console [${console}] enabled")
  if(console STREQUAL "hvc0")
    set(${out} "${con}" "${smp}" PARENT_SCOPE)
  else()
    set(${out} "${smp}" "${con}" PARENT_SCOPE)
  endif()
endfunction()

# A native boot of the Image with <SMP> harts and console=<CONSOLE>, checking every marker in order.
function(add_linux_native_test name)
  cmake_parse_arguments(L "" "SMP;CONSOLE" "EXTRA;VIRTIO" ${ARGN})
  if(NOT L_VIRTIO)
    set(L_VIRTIO "rvinit: virtio devices 0")
  endif()
  linux_console_and_smp_markers(console_and_smp ${L_CONSOLE} ${L_SMP})
  add_qemu_test(linux.native.${name} KERNEL ${LINUX_IMAGE} INITRD ${LINUX_INITRAMFS}
    SMP ${L_SMP} NATIVE TIMEOUT 300 LABELS linux
    APPEND "console=${L_CONSOLE} earlycon=sbi"
    EXTRA ${L_EXTRA}
    EXPECT "Linux version 6.1"
           "Machine model: riscv-virtio,qemu"
           ${console_and_smp}
           "Run /init as init process"
           "rvinit: started"
           "rvinit: uptime at init "
           "rvinit: time since reset "
           "rvinit: kernel 6.1."
           "rvinit: cpus online ${L_SMP} "
           "rvinit: riscv,isa rv64imafdc"
           ${L_VIRTIO}
           "${LINUX_COMPUTE_RESULT}"
           "rvinit: powering off"
           "reboot: Power down"
    FORBID "rvinit: riscv,isa unknown" "check(s) failed" "BUG:" "WARNING:"
           "Unable to handle kernel" "Unable to mount root" "Initramfs unpacking failed")
  set_tests_properties(linux.native.${name} PROPERTIES FIXTURES_REQUIRED linux-image)
endfunction()

add_linux_native_test(smp1.ttyS0 SMP 1 CONSOLE ttyS0)
add_linux_native_test(smp4.ttyS0 SMP 4 CONSOLE ttyS0)
add_linux_native_test(smp1.hvc0 SMP 1 CONSOLE hvc0)
add_linux_native_test(smp4.hvc0 SMP 4 CONSOLE hvc0)

# virtio-mmio devices are listed with their ids and bound drivers. virtio-input needs a
# modern (VIRTIO_F_VERSION_1) transport; QEMU's virtio-mmio is legacy unless told otherwise.
add_linux_native_test(virtio SMP 2 CONSOLE ttyS0
  EXTRA -global virtio-mmio.force-legacy=false
        -device virtio-keyboard-device -device virtio-rng-device
  VIRTIO "rvinit: virtio devices 2"
         "rvinit: virtio virtio0 device 0x0012 driver virtio_input"
         "rvinit: virtio virtio1 device 0x0004 driver none")
