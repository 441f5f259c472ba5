#include "gstage.h"
#include <stddef.h>

#define LEVELS 3
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK 0xFFFFFFFFFFFUL /* 44 bits */

static unsigned vpn(uint64_t gpa, int level) {
  uint64_t mask = level == 2 ? 0x7FF : 0x1FF; /* root index is 11 bits */
  return (unsigned)((gpa >> (12 + 9 * level)) & mask);
}

static uint64_t *pte_table(uint64_t pte) {
  return (uint64_t *)(uintptr_t)(((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12);
}

static int pte_is_leaf(uint64_t pte) { return (pte & (PTE_R | PTE_W | PTE_X)) != 0; }

static uint64_t leaf_pte(uint64_t hpa, unsigned perms) {
  uint64_t pte = ((hpa >> 12) << PTE_PPN_SHIFT) | PTE_V | PTE_U | PTE_A | PTE_D;
  if (perms & GSTAGE_READ)
    pte |= PTE_R;
  if (perms & GSTAGE_WRITE)
    pte |= PTE_W | PTE_R; /* W without R is reserved */
  if (perms & GSTAGE_EXEC)
    pte |= PTE_X;
  return pte;
}

/* Walk to the table that holds the level-`level` entry for gpa, allocating
 * intermediate tables. Returns NULL on allocation failure or when a leaf
 * already covers the range (*clash set). */
static uint64_t *walk_alloc(struct gstage *gs, uint64_t gpa, int level, int *clash) {
  uint64_t *table = gs->root;
  for (int l = LEVELS - 1; l > level; l--) {
    uint64_t *pte = &table[vpn(gpa, l)];
    if (*pte & PTE_V) {
      if (pte_is_leaf(*pte)) {
        *clash = 1;
        return NULL;
      }
    } else {
      void *t = gs->alloc_table(gs->ctx);
      if (!t)
        return NULL;
      *pte = (((uint64_t)(uintptr_t)t >> 12) << PTE_PPN_SHIFT) | PTE_V;
    }
    table = pte_table(*pte);
  }
  return table;
}

int gstage_map(struct gstage *gs, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms) {
  if ((gpa | hpa | size) & 0xFFF)
    return GSTAGE_ERR_ALIGN;
  if (!(perms & GSTAGE_RWX))
    return GSTAGE_ERR_PERM;
  if (gpa >> GSTAGE_GPA_BITS || size > (1UL << GSTAGE_GPA_BITS) - gpa)
    return GSTAGE_ERR_RANGE;
  if (hpa >> 56)
    return GSTAGE_ERR_RANGE;
  /* Refuse overlaps up front so a failed map changes nothing visible. */
  for (uint64_t off = 0; off < size; off += 4096) {
    if (gstage_translate(gs, gpa + off, NULL, NULL) == GSTAGE_OK)
      return GSTAGE_ERR_EXISTS;
  }
  while (size) {
    int level = 0;
    for (int l = 2; l > 0; l--) {
      uint64_t psz = 1UL << (12 + 9 * l);
      if (!((gpa | hpa) & (psz - 1)) && size >= psz) {
        level = l;
        break;
      }
    }
    int clash = 0;
    uint64_t *table = walk_alloc(gs, gpa, level, &clash);
    if (!table)
      return clash ? GSTAGE_ERR_EXISTS : GSTAGE_ERR_NOMEM;
    uint64_t *pte = &table[vpn(gpa, level)];
    if (*pte & PTE_V) /* a lower-level table already hangs here */
      return GSTAGE_ERR_EXISTS;
    *pte = leaf_pte(hpa, perms);
    uint64_t psz = 1UL << (12 + 9 * level);
    gpa += psz;
    hpa += psz;
    size -= psz;
  }
  return GSTAGE_OK;
}

int gstage_translate(const struct gstage *gs, uint64_t gpa, uint64_t *hpa, unsigned *perms) {
  if (gpa >> GSTAGE_GPA_BITS)
    return GSTAGE_ERR_RANGE;
  const uint64_t *table = gs->root;
  for (int l = LEVELS - 1; l >= 0; l--) {
    uint64_t pte = table[vpn(gpa, l)];
    if (!(pte & PTE_V))
      return GSTAGE_ERR_UNMAPPED;
    if (pte_is_leaf(pte)) {
      uint64_t psz = 1UL << (12 + 9 * l);
      if (hpa)
        *hpa = (((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12) + (gpa & (psz - 1));
      if (perms)
        *perms = ((pte & PTE_R) ? GSTAGE_READ : 0) | ((pte & PTE_W) ? GSTAGE_WRITE : 0) |
                 ((pte & PTE_X) ? GSTAGE_EXEC : 0);
      return GSTAGE_OK;
    }
    if (l == 0)
      return GSTAGE_ERR_UNMAPPED; /* non-leaf at the last level: treat as hole */
    table = pte_table(pte);
  }
  return GSTAGE_ERR_UNMAPPED;
}

uint64_t gstage_hgatp(const struct gstage *gs, unsigned vmid) {
  return (8UL << 60) | ((uint64_t)(vmid & 0x3FFF) << 44) |
         (((uint64_t)(uintptr_t)gs->root >> 12) & PTE_PPN_MASK);
}

/* Free every table below the root (levels 1 and 0) and clear the root:
 * nested loops over the fixed three levels, no recursion. */
void gstage_destroy(struct gstage *gs, void (*free_table)(void *ctx, void *table)) {
  if (!gs->root)
    return;
  for (unsigned i = 0; i < 2048; i++) {
    uint64_t pte = gs->root[i];
    gs->root[i] = 0;
    if (!(pte & PTE_V) || pte_is_leaf(pte))
      continue;
    uint64_t *mid = pte_table(pte);
    for (unsigned j = 0; j < 512; j++)
      if ((mid[j] & PTE_V) && !pte_is_leaf(mid[j]))
        free_table(gs->ctx, pte_table(mid[j]));
    free_table(gs->ctx, mid);
  }
}
