/* The MMIO path: a guest's load or store that faulted in the G-stage at a
 * device's window, decoded once and handed to the device's model on the
 * VM's bus (bus.h) as (offset, width, value). Everything about the
 * instruction is done here and only here: the decode (htinst or HLVX), the
 * check that the fault is the guest's own access and not its page-table
 * walk, the sign extension of a load and the write-back of rd. It does not
 * move sepc: it returns the outcome and the instruction's length (2 for a
 * compressed access), and the exit dispatcher (core/exit.c) steps sepc.
 * The models never see a vCPU.
 *
 * It reaches the CPU and the rest of the hypervisor only through functions
 * (core/guest_mem.h: guest_vsatp(), guest_fetch_insn(); core/vm.h:
 * vm_gpa_to_hva(), vcpu_redirect_trap(), and struct vcpu itself): the host
 * unit test (tests/unit/test_vdev.c) links it with fakes of them. */
#include "mmio.h"
#include "../arch/riscv/csr.h"
#include "../arch/riscv/insn.h"
#include "../core/guest_mem.h"
#include "../core/vm.h"

/* Decode the trapped access: the transformed instruction from htinst when
 * the hardware gives one, otherwise the instruction itself read with HLVX. */
static int decode(struct vcpu *v, struct mmio_insn *m, uint32_t *raw) {
  uint32_t insn;
  unsigned len;
  if (v->arch.htinst && insn_from_htinst(v->arch.htinst, &insn, &len) == 0) {
    *raw = insn;
    if (insn_decode_mmio(insn, m))
      return -1;
    m->len = len;
    return 0;
  }
  insn = *raw = guest_fetch_insn(v);
  return insn ? insn_decode_mmio(insn, m) : -1;
}

#define OPCODE_AMO 0x2f

#define VSATP_MODE_SHIFT 60
#define VSATP_PPN_MASK ((1UL << 44) - 1)
#define PTE_N (1UL << 63) /* Svnapot; PTE_V, PTE_R, PTE_X: gstage.h (same layout) */
#define PTE_PPN(pte) (((pte) >> 10) & ((1UL << 44) - 1))

/* Does the guest's VS-stage walk of va (Sv39/48/57 per vsatp, PTEs read
 * from its RAM) end at gpa? */
static __attribute__((noinline)) bool walk_ends_at(struct vcpu *v, unsigned long vsatp,
                                                   unsigned long va, uint64_t gpa) {
  unsigned mode = (unsigned)(vsatp >> VSATP_MODE_SHIFT);
  if (mode < 8 || mode > 10)
    return false;
  uint64_t table = (vsatp & VSATP_PPN_MASK) << 12;
  for (int level = (int)mode - 6; level >= 0; level--) {
    unsigned shift = 12 + 9 * (unsigned)level;
    uint64_t *pte = vm_gpa_to_hva(v->vm, table + ((va >> shift) & 511) * 8, 8);
    if (!pte || !(*pte & PTE_V))
      return false; /* the walk itself left RAM: that is what faulted */
    if (*pte & (PTE_R | PTE_X)) {
      uint64_t page_mask = (1ULL << shift) - 1;
      if (level == 0 && (*pte & PTE_N))
        page_mask = 0xffff; /* Svnapot 64 KiB page */
      return (((PTE_PPN(*pte) << 12) & ~page_mask) | (va & page_mask)) == gpa;
    }
    table = PTE_PPN(*pte) << 12;
  }
  return false;
}

/* Was the faulting access at gpa the guest's access itself, or an implicit
 * read of a page-table entry by its VS-stage walk (H extension, "Two-Stage
 * Address Translation")? A walk into a device window must not be emulated
 * as the instruction's own access. htinst says which when the hardware
 * fills it in; otherwise redo the guest's walk of stval and check that it
 * ends at gpa. */
static inline bool access_is_direct(struct vcpu *v, uint64_t gpa) {
  unsigned long htinst = v->arch.htinst;
  if (htinst)
    return htinst & 1; /* transformed instruction: direct; pseudoinstruction: walk */
  unsigned long vsatp = guest_vsatp(v);
  if ((vsatp >> VSATP_MODE_SHIFT) == 0)
    return true; /* Bare: no walk, the access itself faulted */
  return walk_ends_at(v, vsatp, v->arch.stval, gpa);
}

/* A page-table walk into a device, or not a plain load/store (an AMO, an FP
 * access...): the device does not support it, as a real bus would refuse
 * it. An AMO is a store/AMO access even when the hardware reports its load
 * half's fault. */
static __attribute__((noinline)) void refuse_access(struct vcpu *v, uint32_t raw) {
  unsigned long sc = v->arch.scause;
  bool amo = (raw & 0x7f) == OPCODE_AMO;
  vcpu_redirect_trap(v,
                     sc == EXC_INST_GUEST_PAGE_FAULT           ? EXC_INST_ACCESS
                     : sc == EXC_LOAD_GUEST_PAGE_FAULT && !amo ? EXC_LOAD_ACCESS
                                                               : EXC_STORE_ACCESS,
                     v->arch.stval);
}

/* A loaded value as the instruction writes it into rd: LB/LH/LW sign-extend,
 * the others zero-extend (width 8: unchanged). */
static uint64_t extend(uint64_t val, const struct mmio_insn *m) {
  unsigned shift = 64 - m->width * 8;
  val <<= shift;
  return m->sign_extend ? (uint64_t)((int64_t)val >> shift) : val >> shift;
}

bool mmio_emulate(struct vcpu *v, uint64_t gpa, struct exit_result *out) {
  struct vdev *d = &v->vm->dev;
  struct bus_region *r = bus_find(&d->bus, gpa);
  if (!r)
    return false;
  struct mmio_insn m;
  uint32_t raw = 0;
  if (!access_is_direct(v, gpa) || decode(v, &m, &raw)) {
    refuse_access(v, raw);
    *out = exit_result(EXIT_INJECTED, 0);
    return true;
  }
  uint64_t val = m.store && m.reg ? v->arch.x[m.reg] : 0;
  uint64_t offset = gpa - r->base;
  uint64_t fault;
  spin_lock(&d->lock);
  r->accesses++;
  if (m.store) {
    fault = (uint64_t)r->ops->write(r->state, offset, m.width, val);
  } else {
    bus_val_t rv = r->ops->read(r->state, offset, m.width);
    val = bus_val_value(rv);
    fault = bus_val_fault(rv);
  }
  spin_unlock(&d->lock);
  if (m.store && r->ops->after_write)
    r->ops->after_write(r->state);
  if (fault) { /* the model refused it: as a real bus would (access fault) */
    refuse_access(v, raw);
    *out = exit_result(EXIT_INJECTED, 0);
    return true;
  }
  if (!m.store && m.reg)
    v->arch.x[m.reg] = extend(val, &m);
  *out = exit_result(EXIT_NEXT, m.len);
  return true;
}
