/* probe: a hostile guest for the VM isolation test. It reads its own FDT to
 * learn its RAM and the device windows it was given, then
 *  1. touches every address it was not given: each 4 KiB page below its RAM
 *     (device windows excepted) and in the 64 MiB above it, one address per
 *     GiB up to 2^41 (the Sv39x4 guest-physical limit) and a few beyond,
 *     with loads, and a subset with word stores, and every doubleword of
 *     the pages a window shares with what was not given (a window smaller
 *     than a page: the rest of its page). Each access must end in an
 *     access fault at that address: never data, never a hang;
 *  2. floods the SBI with calls from a fixed-seed PRNG (known and random
 *     extensions, random functions and arguments, addresses outside RAM,
 *     bad hart masks...) and checks that every answer is a valid SBI error
 *     code, and the right one where the spec leaves no choice.
 * Calls that legitimately stop or reset the VM are never made. With a
 * second vCPU it first starts it with HSM hart_start and checks that it
 * enters with a0 = its hart id and a1 = the opaque value passed. */
#include "fdt.h"
#include "guest.h"
#include <string.h>

#define PAGE 4096UL
#define GIB (1UL << 30)
#define GPA_LIMIT (1UL << 41) /* Sv39x4 */
#define ABOVE_RAM (64UL << 20)
#define STORE_EVERY 64 /* pages */
#define SBI_CALLS 30000
#define MAX_RANGES 16
#define MAX_REPORTS 8 /* detailed FAILED lines per phase */

#define EXC_INST_ACCESS 1
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_ACCESS 7
#define SIP_SSIP (1UL << 1)

extern char probe_trap[];
unsigned long probe_load(unsigned long addr, unsigned long *out);
unsigned long probe_store(unsigned long addr, unsigned long *out, unsigned long value);
unsigned long probe_exec(unsigned long addr, unsigned long *out);

struct range {
  unsigned long base, size;
};

static struct range ram[MAX_RANGES], dev[MAX_RANGES];
static unsigned nram, ndev;
static unsigned long ram_lo, ram_hi; /* lowest RAM address, end of the highest */
static uint64_t valid_harts;         /* hart ids (< 64) named by the FDT */
static unsigned long self_hart;
static unsigned long timebase = 10000000; /* Hz, from /cpus */

static unsigned long loads_faulted, stores_faulted, fetches_faulted, probe_bad;

static bool in_range(const struct range *r, unsigned n, unsigned long a, unsigned long len) {
  for (unsigned i = 0; i < n; i++)
    if (a < r[i].base + r[i].size && a + len > r[i].base)
      return true;
  return false;
}

/* Was [a, a+len) given to this VM (RAM or a device window)? */
static bool given(unsigned long a, unsigned long len) {
  return in_range(ram, nram, a, len) || in_range(dev, ndev, a, len);
}

static void add_reg(const struct dt *dt, int node, struct range *r, unsigned *n) {
  uint64_t a, s;
  for (int i = 0; *n < MAX_RANGES && dt_reg(dt, node, i, &a, &s) == DT_OK; i++)
    if (s)
      r[(*n)++] = (struct range){a, s};
}

/* RAM from the memory nodes, devices from the reg of every node under /soc
 * (and of any other root node with a reg), hart ids from /cpus. */
