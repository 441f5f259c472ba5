/* A VM's device bus (bus.h). */
#include "bus.h"

void bus_init(struct bus *b) {
  b->count = 0;
  b->region[0] = (struct bus_region){.base = 0, .size = 0, .name = "end"};
}

int bus_register(struct bus *b, const char *name, uint64_t base, uint64_t size,
                 const struct bus_ops *ops, void *state) {
  if (!size || base + size - 1 < base || !ops || !ops->read || !ops->write)
    return BUS_ERR_INVALID;
  /* i: where it goes, after every region above it (highest first). */
  unsigned i = 0;
  while (i < b->count && b->region[i].base > base)
    i++;
  /* Sorted and disjoint: only the neighbours can overlap the new window. */
  if (i > 0 && base + (size - 1) >= b->region[i - 1].base)
    return BUS_ERR_OVERLAP;
  if (i < b->count && b->region[i].base + (b->region[i].size - 1) >= base)
    return BUS_ERR_OVERLAP;
  if (b->count == BUS_MAX_REGIONS)
    return BUS_ERR_FULL;
  for (unsigned j = b->count + 1; j > i; j--) /* the end region moves too */
    b->region[j] = b->region[j - 1];
  b->region[i] = (struct bus_region){
      .base = base, .size = size, .ops = ops, .state = state, .name = name, .accesses = 0};
  b->count++;
  return BUS_OK;
}
