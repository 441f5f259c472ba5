# Host disks given to VMs (docs/configuration.md: disk@N; hv/backend/hostdisk.c,
# hv/drivers/virtio_blk.c): the hypervisor drives QEMU's virtio-blk devices itself,
# interrupt-driven with many requests in flight, and forwards each guest request with
# its buffers as they are (zero copy). guest-kernels/vblk drives each VM's disk; its
# "scan" reads every sector alone and checks it.
set(gk ${CMAKE_BINARY_DIR}/guest-kernels)
add_custom_command(OUTPUT ${gk}/hostdisk-1.img ${gk}/hostdisk-gpt.img ${gk}/hostdisk-bad.img
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py ${gk}/hostdisk-1.img 65536
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py ${gk}/hostdisk-bad.img 65536
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_gpt.py ${gk}/hostdisk-gpt.img
          boot:128 data:128
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py ${CMAKE_CURRENT_SOURCE_DIR}/make_gpt.py
  COMMENT "Writing the host disk images hostdisk-1.img, hostdisk-gpt.img, hostdisk-bad.img")
add_custom_target(hostdisk-data ALL
  DEPENDS ${gk}/hostdisk-1.img ${gk}/hostdisk-gpt.img ${gk}/hostdisk-bad.img)

# hostdisk_drive(<out> <id> <file> <bus> [drive options]): a -drive and its virtio-blk device
# in QEMU's virtio-mmio slot <bus>.
function(hostdisk_drive out id file bus)
  set(opts "")
  foreach(o IN LISTS ARGN)
    string(APPEND opts ",${o}")
  endforeach()
  set(${out} -drive file=${file},if=none,format=raw,id=${id}${opts}
      -device virtio-blk-device,drive=${id},bus=virtio-mmio-bus.${bus} PARENT_SCOPE)
endfunction()

# snapshot=on: the guests' writes go to a throwaway overlay, so every run starts from the image.
hostdisk_drive(D1 d1 ${gk}/hostdisk-1.img 1 snapshot=on)
hostdisk_drive(D2 d2 ${gk}/hostdisk-gpt.img 2 snapshot=on)
rv_add_config(hostdisk SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/hostdisk.dts
  DEPENDS guest-kernels hostdisk-data)
# hostdisk_markers(<out> <vm> <tag> <slot>): guest-kernels/vblk's markers on host disk <slot>
# (its serial rustyvisor-host<slot>), with "scan" (every sector checked, none failed).
# [label]: "[<vm>] " beside other VMs (the default), "" alone; [failed]: the scan's failed count.
function(hostdisk_markers out vm tag slot)
  set(label "[${vm}] ")
  set(failed 0)
  if(ARGC GREATER 4)
    set(label "${ARGV4}")
  endif()
  if(ARGC GREATER 5)
    set(failed ${ARGV5})
  endif()
  vblk_markers(m ${vm} "${label}" ${tag})
  list(FILTER m EXCLUDE REGEX "RAM disk")
  list(TRANSFORM m REPLACE "rustyvisor-ramdisk" "rustyvisor-host${slot}")
  list(FIND m "${label}vblk: all checks passed" at)
  list(INSERT m ${at} "${label}vblk: scan: 128 sectors, ${failed} failed, 0 wrong")
  set(${out} ${m} PARENT_SCOPE)
endfunction()
hostdisk_markers(HD_A a 1 1)
hostdisk_markers(HD_B b 2 2)
foreach(mode legacy modern)
  set(extra ${D1} ${D2})
  if(mode STREQUAL modern)
    list(APPEND extra -global virtio-mmio.force-legacy=false)
  endif()
  add_qemu_test(vms.hostdisk.${mode} SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/hostdisk.dtb
    TIMEOUT 180 EXTRA ${extra}
    EXPECT "host disk 1: 128 sectors (64 KiB)" "host disk 2: 353 sectors (176 KiB), GPT"
           "VM a: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 128 sectors"
           "VM b: virtio-blk host disk 2 partition 'data' at 0x10001000 (PLIC source 1), 128 sectors"
           "VM f rejected: node 'disk@0': properties 'partition' and 'partition-name' both given"
           "error: VM c: node 'disk@0': host disk 1 sectors 0-127 are already given to VM a:"
           "error: VM d: node 'disk@0': host disk 2: partition 9: no such partition"
           "error: VM e: node 'disk@0': host slot 5 holds no virtio-blk disk"
           ${HD_A} ${HD_B}
           "no VM left: powering off"
    FORBID "FAILED" "checks failed" "vblk: scan: sector")
endforeach()

