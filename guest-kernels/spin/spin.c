/* spin: a busy guest that measures the CPU time it is given. It spins over
 * the `time` counter: consecutive reads a few ticks apart are time it ran;
 * a larger gap is time the hart spent elsewhere (another VM, the
 * hypervisor). Over a window of the shared timebase, from bootargs
 * "window=START-END" (absolute ticks, so that every VM measures the same
 * interval) or else its first second, it prints what it got:
 *   spin: got G of W ticks (S permille)
 * which the fairness measurements compare across VMs, then
 *   spin: own O permille, interrupted N times
 * the time it ran counting every gap of INTR_TICKS or more as lost (an exit
 * to the hypervisor costs at least that, its own loop much less; the host
 * descheduling QEMU adds a few hundred gaps a second at most), and how many
 * such gaps there were. Never yields. */
#include "fdt.h"
#include "guest.h"
#include <string.h>

/* A gap this long (in ticks) is not this guest's own loop. */
#define GAP_TICKS 50
#define INTR_TICKS 8

static unsigned long parse_ulong(const char **p) {
  unsigned long v = 0;
  while (**p >= '0' && **p <= '9')
    v = v * 10 + (unsigned long)(*(*p)++ - '0');
  return v;
}

/* "window=START-END" in the FDT's /chosen/bootargs; false when absent. */
static bool window_from_fdt(const void *fdt, unsigned long *start, unsigned long *end) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1U << 16) != DT_OK)
    return false;
  int chosen = dt_path(&dt, "/chosen");
  const char *args = chosen >= 0 ? dt_prop_str(&dt, chosen, "bootargs") : NULL;
  for (const char *p = args; p && *p; p++) {
    if (!strncmp(p, "window=", 7)) {
      p += 7;
      *start = parse_ulong(&p);
      if (*p++ != '-')
        return false;
      *end = parse_ulong(&p);
      return *end > *start;
    }
  }
  return false;
}

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  guest_console_init();
  unsigned long start, end, now = csr_read_time();
  if (!window_from_fdt(fdt, &start, &end)) {
    start = now;
    end = now + 10000000; /* 1 s at QEMU virt's 10 MHz */
  }
  if (now > start) {
    guest_printf("spin: started late, at %lu (window %lu-%lu)\n", now, start, end);
    start = now;
  }
  guest_printf("spin: measuring %lu-%lu\n", start, end);
  while ((now = csr_read_time()) < start)
    ;
  unsigned long got = 0, own = 0, prev = now, loops = 0, interrupted = 0;
  while (now < end) {
    now = csr_read_time();
    if (now - prev < GAP_TICKS)
      got += now - prev;
    if (now - prev < INTR_TICKS)
      own += now - prev;
    else
      interrupted++;
    prev = now;
    loops++;
  }
  unsigned long total = end - start;
  guest_printf("spin: got %lu of %lu ticks (%lu permille), %lu loops\n", got, total,
               got * 1000 / total, loops);
  guest_printf("spin: own %lu permille, interrupted %lu times\n", own * 1000 / total, interrupted);
  guest_shutdown();
}
