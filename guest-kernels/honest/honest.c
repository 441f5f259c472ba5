/* honest: a well-behaved guest for the VM isolation test. It fills an 8 MiB
 * buffer in its RAM from a fixed-seed PRNG, hashes it in HONEST_ROUNDS
 * passes (workload.c) while a periodic SBI timer interrupt ticks, re-checks
 * that the buffer still holds the PRNG sequence (nothing else wrote into its
 * RAM), and compares the checksum with HONEST_EXPECTED, the constant the
 * host unit test proves. */
#include "fdt.h"
#include "guest.h"
#include "workload.h"

#define SIE_STIE (1UL << 5)
#define SSTATUS_SIE (1UL << 1)
#define IRQ_S_TIMER 5
#define TICKS_PER_SECOND 100

static uint64_t buffer[HONEST_WORDS];
static unsigned long tick_period = 10000000 / TICKS_PER_SECOND; /* timebase / 100 */
static volatile unsigned long ticks;

/* Timer tick: count it and arm the next one. */
static void on_irq(unsigned long irq) {
  if (irq != IRQ_S_TIMER) {
    guest_printf("FAILED: honest: unexpected interrupt %lu\n", irq);
    guest_shutdown_fail();
  }
  ticks++;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + tick_period, 0, 0, 0, 0, 0);
}

/* Does RAM (the FDT's memory nodes) hold [a, a+len)? */
static bool ram_holds(const void *fdt, unsigned long a, unsigned long len) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  uint32_t tb;
  int cpus = dt_path(&dt, "/cpus");
  if (cpus >= 0 && dt_prop_u32(&dt, cpus, "timebase-frequency", &tb) == DT_OK && tb)
    tick_period = tb / TICKS_PER_SECOND;
  for (int c = dt_first_child(&dt, dt_root(&dt)); c >= 0; c = dt_next_sibling(&dt, c)) {
    const char *type = dt_prop_str(&dt, c, "device_type");
    uint64_t base, size;
    for (int i = 0; type && type[0] == 'm' && dt_reg(&dt, c, i, &base, &size) == DT_OK; i++)
      if (a >= base && len <= size && a - base <= size - len)
        return true;
  }
  return false;
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  guest_printf("honest: checksummed workload on hart %lu: %lu MiB buffer at %p, %u rounds\n",
               hartid, (unsigned long)(sizeof(buffer) >> 20), (void *)buffer, HONEST_ROUNDS);
  if (!ram_holds(fdt, (unsigned long)buffer, sizeof(buffer))) {
    CHECK(false, "honest: the buffer at %p is not inside the RAM the FDT names", (void *)buffer);
    guest_shutdown();
  }

  guest_irq_handler = on_irq;
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + tick_period, 0, 0, 0, 0, 0);

  unsigned long t0 = csr_read_time();
  honest_fill(buffer, HONEST_WORDS, HONEST_SEED);
  uint64_t h = HONEST_FNV_OFFSET;
  for (unsigned r = 0; r < HONEST_ROUNDS; r++) {
    h = honest_round(buffer, HONEST_WORDS, r, h);
    guest_printf("honest: round %u/%u checksum 0x%016lx (%lu timer ticks so far)\n", r + 1,
                 HONEST_ROUNDS, (unsigned long)h, ticks);
  }
  size_t bad = honest_verify(buffer, HONEST_WORDS, HONEST_SEED);
  unsigned long t1 = csr_read_time();

  __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
  __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);

  CHECK(bad == HONEST_WORDS, "honest: buffer word %lu at %p no longer holds the PRNG sequence",
        (unsigned long)bad, (void *)&buffer[bad < HONEST_WORDS ? bad : 0]);
  if (bad == HONEST_WORDS)
    guest_printf("honest: buffer intact: %lu words re-verified\n", (unsigned long)HONEST_WORDS);
  CHECK(ticks > 0, "honest: no timer interrupt during the workload");
  guest_printf("honest: %lu timer ticks in %lu ms of guest time\n", ticks,
               (t1 - t0) / (tick_period * TICKS_PER_SECOND / 1000));
  CHECK(h == HONEST_EXPECTED, "honest: checksum 0x%016lx, expected 0x%016lx", (unsigned long)h,
        (unsigned long)HONEST_EXPECTED);
  if (h == HONEST_EXPECTED)
    guest_printf("honest: checksum 0x%016lx ok\n", (unsigned long)h);
  guest_puts(guest_failures ? "honest: checks failed\n" : "honest: done\n");
  guest_shutdown();
}
