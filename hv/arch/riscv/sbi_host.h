/* The hypervisor's own calls to the SBI implementation below it (OpenSBI,
 * in M-mode): its console before the UART, its timer, its harts' start and
 * IPIs, machine identity, power-off. Below the core: the core and the
 * guests' SBI (sbi-proxy/, through the core's sbi_env) call down into it,
 * never the other way. SBI spec v2.0, chapter 3 (binary encoding). */
#ifndef RV_SBI_HOST_H
#define RV_SBI_HOST_H
#include "sbi_defs.h"

struct sbiret {
  long error;
  long value;
};

/* One ecall to M-mode: a7 = extension, a6 = function, a0-a2 arguments. */
static inline struct sbiret sbi_host_call(unsigned long ext, unsigned long fid, unsigned long a0,
                                          unsigned long a1, unsigned long a2) {
  register unsigned long r0 __asm__("a0") = a0;
  register unsigned long r1 __asm__("a1") = a1;
  register unsigned long r2 __asm__("a2") = a2;
  register unsigned long r6 __asm__("a6") = fid;
  register unsigned long r7 __asm__("a7") = ext;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
  return (struct sbiret){(long)r0, (long)r1};
}

/* A legacy (v0.1) call: its answer is a0 alone. */
static inline long sbi_host_legacy_call(unsigned long ext, unsigned long a0) {
  return sbi_host_call(ext, 0, a0, 0, 0).error;
}

/* sbi_host.c */
void sbi_host_putchar(int c);
int sbi_host_getchar(void); /* -1: nothing waiting */
void sbi_host_set_timer(unsigned long stime);
_Noreturn void sbi_host_reset(unsigned long type, unsigned long reason);
long sbi_host_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque);
long sbi_host_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
/* BASE get_mvendorid/get_marchid/get_mimpid (base_fid), 0 if it fails. */
unsigned long sbi_host_machine_id(unsigned long base_fid);

#endif
