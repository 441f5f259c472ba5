/* Host SMP: bringing up the other harts and kicking them. */
#include "hart.h"
#include "../arch/riscv/csr.h"
#include "../arch/riscv/sbi_host.h"
#include "console.h"
#include "sched.h"
#include "vm.h"

struct hart harts[PLAT_MAX_HARTS];
unsigned hart_count = 1;
/* The hart smp_boot_secondaries() is starting, and its hart id + 1 while
 * its start is open: entry.S claims the start by setting that to 0, the
 * boot hart withdraws it (a hart that is late) the same way. */
struct hart *hart_starting;
unsigned long hart_starting_id;

/* Each: its guard, then its stack (which grows down towards the guard). */
static uint8_t hart_stacks[PLAT_MAX_HARTS][HART_STACK_GUARD + HART_STACK_SIZE]
    __attribute__((aligned(16)));
extern uint64_t hv_boot_stack_guard[]; /* entry.S */

void hart_guard_init(struct hart *h) {
  for (unsigned i = 0; i < HART_STACK_GUARD / 8; i++)
    h->stack_guard[i] = HART_GUARD_WORD;
}

void hart_guard_check(const struct hart *h, bool full) {
  unsigned n = HART_STACK_GUARD / 8;
  if (!h->stack_guard)
    return; /* not set up yet */
  for (unsigned i = full ? 0 : n - 2; i < n; i++)
    if (h->stack_guard[i] != HART_GUARD_WORD)
      hv_panic("hart %u: stack overflow: the guard below its stack (0x%lx-0x%lx) was written",
               h->index, (unsigned long)(uintptr_t)h->stack_guard,
               (unsigned long)(uintptr_t)h->stack_guard + HART_STACK_GUARD);
}

#ifdef RV_TEST_EARLY_WAKE
/* Test image (boot.smp.early-wake): the entry and a1 OpenSBI 1.1 gives a
 * hart it wakes before hart_start has written them (entry.S). */
extern char _start[];
#define SECONDARY_ENTRY _start
#define SECONDARY_ARG(h) ((unsigned long)plat.fdt)
#else
extern char hv_secondary_entry[];
#define SECONDARY_ENTRY hv_secondary_entry
#define SECONDARY_ARG(h) ((unsigned long)(h))
#endif
void hart_init_hyp(void);

void hart_kick(struct hart *h) {
  if (h != this_hart())
    sbi_host_send_ipi(1, h->hartid);
}

/* Entered by each secondary hart from entry.S, on its own stack. */
void hv_secondary_main(void) {
  struct hart *h = this_hart();
  hart_init_hyp();
  __atomic_store_n(&h->online, true, __ATOMIC_SEQ_CST);
  hart_kick(&harts[0]); /* the boot hart waits for it in WFI */
  sched_run();
}

/* Wait until h is online or the time reaches deadline: in WFI, woken by
 * h's kick or by the timer at the deadline. Not a busy poll: under QEMU's
 * -icount, a hart that polls keeps the one it waits for from running. A
 * kick is not lost: it leaves SSIP pending, and WFI returns at once for a
 * pending interrupt; SSIP is cleared only before the next test. */
static bool wait_online(struct hart *h, uint64_t deadline) {
  sched_program_timer(this_hart(), deadline);
  while (!__atomic_load_n(&h->online, __ATOMIC_SEQ_CST) && csr_read(CSR_TIME) < deadline) {
    cpu_wfi();
    csr_clear(CSR_SIP, MIP_SSIP);
  }
  sched_program_timer(this_hart(), UINT64_MAX); /* as hart_init_hyp() left it */
  return __atomic_load_n(&h->online, __ATOMIC_SEQ_CST);
}

void smp_boot_secondaries(void) {
  harts[0].hartid = plat.boot_hartid;
  harts[0].index = 0;
  harts[0].online = true;
  harts[0].stack_guard = hv_boot_stack_guard;
  hart_guard_init(&harts[0]);
  unsigned n = 1;
  for (unsigned i = 0; i < plat.nharts && n < PLAT_MAX_HARTS; i++) {
    unsigned long id = plat.hartids[i];
    if (id == plat.boot_hartid)
      continue;
    struct hart *h = &harts[n];
    h->hartid = id;
    h->index = n;
    h->stack_top = (uint64_t)(uintptr_t)(hart_stacks[n] + HART_STACK_GUARD + HART_STACK_SIZE);
    h->stack_guard = (uint64_t *)(void *)hart_stacks[n];
    hart_guard_init(h);
    __atomic_store_n(&hart_starting, h, __ATOMIC_SEQ_CST);
    __atomic_store_n(&hart_starting_id, id + 1, __ATOMIC_SEQ_CST);
    long err = sbi_host_hart_start(id, (unsigned long)SECONDARY_ENTRY, SECONDARY_ARG(h));
    /* It comes up in well under a second; give it ten. Then its start is
     * withdrawn, unless it has claimed it after all (entry.S): then it runs
     * this hypervisor's code and must come up. Likewise after an error:
     * OpenSBI 1.1 may fail a start after it has let the hart go. */
    uint64_t patience = 10ULL * plat.timebase;
    bool up = !err && wait_online(h, csr_read(CSR_TIME) + patience);
    if (!up && __atomic_exchange_n(&hart_starting_id, 0, __ATOMIC_SEQ_CST) != id + 1) {
      up = wait_online(h, csr_read(CSR_TIME) + patience);
      if (!up)
        hv_panic("hart %lu entered the hypervisor but did not come up", id);
    }
    if (!up) {
      if (err)
        hv_log("hart %lu: SBI hart_start failed (%ld): not used", id, err);
      else
        hv_log("hart %lu did not come up: not used", id);
      continue;
    }
    n++;
  }
  hart_count = n;
}
