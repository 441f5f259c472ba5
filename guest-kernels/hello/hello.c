/* hello: the first guest. Prints through DBCN and the legacy console, reads
 * the counters, takes timer interrupts (SBI set_timer, and stimecmp when the
 * FDT offers Sstc), checks SBI error paths and fault injection, then shuts
 * down through SRST. Runs natively on OpenSBI too; lines that depend on what
 * is underneath say so. */
#include "guest.h"

#define SIE_STIE (1UL << 5)
#define SSTATUS_SIE (1UL << 1)
#define IRQ_S_TIMER 5

static volatile int timer_ticks;

static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_TIMER) {
    timer_ticks++;
    /* Quiet the timer: a deadline in the far future clears STIP. */
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  }
}

static void wait_for_tick(int before) {
  unsigned long start = csr_read_time();
  while (timer_ticks == before && csr_read_time() - start < 10000000 /* ~1 s */)
    __asm__ volatile("wfi");
}

static void load_at(unsigned long addr) {
  __asm__ volatile("ld t0, 0(%0)" ::"r"(addr) : "t0", "memory");
}

static void store_at(unsigned long addr) {
  __asm__ volatile("sd zero, 0(%0)" ::"r"(addr) : "memory");
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  guest_printf("hello: guest running on hart %lu\n", hartid);
  struct sbiret spec = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
  struct sbiret impl = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0, 0, 0, 0);
  bool under_hv = impl.value == SBI_IMPL_ID_RUSTYVISOR;
  guest_printf("hello: SBI %lu.%lu from %s\n", (spec.value >> 24) & 0x7f, spec.value & 0xffffff,
               under_hv          ? "rustyvisor"
               : impl.value == 1 ? "OpenSBI"
                                 : "another SBI");

  if (guest_has_dbcn())
    guest_puts("hello: this line went through DBCN\n");
  else
    guest_puts("hello: no DBCN here, lines go through the legacy console\n");
  const char *legacy = "hello: this line went through the legacy console\n";
  for (const char *p = legacy; *p; p++)
    sbi_legacy(SBI_EXT_0_1_CONSOLE_PUTCHAR, (unsigned char)*p);

  /* Counters: hcounteren must let time, cycle and instret through. */
  unsigned long t0 = csr_read_time(), c0 = csr_read_cycle(), i0 = csr_read_instret();
  for (volatile int i = 0; i < 1000; i++)
    ;
  unsigned long t1 = csr_read_time(), c1 = csr_read_cycle(), i1 = csr_read_instret();
  CHECK(t1 > t0 && c1 > c0 && i1 > i0, "counters do not advance");
  guest_printf("hello: counters advance: time +%lu, cycle +%lu, instret +%lu\n", t1 - t0, c1 - c0,
               i1 - i0);

  /* Timer through SBI set_timer: 10 ms ahead. */
  guest_irq_handler = on_irq;
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  int before = timer_ticks;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + 100000, 0, 0, 0, 0, 0);
  wait_for_tick(before);
  CHECK(timer_ticks == before + 1, "no timer interrupt after SBI set_timer");
  if (timer_ticks == before + 1)
    guest_puts("hello: timer interrupt taken (SBI set_timer)\n");

  if (guest_fdt_isa_has(fdt, "sstc")) {
    before = timer_ticks;
    __asm__ volatile("csrw 0x14D, %0" ::"r"(csr_read_time() + 100000)); /* stimecmp */
    wait_for_tick(before);
    CHECK(timer_ticks == before + 1, "no timer interrupt after writing stimecmp");
    if (timer_ticks == before + 1)
      guest_puts("hello: timer interrupt taken (stimecmp, Sstc)\n");
  } else {
    guest_puts("hello: no Sstc in riscv,isa\n");
  }
  __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));

  /* SBI error paths. */
  struct sbiret r = sbi_ecall(0x0A000000, 0, 0, 0, 0, 0, 0, 0);
  CHECK(r.error == SBI_ERR_NOT_SUPPORTED, "unknown extension returned %ld", r.error);
  r = sbi_ecall(SBI_EXT_BASE, 0x99, 0, 0, 0, 0, 0, 0);
  CHECK(r.error == SBI_ERR_NOT_SUPPORTED, "unknown BASE function returned %ld", r.error);
  r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, 0x0A000000, 0, 0, 0, 0, 0);
  CHECK(r.error == 0 && r.value == 0, "probe of an unknown extension returned %ld", r.value);
  guest_puts("hello: unknown SBI extension -> NOT_SUPPORTED\n");
  r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0, 0, 0, 0);
  CHECK(r.error == 0 && r.value == SBI_HSM_STATE_STARTED, "own HSM status %ld/%ld", r.error,
        r.value);
  r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 4096, 0, 0, 0, 0, 0);
  CHECK(r.error == SBI_ERR_INVALID_PARAM, "HSM status of hart 4096 returned %ld", r.error);
  guest_puts("hello: HSM hart_get_status ok\n");
  r = sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 7, 0, 0, 0, 0, 0);
  CHECK(r.error == SBI_ERR_INVALID_PARAM, "SRST with a reserved type returned %ld", r.error);
  guest_puts("hello: SRST rejects a reserved reset type\n");

  if (guest_has_dbcn()) {
    r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, 0x1000, 0, 0, 0, 0);
    CHECK(r.error == SBI_ERR_INVALID_PARAM, "DBCN write below RAM returned %ld", r.error);
    r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, (unsigned long)fdt, 1, 0, 0, 0);
    CHECK(r.error == SBI_ERR_INVALID_PARAM, "DBCN write with base_hi returned %ld", r.error);
    r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_READ, 64, ~0UL - 8, 0, 0, 0, 0);
    CHECK(r.error == SBI_ERR_INVALID_PARAM, "DBCN read wrapping around returned %ld", r.error);
    guest_puts("hello: DBCN rejects buffers outside RAM\n");
  }

  /* Nothing lives at 8 MiB here or natively (QEMU virt leaves it unassigned): both give access
   * faults. */
  unsigned long cause = 0, tval = 0;
  guest_expect_exception();
  load_at(0x800000);
  CHECK(guest_took_exception(&cause, &tval) && cause == 5 && tval == 0x800000,
        "load at 0x800000: cause %lu tval 0x%lx", cause, tval);
  guest_expect_exception();
  store_at(0x800008);
  CHECK(guest_took_exception(&cause, &tval) && cause == 7 && tval == 0x800008,
        "store at 0x800008: cause %lu tval 0x%lx", cause, tval);
  guest_puts("hello: accesses outside RAM -> access faults\n");

  /* A misaligned atomic: a fault for the guest itself (as natively), never
   * the end of the VM. */
  static volatile uint64_t words[2];
  guest_expect_exception();
  __asm__ volatile("amoadd.w zero, zero, (%0)" ::"r"((uintptr_t)words + 1) : "memory");
  bool took = guest_took_exception(&cause, &tval);
  /* QEMU 7.2 + OpenSBI 1.1 report it as a misaligned load (4), natively too. */
  CHECK(took && (cause == 4 || cause == 6), "misaligned AMO: took %d cause %lu", took, cause);
  guest_printf("hello: misaligned AMO -> misaligned exception in the guest (cause %lu)\n", cause);

  if (under_hv) {
    /* A hypervisor CSR from VS-mode traps as virtual instruction; the
     * hypervisor turns it into an illegal instruction for the guest. */
    guest_expect_exception();
    __asm__ volatile("csrr t0, 0x600" ::: "t0"); /* hstatus */
    CHECK(guest_took_exception(&cause, &tval) && cause == 2, "hstatus read: cause %lu", cause);
    guest_puts("hello: hypervisor CSR access -> illegal instruction\n");

    /* An atomic on an emulated device register: no device model takes
     * one, so the guest gets a store access fault, not a confused UART. */
    guest_expect_exception();
    __asm__ volatile("amoswap.w zero, zero, (%0)" ::"r"(0x10000000UL) : "memory");
    CHECK(guest_took_exception(&cause, &tval) && cause == 7 && tval == 0x10000000,
          "AMO on the UART: cause %lu tval 0x%lx", cause, tval);
    guest_puts("hello: AMO on an emulated device -> store access fault\n");
  }

  /* Console input: a line typed on the console (the boot tests type one)
   * reaches the guest through SBI getchar. Up to 3 s, then move on. */
  guest_puts("hello: type a line\n");
  char line[32];
  unsigned n = 0;
  unsigned long start = csr_read_time();
  while (n < sizeof(line) - 1 && csr_read_time() - start < 30000000) {
    long ch = sbi_legacy(SBI_EXT_0_1_CONSOLE_GETCHAR, 0);
    if (ch < 0)
      continue;
    if (ch == '\r' || ch == '\n')
      break;
    line[n++] = (char)ch;
  }
  line[n] = '\0';
  guest_printf("hello: console input: '%s'\n", line);

  if (guest_failures)
    guest_printf("hello: %d checks failed\n", guest_failures);
  else
    guest_puts("hello: all checks passed\n");
  guest_shutdown();
}
