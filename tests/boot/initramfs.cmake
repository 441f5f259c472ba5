# A VM's initramfs (docs/usage.md, docs/configuration.md): loaded into guest RAM below the
# guest FDT and described by /chosen/linux,initrd-start and linux,initrd-end. The bare-metal
# guest guest-kernels/initramfs finds it there and checks every byte against the pattern of
# the data files written here (the Linux tests boot their /init from a separate cpio too:
# linux.cmake, linux_hv.cmake).
set(gk ${CMAKE_BINARY_DIR}/guest-kernels)
set(INITRAMFS_PATTERN ${gk}/initramfs-pattern.bin)
set(INITRAMFS_PATTERN_SIZE 300032) # whole 512-byte sectors: a disk holds it exactly
set(pattern_files)
foreach(f "pattern;${INITRAMFS_PATTERN_SIZE}" "3m;3145728" "5m;5242880")
  list(GET f 0 tag)
  list(GET f 1 size)
  add_custom_command(OUTPUT ${gk}/initramfs-${tag}.bin
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py
            ${gk}/initramfs-${tag}.bin ${size}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py
    COMMENT "Writing test data initramfs-${tag}.bin")
  list(APPEND pattern_files ${gk}/initramfs-${tag}.bin)
endforeach()
add_custom_target(initramfs-data ALL DEPENDS ${pattern_files})
set(INITRAMFS_OK "initramfs: ${INITRAMFS_PATTERN_SIZE} bytes at"
                 "initramfs: every byte as expected" "initramfs: all checks passed")
set(pattern_disk -drive file=${INITRAMFS_PATTERN},if=none,format=raw,id=x0,readonly=on
                 -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0)

# Natively: QEMU's -initrd, which proves what the guest checks.
add_qemu_test(boot.initramfs.native KERNEL ${gk}/initramfs.bin INITRD ${INITRAMFS_PATTERN}
  EXPECT ${INITRAMFS_OK} FORBID "checks failed")
# The default VM, kernel with -initrd, initramfs from the disk (initramfs=disk) ...
add_qemu_test(boot.initramfs.disk INITRD ${gk}/initramfs.elf APPEND "initramfs=disk"
  EXTRA ${pattern_disk}
  EXPECT "disk: read 293 KiB, data (no ELF or Linux Image)"
         "VM vm0: ELF image from initrd"
         "VM vm0: initramfs from disk, ${INITRAMFS_PATTERN_SIZE} bytes at 0x87f"
         ${INITRAMFS_OK} "VM vm0 stopped: shutdown requested by the guest" "powering off"
  FORBID "checks failed" "rustyvisor: error")
# ... and the other way round: kernel from the disk, initramfs with -initrd (initramfs=initrd).
add_qemu_test(boot.initramfs.initrd INITRD ${INITRAMFS_PATTERN} APPEND "initramfs=initrd mem=64M"
  EXTRA -drive file=${gk}/initramfs.elf,if=none,format=raw,id=x0,readonly=on
        -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
  EXPECT "disk: read" "a kernel image"
         "VM vm0: ELF image from disk"
         "VM vm0: initramfs from initrd, ${INITRAMFS_PATTERN_SIZE} bytes at 0x83f"
         ${INITRAMFS_OK} "VM vm0 stopped: shutdown requested by the guest" "powering off"
  FORBID "checks failed" "rustyvisor: error")

# From a configuration: embedded (/incbin/) and from the disk, beside a VM whose initramfs is
# too big for its RAM and one whose initramfs would overlap its kernel: each bad VM gets one
# error naming it, and the hypervisor runs the good ones to their end.
rv_add_config(initramfs SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/initramfs.dts
  DEPENDS guest-kernels ${pattern_files})
add_qemu_test(vms.initramfs SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/initramfs.dtb
  EXTRA ${pattern_disk}
  EXPECT "VM embedded: initramfs from embedded, ${INITRAMFS_PATTERN_SIZE} bytes at 0x807"
         "VM fromdisk: initramfs from disk, ${INITRAMFS_PATTERN_SIZE} bytes at 0x807"
         "error: VM toobig: initramfs (embedded): initramfs of 5120 KiB is too big for the VM's RAM (4032 KiB below the guest FDT)"
         "error: VM overlap: initramfs (embedded): initramfs of 3072 KiB at 0x800f0000-0x803f0000 overlaps the kernel (0x80200000-"
         "[embedded] initramfs: every byte as expected"
         "[embedded] initramfs: all checks passed"
         "VM embedded stopped: shutdown requested by the guest"
         "VM embedded exits:"
         "[fromdisk] initramfs: every byte as expected"
         "[fromdisk] initramfs: all checks passed"
         "VM fromdisk stopped: shutdown requested by the guest"
         "no VM left: powering off"
  FORBID "checks failed" "VM fromdisk exits:")

# The default VM's named errors: an initramfs too big for its RAM, one that would reach its
# kernel (the embedded hello guest at 2 MiB); no VM is left to run, a clean power-off.
add_qemu_test(boot.initramfs.too-big INITRD ${gk}/initramfs-5m.bin APPEND "mem=4M initramfs=initrd"
  EXPECT "error: VM vm0: initramfs (initrd): initramfs of 5120 KiB is too big for the VM's RAM"
         "error: no VM could be created" "powering off"
  FORBID "hello:")
add_qemu_test(boot.initramfs.overlap INITRD ${gk}/initramfs-3m.bin APPEND "mem=4M initramfs=initrd"
  EXPECT "error: VM vm0: initramfs (initrd): initramfs of 3072 KiB at 0x800f0000-0x803f0000 overlaps the kernel (0x80200000-"
         "error: no VM could be created" "powering off"
  FORBID "hello:")

# Bad options: an initramfs from a source that is not there.
add_qemu_test(boot.initramfs.no-initrd APPEND "initramfs=initrd"
  EXPECT "error: -append initramfs=initrd: no -initrd was given" "powering off"
  FORBID "initramfs:")
add_qemu_test(boot.initramfs.no-disk INITRD ${gk}/initramfs.elf APPEND "initramfs=disk"
  EXPECT "error: VM vm0: -append initramfs=: no virtio-blk disk"
         "error: no VM could be created" "powering off"
  FORBID "initramfs:")
add_qemu_test(boot.initramfs.bad-option APPEND "initramfs=tape"
  EXPECT "error: -append \"initramfs=tape\": bad value in 'initramfs=tape': initramfs= takes disk or initrd"
         "powering off"
  FORBID "initramfs:")
