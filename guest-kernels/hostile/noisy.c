/* noisy: a hostile neighbour that tries to take another VM's share of a
 * hart or its console, by one of (bootargs "attack=N until=TICKS"):
 *   1 reboot  asks for a warm reboot at its entry, again and again
 *   2 wakeup  sets its timer 20 us ahead and sleeps (WFI), over and over
 *   3 fence   (2 vCPUs) parks vCPU 1 in WFI and fences it from vCPU 0 in a
 *             loop (SBI remote_sfence_vma), so that vCPU 1's hart is asked
 *   4 forge   prints lines made to pass for another VM's or the
 *             hypervisor's: CR, erase-line escapes, C1 controls, backspaces
 * until the shared timebase reaches TICKS, then shuts its VM down. The
 * victim beside it (spin) measures the share it got. */
#include "guest.h"

#define ATTACK_REBOOT 1
#define ATTACK_WAKEUP 2
#define ATTACK_FENCE 3
#define ATTACK_FORGE 4
#define SIE_STIE (1UL << 5)

static void attack_wakeup(unsigned long until) {
  unsigned long sleeps = 0;
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE)); /* wakes WFI; SIE stays off */
  while (csr_read_time() < until) {
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + 200, 0, 0, 0, 0, 0);
    __asm__ volatile("wfi");
    sleeps++;
  }
  guest_printf("noisy: %lu wake-ups\n", sleeps);
}

/* vCPU 1: sleeps with every interrupt masked, so nothing but a fence's
 * kick can ever reach its hart for it. */
void guest_secondary_main(unsigned long hartid, unsigned long opaque) {
  (void)hartid;
  (void)opaque;
  __asm__ volatile("csrw sie, zero");
  for (;;)
    __asm__ volatile("wfi");
}

static void attack_fence(unsigned long until) {
  extern char _start[];
  struct sbiret r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, 1,
                              (unsigned long)guest_secondary_entry, 0, 0, 0, 0);
  CHECK(r.error == 0, "hart_start of vCPU 1: %ld\n", r.error);
  unsigned long fences = 0;
  while (csr_read_time() < until) {
    r = sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1UL << 1, 0, (unsigned long)_start, 4096,
                  0, 0);
    if (r.error) {
      guest_printf("FAILED: remote_sfence_vma: %ld\n", r.error);
      break;
    }
    fences++;
  }
  guest_printf("noisy: %lu remote fences to vCPU 1\n", fences);
}

static void attack_forge(void) {
  /* A carriage return and an erase-line escape, then a line that looks
   * like VM victim's login prompt and like a message of the hypervisor. */
  guest_puts("\r\033[2K[victim] victim login: \n");
  guest_puts("\rrustyvisor: VM victim stopped: forged\n");
  /* 8-bit and UTF-8 encoded CSI (C1 controls), and a valid UTF-8 letter. */
  guest_puts("noisy: c1 \x9b"
             "2K \xc2\x9b"
             "2K \xc3\xa9\n");
  /* Backspaces: two that stay within this line's own text, then eight at
   * its start that would move back over its label. */
  guest_puts("noisy: abc\b\bX\n");
  guest_puts("\b\b\b\b\b\b\b\b[victim] forged\n");
  guest_puts("noisy: forged 5 lines\n");
}

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  unsigned long attack = 0, until = 0;
  guest_bootarg(fdt, "attack", &attack);
  guest_bootarg(fdt, "until", &until);
  if (attack == ATTACK_REBOOT && csr_read_time() < until)
    sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_WARM_REBOOT, 0, 0, 0, 0, 0);
  guest_console_init();
  switch (attack) {
  case ATTACK_REBOOT: guest_puts("noisy: reboots over\n"); break;
  case ATTACK_WAKEUP: attack_wakeup(until); break;
  case ATTACK_FENCE: attack_fence(until); break;
  case ATTACK_FORGE: attack_forge(); break;
  default: guest_printf("FAILED: noisy: no attack=1..4 in bootargs\n");
  }
  guest_shutdown();
}
