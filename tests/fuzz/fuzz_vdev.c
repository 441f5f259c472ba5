/* libFuzzer target: the whole MMIO path (hv/dev/vdev.c with the real vPLIC,
 * vUART and decoder) as a hostile guest drives it: a script decoded from the
 * input writes page-table entries into a small guest RAM, sets vsatp
 * (Sv39/48/57, Bare, reserved modes, roots in RAM or in a device), and
 * takes guest-page faults with any stval, gpa, htinst and instruction,
 * between bytes typed on its console. The core is faked as in
 * tests/unit/test_vdev.c. After every step:
 * - a fault is claimed exactly when gpa is in a device window, and then
 *   either emulated (pc stepped by the instruction's length, no fault) or
 *   refused (one access fault of the original kind at stval, pc unchanged),
 *   and emulated exactly when the access was the guest's own (htinst says
 *   so, or vsatp is Bare, or a walk of stval written here from the spec
 *   ends at gpa) and is a plain integer load/store;
 * - a load wrote rd sign- or zero-extended as its width says, never x0;
 * - the UART's line is the vPLIC's source 10, and every vCPU's eip is its
 *   PLIC context's output, posted once per change.
 * ASan catches any access outside the guest RAM allocation. */
#include "fuzz_input.h"
#include "hv/arch/riscv/csr.h"
#include "hv/arch/riscv/insn.h"
#include "hv/core/guest_mem.h"
#include "hv/core/vm.h"
#include "hv/dev/mmio.h"
#include <stdlib.h>
#include <string.h>

#define RAM_BASE 0x80000000UL
#define RAM_PAGES 8
#define RAM_SIZE (RAM_PAGES * 4096UL)
#define PC 0x80000800UL

static struct vm vm;
static uint8_t *ram;
static unsigned long fake_vsatp;
static uint32_t fake_insn;
static int fetches, traps;
static unsigned long trap_cause, trap_tval;
static bool posted_eip[VM_MAX_VCPUS];

void *vm_gpa_to_hva(struct vm *m, uint64_t gpa, uint64_t len) {
  if (m != &vm || gpa < m->ram_base || gpa - m->ram_base >= m->ram_size ||
      len > m->ram_size - (gpa - m->ram_base))
    return NULL;
  return ram + (gpa - m->ram_base);
}

unsigned long guest_vsatp(struct vcpu *v) {
  (void)v;
  return fake_vsatp;
}

uint32_t guest_fetch_insn(struct vcpu *v) {
  (void)v;
  fetches++;
  return fake_insn;
}

void vcpu_redirect_trap(struct vcpu *v, unsigned long cause, unsigned long tval) {
  (void)v;
  traps++;
  trap_cause = cause;
  trap_tval = tval;
}

void vcpu_post(struct vcpu *v, uint32_t req) {
  if (req != REQ_EIP || v->id >= vm.nvcpus || v->eip == posted_eip[v->id])
    abort(); /* only EIP, only to this VM's vCPUs, only on a change */
  posted_eip[v->id] = v->eip;
}

uint64_t vm_now_us(void) { return 0; }

void vm_console_output(struct vm *m, const char *s, size_t n) {
  if (m != &vm || n != 1)
    abort();
  (void)s;
}

#define N_BIT (1ULL << 63)

/* The guest's VS-stage walk of va (privileged spec, "Virtual Address
 * Translation Process", Sv39/48/57, Svnapot), PTEs read from its RAM: the
 * address it ends at, or false if it ends nowhere in RAM. */
static bool ref_walk(unsigned long vsatp, uint64_t va, uint64_t *pa) {
  unsigned mode = (unsigned)(vsatp >> 60);
  if (mode < 8 || mode > 10)
    return false;
  int levels = (int)mode - 5;
  uint64_t a = (vsatp & ((1ULL << 44) - 1)) * 4096;
  for (int i = levels - 1; i >= 0; i--) {
    uint64_t vpn = (va >> (12 + 9 * i)) & 511, at = a + vpn * 8;
    if (at < RAM_BASE || at + 8 > RAM_BASE + RAM_SIZE)
      return false;
    uint64_t pte;
    memcpy(&pte, ram + (at - RAM_BASE), 8);
    if (!(pte & PTE_V))
      return false;
    uint64_t ppn = (pte >> 10) & ((1ULL << 44) - 1);
    if (pte & (PTE_R | PTE_X)) {
      unsigned bits = 12 + 9 * (unsigned)i;
      if (i == 0 && (pte & N_BIT))
        bits = 16;
      uint64_t mask = (1ULL << bits) - 1;
      *pa = ((ppn * 4096) & ~mask) | (va & mask);
      return true;
    }
    a = ppn * 4096;
  }
  return false;
}

