/* libFuzzer target: the device side of virtio (hv/dev/virtio/vq.c, mmio.c,
 * blk.c over hv/backend/ramdisk.c), which parses what a guest controls: its
 * register writes and its RAM (rings, descriptors, indirect tables, request
 * headers). The input is a script of guest actions (register accesses,
 * bytes written anywhere in guest RAM, descriptors, avail entries,
 * notifies), backend completions (synchronous or held and completed in any
 * order), resets, and direct pops of a second queue over the same RAM.
 * Guest RAM is an exact-size heap block, so any access outside it is an
 * ASan report; after every step the transport's and the model's
 * invariants must hold, and every popped segment must lie inside RAM. */
#include "fuzz_input.h"
#include "hv/backend/ramdisk.h"
#include "hv/dev/virtio/blk.h"
#include "hv/dev/virtio/mmio.h"
#include <stdlib.h>
#include <string.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x4000u
#define DISK_SECTORS 16u

/* Held requests of the asynchronous backend. */
struct held {
  enum blk_op op;
  uint64_t sector;
  struct blk_seg segs[BLK_QUEUE_SIZE];
  unsigned n;
  blk_done_fn done;
  void *cookie;
};
static struct held held[BLK_QUEUE_SIZE];
static unsigned nheld;
static struct ramdisk rd;
static bool async_mode;

static int fuzz_submit(struct blk_backend *be, enum blk_op op, uint64_t sector,
                       const struct blk_seg *segs, unsigned n, blk_done_fn done, void *cookie) {
  (void)be;
  if (!async_mode)
    return rd.be.submit(&rd.be, op, sector, segs, n, done, cookie);
  if (nheld == BLK_QUEUE_SIZE)
    abort(); /* the model never has more than a queue's worth in flight */
  struct held *h = &held[nheld++];
  h->op = op;
  h->sector = sector;
  h->n = n;
  memcpy(h->segs, segs, n * sizeof(*segs));
  h->done = done;
  h->cookie = cookie;
  return 0;
}

static void held_done(void *cookie, int status) {
  struct held *h = cookie;
  h->done(h->cookie, status);
}

static void complete_held(unsigned i, bool fail) {
  static struct held h;
  h = held[i];
  held[i] = held[--nheld];
  if (fail || rd.be.submit(&rd.be, h.op, h.sector, h.segs, h.n, held_done, &h) < 0)
    h.done(h.cookie, -5);
}

static bool line;
static void irq_set(void *ctx, bool level) {
  (void)ctx;
  if (level == line)
    abort(); /* called only on a change */
  line = level;
}

static void check_segs(const struct vq_chain *c, const uint8_t *ram, uint16_t size) {
  if (c->n > size)
    abort();
  for (unsigned i = 0; i < c->n; i++) {
    const struct vq_seg *s = &c->seg[i];
    if (s->hva < ram || s->hva > ram + RAM_SIZE || s->len > (size_t)(ram + RAM_SIZE - s->hva))
      abort();
  }
}

/* An honest start, so that the fuzzer reaches the rings at once: queue 0
 * of the given size with its areas at fixed places. */
