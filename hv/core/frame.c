#include "frame.h"
#include "../lib/spinlock.h"
#include "console.h"
#include "mm.h"
#include "platform.h"
#include <string.h>

extern char __image_start[], __image_end[];

/* Guarded by frame_lock. */
static spinlock_t frame_lock = SPINLOCK_INIT;
static struct mm mm;

/* Is [a, b) free of every reserved range (the image, the FDT, the initrd,
 * firmware regions)? */
static int overlaps_reserved(uint64_t a, uint64_t b, const struct region *r, int n) {
  for (int i = 0; i < n; i++)
    if (a < r[i].end && r[i].start < b)
      return 1;
  return 0;
}

void frame_init(void) {
  struct region resv[PLAT_MAX_RESERVED + 4];
  int n = 0;
  for (int i = 0; i < plat.nresv; i++)
    resv[n++] = plat.resv[i];
  resv[n++] = (struct region){(uintptr_t)__image_start, (uintptr_t)__image_end};
  resv[n++] = (struct region){(uintptr_t)plat.fdt, (uintptr_t)plat.fdt + plat.fdt_size};
  if (plat.initrd_end)
    resv[n++] = (struct region){plat.initrd_start, plat.initrd_end};

  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < plat.nmem; i++) {
    lo = plat.mem[i].start < lo ? plat.mem[i].start : lo;
    hi = plat.mem[i].end > hi ? plat.mem[i].end : hi;
  }
  /* Place the bitmap in the first page-aligned hole that fits it. */
  uint64_t bytes = (mm_bitmap_bytes(lo, hi) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  uint64_t where = 0;
  for (int i = 0; i < plat.nmem && !where; i++)
    for (uint64_t a = (plat.mem[i].start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
         a + bytes <= plat.mem[i].end; a += PAGE_SIZE)
      if (!overlaps_reserved(a, a + bytes, resv, n)) {
        where = a;
        break;
      }
  if (!where)
    hv_panic("no room for the frame bitmap (%lu bytes)", (unsigned long)bytes);
  mm_init(&mm, lo, hi, (uint64_t *)(uintptr_t)where);
  for (int i = 0; i < plat.nmem; i++)
    mm_add_free(&mm, plat.mem[i].start, plat.mem[i].end);
  for (int i = 0; i < n; i++)
    mm_reserve(&mm, resv[i].start, resv[i].end);
  mm_reserve(&mm, where, where + bytes);
}

uint64_t frame_alloc(uint64_t size, uint64_t align) {
  spin_lock(&frame_lock);
  uint64_t a = mm_alloc(&mm, size, align);
  spin_unlock(&frame_lock);
  if (a)
    memset((void *)(uintptr_t)a, 0, size);
  return a;
}

void frame_free(uint64_t addr, uint64_t size) {
  spin_lock(&frame_lock);
  mm_free(&mm, addr, size);
  spin_unlock(&frame_lock);
}

uint64_t frame_free_bytes(void) {
  spin_lock(&frame_lock);
  uint64_t b = mm.free_frames << PAGE_SHIFT;
  spin_unlock(&frame_lock);
  return b;
}

void *frame_alloc_table(void *ctx) {
  (void)ctx;
  return (void *)(uintptr_t)frame_alloc(PAGE_SIZE, PAGE_SIZE);
}

void frame_free_table(void *ctx, void *table) {
  (void)ctx;
  frame_free((uint64_t)(uintptr_t)table, PAGE_SIZE);
}
