/* smp: brings up every hart of its VM with HSM, then passes a token around
 * the ring with IPIs, round after round. In each round hart 0 patches a
 * function and publishes it with a remote fence.i to all harts, and every
 * holder of the token flushes all harts' TLBs with a remote sfence.vma;
 * every other hart runs the patched function and checks it sees the new
 * code. At the end every hart checks it took one IPI per round, the
 * secondaries stop themselves and hart 0 shuts the VM down. */
#include "guest.h"

#define ROUNDS 40
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define IRQ_S_TIMER 5
#define SSTATUS_SIE (1UL << 1)
#define SIP_SSIP (1UL << 1)
#define IRQ_S_SOFT 1
#define OPAQUE 0x5eed0000UL
#define TIMEOUT_TICKS (60UL * 10000000) /* 60 s at 10 MHz */

static unsigned long nharts, boot_hart;
static bool strict;                  /* under rustyvisor: count IPIs exactly */
static volatile unsigned long token; /* hart that holds the token */
static volatile unsigned long hops;
static volatile unsigned long ipis[GUEST_MAX_HARTS];
static volatile unsigned long done[GUEST_MAX_HARTS];
static volatile unsigned long started_ok[GUEST_MAX_HARTS];
/* "addi a0, zero, N; ret", patched by the boot hart every round. On a page of
 * its own: QEMU (7.2, MTTCG) can run stale code from a page it is also
 * writing data to at a high rate, fence.i or not. */
static volatile uint32_t patch_code[1024] __attribute__((aligned(4096))) = {0x00000513, 0x00008067};

static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_SOFT) {
    __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
    ipis[guest_hartid()]++;
  } else if (irq == IRQ_S_TIMER) {
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  }
}

static void enable_irqs(void) {
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE | SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
}

/* Sleep until *var == want; interrupts off while testing it, so that an IPI
 * arriving between the test and the WFI is not lost (WFI returns at once
 * for a pending interrupt). Some flags are set without an IPI, so a timer
 * 1 ms ahead bounds each sleep. Returns false on timeout. */
static bool wait_until(volatile unsigned long *var, unsigned long want) {
  unsigned long start = csr_read_time();
  for (;;) {
    __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
    if (*var == want) {
      __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
      return true;
    }
    if (csr_read_time() - start > TIMEOUT_TICKS) {
      __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
      return false;
    }
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + 10000, 0, 0, 0, 0, 0);
    __asm__ volatile("wfi");
    __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  }
}

static long call_patched(void) {
  long (*fn)(void) = (long (*)(void))(uintptr_t)patch_code;
  return fn();
}

/* An IPI sets a single pending bit: two in flight to one hart merge. So a
 * hart moves on only once the IPI that handed it the token has been taken,
 * and then each hart takes exactly one IPI per round. Natively, OpenSBI 1.1
 * on a loaded host was seen to lose one now and then: there only the token
 * is waited for and IPIs are not counted. */
static void ring(unsigned long me) {
  for (unsigned long round = 1; round <= ROUNDS; round++) {
    unsigned long want_ipis = me == boot_hart ? round - 1 : round;
    if (!wait_until(&token, me) || (strict && !wait_until(&ipis[me], want_ipis))) {
      guest_printf("FAILED: hart %lu: token or IPI never came in round %lu (hops %lu)\n", me, round,
                   hops);
      return;
    }
    struct sbiret r;
    if (me == boot_hart) {
      patch_code[0] = (uint32_t)(round << 20) | (10 << 7) | 0x13; /* addi a0, zero, round */
      __asm__ volatile("fence.i" ::: "memory");
      r = sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0, (unsigned long)-1, 0, 0, 0, 0);
      CHECK(r.error == 0, "remote_fence_i returned %ld", r.error);
    }
    long seen = call_patched();
    CHECK(seen == (long)round, "hart %lu runs stale code: %ld in round %lu", me, seen, round);
    r = sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 0, (unsigned long)-1, 0, ~0UL, 0, 0);
    CHECK(r.error == 0, "remote_sfence_vma returned %ld", r.error);
    hops++;
    unsigned long next = (me + 1) % nharts;
    token = next;
    __asm__ volatile("fence rw, rw" ::: "memory");
    r = sbi_ecall(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, next, 0, 0, 0, 0);
    CHECK(r.error == 0, "send_ipi to hart %lu returned %ld", next, r.error);
  }
  /* Every hart takes exactly one IPI per round. */
  if (strict && !wait_until(&ipis[me], ROUNDS))
    guest_printf("FAILED: hart %lu took %lu IPIs, expected %d\n", me, ipis[me], ROUNDS);
  done[me] = 1;
  /* Nobody stops before everyone is through: a hart that stops while
   * another still fences "all harts" would never answer (natively, OpenSBI
   * 1.1 then waits forever). */
  for (unsigned long h = 0; h < nharts; h++)
    if (!wait_until(&done[h], 1))
      guest_printf("FAILED: hart %lu: hart %lu never finished\n", me, h);
}

