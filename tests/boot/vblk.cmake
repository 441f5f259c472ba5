# A VM's virtio-blk RAM disk (docs/configuration.md: ramdisk; hv/dev/vdev.c: the "vblk" line of
# the device table). guest-kernels/vblk drives it as a modern virtio-mmio driver would, with
# every completion taken by the PLIC interrupt, and tries the hostile cases (a bad-width
# register access, a notify before DRIVER_OK, a descriptor outside RAM, a descriptor loop).
# The disk image is written here: the pattern of make_pattern.py, 64 KiB (128 sectors), and a
# 1000-byte one that is not whole sectors.
set(gk ${CMAKE_BINARY_DIR}/guest-kernels)
add_custom_command(OUTPUT ${gk}/vblk-disk.img ${gk}/vblk-odd.img
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py ${gk}/vblk-disk.img 65536
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py ${gk}/vblk-odd.img 1000
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/make_pattern.py
  COMMENT "Writing the RAM disk images vblk-disk.img, vblk-odd.img")
add_custom_target(vblk-data ALL DEPENDS ${gk}/vblk-disk.img ${gk}/vblk-odd.img)

# vblk_markers(<out> <vm> <label> <tag>): what guest-kernels/vblk prints in VM <vm> (console
# label <label>: "[<vm>] " beside other VMs, "" alone) with bootargs tag=<tag>, to its end.
function(vblk_markers out vm label tag)
  set(p "${label}vblk: ")
  set(${out}
    "VM ${vm}: virtio-blk RAM disk at 0x10001000 (PLIC source 1), 128 sectors"
    "${p}virtio-mmio at 0x10001000 on PLIC source 1"
    "${p}magic, version 2, device id 2"
    "${p}bad-width accesses got access faults"
    "${p}features negotiated, 128 sectors"
    "${p}notify before DRIVER_OK: ignored"
    "${p}read sectors 0-7: the image's pattern"
    "${p}wrote sectors 20-21 and read them back"
    "${p}FLUSH ok"
    "${p}WRITE_ZEROES and DISCARD ok"
    "${p}GET_ID 'rustyvisor-ramdisk'"
    "${p}sectors past the end: IOERR"
    "${p}descriptor outside RAM: DEVICE_NEEDS_RESET"
    "${p}descriptor loop: DEVICE_NEEDS_RESET"
    "${p}tag ${tag} written and read back"
    "${p}all checks passed"
    "VM ${vm} stopped: shutdown requested by the guest" PARENT_SCOPE)
endfunction()

# Two VMs, each with its own RAM disk from the same image: each finds the image's data in the
# sector the other writes its tag into, and reads its own tag back after the other wrote.
# Beside them a VM without a ramdisk (its FDT has no virtio,mmio node: the guest says so) and
# one whose image is not whole sectors (refused by name, the others run).
rv_add_config(vblk SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vblk.dts
  DEPENDS guest-kernels vblk-data)
vblk_markers(VBLK_A a "[a] " 1)
vblk_markers(VBLK_B b "[b] " 2)
add_qemu_test(vms.vblk SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/vblk.dtb TIMEOUT 120
  EXPECT "VM odd rejected: property 'ramdisk': 1000 bytes is not a whole number of 512-byte sectors"
         ${VBLK_A} ${VBLK_B}
         "[nodisk] vblk: no virtio,mmio node, as its bootargs say"
         "VM nodisk stopped: shutdown requested by the guest"
         "VM a exits: mmio: plic=" " uart=0 vblk="
         "no VM left: powering off"
  FORBID "[a] FAILED" "[b] FAILED" "[a] vblk: checks failed" "[b] vblk: checks failed"
         "VM nodisk: virtio-blk" "rustyvisor: error: VM a" "rustyvisor: error: VM b")

# A reboot keeps the disk's contents and resets the device: the guest writes its tag, reboots,
# and on its second boot finds the device reset (status 0, queue not ready) and the tag there.
rv_add_config(vblk-reboot SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vblk-reboot.dts
  DEPENDS guest-kernels vblk-data)
vblk_markers(VBLK_R1 disk "" 5)
list(REMOVE_AT VBLK_R1 -1 -2) # no "all checks passed" and no stop: it reboots
add_qemu_test(vms.vblk.reboot INITRD ${CMAKE_BINARY_DIR}/configs/vblk-reboot.dtb TIMEOUT 120
  EXPECT ${VBLK_R1}
         "vblk: rebooting"
         "VM disk: virtio-blk RAM disk at 0x10001000"
         "vblk: after the reboot sector 40 still holds tag 5"
         "vblk: read sectors 0-7: the image's pattern"
         "vblk: descriptor loop: DEVICE_NEEDS_RESET"
         "vblk: all checks passed"
         "VM disk stopped: shutdown requested by the guest"
         "no VM left: powering off"
  FORBID "FAILED" "checks failed")
