/* smp: brings up every hart of its VM with HSM, then passes a token around
 * the ring with IPIs, round after round. In each round hart 0 patches a
 * function and publishes it with a remote fence.i to all harts, and every
 * holder of the token flushes all harts' TLBs with a remote sfence.vma;
 * every other hart runs the patched function and checks it sees the new
 * code. At the end every hart checks it took one IPI per round.
 *
 * Then every hart turns on Sv39 with one shared page table, where one
 * page of VA (SV39_VA) is mapped to one of two physical pages. Round after
 * round hart 0 writes a new value into the page not mapped, remaps SV39_VA
 * to it and fences the other harts with a remote sfence.vma; each of them
 * must then read the new value through SV39_VA. Each hart read SV39_VA the
 * round before, so its TLB holds the old mapping: QEMU keeps it until a
 * fence, so a remote fence that does nothing shows as the old value. QEMU
 * 7.2 also flushes a hart's whole TLB whenever it leaves VS-mode for the
 * hypervisor, so in this phase the harts wait for each other by polling
 * memory with interrupts off: no SBI call, no trap, nothing but the fence
 * itself can drop the old translation.
 * Finally the secondaries stop themselves and hart 0 shuts the VM down. */
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

/* ---- Remote sfence.vma under Sv39 ---- */
#define SV39_ROUNDS 16
#define SV39_VA 0xc0000000UL /* root[3] -> sv39_l1[0] -> sv39_l0[0] */
#define SATP_SV39 (8UL << 60)
#define PTE_V 0x1UL
#define PTE_RW 0x6UL
#define PTE_RWX 0xeUL
#define PTE_AD 0xc0UL

static uint64_t sv39_root[512] __attribute__((aligned(4096)));
static uint64_t sv39_l1[512] __attribute__((aligned(4096)));
static uint64_t sv39_l0[512] __attribute__((aligned(4096)));
static volatile unsigned long sv39_pages[2][512] __attribute__((aligned(4096)));
static volatile unsigned long sv39_round;                /* the round hart 0 has fenced */
static volatile unsigned long sv39_ack[GUEST_MAX_HARTS]; /* round + 1, once checked */

static uint64_t pte(unsigned long pa, unsigned long perm) { return (pa >> 12) << 10 | perm; }

/* Identity gigapages for the first 3 GiB (RAM and this code included) and
 * SV39_VA -> sv39_pages[0], which holds round 0's value. The boot hart
 * builds it before it starts the others. */
static void sv39_build(void) {
  for (unsigned long g = 0; g < 3; g++)
    sv39_root[g] = pte(g << 30, PTE_AD | PTE_RWX | PTE_V);
  sv39_root[3] = pte((unsigned long)sv39_l1, PTE_V);
  sv39_l1[0] = pte((unsigned long)sv39_l0, PTE_V);
  sv39_pages[0][0] = 1000;
  sv39_l0[0] = pte((unsigned long)sv39_pages[0], PTE_AD | PTE_RW | PTE_V);
  __asm__ volatile("fence rw, rw" ::: "memory");
}

static unsigned long sv39_read(void) { return *(volatile unsigned long *)SV39_VA; }

/* Poll *var until it reaches want, in VS-mode only (see the top); false
 * after TIMEOUT_TICKS. */
static bool spin_until(volatile unsigned long *var, unsigned long want) {
  unsigned long start = csr_read_time();
  while (*var < want)
    if (csr_read_time() - start > TIMEOUT_TICKS)
      return false;
  return true;
}

static void sv39_phase(unsigned long me) {
  __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
  __asm__ volatile("csrw satp, %0; sfence.vma" ::"r"(SATP_SV39 | ((unsigned long)sv39_root >> 12))
                   : "memory");
  unsigned long got = sv39_read();
  CHECK(got == 1000, "hart %lu: SV39_VA reads %lu before any remap, expected 1000", me, got);
  if (me != boot_hart) {
    sv39_ack[me] = 1;
    for (unsigned long r = 1; r <= SV39_ROUNDS && !guest_failures; r++) {
      if (!spin_until(&sv39_round, r)) {
        CHECK(false, "hart %lu: Sv39 round %lu never came", me, r);
        break;
      }
      got = sv39_read();
      CHECK(got == 1000 + r,
            "hart %lu: SV39_VA reads %lu after remote sfence.vma of round %lu: "
            "a stale TLB entry (expected %lu)",
            me, got, r, 1000 + r);
      sv39_ack[me] = r + 1;
    }
  } else {
    unsigned long all = (nharts >= 64 ? ~0UL : (1UL << nharts) - 1) & ~(1UL << me);
    for (unsigned long r = 1; r <= SV39_ROUNDS && !guest_failures; r++) {
      for (unsigned long h = 0; h < nharts; h++)
        if (h != me && !spin_until(&sv39_ack[h], r)) {
          CHECK(false, "hart %lu never checked Sv39 round %lu", h, r - 1);
          goto out;
        }
      volatile unsigned long *page = sv39_pages[r % 2];
      page[0] = 1000 + r;
      sv39_l0[0] = pte((unsigned long)page, PTE_AD | PTE_RW | PTE_V);
      __asm__ volatile("fence rw, rw; sfence.vma %0" ::"r"(SV39_VA) : "memory");
      /* Odd rounds: that one page, to the others by mask; even rounds:
       * everything, to every hart (-1: all, this one included). */
      struct sbiret ret =
          r % 2 ? sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, all, 0, SV39_VA, 4096, 0, 0)
                : sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 0, (unsigned long)-1, 0, ~0UL, 0,
                            0);
      CHECK(ret.error == 0, "remote_sfence_vma (round %lu) returned %ld", r, ret.error);
      got = sv39_read();
      CHECK(got == 1000 + r, "hart %lu: SV39_VA reads %lu in round %lu", me, got, r);
      __asm__ volatile("fence rw, rw" ::: "memory");
      sv39_round = r;
    }
    for (unsigned long h = 0; h < nharts; h++)
      if (h != me && !guest_failures && !spin_until(&sv39_ack[h], SV39_ROUNDS + 1))
        CHECK(false, "hart %lu never checked the last Sv39 round", h);
  out:
    if (!guest_failures)
      guest_printf("smp: %lu harts: remote sfence.vma under Sv39 ok\n", nharts);
  }
  __asm__ volatile("csrw satp, zero; sfence.vma" ::: "memory");
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
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
  sv39_phase(hartid);
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
  sv39_build();

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
  sv39_phase(boot_hart);

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
