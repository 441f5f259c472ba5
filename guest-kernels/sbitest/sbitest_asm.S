/* sbitest's assembly: a resume entry for non-retentive HSM suspend and SBI
 * system suspend, a setjmp/longjmp pair to get back into the test that
 * suspended, and an ecall wrapper that checks which registers the SBI
 * implementation changed (SBI spec v2.0, chapter 3: every register but a0
 * and a1 is preserved; chapter 5: every register but a0 for legacy calls). */
#define MAX_HARTS 8
#define RESUME_STACK 4096

.section .text
/* long sbitest_setjmp(unsigned long jb[14]): 0 now, the longjmp value later. */
.global sbitest_setjmp
.balign 4
sbitest_setjmp:
  sd ra, 0(a0)
  sd sp, 8(a0)
  sd s0, 16(a0)
  sd s1, 24(a0)
  sd s2, 32(a0)
  sd s3, 40(a0)
  sd s4, 48(a0)
  sd s5, 56(a0)
  sd s6, 64(a0)
  sd s7, 72(a0)
  sd s8, 80(a0)
  sd s9, 88(a0)
  sd s10, 96(a0)
  sd s11, 104(a0)
  li a0, 0
  ret

/* void sbitest_longjmp(unsigned long jb[14], long val) */
.global sbitest_longjmp
.balign 4
sbitest_longjmp:
  ld ra, 0(a0)
  ld sp, 8(a0)
  ld s0, 16(a0)
  ld s1, 24(a0)
  ld s2, 32(a0)
  ld s3, 40(a0)
  ld s4, 48(a0)
  ld s5, 56(a0)
  ld s6, 64(a0)
  ld s7, 72(a0)
  ld s8, 80(a0)
  ld s9, 88(a0)
  ld s10, 96(a0)
  ld s11, 104(a0)
  mv a0, a1
  ret

/* Where a hart resumes after a non-retentive suspend (a0 = hart id,
 * a1 = opaque). satp and sstatus are read before anything can change them;
 * then gp, tp, a stack of its own and the trap vector are set up again (the
 * spec keeps no other register) and sbitest_resumed(a0, a1, satp, sstatus)
 * runs, which longjmps back into the test. */
.global sbitest_resume_entry
.balign 4
sbitest_resume_entry:
  csrr t0, satp
  csrr t1, sstatus
.option push
.option norelax
  la gp, __global_pointer$
.option pop
  mv tp, a0
  li t2, MAX_HARTS - 1
  mv t3, a0
  bleu t3, t2, 1f
  mv t3, t2
1:
  addi t3, t3, 1
  li t2, RESUME_STACK
  mul t3, t3, t2
  la sp, sbitest_resume_stacks
  add sp, sp, t3
  la t2, guest_trap_entry
  csrw stvec, t2
  mv a2, t0
  mv a3, t1
  call sbitest_resumed
2:
  wfi
  j 2b

/* Patterns loaded into every register the callee must preserve. */
#define PAT(n) (0x5a5a000000000000 + ((n) << 8) + (n))

.macro SETPAT reg, num
  li \reg, PAT(\num)
.endm

/* Sets bit num of a1 unless reg still holds its pattern (a0 is scratch). */
.macro CHKPAT reg, num
  li a0, PAT(\num)
  beq \reg, a0, 1f
  li a0, 1 << \num
  or a1, a1, a0
1:
.endm

/* Sets bit num of a1 unless reg equals the doubleword at off(s0). */
.macro CHKMEM reg, num, off
  ld a0, \off(s0)
  beq \reg, a0, 1f
  li a0, 1 << \num
  or a1, a1, a0
1:
.endm

/* unsigned long sbitest_ecall_regs(struct regcheck *rc)
 * rc: in[0..7] = a0..a7 for the call, out[8] = a0, out[9] = a1 after it,
 * [10..12] = sp, gp, tp (scratch). Every other register holds a pattern
 * across the ecall; returns the mask of registers (bit n = xn) that changed,
 * a2..a7 compared with their inputs. a0 and a1 are not in the mask. */
.global sbitest_ecall_regs
.balign 4
sbitest_ecall_regs:
  addi sp, sp, -112
  sd ra, 0(sp)
  sd s0, 8(sp)
  sd s1, 16(sp)
  sd s2, 24(sp)
  sd s3, 32(sp)
  sd s4, 40(sp)
  sd s5, 48(sp)
  sd s6, 56(sp)
  sd s7, 64(sp)
  sd s8, 72(sp)
  sd s9, 80(sp)
  sd s10, 88(sp)
  sd s11, 96(sp)
  mv s0, a0
  sd sp, 80(s0)
  sd gp, 88(s0)
  sd tp, 96(s0)
  SETPAT ra, 1
  SETPAT t0, 5
  SETPAT t1, 6
  SETPAT t2, 7
  SETPAT s1, 9
  SETPAT s2, 18
  SETPAT s3, 19
  SETPAT s4, 20
  SETPAT s5, 21
  SETPAT s6, 22
  SETPAT s7, 23
  SETPAT s8, 24
  SETPAT s9, 25
  SETPAT s10, 26
  SETPAT s11, 27
  SETPAT t3, 28
  SETPAT t4, 29
  SETPAT t5, 30
  SETPAT t6, 31
  ld a7, 56(s0)
  ld a6, 48(s0)
  ld a5, 40(s0)
  ld a4, 32(s0)
  ld a3, 24(s0)
  ld a2, 16(s0)
  ld a1, 8(s0)
  ld a0, 0(s0)
  ecall
  sd a0, 64(s0)
  sd a1, 72(s0)
  li a1, 0
  CHKPAT ra, 1
  CHKMEM sp, 2, 80
  CHKMEM gp, 3, 88
  CHKMEM tp, 4, 96
  CHKPAT t0, 5
  CHKPAT t1, 6
  CHKPAT t2, 7
  CHKPAT s1, 9
  CHKMEM a2, 12, 16
  CHKMEM a3, 13, 24
  CHKMEM a4, 14, 32
  CHKMEM a5, 15, 40
  CHKMEM a6, 16, 48
  CHKMEM a7, 17, 56
  CHKPAT s2, 18
  CHKPAT s3, 19
  CHKPAT s4, 20
  CHKPAT s5, 21
  CHKPAT s6, 22
  CHKPAT s7, 23
  CHKPAT s8, 24
  CHKPAT s9, 25
  CHKPAT s10, 26
  CHKPAT s11, 27
  CHKPAT t3, 28
  CHKPAT t4, 29
  CHKPAT t5, 30
  CHKPAT t6, 31
  mv a0, a1
  ld ra, 0(sp)
  ld s0, 8(sp)
  ld s1, 16(sp)
  ld s2, 24(sp)
  ld s3, 32(sp)
  ld s4, 40(sp)
  ld s5, 48(sp)
  ld s6, 56(sp)
  ld s7, 64(sp)
  ld s8, 72(sp)
  ld s9, 80(sp)
  ld s10, 88(sp)
  ld s11, 96(sp)
  addi sp, sp, 112
  ret

.section .bss
.balign 16
.global sbitest_resume_stacks
sbitest_resume_stacks:
  .space RESUME_STACK * MAX_HARTS