void guest_secondary_main(unsigned long hartid, unsigned long opaque) {
  unsigned long satp;
  __asm__ volatile("csrr %0, satp" : "=r"(satp));
  started_ok[hartid] = 1 + (opaque == OPAQUE + hartid && satp == 0);
  enable_irqs();
  ring(hartid);
  sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0, 0, 0);
  guest_puts("FAILED: hart_stop returned\n");
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  nharts = guest_fdt_harts(fdt);
  guest_printf("smp: hart %lu of %lu boots\n", hartid, nharts);
  boot_hart = hartid; /* 0 under rustyvisor; natively OpenSBI picks one */
  strict = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0, 0, 0, 0).value ==
           SBI_IMPL_ID_RUSTYVISOR;
  token = boot_hart; /* before any secondary looks at it */
  guest_irq_handler = on_irq;
  enable_irqs();

  for (unsigned long h = 0; h < nharts; h++) {
    if (h == boot_hart)
      continue;
    struct sbiret r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, h,
                                (unsigned long)guest_secondary_entry, OPAQUE + h, 0, 0, 0);
    CHECK(r.error == 0, "hart_start(%lu) returned %ld", h, r.error);
  }
  /* Like Linux, wait for every hart to be up before using it. */
  for (unsigned long h = 0; h < nharts; h++) {
    if (h == boot_hart)
      continue;
    unsigned long start = csr_read_time();
    while (!started_ok[h] && csr_read_time() - start < TIMEOUT_TICKS)
      ;
    CHECK(started_ok[h], "hart %lu never came up", h);
  }
  ring(boot_hart);
  for (unsigned long h = 0; h < nharts; h++) {
    if (h == boot_hart)
      continue;
    if (!wait_until(&done[h], 1))
      guest_printf("FAILED: hart %lu did not finish\n", h);
    CHECK(started_ok[h] == 2, "hart %lu started with wrong a1 or satp", h);
  }
  CHECK(hops == ROUNDS * nharts, "%lu hops, expected %lu", hops, ROUNDS * nharts);
  if (!guest_failures)
    guest_printf("smp: %lu harts, %d rounds: IPIs and remote fences ok\n", nharts, ROUNDS);

  /* The secondaries stop themselves; wait until HSM says so. */
  unsigned long start = csr_read_time();
  for (unsigned long h = 0; h < nharts; h++) {
    if (h == boot_hart)
      continue;
    struct sbiret r;
    do
      r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, h, 0, 0, 0, 0, 0);
    while (r.value != SBI_HSM_STATE_STOPPED && csr_read_time() - start < TIMEOUT_TICKS);
    CHECK(r.error == 0 && r.value == SBI_HSM_STATE_STOPPED, "hart %lu: status %ld", h, r.value);
  }
  if (!guest_failures)
    guest_puts("smp: all secondary harts stopped\n");
  guest_printf("smp: %s\n", guest_failures ? "FAILED" : "done");
  guest_shutdown();
}
