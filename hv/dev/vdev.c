/* The MMIO path reaches the CPU and the rest of the hypervisor only through
 * functions (guest_mem.h, vm.h): the host unit test (tests/unit/test_vdev.c)
 * links it with fakes of them. */
#include "vdev.h"
#include "../arch/riscv/csr.h"
#include "../arch/riscv/insn.h"
#include "../core/guest_mem.h"
#include "../core/vm.h"

static void uart_tx(void *arg, uint8_t byte) {
  char c = (char)byte;
  vm_console_output(arg, &c, 1);
}

void vdev_init(struct vm *vm, bool with_uart) {
  struct vdev *d = &vm->dev;
  d->has_uart = with_uart;
  d->in_head = d->in_count = 0;
  d->lsr_run = 0;
  vplic_init(&d->plic, VDEV_PLIC_SOURCES, vm->nvcpus);
  vuart_init(&d->uart, uart_tx, vm);
}

/* The LSR read that, with the ones right before it, is a poll (below). */
#define VDEV_POLL_LSR_READS 3

/* Console input: which reader gets a byte. Typed bytes wait in the VM's
 * queue (d->in) in order; each goes to exactly one reader, the first that
 * asks for it, so that a guest moving from one reader to the other (Linux
 * from SBI earlycon to ttyS0, U-Boot's UART then Linux's hvc0) loses none
 * and gets none twice:
 *  - the UART receives, i.e. moves waiting bytes into its FIFO, while the
 *    guest has its receive interrupt enabled (IER.ERBFI: as they arrive)
 *    and while the guest polls for input: from the third LSR read in a row
 *    on, with no other UART access between (a polling driver, such as
 *    U-Boot's, loops on LSR.DR, then reads RBR, and never enables the
 *    interrupt). One or two LSR reads do not receive: Linux reads LSR before
 *    every byte it sends, and twice in a row at most when it opens ttyS0,
 *    where it reads RBR to discard it (twice); keys typed while it boots
 *    must wait for ttyS0's receive interrupt instead;
 *  - SBI getchar and DBCN read take the oldest byte the guest has not read:
 *    from the UART's FIFO first, then from the queue.
 * A guest that resets its receive FIFO (FCR) gives what the UART received
 * but the guest did not read back to the front of the queue: typed keys are
 * never thrown away by a UART reset (Linux resets it when ttyS0 opens). A
 * guest that never polls or enables its UART's receiver leaves every byte
 * to SBI getchar. */

/* Move waiting input into the UART's FIFO while it has room; none in
 * loopback (MCR.LOOP), where a 16550's input is cut off from the line and
 * the FIFO holds what the guest sends itself (held by d->lock). */
static void feed_uart(struct vdev *d) {
  if (d->uart.mcr & VUART_MCR_LOOP)
    return;
  while (d->has_uart && d->in_count && vuart_rx_push(&d->uart, d->in[d->in_head])) {
    d->in_head = (d->in_head + 1) % sizeof(d->in);
    d->in_count--;
  }
}

/* Before a FIFO reset: the bytes the UART received but the guest did not
 * read go back to the front of the queue, in order, as far as it has room;
 * not in loopback, where they are the guest's own (held by d->lock). */
static void requeue_uart(struct vdev *d) {
  if (d->uart.mcr & VUART_MCR_LOOP)
    return;
  uint8_t back[VUART_FIFO_SIZE];
  unsigned n = 0;
  int c;
  while (n < VUART_FIFO_SIZE && (c = vuart_rx_take(&d->uart)) >= 0)
    back[n++] = (uint8_t)c;
  unsigned room = (unsigned)sizeof(d->in) - d->in_count;
  if (n > room)
    n = room; /* keep the oldest; the queue's own bytes are newer */
  while (n) {
    d->in_head = (d->in_head + (unsigned)sizeof(d->in) - 1) % sizeof(d->in);
    d->in[d->in_head] = back[--n];
    d->in_count++;
  }
}

/* Forward the PLIC's changed outputs into the vCPUs' VSEIP (held by
 * d->lock). */
