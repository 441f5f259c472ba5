/* Entry from OpenSBI fw_jump: a0 = hart id, a1 = FDT, HS-mode, satp = 0.
 * The boot hart clears .bss, takes the first stack and calls hv_main().
 * Harts started later through SBI HSM enter at hv_secondary_entry, one at
 * a time, with hart_starting naming their struct hart, whose first field is
 * their stack top (hart.c). tp always holds the hart's struct hart. gp is not used:
 * there is no __global_pointer$ (hv.ld), so the linker never relaxes an
 * access to a gp-relative one, and a guest's gp survives the exit fast
 * path untouched (trap.S). */
#include "csr.h"

#define HV_STACK_SIZE 16384

.section .text.entry, "ax"
.global _start
_start:
  csrw CSR_SIE, zero
  csrw CSR_SATP, zero
  /* The first hart here boots. Another one is a hart being started that
   * OpenSBI 1.1 woke early: its hart_start marks the hart START_PENDING
   * before it writes the start address and opaque value, so the hart can
   * leave with the ones it was given at boot (this address, a1 = the FDT).
   * It goes where it was meant to. The flag is in .data, which the image
   * (reloaded on a machine reset) sets back to 0. */
  la t0, hv_boot_claimed
  li t1, 1
  amoswap.w.aq t1, t1, (t0)
  bnez t1, hv_secondary_entry
  la t0, hv_trap_entry
  csrw CSR_STVEC, t0
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  la sp, hv_boot_stack_top
  la tp, harts
  call hv_main
3:
  wfi
  j 3b

/* a1 is not read, for the reason above: the struct hart is hart_starting.
 * The hart first claims the start: it turns hart_starting_id from its own
 * hart id + 1 (a hart id is never reused, a struct hart may be) to 0, so
 * that the boot hart, withdrawing the start of a hart that is late, knows
 * whether it came after all. A hart whose start is not open parks. */
.global hv_secondary_entry
hv_secondary_entry:
  csrw CSR_SIE, zero
  csrw CSR_SATP, zero
  la t0, hv_trap_entry
  csrw CSR_STVEC, t0
  la t0, hart_starting_id
  addi t2, a0, 1
5:
  lr.d.aqrl t1, (t0)
  bne t1, t2, 4f
  sc.d.aqrl t1, zero, (t0)
  bnez t1, 5b
  la t0, hart_starting
  ld a1, 0(t0)
  mv tp, a1
  ld sp, 0(a1)
  call hv_secondary_main
4:
  wfi
  j 4b

.section .data
.balign 4
hv_boot_claimed:
  .word 0

.section .bss.stack, "aw", @nobits
.balign 16
.global hv_boot_stack_guard
hv_boot_stack_guard: /* hart.h HART_STACK_GUARD */
  .space 256
hv_boot_stack:
  .space HV_STACK_SIZE
.global hv_boot_stack_top
hv_boot_stack_top:
