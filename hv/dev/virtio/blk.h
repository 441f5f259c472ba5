/* The virtio-blk device model (virtio 1.2, section 5.2) over a block
 * backend (hv/backend/blkdev.h): IN, OUT, FLUSH and GET_ID on one queue,
 * zero copy (the backend gets segments in guest RAM), many requests in
 * flight (a pool of one slot per queue entry), the status byte written by
 * the model when the backend completes. A request the spec says to fail
 * gets IOERR or UNSUPP; a chain with no status byte to answer in breaks the
 * queue (DEVICE_NEEDS_RESET). After a reset no request of the old instance
 * completes: each carries the generation it was started in.
 *
 * Behind a transport through blk_virtio_ops. Not locked: the transport's
 * caller holds the device's lock, completions included. */
#ifndef RV_VIRTIO_BLK_H
#define RV_VIRTIO_BLK_H
#include "../../backend/blkdev.h"
#include "virtio.h"
#include <stdbool.h>
#include <stdint.h>

/* 5.2.3 Feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_F_DISCARD (1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ull << 14)

/* 5.2.6 (request types and status values: lib/virtio_spec.h). */
#define VIRTIO_BLK_ID_BYTES 20u
#define VIRTIO_BLK_HDR_BYTES 16u
/* 5.2.6: struct virtio_blk_discard_write_zeroes {le64 sector; le32
 * num_sectors; le32 flags}; flags bit 0 is unmap. One per request here
 * (max_discard_seg = max_write_zeroes_seg = 1). */
#define VIRTIO_BLK_RANGE_BYTES 16u
#define VIRTIO_BLK_RANGE_UNMAP 1u

#define BLK_QUEUE_SIZE VQ_MAX_SIZE
/* What the configuration space offers (5.2.4): the header and status byte
 * take two descriptors of a chain; one segment is at most 1 MiB. */
#define BLK_SEG_MAX (BLK_QUEUE_SIZE - 2)
#define BLK_SIZE_MAX (1u << 20)
#define BLK_CONFIG_LEN 60u

struct blk;

/* One request in flight. */
struct blk_req {
  struct blk *b;
  uint32_t gen;             /* the device instance it belongs to */
  uint16_t head;            /* its chain, for the used ring */
  uint32_t used_len;        /* bytes written into the chain on success */
  volatile uint8_t *status; /* the status byte, in guest RAM */
};

struct blk {
  struct blk_backend *be;
  struct virtio_transport *t; /* set at DRIVER_OK */
  uint64_t features;
  uint32_t zero_max; /* sectors per DISCARD / WRITE_ZEROES, as offered */
  uint32_t gen;      /* moves at every reset */
  bool processing;   /* inside blk_process: completions do not restart it */
  bool stalled;      /* stopped popping because every slot was in flight */
  uint8_t config[BLK_CONFIG_LEN];
  char serial[VIRTIO_BLK_ID_BYTES];
  uint16_t nfree;
  uint16_t free_slot[BLK_QUEUE_SIZE];
  struct blk_req req[BLK_QUEUE_SIZE];
  struct vq_chain chain;                /* scratch: the chain being parsed */
  struct blk_seg segs[BLK_QUEUE_SIZE];  /* scratch: its data, for submit */
  uint64_t completed, failed, orphaned; /* statistics */
};

extern const struct virtio_dev_ops blk_virtio_ops;

/* Set b up over be; serial (up to 20 bytes, may be NULL) answers GET_ID. */
void blk_init(struct blk *b, struct blk_backend *be, const char *serial);

#endif
