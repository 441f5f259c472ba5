/* Host tests of the virtual PLIC (hv/dev/vplic.c): register map, the
 * level-triggered gateway, claim/complete, thresholds, output lines, and
 * robustness against arbitrary guest accesses. */
#include "../../hv/dev/vplic.h"
#include "check.h"
#include <limits.h>

#define PRIO(s) (VPLIC_PRIORITY_BASE + 4UL * (s))
#define PENDING(w) (VPLIC_PENDING_BASE + 4UL * (w))
#define ENABLE(c, w) (VPLIC_ENABLE_BASE + VPLIC_ENABLE_STRIDE * (c) + 4UL * (w))
#define THRESHOLD(c) (VPLIC_CONTEXT_BASE + VPLIC_CONTEXT_STRIDE * (c))
#define CLAIM(c) (VPLIC_CONTEXT_BASE + VPLIC_CONTEXT_STRIDE * (c) + 4)

static uint32_t rd(struct vplic *p, uint64_t off) { return vplic_read(p, off, 4); }
static void wr(struct vplic *p, uint64_t off, uint32_t v) { vplic_write(p, off, 4, v); }

static void enable(struct vplic *p, unsigned ctx, unsigned src) {
  uint64_t off = ENABLE(ctx, src / 32);
  wr(p, off, rd(p, off) | (1U << (src % 32)));
}

static void disable(struct vplic *p, unsigned ctx, unsigned src) {
  uint64_t off = ENABLE(ctx, src / 32);
  wr(p, off, rd(p, off) & ~(1U << (src % 32)));
}

static bool pending(struct vplic *p, unsigned src) {
  return (rd(p, PENDING(src / 32)) >> (src % 32)) & 1U;
}

static void test_init_and_clamp(void) {
  struct vplic p;
  memset(&p, 0xA5, sizeof(p));
  vplic_init(&p, 32, 2);
  CHECK_EQ(p.nsources, 32);
  CHECK_EQ(p.ncontexts, 2);
  CHECK_EQ(vplic_take_changed(&p), 0);
  for (uint64_t off = 0; off < 0x3000; off += 4)
    CHECK_EQ(rd(&p, off), 0);
  CHECK_EQ(rd(&p, THRESHOLD(0)), 0);
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  CHECK_EQ(rd(&p, CLAIM(1)), 0);
  CHECK(!vplic_context_irq(&p, 0));

  vplic_init(&p, 1000, 1000);
  CHECK_EQ(p.nsources, VPLIC_MAX_SOURCES);
  CHECK_EQ(p.ncontexts, VPLIC_MAX_CONTEXTS);
  vplic_init(&p, 0, 0);
  CHECK_EQ(p.nsources, 1);
  CHECK_EQ(p.ncontexts, 0);
  /* No sources, no contexts: everything reads 0 and nothing crashes. */
  wr(&p, PRIO(1), 7);
  wr(&p, ENABLE(0, 0), ~0U);
  wr(&p, THRESHOLD(0), 1);
  vplic_set_level(&p, 1, true);
  CHECK_EQ(rd(&p, PRIO(1)), 0);
  CHECK_EQ(rd(&p, ENABLE(0, 0)), 0);
  CHECK_EQ(rd(&p, THRESHOLD(0)), 0);
  CHECK_EQ(rd(&p, PENDING(0)), 0);
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  CHECK(!vplic_context_irq(&p, 0));
  CHECK_EQ(vplic_take_changed(&p), 0);
}

