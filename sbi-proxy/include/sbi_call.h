/* The hypervisor's own calls to the SBI implementation below it (OpenSBI). */
#ifndef RV_SBI_CALL_H
#define RV_SBI_CALL_H
#include "sbi_defs.h"

struct sbiret {
  long error;
  long value;
};

static inline struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
                                     unsigned long a1, unsigned long a2) {
  register unsigned long r0 __asm__("a0") = a0;
  register unsigned long r1 __asm__("a1") = a1;
  register unsigned long r2 __asm__("a2") = a2;
  register unsigned long r6 __asm__("a6") = fid;
  register unsigned long r7 __asm__("a7") = ext;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
  return (struct sbiret){(long)r0, (long)r1};
}

static inline long sbi_legacy_call(unsigned long ext, unsigned long a0) {
  return sbi_call(ext, 0, a0, 0, 0).error;
}

/* Host-side helpers built on sbi_call(). */
void sbi_host_putchar(int c);
void sbi_host_set_timer(unsigned long stime);
_Noreturn void sbi_host_reset(unsigned long type, unsigned long reason);
long sbi_host_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque);
long sbi_host_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);

#endif
