/* ticker: a guest whose progress can be watched from the console, for the
 * monitor's tests (tests/boot/monitor.cmake). It prints
 *   ticker: booted, N vCPUs
 * then, from a timer interrupt every `period=` ticks of bootargs (default
 * 100 ms) while it waits in WFI,
 *   ticker: tick K, other vCPUs ran M loops
 * where M is what its other vCPUs (started through HSM) have counted
 * spinning, never exiting on their own: a vCPU busy on another hart. At
 * each tick it takes every byte typed for it (SBI getchar) and shows it:
 *   ticker: got 'x'
 * so a byte meant for someone else that reaches it is seen. Each tick's
 * deadline follows the last one's, so a timer interrupt that is lost
 * stops the ticks for good: a paused VM whose timer is dropped never ticks
 * again. With `ticks=K` it shuts down after K ticks. */
#include "guest.h"

#define SIE_STIE (1UL << 5)
#define SSTATUS_SIE (1UL << 1)
#define IRQ_S_TIMER 5

static unsigned long period = 1000000, next;
static volatile unsigned long ticks;
static volatile unsigned long loops[GUEST_MAX_HARTS];

static void on_irq(unsigned long irq) {
  if (irq != IRQ_S_TIMER)
    return;
  ticks++;
  next += period;
  unsigned long now = csr_read_time();
  if (next <= now) /* it came late (paused, say): the next one a period on */
    next = now + period;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, next, 0, 0, 0, 0, 0);
}

void guest_secondary_main(unsigned long hartid, unsigned long opaque) {
  (void)opaque;
  for (;;)
    loops[hartid % GUEST_MAX_HARTS]++;
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  unsigned long nharts = guest_fdt_harts(fdt), limit = 0;
  guest_bootarg(fdt, "period", &period);
  bool stop_after = guest_bootarg(fdt, "ticks", &limit);
  guest_printf("ticker: booted, %lu vCPUs\n", nharts);
  for (unsigned long h = 0; h < nharts && h < GUEST_MAX_HARTS; h++)
    if (h != hartid)
      sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, h, (unsigned long)guest_secondary_entry, 0, 0, 0,
                0);
  guest_irq_handler = on_irq;
  next = csr_read_time() + period;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, next, 0, 0, 0, 0, 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  unsigned long seen = 0;
  for (;;) {
    while (ticks == seen)
      __asm__ volatile("wfi");
    seen = ticks;
    unsigned long other = 0;
    for (unsigned long h = 0; h < GUEST_MAX_HARTS; h++)
      other += loops[h];
    guest_printf("ticker: tick %lu, other vCPUs ran %lu loops\n", seen, other);
    long ch;
    while ((ch = sbi_legacy(SBI_EXT_0_1_CONSOLE_GETCHAR, 0)) >= 0) {
      if (ch > 0x20 && ch < 0x7f)
        guest_printf("ticker: got '%c'\n", (int)ch);
      else
        guest_printf("ticker: got 0x%lx\n", (unsigned long)ch);
    }
    if (stop_after && seen >= limit) {
      guest_printf("ticker: %lu ticks, done\n", seen);
      guest_shutdown();
    }
  }
}
