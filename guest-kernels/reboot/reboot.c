/* reboot: asks for a reboot of its VM (SBI SRST), cold or warm as its
 * bootargs say. The hypervisor must restart the VM from its image: the
 * guest boots again, from scratch, and asks again. With "ask" in its
 * bootargs it asks the console first, at every boot: 'r' reboots, 's' shuts
 * the VM down. Nothing in RAM survives a reboot, so this is how a boot test
 * (which types the answers) makes it stop after a given number of reboots
 * and then sees the machine power off. */
#include "fdt.h"
#include "guest.h"

/* Zero at every boot: RAM is cleared when the VM is reloaded. */
static volatile unsigned long boots;

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  guest_console_init();
  boots++;
  bool cold = guest_bootargs_have(fdt, "cold");
  const char *kind = cold ? "cold" : "warm";
  if (guest_bootargs_have(fdt, "ask")) {
    guest_printf("reboot: booted (boots seen in RAM: %lu); r: %s reboot, s: shut down?\n", boots,
                 kind);
    long ch = -1;
    unsigned long start = csr_read_time();
    while (ch != 'r' && ch != 's' && csr_read_time() - start < 600000000UL /* 60 s */)
      ch = sbi_legacy(SBI_EXT_0_1_CONSOLE_GETCHAR, 0);
    if (ch == 's') {
      guest_puts("reboot: shutting down\n");
      guest_shutdown();
    }
    if (ch != 'r') {
      guest_puts("FAILED: reboot: no answer on the console\n");
      guest_shutdown_fail();
    }
  }
  guest_printf("reboot: booted (boots seen in RAM: %lu), asking for a %s reboot\n", boots, kind);
  sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET,
            cold ? SBI_SRST_TYPE_COLD_REBOOT : SBI_SRST_TYPE_WARM_REBOOT, SBI_SRST_REASON_NONE, 0,
            0, 0, 0);
  guest_puts("FAILED: reboot: the reboot call returned\n");
  guest_shutdown();
}
