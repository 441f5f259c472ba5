# The bench guest (guest-kernels/bench) runs to its end and prints every operation line,
# natively and under rustyvisor, with and without Sstc, under -icount as scripts/bench.py runs
# it. No timing is checked here, ever: the figures are for scripts/bench.py to report.

set(BENCH_DIR ${CMAKE_BINARY_DIR}/guest-kernels)
# One marker per operation, in the order the guest runs them: "bench: <op> " is followed by a
# count or by "n/a (why)". Which operations may be n/a is said per test.
set(BENCH_OPS get-spec-version probe-extension set-timer stimecmp-write send-ipi-self
    remote-fence-i legacy-putchar ebreak mmio-uart-lsr mmio-uart-lsr-paged wfi-timer)
set(BENCH_MARKERS "bench: calibration:")
foreach(op IN LISTS BENCH_OPS)
  list(APPEND BENCH_MARKERS "bench: ${op} ")
endforeach()
list(APPEND BENCH_MARKERS "bench: done")
# Without Sstc in riscv,isa the stimecmp write is not offered.
list(TRANSFORM BENCH_MARKERS REPLACE "^bench: stimecmp-write $"
     "bench: stimecmp-write n/a (no sstc in riscv,isa)" OUTPUT_VARIABLE BENCH_MARKERS_NOSSTC)

# Natively on OpenSBI every operation exists: none may be n/a (but stimecmp without Sstc).
add_qemu_test(boot.bench.native KERNEL ${BENCH_DIR}/bench.bin ICOUNT
  EXPECT "bench: environment: SBI implementation OpenSBI, hart 0, sstc yes" ${BENCH_MARKERS}
  FORBID " n/a" "checks failed")
add_qemu_test(boot.bench.native.nosstc KERNEL ${BENCH_DIR}/bench.bin ICOUNT CPU rv64,sstc=off
  EXPECT "bench: environment: SBI implementation OpenSBI, hart 0, sstc no"
         ${BENCH_MARKERS_NOSSTC}
  FORBID "checks failed")

# The MMIO operations measure the emulated UART, with paging off and on (the paged one goes
# through access_is_direct's walk when htinst is 0): under the hypervisor they are never n/a.
set(BENCH_MMIO_NA "bench: mmio-uart-lsr n/a" "bench: mmio-uart-lsr-paged n/a")
# Under the hypervisor, booted by -initrd with stats=on (the exit counters scripts/bench.py
# reads): it runs to the end and the VM stops cleanly. With
# Sstc the guest writes stimecmp itself, so that operation is never n/a there.
add_qemu_test(boot.bench.rustyvisor.sstc INITRD ${BENCH_DIR}/bench.elf ICOUNT APPEND "stats=on"
  EXPECT "VM vm0: ELF image from initrd"
         "bench: environment: SBI implementation rustyvisor, hart 0, sstc yes"
         ${BENCH_MARKERS}
         "VM vm0 stopped: shutdown requested by the guest" "VM vm0 exits:" "powering off"
  FORBID "bench: stimecmp-write n/a" ${BENCH_MMIO_NA} "checks failed")
add_qemu_test(boot.bench.rustyvisor.nosstc INITRD ${BENCH_DIR}/bench.elf ICOUNT CPU rv64,sstc=off
  APPEND "stats=on"
  EXPECT "VM vm0: ELF image from initrd"
         "bench: environment: SBI implementation rustyvisor, hart 0, sstc no"
         ${BENCH_MARKERS_NOSSTC}
         "VM vm0 stopped: shutdown requested by the guest" "VM vm0 exits:" "powering off"
  FORBID ${BENCH_MMIO_NA} "checks failed")

# The VM switch measurement (guest-kernels/vmswitch, configs/vmswitch.dts): a spinner and a
# sleeper pinned on one hart, with and without Sstc. Both run to their end and print their
# figures; the spinner finishes first (the sleeper wakes more often than it needs). As above,
# no figure is checked: scripts/bench.py reports them.
rv_add_config(vmswitch SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/vmswitch.dts DEPENDS vmswitch)
foreach(cfg "sstc;rv64;sstc" "nosstc;rv64,sstc=off;sbi set_timer")
  list(GET cfg 0 tag)
  list(GET cfg 1 cpu)
  list(GET cfg 2 timer)
  add_qemu_test(boot.bench.vmswitch.${tag} INITRD ${CMAKE_BINARY_DIR}/configs/vmswitch.dtb
    ICOUNT CPU ${cpu}
    EXPECT "VM spinner: ELF image from embedded" "VM spinner: vCPUs on harts [0]"
           "VM sleeper: ELF image from embedded" "VM sleeper: vCPUs on harts [0]"
           "[spinner] vmswitch: spin: gap " "[spinner] vmswitch: spin done"
           "VM spinner stopped: shutdown requested by the guest (SBI SRST, reason: no reason)"
           "[sleeper] vmswitch: sleep: own " "(${timer})" "[sleeper] vmswitch: sleep done"
           "VM sleeper stopped: shutdown requested by the guest (SBI SRST, reason: no reason)"
           "no VM left: powering off"
    FORBID "FAILED" "checks failed")
endforeach()