static bool read_fdt(const void *fdt) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  int root = dt_root(&dt);
  for (int c = dt_first_child(&dt, root); c >= 0; c = dt_next_sibling(&dt, c)) {
    const char *type = dt_prop_str(&dt, c, "device_type");
    const char *name = dt_node_name(&dt, c);
    if (type && !strcmp(type, "memory"))
      add_reg(&dt, c, ram, &nram);
    else if (name && !strcmp(name, "soc"))
      for (int d = dt_first_child(&dt, c); d >= 0; d = dt_next_sibling(&dt, d))
        add_reg(&dt, d, dev, &ndev);
    else if (name && strcmp(name, "cpus"))
      add_reg(&dt, c, dev, &ndev);
  }
  int cpus = dt_path(&dt, "/cpus");
  uint32_t tb;
  if (cpus >= 0 && dt_prop_u32(&dt, cpus, "timebase-frequency", &tb) == DT_OK && tb)
    timebase = tb;
  for (int c = cpus >= 0 ? dt_first_child(&dt, cpus) : -1; c >= 0; c = dt_next_sibling(&dt, c)) {
    uint32_t id;
    const char *type = dt_prop_str(&dt, c, "device_type");
    if (type && !strcmp(type, "cpu") && dt_prop_u32(&dt, c, "reg", &id) == DT_OK && id < 64)
      valid_harts |= 1ULL << id;
  }
  if (!nram)
    return false;
  ram_lo = ~0UL;
  for (unsigned i = 0; i < nram; i++) {
    if (ram[i].base < ram_lo)
      ram_lo = ram[i].base;
    if (ram[i].base + ram[i].size > ram_hi)
      ram_hi = ram[i].base + ram[i].size;
  }
  return true;
}

/* What one probe of addr ended in: it must be the access fault `want`
 * with stval = addr; counted in *faulted, else reported (the first
 * MAX_REPORTS times). A cause of 0 means the access completed. */
static void probe_outcome(const char *what, unsigned long addr, unsigned long cause,
                          unsigned long tval, unsigned long want, unsigned long *faulted) {
  if (cause == want && tval == addr) {
    (*faulted)++;
    return;
  }
  if (++probe_bad > MAX_REPORTS)
    return;
  if (cause == 0)
    CHECK(false, "%s at 0x%lx completed", what, addr);
  else
    CHECK(false, "%s at 0x%lx: cause %lu tval 0x%lx (want cause %lu, tval = address)", what, addr,
          cause, tval, want);
}

static void load_probe(unsigned long addr) {
  unsigned long out;
  unsigned long cause = probe_load(addr, &out);
  probe_outcome("load", addr, cause, out, EXC_LOAD_ACCESS, &loads_faulted);
}

static void store_probe(unsigned long addr) {
  unsigned long out;
  unsigned long cause = probe_store(addr, &out, 0x5a5a5a5aUL ^ addr);
  probe_outcome("store", addr, cause, out, EXC_STORE_ACCESS, &stores_faulted);
}

static void exec_probe(unsigned long addr) {
  unsigned long out;
  unsigned long cause = probe_exec(addr, &out);
  probe_outcome("jump", addr, cause, out, EXC_INST_ACCESS, &fetches_faulted);
}

/* Probe every page of [lo, hi) that overlaps nothing given, loads on every
 * page and a word store on every STORE_EVERY-th. */
static void probe_pages(unsigned long lo, unsigned long hi) {
  for (unsigned long a = lo; a < hi; a += PAGE) {
    if (given(a, PAGE))
      continue;
    load_probe(a);
    if ((a / PAGE) % STORE_EVERY == 0)
      store_probe(a + 8);
  }
}

/* A single address, loaded, stored and jumped to, when nothing given
 * covers it. */
static void probe_one(unsigned long a) {
  if (given(a, 8))
    return;
  load_probe(a);
  store_probe(a);
  exec_probe(a);
}

/* A misaligned access across the edge of RAM: the part outside must fault
 * (stval somewhere in the access), whatever happens to the part inside. */
static void straddle(unsigned long end) {
  unsigned long out, cause = probe_load(end - 4, &out);
  if (cause == EXC_LOAD_ACCESS && out >= end - 4 && out < end + 4)
    loads_faulted++;
  else if (++probe_bad <= MAX_REPORTS)
    CHECK(false, "load across 0x%lx: cause %lu, tval/data 0x%lx", end, cause, out);
  cause = probe_store(end - 2, &out, 0x12345678);
  if (cause == EXC_STORE_ACCESS && out >= end - 2 && out < end + 2)
    stores_faulted++;
  else if (++probe_bad <= MAX_REPORTS)
    CHECK(false, "store across 0x%lx: cause %lu, tval 0x%lx", end, cause, out);
}

static void set_stvec(void *vec) { __asm__ volatile("csrw stvec, %0" ::"r"(vec)); }

