# A hostile virtio-blk driver beside two honest VMs (issue 12, sections 2 and 7):
# guest-kernels/hostile/vblkabuse.c, bootargs "hostile", drives its RAM disk wrongly case by
# case and checks each answer against the spec (a status byte of IOERR/UNSUPP, or
# DEVICE_NEEDS_RESET with the used ring untouched and a reset bringing the device back), the
# transport's registers, the level-triggered line, EVENT_IDX and INDIRECT_DESC, and with two
# vCPUs a header rewritten while it is notified. Beside it two honest VMs, each with its own
# RAM disk, write and verify their whole disk round after round; once the hostile VM has
# stopped, the test types 'g' to each (Ctrl-\ 0, Ctrl-\ 1) and they check their whole disk's
# checksum against what they wrote. The hypervisor stays up and powers off at the end.
set(gk ${CMAKE_BINARY_DIR}/guest-kernels)
add_custom_command(OUTPUT ${gk}/vblkabuse-honest.img
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py
          ${gk}/vblkabuse-honest.img 524288
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py
  COMMENT "Writing the honest VMs' RAM disk image vblkabuse-honest.img")
add_custom_target(vblkabuse-data ALL DEPENDS ${gk}/vblkabuse-honest.img)
rv_add_config(vblkabuse SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vblkabuse.dts
  DEPENDS guest-kernels vblk-data vblkabuse-data)

set(p "[hostile] vblkabuse: ")
set(broken_got "DEVICE_NEEDS_RESET, used ring untouched, reset, a good read ok")
set(VBLKABUSE_HOSTILE
  "VM hostile: virtio-blk RAM disk at 0x10001000 (PLIC source 1), 128 sectors"
  "${p}virtio-mmio at 0x10001000 on PLIC source 1, RAM 0x80000000+0x800000"
  "${p}registers: as 4.2.2 says"
  "${p}notify before DRIVER_OK: ignored, then used after DRIVER_OK"
  "${p}InterruptStatus: a level line, held until InterruptACK"
  "${p}honest requests: read, write, FLUSH, GET_ID, INDIRECT_DESC ok"
  "${p}sectors past the end: IOERR"
  "${p}malformed requests: UNSUPP for unknown types, IOERR for the rest")
foreach(c "descriptor loop" "descriptor chained to itself" "buffer outside RAM"
          "buffer straddling the end of RAM" "length near 2^32" "address wrapping 2^64"
          "next outside the table" "avail entry outside the table" "avail index jump"
          "no status byte" "indirect table longer than the queue" "nested indirect"
          "indirect table outside RAM" "indirect table straddling the end of RAM"
          "chain longer than the queue")
  list(APPEND VBLKABUSE_HOSTILE "${p}${c}: ${broken_got}")
endforeach()
list(APPEND VBLKABUSE_HOSTILE
  "${p}queue registers rewritten while running: ignored, QueueReady=0 stops it"
  "${p}indirect not negotiated: ${broken_got}"
  "${p}EVENT_IDX: avail_event written, interrupts only past used_event"
  "${p}header race: "
  "${p}header rewritten after the notify: each answer one of the two headers'"
  "${p}25 cases as the spec says"
  "${p}done"
  "VM hostile stopped: shutdown requested by the guest")
set(VBLKABUSE_HONEST)
foreach(vm h1 h2)
  list(APPEND VBLKABUSE_HONEST
    "VM ${vm}: virtio-blk RAM disk at 0x10001000 (PLIC source 1), 1024 sectors"
    "[${vm}] honest: round 1 written and read back"
    "[${vm}] honest: disk intact after "
    "[${vm}] vblkabuse: done"
    "VM ${vm} stopped: shutdown requested by the guest")
endforeach()
add_qemu_test(vms.vblkabuse SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/vblkabuse.dtb TIMEOUT 120
  EXPECT ${VBLKABUSE_HOSTILE} ${VBLKABUSE_HONEST} "no VM left: powering off"
  FORBID "checks failed" "rustyvisor: error"
  INPUT "VM hostile stopped: shutdown requested by the guest=\\x1c0g\\x1c1g"
  VALUES "r1=^\\[h1\\] honest: disk intact after ([0-9]+) rounds"
         "r2=^\\[h2\\] honest: disk intact after ([0-9]+) rounds"
  CHECKS "r1 >= 2 and r2 >= 2")

# The same beside a host disk: the hostile VM's second disk is host slot 1 (QEMU's
# bus=virtio-mmio-bus.1, the pattern image, snapshot=on so that nothing reaches the file),
# given read-only (disk@0 { read-only; }). On it: a write gets IOERR and a read after it still
# finds the image; a reset with six requests in flight on the host disk's asynchronous backend
# (they complete from the host's interrupt) lets none of them complete into the new instance.
rv_add_config(vblkabuse-hostdisk SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vblkabuse-hostdisk.dts
  DEPENDS guest-kernels vblk-data vblkabuse-data)
set(VBLKABUSE_HOSTDISK ${VBLKABUSE_HOSTILE})
list(FIND VBLKABUSE_HOSTDISK "${p}25 cases as the spec says" at)
list(REMOVE_AT VBLKABUSE_HOSTDISK ${at})
list(INSERT VBLKABUSE_HOSTDISK ${at}
  "${p}writes to a read-only disk: IOERR, the disk unchanged, reads ok"
  "${p}reset with requests in flight: none completed into the new instance"
  "${p}27 cases as the spec says")
add_qemu_test(vms.vblkabuse.hostdisk SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/vblkabuse-hostdisk.dtb
  TIMEOUT 120
  EXTRA -drive file=${gk}/vblk-disk.img,if=none,format=raw,id=ro1,snapshot=on
        -device virtio-blk-device,drive=ro1,bus=virtio-mmio-bus.1
  EXPECT ${VBLKABUSE_HOSTDISK} ${VBLKABUSE_HONEST} "no VM left: powering off"
  FORBID "checks failed" "rustyvisor: error"
  INPUT "VM hostile stopped: shutdown requested by the guest=\\x1c0g\\x1c1g"
  VALUES "r1=^\\[h1\\] honest: disk intact after ([0-9]+) rounds"
         "r2=^\\[h2\\] honest: disk intact after ([0-9]+) rounds"
         "slow=were in flight at their reset, ([0-9]+) of [0-9]+ new reads took over 2 s"
  CHECKS "r1 >= 2 and r2 >= 2" "slow <= 4")
