# Unmodified Linux (guest-kernels/linux) as a guest of rustyvisor, handed over
# with -initrd like a user's own kernel, its /init in a separate initramfs
# (init.cpio) on a virtio-blk disk (-append initramfs=disk): 1, 2 and 4 vCPUs,
# the emulated UART (console=ttyS0) and the SBI console (console=hvc0), with
# Sstc and without. stats=on: the exit counters follow the stop line.
if(NOT RV_BUILD_LINUX)
  return()
endif()

# add_linux_hv_test(<name> SMP <harts> VCPUS <n> CONSOLE <ttyS0|hvc0> [CPU <model>])
function(add_linux_hv_test name)
  cmake_parse_arguments(L "" "SMP;VCPUS;CONSOLE;CPU" "" ${ARGN})
  if(NOT L_CPU)
    set(L_CPU rv64)
  endif()
  linux_console_and_smp_markers(console_and_smp ${L_CONSOLE} ${L_VCPUS})
  if(L_CPU MATCHES "sstc=off")
    set(feature "features: H yes, Sstc no")
  else()
    set(feature "features: H yes, Sstc yes")
  endif()
  add_qemu_test(linux.hv.${name} SMP ${L_SMP} CPU ${L_CPU} TIMEOUT 400 LABELS linux
    INITRD ${LINUX_IMAGE}
    APPEND "initramfs=disk stats=on mem=256M vcpus=${L_VCPUS} -- console=${L_CONSOLE} earlycon=sbi"
    EXTRA -drive file=${LINUX_INITRAMFS},if=none,format=raw,id=x0,readonly=on
          -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
    EXPECT "${feature}"
           "VM vm0: Linux Image image from initrd"
           "VM vm0: initramfs from disk, "
           "Linux version 6.1"
           "Machine model: rustyvisor VM vm0"
           ${console_and_smp}
           "Run /init as init process"
           "rvinit: started"
           "rvinit: cpus online ${L_VCPUS} "
           "rvinit: riscv,isa rv64imafdc"
           "${LINUX_COMPUTE_RESULT}"
           "rvinit: powering off"
           "reboot: Power down"
           "VM vm0 stopped: shutdown requested by the guest"
           "VM vm0 exits:"
           "powering off"
    FORBID "rvinit: riscv,isa unknown" "check(s) failed" "BUG:" "WARNING:"
           "Unable to handle kernel" "Unable to mount root" "Initramfs unpacking failed"
           "rustyvisor: error")
  set_tests_properties(linux.hv.${name} PROPERTIES FIXTURES_REQUIRED linux-image)
endfunction()

add_linux_hv_test(h1.v1.ttyS0 SMP 1 VCPUS 1 CONSOLE ttyS0)
add_linux_hv_test(h1.v1.hvc0 SMP 1 VCPUS 1 CONSOLE hvc0)
add_linux_hv_test(h2.v2.ttyS0 SMP 2 VCPUS 2 CONSOLE ttyS0)
add_linux_hv_test(h2.v4.hvc0 SMP 2 VCPUS 4 CONSOLE hvc0)
add_linux_hv_test(h4.v4.ttyS0 SMP 4 VCPUS 4 CONSOLE ttyS0)
add_linux_hv_test(h1.v1.ttyS0.nosstc SMP 1 VCPUS 1 CONSOLE ttyS0 CPU rv64,sstc=off)
add_linux_hv_test(h2.v4.hvc0.nosstc SMP 2 VCPUS 4 CONSOLE hvc0 CPU rv64,sstc=off)

# Keys typed while Linux boots (under SBI earlycon, before ttyS0 or hvc0 is open) wait for the
# console init reads (rvinit.read): none lost when Linux opens and resets its UART, none twice.
foreach(console ttyS0 hvc0)
  add_qemu_test(linux.hv.input.${console} TIMEOUT 400 LABELS linux
    INITRD ${LINUX_IMAGE}
    APPEND "initramfs=disk mem=256M -- console=${console} earlycon=sbi rvinit.read"
    EXTRA -drive file=${LINUX_INITRAMFS},if=none,format=raw,id=x0,readonly=on
          -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
    EXPECT "Linux version 6.1"
           "printk: console [${console}] enabled"
           "rvinit: started"
           "rvinit: reading a line from the console"
           "rvinit: console line 'typed while Linux boots'"
           "rvinit: powering off"
           "VM vm0 stopped: shutdown requested by the guest"
    FORBID "check(s) failed" "BUG:" "WARNING:" "rustyvisor: error"
    INPUT "Linux version 6.1=typed while Linux boots\\r")
  set_tests_properties(linux.hv.input.${console} PROPERTIES FIXTURES_REQUIRED linux-image)
endforeach()

# The user's own kernel from a virtio-blk disk (modern interface), its initramfs with
# -initrd (-append initramfs=initrd).
add_qemu_test(linux.hv.disk SMP 2 TIMEOUT 400 LABELS linux
  INITRD ${LINUX_INITRAMFS}
  APPEND "initramfs=initrd mem=256M vcpus=2 -- console=ttyS0 earlycon=sbi"
  EXTRA -drive file=${LINUX_IMAGE},if=none,format=raw,id=x0,readonly=on
        -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
        -global virtio-mmio.force-legacy=false
  EXPECT "virtio-blk: slot 0x10001000, virtio-mmio version 2 (modern)"
         "VM vm0: Linux Image image from disk"
         "VM vm0: initramfs from initrd, "
         "Linux version 6.1"
         "rvinit: cpus online 2 "
         "${LINUX_COMPUTE_RESULT}"
         "VM vm0 stopped: shutdown requested by the guest"
  FORBID "check(s) failed" "BUG:" "WARNING:" "rustyvisor: error" "VM vm0 exits:")
set_tests_properties(linux.hv.disk PROPERTIES FIXTURES_REQUIRED linux-image)

# Linux and a bare-metal guest side by side (the README's demo), Linux's initramfs embedded
# in the configuration (initramfs = /incbin/).
add_qemu_test(linux.hv.two-vms SMP 2 TIMEOUT 400 LABELS linux
  INITRD ${CMAKE_BINARY_DIR}/configs/linux-and-hello.dtb
  EXPECT "VM linux: Linux Image image from embedded"
         "VM linux: initramfs from embedded, "
         "VM hello: ELF image from embedded"
         "[linux] Linux version 6.1"
         "[linux] Machine model: rustyvisor VM linux"
         "[linux] rvinit: cpus online 2 "
         "[linux] ${LINUX_COMPUTE_RESULT}"
         "[linux] rvinit: powering off"
         "VM linux stopped: shutdown requested by the guest"
         "[hello] hello: timer interrupt taken (SBI set_timer)"
         "[hello] hello: accesses outside RAM -> access faults"
         "[hello] hello: all checks passed"
         "VM hello stopped: shutdown requested by the guest"
         "no VM left: powering off"
  FORBID "check(s) failed" "BUG:" "WARNING:" "rustyvisor: error")
set_tests_properties(linux.hv.two-vms PROPERTIES FIXTURES_REQUIRED linux-image)