/* Every doubleword of [lo, hi) not given: loads, and a store every 64
 * bytes. */
static void probe_subpage(unsigned long lo, unsigned long hi) {
  for (unsigned long a = lo; a < hi; a += 8) {
    if (given(a, 8))
      continue;
    load_probe(a);
    if (a % 64 == 0)
      store_probe(a);
  }
}

/* The pages a device window shares with addresses not given: a window
 * that ends (or starts) inside a page leaves the rest of that page to
 * fault, which the page sweep, skipping every page a window touches, does
 * not see. */
static void probe_window_pages(void) {
  for (unsigned i = 0; i < ndev; i++) {
    unsigned long first = dev[i].base & ~(PAGE - 1);
    unsigned long last = (dev[i].base + dev[i].size - 1) & ~(PAGE - 1);
    probe_subpage(first, first + PAGE);
    if (last != first)
      probe_subpage(last, last + PAGE);
  }
}

static void probe_paging(void);

static void probe_memory(void) {
  extern char guest_trap_entry[];
  unsigned long l0 = loads_faulted, s0 = stores_faulted;
  set_stvec(probe_trap);
  probe_pages(0, ram_lo);
  set_stvec(guest_trap_entry);
  guest_printf("probe: below RAM [0, 0x%lx): %lu loads and %lu stores faulted\n", ram_lo,
               loads_faulted - l0, stores_faulted - s0);

  l0 = loads_faulted, s0 = stores_faulted;
  set_stvec(probe_trap);
  probe_pages(ram_hi, ram_hi + ABOVE_RAM);
  set_stvec(guest_trap_entry);
  guest_printf("probe: 64 MiB above RAM [0x%lx, 0x%lx): %lu loads and %lu stores faulted\n", ram_hi,
               ram_hi + ABOVE_RAM, loads_faulted - l0, stores_faulted - s0);

  l0 = loads_faulted, s0 = stores_faulted;
  set_stvec(probe_trap);
  for (unsigned long a = 0; a < GPA_LIMIT; a += GIB) {
    probe_one(a);
    probe_one(a + GIB - 8);
  }
  /* The edges of every window given, from outside. */
  for (unsigned i = 0; i < nram + ndev; i++) {
    const struct range *r = i < nram ? &ram[i] : &dev[i - nram];
    if (r->base >= 8)
      probe_one(r->base - 8);
    probe_one(r->base + r->size);
  }
  /* Beyond 2^41: a G-stage that dropped the high bits would alias these
   * onto RAM, this very code, or a device. */
  const unsigned long beyond[] = {
      GPA_LIMIT,
      GPA_LIMIT + ram_lo,
      GPA_LIMIT + 0x80200000UL,
      GPA_LIMIT + (ndev ? dev[0].base : 0),
      1UL << 42 | ram_lo,
      1UL << 48 | ram_lo,
      1UL << 56 | ram_lo,
      1UL << 63 | ram_lo,
      (~0UL << 40) | ram_lo, /* bits 63:40 set: sign-extended, not zero-extended */
      (~0UL << 41) | ram_lo,
      ~0UL << 39,
      ~0UL - 7,
  };
  for (unsigned i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++)
    probe_one(beyond[i]);
  for (unsigned i = 0; i < ndev; i++) /* devices are not memory: no code runs there */
    exec_probe(dev[i].base);
  for (unsigned i = 0; i < nram; i++) {
    if (!given(ram[i].base - 1, 1))
      straddle(ram[i].base);
    if (!given(ram[i].base + ram[i].size, 1))
      straddle(ram[i].base + ram[i].size);
  }
  set_stvec(guest_trap_entry);
  guest_printf("probe: every GiB up to 2^41, window edges, beyond 2^41: %lu loads, %lu stores "
               "and %lu jumps faulted\n",
               loads_faulted - l0, stores_faulted - s0, fetches_faulted);

  l0 = loads_faulted, s0 = stores_faulted;
  set_stvec(probe_trap);
  probe_window_pages();
  set_stvec(guest_trap_entry);
  guest_printf("probe: sub-page window edges: %lu loads and %lu stores faulted\n",
               loads_faulted - l0, stores_faulted - s0);

  if (ndev) {
    l0 = loads_faulted, s0 = stores_faulted;
    set_stvec(probe_trap);
    probe_paging();
    set_stvec(guest_trap_entry);
    guest_printf("probe: through Sv39 page tables: %lu loads and %lu stores faulted, device "
                 "reachable through its own mappings\n",
                 loads_faulted - l0, stores_faulted - s0);
  }
  CHECK(probe_bad == 0, "%lu probes did not end in the right access fault", probe_bad);
}

