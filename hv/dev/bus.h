/* A VM's device bus: the table of guest-physical windows its device models
 * answer (after KVM's kvm_io_bus and Bao's emulated regions). A region is
 * {base, size, ops, state}; the MMIO path (mmio.c) decodes a trapped access
 * once, finds its region with bus_find() and hands the model the offset
 * into the window, the width and the value: a model never sees a vCPU.
 *
 * The table is a fixed array sorted by base, highest first, and regions
 * never overlap (bus_register() refuses one that would), so the only region
 * that can hold an address is the first one whose base is at or below it.
 * An empty region at base 0 ends the table, so that the lookup needs no
 * bounds check: it costs one compare per region above the address (the
 * UART, the most used window, is the highest). No allocation.
 * Not thread-safe: the caller serialises registration against lookups (a
 * VM's regions are registered before it runs) and holds its device lock
 * around the ops and the counter. */
#ifndef RV_BUS_H
#define RV_BUS_H
#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_REGIONS 16

/* A model's answer to an access of `width` bytes (1, 2, 4, 8) at `offset`
 * into its window: read returns the value (its low `width` bytes count; the
 * MMIO path extends them as the instruction says), write takes value (only
 * its low `width` bytes are the guest's). Either may refuse an access its
 * device does not allow (virtio-mmio: a register read at the wrong width),
 * and the guest gets an access fault instead, nothing written back: write
 * returns non-zero, read returns bus_fault(). A read's answer is a
 * bus_val_t, two words (the value, and the fault above it), which the
 * RISC-V ABI returns in a0/a1: the value costs no store, load or
 * callee-saved register on the MMIO fast path (docs/architecture.md), a
 * model that never refuses pays one `li` for the fault word, and the path
 * one branch. (A two-word struct does the same in a0/a1, but GCC 12 spills
 * it to the stack on the way.) */
typedef unsigned __int128 bus_val_t;
static inline bus_val_t bus_value(uint64_t v) { return v; }
static inline bus_val_t bus_fault(void) { return (bus_val_t)1 << 64; }
static inline uint64_t bus_val_value(bus_val_t r) { return (uint64_t)r; }
static inline uint64_t bus_val_fault(bus_val_t r) { return (uint64_t)(r >> 64); } /* 0: none */

struct bus_ops {
  bus_val_t (*read)(void *state, uint64_t offset, unsigned width);
  long (*write)(void *state, uint64_t offset, unsigned width, uint64_t value); /* 0, or refused */
  /* May be NULL: after a write, with the device lock dropped (a NIC hands
   * the frames its tx queue took to the switch there, docs/architecture.md). */
  void (*after_write)(void *state);
};

struct bus_region {
  uint64_t base, size;
  const struct bus_ops *ops;
  void *state;
  const char *name;  /* in the exit statistics: "plic=" */
  uint64_t accesses; /* guest accesses emulated (under the device lock) */
};

struct bus {
  /* [0, count): by base, highest first; region[count]: the end (size 0) */
  struct bus_region region[BUS_MAX_REGIONS + 1];
  unsigned count;
};

enum { BUS_OK = 0, BUS_ERR_INVALID = -1, BUS_ERR_OVERLAP = -2, BUS_ERR_FULL = -3 };

/* Empties b. */
void bus_init(struct bus *b);
/* Adds the window [base, base + size) answered by ops on state. Refuses an
 * empty window, one that wraps past 2^64 (BUS_ERR_INVALID), one that
 * overlaps a registered window (BUS_ERR_OVERLAP), and a full table
 * (BUS_ERR_FULL); b is unchanged then. */
int bus_register(struct bus *b, const char *name, uint64_t base, uint64_t size,
                 const struct bus_ops *ops, void *state);

/* The region whose window holds addr, or NULL. Inline: the MMIO fast path.
 * The end region (base 0, size 0) stops every search and holds nothing. */
static inline struct bus_region *bus_find(struct bus *b, uint64_t addr) {
  struct bus_region *r = b->region;
  while (addr < r->base)
    r++;
  return addr - r->base < r->size ? r : 0;
}

/* The regions in address order: for (r = bus_first(b); r; r = bus_next(b, r)). */
static inline const struct bus_region *bus_first(const struct bus *b) {
  return b->count ? &b->region[b->count - 1] : 0;
}
static inline const struct bus_region *bus_next(const struct bus *b, const struct bus_region *r) {
  return r != b->region ? r - 1 : 0;
}

#endif
