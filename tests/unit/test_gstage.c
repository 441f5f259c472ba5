/* Host tests of the Sv39x4 G-stage tables (hv/arch/riscv/gstage.c). Tables
 * come from aligned_alloc; host-physical addresses of leaves are plain
 * numbers (never dereferenced). Every table is freed by walking the tree,
 * so LeakSanitizer also proves that no allocated table is left unlinked. */
#include "check.h"
#include "hv/arch/riscv/gstage.h"
#include <stdlib.h>

#define KiB4 0x1000ULL
#define MiB2 0x200000ULL
#define GiB1 0x40000000ULL
#define PPN_OF(pte) (((pte) >> 10) & 0xFFFFFFFFFFFULL)
#define PTE_FLAGS(pte) ((pte)&0x3FFULL)

struct pool {
  int allocated; /* tables handed out */
  int budget;    /* tables still allowed; negative: no limit */
};

static void *alloc_table(void *ctx) {
  struct pool *p = ctx;
  if (p->budget == 0)
    return NULL;
  if (p->budget > 0)
    p->budget--;
  void *t = aligned_alloc(4096, 4096);
  if (t) {
    memset(t, 0, 4096);
    p->allocated++;
  }
  return t;
}

static void gs_init(struct gstage *gs, struct pool *p) {
  p->allocated = 0;
  p->budget = -1;
  gs->root = aligned_alloc(GSTAGE_ROOT_SIZE, GSTAGE_ROOT_SIZE);
  memset(gs->root, 0, GSTAGE_ROOT_SIZE);
  gs->alloc_table = alloc_table;
  gs->ctx = p;
}

static int is_table(uint64_t pte) { return (pte & PTE_V) && !(pte & (PTE_R | PTE_W | PTE_X)); }
static uint64_t *table_of(uint64_t pte) { return (uint64_t *)(uintptr_t)(PPN_OF(pte) << 12); }

/* Free the tables under t (a level-`level` table); returns how many. */
static int free_tables(uint64_t *t, int level, int entries) {
  int n = 0;
  for (int i = 0; i < entries; i++)
    if (level > 0 && is_table(t[i])) {
      uint64_t *sub = table_of(t[i]);
      n += free_tables(sub, level - 1, 512) + 1;
      free(sub);
    }
  return n;
}

static void gs_destroy(struct gstage *gs, struct pool *p) {
  int n = free_tables(gs->root, 2, 2048);
  CHECK_EQ_INT(n, p->allocated);
  free(gs->root);
}

/* The PTE mapping gpa (leaf or not) at the given level, or 0 if the walk stops. */
static uint64_t pte_at(const struct gstage *gs, uint64_t gpa, int level) {
  uint64_t pte = gs->root[(gpa >> 30) & 0x7FF];
  if (level == 2)
    return pte;
  if (!is_table(pte))
    return 0;
  pte = table_of(pte)[(gpa >> 21) & 0x1FF];
  if (level == 1)
    return pte;
  if (!is_table(pte))
    return 0;
  return table_of(pte)[(gpa >> 12) & 0x1FF];
}

static const uint64_t VAUD = PTE_V | PTE_U | PTE_A | PTE_D;

static void check_round_trip(const struct gstage *gs, uint64_t gpa, uint64_t hpa, uint64_t size,
                             unsigned perms) {
  uint64_t offs[] = {0, 8, 0x123, size / 2, size - 1};
  for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
    uint64_t h = 0;
    unsigned pr = 0;
    CHECK_EQ_INT(gstage_translate(gs, gpa + offs[i], &h, &pr), GSTAGE_OK);
    CHECK_EQ(h, hpa + offs[i]);
    CHECK_EQ(pr, perms);
  }
}