/* ---- Through the guest's own page tables (Sv39) ---- */

#define PTE_V 1UL
#define PTE_RWX 0xeUL
#define PTE_AD 0xc0UL
#define SATP_SV39 (8UL << 60)

static uint64_t pt_root[512] __attribute__((aligned(4096)));
static uint64_t pt_l1[512] __attribute__((aligned(4096)));
static uint64_t pt_l0[512] __attribute__((aligned(4096)));

/* A leaf or a pointer to a next-level table at gpa. */
static uint64_t pte_leaf(unsigned long gpa) { return (gpa >> 12) << 10 | PTE_AD | PTE_RWX | PTE_V; }
static uint64_t pte_table(unsigned long gpa) { return (gpa >> 12) << 10 | PTE_V; }

/* A load (and a store) through the page tables that must fault with the
 * VA in stval. A store whose walk fails is reported by QEMU 7.2 as a load
 * guest-page fault, so it may come back as a load access fault. */
static void paged_fault(unsigned long va, bool walk_fails) {
  unsigned long out, cause = probe_load(va, &out);
  if (cause == EXC_LOAD_ACCESS && out == va)
    loads_faulted++;
  else if (++probe_bad <= MAX_REPORTS)
    CHECK(false, "paged load at VA 0x%lx: cause %lu tval/data 0x%lx", va, cause, out);
  cause = probe_store(va, &out, 0x77);
  if ((cause == EXC_STORE_ACCESS || (walk_fails && cause == EXC_LOAD_ACCESS)) && out == va)
    stores_faulted++;
  else if (++probe_bad <= MAX_REPORTS)
    CHECK(false, "paged store at VA 0x%lx: cause %lu tval 0x%lx", va, cause, out);
}

/* With Sv39 on: leaves and tables that point outside RAM (or into a
 * device window, where a page-table walk has no business) must fault;
 * the first device window stays reachable through gigapage, 2 MiB and
 * 4 KiB mappings of its own (its first 32-bit register is written and read
 * back through each, then cleared). */
static void probe_paging(void) {
  for (unsigned long g = 0; g < 4; g++) /* identity: this code, RAM, devices */
    pt_root[g] = pte_leaf(g * GIB);
  unsigned long dv = dev[0].base, reg = dv + 8; /* e.g. the PLIC priority of source 2 */
  pt_root[4] = pte_leaf(GIB);                   /* outside RAM */
  pt_root[5] = pte_table(PAGE);                 /* next-level table outside RAM */
  pt_root[6] = pte_table(dv);                   /* next-level table in a device window */
  pt_root[7] = pte_leaf(GPA_LIMIT | (2 * GIB)); /* beyond 2^41 */
  pt_root[8] = pte_leaf(0);                     /* 8 GiB + x -> x */
  pt_root[9] = pte_table((unsigned long)pt_l1);
  pt_l1[0] = pte_table((unsigned long)pt_l0);
  pt_l1[1] = pte_leaf(dv & ~((2UL << 20) - 1));
  pt_l0[1] = pte_leaf(dv);
  __asm__ volatile("csrw satp, %0; sfence.vma" ::"r"(SATP_SV39 | ((unsigned long)pt_root >> 12))
                   : "memory");
  paged_fault(4 * GIB, false);
  paged_fault(5 * GIB, true);
  paged_fault(6 * GIB, true);
  paged_fault(6 * GIB + (2UL << 20), true);
  paged_fault(7 * GIB, false);
  /* Plain 32-bit accesses: a fault here goes to the runtime, which fails. */
  *(volatile uint32_t *)reg = 1;
  const unsigned long via[] = {reg, 8 * GIB + reg,
                               9 * GIB + (2UL << 20) + (reg & ((2UL << 20) - 1)),
                               9 * GIB + PAGE + (reg & (PAGE - 1))};
  for (unsigned i = 0; i < sizeof(via) / sizeof(via[0]); i++) {
    uint32_t val = *(volatile uint32_t *)via[i];
    CHECK(val == 1, "paged load of the device register at VA 0x%lx: 0x%x, want 1", via[i], val);
  }
  *(volatile uint32_t *)reg = 0;
  __asm__ volatile("csrw satp, zero; sfence.vma" ::: "memory");
}

