# VM isolation guests (guest-kernels/hostile/probe.c, guest-kernels/honest), each alone in one VM
# under today's hypervisor; the multi-VM isolation test runs them side by side.
# probe: every address it was not given faults (loads, stores, jumps, through its own page tables),
# and 30000 pseudo-random SBI calls get valid SBI error codes. honest: a checksummed workload whose
# result (HONEST_EXPECTED) the host test unit.honest_workload proves.
set(PROBE_ELF ${CMAKE_BINARY_DIR}/guest-kernels/probe.elf)
set(HONEST_ELF ${CMAKE_BINARY_DIR}/guest-kernels/honest.elf)

# probe_markers(<out> <vCPUs> <where>): what the probe alone in a VM of <vCPUs> prints, placed
# on harts <where>.
function(probe_markers out vcpus where)
  set(second)
  if(vcpus GREATER 1)
    set(second "probe: hart 1 started with a0 = its id, a1 = opaque; stopped itself")
  endif()
  set(${out}
  "VM vm0: ELF image from initrd"
  "VM vm0: vCPUs on harts [${where}]"
  "probe: hostile guest on hart 0 of ${vcpus}"
  "3 device windows: " "0xc000000, 0x10000000) " "0x10000000, 0x10000100)" "0x10005000, 0x10006000)" # no '[': CMake lists; the default NIC
  "probe: below RAM"
  "): 507902 loads and 7935 stores faulted"
  "probe: 64 MiB above RAM"
  "probe: every GiB up to 2^41, window edges, beyond 2^41: "
  "probe: sub-page window edges: 480 loads and 60 stores faulted"
  "probe: through Sv39 page tables: 5 loads and 5 stores faulted, device reachable"
  ${second}
  "probe: SBI flood: 30000/30000 calls"
  " loads and "
  " stores faulted, "
  " SBI calls answered with valid errors"
  "probe: done"
  "VM vm0 stopped: shutdown requested by the guest (SBI SRST, reason: no reason)"
  "faults-injected="
  "powering off" PARENT_SCOPE)
endfunction()
probe_markers(PROBE_MARKERS 1 "0")
probe_markers(PROBE_MARKERS_2 2 "0 1")
add_qemu_test(isolation.probe.alone INITRD ${PROBE_ELF} TIMEOUT 300 APPEND "stats=on"
  EXPECT ${PROBE_MARKERS}
  FORBID "probe: checks failed" "faults-injected=0")
# Trap-and-inject timers (the flood's set_timer calls reach the host timer) and a second vCPU,
# on the second hart: the probe starts it once and checks a0 and a1 (opaque), then the flood's
# hart_start calls start it again and again; it stops itself each time.
add_qemu_test(isolation.probe.alone.nosstc SMP 2 CPU rv64,sstc=off INITRD ${PROBE_ELF} TIMEOUT 300
  APPEND "stats=on vcpus=2"
  EXPECT "features: H yes, Sstc no" ${PROBE_MARKERS_2}
  FORBID "probe: checks failed" "faults-injected=0")

set(HONEST_MARKERS
  "VM vm0: ELF image from initrd"
  "honest: checksummed workload on hart 0: 16 MiB buffer"
  "honest: round 1/24 checksum 0x"
  "honest: round 24/24 checksum 0xc5e6faf990962d89"
  "honest: buffer intact: 2097152 words re-verified"
  "honest: checksum 0xc5e6faf990962d89 ok"
  "honest: done"
  "VM vm0 stopped: shutdown requested by the guest (SBI SRST, reason: no reason)"
  "faults-injected=0"
  "powering off")
add_qemu_test(isolation.honest.alone INITRD ${HONEST_ELF} TIMEOUT 300 APPEND "stats=on"
  EXPECT ${HONEST_MARKERS}
  FORBID "honest: checks failed")
add_qemu_test(isolation.honest.alone.nosstc CPU rv64,sstc=off INITRD ${HONEST_ELF} TIMEOUT 300
  APPEND "stats=on"
  EXPECT "features: H yes, Sstc no" ${HONEST_MARKERS}
  FORBID "honest: checks failed")

# The isolation test proper: both side by side, on two harts and sharing one (each VM's
# exit counters by its configuration's `stats;`).
# The hostile VM gets its faults and SBI errors (and no hypervisor crash: the
# run_qemu.py panic markers fail the test), the honest one finishes with the
# right checksum and not a single fault, and the hypervisor stays up to
# report both and power off.
rv_add_config(isolation SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/isolation.dts
  DEPENDS guest-kernels)
foreach(h 1 2)
  math(EXPR honest_hart "${h} - 1")
  add_qemu_test(isolation.side-by-side.h${h} SMP ${h} TIMEOUT 300
    INITRD ${CMAKE_BINARY_DIR}/configs/isolation.dtb
    EXPECT "VM hostile: vCPUs on harts [0]" "VM honest: vCPUs on harts [${honest_hart}]"
           "[hostile] 0x80000000): 507903 loads and 7935 stores faulted"
           "[hostile] probe: sub-page window edges: 480 loads and 60 stores faulted"
           "[hostile] probe: through Sv39 page tables: 5 loads and 5 stores faulted"
           "[hostile] probe: SBI flood: 30000/30000 calls"
           "[hostile] probe: done"
           "VM hostile stopped: shutdown requested by the guest"
           "VM hostile exits: faults-injected="
           "[honest] honest: round 24/24 checksum 0xc5e6faf990962d89"
           "[honest] honest: buffer intact: 2097152 words re-verified"
           "[honest] honest: checksum 0xc5e6faf990962d89 ok"
           "VM honest stopped: shutdown requested by the guest"
           "VM honest exits: faults-injected=0 "
           "no VM left: powering off"
    FORBID "probe: checks failed" "honest: checks failed" "VM hostile exits: faults-injected=0 ")
