/* An interrupt line: how a device model drives its output without knowing
 * what it is wired to. The model calls irq_line_set() when its level moves;
 * whoever wired it (hv/dev/vdev.c: a vPLIC source; the core: a vCPU's
 * VSEIP) supplies the callback. A line nobody wired (set == NULL) goes
 * nowhere. Level-triggered: the callback gets the new level, and calling it
 * with the level the line has must be harmless. */
#ifndef RV_IRQ_H
#define RV_IRQ_H
#include <stdbool.h>

struct irq_line {
  void (*set)(void *ctx, unsigned id, bool level);
  void *ctx;   /* the receiver (a struct vplic, a VM) */
  unsigned id; /* which of its inputs (a PLIC source, a vCPU) */
};

static inline void irq_line_set(const struct irq_line *l, bool level) {
  if (l->set)
    l->set(l->ctx, l->id, level);
}

#endif
