/* vmswitch: the path length of a VM switch, measured by two VMs that share
 * one hart (scripts/bench.py runs them under -icount shift=0, where instret
 * counts every instruction executed in every mode, exactly).
 *
 * bootargs "role=spin": the spinner reads instret in a tight loop and
 * stores every gap: instructions executed elsewhere between two of its
 * reads, i.e. while it was switched out. It prints
 *   vmswitch: spin: gap <median> min <min> max <max> n <n>, loop <L>
 * where the gap counts everything between two reads but the loop's own L
 * instructions.
 *
 * bootargs "role=sleep": the sleeper sleeps in WFI and is woken by its own
 * timer every PERIOD_TICKS (stimecmp with Sstc, SBI set_timer without);
 * its handler re-arms the timer and it sleeps again. It counts the
 * instructions it executes itself per wake-up, from the first instruction
 * of its handler to the one before its WFI, and prints
 *   vmswitch: sleep: own <median> min <min> max <max> n <n> (sstc|sbi set_timer)
 *
 * With both on one hart, each gap is: the hypervisor switching from the
 * spinner to the sleeper (on the sleeper's timer), the sleeper's own
 * instructions, and the hypervisor switching back (on the sleeper's WFI):
 * gap - own is one VM switch round trip. Each role ends with
 * "vmswitch: <role> done" and an SRST shutdown of its VM. The loops are in
 * vmswitch_asm.S. */
#include "fdt.h"
#include "guest.h"
#include <string.h>

#define WARMUP 8
#define REPS 64
#define SLEEP_EXTRA 32          /* wake-ups past what the spinner needs */
#define PERIOD_TICKS 1000       /* 100 us at 10 MHz: ~100 000 instructions */
#define GAP_THRESHOLD 100       /* a gap this long is not the spinner's loop */
#define SPIN_BUDGET 200000000UL /* instructions the spinner waits at most */
#define VMSWITCH_LOOP 5         /* instructions of vmswitch_spin's loop */
#define VMSWITCH_STORE 3        /* and of its store path */
#define SIE_STIE (1UL << 5)
#define IRQ_S_TIMER 5

#define SLEEP_WAKES (WARMUP + REPS + SLEEP_EXTRA)

/* Shared with vmswitch_asm.S: offsets 0, 8, 16, 24, 32. */
struct sleep_state {
  unsigned long entry;
  unsigned long before;
  unsigned long n;
  unsigned long period;
  unsigned long own[SLEEP_WAKES + 4]; /* + room for a late wake-up */
};

unsigned long vmswitch_spin(unsigned long *gaps, unsigned long n, unsigned long threshold,
                            unsigned long instret_end);
void vmswitch_sleep(struct sleep_state *st, unsigned long wakes);
void vmswitch_vec_sstc(void);
void vmswitch_vec_sbi(void);
void guest_trap_entry(void); /* start.S */

static unsigned long gaps[WARMUP + REPS];
static struct sleep_state sleep_state;

static void sort(unsigned long *v, int n) {
  for (int i = 1; i < n; i++) {
    unsigned long x = v[i];
    int j = i;
    for (; j > 0 && v[j - 1] > x; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

/* The value of "key=" in /chosen/bootargs, copied into buf; false if absent. */
static bool bootarg(const void *fdt, const char *key, char *buf, unsigned long size) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1U << 16) != DT_OK)
    return false;
  int chosen = dt_path(&dt, "/chosen");
  const char *args = chosen >= 0 ? dt_prop_str(&dt, chosen, "bootargs") : NULL;
  unsigned long klen = strlen(key);
  for (const char *p = args; p && *p; p++) {
    if ((p == args || p[-1] == ' ') && !strncmp(p, key, klen) && p[klen] == '=') {
      p += klen + 1;
      unsigned long n = 0;
      while (p[n] && p[n] != ' ' && n + 1 < size) {
        buf[n] = p[n];
        n++;
      }
      buf[n] = '\0';
      return true;
    }
  }
  return false;
}