static void test_priority_registers(void) {
  struct vplic p;
  vplic_init(&p, 40, 1);
  for (unsigned s = 1; s < 40; s++)
    wr(&p, PRIO(s), s);
  for (unsigned s = 1; s < 40; s++)
    CHECK_EQ(rd(&p, PRIO(s)), s & 7);
  wr(&p, PRIO(3), 0xFFFFFFFFU);
  CHECK_EQ(rd(&p, PRIO(3)), 7);
  wr(&p, PRIO(3), 0x10U);
  CHECK_EQ(rd(&p, PRIO(3)), 0);
  /* Source 0 and sources >= nsources do not exist. */
  wr(&p, PRIO(0), 5);
  CHECK_EQ(rd(&p, PRIO(0)), 0);
  wr(&p, PRIO(40), 5);
  CHECK_EQ(rd(&p, PRIO(40)), 0);
  wr(&p, PRIO(63), 5);
  CHECK_EQ(rd(&p, PRIO(63)), 0);
  wr(&p, PRIO(1023), 5);
  CHECK_EQ(rd(&p, PRIO(1023)), 0);
}

static void test_access_width_and_alignment(void) {
  struct vplic p;
  vplic_init(&p, 64, 2);
  wr(&p, PRIO(1), 5);
  wr(&p, ENABLE(0, 0), 0x6);
  wr(&p, THRESHOLD(1), 3);
  uint64_t regs[] = {PRIO(1), ENABLE(0, 0), THRESHOLD(1)};
  uint32_t vals[] = {5, 6, 3};
  for (size_t i = 0; i < 3; i++) {
    unsigned widths[] = {0, 1, 2, 3, 8, 16, UINT_MAX};
    for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
      CHECK_EQ(vplic_read(&p, regs[i], widths[w]), 0);
      vplic_write(&p, regs[i], widths[w], 0);
    }
    for (uint64_t b = 1; b < 4; b++) {
      CHECK_EQ(vplic_read(&p, regs[i] + b, 4), 0);
      vplic_write(&p, regs[i] + b, 4, 0);
      CHECK_EQ(vplic_read(&p, regs[i] + b, 1), 0);
    }
    CHECK_EQ(rd(&p, regs[i]), vals[i]); /* unchanged by the refused writes */
  }
  /* A misaligned or narrow read of claim must not claim. */
  vplic_set_level(&p, 1, true);
  CHECK_EQ(vplic_read(&p, CLAIM(0), 1), 0);
  CHECK_EQ(vplic_read(&p, CLAIM(0) + 1, 4), 0);
  CHECK_EQ(vplic_read(&p, CLAIM(0), 8), 0);
  CHECK(pending(&p, 1));
  CHECK_EQ(rd(&p, CLAIM(0)), 1);
  /* A narrow complete is ignored. */
  vplic_write(&p, CLAIM(0), 1, 1);
  vplic_write(&p, CLAIM(0), 2, 1);
  CHECK(!pending(&p, 1));
  wr(&p, CLAIM(0), 1);
  CHECK(pending(&p, 1));
}

static void test_out_of_range_offsets(void) {
  struct vplic p;
  vplic_init(&p, 64, VPLIC_MAX_CONTEXTS);
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS; c++) {
    wr(&p, ENABLE(c, 0), 0xFFFFFFFEU);
    wr(&p, ENABLE(c, 1), 0xFFFFFFFFU);
    wr(&p, THRESHOLD(c), 0);
  }
  for (unsigned s = 1; s < 64; s++) {
    wr(&p, PRIO(s), 1);
    vplic_set_level(&p, s, true);
  }
  struct vplic before = p;
  uint64_t offs[] = {
      VPLIC_WINDOW_SIZE,
      VPLIC_WINDOW_SIZE + 4,
      VPLIC_WINDOW_SIZE + PRIO(1),
      VPLIC_WINDOW_SIZE + CLAIM(0),
      0x100000000ULL + CLAIM(0),
      0xFFFFFFFFFFFFFFFCULL,
      UINT64_MAX,
      PENDING(2), /* beyond 64 sources */
      PENDING(31),
      0x1FFC,       /* end of the pending block */
      ENABLE(0, 2), /* enable word beyond 64 sources */
      ENABLE(0, 31),
      ENABLE(VPLIC_MAX_CONTEXTS, 0), /* nonexistent context */
      ENABLE(15871, 1),              /* last context the spec allows */
      0x1F2000,                      /* reserved gap */
      0x1FFFFC,
      THRESHOLD(VPLIC_MAX_CONTEXTS),
      CLAIM(VPLIC_MAX_CONTEXTS),
      CLAIM(15871),
      THRESHOLD(0) + 8, /* reserved within a context */
      THRESHOLD(0) + 0xFFC,
      VPLIC_WINDOW_SIZE - 4,
  };
  for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
    CHECK_EQ(vplic_read(&p, offs[i], 4), 0);
    vplic_write(&p, offs[i], 4, 0xFFFFFFFFU);
    vplic_write(&p, offs[i], 4, 1);
    vplic_write(&p, offs[i], 4, 0);
  }
  CHECK(memcmp(&before, &p, sizeof(p)) == 0);
  /* Pending bits are read-only. */
  wr(&p, PENDING(0), 0);
  wr(&p, PENDING(1), 0);
  CHECK(memcmp(&before, &p, sizeof(p)) == 0);
}

