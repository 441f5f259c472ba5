/* Host tests of the MMIO path (hv/dev/vdev.c) with the real models (vplic.c,
 * vuart.c) and decoder (insn.c): which addresses it claims, the decode from
 * htinst and from the fetched instruction, every width of load and store and
 * the sign extension of loads, the faults it injects, the interrupt routing
 * UART -> vPLIC -> vCPU, and the walk check: with htinst 0 (QEMU 7.2) a
 * fault is emulated only when the guest's own Sv39/Sv48/Sv57 walk of stval
 * ends at the faulting address, and a hostile walk (a page-table entry read
 * from a device window) gets an access fault, never an emulated access.
 *
 * vdev.c reaches the CPU and the core only through functions; they are
 * faked here: guest RAM (1 MiB at 0x80000000, an exactly sized allocation
 * so ASan sees any stray access), the guest's vsatp and the instruction at
 * its pc, the fault injection, the request posted to a vCPU, the console. */
#include "check.h"
#include "hv/arch/riscv/csr.h"
#include "hv/core/guest_mem.h"
#include "hv/core/vm.h"
#include "hv/dev/mmio.h"
#include <stdlib.h>

#define RAM_BASE 0x80000000UL
#define RAM_SIZE 0x100000UL
#define PLIC VDEV_PLIC_BASE
#define UART VDEV_UART_BASE

static struct vm vm;
static uint8_t *ram;
static unsigned long fake_vsatp;
static uint32_t fake_insn; /* what guest_fetch_insn finds at sepc; 0: it faults */
static int fetches, walk_reads;

static struct {
  int calls;
  unsigned long cause, tval;
} trap;

static struct {
  int calls[VM_MAX_VCPUS];
  bool eip[VM_MAX_VCPUS];
} posted;

static char console[256];
static size_t console_len;

void *vm_gpa_to_hva(struct vm *m, uint64_t gpa, uint64_t len) {
  walk_reads++;
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
  trap.calls++;
  trap.cause = cause;
  trap.tval = tval;
}

void vcpu_post(struct vcpu *v, uint32_t req) {
  CHECK_EQ(req, REQ_EIP);
  posted.calls[v->id]++;
  posted.eip[v->id] = v->eip;
}

uint64_t vm_now_us(void) { return 0; }

void vm_console_output(struct vm *m, const char *s, size_t n) {
  CHECK(m == &vm);
  if (console_len + n < sizeof(console)) {
    memcpy(console + console_len, s, n);
    console_len += n;
  }
}

/* A fresh VM of two vCPUs with the UART, nothing else going on. */
static void reset(void) {
  memset(&vm, 0, sizeof(vm));
  memset(ram, 0, RAM_SIZE);
  vm.ram_base = RAM_BASE;
  vm.ram_size = RAM_SIZE;
  vm.nvcpus = 2;
  for (unsigned i = 0; i < vm.nvcpus; i++) {
    vm.vcpu[i].vm = &vm;
    vm.vcpu[i].id = i;
  }
  vm_dev_init(&vm, true);
  fake_vsatp = 0;
  fake_insn = 0;
  fetches = walk_reads = 0;
  memset(&trap, 0, sizeof(trap));
  memset(&posted, 0, sizeof(posted));
  console_len = 0;
}

/* Encodings (unprivileged spec, RV64I and RV64C). */
#define F3_B 0
#define F3_H 1
#define F3_W 2
#define F3_D 3
#define F3_BU 4
#define F3_HU 5
#define F3_WU 6
static uint32_t load(unsigned f3, unsigned rd, unsigned rs1) {
  return 0x03 | rd << 7 | f3 << 12 | rs1 << 15;
}
static uint32_t store(unsigned f3, unsigned rs2, unsigned rs1) {
  return 0x23 | f3 << 12 | rs1 << 15 | rs2 << 20;
}
/* C.LW/C.LD/C.SW/C.SD rd'/rs2' (x8..x15), base x8+rs1p, offset 0. */
static uint32_t c_mem(unsigned f3, unsigned reg, unsigned rs1p) {
  return f3 << 13 | rs1p << 7 | (reg - 8) << 2;
}
#define C_LW 2
#define C_LD 3
#define C_SW 6
#define C_SD 7
static uint32_t c_lwsp(unsigned rd) { return 2 | rd << 7 | 2 << 13; }
static uint32_t c_sdsp(unsigned rs2) { return 2 | rs2 << 2 | 7 << 13; }
#define AMOSWAP_W(rd, rs2, rs1) (0x2f | (rd) << 7 | 2 << 12 | (rs1) << 15 | (rs2) << 20 | 1 << 27)
#define FLW(rd, rs1) (0x07 | (rd) << 7 | 2 << 12 | (rs1) << 15)

