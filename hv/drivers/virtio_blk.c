/* virtio-blk over virtio-mmio, driven by the hypervisor itself (virtio 1.1,
 * 4.2 and 5.2). Polled mode: the device is asked not to interrupt and the
 * used ring is read until the request completes or the deadline passes.
 * Asynchronous mode: requests go out as indirect descriptors and come back
 * by the device's interrupt (the caller calls vblk_reap). */
#include "virtio_blk.h"
#include "../arch/riscv/csr.h"
#include "../lib/fdt.h"
#include "../lib/printf.h"
#include "../lib/virtio_spec.h"
#include "virtio_mmio.h"
#include <string.h>

#define VMMIO_MIN_SIZE 0x200 /* registers and the block config this driver reads */

/* Polled: a small queue is enough, one request (three descriptors) at a
 * time. Asynchronous: as large as the device allows, up to VIRTQ_MAX_SIZE. */
#define VBLK_QUEUE_SIZE 8u
/* 5.2.3 feature bits the asynchronous mode takes when offered. */
#define VBLK_F_RO (1u << 5)
#define VBLK_F_FLUSH (1u << 9)
#define VBLK_F_INDIRECT (1u << 28)
#define VBLK_F_DISCARD (1u << 13)
#define VBLK_F_WRITE_ZEROES (1u << 14)
/* Asynchronous: per slot, an indirect table (header, data, status) and the
 * header and status byte themselves. */
#define VBLK_TABLE_BYTES ((VBLK_MAX_SEGS + 2u) * 16u)
#define VBLK_HDR_SLOT 48u /* header at 0, a discard/zeroes range at 16, status at 32 */
#define VBLK_STATUS_OFF 32u
#define VBLK_PAGE 4096u
/* The request frame: header at 0, status byte at 16, data from one page on. */
#define VBLK_REQ_STATUS_OFF 16u
#define VBLK_REQ_DATA_OFF VBLK_PAGE
#define VBLK_REQ_FRAME_BYTES (VBLK_PAGE + VBLK_MAX_REQ_BYTES)