static void honest_start(struct virtio_mmio *m, uint32_t size, uint32_t features_lo) {
  virtio_mmio_write(m, VIRTIO_MMIO_STATUS, 4, 0);
  virtio_mmio_write(m, VIRTIO_MMIO_STATUS, 4, 1);
  virtio_mmio_write(m, VIRTIO_MMIO_STATUS, 4, 3);
  virtio_mmio_write(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
  virtio_mmio_write(m, VIRTIO_MMIO_DRIVER_FEATURES, 4, features_lo);
  virtio_mmio_write(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
  virtio_mmio_write(m, VIRTIO_MMIO_DRIVER_FEATURES, 4, 1);
  virtio_mmio_write(m, VIRTIO_MMIO_STATUS, 4, 11);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_SEL, 4, 0);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_NUM, 4, size);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, (uint32_t)RAM_BASE);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 4, (uint32_t)RAM_BASE + 0x1000);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 4, 0);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 4, (uint32_t)RAM_BASE + 0x1400);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 4, 0);
  virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_READY, 4, 1);
  virtio_mmio_write(m, VIRTIO_MMIO_STATUS, 4, 15);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size};
  static struct virtio_mmio m;
  static struct blk b;
  static struct blk_backend be;
  static struct vq side;
  static struct vq_chain chain;
  static uint8_t disk[DISK_SECTORS * BLK_SECTOR_SIZE];
  uint8_t *ram = malloc(RAM_SIZE);
  memset(ram, 0, RAM_SIZE);
  struct vq_mem mem = {RAM_BASE, RAM_SIZE, ram};

  uint32_t mode = (uint32_t)take(&in, 1);
  async_mode = mode & 1;
  nheld = 0;
  line = false;
  ramdisk_init(&rd, disk, sizeof(disk), mode & 2);
  be = rd.be;
  be.submit = fuzz_submit;
  be.flush = mode & 4;
  blk_init(&b, &be, "fuzz");
  if (virtio_mmio_init(&m, &blk_virtio_ops, &b, &mem, irq_set, NULL))
    abort();
  side.broken = true;
  uint16_t avail_idx = 0;

  while (in.n) {
    uint32_t op = (uint32_t)take(&in, 1);
    switch (op & 15) { /* the action; the high nibble is its parameter */
    case 0: {          /* guest: bytes anywhere in its RAM */
      uint32_t off = (uint32_t)take(&in, 2) % RAM_SIZE;
      uint32_t n = 1 + (op >> 4);
      for (uint32_t i = 0; i < n && in.n; i++)
        ram[(off + i) % RAM_SIZE] = (uint8_t)take(&in, 1);
      break;
    }
    case 1: { /* guest: a register or config write of any width */
      uint32_t off = (uint32_t)take(&in, 2) % 0x180;
      unsigned width = 1u << ((op >> 4) % 4);
      virtio_mmio_write(&m, off, width, (uint32_t)take(&in, 4));
      break;
    }
    case 2: { /* guest: a read */
      uint32_t off = (uint32_t)take(&in, 2) % 0x180, v;
      unsigned width = 1u << ((op >> 4) % 4);
      if (virtio_mmio_read(&m, off, width, &v) && v)
        abort();
      break;
    }
    case 3: virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, op >> 7); break;
    case 4: /* backend: finish a held request, maybe with an error */
      if (nheld)
        complete_held((uint32_t)take(&in, 1) % nheld, op & 0x10);
      break;
    case 5:
      honest_start(&m, 1u << ((op >> 4) % 9), (uint32_t)take(&in, 4));
      avail_idx = 0;
      break;
    case 6: { /* guest: a descriptor of the honest queue's table */
      uint32_t i = (uint32_t)take(&in, 1);
      uint8_t *d = ram + 16 * (i % 256);
      uint64_t addr = (op & 0x10) ? take(&in, 8) : RAM_BASE + take(&in, 2) % RAM_SIZE;
      uint32_t len = (op & 0x20) ? (uint32_t)take(&in, 4) : (uint32_t)take(&in, 2);
      uint16_t flags = (uint16_t)take(&in, 1), next = (uint16_t)take(&in, 1);
      memcpy(d, &addr, 8);
      memcpy(d + 8, &len, 4);
      memcpy(d + 12, &flags, 2);
      memcpy(d + 14, &next, 2);
      break;
    }
    case 7: { /* guest: publish a head on the honest queue and notify */
      uint16_t head = (uint16_t)take(&in, 1);
      uint32_t qsz = m.queue[0].num && m.queue[0].num <= 256 ? m.queue[0].num : 1;
      memcpy(ram + 0x1000 + 4 + 2 * (avail_idx % qsz), &head, 2);
      avail_idx++;
      memcpy(ram + 0x1002, &avail_idx, 2);
      if (op & 0x10)
        virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0);
      break;
    }
    case 8: { /* a second queue over the same RAM, popped directly */
      if (side.broken || (op & 0x80)) {
        uint32_t cfg = (uint32_t)take(&in, 1);
        vq_init(&side, &mem, 1u << (cfg % 9), RAM_BASE + (take(&in, 2) % RAM_SIZE & ~15u),
                RAM_BASE + (take(&in, 2) % RAM_SIZE & ~1u),
                RAM_BASE + (take(&in, 2) % RAM_SIZE & ~3u), cfg & 0x10, cfg & 0x20);
        break;
      }
      int r = vq_pop(&side, &chain);
      if (r == 1) {
        check_segs(&chain, ram, side.size);
        if (vq_push(&side, chain.head, (uint32_t)take(&in, 2)) != VQ_OK)
          abort();
        vq_need_interrupt(&side);
      } else if (r < 0 && !side.broken) {
        abort();
      }
      break;
    }
    case 9: virtio_mmio_reset(&m); break;
    default: virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0); break;
    }
    /* Invariants: the line follows InterruptStatus; the model's slots are
     * accounted for; a device that needs a reset processes nothing. */
    if (m.irq_level != (m.interrupt_status != 0) || line != m.irq_level)
      abort();
    if (b.nfree > BLK_QUEUE_SIZE || (async_mode && b.nfree + nheld != BLK_QUEUE_SIZE) ||
        (!async_mode && b.nfree != BLK_QUEUE_SIZE))
      abort();
    if (m.queue[0].ready && m.vq[0].inflight > m.vq[0].size)
      abort();
  }
  while (nheld)
    complete_held(nheld - 1, false);
  if (b.nfree != BLK_QUEUE_SIZE)
    abort();
  free(ram);
  return 0;
}
