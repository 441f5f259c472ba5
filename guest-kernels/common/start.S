/* Guest entry: a0 = hart id, a1 = FDT. Clears .bss, sets a stack and the
 * trap vector, calls guest_main(hartid, fdt). Harts started later through
 * SBI HSM enter at guest_secondary_entry (a0 = hart id, a1 = opaque) and
 * call guest_secondary_main(hartid, opaque). Each hart has its own 16 KiB
 * stack; tp holds the hart id. */
#define GUEST_MAX_HARTS 8
#define GUEST_STACK 16384
.section .text.entry, "ax"
.global _start
_start:
.option push
.option norelax
  la gp, __global_pointer$
.option pop
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  mv tp, a0
  call set_stack
  la t0, guest_trap_entry
  csrw stvec, t0
  call guest_main
  call guest_shutdown_fail
3:
  wfi
  j 3b

/* sp = top of the stack of hart a0 (harts beyond the last share the last). */
set_stack:
  li t0, GUEST_MAX_HARTS - 1
  mv t1, a0
  bleu t1, t0, 1f
  mv t1, t0
1:
  addi t1, t1, 1
  li t0, GUEST_STACK
  mul t1, t1, t0
  la sp, guest_stacks
  add sp, sp, t1
  ret

.global guest_secondary_entry
guest_secondary_entry:
.option push
.option norelax
  la gp, __global_pointer$
.option pop
  mv tp, a0
  call set_stack
  la t0, guest_trap_entry
  csrw stvec, t0
  call guest_secondary_main
4:
  wfi
  j 4b

/* Save every register, call guest_trap(frame), restore (sepc may change). */
.balign 4
.global guest_trap_entry
guest_trap_entry:
  addi sp, sp, -264
  sd ra, 8(sp)
  sd t0, 40(sp)
  sd t1, 48(sp)
  sd t2, 56(sp)
  sd a0, 80(sp)
  sd a1, 88(sp)
  sd a2, 96(sp)
  sd a3, 104(sp)
  sd a4, 112(sp)
  sd a5, 120(sp)
  sd a6, 128(sp)
  sd a7, 136(sp)
  sd t3, 224(sp)
  sd t4, 232(sp)
  sd t5, 240(sp)
  sd t6, 248(sp)
  csrr t0, sepc
  sd t0, 256(sp)
  mv a0, sp
  call guest_trap
  ld t0, 256(sp)
  csrw sepc, t0
  ld ra, 8(sp)
  ld t0, 40(sp)
  ld t1, 48(sp)
  ld t2, 56(sp)
  ld a0, 80(sp)
  ld a1, 88(sp)
  ld a2, 96(sp)
  ld a3, 104(sp)
  ld a4, 112(sp)
  ld a5, 120(sp)
  ld a6, 128(sp)
  ld a7, 136(sp)
  ld t3, 224(sp)
  ld t4, 232(sp)
  ld t5, 240(sp)
  ld t6, 248(sp)
  addi sp, sp, 264
  sret

.section .bss
.balign 16
guest_stacks:
  .space GUEST_STACK * GUEST_MAX_HARTS