static void test_enable_bits(void) {
  struct vplic p;
  vplic_init(&p, 40, 3);
  wr(&p, ENABLE(0, 0), 0xFFFFFFFFU);
  wr(&p, ENABLE(0, 1), 0xFFFFFFFFU);
  CHECK_EQ(rd(&p, ENABLE(0, 0)), 0xFFFFFFFEU); /* source 0 hardwired off */
  CHECK_EQ(rd(&p, ENABLE(0, 1)), 0xFFU);       /* sources 32..39 only */
  CHECK_EQ(rd(&p, ENABLE(1, 0)), 0);
  CHECK_EQ(rd(&p, ENABLE(2, 1)), 0);
  wr(&p, ENABLE(2, 1), 0x5);
  CHECK_EQ(rd(&p, ENABLE(2, 1)), 0x5);
  CHECK_EQ(rd(&p, ENABLE(0, 1)), 0xFF);
  wr(&p, ENABLE(3, 0), 0xF); /* context 3 does not exist */
  CHECK_EQ(rd(&p, ENABLE(3, 0)), 0);

  vplic_init(&p, 64, 1);
  wr(&p, ENABLE(0, 1), 0xFFFFFFFFU);
  CHECK_EQ(rd(&p, ENABLE(0, 1)), 0xFFFFFFFFU);
}

static void test_gateway_and_claim(void) {
  struct vplic p;
  vplic_init(&p, 64, 1);
  wr(&p, PRIO(5), 3);
  enable(&p, 0, 5);

  /* Out-of-range sources are ignored. */
  unsigned bogus[] = {0, 64, 65, 1000, UINT_MAX};
  for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
    vplic_set_level(&p, bogus[i], true);
  CHECK_EQ(rd(&p, PENDING(0)), 0);
  CHECK_EQ(rd(&p, PENDING(1)), 0);

  /* The pending bit follows the line while nothing is claimed. */
  vplic_set_level(&p, 5, true);
  CHECK(pending(&p, 5));
  CHECK_EQ(rd(&p, PENDING(0)), 1U << 5);
  CHECK(vplic_context_irq(&p, 0));
  vplic_set_level(&p, 5, false);
  CHECK(!pending(&p, 5));
  CHECK(!vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 0);

  /* Claim clears pending and keeps the source in flight while the line stays
   * high; complete re-raises it. */
  vplic_set_level(&p, 5, true);
  CHECK_EQ(rd(&p, CLAIM(0)), 5);
  CHECK(!pending(&p, 5));
  CHECK(!vplic_context_irq(&p, 0));
  vplic_set_level(&p, 5, true);
  CHECK(!pending(&p, 5));
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  wr(&p, CLAIM(0), 5);
  CHECK(pending(&p, 5));
  CHECK(vplic_context_irq(&p, 0));

  /* Line dropped while in flight: no re-assertion after complete. */
  CHECK_EQ(rd(&p, CLAIM(0)), 5);
  vplic_set_level(&p, 5, false);
  vplic_set_level(&p, 5, true);
  vplic_set_level(&p, 5, false);
  CHECK(!pending(&p, 5));
  wr(&p, CLAIM(0), 5);
  CHECK(!pending(&p, 5));
  CHECK(!vplic_context_irq(&p, 0));

  /* Line raised again while in flight, then complete: pending again. */
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  vplic_set_level(&p, 5, true);
  CHECK_EQ(rd(&p, CLAIM(0)), 5);
  vplic_set_level(&p, 5, false);
  vplic_set_level(&p, 5, true);
  CHECK(!pending(&p, 5));
  wr(&p, CLAIM(0), 5);
  CHECK(pending(&p, 5));

  /* Sources in the second word. */
  wr(&p, PRIO(63), 1);
  enable(&p, 0, 63);
  vplic_set_level(&p, 63, true);
  CHECK_EQ(rd(&p, PENDING(1)), 1U << 31);
  CHECK_EQ(rd(&p, CLAIM(0)), 5); /* priority 3 beats 1 */
  CHECK_EQ(rd(&p, CLAIM(0)), 63);
  CHECK_EQ(rd(&p, PENDING(1)), 0);
  wr(&p, CLAIM(0), 63);
  CHECK_EQ(rd(&p, PENDING(1)), 1U << 31);
}