#define A0 10
#define A1 11
#define S0 8
#define S1 9
#define PC 0x80001000UL

/* The guest's access at va (= gpa unless paged) traps with scause; returns
 * whether vdev_mmio claimed it. mmio_emulate() itself must leave sepc
 * alone and return an outcome that agrees with what it did (EXIT_NEXT with
 * the instruction's length, or EXIT_INJECTED with one fault sent); sepc is
 * then stepped as the exit dispatcher's exit_finish() steps it, so the
 * tests below see where the guest resumes. */
static bool fault(struct vcpu *v, unsigned long scause, unsigned long va, uint64_t gpa,
                  unsigned long htinst) {
  v->arch.scause = scause;
  v->arch.stval = va;
  v->arch.htval = gpa >> 2;
  v->arch.htinst = htinst;
  v->arch.sepc = PC;
  int calls = trap.calls;
  struct exit_result r = exit_result(EXIT_RETRY, 99); /* neither is ever returned */
  bool ok = mmio_emulate(v, gpa, &r);
  CHECK_EQ(v->arch.sepc, PC);
  if (!ok)
    return false;
  if (exit_outcome(r) == EXIT_NEXT) {
    CHECK(exit_len(r) == 2 || exit_len(r) == 4);
    CHECK_EQ(trap.calls, calls);
    v->arch.sepc += exit_len(r);
  } else {
    CHECK_EQ(exit_outcome(r), EXIT_INJECTED);
    CHECK_EQ(exit_len(r), 0);
    CHECK_EQ(trap.calls, calls + 1);
  }
  return true;
}

/* One emulated access, fetched from the guest (htinst 0, vsatp Bare unless
 * set); checks that it was emulated, not refused, and the pc stepped. */
static void emulate(uint32_t insn, uint64_t gpa, unsigned len, const char *file, int line) {
  struct vcpu *v = &vm.vcpu[0];
  fake_insn = insn;
  trap.calls = 0;
  bool store = (insn & 3) == 3 ? (insn & 0x7f) == 0x23 : ((insn >> 13) & 4) != 0;
  bool ok = fault(v, store ? EXC_STORE_GUEST_PAGE_FAULT : EXC_LOAD_GUEST_PAGE_FAULT, gpa, gpa, 0);
  if (!check_result(ok && trap.calls == 0 && v->arch.sepc == PC + len, file, line))
    fprintf(stderr, "insn 0x%x at 0x%llx: claimed %d, %d faults (cause %lu), sepc +%ld\n", insn,
            (unsigned long long)gpa, ok, trap.calls, trap.cause, (long)(v->arch.sepc - PC));
}
#define EMULATE(insn, gpa) emulate((insn), (gpa), ((insn)&3) == 3 ? 4 : 2, __FILE__, __LINE__)

/* A load into a0 from gpa: what the guest finds in a0. */
static uint64_t load_a0(uint32_t insn, uint64_t gpa, const char *file, int line) {
  vm.vcpu[0].arch.x[A0] = 0x5a5a5a5a5a5a5a5aULL;
  emulate(insn, gpa, (insn & 3) == 3 ? 4 : 2, file, line);
  return vm.vcpu[0].arch.x[A0];
}
#define LOAD(f3, gpa) load_a0(load(f3, A0, A1), (gpa), __FILE__, __LINE__)

static void store_a1(unsigned f3, uint64_t gpa, uint64_t val, const char *file, int line) {
  vm.vcpu[0].arch.x[A1] = val;
  emulate(store(f3, A1, A0), gpa, 4, file, line);
}
#define STORE(f3, gpa, val) store_a1((f3), (gpa), (val), __FILE__, __LINE__)

/* Refused: an access fault of `cause` at stval, nothing stepped. */
static void check_refused(unsigned long cause, unsigned long va, const char *file, int line) {
  struct vcpu *v = &vm.vcpu[0];
  if (!check_result(trap.calls == 1 && trap.cause == cause && trap.tval == va && v->arch.sepc == PC,
                    file, line))
    fprintf(stderr, "expected one fault %lu at 0x%lx: %d faults, cause %lu tval 0x%lx sepc +%ld\n",
            cause, va, trap.calls, trap.cause, trap.tval, (long)(v->arch.sepc - PC));
}
#define REFUSED(cause, va) check_refused((cause), (va), __FILE__, __LINE__)

