# Several VMs from a configuration (docs/configuration.md): the .dts files in
# configs/ are compiled by dtc and handed to the hypervisor with -initrd.
set(cfg_dir ${CMAKE_CURRENT_SOURCE_DIR}/configs)
foreach(c console eight lifecycle bad weights)
  rv_add_config(${c} SOURCE ${cfg_dir}/${c}.dts DEPENDS guest-kernels)
endforeach()
set(cfgs ${CMAKE_BINARY_DIR}/configs)

# Two bare-metal VMs side by side, each line labelled with its VM; the first
# has the keyboard; the machine powers off when the last one stops.
add_qemu_test(vms.two SMP 2 INITRD ${cfgs}/hello-and-smp.dtb
  EXPECT "config: initrd"
         "VM alpha: ELF image from embedded"
         "VM beta: ELF image from embedded"
         "console: 2 VMs"
         "[alpha] hello: guest running on hart 0"
         "[alpha] hello: timer interrupt taken (SBI set_timer)"
         "[alpha] hello: accesses outside RAM -> access faults"
         "[alpha] hello: console input: 'ping'"
         "[alpha] hello: all checks passed"
         "[beta] smp: hart 0 of 2 boots"
         "[beta] smp: 2 harts, 40 rounds: IPIs and remote fences ok"
         "[beta] smp: done"
         "no VM left: powering off"
  INPUT "[alpha] hello: type a line=ping\\r")

# The console keys: the first VM reads the first line; Ctrl-\ 1 moves the
# keyboard to the second, which reads the next one.
add_qemu_test(vms.console SMP 2 INITRD ${cfgs}/console.dtb
  EXPECT "[first] hello: console input: 'one'"
         "console input goes to VM 1 (second) now"
         "[second] hello: console input: 'two'"
         "no VM left: powering off"
  INPUT "[first] hello: type a line=one\\r"
        "[first] hello: console input: 'one'=\\x1c1two\\r")

# Eight busy VMs on one hart and on two: every one gets its turn and runs to
# its end (the shares themselves are measured by the bench, not asserted).
foreach(h 1 2)
  set(markers)
  foreach(i RANGE 7)
    list(APPEND markers "[v${i}] spin: got")
  endforeach()
  add_qemu_test(vms.eight.h${h} SMP ${h} INITRD ${cfgs}/eight.dtb TIMEOUT 180
    EXPECT "VM v7: ELF image from embedded" ${markers} "no VM left: powering off")
endforeach()

# Weights and hart affinity are honoured: the placement log puts light and
# heavy on hart 0 and alone on hart 1, and over the same 2 s window heavy
# (weight 300) gets about 3 times light's (100) share of hart 0. Measured
# in real time on a loaded host, hence the wide bounds; ignored weights
# give about 1.
set(spin_share "spin: got ([0-9]+) of [0-9]+ ticks") # ticks: finer than permille on a busy host
add_qemu_test(vms.weights SMP 2 INITRD ${cfgs}/weights.dtb TIMEOUT 180
  EXPECT "VM light: vCPUs on harts [0]" "VM heavy: vCPUs on harts [0]"
         "VM alone: vCPUs on harts [1]"
         "[light] spin: got" "[heavy] spin: got" "[alone] spin: got" "no VM left: powering off"
  VALUES "light=^\\[light\\] ${spin_share}" "heavy=^\\[heavy\\] ${spin_share}"
         "alone=^\\[alone\\] ${spin_share}"
  CHECKS "light > 0 and 2.2 <= heavy / light <= 4")

# A VM's reboot, crash or shutdown touches that VM only.
add_qemu_test(vms.lifecycle SMP 2 INITRD ${cfgs}/lifecycle.dtb KILL_WHEN_DONE TIMEOUT 180
  EXPECT "VM crasher stopped: trap storm"
         "VM quitter stopped: shutdown requested by the guest"
         "[steady] spin: got"
         "VM steady stopped: shutdown requested by the guest"
         "[rebooter] reboot: booted (boots seen in RAM: 1), asking for a warm reboot"
         "VM rebooter: warm reboot requested by the guest (reason: no reason): reloading"
         "[rebooter] reboot: booted (boots seen in RAM: 1), asking for a warm reboot"
         "VM rebooter: warm reboot requested by the guest (reason: no reason): reloading"
         "[rebooter] reboot: booted (boots seen in RAM: 1)"
  FORBID "boots seen in RAM: 2" "no VM left")

# Bad configuration: each bad VM is named with its bad property; the good
# one still runs.
add_qemu_test(vms.badconfig SMP 2 INITRD ${cfgs}/bad.dtb
  EXPECT "VM nokernel rejected: missing kernel"
         "VM typo rejected: unknown property 'vpcus'"
         "VM overlap rejected: property 'memory'"
         "VM huge rejected: property 'memory': 4096 MiB is more than the host has"
         "error: VM badimage: guest image (embedded)"
         "error: VM noinitrd: property 'kernel-source'"
         "[good] smp: done"
         "no VM left: powering off")
# -append options shape the default VM only: with a configuration they are
# an error, not silently ignored.
add_qemu_test(vms.config-and-options INITRD ${cfgs}/hello-and-smp.dtb APPEND "mem=64M" EXIT 0
  EXPECT "error: -append mem=, vcpus=, initramfs= and -- shape the default VM only" "powering off"
  FORBID "[alpha]")

# stats=on is the one -append option a configuration takes: every VM's stop line is
# followed by its exit counters.
add_qemu_test(vms.stats-option SMP 2 INITRD ${cfgs}/hello-and-smp.dtb APPEND "stats=on"
  EXPECT "[alpha] hello: all checks passed"
         "VM alpha stopped: shutdown requested by the guest" "VM alpha exits: "
         "[beta] smp: done"
         "VM beta stopped: " "VM beta exits: "
         "no VM left: powering off"
  INPUT "[alpha] hello: type a line=ping\\r")

# A configuration embedded at build time (rv_add_hypervisor(... CONFIG), what
# -DRV_CONFIG does for the main image): no -initrd needed.
add_qemu_test(vms.embedded SMP 2 KERNEL ${CMAKE_BINARY_DIR}/rustyvisor-embedded-test.bin
  EXPECT "config: embedded"
         "[alpha] hello: all checks passed"
         "[beta] smp: done"
         "no VM left: powering off")
