# The Linux guest (guest-kernels/linux) on a real file system: ext4 on a virtio disk, made on
# the host by `mke2fs -t ext4 -d` (tests/boot/ext4_image.py make). rvinit's disk modes
# (rv.disk=check|reboot, guest-kernels/linux/init.c) mount it, check /known.bin's SHA-256,
# write a file, fsync, and read it back after a remount or a reboot. Where the disk is a host
# file (natively, and a host disk under rustyvisor) the test then reads the written file out
# of the image on the host (debugfs) and finds the file system clean (e2fsck -fn):
# ext4_image.py run wraps the boot test (add_qemu_test WRAPPER), on a fresh copy of the image
# each run. Label `linux`.
if(NOT RV_BUILD_LINUX)
  return()
endif()

# The SHA-256 of /known.bin (ext4_image.py: KNOWN_BYTES of the pattern of KNOWN_TAG); the
# image step fails if the two disagree.
set(EXT4_SHA256 a15aee00810c52a6ff1f533e8a7e286a8d9ca4e60206a706dd47eba66b8823d4)
set(EXT4_NEWFILE_BYTES 300001) # init.c NEWFILE_BYTES
set(EXT4_IMAGE ${CMAKE_BINARY_DIR}/guest-kernels/ext4.img)
set(ext4_tool ${CMAKE_CURRENT_SOURCE_DIR}/ext4_image.py)
add_custom_command(OUTPUT ${EXT4_IMAGE}
  COMMAND ${Python3_EXECUTABLE} ${ext4_tool} make ${EXT4_IMAGE} 16 ${EXT4_SHA256}
  DEPENDS ${ext4_tool}
  COMMENT "mke2fs -t ext4 -d: the Linux guest's ext4 image ext4.img")
# The same file system as partition 2 ("root") of a GPT disk, partition 1 ("boot") a pattern.
set(EXT4_GPT_IMAGE ${CMAKE_BINARY_DIR}/guest-kernels/ext4-gpt.img)
add_custom_command(OUTPUT ${EXT4_GPT_IMAGE}
  COMMAND ${Python3_EXECUTABLE} ${ext4_tool} gpt ${EXT4_GPT_IMAGE} ${EXT4_IMAGE}
  DEPENDS ${ext4_tool} ${EXT4_IMAGE}
  COMMENT "ext4-gpt.img: ext4.img as partition 2 of a GPT disk")
add_custom_target(ext4-image ALL DEPENDS ${EXT4_IMAGE} ${EXT4_GPT_IMAGE})
set(ext4_work ${CMAKE_BINARY_DIR}/tests/ext4)
file(MAKE_DIRECTORY ${ext4_work})

# What rvinit's check mode prints on /dev/<dev> with tag <tag>, behind console label <label>.
function(ext4_check_markers out label dev tag)
  set(p "${label}rvinit: disk: ")
  set(${out}
    "${p}/dev/${dev} mounted ext4"
    "${p}/known.bin sha256 ${EXT4_SHA256} (1048699 bytes): as expected"
    "${p}wrote /newfile (${EXT4_NEWFILE_BYTES} bytes, tag ${tag}), fsynced"
    "${p}unmounted"
    "${p}/dev/${dev} mounted ext4 read-only"
    "${p}/newfile read back after the remount: as written"
    "${p}check done"
    "${label}rvinit: powering off" PARENT_SCOPE)
endfunction()
# What rvinit's reboot mode prints over its two boots (only lines that differ between them
# after the first: a marker is never matched early).
function(ext4_reboot_markers out dev tag)
  set(p "rvinit: disk: ")
  set(${out}
    "${p}/dev/${dev} mounted ext4"
    "${p}/known.bin sha256 ${EXT4_SHA256} (1048699 bytes): as expected"
    "${p}no /reboot.bin: wrote it (${EXT4_NEWFILE_BYTES} bytes, tag ${tag}), fsynced, rebooting"
    "${p}/dev/${dev} mounted ext4"
    "${p}/known.bin sha256 ${EXT4_SHA256} (1048699 bytes): as expected"
    "${p}/reboot.bin found after the reboot: as written (tag ${tag})"
    "${p}reboot check done"
    "rvinit: powering off" PARENT_SCOPE)
endfunction()
set(EXT4_FORBID "check(s) failed" "BUG:" "WARNING:" "Unable to handle kernel" "EXT4-fs error"
    "I/O error" "JBD2: " "rustyvisor: error")
set(EXT4_BOOTARGS "rv.disk.sha256=${EXT4_SHA256}")

