/* bench: the path length of what a guest asks of the machine underneath.
 *
 * Under QEMU with -icount shift=0, instret counts every instruction executed
 * in every privilege mode (VS, HS, M), exactly and repeatably. Each operation
 * is bracketed by rdinstret inside one asm statement, so nothing of the
 * guest's C code falls inside the bracket; the bracket's own cost (measured
 * first, "calibration") is subtracted. Each operation runs WARMUP times, then
 * REPS times, and prints one line:
 *
 *   bench: <op> <median> min <min> max <max> n <reps>
 *
 * or "bench: <op> n/a (<why>)" when the SBI underneath lacks it
 * (probe_extension says so) or the platform does not offer it. A failed call
 * prints "FAILED: ...". wfi-timer counts from the timer's deadline to the end
 * of the handler (the sleep advances instret too: see bench_wfi).
 * The run ends with "bench: done" and an SRST shutdown. scripts/bench.py
 * parses these lines; docs/performance.md says what each operation measures.
 *
 * Runs natively on OpenSBI fw_jump and under rustyvisor (as the embedded
 * guest or through -initrd). */
#include "fdt.h"
#include "guest.h"

#define WARMUP 8
#define REPS 64

#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIP_SSIP (1UL << 1)
#define SSTATUS_SIE (1UL << 1)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define UART_LSR 0x10000005UL
#define UART_LSR_THRE 0x20
#define WFI_TICKS 1000
#define FAR_FUTURE (1UL << 62)

static unsigned long overhead; /* instructions of an empty bracket */
static unsigned long hartid;

static inline unsigned long rdinstret(void) {
  unsigned long v;
  __asm__ volatile("rdinstret %0" : "=r"(v)::"memory");
  return v;
}

/* One SBI call bracketed by rdinstret. Returns the instructions between the
 * two reads (bracket included); *r gets a0/a1. SBI calls preserve every
 * register but a0 and a1 (SBI spec v2.0, section 3.1). */
static unsigned long timed_ecall(unsigned long ext, unsigned long fid, unsigned long arg0,
                                 unsigned long arg1, struct sbiret *r) {
  register unsigned long a0 __asm__("a0") = arg0;
  register unsigned long a1 __asm__("a1") = arg1;
  register unsigned long a6 __asm__("a6") = fid;
  register unsigned long a7 __asm__("a7") = ext;
  unsigned long i0, i1;
  __asm__ volatile("rdinstret %0\n"
                   "ecall\n"
                   "rdinstret %1"
                   : "=&r"(i0), "=r"(i1), "+r"(a0), "+r"(a1)
                   : "r"(a6), "r"(a7)
                   : "memory");
  r->error = (long)a0;
  r->value = (long)a1;
  return i1 - i0;
}

/* --- statistics ---------------------------------------------------------- */

struct samples {
  unsigned long v[REPS];
  int n;
};

static void samples_add(struct samples *s, unsigned long raw) {
  if (s->n < REPS)
    s->v[s->n++] = raw > overhead ? raw - overhead : 0;
}

static void report(const char *op, struct samples *s) {
  if (s->n == 0) {
    guest_printf("bench: %s n/a\n", op);
    return;
  }
  /* Insertion sort: REPS is small. */
  for (int i = 1; i < s->n; i++) {
    unsigned long x = s->v[i];
    int j = i;
    for (; j > 0 && s->v[j - 1] > x; j--)
      s->v[j] = s->v[j - 1];
    s->v[j] = x;
  }
  guest_printf("bench: %s %lu min %lu max %lu n %d\n", op, s->v[s->n / 2], s->v[0], s->v[s->n - 1],
               s->n);
}

static void report_na(const char *op, const char *why) {
  guest_printf("bench: %s n/a (%s)\n", op, why);
}

static bool sbi_has(unsigned long ext) {
  struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, ext, 0, 0, 0, 0, 0);
  return r.error == SBI_SUCCESS && r.value > 0;
}

/* --- interrupts ---------------------------------------------------------- */

static volatile unsigned long irq_end;   /* instret at the end of the handler */
static volatile unsigned long irq_count; /* interrupts taken, by any cause */
static volatile unsigned long irq_soft, irq_timer;

/* The handler the measured interrupts end in: quiet the source without an
 * SBI call (clear sip.SSIP; mask the timer in sie, the next set_timer clears
 * it), count, and take the end-of-handler timestamp last. */
static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_SOFT) {
    __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
    irq_soft++;
  } else if (irq == IRQ_S_TIMER) {
    __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
    irq_timer++;
  }
  irq_count++;
  irq_end = rdinstret();
}