static void test_claim_order(void) {
  struct vplic p;
  vplic_init(&p, 64, 1);
  /* Sources 1..12 with priorities 1,2,3,...; 20/21/40 tie at 6; 30 at 0. */
  unsigned prios[][2] = {{1, 1},  {2, 2},  {3, 4},  {4, 3}, {20, 6},
                         {21, 6}, {40, 6}, {30, 0}, {50, 7}};
  for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
    wr(&p, PRIO(prios[i][0]), prios[i][1]);
    enable(&p, 0, prios[i][0]);
    vplic_set_level(&p, prios[i][0], true);
  }
  /* Highest priority first, lowest id on ties, priority 0 never. */
  unsigned expect[] = {50, 20, 21, 40, 3, 4, 2, 1, 0, 0};
  for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
    CHECK_EQ(rd(&p, CLAIM(0)), expect[i]);
  CHECK(pending(&p, 30)); /* priority 0: pending but never claimed */
  CHECK(!vplic_context_irq(&p, 0));
  /* Completing in another order than claimed works per source. */
  wr(&p, CLAIM(0), 21);
  wr(&p, CLAIM(0), 1);
  CHECK_EQ(rd(&p, CLAIM(0)), 21);
  CHECK_EQ(rd(&p, CLAIM(0)), 1);
  /* A source given priority 0 while pending stops interrupting. */
  wr(&p, CLAIM(0), 50);
  CHECK(vplic_context_irq(&p, 0));
  wr(&p, PRIO(50), 0);
  CHECK(!vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  wr(&p, PRIO(30), 1);
  CHECK_EQ(rd(&p, CLAIM(0)), 30);
}