static void test_windows(void) {
  reset();
  struct vcpu *v = &vm.vcpu[0];
  fake_insn = load(F3_W, A0, A1);
  /* Claimed: both ends of both windows. */
  static const uint64_t inside[] = {PLIC, PLIC + VPLIC_WINDOW_SIZE - 1, UART,
                                    UART + VDEV_UART_SIZE - 1};
  for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
    CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, inside[i], inside[i], 0));
  /* Not claimed, and untouched: just outside them (the PLIC's window ends
   * where the UART's begins), RAM, virtio slots. */
  static const uint64_t outside[] = {
      PLIC - 1, PLIC - 4, UART + VDEV_UART_SIZE, UART + 0x1000 - 8, 0x10001000, RAM_BASE, 0, ~0ULL};
  for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
    fetches = trap.calls = 0;
    CHECK(!fault(v, EXC_LOAD_GUEST_PAGE_FAULT, outside[i], outside[i], 0));
    CHECK_EQ(fetches + trap.calls, 0);
    CHECK_EQ(v->arch.sepc, PC);
  }
  /* A VM without the UART: its window is nobody's. */
  reset();
  vm_dev_init(&vm, false);
  CHECK(!fault(v, EXC_LOAD_GUEST_PAGE_FAULT, UART, UART, 0));
  CHECK(!fault(v, EXC_STORE_GUEST_PAGE_FAULT, UART + 5, UART + 5, 0));
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, PLIC, PLIC, 0));
}

/* The PLIC's registers are 32 bits: LW sign-extends, LWU does not; every
 * other width reads 0 and writes nothing. */
static void test_plic_widths(void) {
  reset();
  uint64_t en = PLIC + VPLIC_ENABLE_BASE; /* context 0, sources 0-31 */
  uint64_t prio5 = PLIC + 4 * 5;
  STORE(F3_W, en, 0xFFFFFFFFFFFFFFFFULL);
  CHECK_EQ(LOAD(F3_W, en), 0xFFFFFFFFFFFFFFFEULL); /* source 0 does not exist */
  CHECK_EQ(LOAD(F3_WU, en), 0xFFFFFFFEULL);
  STORE(F3_W, en, 0x40000002);
  CHECK_EQ(LOAD(F3_W, en), 0x40000002);
  CHECK_EQ(LOAD(F3_WU, en), 0x40000002);
  for (unsigned f3 = F3_B; f3 <= F3_HU; f3 = f3 == F3_D ? F3_BU : f3 + 1)
    if (f3 != F3_W)
      CHECK_EQ(LOAD(f3, en), 0);
  STORE(F3_W, prio5, 5);
  STORE(F3_B, prio5, 1);
  STORE(F3_H, prio5, 2);
  STORE(F3_D, prio5, 3);
  CHECK_EQ(vm.dev.plic.priority[5], 5);
  CHECK_EQ(LOAD(F3_W, prio5), 5);
  /* The compressed forms and the other registers. */
  vm.vcpu[0].arch.x[S0] = 6;
  EMULATE(c_mem(C_SW, S0, 1), prio5);
  CHECK_EQ(vm.dev.plic.priority[5], 6);
  vm.vcpu[0].arch.x[S1] = 0;
  EMULATE(c_mem(C_LW, S1, 0), prio5);
  CHECK_EQ(vm.vcpu[0].arch.x[S1], 6);
  EMULATE(c_mem(C_LD, S1, 0), prio5);
  CHECK_EQ(vm.vcpu[0].arch.x[S1], 0);
  vm.vcpu[0].arch.x[S0] = 1;
  EMULATE(c_mem(C_SD, S0, 1), prio5); /* 64-bit: ignored */
  CHECK_EQ(vm.dev.plic.priority[5], 6);
  vm.vcpu[0].arch.x[5] = 0;
  EMULATE(c_lwsp(5), en);
  CHECK_EQ(vm.vcpu[0].arch.x[5], 0x40000002);
  vm.vcpu[0].arch.x[6] = 7;
  EMULATE(c_sdsp(6), prio5);
  CHECK_EQ(vm.dev.plic.priority[5], 6);
  /* A load into x0 leaves it 0; a store from x0 stores 0. */
  EMULATE(load(F3_W, 0, A1), prio5);
  CHECK_EQ(vm.vcpu[0].arch.x[0], 0);
  vm.vcpu[0].arch.x[0] = 0;
  EMULATE(store(F3_W, 0, A0), prio5);
  CHECK_EQ(vm.dev.plic.priority[5], 0);
}

