/* Virtual PLIC: register model of riscv-plic-spec 1.0.0 with level-triggered
 * gateways ("Interrupt Gateways", "Interrupt Claim Process", "Interrupt
 * Completion"). */
#include "vplic.h"
#include <string.h>

static bool bit_get(const uint32_t *map, unsigned n) { return (map[n / 32] >> (n % 32)) & 1U; }
static void bit_set(uint32_t *map, unsigned n) { map[n / 32] |= 1U << (n % 32); }
static void bit_clear(uint32_t *map, unsigned n) { map[n / 32] &= ~(1U << (n % 32)); }

/* Bits of word w that name existing sources (never source 0). */
static uint32_t valid_mask(const struct vplic *p, unsigned w) {
  uint32_t m;
  unsigned first = w * 32;
  if (p->nsources <= first)
    m = 0;
  else if (p->nsources - first >= 32)
    m = 0xFFFFFFFFU;
  else
    m = (1U << (p->nsources - first)) - 1;
  if (w == 0)
    m &= ~1U;
  return m;
}

void vplic_init(struct vplic *p, unsigned nsources, unsigned ncontexts) {
  memset(p, 0, sizeof(*p));
  if (nsources < 1)
    nsources = 1;
  if (nsources > VPLIC_MAX_SOURCES)
    nsources = VPLIC_MAX_SOURCES;
  if (ncontexts > VPLIC_MAX_CONTEXTS)
    ncontexts = VPLIC_MAX_CONTEXTS;
  p->nsources = nsources;
  p->ncontexts = ncontexts;
}

/* The highest-priority pending source enabled for ctx whose priority exceeds
 * the threshold, lowest id on ties; 0 if none. ctx must exist. */
static unsigned best_source(const struct vplic *p, unsigned ctx) {
  unsigned best = 0, best_prio = p->threshold[ctx];
  for (unsigned w = 0; w < VPLIC_WORDS; w++) {
    uint32_t cand = p->pending[w] & p->enable[ctx][w] & valid_mask(p, w);
    for (unsigned b = 0; cand != 0; b++, cand >>= 1) {
      unsigned s = w * 32 + b;
      if ((cand & 1U) && p->priority[s] > best_prio) {
        best = s;
        best_prio = p->priority[s];
      }
    }
  }
  return best;
}

bool vplic_context_irq(const struct vplic *p, unsigned ctx) {
  return ctx < p->ncontexts && best_source(p, ctx) != 0;
}

uint32_t vplic_take_changed(struct vplic *p) {
  uint32_t dirty = p->dirty, now = p->reported;
  p->dirty = 0;
  for (unsigned c = 0; dirty != 0; c++, dirty >>= 1) {
    if (!(dirty & 1U))
      continue;
    if (best_source(p, c) != 0)
      now |= 1U << c;
    else
      now &= ~(1U << c);
  }
  uint32_t changed = now ^ p->reported;
  p->reported = now;
  return changed;
}

/* Every context: a change to a pending bit or a priority may move any
 * context's output. */
static uint32_t all_contexts(const struct vplic *p) { return (1U << p->ncontexts) - 1; }

/* Gateway: a high line not in flight is pending; a low line is not (the
 * request is withdrawn if the device drops it before the claim). Marks
 * every context dirty if the pending bit changed. */
static void update_pending(struct vplic *p, unsigned src) {
  bool was = bit_get(p->pending, src);
  bool now = bit_get(p->level, src) && !bit_get(p->in_flight, src);
  if (now == was)
    return;
  if (now)
    bit_set(p->pending, src);
  else
    bit_clear(p->pending, src);
  p->dirty = all_contexts(p);
}

void vplic_set_level(struct vplic *p, unsigned src, bool level) {
  if (src == 0 || src >= p->nsources || bit_get(p->level, src) == level)
    return;
  if (level)
    bit_set(p->level, src);
  else
    bit_clear(p->level, src);
  update_pending(p, src);
}

static uint32_t claim(struct vplic *p, unsigned ctx) {
  unsigned s = best_source(p, ctx);
  if (s != 0) {
    bit_clear(p->pending, s);
    bit_set(p->in_flight, s);
    p->dirty = all_contexts(p);
  }
  return s;
}

/* Completion is ignored unless src is in flight and enabled for ctx. */
static void complete(struct vplic *p, unsigned ctx, uint32_t src) {
  if (src == 0 || src >= p->nsources || !bit_get(p->in_flight, src) ||
      !bit_get(p->enable[ctx], src))
    return;
  bit_clear(p->in_flight, src);
  update_pending(p, src);
}

/* Splits a context-region offset into context and register; false if the
 * context does not exist. */
