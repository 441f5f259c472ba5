/* libFuzzer target: the virtual PLIC (hv/dev/vplic.c) driven by a script
 * decoded from the input: guest reads and writes of any width at any offset
 * (mostly near its registers), input lines raised and lowered, outputs
 * taken. Beside it runs a reference PLIC written here plainly from
 * riscv-plic-spec 1.0.0 (level-triggered gateways, claim/complete), which
 * recomputes everything from scratch: every value the guest reads must be
 * the reference's, and the outputs the model keeps lazily must be the
 * reference's whenever the model says none can have changed, and after
 * every vplic_take_changed(). ASan catches any access out of bounds. */
#include "fuzz_input.h"
#include "hv/dev/vplic.h"
#include <stdlib.h>
#include <string.h>

/* The reference: one flag per source, no caching. */
struct ref {
  unsigned ns, nc;
  uint8_t prio[VPLIC_MAX_SOURCES];
  bool level[VPLIC_MAX_SOURCES], pending[VPLIC_MAX_SOURCES], claimed[VPLIC_MAX_SOURCES];
  bool enable[VPLIC_MAX_CONTEXTS][VPLIC_MAX_SOURCES];
  uint8_t threshold[VPLIC_MAX_CONTEXTS];
};

static void ref_gateway(struct ref *r, unsigned s) {
  r->pending[s] = r->level[s] && !r->claimed[s];
}

static unsigned ref_best(const struct ref *r, unsigned c) {
  unsigned best = 0, prio = r->threshold[c];
  for (unsigned s = 1; s < r->ns; s++)
    if (r->pending[s] && r->enable[c][s] && r->prio[s] > prio) {
      best = s;
      prio = r->prio[s];
    }
  return best;
}

static uint32_t ref_outputs(const struct ref *r) {
  uint32_t out = 0;
  for (unsigned c = 0; c < r->nc; c++)
    if (ref_best(r, c))
      out |= 1U << c;
  return out;
}

static uint32_t ref_bits(const struct ref *r, const bool *flags, unsigned word) {
  uint32_t v = 0;
  for (unsigned b = 0; b < 32; b++) {
    unsigned s = word * 32 + b;
    if (s != 0 && s < r->ns && flags[s])
      v |= 1U << b;
  }
  return v;
}

/* Offset -> (context, register) the long way round. */
static bool ref_context(const struct ref *r, uint64_t off, unsigned *c, uint64_t *reg) {
  if (off < VPLIC_CONTEXT_BASE || (off - VPLIC_CONTEXT_BASE) / VPLIC_CONTEXT_STRIDE >= r->nc)
    return false;
  *c = (unsigned)((off - VPLIC_CONTEXT_BASE) / VPLIC_CONTEXT_STRIDE);
  *reg = (off - VPLIC_CONTEXT_BASE) % VPLIC_CONTEXT_STRIDE;
  return true;
}

static bool ref_enable(const struct ref *r, uint64_t off, unsigned *c, unsigned *w) {
  if (off < VPLIC_ENABLE_BASE || off >= VPLIC_CONTEXT_BASE)
    return false;
  uint64_t ctx = (off - VPLIC_ENABLE_BASE) / VPLIC_ENABLE_STRIDE;
  uint64_t word = (off - VPLIC_ENABLE_BASE) % VPLIC_ENABLE_STRIDE / 4;
  if (ctx >= r->nc || word >= VPLIC_WORDS)
    return false;
  *c = (unsigned)ctx;
  *w = (unsigned)word;
  return true;
}

static uint32_t ref_read(struct ref *r, uint64_t off, unsigned width) {
  unsigned c, w;
  uint64_t reg;
  if (width != 4 || off % 4 || off >= VPLIC_WINDOW_SIZE)
    return 0;
  if (off < VPLIC_PENDING_BASE)
    return off / 4 < r->ns ? r->prio[off / 4] : 0;
  if (off < VPLIC_ENABLE_BASE)
    return (off - VPLIC_PENDING_BASE) / 4 < VPLIC_WORDS
               ? ref_bits(r, r->pending, (unsigned)((off - VPLIC_PENDING_BASE) / 4))
               : 0;
  if (ref_enable(r, off, &c, &w))
    return ref_bits(r, r->enable[c], w);
  if (!ref_context(r, off, &c, &reg))
    return 0;
  if (reg == 0)
    return r->threshold[c];
  if (reg != 4)
    return 0;
  unsigned s = ref_best(r, c); /* claim */
  if (s) {
    r->claimed[s] = true;
    ref_gateway(r, s);
  }
  return s;
}