/* The UART's registers are bytes: LB sign-extends, LBU does not; other
 * widths and the rest of its window read 0 and write nothing. */
static void test_uart_widths(void) {
  reset();
  uint64_t scr = UART + VUART_SCR;
  STORE(F3_B, scr, 0x1234567890ABCDEFULL); /* the low byte */
  CHECK_EQ(LOAD(F3_B, scr), 0xFFFFFFFFFFFFFFEFULL);
  CHECK_EQ(LOAD(F3_BU, scr), 0xEF);
  STORE(F3_B, scr, 0x7F);
  CHECK_EQ(LOAD(F3_B, scr), 0x7F);
  CHECK_EQ(LOAD(F3_BU, scr), 0x7F);
  static const unsigned wide[] = {F3_H, F3_W, F3_D, F3_HU, F3_WU};
  for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
    CHECK_EQ(LOAD(wide[i], scr), 0);
    if (wide[i] <= F3_D)
      STORE(wide[i], scr, 0x11);
  }
  CHECK_EQ(vm.dev.uart.scr, 0x7F);
  /* Past the eight registers, inside the window. */
  CHECK_EQ(LOAD(F3_BU, UART + 8 + VUART_SCR), 0);
  STORE(F3_B, UART + 8 + VUART_SCR, 0x22);
  CHECK_EQ(LOAD(F3_BU, UART + 0xFF), 0);
  CHECK_EQ(vm.dev.uart.scr, 0x7F);
  /* LSR: transmitter empty; THR goes to the VM's console. */
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
  STORE(F3_B, UART + VUART_THR, 'h');
  STORE(F3_B, UART + VUART_THR, 'i');
  CHECK_EQ(console_len, 2);
  CHECK(!memcmp(console, "hi", 2));
}

/* htinst: a transformed instruction is decoded without a fetch (its
 * original length kept, a compressed one steps 2), a pseudoinstruction (an
 * implicit page-table access) is refused whatever the walk says. */
static void test_htinst(void) {
  reset();
  struct vcpu *v = &vm.vcpu[0];
  v->arch.x[A0] = 0;
  vm.dev.plic.priority[3] = 4;
  /* Transformed LW a0 (32-bit original), then the same compressed. */
  uint32_t lw = load(F3_W, A0, 0);
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, 0x1000, PLIC + 12, lw));
  CHECK_EQ(v->arch.x[A0], 4);
  CHECK_EQ(v->arch.sepc, PC + 4);
  CHECK_EQ(fetches + walk_reads + trap.calls, 0);
  v->arch.x[A0] = 0;
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, 0x1000, PLIC + 12, lw & ~2U));
  CHECK_EQ(v->arch.x[A0], 4);
  CHECK_EQ(v->arch.sepc, PC + 2);
  /* Paging on: htinst answers, no walk is redone. */
  fake_vsatp = 8UL << 60 | RAM_BASE >> 12;
  v->arch.x[A1] = 2;
  CHECK(fault(v, EXC_STORE_GUEST_PAGE_FAULT, 0xdead000, PLIC + 12, store(F3_W, A1, 0)));
  CHECK_EQ(vm.dev.plic.priority[3], 2);
  CHECK_EQ(fetches + walk_reads + trap.calls, 0);
  /* Pseudoinstructions: 32/64-bit PTE reads and writes (A/D updates),
   * refused with the fault of the original access, nothing emulated. */
  static const unsigned long pseudo[] = {0x00002000, 0x00003000, 0x00002020, 0x00003020};
  for (int i = 0; i < 4; i++) {
    fake_vsatp = i % 2 ? 0 : 8UL << 60 | RAM_BASE >> 12;
    fake_insn = load(F3_W, A0, A1);
    v->arch.x[A0] = 77;
    trap.calls = 0;
    CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, 0x4000, PLIC + 12, pseudo[i]));
    REFUSED(EXC_LOAD_ACCESS, 0x4000);
    CHECK_EQ(v->arch.x[A0], 77);
    trap.calls = 0;
    CHECK(fault(v, EXC_STORE_GUEST_PAGE_FAULT, 0x4000, PLIC + 12, pseudo[i]));
    REFUSED(EXC_STORE_ACCESS, 0x4000);
    CHECK_EQ(vm.dev.plic.priority[3], 2);
  }
  /* A transformed instruction that is no integer load/store: the fetched
   * instruction decides (here none: refused). */
  trap.calls = 0;
  fake_insn = 0;
  fake_vsatp = 0;
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, PLIC + 12, PLIC + 12, FLW(A0, 0)));
  REFUSED(EXC_LOAD_ACCESS, PLIC + 12);
}