/* ---- SBI flood ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64 (Marsaglia): fixed seed, so every run makes the same calls. */
static uint64_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

static unsigned long rnd_below(unsigned long n) { return n ? (unsigned long)(rnd() % n) : 0; }

/* An address, most often one this VM must not name. */
static unsigned long rnd_addr(void) {
  switch (rnd_below(10)) {
  case 0: return rnd();
  case 1: return rnd_below(ram_lo);
  case 2: return ram_hi + rnd_below(ABOVE_RAM);
  case 3: return ram_hi - rnd_below(64);
  case 4: return ram_lo + rnd_below(ram_hi - ram_lo); /* in RAM */
  case 5: return ~0UL - rnd_below(64);
  case 6: return (1UL << (41 + rnd_below(23))) + rnd_below(ram_hi);
  case 7: return ndev ? dev[rnd_below(ndev)].base + rnd_below(64) : 0;
  case 8: return ram_lo - 1 - rnd_below(64);
  default: return rnd_below(GPA_LIMIT);
  }
}

/* A register argument: small numbers, -1, addresses, anything. */
static unsigned long rnd_arg(void) {
  switch (rnd_below(6)) {
  case 0: return rnd_below(16);
  case 1: return ~0UL - rnd_below(2);
  case 2:
  case 3: return rnd_addr();
  case 4: return 1UL << rnd_below(64);
  default: return rnd();
  }
}

static const unsigned long known_eids[] = {
    SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,           SBI_EXT_RFENCE,     SBI_EXT_HSM,
    SBI_EXT_DBCN, SBI_EXT_PMU,  0x4E41434C /* NACL */, 0x535441 /* STA */,
};

/* Calls that stop, suspend or reset the VM (or print): never made. */
static bool forbidden(unsigned long eid, unsigned long fid) {
  return eid == SBI_EXT_SRST || eid == SBI_EXT_SUSP || eid == SBI_EXT_0_1_SHUTDOWN ||
         eid == SBI_EXT_0_1_CONSOLE_PUTCHAR ||
         (eid == SBI_EXT_HSM && (fid == SBI_HSM_HART_STOP || fid == SBI_HSM_HART_SUSPEND)) ||
         (eid == SBI_EXT_DBCN && fid == SBI_DBCN_WRITE_BYTE);
}

#define ERR_BIT(e) (1U << -(e))
#define ANY_ERROR 0x3ffU /* SBI_SUCCESS .. SBI_ERR_NO_SHMEM (SBI v2.0, 3.2) */

/* Does the hart mask name any hart that does not exist (SBI v2.0, 3.1)? */
static bool mask_invalid(unsigned long mask, unsigned long base) {
  if (base == ~0UL)
    return false;
  for (unsigned i = 0; i < 64; i++)
    if ((mask >> i) & 1) {
      unsigned long h = base + i;
      if (h < base || h >= 64 || !((valid_harts >> h) & 1))
        return true;
    }
  return false;
}

static bool ram_has(unsigned long a, unsigned long len) {
  for (unsigned i = 0; i < nram; i++)
    if (a >= ram[i].base && len <= ram[i].size && a - ram[i].base <= ram[i].size - len)
      return true;
  return false;
}

static char dbcn_scratch[4096];
static unsigned known_avail; /* bit i: known_eids[i] probed as available */
static unsigned long sbi_answered, sbi_legacy_faulted, sbi_bad;

