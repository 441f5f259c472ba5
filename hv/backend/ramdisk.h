/* A block backend over a block of host memory (an image embedded in the
 * configuration, or a test's buffer): writable unless told otherwise, gone
 * at power off. Completes every request synchronously, inside submit. */
#ifndef RV_BACKEND_RAMDISK_H
#define RV_BACKEND_RAMDISK_H
#include "blkdev.h"

struct ramdisk {
  struct blk_backend be;
  uint8_t *data;
  uint64_t bytes; /* capacity * 512; a partial last sector is not used */
};

/* 0, or -1 if the image is smaller than one sector. */
int ramdisk_init(struct ramdisk *rd, void *data, uint64_t bytes, bool read_only);

#endif