endforeach()

# What one VM must not do to another on a shared hart (the hostile guests of
# guest-kernels/hostile: csrbank.c, noisy.c; docs/architecture.md says how
# the hypervisor keeps each bound).
foreach(c csrbank-ab csrbank-ba starve-reboot starve-wakeup starve-fence forge)
  rv_add_config(${c} SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/${c}.dts DEPENDS guest-kernels)
endforeach()
set(cfgs ${CMAKE_BINARY_DIR}/configs)

# scounteren and senvcfg (not banked for VS-mode) are per VM: each of two
# VMs on one hart reads the reset values (7, 0) at boot, keeps its own values while the other
# writes its, and its user mode's rdtime follows its own scounteren.TM; in
# both creation orders.
foreach(o ab ba)
  add_qemu_test(isolation.csrs.${o} INITRD ${cfgs}/csrbank-${o}.dtb TIMEOUT 180
    EXPECT "[keeper] csrbank: at boot scounteren=0x7 senvcfg=0x0"
           "[keeper] csrbank: set scounteren=0x7 senvcfg=0x"
           "[keeper] csrbank: " " switches, 0 mismatches, 0 wrong user rdtime"
           "[thrasher] csrbank: at boot scounteren=0x7 senvcfg=0x0"
           "[thrasher] csrbank: set scounteren=0x0 senvcfg=0x0"
           "[thrasher] csrbank: " " switches, 0 mismatches, 0 wrong user rdtime"
           "no VM left: powering off")
endforeach()

# A neighbour that reboots in a loop, or wakes up every 20 us, or fences a
# vCPU of its own asleep on the victim's hart. On one hart under -icount the
# figures are exact: the victim keeps at least 80% of its fair share (half
# the hart beside a busy neighbour) of a 1 s window, counting every
# interruption as lost time (spin's "own" share). An exit costs only its
# instructions there, not what it costs QEMU (which flushes its TLB at every
# switch between V=0 and V=1), so a wake-up storm is also judged by the
# bound on the preemptions it may cause: one per 1 ms the victim runs.
# The fence attack needs two harts, so it runs on host time, where the
# host's load takes the share as it likes: the victim's interruptions judge
# it (one per fence before the fix, none needed after; a few hundred from
# the host's own scheduling), and, whatever the host's load (a busy host
# lets kicks coalesce before the victim's hart runs), the harts the hostile
# VM kicked (its stats: one per fence before the fix).
set(victim_values "own=\\[victim\\] spin: own ([0-9]+) permille"
                  "intr=\\[victim\\] spin: own [0-9]+ permille, interrupted ([0-9]+) times")
set(victim_markers "[victim] spin: measuring 10000000-20000000" "[victim] spin: got "
                   "[victim] spin: own ")
add_qemu_test(isolation.starve.reboot INITRD ${cfgs}/starve-reboot.dtb ICOUNT TIMEOUT 300
  EXPECT ${victim_markers} "VM noisy: warm reboot requested by the guest"
         "[noisy] noisy: reboots over" "no VM left: powering off"
  VALUES ${victim_values} CHECKS "own >= 400")
add_qemu_test(isolation.starve.wakeup INITRD ${cfgs}/starve-wakeup.dtb ICOUNT TIMEOUT 300
  EXPECT ${victim_markers} "[noisy] noisy: " " wake-ups" "no VM left: powering off"
  VALUES ${victim_values} "wakeups=\\[noisy\\] noisy: ([0-9]+) wake-ups"
  CHECKS "own >= 400" "wakeups >= 1000" "intr <= 1500")
add_qemu_test(isolation.starve.fence SMP 2 INITRD ${cfgs}/starve-fence.dtb TIMEOUT 300 RUN_SERIAL
  EXPECT "[victim] spin: measuring " "[victim] spin: got " # late on a slow host: a later window
         "[victim] spin: own " "[noisy] noisy: " " remote fences to vCPU 1"
         "no VM left: powering off"
  VALUES ${victim_values} "fences=\\[noisy\\] noisy: ([0-9]+) remote fences"
         "kicked=VM noisy exits: .* harts-kicked=([0-9]+)"
  CHECKS "fences >= 10000" "intr * 20 < fences" "kicked * 100 < fences")

# A VM cannot forge another VM's console lines or the hypervisor's: the
# control characters that move the cursor or erase (CR, ESC, C1, backspace
# over the label) show escaped, every line starts with its VM's label.
# (A marker may not hold an unbalanced '[': CMake's lists treat it as a
# bracket, so "^[" is matched in two markers.)
add_qemu_test(isolation.console.forge SMP 2 INITRD ${cfgs}/forge.dtb TIMEOUT 120
  EXPECT "[mallory] ^M^" "2K[victim] victim login: "
         "[mallory] ^Mrustyvisor: VM victim stopped: forged"
         "[mallory] noisy: c1 \\x9b2K \\xc2\\x9b2K é"
         "[mallory] noisy: abc"
         "[mallory] ^H^H^H^H^H^H^H^H[victim] forged"
         "[mallory] noisy: forged 5 lines"
         "[victim] spin: got "
         "no VM left: powering off"
  RAW_FORBID "\\x1b" "\\x9b" "\\r(?!\\n)")
