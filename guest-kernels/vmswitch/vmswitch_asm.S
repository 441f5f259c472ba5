/* vmswitch's measured loops, in assembly so that every instruction between
 * two rdinstret reads is known (see vmswitch.c).
 *
 * vmswitch_spin: the spinner. Reads instret in a tight loop; a gap of at
 * least `threshold` between two reads is instructions executed elsewhere
 * and is stored. Between two reads the loop itself executes VMSWITCH_LOOP
 * (5) instructions: rdinstret, bgeu, sub, mv, bltu; a gap that is stored
 * adds 3 (sd, addi, bltu) to the next one.
 *
 * vmswitch_sleep: the sleeper. Sleeps in WFI with its timer interrupt on;
 * the handler (vmswitch_vec_sstc or vmswitch_vec_sbi) reads instret as its
 * first instruction, files the previous wake-up's own count and re-arms the
 * timer, with stimecmp (Sstc) or SBI set_timer. The loop reads instret right
 * before its WFI. While the loop runs, s1 holds the state and s2 the number
 * of wake-ups to wait for; the handler uses only t0-t5, a0, a1, a6 and a7,
 * which the loop does not keep live, so it saves nothing. */
#define SLEEP_ENTRY 0  /* instret at the handler's first instruction */
#define SLEEP_BEFORE 8 /* instret right before the WFI */
#define SLEEP_N 16     /* wake-ups so far */
#define SLEEP_PERIOD 24
#define SLEEP_OWN 32 /* own[n]: the instructions of wake-up n - 1 */
#define SBI_EXT_TIME 0x54494D45
#define CSR_STIMECMP 0x14D

.section .text
/* unsigned long vmswitch_spin(unsigned long *gaps, unsigned long n,
 *                             unsigned long threshold, unsigned long instret_end):
 * stores up to n gaps, stops when instret passes instret_end; returns how
 * many gaps it stored. */
.global vmswitch_spin
.balign 4
vmswitch_spin:
  mv t3, a0
  slli t4, a1, 3
  add t4, t4, a0
  beqz a1, 2f
  rdinstret t0
1:
  rdinstret t1
  bgeu t1, a3, 2f
  sub t2, t1, t0
  mv t0, t1
  bltu t2, a2, 1b
  sd t2, 0(t3)
  addi t3, t3, 8
  bltu t3, t4, 1b
2:
  sub a0, t3, a0
  srli a0, a0, 3
  ret

/* void vmswitch_sleep(struct sleep_state *st, unsigned long wakes): the
 * timer is armed and stvec set by the caller; returns after `wakes`
 * wake-ups with interrupts off. */
.global vmswitch_sleep
.balign 4
vmswitch_sleep:
  addi sp, sp, -16
  sd s1, 0(sp)
  sd s2, 8(sp)
  mv s1, a0
  mv s2, a1
  csrsi sstatus, 2 /* SIE */
1:
  ld t1, SLEEP_N(s1)
  bgeu t1, s2, 2f
  rdinstret t1
  sd t1, SLEEP_BEFORE(s1)
  wfi
  j 1b
2:
  csrci sstatus, 2
  ld s1, 0(sp)
  ld s2, 8(sp)
  addi sp, sp, 16
  ret

/* The handler's common part: instret first, then own[n] = before - entry of
 * the previous wake-up, n += 1. */
.macro SLEEP_FILE
  rdinstret t0
  ld t2, SLEEP_ENTRY(s1)
  ld t3, SLEEP_BEFORE(s1)
  sd t0, SLEEP_ENTRY(s1)
  sub t3, t3, t2
  ld t4, SLEEP_N(s1)
  slli t5, t4, 3
  add t5, t5, s1
  sd t3, SLEEP_OWN(t5)
  addi t4, t4, 1
  sd t4, SLEEP_N(s1)
.endm

/* With Sstc: the next deadline goes to stimecmp, which also clears the
 * pending timer interrupt. */
.global vmswitch_vec_sstc
.balign 4
vmswitch_vec_sstc:
  SLEEP_FILE
  rdtime t2
  ld t3, SLEEP_PERIOD(s1)
  add t2, t2, t3
  csrw CSR_STIMECMP, t2
  sret

/* Without Sstc: SBI TIME set_timer, which clears the pending interrupt. */
.global vmswitch_vec_sbi
.balign 4
vmswitch_vec_sbi:
  SLEEP_FILE
  rdtime a0
  ld t3, SLEEP_PERIOD(s1)
  add a0, a0, t3
  li a6, 0
  li a7, SBI_EXT_TIME
  ecall
  sret