static void test_threshold(void) {
  struct vplic p;
  vplic_init(&p, 8, 1);
  wr(&p, PRIO(1), 3);
  wr(&p, PRIO(2), 5);
  enable(&p, 0, 1);
  enable(&p, 0, 2);
  vplic_set_level(&p, 1, true);
  vplic_set_level(&p, 2, true);
  wr(&p, THRESHOLD(0), 0xFFFFFFFFU);
  CHECK_EQ(rd(&p, THRESHOLD(0)), 7);
  CHECK(!vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  wr(&p, THRESHOLD(0), 5); /* priority must exceed the threshold */
  CHECK(!vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  wr(&p, THRESHOLD(0), 4);
  CHECK(vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 2);
  CHECK(!vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  wr(&p, THRESHOLD(0), 2);
  CHECK(vplic_context_irq(&p, 0));
  CHECK_EQ(rd(&p, CLAIM(0)), 1);
  /* Completion is independent of the threshold. */
  wr(&p, THRESHOLD(0), 7);
  wr(&p, CLAIM(0), 1);
  wr(&p, CLAIM(0), 2);
  CHECK(pending(&p, 1) && pending(&p, 2));
  CHECK(!vplic_context_irq(&p, 0));
  wr(&p, THRESHOLD(0), 0);
  CHECK(vplic_context_irq(&p, 0));
}

static void test_complete_ignored(void) {
  struct vplic p;
  vplic_init(&p, 16, 2);
  wr(&p, PRIO(3), 1);
  wr(&p, PRIO(4), 1);
  enable(&p, 0, 3);
  enable(&p, 0, 4);
  vplic_set_level(&p, 3, true);
  vplic_set_level(&p, 4, true);
  /* Completing a source that is not in flight changes nothing. */
  struct vplic before = p;
  wr(&p, CLAIM(0), 3);
  wr(&p, CLAIM(0), 0);
  wr(&p, CLAIM(0), 16);
  wr(&p, CLAIM(0), 64);
  wr(&p, CLAIM(0), 0xFFFFFFFFU);
  wr(&p, CLAIM(0), 0x80000003U);
  CHECK(memcmp(&before, &p, sizeof(p)) == 0);

  CHECK_EQ(rd(&p, CLAIM(0)), 3);
  /* Complete of another (pending, not claimed) source: ignored. */
  wr(&p, CLAIM(0), 4);
  CHECK(pending(&p, 4));
  CHECK_EQ(rd(&p, CLAIM(0)), 4);
  /* Complete from a context that does not enable the source: ignored. */
  wr(&p, CLAIM(1), 3);
  CHECK(!pending(&p, 3));
  /* Complete after the claiming context disabled it: ignored until
   * re-enabled (spec: the ID must be enabled for the target). */
  disable(&p, 0, 3);
  wr(&p, CLAIM(0), 3);
  CHECK(!pending(&p, 3));
  enable(&p, 0, 3);
  wr(&p, CLAIM(0), 3);
  CHECK(pending(&p, 3));
  /* Another context that enables the source may complete it. */
  enable(&p, 1, 4);
  wr(&p, CLAIM(1), 4);
  CHECK(pending(&p, 4));
  /* Double complete: the second is ignored. */
  CHECK_EQ(rd(&p, CLAIM(0)), 3);
  wr(&p, CLAIM(0), 3);
  vplic_set_level(&p, 3, false);
  wr(&p, CLAIM(0), 3);
  CHECK(!pending(&p, 3));
  vplic_set_level(&p, 3, true);
  CHECK(pending(&p, 3));
}

static void test_all_contexts(void) {
  struct vplic p;
  vplic_init(&p, 64, VPLIC_MAX_CONTEXTS);
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS; c++) {
    unsigned src = 1 + 3 * c; /* 1, 4, ..., 46: spans both words */
    wr(&p, PRIO(src), 1 + c % 7);
    enable(&p, c, src);
    wr(&p, THRESHOLD(c), c % 7 == 6 ? 6 : 0);
  }
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS; c++) {
    CHECK_EQ(rd(&p, ENABLE(c, (1 + 3 * c) / 32)), 1U << ((1 + 3 * c) % 32));
    CHECK_EQ(rd(&p, THRESHOLD(c)), c % 7 == 6 ? 6U : 0U);
  }
  CHECK_EQ(vplic_take_changed(&p), 0);
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS; c++)
    vplic_set_level(&p, 1 + 3 * c, true);
  /* Context 6 has priority 7 > threshold 6, context 13 priority 7 > 6. */
  CHECK_EQ(vplic_take_changed(&p), 0xFFFF);
  CHECK_EQ(vplic_take_changed(&p), 0);
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS; c++) {
    CHECK(vplic_context_irq(&p, c));
    /* Context c sees only its own source. */
    CHECK_EQ(rd(&p, CLAIM(c)), 1 + 3 * c);
    CHECK_EQ(rd(&p, CLAIM(c)), 0);
    CHECK(!vplic_context_irq(&p, c));
  }
  CHECK_EQ(vplic_take_changed(&p), 0xFFFF);
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS; c += 2)
    wr(&p, CLAIM(c), 1 + 3 * c);
  CHECK_EQ(vplic_take_changed(&p), 0x5555);
  CHECK(!vplic_context_irq(&p, VPLIC_MAX_CONTEXTS));
  CHECK(!vplic_context_irq(&p, UINT_MAX));

  /* A shared source enabled in two contexts goes to whichever claims first. */
  vplic_init(&p, 8, 2);
  wr(&p, PRIO(7), 2);
  enable(&p, 0, 7);
  enable(&p, 1, 7);
  vplic_set_level(&p, 7, true);
  CHECK_EQ(vplic_take_changed(&p), 3);
  CHECK_EQ(rd(&p, CLAIM(1)), 7);
  CHECK_EQ(rd(&p, CLAIM(0)), 0);
  CHECK_EQ(vplic_take_changed(&p), 3);
  wr(&p, CLAIM(1), 7);
  CHECK_EQ(vplic_take_changed(&p), 3);
}

