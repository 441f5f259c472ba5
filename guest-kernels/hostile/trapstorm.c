/* trapstorm: a hostile guest whose own trap vector faults forever. It
 * points stvec outside its RAM and touches an address outside its RAM: the
 * access fault the hypervisor injects lands on the bad vector, which faults
 * again, and again. The hypervisor must notice and stop this VM only. */
#include "guest.h"

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  (void)fdt;
  guest_console_init();
  guest_puts("trapstorm: pointing stvec outside RAM and faulting\n");
  __asm__ volatile("csrw stvec, %0" ::"r"(0x1000UL));
  __asm__ volatile("ld t0, 0(%0)" ::"r"(0x800000UL) : "t0", "memory");
  guest_puts("FAILED: trapstorm: still running after the storm\n");
  guest_shutdown();
}