static void irqs_on(unsigned long sie) {
  __asm__ volatile("csrs sie, %0" ::"r"(sie));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
}

static void irqs_off(void) {
  __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
  __asm__ volatile("csrc sie, %0" ::"r"(SIE_SSIE | SIE_STIE));
}

/* Wait (bounded, ~0.1 s of guest time) until *counter passes before. */
static bool wait_irq(volatile unsigned long *counter, unsigned long before) {
  unsigned long start = csr_read_time();
  while (*counter == before && csr_read_time() - start < 1000000)
    __asm__ volatile("wfi");
  return *counter != before;
}

/* --- the operations ------------------------------------------------------- */

static void calibrate(void) {
  unsigned long best = ~0UL;
  for (int i = 0; i < WARMUP + REPS; i++) {
    unsigned long i0, i1;
    __asm__ volatile("rdinstret %0\n"
                     "rdinstret %1"
                     : "=&r"(i0), "=r"(i1)::"memory");
    if (i1 - i0 < best)
      best = i1 - i0;
  }
  overhead = best;
  guest_printf("bench: calibration: an empty rdinstret bracket counts %lu (subtracted)\n",
               overhead);
}

/* An SBI call with fixed arguments and an expected result, timed. */
static void bench_sbi(const char *op, unsigned long ext, unsigned long fid, unsigned long arg0,
                      unsigned long arg1, bool (*ok)(struct sbiret)) {
  struct samples s = {.n = 0};
  for (int i = 0; i < WARMUP + REPS; i++) {
    struct sbiret r;
    unsigned long n = timed_ecall(ext, fid, arg0, arg1, &r);
    if (!ok(r)) {
      CHECK(0, "%s: error %ld value %ld", op, r.error, r.value);
      return;
    }
    if (i >= WARMUP)
      samples_add(&s, n);
  }
  report(op, &s);
}

static bool ok_spec_version(struct sbiret r) {
  return r.error == SBI_SUCCESS && r.value >= (long)SBI_SPEC_VERSION(0, 2);
}
static bool ok_probe_present(struct sbiret r) { return r.error == SBI_SUCCESS && r.value > 0; }
static bool ok_success(struct sbiret r) { return r.error == SBI_SUCCESS; }

static void bench_stimecmp(bool fdt_sstc) {
  const char *op = "stimecmp-write";
  if (!fdt_sstc) {
    report_na(op, "no sstc in riscv,isa");
    return;
  }
  /* The FDT may offer Sstc while the SBI underneath has not enabled it for
   * S-mode (menvcfg.STCE): the write then traps. */
  unsigned long cause = 0;
  unsigned long far = FAR_FUTURE;
  guest_expect_exception();
  __asm__ volatile("csrw 0x14D, %0" ::"r"(far)); /* stimecmp */
  if (guest_took_exception(&cause, 0)) {
    CHECK(0, "%s: riscv,isa has sstc but writing stimecmp traps (scause %lu)", op, cause);
    return;
  }
  struct samples s = {.n = 0};
  for (int i = 0; i < WARMUP + REPS; i++) {
    unsigned long i0, i1;
    __asm__ volatile("rdinstret %0\n"
                     "csrw 0x14D, %2\n"
                     "rdinstret %1"
                     : "=&r"(i0), "=r"(i1)
                     : "r"(far)
                     : "memory");
    if (i >= WARMUP)
      samples_add(&s, i1 - i0);
  }
  report(op, &s);
}

/* send_ipi to this hart, through the IPI extension, until the guest's
 * handler for the software interrupt has run. */
static void bench_ipi(void) {
  const char *op = "send-ipi-self";
  if (!sbi_has(SBI_EXT_IPI)) {
    report_na(op, "no IPI extension");
    return;
  }
  struct samples s = {.n = 0};
  irqs_on(SIE_SSIE);
  for (int i = 0; i < WARMUP + REPS; i++) {
    unsigned long before = irq_soft, i0;
    register unsigned long a0 __asm__("a0") = 1;      /* hart_mask */
    register unsigned long a1 __asm__("a1") = hartid; /* hart_mask_base */
    register unsigned long a6 __asm__("a6") = SBI_IPI_SEND_IPI;
    register unsigned long a7 __asm__("a7") = SBI_EXT_IPI;
    __asm__ volatile("rdinstret %0\n"
                     "ecall"
                     : "=&r"(i0), "+r"(a0), "+r"(a1)
                     : "r"(a6), "r"(a7)
                     : "memory");
    if ((long)a0 != SBI_SUCCESS) {
      CHECK(0, "%s: error %ld", op, (long)a0);
      break;
    }
    if (!wait_irq(&irq_soft, before)) {
      CHECK(0, "%s: no software interrupt after send_ipi", op);
      break;
    }
    if (i >= WARMUP)
      samples_add(&s, irq_end - i0);
  }
  irqs_off();
  if (s.n == REPS)
    report(op, &s);
}

