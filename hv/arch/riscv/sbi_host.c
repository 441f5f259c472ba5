/* The hypervisor's client of OpenSBI: the few calls that must reach M-mode
 * (sbi_host.h). */
#include "sbi_host.h"

void sbi_host_putchar(int c) {
  sbi_host_legacy_call(SBI_EXT_0_1_CONSOLE_PUTCHAR, (unsigned char)c);
}

int sbi_host_getchar(void) { return (int)sbi_host_legacy_call(SBI_EXT_0_1_CONSOLE_GETCHAR, 0); }

void sbi_host_set_timer(unsigned long stime) {
  sbi_host_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, stime, 0, 0);
}

/* SRST system_reset; falls back to the legacy shutdown if SRST is absent. */
_Noreturn void sbi_host_reset(unsigned long type, unsigned long reason) {
  sbi_host_call(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, reason, 0);
  sbi_host_legacy_call(SBI_EXT_0_1_SHUTDOWN, 0);
  for (;;)
    __asm__ volatile("wfi");
}

long sbi_host_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque) {
  return sbi_host_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, addr, opaque).error;
}

long sbi_host_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base) {
  return sbi_host_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, hart_mask, hart_mask_base, 0).error;
}

unsigned long sbi_host_machine_id(unsigned long base_fid) {
  struct sbiret r = sbi_host_call(SBI_EXT_BASE, base_fid, 0, 0, 0);
  return r.error ? 0 : (unsigned long)r.value;
}