# add_ext4_test(<name> [HV] [REBOOT] [DISK] [TAG n] [SMP n] [APPEND str] [EXPECT...] ...):
# one boot test of the Linux guest on ext4. DISK: the image is a host file, a fresh copy per
# run at bus=virtio-mmio-bus.0, and after the run the host checks it (debugfs: /newfile or
# /reboot.bin holds the tag's pattern; e2fsck -fn: clean). Without HV it boots natively (the
# Image and init.cpio straight on OpenSBI); with HV the caller's INITRD and APPEND say how.
function(add_ext4_test name)
  cmake_parse_arguments(E "HV;REBOOT;DISK" "TAG;SMP;INITRD;APPEND;MEM" "EXPECT;EXTRA" ${ARGN})
  if(NOT E_SMP)
    set(E_SMP 1)
  endif()
  if(NOT E_MEM)
    set(E_MEM 512M)
  endif()
  set(args)
  if(E_DISK)
    set(copy ${ext4_work}/${name}.img)
    if(E_REBOOT)
      set(file /reboot.bin)
    else()
      set(file /newfile)
    endif()
    list(APPEND args
      EXTRA -drive file=${copy},if=none,format=raw,id=ext4disk
            -device virtio-blk-device,drive=ext4disk,bus=virtio-mmio-bus.0 ${E_EXTRA}
      WRAPPER ${Python3_EXECUTABLE} ${ext4_tool} run --image ${EXT4_IMAGE}=${copy}
              --expect-file ${copy}:${file}=${E_TAG}:${EXT4_NEWFILE_BYTES} --)
  elseif(E_EXTRA)
    list(APPEND args EXTRA ${E_EXTRA})
  endif()
  if(E_HV)
    list(APPEND args INITRD ${E_INITRD})
    if(DEFINED E_APPEND)
      list(APPEND args APPEND "${E_APPEND}")
    endif()
  else()
    if(E_REBOOT)
      set(mode reboot)
    else()
      set(mode check)
    endif()
    list(APPEND args NATIVE KERNEL ${LINUX_IMAGE} INITRD ${LINUX_INITRAMFS}
         APPEND "console=ttyS0 earlycon=sbi rv.disk=${mode} ${EXT4_BOOTARGS} rv.disk.tag=${E_TAG}")
  endif()
  add_qemu_test(linux.${name} TIMEOUT 400 LABELS linux SMP ${E_SMP} MEM ${E_MEM} ${args}
    EXPECT ${E_EXPECT}
    FORBID ${EXT4_FORBID})
  set_tests_properties(linux.${name} PROPERTIES FIXTURES_REQUIRED linux-image)
endfunction()

# --- natively: QEMU's virtio-blk seen directly (proves the guest and the host-side checks)
ext4_check_markers(m "" vda 3)
add_ext4_test(native.ext4.check DISK TAG 3
  EXPECT "Run /init as init process" ${m} "reboot: Power down")
ext4_reboot_markers(m vda 4)
add_ext4_test(native.ext4.reboot DISK REBOOT TAG 4
  EXPECT "Run /init as init process" ${m} "reboot: Power down")

# The file system in partition 2 of a GPT disk (Linux's own partition scan: /dev/vda2): the
# guest writes there and nowhere else (the host finds everything outside the partition as it
# was). Proves the GPT image the host-disk partition tests use.
ext4_check_markers(m "" vda2 8)
set(copy ${ext4_work}/native.ext4.gpt.img)
add_qemu_test(linux.native.ext4.gpt TIMEOUT 400 LABELS linux NATIVE
  KERNEL ${LINUX_IMAGE} INITRD ${LINUX_INITRAMFS}
  APPEND "console=ttyS0 earlycon=sbi rv.disk=check rv.disk.dev=vda2 ${EXT4_BOOTARGS} rv.disk.tag=8"
  EXTRA -drive file=${copy},if=none,format=raw,id=d0
        -device virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0
  WRAPPER ${Python3_EXECUTABLE} ${ext4_tool} run --image ${EXT4_GPT_IMAGE}=${copy}
          --expect-file "${copy}#2:/newfile=8:${EXT4_NEWFILE_BYTES}" --unchanged "${copy}#2" --
  EXPECT " vda: vda1 vda2" "Run /init as init process" ${m} "reboot: Power down"
  FORBID ${EXT4_FORBID})
set_tests_properties(linux.native.ext4.gpt PROPERTIES FIXTURES_REQUIRED linux-image)

# --- under rustyvisor, the image as the VM's RAM disk (configuration: ramdisk = /incbin/):
#     written back nowhere, so the guest's own remount and reboot are the proof.
set(ext4_cfg ${CMAKE_BINARY_DIR}/configs-src)
set(EXT4_BENCH_ARGS "rv.disk.mib=16 rv.disk.qd1=300 rv.disk.qd32=1200")
foreach(mode check reboot bench)
  set(EXT4_MODE ${mode})
  set(EXT4_EXTRA "")
  if(mode STREQUAL "bench")
    set(EXT4_EXTRA " ${EXT4_BENCH_ARGS}")
  endif()
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/configs/ext4-ramdisk.dts.in
                 ${ext4_cfg}/ext4-ramdisk-${mode}.dts @ONLY)
  rv_add_config(ext4-ramdisk-${mode} SOURCE ${ext4_cfg}/ext4-ramdisk-${mode}.dts
    DEPENDS ext4-image linux-guest)
endforeach()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/configs/ext4-ramdisk-two.dts.in
               ${ext4_cfg}/ext4-ramdisk-two.dts @ONLY)