static bool context_reg(const struct vplic *p, uint64_t offset, unsigned *ctx, uint64_t *reg) {
  uint64_t c = (offset - VPLIC_CONTEXT_BASE) / VPLIC_CONTEXT_STRIDE;
  if (c >= p->ncontexts)
    return false;
  *ctx = (unsigned)c;
  *reg = (offset - VPLIC_CONTEXT_BASE) % VPLIC_CONTEXT_STRIDE;
  return true;
}

/* Splits an enable-region offset into context and word; false if either
 * does not exist. */
static bool enable_word(const struct vplic *p, uint64_t offset, unsigned *ctx, unsigned *w) {
  uint64_t c = (offset - VPLIC_ENABLE_BASE) / VPLIC_ENABLE_STRIDE;
  uint64_t word = (offset - VPLIC_ENABLE_BASE) % VPLIC_ENABLE_STRIDE / 4;
  if (c >= p->ncontexts || word >= VPLIC_WORDS)
    return false;
  *ctx = (unsigned)c;
  *w = (unsigned)word;
  return true;
}

uint32_t vplic_read(struct vplic *p, uint64_t offset, unsigned width) {
  unsigned ctx, w;
  uint64_t reg;
  if (width != 4 || (offset & 3) != 0 || offset >= VPLIC_WINDOW_SIZE)
    return 0;
  if (offset < VPLIC_PENDING_BASE) {
    uint64_t s = offset / 4;
    return s < p->nsources ? p->priority[s] : 0;
  }
  if (offset < VPLIC_ENABLE_BASE) {
    uint64_t word = (offset - VPLIC_PENDING_BASE) / 4;
    return word < VPLIC_WORDS ? p->pending[word] : 0;
  }
  if (offset < VPLIC_CONTEXT_BASE)
    return enable_word(p, offset, &ctx, &w) ? p->enable[ctx][w] : 0;
  if (!context_reg(p, offset, &ctx, &reg))
    return 0;
  if (reg == VPLIC_CONTEXT_THRESHOLD)
    return p->threshold[ctx];
  if (reg == VPLIC_CONTEXT_CLAIM)
    return claim(p, ctx);
  return 0;
}

void vplic_write(struct vplic *p, uint64_t offset, unsigned width, uint32_t value) {
  unsigned ctx, w;
  uint64_t reg;
  if (width != 4 || (offset & 3) != 0 || offset >= VPLIC_WINDOW_SIZE)
    return;
  if (offset < VPLIC_PENDING_BASE) {
    uint64_t s = offset / 4;
    uint8_t prio = (uint8_t)(value & VPLIC_MAX_PRIORITY);
    if (s != 0 && s < p->nsources && p->priority[s] != prio) {
      p->priority[s] = prio;
      p->dirty = all_contexts(p);
    }
    return;
  }
  if (offset < VPLIC_ENABLE_BASE)
    return; /* pending bits are read-only */
  if (offset < VPLIC_CONTEXT_BASE) {
    if (!enable_word(p, offset, &ctx, &w))
      return;
    uint32_t en = value & valid_mask(p, w);
    if (p->enable[ctx][w] != en) {
      p->enable[ctx][w] = en;
      p->dirty |= 1U << ctx;
    }
    return;
  }
  if (!context_reg(p, offset, &ctx, &reg))
    return;
  if (reg == VPLIC_CONTEXT_THRESHOLD) {
    uint8_t t = (uint8_t)(value & VPLIC_MAX_PRIORITY);
    if (p->threshold[ctx] != t) {
      p->threshold[ctx] = t;
      p->dirty |= 1U << ctx;
    }
  } else if (reg == VPLIC_CONTEXT_CLAIM)
    complete(p, ctx, value);
}

/* Pass the outputs that moved to p->out: only when some context is dirty,
 * which most accesses leave alone. */
static __attribute__((noinline)) void send_outputs(struct vplic *p) {
  uint32_t changed = vplic_take_changed(p), out = vplic_outputs(p);
  for (unsigned c = 0; changed; c++, changed >>= 1, out >>= 1)
    if ((changed & 1) && p->out.set)
      p->out.set(p->out.ctx, c, out & 1);
}

static inline void update_outputs(struct vplic *p) {
  if (vplic_may_have_changed(p))
    send_outputs(p);
}

static bus_val_t bus_read(void *state, uint64_t offset, unsigned width) {
  uint64_t value = vplic_read(state, offset, width);
  update_outputs(state);
  return bus_value(value);
}

static long bus_write(void *state, uint64_t offset, unsigned width, uint64_t value) {
  vplic_write(state, offset, width, (uint32_t)value);
  update_outputs(state);
  return 0;
}

const struct bus_ops vplic_bus_ops = {bus_read, bus_write, 0};

void vplic_irq_set(void *ctx, unsigned src, bool level) {
  vplic_set_level(ctx, src, level);
  update_outputs(ctx);
}