# With no configuration the single VM gets every host disk the hypervisor did not boot from, in
# slot order: the kernel from -initrd and a disk on bus 1 (the guest's slot 0), as under QEMU
# alone; then the kernel from the disk on bus 0, which the VM does not get, and the data disk
# on bus 1 that it does.
hostdisk_markers(HD_DEF vm0 3 1 "")
add_qemu_test(vms.hostdisk.default INITRD ${gk}/vblk.elf APPEND "-- tag=3 host=1 scan"
  TIMEOUT 120 EXTRA ${D1}
  EXPECT "host disk 1: 128 sectors (64 KiB)"
         "VM vm0: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 128 sectors"
         ${HD_DEF} "no VM left: powering off"
  FORBID "FAILED" "checks failed" "vblk: scan: sector" "host disk 0:")
hostdisk_drive(D0 d0 ${gk}/vblk.elf 0 readonly=on)
add_qemu_test(vms.hostdisk.default-bootdisk APPEND "-- tag=3 host=1 scan" TIMEOUT 120
  EXTRA ${D0} ${D1}
  EXPECT "disk: read" "a kernel image" "VM vm0: ELF image from disk"
         "VM vm0: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 128 sectors"
         ${HD_DEF} "no VM left: powering off"
  FORBID "FAILED" "checks failed" "vblk: scan: sector" "VM vm0: virtio-blk host disk 0"
         "at 0x10002000")

# A host disk that fails reads of one sector (QEMU's blkdebug, EIO on sector 50): exactly
# that guest request fails, with IOERR, every other sector reads right, and the VM beside on
# the other disk does not notice.
set(blkdebug_conf ${CMAKE_CURRENT_BINARY_DIR}/blkdebug-sector50.conf)
file(WRITE ${blkdebug_conf} "[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\nsector = \"50\"\n")
# Not snapshot=on: its copy-on-write would read the whole cluster, sector 50 included, for
# every write. A fresh copy of the image for each run instead (a fixture).
set(eio_img ${CMAKE_CURRENT_BINARY_DIR}/hostdisk-eio.img)
add_test(NAME vms.hostdisk.eio.image COMMAND ${CMAKE_COMMAND} -E copy ${gk}/hostdisk-1.img ${eio_img})
set_tests_properties(vms.hostdisk.eio.image PROPERTIES FIXTURES_SETUP hostdisk_eio LABELS qemu)
set(D1_EIO -drive file=blkdebug:${blkdebug_conf}:${eio_img},if=none,format=raw,id=d1
    -device virtio-blk-device,drive=d1,bus=virtio-mmio-bus.1)
hostdisk_markers(HD_A_EIO a 1 1 "[a] " 1)
list(FIND HD_A_EIO "[a] vblk: scan: 128 sectors, 1 failed, 0 wrong" at)
list(INSERT HD_A_EIO ${at} "[a] vblk: scan: sector 50: status 1 (IOERR)")
add_qemu_test(vms.hostdisk.eio SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/hostdisk.dtb
  TIMEOUT 180 EXTRA ${D1_EIO} ${D2}
  EXPECT ${HD_A_EIO} ${HD_B} "no VM left: powering off"
  FORBID "FAILED" "checks failed" "wrong data" "[b] vblk: scan: sector")
set_tests_properties(vms.hostdisk.eio PROPERTIES FIXTURES_REQUIRED hostdisk_eio)

# A host disk that stops answering (throttled to one byte a second: no request ends): the
# watchdog resets it after 5 s and fails what it held, so that VM's requests end in IOERR
# (its checks fail, it keeps running to its end); the VM beside on the other disk passes
# every check, and the hypervisor is up to power off.
hostdisk_drive(D1_STUCK d1 ${gk}/hostdisk-1.img 1 snapshot=on throttling.bps-total=1)
rv_add_config(hostdisk-stuck SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/hostdisk-stuck.dts
  DEPENDS guest-kernels hostdisk-data)
add_qemu_test(vms.hostdisk.stuck SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/hostdisk-stuck.dtb
  TIMEOUT 300 EXTRA ${D1_STUCK} ${D2}
  EXPECT "virtio-blk: host disk 1: a request took more than 5000 ms: resetting the device"
         ${HD_B} "[a] vblk: checks failed" "VM a stopped" "no VM left: powering off"
  FORBID "[b] FAILED" "[b] vblk: checks failed" "panic" ALLOW "FAILED:")

# Read-only to several VMs is fine, a writer beside readers is not: r1 and r2 both get host
# disk 1 read-only, w (which would write it) is refused naming r1. (That a read-only disk
# refuses writes: vms.vblkabuse.hostdisk.)
rv_add_config(hostdisk-shared SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/hostdisk-shared.dts
  DEPENDS guest-kernels)
add_qemu_test(vms.hostdisk.shared SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/hostdisk-shared.dtb
  TIMEOUT 120 EXTRA ${D1}
  EXPECT "VM r1: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 128 sectors, read-only"
         "VM r2: virtio-blk host disk 1 at 0x10001000 (PLIC source 1), 128 sectors, read-only"
         "error: VM w: node 'disk@0': host disk 1 sectors 0-127 are already given to VM r1 read-only:"
         "no VM left: powering off"
  FORBID "VM w: virtio-blk")