static void ref_write(struct ref *r, uint64_t off, unsigned width, uint32_t val) {
  unsigned c, w;
  uint64_t reg;
  if (width != 4 || off % 4 || off >= VPLIC_WINDOW_SIZE)
    return;
  if (off < VPLIC_PENDING_BASE) {
    if (off / 4 != 0 && off / 4 < r->ns)
      r->prio[off / 4] = val & 7;
  } else if (off < VPLIC_ENABLE_BASE) {
    /* read-only */
  } else if (ref_enable(r, off, &c, &w)) {
    for (unsigned b = 0; b < 32; b++) {
      unsigned s = w * 32 + b;
      if (s != 0 && s < r->ns)
        r->enable[c][s] = (val >> b) & 1;
    }
  } else if (ref_context(r, off, &c, &reg)) {
    if (reg == 0) {
      r->threshold[c] = val & 7;
    } else if (reg == 4 && val != 0 && val < r->ns && r->claimed[val] && r->enable[c][val]) {
      r->claimed[val] = false; /* complete */
      ref_gateway(r, val);
    }
  }
}

/* An offset near something interesting, or anywhere at all. */
static uint64_t pick_offset(struct input *in) {
  uint32_t kind = take(in, 1), a = take(in, 1), b = take(in, 1);
  uint64_t off;
  switch (kind & 7) {
  case 0: off = VPLIC_PRIORITY_BASE + 4 * (a % 70); break;
  case 1: off = VPLIC_PENDING_BASE + 4 * (a % 4); break;
  case 2: off = VPLIC_ENABLE_BASE + VPLIC_ENABLE_STRIDE * (a % 18) + 4 * (b % 4); break;
  case 3:
  case 4: off = VPLIC_CONTEXT_BASE + VPLIC_CONTEXT_STRIDE * (a % 18) + 4 * (b % 3); break;
  case 5: off = take(in, 4); break;
  case 6: off = VPLIC_WINDOW_SIZE - 4 * (a % 4) + (b % 8); break;
  default: off = (uint64_t)take(in, 4) << 32 | take(in, 4); break;
  }
  return off + ((kind >> 3) % 4 == 3 ? (kind >> 5) % 4 : 0); /* now and then misaligned */
}

/* The outputs the model keeps are right for every context it has not marked
 * dirty (so right for all of them once it says none can have changed), and
 * its from-scratch answer is the reference's. */
static void check(const struct vplic *p, const struct ref *r) {
  if ((vplic_outputs(p) ^ ref_outputs(r)) & ~p->dirty)
    abort();
  if (!vplic_may_have_changed(p) && vplic_outputs(p) != ref_outputs(r))
    abort();
  for (unsigned c = 0; c < VPLIC_MAX_CONTEXTS + 2; c++)
    if (vplic_context_irq(p, c) != (c < r->nc && ref_best(r, c) != 0))
      abort();
}

static void take_changed(struct vplic *p, const struct ref *r) {
  uint32_t before = vplic_outputs(p), changed = vplic_take_changed(p);
  if (vplic_outputs(p) != ref_outputs(r) || changed != (before ^ vplic_outputs(p)) ||
      vplic_may_have_changed(p))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size};
  static struct vplic p;
  static struct ref r;
  unsigned ns = take(&in, 1), nc = take(&in, 1) % 24;
  vplic_init(&p, ns, nc);
  memset(&r, 0, sizeof(r));
  r.ns = ns < 1 ? 1 : ns > VPLIC_MAX_SOURCES ? VPLIC_MAX_SOURCES : ns;
  r.nc = nc > VPLIC_MAX_CONTEXTS ? VPLIC_MAX_CONTEXTS : nc;
  if (p.nsources != r.ns || p.ncontexts != r.nc || vplic_outputs(&p) || vplic_may_have_changed(&p))
    abort();
  static const unsigned widths[8] = {4, 4, 4, 4, 1, 2, 8, 3};
  unsigned steps = 0;
  /* Each step: bits 2:0 what, 5:3 the width, 6 the caller takes the
   * outputs afterwards (as vdev.c does after every access), 7 a 32-bit
   * value (else 8 bits). */
  while (in.n && steps++ < 4096) {
    uint32_t op = take(&in, 1);
    unsigned width = widths[(op >> 3) & 7];
    switch (op & 7) {
    case 0:
    case 1: { /* guest load */
      uint64_t off = pick_offset(&in);
      if (vplic_read(&p, off, width) != ref_read(&r, off, width))
        abort();
      break;
    }
    case 2:
    case 3:
    case 4: { /* guest store */
      uint64_t off = pick_offset(&in);
      uint32_t val = (op & 0x80) ? take(&in, 4) : take(&in, 1);
      vplic_write(&p, off, width, val);
      ref_write(&r, off, width, val);
      break;
    }
    case 5:
    case 6: { /* a device moves its line */
      unsigned src = take(&in, 1) % (VPLIC_MAX_SOURCES + 4);
      bool level = (op >> 3) & 1;
      vplic_set_level(&p, src, level);
      if (src != 0 && src < r.ns) {
        r.level[src] = level;
        ref_gateway(&r, src);
      }
      break;
    }
    default: take_changed(&p, &r); break;
    }
    check(&p, &r);
    if (op & 0x40)
      take_changed(&p, &r);
  }
  return 0;
}