/* What is not a plain load/store of the device gets the access fault a
 * real bus would give. */
static void test_refusals(void) {
  reset();
  struct vcpu *v = &vm.vcpu[0];
  uint64_t a = PLIC + 4 * 7;
  fake_insn = AMOSWAP_W(A0, A1, A0); /* an AMO is a store/AMO access */
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, a, a, 0));
  REFUSED(EXC_STORE_ACCESS, a);
  trap.calls = 0;
  CHECK(fault(v, EXC_STORE_GUEST_PAGE_FAULT, a, a, 0));
  REFUSED(EXC_STORE_ACCESS, a);
  trap.calls = 0;
  fake_insn = FLW(A0, A1);
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, a, a, 0));
  REFUSED(EXC_LOAD_ACCESS, a);
  trap.calls = 0;
  fake_insn = 0; /* the fetch itself faults */
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, a, a, 0));
  REFUSED(EXC_LOAD_ACCESS, a);
  trap.calls = 0;
  CHECK(fault(v, EXC_INST_GUEST_PAGE_FAULT, UART, UART, 0)); /* executing the UART */
  REFUSED(EXC_INST_ACCESS, UART);
  trap.calls = 0;
  fake_insn = 0x00000013; /* addi x0, x0, 0 */
  CHECK(fault(v, EXC_STORE_GUEST_PAGE_FAULT, UART, UART, 0));
  REFUSED(EXC_STORE_ACCESS, UART);
  CHECK_EQ(vm.dev.plic.priority[7], 0);
}

/* Guest page tables in its RAM, from a bump allocator (table 0: the root). */
static uint64_t next_table;
static uint64_t *pte(uint64_t table, uint64_t va, int level) {
  return (uint64_t *)(ram + (table - RAM_BASE)) + ((va >> (12 + 9 * level)) & 511);
}
static uint64_t new_table(void) {
  uint64_t t = next_table;
  next_table += 4096;
  CHECK(next_table <= RAM_BASE + RAM_SIZE);
  return t;
}
#define PTE_TABLE(pa) (((pa) >> 12) << 10 | PTE_V)
#define PTE_LEAF(pa) (((pa) >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define PTE_NAPOT (1ULL << 63)

/* The table that the walk of va reads at `level`, made (in RAM) as needed. */
static uint64_t table_for(uint64_t root, int levels, uint64_t va, int level) {
  uint64_t t = root;
  for (int l = levels - 1; l > level; l--) {
    uint64_t *e = pte(t, va, l);
    if (!(*e & PTE_V))
      *e = PTE_TABLE(new_table());
    t = (*e >> 10) << 12;
  }
  return t;
}

static unsigned long vsatp_of(int levels, uint64_t root) {
  return (unsigned long)(levels + 5) << 60 | root >> 12; /* Sv39 8, Sv48 9, Sv57 10 */
}

/* Paged (htinst 0, as QEMU reports): emulated exactly when the guest's walk
 * ends at the faulting address, at every level a leaf can be, in each mode. */
