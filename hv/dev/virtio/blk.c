#include "blk.h"
#include <stddef.h>
#include <string.h>

static void put_le(uint8_t *p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* 5.2.4 Device configuration layout: capacity, size_max, seg_max,
 * geometry (0), blk_size, topology (0), writeback (0), num_queues (1). */
void blk_init(struct blk *b, struct blk_backend *be, const char *serial) {
  memset(b, 0, sizeof(*b));
  b->be = be;
  put_le(b->config + 0, be->capacity, 8);
  put_le(b->config + 8, BLK_SIZE_MAX, 4);
  put_le(b->config + 12, BLK_SEG_MAX, 4);
  put_le(b->config + 20, BLK_SECTOR_SIZE, 4);
  put_le(b->config + 34, 1, 2);
  /* 5.2.4: the discard and write-zeroes limits: one range per request, of
   * at most zero_max sectors, any alignment; zeroing never unmaps. */
  uint32_t zmax =
      be->zero_max && be->zero_max < BLK_ZERO_MAX_SECTORS ? be->zero_max : BLK_ZERO_MAX_SECTORS;
  if (be->discard) {
    put_le(b->config + 36, zmax, 4);
    put_le(b->config + 40, 1, 4);
    put_le(b->config + 44, 1, 4);
  }
  if (be->write_zeroes) {
    put_le(b->config + 48, zmax, 4);
    put_le(b->config + 52, 1, 4);
  }
  b->zero_max = zmax;
  for (unsigned i = 0; serial && i < VIRTIO_BLK_ID_BYTES && serial[i]; i++)
    b->serial[i] = serial[i];
  b->nfree = BLK_QUEUE_SIZE;
  for (unsigned i = 0; i < BLK_QUEUE_SIZE; i++)
    b->free_slot[i] = (uint16_t)i;
}

static uint64_t blk_features(void *dev) {
  struct blk *b = dev;
  return VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
         (b->be->flush ? VIRTIO_BLK_F_FLUSH : 0) | (b->be->read_only ? VIRTIO_BLK_F_RO : 0) |
         (b->be->discard ? VIRTIO_BLK_F_DISCARD : 0) |
         (b->be->write_zeroes ? VIRTIO_BLK_F_WRITE_ZEROES : 0);
}

static uint32_t blk_config_read(void *dev, uint32_t off, unsigned width) {
  struct blk *b = dev;
  uint32_t v = 0;
  for (unsigned i = 0; i < width; i++)
    v |= (uint32_t)b->config[off + i] << (8 * i);
  return v;
}

/* Nothing in it is writable: writeback needs VIRTIO_BLK_F_CONFIG_WCE. */
static void blk_config_write(void *dev, uint32_t off, unsigned width, uint32_t v) {
  (void)dev;
  (void)off;
  (void)width;
  (void)v;
}

static void blk_activate(void *dev, struct virtio_transport *t, uint64_t features) {
  struct blk *b = dev;
  b->t = t;
  b->features = features;
}

/* Forget the requests in flight: they keep their slots until the backend
 * returns them, and then complete into nothing. */
static void blk_reset(void *dev) {
  struct blk *b = dev;
  b->gen++;
  b->stalled = false;
}

/* Answer a request at once (an error, or one that needs no backend). */
static void blk_answer(struct blk *b, struct vq *q, uint16_t head, volatile uint8_t *status,
                       uint8_t value, uint32_t len) {
  *status = value;
  if (value == VIRTIO_BLK_S_OK)
    b->completed++;
  else
    b->failed++;
  if (vq_push(q, head, len) == VQ_OK)
    b->t->signal_used(b->t, 0);
}

static void blk_process(struct blk *b);

/* The backend finished a request: answer it, unless the device was reset
 * since it started; then free its slot and, if the queue waited for one,
 * go on with it (never from inside blk_process, so this is not re-entered). */
static void blk_done(void *cookie, int status) {
  struct blk_req *r = cookie;
  struct blk *b = r->b;
  if (r->gen == b->gen)
    blk_answer(b, &b->t->vq[0], r->head, r->status, status ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK,
               status ? 1 : r->used_len);
  else
    b->orphaned++;
  b->free_slot[b->nfree++] = (uint16_t)(r - b->req);
  if (b->stalled && !b->processing) {
    b->stalled = false;
    blk_process(b);
  }
}

/* Copy the first len readable bytes of c into out, once, byte by byte
 * (volatile: the guest may be rewriting them; only the copy is used). */
static void blk_copy_header(const struct vq_chain *c, uint8_t *out, unsigned len) {
  unsigned got = 0;
  for (unsigned i = 0; i < c->n && got < len; i++) {
    if (c->seg[i].writable)
      continue;
    const volatile uint8_t *p = c->seg[i].hva;
    for (uint32_t j = 0; j < c->seg[i].len && got < len; j++)
      out[got++] = p[j];
  }
}

/* Gather the data segments of c for the backend: the readable bytes after
 * the header (OUT) or the writable bytes before the status byte (IN,
 * GET_ID), skipping empty ones. Returns their number; *bytes their sum. */
static unsigned blk_data_segs(struct blk *b, const struct vq_chain *c, bool writable, unsigned skip,
                              unsigned last, uint64_t *bytes) {
  unsigned n = 0;
  *bytes = 0;
  for (unsigned i = 0; i < c->n; i++) {
    const struct vq_seg *s = &c->seg[i];
    if (s->writable != writable)
      continue;
    uint8_t *p = s->hva;
    uint32_t len = s->len;
    uint32_t drop = skip < len ? skip : len;
    p += drop;
    len -= drop;
    skip -= drop;
    if (i == last)
      len--; /* the status byte */
    if (!len)
      continue;
    b->segs[n++] = (struct blk_seg){p, len};
    *bytes += len;
  }
  return n;
}

/* 5.2.6 DISCARD and WRITE_ZEROES: exactly one range after the header
 * (more than max_*_seg, or a partial one: IOERR), no data for the device
 * to write but the status byte; unmap on a DISCARD, or any reserved flag:
 * UNSUPP (5.2.6.2); a range past the end, longer than offered, or on a
 * read-only disk: IOERR; an empty range: done. */
static void blk_zero_range(struct blk *b, struct vq *q, uint16_t head, volatile uint8_t *status,
                           uint32_t type, const uint8_t *range, uint64_t rlen, uint64_t wlen) {
  bool discard = type == VIRTIO_BLK_T_DISCARD;
  uint64_t feature = discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
  if (!(b->features & feature)) {
    blk_answer(b, q, head, status, VIRTIO_BLK_S_UNSUPP, 1);
    return;
  }
  if (rlen != VIRTIO_BLK_HDR_BYTES + VIRTIO_BLK_RANGE_BYTES || wlen != 1) {
    blk_answer(b, q, head, status, VIRTIO_BLK_S_IOERR, 1);
    return;
  }
  uint64_t sector = 0;
  uint32_t num = 0, flags = 0;
  for (unsigned i = 0; i < 8; i++)
    sector |= (uint64_t)range[i] << (8 * i);
  for (unsigned i = 0; i < 4; i++) {
    num |= (uint32_t)range[8 + i] << (8 * i);
    flags |= (uint32_t)range[12 + i] << (8 * i);
  }
  if (flags & ~VIRTIO_BLK_RANGE_UNMAP || (discard && (flags & VIRTIO_BLK_RANGE_UNMAP))) {
    blk_answer(b, q, head, status, VIRTIO_BLK_S_UNSUPP, 1);
    return;
  }
  if (b->be->read_only || num > b->zero_max || sector > b->be->capacity ||
      num > b->be->capacity - sector) {
    blk_answer(b, q, head, status, VIRTIO_BLK_S_IOERR, 1);
    return;
  }
  if (!num) {
    blk_answer(b, q, head, status, VIRTIO_BLK_S_OK, 1);
    return;
  }
  struct blk_req *r = &b->req[b->free_slot[--b->nfree]];
  r->b = b;
  r->gen = b->gen;
  r->head = head;
  r->status = status;
  r->used_len = 1;
  if (b->be->submit(b->be, discard ? BLK_OP_DISCARD : BLK_OP_WRITE_ZEROES, sector, NULL, num,
                    blk_done, r) < 0) {
    b->free_slot[b->nfree++] = (uint16_t)(r - b->req);
    blk_answer(b, q, head, status, VIRTIO_BLK_S_IOERR, 1);
  }
}

/* 5.2.6 Device Operation: one chain is a request: a 16-byte header the
 * device reads (type, reserved, sector), data, and a status byte the device
 * writes, the last byte of the chain. The spec fixes no framing (2.6.4), so
 * the header may span descriptors and share one with data. The checks:
 * - no writable last byte: nowhere to answer: the queue is broken;
 * - readable data after writable data, a short header, data in the wrong
 *   direction for the type, a length not a multiple of 512, sectors past the
 *   end, a write to a read-only disk, more segments or a larger one than
 *   offered: IOERR (5.2.6.1/5.2.6.2);
 * - an unknown type, or FLUSH without a flushing backend: UNSUPP. */
static void blk_handle(struct blk *b, struct vq *q, const struct vq_chain *c) {
  int last = c->n - 1;
  while (last >= 0 && !c->seg[last].len)
    last--;
  if (last < 0 || !c->seg[last].writable) {
    vq_break(q, VQ_ERR_DEVICE);
    b->t->signal_error(b->t);
    return;
  }
  volatile uint8_t *status = c->seg[last].hva + c->seg[last].len - 1;
  uint64_t rlen = 0, wlen = 0;
  bool misordered = false;
  for (unsigned i = 0; i < c->n; i++) {
    if (c->seg[i].writable) {
      wlen += c->seg[i].len;
      continue;
    }
    rlen += c->seg[i].len;
    if (wlen && c->seg[i].len)
      misordered = true; /* 2.7.4.2: readable buffers come first */
  }
  if (misordered || rlen < VIRTIO_BLK_HDR_BYTES) {
    blk_answer(b, q, c->head, status, VIRTIO_BLK_S_IOERR, 1);
    return;
  }
  /* The header, and the range after it for DISCARD / WRITE_ZEROES. */
  uint8_t hdr[VIRTIO_BLK_HDR_BYTES + VIRTIO_BLK_RANGE_BYTES];
  memset(hdr, 0, sizeof(hdr));
  blk_copy_header(c, hdr, rlen < sizeof(hdr) ? (unsigned)rlen : (unsigned)sizeof(hdr));
  uint32_t type =
      (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
  uint64_t sector = 0;
  for (unsigned i = 0; i < 8; i++)
    sector |= (uint64_t)hdr[8 + i] << (8 * i);

  enum blk_op op;
  uint64_t bytes = 0;
  unsigned n = 0;
  switch (type) {
  case VIRTIO_BLK_T_IN:
  case VIRTIO_BLK_T_GET_ID:
    if (rlen != VIRTIO_BLK_HDR_BYTES) {
      blk_answer(b, q, c->head, status, VIRTIO_BLK_S_IOERR, 1);
      return;
    }
    n = blk_data_segs(b, c, true, 0, (unsigned)last, &bytes);
    op = BLK_OP_READ;
    break;
  case VIRTIO_BLK_T_OUT:
    if (wlen != 1) {
      blk_answer(b, q, c->head, status, VIRTIO_BLK_S_IOERR, 1);
      return;
    }
    n = blk_data_segs(b, c, false, VIRTIO_BLK_HDR_BYTES, (unsigned)last, &bytes);
    op = BLK_OP_WRITE;
    break;
  case VIRTIO_BLK_T_FLUSH:
    if (!b->be->flush) {
      blk_answer(b, q, c->head, status, VIRTIO_BLK_S_UNSUPP, 1);
      return;
    }
    op = BLK_OP_FLUSH;
    if (rlen != VIRTIO_BLK_HDR_BYTES || wlen != 1) {
      blk_answer(b, q, c->head, status, VIRTIO_BLK_S_IOERR, 1);
      return;
    }
    break;
  case VIRTIO_BLK_T_DISCARD:
  case VIRTIO_BLK_T_WRITE_ZEROES:
    blk_zero_range(b, q, c->head, status, type, hdr + VIRTIO_BLK_HDR_BYTES, rlen, wlen);
    return;
  default: blk_answer(b, q, c->head, status, VIRTIO_BLK_S_UNSUPP, 1); return;
  }

  if (type == VIRTIO_BLK_T_GET_ID) {
    /* 5.2.6: up to 20 bytes of the serial, NUL-padded, no terminator when
     * it has 20 characters. */
    uint32_t written = 0;
    for (unsigned i = 0; i < n && written < VIRTIO_BLK_ID_BYTES; i++)
      for (uint32_t j = 0; j < b->segs[i].len && written < VIRTIO_BLK_ID_BYTES; j++)
        b->segs[i].buf[j] = (uint8_t)b->serial[written++];
    blk_answer(b, q, c->head, status, VIRTIO_BLK_S_OK, written + 1);
    return;
  }
  if (op != BLK_OP_FLUSH) {
    bool size_max = (b->features & VIRTIO_BLK_F_SIZE_MAX) != 0;
    bool too_big = false;
    for (unsigned i = 0; i < n; i++)
      too_big |= size_max && b->segs[i].len > BLK_SIZE_MAX;
    uint64_t nsec = bytes / BLK_SECTOR_SIZE;
    if (bytes % BLK_SECTOR_SIZE || too_big ||
        ((b->features & VIRTIO_BLK_F_SEG_MAX) && n > BLK_SEG_MAX) || sector > b->be->capacity ||
        nsec > b->be->capacity - sector || (op == BLK_OP_WRITE && b->be->read_only)) {
      blk_answer(b, q, c->head, status, VIRTIO_BLK_S_IOERR, 1);
      return;
    }
    if (!n) {
      blk_answer(b, q, c->head, status, VIRTIO_BLK_S_OK, 1);
      return;
    }
  }

  struct blk_req *r = &b->req[b->free_slot[--b->nfree]];
  r->b = b;
  r->gen = b->gen;
  r->head = c->head;
  r->status = status;
  r->used_len = op == BLK_OP_READ ? (uint32_t)bytes + 1 : 1;
  if (b->be->submit(b->be, op, op == BLK_OP_FLUSH ? 0 : sector, b->segs, n, blk_done, r) < 0) {
    b->free_slot[b->nfree++] = (uint16_t)(r - b->req);
    blk_answer(b, q, c->head, status, VIRTIO_BLK_S_IOERR, 1);
  }
}

/* Take every available request while a slot is free; with none free, wait
 * for a completion to restart (stalled). A broken ring needs a reset. */
static void blk_process(struct blk *b) {
  struct vq *q = &b->t->vq[0];
  b->processing = true;
  for (;;) {
    if (!b->nfree || q->inflight >= q->size ||
        (b->be->depth && BLK_QUEUE_SIZE - b->nfree >= b->be->depth)) {
      b->stalled = true;
      break;
    }
    int r = vq_pop(q, &b->chain);
    if (r < 0)
      b->t->signal_error(b->t);
    if (r <= 0)
      break;
    blk_handle(b, q, &b->chain);
    if (q->broken)
      break;
  }
  b->processing = false;
}

static void blk_queue_notify(void *dev, unsigned qi) {
  struct blk *b = dev;
  if (qi == 0 && b->t)
    blk_process(b);
}

const struct virtio_dev_ops blk_virtio_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .queue_num_max = BLK_QUEUE_SIZE,
    .config_len = BLK_CONFIG_LEN,
    .features = blk_features,
    .config_read = blk_config_read,
    .config_write = blk_config_write,
    .activate = blk_activate,
    .queue_notify = blk_queue_notify,
    .reset = blk_reset,
};
