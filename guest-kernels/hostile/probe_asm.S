/* The probe guest's fast path: one load, store or jump that is expected to
 * fault, and a trap vector that only records the fault and steps over it. The
 * vector is installed only while probing (interrupts stay off then), so it
 * never sees anything but the faults of these two instructions; anything
 * else goes to the runtime's handler, which reports it and stops. Not
 * compressed: the handler steps 4 bytes. */
.option norvc
.section .text
.balign 4
.global probe_trap
probe_trap:
  csrr t0, scause
  li t1, 1 /* instruction access fault: back to where probe_exec jumped from */
  beq t0, t1, 2f
  csrr t2, sepc
  la t0, probe_load_insn
  beq t0, t2, 1f
  la t0, probe_store_insn
  beq t0, t2, 1f
  j guest_trap_entry /* not a probe: t0 and t2 are lost, the runtime stops */
1:
  addi t2, t2, 4
  csrw sepc, t2
  csrr t0, scause
  csrr t1, stval
  sret
2:
  csrw sepc, t3
  csrr t1, stval
  sret

/* unsigned long probe_load(unsigned long addr, unsigned long *out):
 * 0 and *out = the doubleword read if the load completed, else the trap's
 * scause and *out = its stval. */
.global probe_load
probe_load:
  li t0, 0
probe_load_insn:
  ld t1, 0(a0)
  sd t1, 0(a1)
  mv a0, t0
  ret

/* unsigned long probe_store(unsigned long addr, unsigned long *out,
 * unsigned long value): stores the low word of value; 0 if the store
 * completed, else scause and *out = stval. */
.global probe_store
probe_store:
  li t0, 0
  li t1, 0
probe_store_insn:
  sw a2, 0(a0)
  sd t1, 0(a1)
  mv a0, t0
  ret

/* unsigned long probe_exec(unsigned long addr, unsigned long *out): jumps to
 * addr; the fetch must fault and come back (t3) with scause, *out = stval.
 * Returns 0 only if the code there jumped back itself (it cannot). */
.global probe_exec
probe_exec:
  li t0, 0
  li t1, 0
  la t3, probe_exec_ret
  jr a0
probe_exec_ret:
  sd t1, 0(a1)
  mv a0, t0
  ret