static void test_walk_honest(void) {
  for (int levels = 3; levels <= 5; levels++) {
    for (int leaf = 0; leaf < levels; leaf++) {
      reset();
      struct vcpu *v = &vm.vcpu[0];
      next_table = RAM_BASE;
      uint64_t root = new_table();
      fake_vsatp = vsatp_of(levels, root);
      /* A page of `leaf`'s size holding the UART: its base is the UART's
       * page rounded down to that size (0 from 1 GiB up). */
      uint64_t size = 1ULL << (12 + 9 * leaf);
      uint64_t base = UART & ~(size - 1);
      uint64_t va = (0x2ULL << (12 + 9 * (levels - 1))) | (UART - base) | VUART_SCR;
      *pte(table_for(root, levels, va, leaf), va, leaf) = PTE_LEAF(base);
      vm.dev.uart.scr = 0x99;
      fake_insn = load(F3_BU, A0, A1);
      v->arch.x[A0] = 0;
      bool ok = fault(v, EXC_LOAD_GUEST_PAGE_FAULT, va, UART + VUART_SCR, 0);
      if (!check_result(ok && trap.calls == 0 && v->arch.x[A0] == 0x99 && v->arch.sepc == PC + 4,
                        __FILE__, __LINE__))
        fprintf(stderr, "Sv%d leaf at level %d: not emulated (faults %d)\n", 12 + 9 * levels, leaf,
                trap.calls);
      CHECK(walk_reads >= levels - leaf); /* the walk was redone */
      /* The same walk, another gpa: not the guest's access. */
      trap.calls = 0;
      CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, va, UART + VUART_LSR, 0));
      REFUSED(EXC_LOAD_ACCESS, va);
      /* A store through it. */
      v->arch.x[A1] = 0x42;
      fake_insn = store(F3_B, A1, A0);
      trap.calls = 0;
      CHECK(fault(v, EXC_STORE_GUEST_PAGE_FAULT, va, UART + VUART_SCR, 0));
      CHECK_EQ(trap.calls, 0);
      CHECK_EQ(vm.dev.uart.scr, 0x42);
    }
  }
  /* Svnapot: a 64 KiB page of 4 KiB PTEs (level 0, N set, PPN[3:0] 1000). */
  reset();
  struct vcpu *v = &vm.vcpu[0];
  next_table = RAM_BASE;
  uint64_t root = new_table();
  fake_vsatp = vsatp_of(3, root);
  uint64_t va = 0x40000000ULL | 0x30000 | 0x5000 | VUART_SCR; /* 0x5000 into the 64 KiB */
  uint64_t gpa = 0x0c010000ULL + 0x5000 + VUART_SCR;          /* PLIC pages 0x0c010000-1ffff */
  *pte(table_for(root, 3, va, 0), va, 0) = PTE_LEAF(0x0c018000ULL) | PTE_NAPOT;
  fake_insn = load(F3_W, A0, A1);
  trap.calls = 0;
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, va, gpa, 0));
  CHECK_EQ(trap.calls, 0);
  /* Without N, the same PTE maps the 4 KiB page 0x0c018000: not gpa. */
  *pte(table_for(root, 3, va, 0), va, 0) = PTE_LEAF(0x0c018000ULL);
  CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, va, gpa, 0));
  REFUSED(EXC_LOAD_ACCESS, va);
  /* Bare: the access itself faulted, no walk. */
  reset();
  walk_reads = 0;
  vm.dev.uart.scr = 0x31;
  CHECK_EQ(LOAD(F3_BU, UART + VUART_SCR), 0x31);
  CHECK_EQ(walk_reads, 0);
  /* Modes that do not exist (Sv32's 1, reserved 2-7, 11-15): no walk of the
   * guest's can be trusted to end anywhere. */
  static const unsigned long modes[] = {1, 2, 7, 11, 15};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    reset();
    next_table = RAM_BASE;
    root = new_table();
    fake_vsatp = modes[i] << 60 | root >> 12;
    *pte(table_for(root, 3, 0, 1), 0, 1) = PTE_LEAF(0); /* would map va 0 to gpa 0 */
    fake_insn = load(F3_BU, A0, A1);
    CHECK(fault(v, EXC_LOAD_GUEST_PAGE_FAULT, UART, UART, 0));
    REFUSED(EXC_LOAD_ACCESS, UART);
  }
}

/* A hostile walk: the guest points one of its page-table pointers (or vsatp
 * itself) into a device window, so the hardware's walk reads a "PTE" from
 * the device and faults there. With htinst 0 that looks like an access at a
 * device address; the hypervisor must refuse it (access fault), never play
 * the instruction against the device: here the PTE read lands on the UART's
 * RBR (a load would pop a received byte) or on a PLIC priority (a store
 * would set it). At every level of every mode, loads and stores. */
