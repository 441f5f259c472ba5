#include "ramdisk.h"
#include <stddef.h>
#include <string.h>

/* The backend checks what it is asked again (the range, the direction): it
 * does not rely on the model for the safety of its own memory. */
static int ramdisk_submit(struct blk_backend *be, enum blk_op op, uint64_t sector,
                          const struct blk_seg *segs, unsigned n, blk_done_fn done, void *cookie) {
  struct ramdisk *rd = be->ctx;
  if (op == BLK_OP_FLUSH) {
    done(cookie, 0);
    return 0;
  }
  if (op == BLK_OP_DISCARD || op == BLK_OP_WRITE_ZEROES) {
    /* n is the sector count (blkdev.h); a discarded range reads as zeros */
    if (be->read_only || sector > be->capacity || n > be->capacity - sector)
      return -1;
    memset(rd->data + sector * BLK_SECTOR_SIZE, 0, (size_t)n * BLK_SECTOR_SIZE);
    done(cookie, 0);
    return 0;
  }
  if (op != BLK_OP_READ && op != BLK_OP_WRITE)
    return -1;
  if (op == BLK_OP_WRITE && be->read_only)
    return -1;
  uint64_t total = 0;
  for (unsigned i = 0; i < n; i++)
    total += segs[i].len;
  if (total % BLK_SECTOR_SIZE || sector > be->capacity ||
      total / BLK_SECTOR_SIZE > be->capacity - sector)
    return -1;
  uint8_t *p = rd->data + sector * BLK_SECTOR_SIZE;
  for (unsigned i = 0; i < n; i++) {
    if (op == BLK_OP_READ)
      memcpy(segs[i].buf, p, segs[i].len);
    else
      memcpy(p, segs[i].buf, segs[i].len);
    p += segs[i].len;
  }
  done(cookie, 0);
  return 0;
}

int ramdisk_init(struct ramdisk *rd, void *data, uint64_t bytes, bool read_only) {
  if (!data || bytes < BLK_SECTOR_SIZE)
    return -1;
  rd->data = data;
  rd->bytes = bytes / BLK_SECTOR_SIZE * BLK_SECTOR_SIZE;
  rd->be = (struct blk_backend){.capacity = bytes / BLK_SECTOR_SIZE,
                                .read_only = read_only,
                                .flush = true,
                                .discard = !read_only,
                                .write_zeroes = !read_only,
                                .submit = ramdisk_submit,
                                .ctx = rd};
  return 0;
}
