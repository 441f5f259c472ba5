# The Linux guest on ext4 from a HOST disk under rustyvisor (docs/configuration.md: disk@N,
# host-disk): QEMU's virtio-blk driven by the hypervisor, the VM's own virtio-blk in front of
# it, the image a host file. As natively (ext4.cmake), ext4_image.py run gives each run a fresh
# copy of the image and afterwards reads the guest's file out of it (debugfs) and checks it
# (e2fsck -fn): what the guest wrote went through both virtio-blk layers onto the host file.
# Included by ext4.cmake (its functions and variables). Label `linux`.

# add_ext4_hostdisk_test(<name> INITRD <file> [APPEND str] [SMP n] [MEM m] [SLOT0 <file>] [GPT]
#   DISKS <slot>=<file in ext4_work> ... CHECKS <ext4_image.py run options> ... EXPECT ...)
# Host slot 0 is SLOT0 (read-only) when given, the DISKS fresh copies of the ext4 image (GPT:
# of the GPT disk holding it as partition 2).
function(add_ext4_hostdisk_test name)
  cmake_parse_arguments(E "GPT" "INITRD;APPEND;SMP;MEM;SLOT0" "DISKS;CHECKS;EXPECT;FORBID" ${ARGN})
  set(pristine ${EXT4_IMAGE})
  if(E_GPT)
    set(pristine ${EXT4_GPT_IMAGE})
  endif()
  if(NOT E_SMP)
    set(E_SMP 1)
  endif()
  if(NOT E_MEM)
    set(E_MEM 512M)
  endif()
  set(extra)
  set(wrap ${Python3_EXECUTABLE} ${ext4_tool} run)
  if(E_SLOT0)
    list(APPEND extra -drive file=${E_SLOT0},if=none,format=raw,id=slot0,readonly=on
         -device virtio-blk-device,drive=slot0,bus=virtio-mmio-bus.0)
  endif()
  foreach(d IN LISTS E_DISKS)
    string(REPLACE "=" ";" d ${d})
    list(GET d 0 slot)
    list(GET d 1 file)
    list(APPEND extra -drive file=${ext4_work}/${file},if=none,format=raw,id=slot${slot}
         -device virtio-blk-device,drive=slot${slot},bus=virtio-mmio-bus.${slot})
    list(APPEND wrap --image ${pristine}=${ext4_work}/${file})
  endforeach()
  set(args)
  if(DEFINED E_APPEND)
    set(args APPEND "${E_APPEND}")
  endif()
  add_qemu_test(linux.hv.ext4.${name} TIMEOUT 400 LABELS linux SMP ${E_SMP} MEM ${E_MEM}
    INITRD ${E_INITRD} ${args}
    EXTRA ${extra}
    WRAPPER ${wrap} ${E_CHECKS} --
    EXPECT ${E_EXPECT}
    FORBID ${EXT4_FORBID} ${E_FORBID})
  set_tests_properties(linux.hv.ext4.${name} PROPERTIES FIXTURES_REQUIRED linux-image)
endfunction()

# One VM, its disk@0 the host's slot 1: check (the host reads /newfile back), reboot (the
# host reads /reboot.bin: written before the reboot, found after it).
# part: the disk is partition "root" (2) of a GPT disk: the guest sees only it, as /dev/vda.
foreach(cfg check reboot part)
  set(EXT4_MODE ${cfg})
  set(EXT4_DISK_EXTRA "")
  if(cfg STREQUAL "part")
    set(EXT4_MODE check)
    set(EXT4_DISK_EXTRA "\n\t\t\t\tpartition-name = \"root\";")
  endif()
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/configs/ext4-hostdisk.dts.in
                 ${ext4_cfg}/ext4-hostdisk-${cfg}.dts @ONLY)
  rv_add_config(ext4-hostdisk-${cfg} SOURCE ${ext4_cfg}/ext4-hostdisk-${cfg}.dts
    DEPENDS linux-guest)
endforeach()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/configs/ext4-hostdisk-two.dts.in
               ${ext4_cfg}/ext4-hostdisk-two.dts @ONLY)
rv_add_config(ext4-hostdisk-two SOURCE ${ext4_cfg}/ext4-hostdisk-two.dts DEPENDS linux-guest)

