/* Access to guest memory by guest-virtual address, with the guest's own
 * translation (VS-stage then G-stage); faults are returned, never taken. */
#ifndef RV_GUEST_MEM_H
#define RV_GUEST_MEM_H
#include <stdint.h>

struct vcpu;

/* The guest's vsatp (v is loaded on this hart: its VS CSRs are live). */
unsigned long guest_vsatp(struct vcpu *v);
/* The instruction at the guest's sepc (16 or 32 bits), or 0 on a fault. */
uint32_t guest_fetch_insn(struct vcpu *v);
/* 0 and *out, or -1 if the guest address does not translate. */
int guest_read_ulong(struct vcpu *v, unsigned long gva, unsigned long *out);
/* The fixup address for a fault at pc inside the accessors, or 0. */
unsigned long guest_access_fixup(unsigned long pc);

#endif
