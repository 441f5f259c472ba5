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
function(hostdisk_markers out vm tag slot)
  vblk_markers(m ${vm} "[${vm}] " ${tag})
  list(FILTER m EXCLUDE REGEX "RAM disk")
  list(TRANSFORM m REPLACE "rustyvisor-ramdisk" "rustyvisor-host${slot}")
  list(FIND m "[${vm}] vblk: all checks passed" at)
  list(INSERT m ${at} "[${vm}] vblk: scan: 128 sectors, 0 failed, 0 wrong")
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