static void test_leaf_sizes(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);

  /* 4 KiB: two intermediate tables, a leaf at level 0. */
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80001000, KiB4, GSTAGE_READ | GSTAGE_WRITE), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 2);
  uint64_t l2 = pte_at(&gs, 0x1000, 2), l1 = pte_at(&gs, 0x1000, 1), l0 = pte_at(&gs, 0x1000, 0);
  CHECK_EQ(PTE_FLAGS(l2), PTE_V); /* non-leaf: V only (no U, A, D) */
  CHECK_EQ(PTE_FLAGS(l1), PTE_V);
  CHECK_EQ(PTE_FLAGS(l0), VAUD | PTE_R | PTE_W);
  CHECK_EQ(PPN_OF(l0), 0x80001);
  CHECK_EQ(l0 >> 54, 0); /* reserved, PBMT and N bits clear */
  check_round_trip(&gs, 0x1000, 0x80001000, KiB4, GSTAGE_READ | GSTAGE_WRITE);
  /* Neighbours stay unmapped. */
  CHECK_EQ_INT(gstage_translate(&gs, 0x0, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  CHECK_EQ_INT(gstage_translate(&gs, 0x2000, NULL, NULL), GSTAGE_ERR_UNMAPPED);

  /* 2 MiB: one more level-1 entry in the same table, no new table. */
  CHECK_EQ_INT(gstage_map(&gs, 0x200000, 0x80200000, MiB2, GSTAGE_RWX), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 2);
  l1 = pte_at(&gs, 0x200000, 1);
  CHECK_EQ(PTE_FLAGS(l1), VAUD | PTE_R | PTE_W | PTE_X);
  CHECK_EQ(PPN_OF(l1), 0x80200);
  check_round_trip(&gs, 0x200000, 0x80200000, MiB2, GSTAGE_RWX);

  /* 1 GiB: a root leaf, no table. */
  CHECK_EQ_INT(gstage_map(&gs, GiB1, 0xC0000000, GiB1, GSTAGE_READ | GSTAGE_EXEC), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 2);
  l2 = pte_at(&gs, GiB1, 2);
  CHECK_EQ(PTE_FLAGS(l2), VAUD | PTE_R | PTE_X);
  CHECK_EQ(PPN_OF(l2), 0xC0000);
  check_round_trip(&gs, GiB1, 0xC0000000, GiB1, GSTAGE_READ | GSTAGE_EXEC);

  /* A mixed range is split into the largest leaves alignment allows:
   * 1 GiB + 2 MiB + 4 KiB. */
  uint64_t gpa = 4 * GiB1, hpa = 0x100000000ULL, size = GiB1 + MiB2 + KiB4;
  CHECK_EQ_INT(gstage_map(&gs, gpa, hpa, size, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 4);
  CHECK_EQ(PTE_FLAGS(pte_at(&gs, gpa, 2)), VAUD | PTE_R);
  CHECK_EQ(PTE_FLAGS(pte_at(&gs, gpa + GiB1, 1)), VAUD | PTE_R);
  CHECK_EQ(PTE_FLAGS(pte_at(&gs, gpa + GiB1 + MiB2, 0)), VAUD | PTE_R);
  CHECK_EQ(PPN_OF(pte_at(&gs, gpa + GiB1 + MiB2, 0)), (hpa + GiB1 + MiB2) >> 12);
  check_round_trip(&gs, gpa, hpa, size, GSTAGE_READ);
  CHECK_EQ_INT(gstage_translate(&gs, gpa + size, NULL, NULL), GSTAGE_ERR_UNMAPPED);

  /* gpa 1 GiB aligned but hpa only 2 MiB aligned: 512 megapages, no gigapage. */
  gpa = 8 * GiB1;
  hpa = 0x200200000ULL;
  CHECK_EQ_INT(gstage_map(&gs, gpa, hpa, GiB1, GSTAGE_RWX), GSTAGE_OK);
  CHECK(is_table(pte_at(&gs, gpa, 2)));
  int megapages = 0;
  for (uint64_t o = 0; o < GiB1; o += MiB2) {
    uint64_t pte = pte_at(&gs, gpa + o, 1);
    megapages += (pte & (PTE_V | PTE_R)) == (PTE_V | PTE_R) && PPN_OF(pte) == (hpa + o) >> 12;
  }
  CHECK_EQ_INT(megapages, 512);
  check_round_trip(&gs, gpa, hpa, GiB1, GSTAGE_RWX);

  /* gpa and size 2 MiB-sized but hpa only 4 KiB aligned: 512 small pages. */
  gpa = 12 * GiB1;
  hpa = 0x300001000ULL;
  int before = p.allocated;
  CHECK_EQ_INT(gstage_map(&gs, gpa, hpa, MiB2, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, before + 2);
  CHECK(is_table(pte_at(&gs, gpa, 1)));
  CHECK_EQ(PPN_OF(pte_at(&gs, gpa + MiB2 - KiB4, 0)), (hpa + MiB2 - KiB4) >> 12);
  check_round_trip(&gs, gpa, hpa, MiB2, GSTAGE_READ);

  /* The top of the 41-bit space: root index 2047 (beyond Sv39's 512). */
  gpa = (1ULL << 41) - KiB4;
  CHECK_EQ_INT(gstage_map(&gs, gpa, 0x5000, KiB4, GSTAGE_READ), GSTAGE_OK);
  CHECK(is_table(gs.root[2047]));
  check_round_trip(&gs, gpa, 0x5000, KiB4, GSTAGE_READ);
  gpa = 1ULL << 40; /* root index 1024 */
  CHECK_EQ_INT(gstage_map(&gs, gpa, 0x40000000ULL, GiB1, GSTAGE_WRITE), GSTAGE_OK);
  CHECK_EQ(PTE_FLAGS(gs.root[1024]), VAUD | PTE_R | PTE_W);

  /* High host-physical addresses (56 bits) keep their PPN. */
  CHECK_EQ_INT(gstage_map(&gs, 16 * GiB1, 0xFFFFFFFFFF000ULL, KiB4, GSTAGE_READ), GSTAGE_OK);
  uint64_t h = 0;
  CHECK_EQ_INT(gstage_translate(&gs, 16 * GiB1 + 0xABC, &h, NULL), GSTAGE_OK);
  CHECK_EQ(h, 0xFFFFFFFFFFABCULL);
  CHECK_EQ_INT(gstage_map(&gs, 17 * GiB1, (1ULL << 56) - KiB4, KiB4, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(gstage_translate(&gs, 17 * GiB1, &h, NULL), GSTAGE_OK);
  CHECK_EQ(h, (1ULL << 56) - KiB4);

  gs_destroy(&gs, &p);
}

static void test_perms(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);
  static const struct {
    unsigned perms, want;
    uint64_t bits;
  } cases[] = {
      {GSTAGE_READ, GSTAGE_READ, PTE_R},
      {GSTAGE_WRITE, GSTAGE_READ | GSTAGE_WRITE, PTE_R | PTE_W}, /* W without R is reserved */
      {GSTAGE_EXEC, GSTAGE_EXEC, PTE_X},                         /* execute-only is fine */
      {GSTAGE_READ | GSTAGE_EXEC, GSTAGE_READ | GSTAGE_EXEC, PTE_R | PTE_X},
      {GSTAGE_RWX, GSTAGE_RWX, PTE_R | PTE_W | PTE_X},
      {GSTAGE_RWX | 0x100, GSTAGE_RWX, PTE_R | PTE_W | PTE_X}, /* unknown bits ignored */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint64_t gpa = 0x10000 + i * KiB4;
    CHECK_EQ_INT(gstage_map(&gs, gpa, 0x90000000 + i * KiB4, KiB4, cases[i].perms), GSTAGE_OK);
    CHECK_EQ(PTE_FLAGS(pte_at(&gs, gpa, 0)), VAUD | cases[i].bits);
    unsigned pr = 99;
    CHECK_EQ_INT(gstage_translate(&gs, gpa, NULL, &pr), GSTAGE_OK);
    CHECK_EQ(pr, cases[i].want);
  }
  CHECK_EQ_INT(gstage_map(&gs, 0x80000, 0x80000, KiB4, 0), GSTAGE_ERR_PERM);
  CHECK_EQ_INT(gstage_map(&gs, 0x80000, 0x80000, KiB4, 8), GSTAGE_ERR_PERM);
  CHECK_EQ_INT(gstage_translate(&gs, 0x80000, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  gs_destroy(&gs, &p);
}

static void test_overlaps(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);
  uint64_t h;

  CHECK_EQ_INT(gstage_map(&gs, 0x200000, 0x80200000, MiB2, GSTAGE_RWX), GSTAGE_OK);
  /* 4 KiB inside an existing 2 MiB leaf. */
  CHECK_EQ_INT(gstage_map(&gs, 0x201000, 0x90000000, KiB4, GSTAGE_READ), GSTAGE_ERR_EXISTS);
  CHECK_EQ_INT(gstage_map(&gs, 0x3FF000, 0x90000000, KiB4, GSTAGE_READ), GSTAGE_ERR_EXISTS);
  /* The same 2 MiB again, and a range that only touches its last page. */
  CHECK_EQ_INT(gstage_map(&gs, 0x200000, 0x80200000, MiB2, GSTAGE_RWX), GSTAGE_ERR_EXISTS);
  CHECK_EQ_INT(gstage_map(&gs, 0x1FF000, 0x90000000, 2 * KiB4, GSTAGE_READ), GSTAGE_ERR_EXISTS);
  /* ... which left its first page unmapped: a failed map changes nothing. */
  CHECK_EQ_INT(gstage_translate(&gs, 0x1FF000, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  /* 1 GiB over the 2 MiB. */
  CHECK_EQ_INT(gstage_map(&gs, 0, 0x80000000, GiB1, GSTAGE_RWX), GSTAGE_ERR_EXISTS);
  CHECK_EQ_INT(gstage_translate(&gs, 0x200000, &h, NULL), GSTAGE_OK);
  CHECK_EQ(h, 0x80200000);

  /* 2 MiB over a region that already holds a 4 KiB page (a level-0 table). */
  CHECK_EQ_INT(gstage_map(&gs, 0x600000 + 5 * KiB4, 0x91000000, KiB4, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(gstage_map(&gs, 0x600000, 0x92000000, MiB2, GSTAGE_READ), GSTAGE_ERR_EXISTS);
  CHECK_EQ_INT(gstage_translate(&gs, 0x600000, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  CHECK_EQ_INT(gstage_translate(&gs, 0x605000, &h, NULL), GSTAGE_OK);
  CHECK_EQ(h, 0x91000000);
  /* The same 4 KiB page twice. */
  CHECK_EQ_INT(gstage_map(&gs, 0x605000, 0x91000000, KiB4, GSTAGE_READ), GSTAGE_ERR_EXISTS);
  /* Neighbouring pages in that table are still free. */
  CHECK_EQ_INT(gstage_map(&gs, 0x604000, 0x93000000, KiB4, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(gstage_map(&gs, 0x606000, 0x94000000, KiB4, GSTAGE_READ), GSTAGE_OK);

  /* 1 GiB over a gigabyte holding a level-1 table. */
  CHECK_EQ_INT(gstage_map(&gs, 3 * GiB1 + MiB2, 0x95000000, MiB2, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(gstage_map(&gs, 3 * GiB1, 0xC0000000, GiB1, GSTAGE_READ), GSTAGE_ERR_EXISTS);
  CHECK_EQ_INT(gstage_translate(&gs, 3 * GiB1, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  gs_destroy(&gs, &p);
}

static void test_bad_arguments(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);
  CHECK_EQ_INT(gstage_map(&gs, 0x1001, 0x80000000, KiB4, GSTAGE_READ), GSTAGE_ERR_ALIGN);
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80000800, KiB4, GSTAGE_READ), GSTAGE_ERR_ALIGN);
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80000000, 0x800, GSTAGE_READ), GSTAGE_ERR_ALIGN);
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80000000, KiB4 + 1, GSTAGE_READ), GSTAGE_ERR_ALIGN);
  /* Beyond the 41-bit guest-physical space. */
  CHECK_EQ_INT(gstage_map(&gs, 1ULL << 41, 0x80000000, KiB4, GSTAGE_READ), GSTAGE_ERR_RANGE);
  CHECK_EQ_INT(gstage_map(&gs, 1ULL << 63, 0x80000000, KiB4, GSTAGE_READ), GSTAGE_ERR_RANGE);
  CHECK_EQ_INT(gstage_map(&gs, (1ULL << 41) - KiB4, 0x80000000, 2 * KiB4, GSTAGE_READ),
               GSTAGE_ERR_RANGE);
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80000000, 1ULL << 41, GSTAGE_READ), GSTAGE_ERR_RANGE);
  /* gpa + size wrapping around 2^64. */
  CHECK_EQ_INT(gstage_map(&gs, 0x2000, 0x80000000, 0ULL - KiB4, GSTAGE_READ), GSTAGE_ERR_RANGE);
  CHECK_EQ_INT(gstage_map(&gs, 0x2000, 0x80000000, 0ULL - 0x2000, GSTAGE_READ), GSTAGE_ERR_RANGE);
  /* Host-physical addresses beyond 56 bits do not fit a PPN. */
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 1ULL << 56, KiB4, GSTAGE_READ), GSTAGE_ERR_RANGE);
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0xFFFFFFFFFFFFF000ULL, KiB4, GSTAGE_READ), GSTAGE_ERR_RANGE);
  /* None of this allocated or mapped anything. */
  CHECK_EQ_INT(p.allocated, 0);
  CHECK_EQ_INT(gstage_translate(&gs, 0x1000, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  CHECK_EQ_INT(gstage_translate(&gs, 1ULL << 41, NULL, NULL), GSTAGE_ERR_RANGE);
  CHECK_EQ_INT(gstage_translate(&gs, ~0ULL, NULL, NULL), GSTAGE_ERR_RANGE);
  /* The last 4 GiB of the space in one call: four gigapages, no tables. */
  uint64_t top = (1ULL << 41) - 4 * GiB1;
  CHECK_EQ_INT(gstage_map(&gs, top, top, 4 * GiB1, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 0);
  uint64_t h = 0;
  CHECK_EQ_INT(gstage_translate(&gs, (1ULL << 41) - 1, &h, NULL), GSTAGE_OK);
  CHECK_EQ(h, (1ULL << 41) - 1);
  CHECK_EQ(PTE_FLAGS(gs.root[2047]), VAUD | PTE_R);
  gs_destroy(&gs, &p);
}

static void test_nomem(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);
  p.budget = 0;
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80001000, KiB4, GSTAGE_READ), GSTAGE_ERR_NOMEM);
  CHECK_EQ_INT(gstage_translate(&gs, 0x1000, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  /* Gigapages need no table. */
  CHECK_EQ_INT(gstage_map(&gs, GiB1, 0x80000000, GiB1, GSTAGE_READ), GSTAGE_OK);
  p.budget = 1; /* the level-1 table, not the level-0 one */
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80001000, KiB4, GSTAGE_READ), GSTAGE_ERR_NOMEM);
  CHECK_EQ_INT(gstage_translate(&gs, 0x1000, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  CHECK_EQ_INT(p.allocated, 1);
  /* A megapage fits in the table that was allocated. */
  CHECK_EQ_INT(gstage_map(&gs, 0x200000, 0x80200000, MiB2, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 1);
  p.budget = 1;
  CHECK_EQ_INT(gstage_map(&gs, 0x1000, 0x80001000, KiB4, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(p.allocated, 2);
  check_round_trip(&gs, 0x1000, 0x80001000, KiB4, GSTAGE_READ);
  gs_destroy(&gs, &p);
}

static void test_hgatp(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);
  uint64_t root_ppn = (uint64_t)(uintptr_t)gs.root >> 12;
  uint64_t v = gstage_hgatp(&gs, 0);
  CHECK_EQ(v >> 60, 8); /* Sv39x4 */
  CHECK_EQ((v >> 44) & 0x3FFF, 0);
  CHECK_EQ(v & 0xFFFFFFFFFFFULL, root_ppn);
  CHECK_EQ(v & 3, 0); /* 16 KiB aligned root: low PPN bits clear */
  v = gstage_hgatp(&gs, 5);
  CHECK_EQ(v >> 60, 8);
  CHECK_EQ((v >> 44) & 0x3FFF, 5);
  CHECK_EQ((v >> 58) & 3, 0);
  CHECK_EQ(v & 0xFFFFFFFFFFFULL, root_ppn);
  v = gstage_hgatp(&gs, 0x3FFF);
  CHECK_EQ((v >> 44) & 0x3FFF, 0x3FFF);
  CHECK_EQ(v >> 60, 8);
  /* A VMID wider than 14 bits does not spill into the mode field. */
  v = gstage_hgatp(&gs, 0xFFFFFFFF);
  CHECK_EQ(v >> 58, 8 << 2);
  gs_destroy(&gs, &p);
}

static int tables_freed;
static void count_free(void *ctx, void *table) {
  (void)ctx;
  tables_freed++;
  free(table);
}

/* gstage_destroy frees every table below the root, whatever the mix of
 * leaf sizes, and leaves nothing mapped (a stopped VM's tables go back to
 * the pool; LeakSanitizer sees any it misses). */
static void test_destroy(void) {
  struct gstage gs;
  struct pool p;
  gs_init(&gs, &p);
  CHECK_EQ_INT(gstage_map(&gs, 0x80000000ULL, 0x40000000ULL, 4 * MiB2, GSTAGE_RWX), GSTAGE_OK);
  CHECK_EQ_INT(gstage_map(&gs, 0x90001000ULL, 0x50001000ULL, 3 * KiB4, GSTAGE_READ), GSTAGE_OK);
  CHECK_EQ_INT(gstage_map(&gs, 0x100000000ULL, 0x100000000ULL, GiB1, GSTAGE_RWX), GSTAGE_OK);
  CHECK_EQ_INT(gstage_map(&gs, 0x1C0000000ULL, 0x60000000ULL, MiB2 + KiB4, GSTAGE_RWX), GSTAGE_OK);
  tables_freed = 0;
  gstage_destroy(&gs, count_free);
  CHECK_EQ_INT(tables_freed, p.allocated);
  for (unsigned i = 0; i < 2048; i++)
    CHECK_EQ(gs.root[i], 0);
  CHECK_EQ_INT(gstage_translate(&gs, 0x80000000ULL, NULL, NULL), GSTAGE_ERR_UNMAPPED);
  /* Mapped again from empty, then freed by the test's own walk. */
  p.allocated = 0;
  CHECK_EQ_INT(gstage_map(&gs, 0x80000000ULL, 0x40000000ULL, 4 * MiB2, GSTAGE_RWX), GSTAGE_OK);
  gs_destroy(&gs, &p);
}

int main(void) {
  test_leaf_sizes();
  test_perms();
  test_overlaps();
  test_bad_arguments();
  test_nomem();
  test_hgatp();
  test_destroy();
  return check_report("gstage");
}
