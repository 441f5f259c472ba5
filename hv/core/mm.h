/* Physical frame allocator: one bit per 4 KiB frame over the span of host
 * RAM, set when the frame is used or not RAM. Pure bookkeeping (it never
 * touches the frames), so it is unit-tested on the host. Not locked: the
 * callers in hv/core/frame.c hold frame_lock. */
#ifndef RV_MM_H
#define RV_MM_H
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

struct mm {
  uint64_t base;    /* address of the first frame covered */
  uint64_t nframes; /* frames covered */
  uint64_t *bitmap; /* nframes bits, 1 = not available */
  uint64_t free_frames;
};

size_t mm_bitmap_bytes(uint64_t base, uint64_t end);
void mm_init(struct mm *mm, uint64_t base, uint64_t end, uint64_t *bitmap);
/* Mark [start, end) free (shrunk to whole frames) or used (grown to frames). */
void mm_add_free(struct mm *mm, uint64_t start, uint64_t end);
void mm_reserve(struct mm *mm, uint64_t start, uint64_t end);
/* First fit of size bytes aligned to align (a power of two, >= 4 KiB);
 * returns the address, or 0 when nothing fits. */
uint64_t mm_alloc(struct mm *mm, uint64_t size, uint64_t align);
void mm_free(struct mm *mm, uint64_t addr, uint64_t size);
int mm_is_free(const struct mm *mm, uint64_t addr);

#endif
