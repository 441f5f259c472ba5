# A VM's virtio-console (docs/configuration.md: devices = "virtio-console"; hv/dev/virtio/console.c):
# what the guest transmits comes out on the VM's labelled console, byte for byte; a line typed
# while the VM has the keyboard arrives in its posted receive buffers.
rv_add_config(vcon SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vcon.dts DEPENDS guest-kernels)
add_qemu_test(vms.vcon SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/vcon.dtb TIMEOUT 120
  EXPECT "[con] vcon: virtio-console at 0x10007000 on PLIC source 7"
         "[con] vcon: hello through the transmit queue"
         "[con] vcon: two lines in one buffer"
         "[con] vcon: of two descriptors"
         "[con] vcon: type a line"
         "[con] vcon: got 'ping'"
         "[con] vcon: all checks passed"
         "VM con exits: mmio: plic=" " vcon="
  INPUT "vcon: type a line=ping\\r"
  FORBID "MUST NOT APPEAR" "FAILED" "checks failed")