static __attribute__((noinline)) void update_eips(struct vm *vm) {
  struct vplic *p = &vm->dev.plic;
  uint32_t changed = vplic_take_changed(p), out = vplic_outputs(p);
  for (unsigned c = 0; changed && c < vm->nvcpus; c++, changed >>= 1, out >>= 1) {
    if (!(changed & 1))
      continue;
    struct vcpu *t = &vm->vcpu[c];
    __atomic_store_n(&t->eip, (out & 1) != 0, __ATOMIC_SEQ_CST);
    vcpu_post(t, REQ_EIP);
  }
}

/* Bring the interrupt state up to date after an access or input (held by
 * d->lock): the UART's line into the PLIC if it moved, the PLIC's outputs
 * into the vCPUs if one may have. The models track both, so when nothing
 * moved (most accesses) this is two tests. */
static inline void update_irqs(struct vm *vm) {
  struct vdev *d = &vm->dev;
  if (vuart_take_irq_changed(&d->uart))
    vplic_set_level(&d->plic, VDEV_UART_IRQ, vuart_irq(&d->uart));
  if (vplic_may_have_changed(&d->plic))
    update_eips(vm);
}

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

bool vdev_mmio(struct vcpu *v, uint64_t gpa) {
  struct vm *vm = v->vm;
  struct vdev *d = &vm->dev;
  uint64_t uart_off = gpa - VDEV_UART_BASE;
  bool uart = uart_off < VDEV_UART_SIZE && d->has_uart;
  if (!uart && gpa - VDEV_PLIC_BASE >= VPLIC_WINDOW_SIZE)
    return false;
  struct mmio_insn m;
  uint32_t raw = 0;
  if (!access_is_direct(v, gpa) || decode(v, &m, &raw)) {
    refuse_access(v, raw);
    return true;
  }
  uint64_t val = m.store && m.reg ? v->arch.x[m.reg] : 0;
  spin_lock(&d->lock);
  if (uart) {
    v->stats.mmio_uart++;
    if (m.width != 1 || uart_off >= VUART_WINDOW_SIZE)
      val = 0; /* byte registers only; the rest of the window reads 0 */
    else if (m.store) {
      if (uart_off == VUART_FCR && (val & VUART_FCR_CLEAR_RX))
        requeue_uart(d);
      vuart_write(&d->uart, (unsigned)uart_off, (uint8_t)val);
    } else {
      if (uart_off == VUART_LSR && d->lsr_run >= VDEV_POLL_LSR_READS - 1 && d->in_count)
        feed_uart(d); /* the guest polls: it receives */
      val = vuart_read(&d->uart, (unsigned)uart_off);
    }
    if (!m.store && uart_off == VUART_LSR && m.width == 1)
      d->lsr_run += d->lsr_run < VDEV_POLL_LSR_READS;
    else
      d->lsr_run = 0;
    if (d->in_count && (d->uart.ier & VUART_IER_ERBFI))
      feed_uart(d);
  } else {
    v->stats.mmio_plic++;
    if (m.store)
      vplic_write(&d->plic, gpa - VDEV_PLIC_BASE, m.width, (uint32_t)val);
    else
      val = vplic_read(&d->plic, gpa - VDEV_PLIC_BASE, m.width);
  }
  update_irqs(vm);
  spin_unlock(&d->lock);
  if (!m.store && m.reg)
    v->arch.x[m.reg] = extend(val, &m);
  v->arch.sepc += m.len;
  return true;
}

bool vdev_console_input(struct vm *vm, uint8_t byte) {
  struct vdev *d = &vm->dev;
  spin_lock(&d->lock);
  bool ok = d->in_count < sizeof(d->in);
  if (ok) {
    d->in[(d->in_head + d->in_count) % sizeof(d->in)] = byte;
    d->in_count++;
    if (d->uart.ier & VUART_IER_ERBFI)
      feed_uart(d);
    update_irqs(vm);
  }
  spin_unlock(&d->lock);
  return ok;
}

int vdev_console_getc(struct vm *vm) {
  struct vdev *d = &vm->dev;
  spin_lock(&d->lock);
  int c = d->has_uart ? vuart_rx_take(&d->uart) : -1;
  if (c >= 0) {
    update_irqs(vm); /* the UART's receive interrupt may drop */
  } else if (d->in_count) {
    c = d->in[d->in_head];
    d->in_head = (d->in_head + 1) % sizeof(d->in);
    d->in_count--;
  }
  spin_unlock(&d->lock);
  return c;
}