rv_add_config(ext4-ramdisk-two SOURCE ${ext4_cfg}/ext4-ramdisk-two.dts
  DEPENDS ext4-image linux-guest)

set(ramdisk_line "VM linux: virtio-blk RAM disk at 0x10001000 (PLIC source 1), 32768 sectors")
ext4_check_markers(m "" vda 5)
add_ext4_test(hv.ext4.ramdisk.check HV INITRD ${CMAKE_BINARY_DIR}/configs/ext4-ramdisk-check.dtb
  EXPECT "${ramdisk_line}" "Machine model: rustyvisor VM linux" "Run /init as init process" ${m}
         "VM linux stopped: shutdown requested by the guest" "VM linux exits: mmio:"
         "no VM left: powering off")
ext4_reboot_markers(m vda 5)
add_ext4_test(hv.ext4.ramdisk.reboot HV INITRD ${CMAKE_BINARY_DIR}/configs/ext4-ramdisk-reboot.dtb
  EXPECT "${ramdisk_line}" "Run /init as init process" ${m}
         "VM linux stopped: shutdown requested by the guest" "reboots=1"
         "no VM left: powering off")
ext4_check_markers(ma "[a] " vda 11)
ext4_check_markers(mb "[b] " vda 12)
add_ext4_test(hv.ext4.ramdisk.two-vms HV SMP 2 MEM 1G
  INITRD ${CMAKE_BINARY_DIR}/configs/ext4-ramdisk-two.dtb
  EXPECT "[a] Run /init as init process" ${ma} "VM a stopped: shutdown requested by the guest"
         "[b] Run /init as init process" ${mb} "VM b stopped: shutdown requested by the guest"
         "no VM left: powering off")

# --- the disk benchmark's guest side (rvinit rv.disk=bench; the figures are scripts/bench.py's,
#     never judged here): it runs every measurement to its end on a 16 MiB scratch disk,
#     natively and under rustyvisor, and each one has the disk complete requests (at least
#     one per two operations: the block layer may merge neighbouring random reads) and takes
#     the disk's interrupts.
set(EXT4_BENCH_MARKERS "rvinit: bench: /dev/vda, 16777216 bytes, measuring 16 MiB")
set(EXT4_BENCH_VALUES)
set(EXT4_BENCH_CHECKS)
foreach(b "seqread-1m;seqread" "randread-4k-qd1;qd1" "randread-4k-qd32;qd32"
          "seqwrite-1m-fsync;seqwrite")
  list(GET b 0 name)
  list(GET b 1 v)
  list(APPEND EXT4_BENCH_MARKERS "rvinit: bench: ${name} ")
  list(APPEND EXT4_BENCH_VALUES "${v}_ops=bench: ${name} .* \\((\\d+) ops"
       "${v}_req=bench: ${name} .* (\\d+) requests" "${v}_irq=bench: ${name} .* (\\d+) interrupts")
  list(APPEND EXT4_BENCH_CHECKS "${v}_req * 2 >= ${v}_ops and ${v}_irq >= 1") # merges
endforeach()
list(APPEND EXT4_BENCH_MARKERS "rvinit: bench: done" "rvinit: powering off")
add_qemu_test(linux.native.ext4.bench TIMEOUT 400 LABELS linux NATIVE
  KERNEL ${LINUX_IMAGE} INITRD ${LINUX_INITRAMFS}
  APPEND "console=ttyS0 earlycon=sbi rv.disk=bench ${EXT4_BENCH_ARGS}"
  EXTRA -drive file=${ext4_work}/native-bench.img,if=none,format=raw,id=bench,cache=none
        -device virtio-blk-device,drive=bench,bus=virtio-mmio-bus.0
  WRAPPER ${Python3_EXECUTABLE} ${ext4_tool} run --blank ${ext4_work}/native-bench.img=16 --
  EXPECT "Run /init as init process" ${EXT4_BENCH_MARKERS} "reboot: Power down"
  VALUES ${EXT4_BENCH_VALUES} CHECKS ${EXT4_BENCH_CHECKS}
  FORBID ${EXT4_FORBID})
set_tests_properties(linux.native.ext4.bench PROPERTIES FIXTURES_REQUIRED linux-image)
add_qemu_test(linux.hv.ext4.ramdisk.bench TIMEOUT 400 LABELS linux
  INITRD ${CMAKE_BINARY_DIR}/configs/ext4-ramdisk-bench.dtb
  EXPECT "${ramdisk_line}" "Run /init as init process" ${EXT4_BENCH_MARKERS}
         "VM linux stopped: shutdown requested by the guest" "VM linux exits: mmio:"
         "no VM left: powering off"
  VALUES ${EXT4_BENCH_VALUES} CHECKS ${EXT4_BENCH_CHECKS}
  FORBID ${EXT4_FORBID})
set_tests_properties(linux.hv.ext4.ramdisk.bench PROPERTIES FIXTURES_REQUIRED linux-image)

# --- under rustyvisor, the image on a host disk (QEMU's virtio-blk driven by the hypervisor)
include(${CMAKE_CURRENT_SOURCE_DIR}/ext4_hostdisk.cmake)
