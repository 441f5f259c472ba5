#include "mm.h"
#include <string.h>

#define BITS 64

static void set_bit(struct mm *mm, uint64_t f) { mm->bitmap[f / BITS] |= 1ULL << (f % BITS); }
static void clr_bit(struct mm *mm, uint64_t f) { mm->bitmap[f / BITS] &= ~(1ULL << (f % BITS)); }
static int test_bit(const struct mm *mm, uint64_t f) {
  return (int)((mm->bitmap[f / BITS] >> (f % BITS)) & 1);
}

size_t mm_bitmap_bytes(uint64_t base, uint64_t end) {
  uint64_t frames = (end - (base & ~(PAGE_SIZE - 1))) >> PAGE_SHIFT; /* as mm_init */
  return (size_t)((frames + BITS - 1) / BITS * 8);
}

void mm_init(struct mm *mm, uint64_t base, uint64_t end, uint64_t *bitmap) {
  mm->base = base & ~(PAGE_SIZE - 1);
  mm->nframes = (end - mm->base) >> PAGE_SHIFT;
  mm->bitmap = bitmap;
  mm->free_frames = 0;
  memset(bitmap, 0xff, mm_bitmap_bytes(mm->base, mm->base + (mm->nframes << PAGE_SHIFT)));
}

/* Clamp [start, end) to the covered span; returns frame numbers [*f0, *f1). */
static void clamp(const struct mm *mm, uint64_t start, uint64_t end, uint64_t *f0, uint64_t *f1) {
  uint64_t lim = mm->base + (mm->nframes << PAGE_SHIFT);
  start = start < mm->base ? mm->base : start;
  end = end > lim ? lim : end;
  if (end <= start) {
    *f0 = *f1 = 0;
    return;
  }
  *f0 = (start - mm->base) >> PAGE_SHIFT;
  *f1 = (end - mm->base) >> PAGE_SHIFT;
}

void mm_add_free(struct mm *mm, uint64_t start, uint64_t end) {
  uint64_t f0, f1;
  if (end <= start || end - start < PAGE_SIZE)
    return;
  start = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  end &= ~(PAGE_SIZE - 1);
  clamp(mm, start, end, &f0, &f1);
  for (uint64_t f = f0; f < f1; f++)
    if (test_bit(mm, f)) {
      clr_bit(mm, f);
      mm->free_frames++;
    }
}

void mm_reserve(struct mm *mm, uint64_t start, uint64_t end) {
  uint64_t f0, f1;
  if (end <= start)
    return;
  start &= ~(PAGE_SIZE - 1);
  end = end > UINT64_MAX - PAGE_SIZE ? UINT64_MAX & ~(PAGE_SIZE - 1)
                                     : (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  clamp(mm, start, end, &f0, &f1);
  for (uint64_t f = f0; f < f1; f++)
    if (!test_bit(mm, f)) {
      set_bit(mm, f);
      mm->free_frames--;
    }
}

uint64_t mm_alloc(struct mm *mm, uint64_t size, uint64_t align) {
  if (size == 0 || align < PAGE_SIZE || (align & (align - 1)))
    return 0;
  uint64_t need = (size >> PAGE_SHIFT) + ((size & (PAGE_SIZE - 1)) != 0); /* no wrap */
  if (need > mm->free_frames)
    return 0;
  /* Candidates are absolute frame numbers that are multiples of step. */
  uint64_t step = align >> PAGE_SHIFT, first = mm->base >> PAGE_SHIFT;
  uint64_t af = (first + step - 1) / step * step;
  while (af - first + need <= mm->nframes) {
    uint64_t f = af - first, run = 0;
    while (run < need && !test_bit(mm, f + run))
      run++;
    if (run == need) {
      for (uint64_t i = 0; i < need; i++)
        set_bit(mm, f + i);
      mm->free_frames -= need;
      return mm->base + (f << PAGE_SHIFT);
    }
    /* Skip past the used frame, to the next aligned candidate. */
    uint64_t next = af + run + 1;
    af = (next + step - 1) / step * step;
  }
  return 0;
}

void mm_free(struct mm *mm, uint64_t addr, uint64_t size) {
  mm_add_free(mm, addr, addr + ((size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)));
}

int mm_is_free(const struct mm *mm, uint64_t addr) {
  if (addr < mm->base || ((addr - mm->base) >> PAGE_SHIFT) >= mm->nframes)
    return 0;
  return !test_bit(mm, (addr - mm->base) >> PAGE_SHIFT);
}
