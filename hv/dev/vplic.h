/* A virtual PLIC (RISC-V Platform-Level Interrupt Controller specification,
 * riscv-plic-spec 1.0.0; the SiFive register layout Linux's irq-sifive-plic
 * drives). Pure device model: the caller decodes the trapped access, takes the
 * VM's lock around every call, and turns vplic_take_changed() into VSEIP
 * injections. Every value a guest writes is untrusted and bounds-checked.
 *
 * Register map (offsets in the 0x4000000-byte window, 32-bit registers):
 *   0x000000 + 4*s                 priority of source s (3 bits; s = 0 reads 0)
 *   0x001000 + 4*w                 pending bits of sources 32w..32w+31 (read-only)
 *   0x002000 + 0x80*c + 4*w        enable bits of context c
 *   0x200000 + 0x1000*c            priority threshold of context c (3 bits)
 *   0x200004 + 0x1000*c            claim (read) / complete (write) of context c
 * Anything else, and any access that is not an aligned 4-byte access, reads 0
 * and ignores writes.
 *
 * The output lines are recomputed lazily: an operation that changes what a
 * context's output depends on (a pending bit, a priority, the context's
 * enables or threshold) marks that context (or all of them) dirty, and
 * vplic_take_changed() rescans only the dirty ones. Operations that change
 * nothing (reads other than a successful claim, rewrites of the same value,
 * a line driven to the level it has) mark nothing. */
#ifndef RV_VPLIC_H
#define RV_VPLIC_H
#include "bus.h"
#include "irq.h"
#include <stdbool.h>
#include <stdint.h>

#define VPLIC_MAX_SOURCES 64 /* source ids 0..63; id 0 does not exist */
#define VPLIC_MAX_CONTEXTS 16
#define VPLIC_WINDOW_SIZE 0x4000000UL
#define VPLIC_MAX_PRIORITY 7U

#define VPLIC_PRIORITY_BASE 0x0UL
#define VPLIC_PENDING_BASE 0x1000UL
#define VPLIC_ENABLE_BASE 0x2000UL
#define VPLIC_ENABLE_STRIDE 0x80UL
#define VPLIC_CONTEXT_BASE 0x200000UL
#define VPLIC_CONTEXT_STRIDE 0x1000UL
#define VPLIC_CONTEXT_THRESHOLD 0x0UL
#define VPLIC_CONTEXT_CLAIM 0x4UL

#define VPLIC_WORDS (VPLIC_MAX_SOURCES / 32)

/* One VM's PLIC. Not thread-safe: guarded by its VM's lock. Bitmaps hold
 * source s at bit s % 32 of word s / 32. */
struct vplic {
  unsigned nsources;  /* source ids 0..nsources-1; FDT riscv,ndev = nsources-1 */
  unsigned ncontexts; /* contexts 0..ncontexts-1 */
  uint8_t priority[VPLIC_MAX_SOURCES];
  uint32_t level[VPLIC_WORDS];     /* input line is high */
  uint32_t pending[VPLIC_WORDS];   /* gateway forwarded a request, not yet claimed */
  uint32_t in_flight[VPLIC_WORDS]; /* claimed, not yet completed */
  uint32_t enable[VPLIC_MAX_CONTEXTS][VPLIC_WORDS];
  uint8_t threshold[VPLIC_MAX_CONTEXTS];
  uint32_t reported;   /* output lines as of the last vplic_take_changed() */
  uint32_t dirty;      /* contexts whose output may differ from `reported` */
  struct irq_line out; /* on the bus: out.set(out.ctx, c, level) for context c */
};

/* Resets p: all priorities, enables, thresholds and lines 0. nsources counts
 * source ids including the nonexistent 0 (clamped to 1..VPLIC_MAX_SOURCES);
 * ncontexts is clamped to VPLIC_MAX_CONTEXTS. */
void vplic_init(struct vplic *p, unsigned nsources, unsigned ncontexts);
/* A guest load of `width` bytes at `offset` into the window. */
uint32_t vplic_read(struct vplic *p, uint64_t offset, unsigned width);
/* A guest store of `width` bytes at `offset` into the window. */
void vplic_write(struct vplic *p, uint64_t offset, unsigned width, uint32_t value);
/* Drives the level-triggered input line of source src (out-of-range ignored);
 * driving it to the level it has is a no-op. */
void vplic_set_level(struct vplic *p, unsigned src, bool level);
/* The output line of context ctx: some pending, enabled source has a priority
 * above the context's threshold. False for a nonexistent context. */
bool vplic_context_irq(const struct vplic *p, unsigned ctx);
/* Bitmask of contexts whose output line differs from what the previous call
 * reported (bit c = context c); the caller sets or clears VSEIP for each,
 * following vplic_outputs(). Rescans only the contexts marked dirty. */
uint32_t vplic_take_changed(struct vplic *p);
/* False when no output can have changed since vplic_take_changed(): the
 * caller may skip calling it. */
static inline bool vplic_may_have_changed(const struct vplic *p) { return p->dirty != 0; }
/* The output lines as of the last vplic_take_changed() (bit c = context c). */
static inline uint32_t vplic_outputs(const struct vplic *p) { return p->reported; }

/* On a VM's bus (bus.h): the window's ops, state a struct vplic. After each
 * access, and after each change of an input line through vplic_irq_set(),
 * every context c whose output moved is passed to p->out as
 * out.set(out.ctx, c, level) (out.id is not used; connect it with
 * vplic_connect() after vplic_init()). */
extern const struct bus_ops vplic_bus_ops;
static inline void vplic_connect(struct vplic *p, struct irq_line out) { p->out = out; }
/* An irq_line callback (irq.h): ctx is the struct vplic, src the source. */
void vplic_irq_set(void *ctx, unsigned src, bool level);

#endif