static void role_spin(void) {
  /* The loop's length, checked: with a threshold of 0 every gap is stored,
   * and one that nothing interrupted is the loop plus its store path (the
   * first gap is from the read before the loop: 1). */
  unsigned long cal[16];
  unsigned long got = vmswitch_spin(cal, 16, 0, ~0UL);
  sort(cal + 1, (int)got - 1);
  CHECK(got == 16 && cal[1] == VMSWITCH_LOOP + VMSWITCH_STORE,
        "spin: calibration: shortest stored gap %lu, want %d", cal[1],
        VMSWITCH_LOOP + VMSWITCH_STORE);
  guest_printf("vmswitch: spin: waiting for %d gaps of at least %d instructions\n", WARMUP + REPS,
               GAP_THRESHOLD);
  unsigned long n =
      vmswitch_spin(gaps, WARMUP + REPS, GAP_THRESHOLD, csr_read_instret() + SPIN_BUDGET);
  if (n < WARMUP + REPS) {
    CHECK(0, "spin: only %lu gaps in %lu instructions (is the sleeper running?)", n, SPIN_BUDGET);
    return;
  }
  /* The loop's own instructions are in every gap: take them out. */
  unsigned long *g = gaps + WARMUP;
  for (int i = 0; i < REPS; i++)
    g[i] -= VMSWITCH_LOOP;
  sort(g, REPS);
  guest_printf("vmswitch: spin: gap %lu min %lu max %lu n %d, loop %d\n", g[REPS / 2], g[0],
               g[REPS - 1], REPS, VMSWITCH_LOOP);
}

static void role_sleep(bool sstc) {
  struct sleep_state *st = &sleep_state;
  st->period = PERIOD_TICKS;
  unsigned long vec = sstc ? (unsigned long)vmswitch_vec_sstc : (unsigned long)vmswitch_vec_sbi;
  __asm__ volatile("csrw stvec, %0" ::"r"(vec));
  unsigned long first = csr_read_time() + PERIOD_TICKS;
  if (sstc)
    __asm__ volatile("csrw 0x14D, %0" ::"r"(first)); /* stimecmp */
  else
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, first, 0, 0, 0, 0, 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
  vmswitch_sleep(st, SLEEP_WAKES);
  __asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
  __asm__ volatile("csrw stvec, %0" ::"r"((unsigned long)guest_trap_entry));
  if (sstc)
    __asm__ volatile("csrw 0x14D, %0" ::"r"(~0UL));
  else
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, ~0UL, 0, 0, 0, 0, 0);
  /* own[k] is wake-up k - 1, from the handler's first instruction up to
   * the read before the WFI; the sd after that read is its one more. */
  unsigned long *own = st->own + 1 + WARMUP;
  int n = (int)(st->n - 1 - WARMUP);
  for (int i = 0; i < n; i++)
    own[i] += 1;
  sort(own, n);
  guest_printf("vmswitch: sleep: own %lu min %lu max %lu n %d (%s)\n", own[n / 2], own[0],
               own[n - 1], n, sstc ? "sstc" : "sbi set_timer");
}

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  guest_console_init();
  char role[16];
  bool sstc = guest_fdt_isa_has(fdt, "sstc");
  if (!bootarg(fdt, "role", role, sizeof(role))) {
    guest_puts("FAILED: vmswitch: no role= in bootargs (spin or sleep)\n");
    guest_shutdown_fail();
  }
  guest_printf("vmswitch: role %s, sstc %s\n", role, sstc ? "yes" : "no");
  if (!strcmp(role, "spin")) {
    role_spin();
  } else if (!strcmp(role, "sleep")) {
    role_sleep(sstc);
  } else {
    guest_printf("FAILED: vmswitch: unknown role '%s'\n", role);
    guest_shutdown_fail();
  }
  guest_printf("vmswitch: %s done%s\n", role, guest_failures ? " (checks failed)" : "");
  guest_shutdown();
}
