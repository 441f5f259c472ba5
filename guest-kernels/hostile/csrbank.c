/* csrbank: the S-mode CSRs a VS-mode guest reaches directly (scounteren,
 * senvcfg: the H extension banks no VS copy of them) belong to this VM
 * alone. Run two of these on one hart with different values (bootargs
 * "scounteren=N senvcfg=N ticks=N"): each reads 7 and 0 at boot (the reset
 * values, what OpenSBI gives an S-mode OS; not the other
 * VM's value), sets its own, and for `ticks` of time checks, again and
 * again while the other VM runs in between, that its values stayed and that
 * its user mode's rdtime does what its scounteren.TM says. Prints
 *   csrbank: R rounds, S switches, M mismatches, U wrong user rdtime
 * and FAILED: lines for what broke. */
#include "guest.h"

#define SCOUNTEREN_TM (1UL << 1)
#define SCAUSE_ECALL_U 8
#define SCAUSE_ILLEGAL 2
#define GAP_TICKS 500 /* a round of 50 us or more: another VM ran in it */

unsigned long user_rdtime_probe(void); /* user_asm.S */

#define csr_get(csr)                                                                               \
  ({                                                                                               \
    unsigned long v_;                                                                              \
    __asm__ volatile("csrr %0, " #csr : "=r"(v_));                                                 \
    v_;                                                                                            \
  })
#define csr_put(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"(val))

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  guest_console_init();
  unsigned long want_sc = 0, want_env = 0, ticks = 10000000;
  guest_bootarg(fdt, "scounteren", &want_sc);
  guest_bootarg(fdt, "senvcfg", &want_env);
  guest_bootarg(fdt, "ticks", &ticks);

  /* 0x106: scounteren, 0x10a: senvcfg */
  unsigned long sc = csr_get(0x106), env = csr_get(0x10a);
  guest_printf("csrbank: at boot scounteren=0x%lx senvcfg=0x%lx\n", sc, env);
  /* The reset values (what OpenSBI gives an S-mode OS), not the other VM's. */
  CHECK(sc == 7 && env == 0, "boot values not 7 and 0: another VM's CSRs leak in\n");

  csr_put(0x106, want_sc);
  csr_put(0x10a, want_env);
  sc = csr_get(0x106);
  env = csr_get(0x10a);
  guest_printf("csrbank: set scounteren=0x%lx senvcfg=0x%lx\n", sc, env);
  CHECK(sc == want_sc, "scounteren 0x%lx did not stick (0x%lx)\n", want_sc, sc);
  CHECK((env & 1) == (want_env & 1), "senvcfg.FIOM did not stick (0x%lx)\n", env);

  unsigned long rounds = 0, switches = 0, mismatches = 0, wrong = 0;
  unsigned long expect_cause = (sc & SCOUNTEREN_TM) ? SCAUSE_ECALL_U : SCAUSE_ILLEGAL;
  unsigned long start = csr_read_time(), prev = start, now;
  while ((now = csr_read_time()) - start < ticks) {
    if (now - prev > GAP_TICKS) /* a round this long: another VM ran in it */
      switches++;
    prev = now;
    unsigned long c = csr_get(0x106), e = csr_get(0x10a);
    if (c != sc || e != env) {
      if (!mismatches)
        guest_printf("FAILED: round %lu: scounteren=0x%lx senvcfg=0x%lx, not this VM's\n", rounds,
                     c, e);
      mismatches++;
    }
    unsigned long cause = user_rdtime_probe();
    if (cause != expect_cause) {
      if (!wrong)
        guest_printf("FAILED: round %lu: user rdtime ended with scause %lu, expected %lu\n", rounds,
                     cause, expect_cause);
      wrong++;
    }
    rounds++;
  }
  guest_printf("csrbank: %lu rounds, %lu switches, %lu mismatches, %lu wrong user rdtime\n", rounds,
               switches, mismatches, wrong);
  CHECK(switches >= 10, "only %lu switches: the hart was never shared\n", switches);
  guest_shutdown();
}