static bool in_window(uint64_t gpa) {
  return (gpa - VDEV_UART_BASE < VDEV_UART_SIZE && vm.dev.has_uart) ||
         gpa - VDEV_PLIC_BASE < VPLIC_WINDOW_SIZE;
}

/* An address near a device register, in RAM, or anywhere. */
static uint64_t pick_addr(struct input *in) {
  unsigned k = (unsigned)take(in, 1);
  switch (k & 7) {
  case 0: return VDEV_UART_BASE + take(in, 1) % (VDEV_UART_SIZE + 8);
  case 1: return VDEV_PLIC_BASE + (take(in, 1) % 72) * 4;
  case 2: return VDEV_PLIC_BASE + VPLIC_ENABLE_BASE + take(in, 2) % 0x900;
  case 3:
    return VDEV_PLIC_BASE + VPLIC_CONTEXT_BASE + VPLIC_CONTEXT_STRIDE * (take(in, 1) % 10) +
           take(in, 1) % 8;
  case 4: return RAM_BASE + take(in, 2) % (RAM_SIZE + 64);
  case 5: return VDEV_PLIC_BASE + VPLIC_WINDOW_SIZE - 8 + take(in, 1) % 16;
  default: return take(in, 8);
  }
}

/* A va whose walk goes through entries 0-7 of each level, or anything. */
static uint64_t pick_va(struct input *in) {
  uint64_t k = take(in, 1);
  if (k & 1)
    return take(in, 8);
  uint64_t va = take(in, 2) & 0xfff;
  for (int i = 0; i < 5; i++)
    va |= (take(in, 1) % 8) << (12 + 9 * i);
  return va;
}

/* The encodings a guest may use, mostly loads/stores of every kind. */
static uint32_t pick_insn(struct input *in) {
  uint32_t r = (uint32_t)take(in, 4);
  switch (r & 3) {
  case 0: return 0x03 | (r & 0xFFFFF000) | ((r >> 4) & 0x1F) << 7;             /* load */
  case 1: return 0x23 | (r & 0xFE0FF000 & ~0x4000U) | ((r >> 4) & 0x1F) << 20; /* store */
  case 2: return r & 0xFFFF;                                                   /* C. */
  default: return r;
  }
}

static void check_irqs(void) {
  struct vdev *d = &vm.dev;
  if (d->has_uart && ((d->plic.level[0] >> VDEV_UART_IRQ) & 1) != vuart_irq(&d->uart))
    abort();
  for (unsigned c = 0; c < vm.nvcpus; c++)
    if (vm.vcpu[c].eip != vplic_context_irq(&d->plic, c) || posted_eip[c] != vm.vcpu[c].eip)
      abort();
}