static void bench_rfence(void) {
  const char *op = "remote-fence-i";
  if (!sbi_has(SBI_EXT_RFENCE)) {
    report_na(op, "no RFENCE extension");
    return;
  }
  bench_sbi(op, SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 1, 0, ok_success);
}

/* The legacy console: each character of a line is one timed putchar. */
static void bench_putchar(void) {
  const char *op = "legacy-putchar";
  static const char line[] =
      "bench: legacy console sample line, one SBI v0.1 putchar per character ........\n";
  _Static_assert(sizeof(line) - 1 >= WARMUP + REPS, "line shorter than the samples");
  if (!sbi_has(SBI_EXT_0_1_CONSOLE_PUTCHAR)) {
    report_na(op, "no legacy console");
    return;
  }
  struct samples s = {.n = 0};
  for (int i = 0; line[i]; i++) {
    register unsigned long a0 __asm__("a0") = (unsigned char)line[i];
    register unsigned long a6 __asm__("a6") = 0;
    register unsigned long a7 __asm__("a7") = SBI_EXT_0_1_CONSOLE_PUTCHAR;
    unsigned long i0, i1;
    __asm__ volatile("rdinstret %0\n"
                     "ecall\n"
                     "rdinstret %1"
                     : "=&r"(i0), "=r"(i1), "+r"(a0)
                     : "r"(a6), "r"(a7)
                     : "a1", "memory");
    if ((long)a0 != 0) {
      CHECK(0, "%s: returned %ld", op, (long)a0);
      return;
    }
    if (i >= WARMUP)
      samples_add(&s, i1 - i0);
  }
  report(op, &s);
}

/* ebreak, taken by the guest's own trap handler, which steps over it. */
static void bench_ebreak(void) {
  const char *op = "ebreak";
  struct samples s = {.n = 0};
  for (int i = 0; i < WARMUP + REPS; i++) {
    unsigned long i0, i1, cause = 0;
    guest_expect_exception();
    __asm__ volatile("rdinstret %0\n"
                     "ebreak\n"
                     "rdinstret %1"
                     : "=&r"(i0), "=r"(i1)::"memory");
    if (!guest_took_exception(&cause, 0) || cause != 3) {
      CHECK(0, "%s: no breakpoint exception (scause %lu)", op, cause);
      return;
    }
    if (i >= WARMUP)
      samples_add(&s, i1 - i0);
  }
  report(op, &s);
}

/* One byte load from the UART's line status register: a real device
 * natively, an emulated one (or an access fault) under a hypervisor. */
static void bench_mmio(const char *op) {
  unsigned long cause = 0, lsr = 0;
  guest_expect_exception();
  __asm__ volatile("lbu %0, 0(%1)" : "=r"(lsr) : "r"(UART_LSR) : "memory");
  if (guest_took_exception(&cause, 0)) {
    report_na(op, cause == 5 ? "load access fault" : "exception");
    return;
  }
  struct samples s = {.n = 0};
  for (int i = 0; i < WARMUP + REPS; i++) {
    unsigned long i0, i1;
    __asm__ volatile("rdinstret %0\n"
                     "lbu %2, 0(%3)\n"
                     "rdinstret %1"
                     : "=&r"(i0), "=&r"(i1), "=&r"(lsr)
                     : "r"(UART_LSR)
                     : "memory");
    if (!(lsr & UART_LSR_THRE)) {
      CHECK(0, "%s: LSR 0x%lx without THRE (transmitter never empties?)", op, lsr);
      return;
    }
    if (i >= WARMUP)
      samples_add(&s, i1 - i0);
  }
  report(op, &s);
}

/* Sv39, identity-mapped by two 1 GiB pages (the devices below 1 GiB, RAM at
 * 2 GiB), for the MMIO load with the guest's own paging on: a hypervisor
 * must then tell the load from a page-table walk into the device. */
#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define SATP_SV39 (8UL << 60)
static unsigned long pt_root[512] __attribute__((aligned(4096)));

