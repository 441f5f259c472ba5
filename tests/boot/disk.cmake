# The seed's workflow: the hypervisor reads the kernel from the first
# virtio-blk disk (its own driver, legacy and modern virtio-mmio) when no
# -initrd is given, or when a configuration says kernel-source = "disk".
set(fw_disk_args if=none,format=raw,id=x0,readonly=on)
function(disk_args out file)
  set(${out} -drive file=${file},${fw_disk_args}
      -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 ${ARGN} PARENT_SCOPE)
endfunction()

set(smp_elf ${CMAKE_BINARY_DIR}/guest-kernels/smp.elf)
disk_args(legacy ${smp_elf})
disk_args(modern ${smp_elf} -global virtio-mmio.force-legacy=false)
set(legacy_version "version 1 (legacy)")
set(modern_version "version 2 (modern)")
foreach(mode legacy modern)
  add_qemu_test(disk.elf.${mode} SMP 2 APPEND "vcpus=2" EXTRA ${${mode}}
    EXPECT "virtio-blk: slot 0x10001000, virtio-mmio ${${mode}_version}"
           "KiB, a kernel image"
           "VM vm0: ELF image from disk"
           "smp: 2 harts, 40 rounds: IPIs and remote fences ok"
           "smp: done" "powering off"
    # The whole image was read: the disk (whole 512-byte sectors, shown in
    # KiB rounded down) gave the ELF's size.
    VALUES "kib=disk: read ([0-9]+) KiB, a kernel image"
           "bytes=VM vm0: ELF image from disk, ([0-9]+) bytes"
    CHECKS "kib == (bytes + 511) // 512 // 2")
endforeach()

# A disk that holds data, not a kernel: the embedded guest boots instead.
disk_args(data ${PROJECT_SOURCE_DIR}/docs/examples/hello-and-smp.dts)
add_qemu_test(disk.data EXTRA ${data}
  EXPECT "holds no ELF or Linux Image: booting the embedded guest"
         "VM vm0: ELF image from embedded" "hello: all checks passed" "powering off")

# A broken ELF on the disk: a clear error, no VM, the machine powers off.
disk_args(bad ${BAD_ELF})
add_qemu_test(disk.bad-elf EXTRA ${bad}
  EXPECT "error: VM vm0: guest image (disk): ELF segment 0: outside guest RAM"
         "error: no VM could be created" "powering off"
  FORBID "hello:")

# A configuration whose VM boots from the disk, beside an embedded one.
rv_add_config(disk-and-hello SOURCE ${PROJECT_SOURCE_DIR}/docs/examples/disk-and-hello.dts
  DEPENDS guest-kernels)
add_qemu_test(disk.config SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/disk-and-hello.dtb
  EXTRA ${modern}
  EXPECT "VM mine: ELF image from disk"
         "[mine] smp: 2 harts, 40 rounds: IPIs and remote fences ok"
         "[hello] hello: all checks passed"
         "no VM left: powering off")
# The same configuration without a disk: that VM alone is refused.
add_qemu_test(disk.config-nodisk SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/disk-and-hello.dtb
  EXPECT "error: VM mine: property 'kernel-source': no virtio-blk disk"
         "[hello] hello: all checks passed"
         "no VM left: powering off")
