/* What a block device model is backed by: a host disk, a RAM image. The
 * model hands the backend requests whose data segments point straight into
 * guest RAM (already checked against it: zero copy); the backend completes
 * each one exactly once by calling done, synchronously from inside submit
 * or later (a host disk's interrupt), under the model's lock either way.
 * A backend never knows which model uses it. */
#ifndef RV_BACKEND_BLKDEV_H
#define RV_BACKEND_BLKDEV_H
#include <stdbool.h>
#include <stdint.h>

#define BLK_SECTOR_SIZE 512u

/* DISCARD and WRITE_ZEROES name a range, not buffers: their submit gets
 * segs NULL and n the number of sectors from `sector`. A discarded range
 * reads back as zeros from the backends here (the spec allows anything). */
enum blk_op { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH, BLK_OP_DISCARD, BLK_OP_WRITE_ZEROES };
/* Sectors of one DISCARD or WRITE_ZEROES at most, unless the backend says fewer. */
#define BLK_ZERO_MAX_SECTORS 0x3fffffu

/* One data buffer: host memory (guest RAM), len bytes. */
struct blk_seg {
  uint8_t *buf;
  uint32_t len;
};

/* status: 0, or negative for an I/O error. */
typedef void (*blk_done_fn)(void *cookie, int status);

struct blk_backend {
  uint64_t capacity; /* in 512-byte sectors */
  bool read_only;
  bool flush; /* has a write cache that BLK_OP_FLUSH empties (FLUSH is offered) */
  /* Start op on sectors [sector, sector + total/512) with n segments (the
   * array is valid during the call only; the buffers until done). 0: done
   * will be called; negative: refused, done will not be called. */
  int (*submit)(struct blk_backend *be, enum blk_op op, uint64_t sector, const struct blk_seg *segs,
                unsigned n, blk_done_fn done, void *cookie);
  void *ctx;
  /* Requests it takes in flight at once (its share of a host queue), 0: no
   * limit; the model holds the rest in the guest's ring until one ends. */
  unsigned depth;
  bool discard, write_zeroes; /* takes BLK_OP_DISCARD / BLK_OP_WRITE_ZEROES */
  uint32_t zero_max;          /* sectors per such request at most; 0: BLK_ZERO_MAX_SECTORS */
};

#endif