/* Make a call safe to make (see forbidden()) and return the set of error
 * codes the spec allows for it. */
static unsigned allowed_errors(unsigned long eid, unsigned long *fid, unsigned long *a) {
  bool known = false;
  for (unsigned i = 0; i < sizeof(known_eids) / sizeof(known_eids[0]); i++)
    known |= eid == known_eids[i] && ((known_avail >> i) & 1);
  if (!known) /* unknown or unimplemented extension (SBI v2.0, 4.8) */
    return ERR_BIT(SBI_ERR_NOT_SUPPORTED);
  switch (eid) {
  case SBI_EXT_BASE: return *fid <= SBI_BASE_GET_MIMPID ? 1U : ERR_BIT(SBI_ERR_NOT_SUPPORTED);
  case SBI_EXT_TIME: return *fid == 0 ? 1U : ERR_BIT(SBI_ERR_NOT_SUPPORTED);
  case SBI_EXT_IPI:
    if (*fid != 0)
      return ERR_BIT(SBI_ERR_NOT_SUPPORTED);
    return mask_invalid(a[0], a[1]) ? ERR_BIT(SBI_ERR_INVALID_PARAM) : 1U;
  case SBI_EXT_RFENCE:
    if (*fid > SBI_RFENCE_HFENCE_VVMA)
      return ERR_BIT(SBI_ERR_NOT_SUPPORTED);
    if (*fid > SBI_RFENCE_SFENCE_VMA_ASID)
      return ANY_ERROR; /* the hfence calls: for guests with H only */
    return mask_invalid(a[0], a[1])
               ? ERR_BIT(SBI_ERR_INVALID_PARAM) | ERR_BIT(SBI_ERR_INVALID_ADDRESS)
               : 1U | ERR_BIT(SBI_ERR_INVALID_ADDRESS);
  case SBI_EXT_HSM:
    if (*fid == SBI_HSM_HART_START) {
      bool hart_ok = a[0] < 64 && ((valid_harts >> a[0]) & 1);
      bool addr_ok = ram_has(a[1], 4);
      if (hart_ok && addr_ok) /* a started hart runs guest_secondary_main and stops */
        a[1] = (unsigned long)guest_secondary_entry;
      if (!hart_ok)
        return ERR_BIT(SBI_ERR_INVALID_PARAM) | (addr_ok ? 0 : ERR_BIT(SBI_ERR_INVALID_ADDRESS));
      if (a[0] == self_hart)
        return ERR_BIT(SBI_ERR_ALREADY_AVAILABLE) |
               (addr_ok ? 0 : ERR_BIT(SBI_ERR_INVALID_ADDRESS));
      return addr_ok ? ANY_ERROR
                     : ERR_BIT(SBI_ERR_INVALID_ADDRESS) | ERR_BIT(SBI_ERR_ALREADY_AVAILABLE);
    }
    if (*fid == SBI_HSM_HART_GET_STATUS)
      return a[0] < 64 && ((valid_harts >> a[0]) & 1) ? 1U : ERR_BIT(SBI_ERR_INVALID_PARAM);
    return ERR_BIT(SBI_ERR_NOT_SUPPORTED);
  case SBI_EXT_DBCN:
    if (*fid != SBI_DBCN_WRITE && *fid != SBI_DBCN_READ)
      return ERR_BIT(SBI_ERR_NOT_SUPPORTED);
    if (a[2] != 0) /* base_addr_hi: an address above 2^64 */
      return ERR_BIT(SBI_ERR_INVALID_PARAM);
    if (a[0] == 0)
      return ANY_ERROR;
    if (!ram_has(a[1], a[0])) /* outside RAM, partly or wholly, or wrapping */
      return ERR_BIT(SBI_ERR_INVALID_PARAM);
    /* Inside RAM: nothing gets printed, input lands in the scratch buffer. */
    if (*fid == SBI_DBCN_WRITE)
      a[0] = 0;
    else
      a[1] = (unsigned long)dbcn_scratch, a[0] %= sizeof(dbcn_scratch) + 1;
    return ANY_ERROR;
  default: return ANY_ERROR; /* PMU, NACL, STA: whatever is implemented */
  }
}