static void bench_mmio_paged(void) {
  pt_root[0] = (0x00000000UL >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
  pt_root[2] = (0x80000000UL >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
  __asm__ volatile("csrw satp, %0\n"
                   "sfence.vma" ::"r"(SATP_SV39 | (unsigned long)pt_root >> 12)
                   : "memory");
  bench_mmio("mmio-uart-lsr-paged");
  __asm__ volatile("csrw satp, zero\n"
                   "sfence.vma" ::
                       : "memory");
}

/* Under -icount, instret is QEMU's virtual clock in ns plus a constant, and
 * it keeps running while a hart sleeps in WFI; time is the same clock
 * divided by NS_PER_TICK. instret_at_tick() finds the constant to within
 * the few instructions of its loop: it waits for time to tick over and
 * returns instret - tick * NS_PER_TICK at that moment. */
static unsigned long ns_per_tick = 100; /* QEMU virt: timebase 10 MHz */

static long instret_minus_clock(void) {
  unsigned long t0 = csr_read_time(), t, i;
  __asm__ volatile("1: rdtime %0\n"
                   "beq %0, %2, 1b\n"
                   "rdinstret %1"
                   : "=&r"(t), "=&r"(i)
                   : "r"(t0)
                   : "memory");
  return (long)(i - t * ns_per_tick);
}

/* WFI woken by the timer: set_timer WFI_TICKS ahead, wfi, until the end of
 * the timer interrupt handler. The sleep itself is not an instruction but
 * advances instret (see above), so the figure is the wake-up latency: from
 * the deadline (in instret units) to the end of the handler. */
static void bench_wfi(void) {
  const char *op = "wfi-timer";
  struct samples s = {.n = 0};
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  for (int i = 0; i < WARMUP + REPS; i++) {
    unsigned long before = irq_timer;
    long offset = instret_minus_clock();
    unsigned long deadline = csr_read_time() + WFI_TICKS;
    struct sbiret r = sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, deadline, 0, 0, 0, 0, 0);
    if (r.error != SBI_SUCCESS) {
      CHECK(0, "%s: set_timer error %ld", op, r.error);
      break;
    }
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
    __asm__ volatile("wfi" ::: "memory");
    if (!wait_irq(&irq_timer, before)) {
      CHECK(0, "%s: no timer interrupt %d ticks after set_timer", op, WFI_TICKS);
      break;
    }
    if (i >= WARMUP)
      samples_add(&s, irq_end - (deadline * ns_per_tick + (unsigned long)offset) + overhead);
  }
  irqs_off();
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, ~0UL, 0, 0, 0, 0, 0);
  if (s.n == REPS)
    report(op, &s);
}

/* --- main ----------------------------------------------------------------- */

static void fdt_read_timebase(const void *fdt) {
  struct dt dt;
  uint32_t freq;
  if (dt_open(&dt, fdt, 1 << 20) == DT_OK &&
      dt_prop_u32(&dt, dt_path(&dt, "/cpus"), "timebase-frequency", &freq) == DT_OK && freq &&
      1000000000U % freq == 0)
    ns_per_tick = 1000000000U / freq;
  else
    CHECK(0, "no usable /cpus/timebase-frequency (want a divisor of 1 GHz)");
}

void guest_main(unsigned long hart, const void *fdt) {
  hartid = hart;
  guest_console_init();
  struct sbiret impl = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0, 0, 0, 0);
  bool sstc = guest_fdt_isa_has(fdt, "sstc");
  fdt_read_timebase(fdt);
  guest_printf("bench: environment: SBI implementation %s, hart %lu, sstc %s, %d runs after %d "
               "warm-up\n",
               impl.value == SBI_IMPL_ID_RUSTYVISOR ? "rustyvisor"
               : impl.value == 1                    ? "OpenSBI"
                                                    : "other",
               hart, sstc ? "yes" : "no", REPS, WARMUP);
  guest_irq_handler = on_irq;
  irqs_off();
  calibrate();

  bench_sbi("get-spec-version", SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, ok_spec_version);
  bench_sbi("probe-extension", SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_TIME, 0, ok_probe_present);
  bench_sbi("set-timer", SBI_EXT_TIME, SBI_TIME_SET_TIMER, FAR_FUTURE, 0, ok_success);
  bench_stimecmp(sstc);
  bench_ipi();
  bench_rfence();
  bench_putchar();
  bench_ebreak();
  bench_mmio("mmio-uart-lsr");
  bench_mmio_paged();
  bench_wfi();

  if (irq_count != irq_soft + irq_timer)
    CHECK(0, "unexpected interrupts: %lu", irq_count - irq_soft - irq_timer);
  if (guest_failures)
    guest_printf("bench: %d checks failed\n", guest_failures);
  guest_puts("bench: done\n");
  guest_shutdown();
}