struct virtio_blk_req_hdr {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

static uint64_t vblk_ticks(const struct vblk *d, uint64_t ms) {
  uint64_t tb = d->host->timebase ? d->host->timebase : 10000000u; /* QEMU virt's timebase */
  return tb * ms / 1000u;
}

/* 4.2.3.1 / 2.4: a device reset, done within VBLK_TIMEOUT_MS. */
static bool vblk_reset_device(const struct vblk *d, uint64_t base, uint32_t version) {
  return vmmio_reset(base, version, vblk_ticks(d, VBLK_TIMEOUT_MS));
}

static void vblk_free_memory(struct vblk *d) {
  if (d->queue_mem)
    d->host->free(d->queue_mem, d->queue_bytes);
  if (d->req_mem)
    d->host->free(d->req_mem, VBLK_REQ_FRAME_BYTES);
  if (d->tables_mem)
    d->host->free(d->tables_mem, (uint64_t)d->nslots * VBLK_TABLE_BYTES);
  if (d->hdrs_mem)
    d->host->free(d->hdrs_mem, (uint64_t)d->nslots * VBLK_HDR_SLOT);
  d->queue_mem = d->req_mem = d->tables_mem = d->hdrs_mem = 0;
}

/* Initialisation failed: reset the device so that it forgets any queue
 * address, tell it the driver gave up (2.1: FAILED) and give the memory
 * back, unless the device would not reset (then the memory stays its). */
static int vblk_fail_init(struct vblk *d) {
  bool reset = vblk_reset_device(d, d->base, d->version);
  vmmio_write32(d->base, VMMIO_STATUS, VIRTIO_STATUS_FAILED);
  if (reset)
    vblk_free_memory(d);
  d->broken = true;
  return -1;
}

/* 3.1.1 Driver Requirements: Device Initialization, steps 1-6 (vmmio_begin):
 * accepts the features of want the device offers (and VERSION_1 on a
 * modern device); the asynchronous mode needs INDIRECT_DESC. */
static int vblk_negotiate_features(struct vblk *d, uint32_t want, char *err, size_t errlen) {
  uint32_t lo;
  if (vmmio_begin(d->base, d->version, want, &lo, vblk_ticks(d, VBLK_TIMEOUT_MS), err, errlen))
    return -1;
  d->read_only = (lo & VBLK_F_RO) != 0;
  d->flush = (lo & VBLK_F_FLUSH) != 0;
  d->discard = (lo & VBLK_F_DISCARD) != 0;
  d->write_zeroes = (lo & VBLK_F_WRITE_ZEROES) != 0;
  if ((want & VBLK_F_INDIRECT) && !(lo & VBLK_F_INDIRECT)) {
    rv_snprintf(err, errlen, "virtio-blk at 0x%lx: no VIRTIO_F_INDIRECT_DESC",
                (unsigned long)d->base);
    return -1;
  }
  return 0;
}

/* 4.2.3.2 Virtqueue Configuration for queue 0, the block device's only
 * request queue, as large as want_size and the device allow. */
static int vblk_setup_queue(struct vblk *d, uint32_t want_size, char *err, size_t errlen) {
  uint64_t b = d->base;
  int max = vmmio_queue_max(b, 0);
  uint32_t qsz = want_size;
  while (qsz > 4 && (int)qsz > max)
    qsz >>= 1;
  if (max < 4) { /* one request needs three descriptors */
    rv_snprintf(err, errlen, "virtio-blk at 0x%lx: queue too small (QueueNumMax %d)",
                (unsigned long)b, max);
    return -1;
  }
  d->queue_bytes = vmmio_queue_bytes(d->version, qsz);
  d->queue_mem = d->queue_bytes ? d->host->alloc(d->queue_bytes, VBLK_PAGE) : 0;
  if (d->async) {
    d->nslots = qsz;
    d->tables_mem = d->host->alloc((uint64_t)qsz * VBLK_TABLE_BYTES, VBLK_PAGE);
    d->hdrs_mem = d->host->alloc((uint64_t)qsz * VBLK_HDR_SLOT, VBLK_PAGE);
  } else {
    d->req_mem = d->host->alloc(VBLK_REQ_FRAME_BYTES, VBLK_PAGE);
  }
  if (!d->queue_mem || (d->async ? !d->tables_mem || !d->hdrs_mem : !d->req_mem)) {
    rv_snprintf(err, errlen, "virtio-blk at 0x%lx: out of memory for the queue", (unsigned long)b);
    return -1;
  }
  if (vmmio_setup_queue(b, d->version, 0, qsz, d->queue_mem, &d->vq, err, errlen))
    return -1;
  if (!d->async)
    virtq_disable_interrupts(&d->vq);
  return 0;
}

/* 5.2.4 capacity (u64, 512-byte sectors) read as two 32-bit halves (4.2.2:
 * 64-bit fields take two aligned 32-bit accesses), repeated until
 * ConfigGeneration (modern, 2.4.1) or the value itself (legacy) is stable. */
static int vblk_read_capacity(struct vblk *d, char *err, size_t errlen) {
  uint64_t b = d->base;
  for (int tries = 0; tries < 16; tries++) {
    uint32_t g0 = d->version == 2 ? vmmio_read32(b, VMMIO_CONFIG_GENERATION) : 0;
    uint32_t lo = vmmio_read32(b, VMMIO_CONFIG), hi = vmmio_read32(b, VMMIO_CONFIG + 4);
    uint32_t g1 = d->version == 2 ? vmmio_read32(b, VMMIO_CONFIG_GENERATION) : 0;
    bool stable = d->version == 2 ? g0 == g1
                                  : lo == vmmio_read32(b, VMMIO_CONFIG) &&
                                        hi == vmmio_read32(b, VMMIO_CONFIG + 4);
    if (!stable)
      continue;
    uint64_t cap = (uint64_t)hi << 32 | lo;
    if (cap > UINT64_MAX / VBLK_SECTOR_SIZE) {
      rv_snprintf(err, errlen, "virtio-blk at 0x%lx: implausible capacity %lu sectors",
                  (unsigned long)b, (unsigned long)cap);
      return -1;
    }
    d->capacity = cap;
    /* 5.2.4 max_discard_sectors (36), max_write_zeroes_sectors (48): the
     * smaller bounds both (one limit for the ports); 0 turns one off. */
    uint32_t dmax = d->discard ? vmmio_read32(b, VMMIO_CONFIG + 36) : 0;
    uint32_t zmax = d->write_zeroes ? vmmio_read32(b, VMMIO_CONFIG + 48) : 0;
    d->discard = dmax != 0;
    d->write_zeroes = zmax != 0;
    d->zero_max = !dmax ? zmax : !zmax ? dmax : dmax < zmax ? dmax : zmax;
    return 0;
  }
  rv_snprintf(err, errlen, "virtio-blk at 0x%lx: configuration space never stable",
              (unsigned long)b);
  return -1;
}

/* 3.1.1 Device Initialization on one slot that holds a block device. */
static int vblk_init_device(struct vblk *d, uint64_t base, uint32_t version, bool async, char *err,
                            size_t errlen) {
  const struct vblk_host *host = d->host;
  uint64_t resets = d->resets;
  memset(d, 0, sizeof(*d));
  d->host = host;
  d->base = base;
  d->version = version;
  d->async = async;
  d->resets = resets;
  uint32_t want =
      async ? VBLK_F_RO | VBLK_F_FLUSH | VBLK_F_INDIRECT | VBLK_F_DISCARD | VBLK_F_WRITE_ZEROES : 0;
  if (vblk_negotiate_features(d, want, err, errlen) ||
      vblk_setup_queue(d, async ? VIRTQ_MAX_SIZE : VBLK_QUEUE_SIZE, err, errlen) ||
      vblk_read_capacity(d, err, errlen))
    return vblk_fail_init(d);
  if (vmmio_driver_ok(base, err, errlen))
    return vblk_fail_init(d);
  return 0;
}

/* QEMU virt (hw/riscv/virt.c) creates the virtio-mmio transports so that
 * virtio-mmio-bus.0 is the slot at the lowest address (0x10001000), but
 * writes their FDT nodes in descending address order (each new node is
 * inserted before its siblings). So the "first disk" is the block device
 * in the lowest-addressed slot, whatever the node order. */
int vblk_probe_first(const void *fdt, const struct vblk_host *host, struct vblk *d, char *err,
                     size_t errlen) {
  d->host = host;
  struct dt dt;
  int r = dt_open(&dt, fdt, 1U << 24);
  if (r != DT_OK) {
    rv_snprintf(err, errlen, "virtio-blk probe: FDT: %s", dt_strerror(r));
    return -1;
  }
  uint64_t best = 0;
  uint32_t best_version = 0;
  bool found = false;
  for (int n = dt_find_compatible(&dt, -1, "virtio,mmio"); n >= 0;
       n = dt_find_compatible(&dt, n, "virtio,mmio")) {
    const char *status = dt_prop_str(&dt, n, "status");
    uint64_t addr, size;
    if ((status && strcmp(status, "okay") && strcmp(status, "ok")) ||
        dt_reg(&dt, n, 0, &addr, &size) != DT_OK || size < VMMIO_MIN_SIZE || addr % 4)
      continue;
    if (vmmio_read32(addr, VMMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
      continue;
    uint32_t version = vmmio_read32(addr, VMMIO_VERSION);
    if (vmmio_read32(addr, VMMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
      continue;
    if (version != 1 && version != 2) {
      d->host->log("virtio-blk: slot 0x%lx: unsupported virtio-mmio version %u, ignored",
                   (unsigned long)addr, version);
      continue;
    }
    if (!found || addr < best) {
      best = addr;
      best_version = version;
      found = true;
    }
  }
  if (!found)
    return 1;
  if (vblk_init_device(d, best, best_version, false, err, errlen))
    return -1;
  d->host->log("virtio-blk: slot 0x%lx, virtio-mmio version %u (%s), capacity %lu sectors "
               "(%lu KiB), queue size %u",
               (unsigned long)best, best_version, best_version == 1 ? "legacy" : "modern",
               (unsigned long)d->capacity, (unsigned long)(d->capacity / 2), d->vq.size);
  return 0;
}

int vblk_init_at(struct vblk *d, const struct vblk_host *host, uint64_t base, uint32_t version,
                 char *err, size_t errlen) {
  d->host = host;
  return vblk_init_device(d, base, version, false, err, errlen);
}

/* Insert s into out[0..n) keeping it sorted by base. */
static void vmmio_insert(struct vmmio_slot *out, unsigned n, const struct vmmio_slot *s) {
  unsigned i = n;
  while (i > 0 && out[i - 1].base > s->base) {
    out[i] = out[i - 1];
    i--;
  }
  out[i] = *s;
}

unsigned vmmio_list_slots(const void *fdt, struct vmmio_slot *out, unsigned max) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1U << 24) != DT_OK)
    return 0;
  unsigned n = 0;
  for (int nd = dt_find_compatible(&dt, -1, "virtio,mmio"); nd >= 0 && n < max;
       nd = dt_find_compatible(&dt, nd, "virtio,mmio")) {
    const char *status = dt_prop_str(&dt, nd, "status");
    uint64_t addr, size;
    if ((status && strcmp(status, "okay") && strcmp(status, "ok")) ||
        dt_reg(&dt, nd, 0, &addr, &size) != DT_OK || size < VMMIO_MIN_SIZE || addr % 4)
      continue;
    struct vmmio_slot s = {addr, 0, 0, 0};
    if (dt_prop_u32(&dt, nd, "interrupts", &s.irq) != DT_OK)
      s.irq = 0;
    if (vmmio_read32(addr, VMMIO_MAGIC_VALUE) == VIRTIO_MMIO_MAGIC) {
      s.version = vmmio_read32(addr, VMMIO_VERSION);
      s.device_id = vmmio_read32(addr, VMMIO_DEVICE_ID);
    }
    vmmio_insert(out, n++, &s);
  }
  return n;
}

uint64_t vblk_capacity_bytes(const struct vblk *d) { return d->capacity * VBLK_SECTOR_SIZE; }

/* A request went wrong in a way that leaves the queue in doubt: reset the
 * device so that it stops using the memory, and refuse further reads. */
static int vblk_fail_request(struct vblk *d) {
  vblk_reset_device(d, d->base, d->version);
  d->broken = true;
  return -1;
}

/* 5.2.6 Device Operation: one VIRTIO_BLK_T_IN request of n sectors into the
 * bounce buffer: header (device-readable), data and status (device-writable),
 * three descriptors as the legacy framing rule (5.2.6.3) wants; notify
 * (4.2.2 QueueNotify), then poll the used ring until the deadline. */
static int vblk_read_chunk(struct vblk *d, uint64_t sector, uint32_t n, char *err, size_t errlen) {
  uint8_t *req = (uint8_t *)(uintptr_t)d->req_mem;
  struct virtio_blk_req_hdr *hdr = (struct virtio_blk_req_hdr *)(void *)req; /* a frame: aligned */
  volatile uint8_t *status = req + VBLK_REQ_STATUS_OFF;
  uint32_t bytes = n * VBLK_SECTOR_SIZE;
  hdr->type = VIRTIO_BLK_T_IN;
  hdr->reserved = 0;
  hdr->sector = sector;
  *status = 0xff; /* no valid status: the device must overwrite it */
  struct virtq_buf bufs[3] = {
      {d->req_mem, sizeof(*hdr), false},
      {d->req_mem + VBLK_REQ_DATA_OFF, bytes, true},
      {d->req_mem + VBLK_REQ_STATUS_OFF, 1, true},
  };
  uint16_t head, used_head;
  uint32_t used_len;
  int r = virtq_add_chain(&d->vq, bufs, 3, &head);
  if (r != VIRTQ_OK) {
    rv_snprintf(err, errlen, "virtio-blk: sector %lu: %s", (unsigned long)sector,
                virtq_strerror(r));
    return vblk_fail_request(d);
  }
  vmmio_write32(d->base, VMMIO_QUEUE_NOTIFY, 0);

  uint64_t deadline = csr_read(CSR_TIME) + vblk_ticks(d, VBLK_TIMEOUT_MS);
  for (;;) {
    r = virtq_poll_used(&d->vq, &used_head, &used_len);
    if (r < 0) {
      rv_snprintf(err, errlen, "virtio-blk: sector %lu: %s", (unsigned long)sector,
                  virtq_strerror(r));
      return vblk_fail_request(d);
    }
    if (r > 0)
      break;
    uint32_t st = vmmio_read32(d->base, VMMIO_STATUS);
    if (st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
      rv_snprintf(err, errlen, "virtio-blk: sector %lu: device status 0x%x (%s)",
                  (unsigned long)sector, st, st & VIRTIO_STATUS_FAILED ? "failed" : "needs reset");
      return vblk_fail_request(d);
    }
    if (csr_read(CSR_TIME) > deadline) {
      rv_snprintf(err, errlen, "virtio-blk: sector %lu: no completion within %u ms",
                  (unsigned long)sector, VBLK_TIMEOUT_MS);
      return vblk_fail_request(d);
    }
  }
  /* Polled: acknowledge whatever the device raised, for tidiness. */
  vmmio_write32(d->base, VMMIO_INTERRUPT_ACK, vmmio_read32(d->base, VMMIO_INTERRUPT_STATUS) & 3u);

  uint8_t s = *status;
  if (s != VIRTIO_BLK_S_OK) {
    rv_snprintf(err, errlen, "virtio-blk: read of %u sectors at %lu: %s (status %u)", n,
                (unsigned long)sector,
                s == VIRTIO_BLK_S_IOERR    ? "I/O error"
                : s == VIRTIO_BLK_S_UNSUPP ? "unsupported request"
                : s == 0xff                ? "device wrote no status"
                                           : "invalid status",
                s);
    /* A well-formed failure leaves the queue sound; garbage does not. */
    return s == VIRTIO_BLK_S_IOERR || s == VIRTIO_BLK_S_UNSUPP ? -1 : vblk_fail_request(d);
  }
  /* 2.6.8.2: a legacy device's len is not to be relied on; a modern one must
   * report data and status written. */
  if (d->version == 2 && used_len != bytes + 1) {
    rv_snprintf(err, errlen, "virtio-blk: sector %lu: device wrote %u bytes, expected %u",
                (unsigned long)sector, used_len, bytes + 1);
    return vblk_fail_request(d);
  }
  (void)used_head; /* one request in flight: virtq_poll_used checked it is ours */
  return 0;
}

int vblk_read(struct vblk *d, uint64_t sector, void *buf, uint64_t nsectors, char *err,
              size_t errlen) {
  if (d->broken || !d->req_mem || d->async) {
    rv_snprintf(err, errlen, "virtio-blk: device unusable after an earlier error");
    return -1;
  }
  if (sector > d->capacity || nsectors > d->capacity - sector) {
    rv_snprintf(err, errlen,
                "virtio-blk: read of %lu sectors at %lu is beyond the disk (%lu sectors)",
                (unsigned long)nsectors, (unsigned long)sector, (unsigned long)d->capacity);
    return -1;
  }
  uint8_t *out = buf;
  const uint8_t *data = (const uint8_t *)(uintptr_t)(d->req_mem + VBLK_REQ_DATA_OFF);
  while (nsectors) {
    uint32_t n = nsectors < VBLK_MAX_REQ_BYTES / VBLK_SECTOR_SIZE
                     ? (uint32_t)nsectors
                     : VBLK_MAX_REQ_BYTES / VBLK_SECTOR_SIZE;
    if (vblk_read_chunk(d, sector, n, err, errlen))
      return -1;
    memcpy(out, data, (size_t)n * VBLK_SECTOR_SIZE);
    out += (size_t)n * VBLK_SECTOR_SIZE;
    sector += n;
    nsectors -= n;
  }
  return 0;
}

void vblk_release(struct vblk *d) {
  d->broken = true;
  if (d->base && !vblk_reset_device(d, d->base, d->version)) {
    d->host->log("virtio-blk: slot 0x%lx does not reset; its queue memory stays allocated",
                 (unsigned long)d->base);
    return;
  }
  vblk_free_memory(d);
}

/* ---- Asynchronous mode ---- */

int vblk_open(struct vblk *d, const struct vblk_host *host, uint64_t base, uint32_t version,
              char *err, size_t errlen) {
  d->host = host;
  if (vblk_init_device(d, base, version, true, err, errlen))
    return -1;
  d->host->log("virtio-blk: slot 0x%lx, virtio-mmio version %u (%s), %lu sectors (%lu KiB), "
               "queue size %u, interrupt-driven%s%s",
               (unsigned long)base, version, version == 1 ? "legacy" : "modern",
               (unsigned long)d->capacity, (unsigned long)(d->capacity >> 1), d->vq.size,
               d->flush ? ", flush" : "", d->read_only ? ", read-only" : "");
  return 0;
}

static volatile uint8_t *vblk_slot_hdr(const struct vblk *d, unsigned i) {
  return (volatile uint8_t *)(uintptr_t)(d->hdrs_mem + (uint64_t)i * VBLK_HDR_SLOT);
}

/* 5.2.6: header (device-readable), the data, the status byte
 * (device-writable), as one indirect table (2.6.5.3) in the slot's own
 * memory: one ring descriptor per request, whatever its segment count. */
int vblk_submit(struct vblk *d, uint32_t type, uint64_t sector, const struct vblk_seg *segs,
                unsigned n, void *cookie) {
  if (d->broken || !d->async)
    return VBLK_ERR_BROKEN;
  bool range = type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES;
  if ((range ? n != 1 || (type == VIRTIO_BLK_T_DISCARD ? !d->discard : !d->write_zeroes)
             : n > VBLK_MAX_SEGS) ||
      (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT && type != VIRTIO_BLK_T_FLUSH &&
       !range) ||
      (type == VIRTIO_BLK_T_FLUSH && n))
    return VBLK_ERR_PARAM;
  if (d->inflight >= d->nslots || !d->vq.num_free)
    return VBLK_ERR_BUSY;
  unsigned i = 0;
  while (d->slot[i].busy)
    i++; /* inflight < nslots: one is free */
  volatile uint8_t *h = vblk_slot_hdr(d, i);
  uint64_t haddr = d->hdrs_mem + (uint64_t)i * VBLK_HDR_SLOT;
  for (unsigned k = 0; k < 4; k++) {
    h[k] = (uint8_t)(type >> (8 * k));
    h[4 + k] = 0;
  }
  for (unsigned k = 0; k < 8; k++)
    h[8 + k] = (uint8_t)(sector >> (8 * k));
  h[VBLK_STATUS_OFF] = 0xff; /* no valid status: the device must overwrite it */
  volatile struct virtq_desc *t =
      (volatile struct virtq_desc *)(uintptr_t)(d->tables_mem + (uint64_t)i * VBLK_TABLE_BYTES);
  bool in = type == VIRTIO_BLK_T_IN;
  uint64_t wlen = 1;
  t[0] = (struct virtq_desc){haddr, 16, VIRTQ_DESC_F_NEXT, 1};
  if (range) {
    /* 5.2.6: one struct virtio_blk_discard_write_zeroes, in the slot:
     * segs[0].addr is the first sector and .len the sector count here. */
    for (unsigned k = 0; k < 8; k++)
      h[16 + k] = (uint8_t)(segs[0].addr >> (8 * k));
    for (unsigned k = 0; k < 4; k++) {
      h[24 + k] = (uint8_t)(segs[0].len >> (8 * k));
      h[28 + k] = 0; /* no unmap */
    }
    t[1] = (struct virtq_desc){haddr + 16, 16, VIRTQ_DESC_F_NEXT, 2};
  }
  for (unsigned k = 0; k < n && !range; k++) {
    t[1 + k] = (struct virtq_desc){segs[k].addr, segs[k].len,
                                   (uint16_t)(VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0)),
                                   (uint16_t)(k + 2)};
    wlen += in ? segs[k].len : 0;
  }
  t[1 + n] = (struct virtq_desc){haddr + VBLK_STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0};
  if (wlen > UINT32_MAX)
    return VBLK_ERR_PARAM;
  uint16_t head;
  int r = virtq_add_indirect(&d->vq, d->tables_mem + (uint64_t)i * VBLK_TABLE_BYTES, n + 2,
                             (uint32_t)wlen, &head);
  if (r != VIRTQ_OK)
    return r == VIRTQ_ERR_FULL ? VBLK_ERR_BUSY : VBLK_ERR_BROKEN;
  d->slot[i] = (struct vblk_slot){cookie, csr_read(CSR_TIME), (uint32_t)wlen, head, true};
  d->head_slot[head] = (uint16_t)i;
  d->inflight++;
  d->submitted++;
  vmmio_write32(d->base, VMMIO_QUEUE_NOTIFY, 0);
  if (d->host->started)
    d->host->started(d->slot[i].started + vblk_ticks(d, VBLK_TIMEOUT_MS));
  return 0;
}

/* End slot i with status (the device's answer, or an abort). */
static void vblk_end_slot(struct vblk *d, unsigned i, int status, vblk_done_fn done, void *ctx) {
  void *cookie = d->slot[i].cookie;
  d->slot[i].busy = false;
  d->inflight--;
  d->completed++;
  if (status)
    d->errors++;
  done(ctx, cookie, status);
}

unsigned vblk_reap(struct vblk *d, vblk_done_fn done, void *ctx, unsigned max) {
  if (!d->async || !d->base)
    return 0;
  /* 4.2.3.4: acknowledge first, so that a completion after the ring is
   * read raises the interrupt again rather than being lost. */
  uint32_t isr = vmmio_read32(d->base, VMMIO_INTERRUPT_STATUS) & 3u;
  if (isr)
    vmmio_write32(d->base, VMMIO_INTERRUPT_ACK, isr);
  if (d->broken)
    return 0;
  unsigned got = 0;
  while (got < max) {
    uint16_t head;
    uint32_t len;
    int r = virtq_poll_used(&d->vq, &head, &len);
    if (r == 0)
      break;
    if (r < 0) {
      d->host->log("virtio-blk: slot 0x%lx: %s: resetting it", (unsigned long)d->base,
                   virtq_strerror(r));
      unsigned before = d->inflight;
      vblk_abort(d, done, ctx);
      return got + before;
    }
    unsigned i = d->head_slot[head];
    if (i >= d->nslots || !d->slot[i].busy || d->slot[i].head != head) {
      vblk_abort(d, done, ctx); /* virtq_poll_used checked the head: a driver bug */
      return got;
    }
    uint8_t st = vblk_slot_hdr(d, i)[VBLK_STATUS_OFF];
    int status = st == VIRTIO_BLK_S_OK       ? 0
                 : st == VIRTIO_BLK_S_UNSUPP ? VBLK_ERR_UNSUPP
                                             : VBLK_ERR_IO;
    vblk_end_slot(d, i, status, done, ctx);
    got++;
  }
  return got;
}

uint64_t vblk_deadline(const struct vblk *d) {
  uint64_t oldest = UINT64_MAX;
  if (!d->inflight)
    return UINT64_MAX;
  for (unsigned i = 0; i < d->nslots; i++)
    if (d->slot[i].busy && d->slot[i].started < oldest)
      oldest = d->slot[i].started;
  return oldest + vblk_ticks(d, VBLK_TIMEOUT_MS);
}

void vblk_abort(struct vblk *d, vblk_done_fn done, void *ctx) {
  d->resets++;
  bool reset = vblk_reset_device(d, d->base, d->version);
  for (unsigned i = 0; i < d->nslots; i++)
    if (d->slot[i].busy)
      vblk_end_slot(d, i, VBLK_ERR_IO, done, ctx);
  if (!reset) {
    d->host->log("virtio-blk: slot 0x%lx does not reset: it takes no more requests",
                 (unsigned long)d->base);
    d->broken = true; /* its memory stays allocated: the device may still use it */
    return;
  }
  vblk_free_memory(d);
  char err[120];
  uint64_t base = d->base;
  if (vblk_init_device(d, base, d->version, true, err, sizeof(err))) {
    d->host->log("%s: it takes no more requests", err);
    d->broken = true;
  }
}
