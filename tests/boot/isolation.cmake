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
  "2 device windows: " "0xc000000, 0x10000000) " "0x10000000, 0x10000100)" # no '[': CMake lists
  "probe: below RAM"
  "): 507903 loads and 7935 stores faulted"
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
add_qemu_test(isolation.probe.alone INITRD ${PROBE_ELF} TIMEOUT 300
  EXPECT ${PROBE_MARKERS}
  FORBID "probe: checks failed" "faults-injected=0")
# Trap-and-inject timers (the flood's set_timer calls reach the host timer) and a second vCPU,
# on the second hart: the probe starts it once and checks a0 and a1 (opaque), then the flood's
# hart_start calls start it again and again; it stops itself each time.
add_qemu_test(isolation.probe.alone.nosstc SMP 2 CPU rv64,sstc=off INITRD ${PROBE_ELF} TIMEOUT 300
  APPEND "vcpus=2"
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
add_qemu_test(isolation.honest.alone INITRD ${HONEST_ELF} TIMEOUT 300
  EXPECT ${HONEST_MARKERS}
  FORBID "honest: checks failed")
add_qemu_test(isolation.honest.alone.nosstc CPU rv64,sstc=off INITRD ${HONEST_ELF} TIMEOUT 300
  EXPECT "features: H yes, Sstc no" ${HONEST_MARKERS}
  FORBID "honest: checks failed")

# The isolation test proper: both side by side, on two harts and sharing one.
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
