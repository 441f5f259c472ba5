# SBI conformance (guest-kernels/sbitest, docs/sbi.md): the checker boots as the VM's kernel
# (-initrd) on 1, 2 and 4 physical harts with 1 to 8 vCPUs, with and without Sstc, and once
# natively on OpenSBI to prove it. Each run must print every group line, end with
# "sbitest: N passed, 0 failed" and power off; any "FAILED:" line fails the test at once.

set(SBITEST_ELF ${CMAKE_BINARY_DIR}/guest-kernels/sbitest.elf)
set(SBITEST_BIN ${CMAKE_BINARY_DIR}/guest-kernels/sbitest.bin)

# Group lines, in the order sbitest prints them.
set(SBITEST_GROUPS_HV
  "sbitest: [FDT] "
  "sbitest: [BASE] "
  "sbitest: [TIME] "
  "sbitest: [HSM] "
  "sbitest: [IPI] "
  "sbitest: [RFENCE] "
  "sbitest: [HSM suspend] "
  "sbitest: legacy: console_putchar printed this line"
  "sbitest: [legacy] "
  "sbitest: DBCN: console_write printed this line"
  "sbitest: DBCN: console_write_byte printed this line"
  "sbitest: [DBCN] "
  "sbitest: [PMU] "
  "sbitest: [SRST] "
  "sbitest: [SUSP + HSM stop] ")

# add_sbitest(<host harts> <vCPUs> [nosstc])
function(add_sbitest smp vcpus)
  set(name boot.sbitest.smp${smp}.vcpus${vcpus})
  set(cpu rv64)
  set(features "features: H yes, Sstc yes")
  if(ARGV2 STREQUAL "nosstc")
    set(name ${name}.nosstc)
    set(cpu rv64,sstc=off)
    set(features "features: H yes, Sstc no")
  endif()
  add_qemu_test(${name} SMP ${smp} CPU ${cpu} INITRD ${SBITEST_ELF} APPEND "vcpus=${vcpus}"
    EXPECT "${features}"
           "VM vm0: ELF image from initrd"
           "sbitest: SBI conformance checker on hart 0, under rustyvisor"
           "sbitest: ${vcpus} harts"
           ${SBITEST_GROUPS_HV}
           " passed, 0 failed"
           "VM vm0 stopped: shutdown requested by the guest (SBI SRST, reason: no reason)"
           "powering off"
    FORBID " checks failed")
endfunction()

# Fewer, as many and more vCPUs than harts.
add_sbitest(1 1)
add_sbitest(1 8)
add_sbitest(1 8 nosstc)
add_sbitest(2 2)
add_sbitest(2 4)
add_sbitest(2 4 nosstc)
add_sbitest(4 4)
add_sbitest(4 8)
add_sbitest(4 8 nosstc)

# Natively on OpenSBI 1.1 (SBI 1.0): only what it implements, and the run says what it skipped.
foreach(smp 1 2 4)
  add_qemu_test(boot.sbitest.native.smp${smp} SMP ${smp} NATIVE KERNEL ${SBITEST_BIN}
    EXPECT "sbitest: SBI conformance checker on hart"
           "under OpenSBI (native run)"
           "sbitest: ${smp} harts"
           "sbitest: [FDT] "
           "sbitest: native run: skipped: "
           "sbitest: [BASE] "
           "sbitest: [TIME] "
           "sbitest: [HSM] "
           "sbitest: [IPI] "
           "sbitest: [RFENCE] "
           "sbitest: legacy: console_putchar printed this line"
           "sbitest: [legacy] "
           "sbitest: [SRST] "
           "sbitest: [HSM stop] "
           " passed, 0 failed"
    FORBID " checks failed" "sbitest: [DBCN]" "sbitest: [PMU]" "sbitest: [SUSP + HSM stop]")
endforeach()