static unsigned long legacy_mask_word;

/* A legacy (v0.1) call: a0 only. The hart mask calls read a mask through a
 * pointer; one outside RAM must come back as a load access fault. */
static void legacy_call(unsigned long eid) {
  unsigned long arg = rnd_arg();
  bool ptr = eid >= SBI_EXT_0_1_SEND_IPI && eid <= SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID;
  if (ptr && ram_has(arg, 8)) {
    legacy_mask_word = rnd_arg();
    arg = (unsigned long)&legacy_mask_word;
  } else if (ptr) {
    arg &= ~7UL;
  }
  unsigned long cause = 0, tval = 0;
  guest_expect_exception();
  struct sbiret r = sbi_ecall(eid, rnd(), arg, rnd_arg(), rnd_arg(), 0, 0, 0);
  bool took = guest_took_exception(&cause, &tval);
  bool in_dev = in_range(dev, ndev, arg, 8); /* a mask in MMIO: either way */
  if (took) {
    sbi_legacy_faulted++;
    if (!ptr || ram_has(arg, 8) || cause != EXC_LOAD_ACCESS || tval != arg) {
      if (++sbi_bad <= MAX_REPORTS)
        CHECK(false, "legacy EID %lu (a0 0x%lx): exception cause %lu tval 0x%lx", eid, arg, cause,
              tval);
    }
    return;
  }
  long e = r.error;
  bool ok = eid == SBI_EXT_0_1_CONSOLE_GETCHAR ? e >= -1 && e <= 255
            : eid == SBI_EXT_0_1_CLEAR_IPI     ? e >= 0
                                               : e <= 0 && e >= SBI_ERR_NO_SHMEM;
  if (ptr && !ram_has(arg, 8) && !in_dev)
    ok = false; /* the mask could not be read: it must have faulted */
  if (ok) {
    sbi_answered++;
  } else if (++sbi_bad <= MAX_REPORTS) {
    CHECK(false, "legacy EID %lu (a0 0x%lx) returned %ld", eid, arg, e);
  }
}

/* One pseudo-random SBI call, its answer checked; false if the draw was a
 * call that is never made. */
static bool flood_one(void) {
  unsigned long eid;
  switch (rnd_below(8)) {
  case 0: eid = rnd(); break;
  case 1: eid = rnd_below(0x100); break;
  case 2: eid = (0x08000000UL + (rnd_below(8) << 24)) | rnd_below(1UL << 24); break;
  case 3: eid = rnd_below(SBI_EXT_0_1_SHUTDOWN); break;
  default: eid = known_eids[rnd_below(sizeof(known_eids) / sizeof(known_eids[0]))]; break;
  }
  unsigned long fid = rnd_below(4) ? rnd_below(8) : rnd();
  if (forbidden(eid, fid))
    return false;
  if (eid < SBI_EXT_0_1_SHUTDOWN) {
    legacy_call(eid);
    return true;
  }
  unsigned long a[6];
  for (int i = 0; i < 6; i++)
    a[i] = rnd_arg();
  unsigned allowed = allowed_errors(eid, &fid, a);
  struct sbiret r = sbi_ecall(eid, fid, a[0], a[1], a[2], a[3], a[4], a[5]);
  bool valid = r.error <= 0 && r.error >= SBI_ERR_NO_SHMEM;
  if (valid && (allowed & ERR_BIT(r.error))) {
    sbi_answered++;
    return true;
  }
  if (++sbi_bad <= MAX_REPORTS)
    CHECK(false,
          "SBI EID 0x%lx FID 0x%lx (0x%lx, 0x%lx, 0x%lx, 0x%lx) returned %ld/%ld: %s (allowed "
          "mask 0x%x)",
          eid, fid, a[0], a[1], a[2], a[3], r.error, r.value,
          valid ? "not the error the spec asks for" : "not an SBI error code", allowed);
  return true;
}

