# Guest networks (docs/configuration.md: nic@N; hv/dev/virtio/net.c, hv/backend/vswitch.c):
# guest-kernels/vnet drives each VM's virtio-net NIC as a modern virtio-mmio driver would.
# Two honest VMs on switch "lab" exchange 200 unicast frames each way (after the switch learned
# both MACs from their broadcast hellos) and 10 broadcasts, every byte checked, paced by
# acknowledgements: a lost frame stalls them and fails the test. Beside them a hostile VM sends
# zero-length, short, oversized and bad-header frames, a chain the device would write, 50 frames
# with victim a's source MAC and one with a multicast source, a 3000-frame broadcast flood, and
# two broken rings; it must see no unicast frame between the victims. Each VM's stop report
# (`stats;`) gives its port's counters: the hostile drops are on the hostile port, exactly; the
# victims lose nothing.
rv_add_config(vnet SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vnet.dts DEPENDS guest-kernels)
set(vnet_honest_a
  "VM a: virtio-net 02:00:00:00:00:0a on switch 'lab' at 0x10005000 (PLIC source 5), MTU 1500"
  "[a] vnet: virtio-net at 0x10005000 on PLIC source 5"
  "[a] vnet: MAC 02:00:00:00:00:0a, link up, MTU 1500")
add_qemu_test(vms.vnet SMP 2 INITRD ${CMAKE_BINARY_DIR}/configs/vnet.dtb TIMEOUT 180
  EXPECT "VM dupmac rejected: node 'nic@0': duplicate MAC 02:00:00:00:00:0a: VM a's node 'nic@0' has it"
         "VM badmac rejected: node 'nic@0': property 'mac': expected [6 bytes], a unicast address"
         "VM badprop rejected: node 'nic@0': unknown property 'speed' (known: switch mac mtu any-source)"
         "VM twice rejected: node 'nic@1': duplicate MAC 02:00:00:00:00:0b: VM b's node 'nic@0' has it"
         ${vnet_honest_a}
         "[evil] vnet: MAC 02:00:00:00:00:66, link up, MTU 1500"
         "[evil] vnet: hostile: sent 15 bad-length, 5 bad-header, 3 device-writable, 50 spoofed"
         "[evil] vnet: descriptor outside RAM: DEVICE_NEEDS_RESET"
         "[evil] vnet: descriptor loop: DEVICE_NEEDS_RESET"
         "[a] vnet: switch learned both MACs, peer 02:00:00:00:00:0b"
         "[a] vnet: received 200 unicast and 10 broadcast frames from 02:00:00:00:00:0b, in order and intact"
         "[b] vnet: received 200 unicast and 10 broadcast frames from 02:00:00:00:00:0a, in order and intact"
         "[evil] vnet: hostile: no unicast between the victims reached us"
         "VM a net0: " ", tx dropped: spoofed=0 bad-length=0 bad-header=0 bad-chain=0 flood-limited=0 queue-full=0 filtered=0, rx dropped: no-buffer=0 too-small=0"
         "VM b net0: " ", tx dropped: spoofed=0 bad-length=0 bad-header=0 bad-chain=0 flood-limited=0 queue-full=0 filtered=0, rx dropped: no-buffer=0 too-small=0"
         "VM evil net0: " ", tx dropped: spoofed=51 bad-length=15 bad-header=5 bad-chain=3 flood-limited="
         ", queue-errors=2"
         "no VM left: powering off"
  FORBID "FAILED" "checks failed" "rustyvisor: error: VM a" "rustyvisor: error: VM b"
  VALUES "limited=VM evil net0: .*flood-limited=([0-9]+)"
  CHECKS "limited >= 2000")

# With no configuration the single VM gets one NIC on switch "lan", its MAC derived from its
# name (vm0, NIC 0), locally administered.
add_qemu_test(vms.vnet.default INITRD ${CMAKE_BINARY_DIR}/guest-kernels/vnet.elf APPEND "-- probe"
  TIMEOUT 120
  EXPECT "VM vm0: virtio-net 02:52:30:f9:f5:7c on switch 'lan' at 0x10005000 (PLIC source 5), MTU 1500"
         "vnet: virtio-net at 0x10005000 on PLIC source 5"
         "vnet: MAC 02:52:30:f9:f5:7c, link up, MTU 1500"
         "vnet: all checks passed"
         "VM vm0 stopped: shutdown requested by the guest"
  FORBID "FAILED" "checks failed")