static void fault(struct input *in) {
  struct vcpu *v = &vm.vcpu[take(in, 1) % vm.nvcpus];
  static const unsigned long causes[3] = {EXC_LOAD_GUEST_PAGE_FAULT, EXC_STORE_GUEST_PAGE_FAULT,
                                          EXC_INST_GUEST_PAGE_FAULT};
  unsigned sel = (unsigned)take(in, 1);
  unsigned long scause = causes[sel % 3];
  uint64_t va = pick_va(in), gpa, walked;
  bool walks = ref_walk(fake_vsatp, va, &walked);
  gpa = (sel & 0x10) && walks ? walked : pick_addr(in);
  fake_insn = pick_insn(in);
  unsigned long htinst;
  switch ((sel >> 5) & 7) {
  case 0:
  case 1:
  case 2: htinst = 0; break;
  case 3: htinst = fake_insn | 1; break;                   /* transformed */
  case 4: htinst = (fake_insn | 1) & ~2UL; break;          /* transformed, compressed */
  case 5: htinst = 0x2000 | (take(in, 1) & 0x1020); break; /* pseudoinstructions */
  default: htinst = (unsigned long)take(in, 8); break;
  }
  for (int i = 1; i < 32; i++)
    v->arch.x[i] = take(in, 1) & 1 ? (unsigned long)take(in, 8) : 0x8000000000000000UL >> i;
  v->arch.x[0] = 0;
  v->arch.scause = scause;
  v->arch.stval = va;
  v->arch.htval = gpa >> 2;
  v->arch.htinst = htinst;
  v->arch.sepc = PC;
  unsigned long before[32];
  memcpy(before, v->arch.x, sizeof(before));
  fetches = traps = 0;
  static struct vdev snap;
  memcpy(&snap, &vm.dev, sizeof(snap));

  struct exit_result out = exit_result(EXIT_RETRY, 99); /* never returned */
  bool claimed = mmio_emulate(v, gpa, &out);
  if (v->arch.sepc != PC)
    abort(); /* the decoder never moves sepc: the exit dispatcher does */

  if (claimed != in_window(gpa))
    abort();
  if (!claimed) {
    if (traps || fetches || v->arch.sepc != PC || memcmp(before, v->arch.x, sizeof(before)) ||
        memcmp(&snap, &vm.dev, sizeof(snap)))
      abort();
    return;
  }
  /* What the spec says should happen. */
  bool direct =
      htinst ? (htinst & 1) != 0
             : (fake_vsatp >> 60) == 0 || (ref_walk(fake_vsatp, va, &walked) && walked == gpa);
  struct mmio_insn m;
  uint32_t t;
  unsigned len = 0;
  bool decoded;
  if (htinst && insn_from_htinst(htinst, &t, &len) == 0) {
    decoded = insn_decode_mmio(t, &m) == 0;
    m.len = len;
  } else {
    decoded = fake_insn && insn_decode_mmio(fake_insn, &m) == 0;
  }
  if (direct && decoded) { /* emulated */
    if (traps || exit_outcome(out) != EXIT_NEXT || exit_len(out) != m.len || v->arch.x[0] != 0)
      abort();
    for (unsigned r = 1; r < 32; r++)
      if ((m.store || r != m.reg) && v->arch.x[r] != before[r])
        abort(); /* only a load's rd changes */
    if (!m.store && m.reg && m.width < 8) {
      unsigned sh = 64 - 8 * m.width;
      uint64_t x = v->arch.x[m.reg];
      if (m.sign_extend ? (uint64_t)((int64_t)(x << sh) >> sh) != x : (x >> (8 * m.width)) != 0)
        abort();
    }
  } else { /* refused */
    /* An AMO is a store/AMO access, even when its load half faulted. */
    bool amo = direct && (fake_insn & 0x7f) == 0x2f;
    unsigned long want = scause == EXC_INST_GUEST_PAGE_FAULT           ? EXC_INST_ACCESS
                         : scause == EXC_LOAD_GUEST_PAGE_FAULT && !amo ? EXC_LOAD_ACCESS
                                                                       : EXC_STORE_ACCESS;
    if (traps != 1 || trap_cause != want || trap_tval != va || exit_outcome(out) != EXIT_INJECTED ||
        memcmp(before, v->arch.x, sizeof(before)) || memcmp(&snap, &vm.dev, sizeof(snap)))
      abort(); /* one fault, nothing else: no register, no device touched */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ram)
    ram = malloc(RAM_SIZE);
  struct input in = {data, size};
  memset(&vm, 0, sizeof(vm));
  memset(ram, 0, RAM_SIZE);
  memset(posted_eip, 0, sizeof(posted_eip));
  vm.ram_base = RAM_BASE;
  vm.ram_size = RAM_SIZE;
  unsigned hdr = (unsigned)take(&in, 1);
  vm.nvcpus = 1 + hdr % VM_MAX_VCPUS;
  for (unsigned i = 0; i < vm.nvcpus; i++) {
    vm.vcpu[i].vm = &vm;
    vm.vcpu[i].id = i;
  }
  vm_dev_init(&vm, (hdr & 0x80) == 0);
  fake_vsatp = 0;
  unsigned steps = 0;
  while (in.n && steps++ < 512) {
    unsigned op = (unsigned)take(&in, 1);
    switch (op % 6) {
    case 0: { /* a PTE: a table pointer or a leaf, in one of the RAM pages */
      unsigned page = (unsigned)take(&in, 1) % RAM_PAGES, idx = (unsigned)take(&in, 1) % 8;
      uint64_t to = (op & 0x08) ? RAM_BASE + (take(&in, 1) % RAM_PAGES) * 4096 : pick_addr(&in);
      uint64_t pte = (to >> 12) << 10 | take(&in, 1) | ((op & 0x20) ? N_BIT : 0);
      if (op & 0x10)
        pte = (pte & ~0xeULL) | PTE_V; /* a table pointer */
      memcpy(ram + page * 4096 + idx * 8, &pte, 8);
      break;
    }
    case 1: { /* vsatp */
      static const unsigned long modes[8] = {0, 8, 9, 10, 8, 9, 1, 15};
      uint64_t root = (op & 0x08) ? RAM_BASE + (take(&in, 1) % RAM_PAGES) * 4096 : pick_addr(&in);
      fake_vsatp = modes[(op >> 4) & 7] << 60 | ((root >> 12) & ((1ULL << 44) - 1));
      break;
    }
    case 2:
    case 3:
    case 4: fault(&in); break;
    default:
      if (op & 0x08)
        vdev_console_input(&vm.dev, (uint8_t)take(&in, 1));
      else
        vdev_console_getc(&vm.dev);
      break;
    }
    check_irqs();
  }
  return 0;
}
