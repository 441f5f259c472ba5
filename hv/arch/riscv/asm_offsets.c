/* The offsets trap.S uses, generated from the C structs themselves (the
 * pattern of Linux's asm-offsets.c): this file is compiled to assembly
 * only (-S, never linked), each DEFINE() leaves a "->SYM value" line in
 * it, and cmake/asm_offsets.cmake turns those lines into asm_offsets.h,
 * which trap.S includes. A reordered or resized struct therefore moves
 * trap.S's offsets with it: it can never silently break the context
 * switch. */
#include "../../core/vcpu.h"
#include <stddef.h>

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" : : "i"(val))

/* trap.S indexes x[] and h_s[] by register number, 8 bytes each. */
_Static_assert(sizeof(((struct vcpu_arch *)0)->x[0]) == 8, "x[] of 8-byte registers");
_Static_assert(sizeof(((struct vcpu_arch *)0)->h_s[0]) == 8, "h_s[] of 8-byte registers");

void asm_offsets(void);
void asm_offsets(void) {
  DEFINE(VA_X0, offsetof(struct vcpu_arch, x));
  DEFINE(VA_SEPC, offsetof(struct vcpu_arch, sepc));
  DEFINE(VA_SSTATUS, offsetof(struct vcpu_arch, sstatus));
  DEFINE(VA_HSTATUS, offsetof(struct vcpu_arch, hstatus));
  DEFINE(VA_H_RA, offsetof(struct vcpu_arch, h_ra));
  DEFINE(VA_H_SP, offsetof(struct vcpu_arch, h_sp));
  DEFINE(VA_H_TP, offsetof(struct vcpu_arch, h_tp));
  DEFINE(VA_H_S0, offsetof(struct vcpu_arch, h_s));
  DEFINE(VA_H_SSTATUS, offsetof(struct vcpu_arch, h_sstatus));
  DEFINE(VA_H_HSTATUS, offsetof(struct vcpu_arch, h_hstatus));
  DEFINE(VA_H_STVEC, offsetof(struct vcpu_arch, h_stvec));
  DEFINE(VA_H_SSCRATCH, offsetof(struct vcpu_arch, h_sscratch));
  DEFINE(VA_T_SCAUSE, offsetof(struct vcpu_arch, scause));
  DEFINE(VA_T_STVAL, offsetof(struct vcpu_arch, stval));
  DEFINE(VA_T_HTVAL, offsetof(struct vcpu_arch, htval));
  DEFINE(VA_T_HTINST, offsetof(struct vcpu_arch, htinst));
  DEFINE(VA_SIZE, sizeof(struct vcpu_arch));
  /* trap.S hands the vcpu_arch pointer to C functions taking the vcpu. */
  DEFINE(VCPU_ARCH, offsetof(struct vcpu, arch));
}