static void test_walk_hostile(void) {
  for (int levels = 3; levels <= 5; levels++) {
    for (int level = 0; level < levels; level++) {
      for (int is_store = 0; is_store < 2; is_store++) {
        reset();
        struct vcpu *v = &vm.vcpu[0];
        next_table = RAM_BASE;
        uint64_t root = new_table();
        /* The table read at `level` is the device page; the PTE read is
         * entry idx of it. */
        uint64_t dev_table = is_store ? PLIC : UART;
        unsigned idx = is_store ? 10 : 0; /* PTE 10: source 20's priority; PTE 0: RBR */
        uint64_t va = (uint64_t)idx << (12 + 9 * level) | 0x123;
        if (level == levels - 1)
          root = dev_table; /* vsatp points at the device */
        else
          *pte(table_for(root, levels, va, level + 1), va, level + 1) = PTE_TABLE(dev_table);
        fake_vsatp = vsatp_of(levels, root);
        uint64_t gpa = dev_table + idx * 8;
        vuart_rx_push(&vm.dev.uart, 'Z');
        v->arch.x[A0] = 0x5555;
        v->arch.x[A1] = 7;
        fake_insn = is_store ? store(F3_W, A1, A0) : load(F3_BU, A0, A1);
        bool ok =
            fault(v, is_store ? EXC_STORE_GUEST_PAGE_FAULT : EXC_LOAD_GUEST_PAGE_FAULT, va, gpa, 0);
        CHECK(ok);
        if (!check_result(trap.calls == 1, __FILE__, __LINE__))
          fprintf(stderr, "Sv%d, PTE read at level %d from the %s: emulated, not refused\n",
                  12 + 9 * levels, level, is_store ? "PLIC" : "UART");
        REFUSED(is_store ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, va);
        CHECK_EQ(vm.dev.uart.rx_count, 1); /* nothing popped */
        /* Nothing stored: the PTE read at PLIC + 10 * 8 is source 20's priority. */
        CHECK_EQ(vm.dev.plic.priority[20], 0);
        CHECK_EQ(vm.dev.plic.priority[10], 0);
        CHECK_EQ(v->arch.x[A0], 0x5555);
      }
    }
  }
  /* A walk that leaves RAM for nowhere (a pointer past RAM) ends nowhere. */
  reset();
  next_table = RAM_BASE;
  uint64_t root = new_table();
  *pte(root, 0, 2) = PTE_TABLE(RAM_BASE + RAM_SIZE);
  fake_vsatp = vsatp_of(3, root);
  fake_insn = load(F3_BU, A0, A1);
  CHECK(fault(&vm.vcpu[0], EXC_LOAD_GUEST_PAGE_FAULT, 0, UART, 0));
  REFUSED(EXC_LOAD_ACCESS, 0);
  /* An invalid PTE on the way: the walk never got there. */
  reset();
  next_table = RAM_BASE;
  root = new_table();
  fake_vsatp = vsatp_of(3, root);
  *pte(table_for(root, 3, UART, 0), UART, 0) = PTE_LEAF(UART) & ~PTE_V;
  CHECK(fault(&vm.vcpu[0], EXC_LOAD_GUEST_PAGE_FAULT, UART, UART, 0));
  REFUSED(EXC_LOAD_ACCESS, UART);
}

/* The UART's line reaches the vPLIC (source 10) and the vPLIC's output for
 * context c reaches vCPU c, once per change; an access that changes nothing
 * posts nothing. */
static void test_irq_routing(void) {
  reset();
  uint64_t ctx1 = PLIC + VPLIC_CONTEXT_BASE + VPLIC_CONTEXT_STRIDE;
  STORE(F3_W, PLIC + 4 * VDEV_UART_IRQ, 1);
  STORE(F3_W, PLIC + VPLIC_ENABLE_BASE + VPLIC_ENABLE_STRIDE, 1U << VDEV_UART_IRQ);
  CHECK_EQ(posted.calls[0] + posted.calls[1], 0);
  STORE(F3_B, UART + VUART_IER, VUART_IER_ETBEI); /* THR empty: the line rises */
  CHECK_EQ(posted.calls[1], 1);
  CHECK(posted.eip[1]);
  CHECK_EQ(posted.calls[0], 0);
  for (int i = 0; i < 3; i++) /* LSR polls move nothing */
    CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
  CHECK_EQ(posted.calls[1], 1);
  CHECK_EQ(LOAD(F3_WU, ctx1 + VPLIC_CONTEXT_CLAIM), VDEV_UART_IRQ);
  CHECK_EQ(posted.calls[1], 2);
  CHECK(!posted.eip[1]);
  /* IIR read clears THRE (line falls), complete: nothing pending. */
  CHECK_EQ(LOAD(F3_BU, UART + VUART_IIR), VUART_IIR_THRI);
  STORE(F3_W, ctx1 + VPLIC_CONTEXT_CLAIM, VDEV_UART_IRQ);
  CHECK_EQ(posted.calls[1], 2);
  CHECK_EQ(posted.calls[0], 0);
  /* Console input waits until the guest listens, then interrupts. */
  CHECK(vdev_console_input(&vm.dev, 'x'));
  CHECK_EQ(vm.dev.uart.rx_count, 0);
  STORE(F3_B, UART + VUART_IER, VUART_IER_ERBFI);
  CHECK_EQ(vm.dev.uart.rx_count, 1);
  CHECK_EQ(posted.calls[1], 3);
  CHECK(posted.eip[1]);
  CHECK(vdev_console_input(&vm.dev, 'y'));
  CHECK_EQ(vm.dev.uart.rx_count, 2);
  CHECK_EQ(LOAD(F3_BU, UART + VUART_RBR), 'x');
  CHECK_EQ(posted.calls[1], 3);
  CHECK_EQ(LOAD(F3_BU, UART + VUART_RBR), 'y');
  /* The FIFO is empty: the line fell before any claim, the request is
   * withdrawn (level-triggered) and the output drops. */
  CHECK_EQ(posted.calls[1], 4);
  CHECK(!posted.eip[1]);
  CHECK_EQ(LOAD(F3_WU, ctx1 + VPLIC_CONTEXT_CLAIM), 0);
  CHECK_EQ(posted.calls[1], 4);
  /* Without the guest listening, input is for SBI getchar, in order. */
  STORE(F3_B, UART + VUART_IER, 0);
  CHECK(vdev_console_input(&vm.dev, '1'));
  CHECK(vdev_console_input(&vm.dev, '2'));
  CHECK_EQ(vdev_console_getc(&vm.dev), '1');
  CHECK_EQ(vdev_console_getc(&vm.dev), '2');
  CHECK_EQ_INT(vdev_console_getc(&vm.dev), -1);
  for (unsigned i = 0; i < sizeof(vm.dev.in); i++)
    CHECK(vdev_console_input(&vm.dev, 'a'));
  CHECK(!vdev_console_input(&vm.dev, 'b')); /* full: dropped */
}

