/* unsigned long user_rdtime_probe(void): run `rdtime; ecall` in U-mode and
 * return the scause of the trap that ends it: 8 (the ecall: rdtime was
 * allowed) or 2 (rdtime was an illegal instruction, scounteren.TM clear).
 * The guest runs with satp = 0 and its interrupts off; the probe's own trap
 * vector is in place only while U-mode runs. One hart at a time. */
.section .text
.global user_rdtime_probe
user_rdtime_probe:
  addi sp, sp, -16
  sd ra, 0(sp)
  la t0, saved_sp
  sd sp, 0(t0)
  csrr t1, stvec
  la t0, saved_stvec
  sd t1, 0(t0)
  la t0, user_trap
  csrw stvec, t0
  la t0, user_code
  csrw sepc, t0
  li t0, 0x100 /* sstatus.SPP: return to U-mode */
  csrc sstatus, t0
  sret

.balign 4
user_code:
  rdtime a0
  ecall
  j user_code

.balign 4
user_trap:
  la t0, saved_sp
  ld sp, 0(t0)
  la t0, saved_stvec
  ld t1, 0(t0)
  csrw stvec, t1
  csrr a0, scause
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

.section .bss
.balign 8
saved_sp:
  .space 8
saved_stvec:
  .space 8