static void test_take_changed(void) {
  struct vplic p;
  vplic_init(&p, 8, 3);
  wr(&p, PRIO(2), 1);
  enable(&p, 1, 2);
  CHECK_EQ(vplic_take_changed(&p), 0);
  vplic_set_level(&p, 2, true);
  CHECK_EQ(vplic_take_changed(&p), 2);
  CHECK_EQ(vplic_take_changed(&p), 0);
  /* A change and its undo between two calls is no change. */
  vplic_set_level(&p, 2, false);
  vplic_set_level(&p, 2, true);
  CHECK_EQ(vplic_take_changed(&p), 0);
  /* Threshold, enable and priority writes move the line too. */
  wr(&p, THRESHOLD(1), 1);
  CHECK_EQ(vplic_take_changed(&p), 2);
  wr(&p, THRESHOLD(1), 0);
  CHECK_EQ(vplic_take_changed(&p), 2);
  disable(&p, 1, 2);
  CHECK_EQ(vplic_take_changed(&p), 2);
  enable(&p, 0, 2);
  enable(&p, 2, 2);
  CHECK_EQ(vplic_take_changed(&p), 5);
  wr(&p, PRIO(2), 0);
  CHECK_EQ(vplic_take_changed(&p), 5);
  CHECK(!vplic_context_irq(&p, 0) && !vplic_context_irq(&p, 2));
}