/* LSR through the bus: the vUART's poll fast path (no input waiting, no
 * line error) and the general path agree; a line error is reported once
 * and its interrupt falls; the third LSR read in a row receives; every
 * access counts in the UART region's counter. */
static void test_lsr_poll(void) {
  reset();
  const uint32_t base = VUART_LSR_THRE | VUART_LSR_TEMT;
  struct bus_region *r = bus_find(&vm.dev.bus, UART);
  CHECK(r != NULL && r->accesses == 0);
  for (int i = 0; i < 5; i++)
    CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base);
  CHECK_EQ(vm.dev.lsr_run, 3);
  CHECK_EQ(LOAD(F3_HU, UART + VUART_LSR), 0); /* not a byte: reads 0, ends the run */
  CHECK_EQ(vm.dev.lsr_run, 0);
  CHECK_EQ(r->accesses, 6);
  /* Loopback overrun with the line-status interrupt on: LSR shows OE once,
   * and reading it drops the line into the vPLIC. */
  STORE(F3_B, UART + VUART_MCR, VUART_MCR_LOOP);
  STORE(F3_B, UART + VUART_IER, VUART_IER_ELSI);
  for (int i = 0; i <= VUART_FIFO_SIZE; i++)
    STORE(F3_B, UART + VUART_THR, 'A');
  CHECK(vm.dev.uart.lsr_errors & VUART_LSR_OE);
  CHECK(vm.dev.plic.level[0] & (1U << VDEV_UART_IRQ));
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base | VUART_LSR_OE | VUART_LSR_DR);
  CHECK(!(vm.dev.plic.level[0] & (1U << VDEV_UART_IRQ)));
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base | VUART_LSR_DR);
  /* FIFO cleared in loopback (its bytes are the guest's own: dropped), out
   * of loopback: typed input is received by the third LSR read in a row,
   * not before. */
  STORE(F3_B, UART + VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLEAR_RX);
  STORE(F3_B, UART + VUART_MCR, 0);
  STORE(F3_B, UART + VUART_IER, 0);
  CHECK_EQ(vm.dev.in_count, 0);
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base);
  CHECK(vdev_console_input(&vm.dev, 'k'));
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base);
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base | VUART_LSR_DR);
  CHECK_EQ(LOAD(F3_BU, UART + VUART_RBR), 'k');
  CHECK_EQ(LOAD(F3_BU, UART + VUART_LSR), base);
  CHECK_EQ(r->accesses, 6 + 2 + VUART_FIFO_SIZE + 1 + 2 + 3 + 5);
  /* The PLIC has its own counter. */
  struct bus_region *p = bus_find(&vm.dev.bus, PLIC);
  CHECK(p != NULL && p != r && p->accesses == 0);
  LOAD(F3_WU, PLIC + 4);
  CHECK_EQ(p->accesses, 1);
}

int main(void) {
  ram = malloc(RAM_SIZE);
  test_windows();
  test_plic_widths();
  test_uart_widths();
  test_htinst();
  test_refusals();
  test_walk_honest();
  test_walk_hostile();
  test_irq_routing();
  test_lsr_poll();
  free(ram);
  return check_report("vdev");
}
