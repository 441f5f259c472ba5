#include "guest_mem.h"
#include "../arch/riscv/csr.h"
#include "vm.h"

long hv_guest_hlvx_hu(unsigned long gva);
long hv_guest_hlvx_wu(unsigned long gva);
long hv_guest_hlv_d(unsigned long gva, unsigned long *out);
extern const unsigned long hv_guest_access_fixups[];

unsigned long guest_access_fixup(unsigned long pc) {
  for (const unsigned long *f = hv_guest_access_fixups; f[0]; f += 2)
    if (f[0] == pc)
      return f[1];
  return 0;
}

/* HLV/HLVX access memory as the guest's privilege: hstatus.SPVP must hold
 * the mode the guest trapped from. */
static unsigned long enter_guest_priv(struct vcpu *v) {
  unsigned long saved = csr_read(CSR_HSTATUS);
  csr_write(CSR_HSTATUS, (saved & ~HSTATUS_SPVP) | (v->arch.hstatus & HSTATUS_SPVP));
  return saved;
}

unsigned long guest_vsatp(struct vcpu *v) {
  (void)v;
  return csr_read(CSR_VSATP);
}

uint32_t guest_fetch_insn(struct vcpu *v) {
  unsigned long saved = enter_guest_priv(v), pc = v->arch.sepc;
  long lo, hi = 0;
  if (!(pc & 3)) {
    /* One read: the word lies in one page, and the halfword after a
     * compressed instruction is as readable as the instruction itself. */
    lo = hv_guest_hlvx_wu(pc);
    if (lo >= 0 && (lo & 3) != 3)
      lo &= 0xffff;
  } else {
    lo = hv_guest_hlvx_hu(pc);
    hi = lo >= 0 && (lo & 3) == 3 ? hv_guest_hlvx_hu(pc + 2) : 0;
  }
  csr_write(CSR_HSTATUS, saved);
  if (lo < 0 || hi < 0)
    return 0;
  return (uint32_t)lo | (uint32_t)hi << 16;
}

int guest_read_ulong(struct vcpu *v, unsigned long gva, unsigned long *out) {
  unsigned long saved = enter_guest_priv(v);
  long r = hv_guest_hlv_d(gva, out);
  csr_write(CSR_HSTATUS, saved);
  return r < 0 ? -1 : 0;
}