set(hostdisk_line "VM linux: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 32768 sectors")
ext4_check_markers(m "" vda 6)
add_ext4_hostdisk_test(hostdisk.check INITRD ${CMAKE_BINARY_DIR}/configs/ext4-hostdisk-check.dtb
  DISKS 1=hostdisk.check.img
  CHECKS --expect-file ${ext4_work}/hostdisk.check.img:/newfile=6:${EXT4_NEWFILE_BYTES}
  EXPECT "${hostdisk_line}" "Machine model: rustyvisor VM linux" "Run /init as init process"
         ${m} "VM linux stopped: shutdown requested by the guest" "no VM left: powering off")
ext4_reboot_markers(m vda 6)
add_ext4_hostdisk_test(hostdisk.reboot INITRD ${CMAKE_BINARY_DIR}/configs/ext4-hostdisk-reboot.dtb
  DISKS 1=hostdisk.reboot.img
  CHECKS --expect-file ${ext4_work}/hostdisk.reboot.img:/reboot.bin=6:${EXT4_NEWFILE_BYTES}
  EXPECT "${hostdisk_line}" "Run /init as init process" ${m}
         "VM linux stopped: shutdown requested by the guest" "reboots=1"
         "no VM left: powering off")
ext4_check_markers(m "" vda 6)
add_ext4_hostdisk_test(hostdisk.partition GPT
  INITRD ${CMAKE_BINARY_DIR}/configs/ext4-hostdisk-part.dtb
  DISKS 1=hostdisk.partition.img
  CHECKS --expect-file "${ext4_work}/hostdisk.partition.img#2:/newfile=6:${EXT4_NEWFILE_BYTES}"
         --unchanged "${ext4_work}/hostdisk.partition.img#2"
  EXPECT "host disk 1: 38912 sectors (19456 KiB), GPT"
         "VM linux: virtio-blk host disk 1 partition 'root' at 0x10001000 (PLIC source 1), 32768 sectors"
         "Run /init as init process" ${m}
         "VM linux stopped: shutdown requested by the guest" "no VM left: powering off"
  FORBID " vda: vda1")

# No configuration: a kernel given by -initrd, its initramfs on host slot 0 (initramfs=disk);
# the single VM gets every other host disk, so slot 1 is its /dev/vda.
ext4_check_markers(m "" vda 7)
add_ext4_hostdisk_test(noconfig.check INITRD ${LINUX_IMAGE} SLOT0 ${LINUX_INITRAMFS}
  APPEND "initramfs=disk stats=on mem=256M -- console=ttyS0 earlycon=sbi rv.disk=check ${EXT4_BOOTARGS} rv.disk.tag=7"
  DISKS 1=noconfig.check.img
  CHECKS --expect-file ${ext4_work}/noconfig.check.img:/newfile=7:${EXT4_NEWFILE_BYTES}
  EXPECT "VM vm0: Linux Image image from initrd" "VM vm0: initramfs from disk, "
         "VM vm0: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 32768 sectors"
         "Run /init as init process" ${m}
         "VM vm0 stopped: shutdown requested by the guest" "VM vm0 exits: mmio:"
         "no VM left: powering off")

# Two Linux VMs side by side, each with its own host disk (slots 1 and 2): each writes its
# own tag, and each image holds exactly its VM's file.
ext4_check_markers(ma "[a] " vda 21)
ext4_check_markers(mb "[b] " vda 22)
add_ext4_hostdisk_test(hostdisk.two-vms SMP 2 MEM 1G
  INITRD ${CMAKE_BINARY_DIR}/configs/ext4-hostdisk-two.dtb
  DISKS 1=hostdisk.two-a.img 2=hostdisk.two-b.img
  CHECKS --expect-file ${ext4_work}/hostdisk.two-a.img:/newfile=21:${EXT4_NEWFILE_BYTES}
         --expect-file ${ext4_work}/hostdisk.two-b.img:/newfile=22:${EXT4_NEWFILE_BYTES}
  EXPECT "VM a: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 32768 sectors"
         "VM b: virtio-blk host disk 2 at 0x10001000 (PLIC source 1), 32768 sectors"
         "[a] Run /init as init process" ${ma} "VM a stopped: shutdown requested by the guest"
         "[b] Run /init as init process" ${mb} "VM b stopped: shutdown requested by the guest"
         "no VM left: powering off")