/* The model's expected claim for ctx, computed from register reads only. */
static unsigned expected_claim(struct vplic *p, unsigned ctx) {
  unsigned best = 0, best_prio = rd(p, THRESHOLD(ctx));
  for (unsigned s = 1; s < VPLIC_MAX_SOURCES; s++) {
    bool en = (rd(p, ENABLE(ctx, s / 32)) >> (s % 32)) & 1U;
    unsigned prio = rd(p, PRIO(s));
    if (pending(p, s) && en && prio > best_prio) {
      best = s;
      best_prio = prio;
    }
  }
  return best;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Random guest accesses and line changes: no crash (ASan/UBSan), the output
 * line agrees with what a claim would return, and claims follow the
 * priority rule. */
static void test_random(void) {
  struct vplic p;
  unsigned bad = 0;
  for (int round = 0; round < 20; round++) {
    unsigned nsrc = 1 + (unsigned)(rng() % VPLIC_MAX_SOURCES);
    unsigned nctx = 1 + (unsigned)(rng() % VPLIC_MAX_CONTEXTS);
    vplic_init(&p, nsrc, nctx);
    for (int i = 0; i < 20000; i++) {
      uint64_t r = rng();
      unsigned ctx = (unsigned)(rng() % (nctx + 1));
      unsigned src = (unsigned)(rng() % (VPLIC_MAX_SOURCES + 2));
      uint32_t val = (uint32_t)rng();
      switch (r % 10) {
      case 0: vplic_set_level(&p, src, (val & 1) != 0); break;
      case 1: wr(&p, PRIO(src), val & 7); break;
      case 2: wr(&p, ENABLE(ctx, src / 32), val); break;
      case 3: wr(&p, THRESHOLD(ctx), val % 4); break;
      case 4: wr(&p, CLAIM(ctx), src); break;
      case 5: {
        unsigned want = ctx < nctx ? expected_claim(&p, ctx) : 0;
        bool line = vplic_context_irq(&p, ctx);
        unsigned got = rd(&p, CLAIM(ctx));
        bad += got != want || line != (got != 0);
        break;
      }
      case 6: vplic_write(&p, rng() & 0x7FFFFFF, (unsigned)(rng() % 9), val); break;
      case 7: (void)vplic_read(&p, rng(), (unsigned)(rng() % 9)); break;
      case 8: (void)vplic_take_changed(&p); break;
      default: (void)vplic_read(&p, rng() % 0x204000 & ~3ULL, 4); break;
      }
      bad += (rd(&p, PENDING(0)) & 1U) != 0;
      if (nsrc <= 32)
        bad += rd(&p, PENDING(1)) != 0;
    }
    /* take_changed matches the difference of context_irq snapshots. */
    uint32_t now = 0;
    (void)vplic_take_changed(&p);
    for (unsigned c = 0; c < nctx; c++)
      now |= (uint32_t)vplic_context_irq(&p, c) << c;
    for (unsigned c = 0; c < nctx; c++)
      wr(&p, THRESHOLD(c), 7);
    bad += vplic_take_changed(&p) != now;
  }
  CHECK_EQ(bad, 0);
}

/* Every context's output by full recomputation (vplic_context_irq scans the
 * registers afresh). */
static uint32_t full_outputs(const struct vplic *p) {
  uint32_t now = 0;
  for (unsigned c = 0; c < p->ncontexts; c++)
    now |= (uint32_t)vplic_context_irq(p, c) << c;
  return now;
}

/* Property: over random access sequences, whenever vplic_may_have_changed()
 * is false no output differs from what was reported (no change can be
 * missed), and vplic_take_changed(), which rescans only the dirty contexts,
 * reports exactly the difference between a full recomputation and the
 * previous report, with vplic_outputs() equal to that recomputation. */
static void test_take_changed_incremental(void) {
  struct vplic p;
  unsigned bad = 0, changes = 0, clean = 0;
  for (int round = 0; round < 40; round++) {
    unsigned nsrc = 2 + (unsigned)(rng() % (VPLIC_MAX_SOURCES - 1));
    unsigned nctx = 1 + (unsigned)(rng() % VPLIC_MAX_CONTEXTS);
    vplic_init(&p, nsrc, nctx);
    uint32_t reported = 0;
    for (int i = 0; i < 10000; i++) {
      uint64_t r = rng();
      unsigned ctx = (unsigned)(rng() % (nctx + 1));
      unsigned src = (unsigned)(rng() % (nsrc + 1)); /* mostly existing sources */
      uint32_t val = (uint32_t)rng();
      switch (r % 9) {
      case 0:
      case 1: vplic_set_level(&p, src, (val & 1) != 0); break;
      case 2: wr(&p, PRIO(src), val & 3); break;
      case 3:
        wr(&p, ENABLE(ctx, src / 32), rd(&p, ENABLE(ctx, src / 32)) ^ (1U << (src % 32)));
        break;
      case 4: wr(&p, THRESHOLD(ctx), val % 3); break;
      case 5: (void)rd(&p, CLAIM(ctx)); break;
      case 6: wr(&p, CLAIM(ctx), src); break;
      case 7: (void)vplic_read(&p, rng() % 0x204000 & ~3ULL, 4); break;
      default: vplic_write(&p, rng() % 0x204000 & ~3ULL, 4, val & 1); break;
      }
      uint32_t now = full_outputs(&p);
      if (!vplic_may_have_changed(&p)) {
        clean++;
        bad += now != reported;
      }
      if (r & 0x100) { /* take after about half the steps: changes accumulate */
        uint32_t changed = vplic_take_changed(&p);
        bad += changed != (now ^ reported) || vplic_outputs(&p) != now;
        bad += vplic_may_have_changed(&p);
        changes += changed != 0;
        reported = now;
      }
    }
  }
  CHECK_EQ(bad, 0);
  CHECK(changes > 5000); /* outputs do move */
  CHECK(clean > 50000);  /* and many steps leave nothing to rescan */
}

/* Operations that change no output's inputs mark nothing dirty; an enable or
 * threshold change marks only its context; a pending or priority change
 * marks every context. */
static void test_dirty_marks(void) {
  struct vplic p;
  vplic_init(&p, 12, 4);
  wr(&p, PRIO(10), 2);
  enable(&p, 1, 10);
  vplic_set_level(&p, 10, true);
  (void)vplic_take_changed(&p);
  CHECK_EQ(vplic_outputs(&p), 2);
  CHECK(!vplic_may_have_changed(&p));
  /* Nothing changes: reads, same-value writes, a line at its level. */
  struct vplic before = p;
  (void)rd(&p, PRIO(10));
  (void)rd(&p, PENDING(0));
  (void)rd(&p, ENABLE(1, 0));
  (void)rd(&p, THRESHOLD(1));
  (void)rd(&p, CLAIM(0)); /* nothing to claim for context 0 */
  wr(&p, PRIO(10), 2);
  wr(&p, PRIO(0), 5); /* source 0 does not exist */
  wr(&p, ENABLE(1, 0), 1U << 10);
  wr(&p, ENABLE(2, 0), 1U); /* bit 0 (source 0) is not writable */
  wr(&p, THRESHOLD(1), 8);  /* 3 bits: 0 */
  wr(&p, CLAIM(1), 10);     /* not in flight: ignored */
  wr(&p, PENDING(0), ~0U);  /* read-only */
  vplic_set_level(&p, 10, true);
  vplic_set_level(&p, 3, false);
  vplic_set_level(&p, 0, true);
  vplic_set_level(&p, 12, true); /* no such source */
  CHECK(memcmp(&before, &p, sizeof(p)) == 0);
  CHECK(!vplic_may_have_changed(&p));
  /* One context's enable or threshold: that context. */
  wr(&p, THRESHOLD(3), 1);
  CHECK_EQ(p.dirty, 1U << 3);
  CHECK_EQ(vplic_take_changed(&p), 0);
  enable(&p, 2, 10);
  CHECK_EQ(p.dirty, 1U << 2);
  CHECK_EQ(vplic_take_changed(&p), 1U << 2);
  /* A priority or a pending bit: every context. */
  wr(&p, PRIO(10), 3);
  CHECK_EQ(p.dirty, 0xF);
  CHECK_EQ(vplic_take_changed(&p), 0);
  CHECK_EQ(rd(&p, CLAIM(1)), 10); /* pending cleared */
  CHECK_EQ(p.dirty, 0xF);
  CHECK_EQ(vplic_take_changed(&p), 6);
  vplic_set_level(&p, 10, false); /* in flight: pending stays clear */
  CHECK(!vplic_may_have_changed(&p));
  vplic_set_level(&p, 10, true);
  CHECK(!vplic_may_have_changed(&p));
  wr(&p, CLAIM(1), 10); /* completion with the line high: pending again */
  CHECK_EQ(p.dirty, 0xF);
  CHECK_EQ(vplic_take_changed(&p), 6);
  CHECK_EQ(vplic_outputs(&p), 6);
}

int main(void) {
  test_init_and_clamp();
  test_priority_registers();
  test_access_width_and_alignment();
  test_out_of_range_offsets();
  test_enable_bits();
  test_gateway_and_claim();
  test_claim_order();
  test_threshold();
  test_complete_ignored();
  test_all_contexts();
  test_take_changed();
  test_random();
  test_take_changed_incremental();
  test_dirty_marks();
  return check_report("vplic");
}