static void flood_sbi(void) {
  for (unsigned i = 0; i < sizeof(known_eids) / sizeof(known_eids[0]); i++)
    if (sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, known_eids[i], 0, 0, 0, 0, 0).value)
      known_avail |= 1U << i;
  unsigned long made = 0;
  while (made < SBI_CALLS)
    if (flood_one() && ++made % 10000 == 0)
      guest_printf("probe: SBI flood: %lu/%u calls\n", made, SBI_CALLS);
  /* Quiet what the flood left behind: timer far away, own IPI cleared. */
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
  CHECK(sbi_bad == 0, "%lu SBI calls answered wrongly", sbi_bad);
}

/* ---- A second vCPU ---- */
#define START_OPAQUE 0x0bad5eed00000000UL

static volatile unsigned long started_a0, started_a1, started_count;

void guest_secondary_main(unsigned long hartid, unsigned long opaque) {
  started_a0 = hartid;
  started_a1 = opaque;
  __asm__ volatile("fence rw, rw" ::: "memory");
  started_count++;
  sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0, 0, 0);
}

/* Start the first other hart of the FDT and check what it entered with
 * (SBI v2.0, 9.1); it stops itself, as every hart the flood starts does. */
static void check_second_vcpu(void) {
  unsigned long h = 0;
  while (h < 64 && (h == self_hart || !((valid_harts >> h) & 1)))
    h++;
  if (h == 64)
    return;
  unsigned long opaque = START_OPAQUE + h;
  struct sbiret r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, h,
                              (unsigned long)guest_secondary_entry, opaque, 0, 0, 0);
  CHECK(r.error == 0, "hart_start(%lu) returned %ld", h, r.error);
  unsigned long start = csr_read_time();
  while (r.error == 0 && !started_count && csr_read_time() - start < 30 * timebase)
    ;
  __asm__ volatile("fence rw, rw" ::: "memory");
  CHECK(started_count == 1, "hart %lu never came up", h);
  CHECK(started_a0 == h && started_a1 == opaque,
        "hart %lu started with a0 = %lu, a1 = 0x%lx (expected opaque 0x%lx)", h, started_a0,
        started_a1, opaque);
  do
    r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, h, 0, 0, 0, 0, 0);
  while (r.value != SBI_HSM_STATE_STOPPED && csr_read_time() - start < 30 * timebase);
  CHECK(r.error == 0 && r.value == SBI_HSM_STATE_STOPPED, "hart %lu: status %ld", h, r.value);
  if (!guest_failures)
    guest_printf("probe: hart %lu started with a0 = its id, a1 = opaque; stopped itself\n", h);
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  self_hart = hartid;
  if (!read_fdt(fdt)) {
    guest_printf("probe: hostile guest on hart %lu\n", hartid);
    CHECK(false, "probe: cannot read RAM from the FDT at %p", fdt);
    guest_shutdown();
  }
  unsigned nharts = 0;
  for (uint64_t m = valid_harts; m; m &= m - 1)
    nharts++;
  guest_printf("probe: hostile guest on hart %lu of %u\n", hartid, nharts);
  guest_printf("probe: RAM [0x%lx, 0x%lx), %u device windows:", ram_lo, ram_hi, ndev);
  for (unsigned i = 0; i < ndev; i++)
    guest_printf(" [0x%lx, 0x%lx)", dev[i].base, dev[i].base + dev[i].size);
  guest_puts("\n");

  unsigned long t0 = csr_read_time();
  probe_memory();
  unsigned long t1 = csr_read_time();
  check_second_vcpu();
  flood_sbi();
  unsigned long t2 = csr_read_time();
  guest_printf("probe: guest time: probes %lu ms, SBI flood %lu ms\n",
               (t1 - t0) / (timebase / 1000), (t2 - t1) / (timebase / 1000));
  guest_printf(
      "probe: %lu loads and %lu stores faulted, %lu SBI calls answered with valid errors\n",
      loads_faulted, stores_faulted, sbi_answered);
  guest_printf(
      "probe: also %lu jumps faulted, %lu legacy SBI calls faulted on their mask pointer\n",
      fetches_faulted, sbi_legacy_faulted);
  guest_puts(guest_failures ? "probe: checks failed\n" : "probe: done\n");
  guest_shutdown();
}
