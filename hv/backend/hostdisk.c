#include "hostdisk.h"
#include "../arch/riscv/csr.h"
#include "../lib/printf.h"
#include "../lib/virtio_spec.h"
#include <string.h>

/* The driver finished a request (under the disk's lock): queue it on the
 * finished list, delivered by hostdisk_deliver() once the lock is dropped. */
static void hd_finished(void *ctx, void *cookie, int status) {
  struct hostdisk *hd = ctx;
  struct hostdisk_req *r = cookie;
  r->status = status;
  r->next = 0;
  if (hd->finished_tail)
    hd->finished_tail->next = r;
  else
    hd->finished = r;
  hd->finished_tail = r;
  r->port->inflight--;
  if (status)
    r->port->errors++;
}

/* Take the finished requests one at a time and call each port's user back
 * under its lock, with the disk's lock dropped (lock order: user, disk). */
static void hostdisk_deliver(struct hostdisk *hd) {
  for (;;) {
    spin_lock(&hd->lock);
    struct hostdisk_req *r = hd->finished;
    if (r) {
      hd->finished = r->next;
      if (!hd->finished)
        hd->finished_tail = 0;
    }
    struct hostdisk_req done = r ? *r : (struct hostdisk_req){0};
    if (r) {
      r->next = hd->free;
      hd->free = r;
    }
    spin_unlock(&hd->lock);
    if (!r)
      return;
    spin_lock(done.port->user_lock);
    done.done(done.cookie, done.status);
    spin_unlock(done.port->user_lock);
  }
}

/* blkdev.h submit, under the user's lock: the segments are guest RAM in
 * host memory (physical == virtual), checked by the model; merged where
 * they touch, so that a guest whose pages are contiguous costs the device
 * fewer descriptors. Never completes inside: done comes from an interrupt
 * (or a drain), which takes the user's lock itself. */
static int hd_submit(struct blk_backend *be, enum blk_op op, uint64_t sector,
                     const struct blk_seg *segs, unsigned n, blk_done_fn done, void *cookie) {
  struct hostdisk_port *p = be->ctx;
  struct hostdisk *hd = p->disk;
  struct vblk_seg *v = p->segs; /* the caller's lock keeps it ours */
  unsigned nv = 0;
  uint64_t bytes = 0;
  bool by_range = op == BLK_OP_DISCARD || op == BLK_OP_WRITE_ZEROES;
  for (unsigned i = 0; i < n && !by_range; i++) {
    uint64_t a = (uintptr_t)segs[i].buf;
    bytes += segs[i].len;
    if (nv && v[nv - 1].addr + v[nv - 1].len == a &&
        (uint64_t)v[nv - 1].len + segs[i].len <= UINT32_MAX) {
      v[nv - 1].len += segs[i].len;
      continue;
    }
    if (nv == VBLK_MAX_SEGS)
      return -1;
    v[nv++] = (struct vblk_seg){a, segs[i].len};
  }
  if (op != BLK_OP_FLUSH && !by_range &&
      (sector > be->capacity || bytes / BLK_SECTOR_SIZE > be->capacity - sector ||
       (op == BLK_OP_WRITE && be->read_only)))
    return -1; /* the model checks this: a second look, on what reaches the disk */
  uint32_t type = op == BLK_OP_READ           ? VIRTIO_BLK_T_IN
                  : op == BLK_OP_WRITE        ? VIRTIO_BLK_T_OUT
                  : op == BLK_OP_DISCARD      ? VIRTIO_BLK_T_DISCARD
                  : op == BLK_OP_WRITE_ZEROES ? VIRTIO_BLK_T_WRITE_ZEROES
                                              : VIRTIO_BLK_T_FLUSH;
  bool range = op == BLK_OP_DISCARD || op == BLK_OP_WRITE_ZEROES;
  if (range) {
    /* n is the sector count (blkdev.h): one range, moved to the partition */
    if (p->be.read_only || sector > be->capacity || n > be->capacity - sector || n > be->zero_max ||
        (op == BLK_OP_DISCARD ? !be->discard : !be->write_zeroes))
      return -1;
    v[0] = (struct vblk_seg){p->start + sector, n};
    nv = 1;
  }
  spin_lock(&hd->lock);
  struct hostdisk_req *r = hd->free;
  int rc = -1;
  if (r && (!be->depth || p->inflight < be->depth)) {
    r->port = p;
    r->done = done;
    r->cookie = cookie;
    rc = vblk_submit(&hd->dev, type, op == BLK_OP_FLUSH || range ? 0 : p->start + sector, v, nv, r);
    if (rc == 0) {
      hd->free = r->next;
      p->inflight++;
      p->requests++;
    }
  }
  spin_unlock(&hd->lock);
  return rc ? -1 : 0;
}

int hostdisk_open(struct hostdisk *hd, const struct vblk_host *host, unsigned slot, uint64_t base,
                  uint32_t version, uint32_t irq, char *err, size_t errlen) {
  memset(hd, 0, sizeof(*hd));
  hd->slot = slot;
  hd->irq = irq;
  if (vblk_open(&hd->dev, host, base, version, err, errlen))
    return -1;
  for (unsigned i = 0; i < VIRTQ_MAX_SIZE; i++) {
    hd->req[i].next = hd->free;
    hd->free = &hd->req[i];
  }
  return 0;
}

struct hostdisk_port *hostdisk_port_open(struct hostdisk *hd, uint64_t start, uint64_t sectors,
                                         bool read_only, unsigned depth, spinlock_t *user_lock) {
  if (hd->nports >= HOSTDISK_PORTS_MAX || !sectors || start > hd->dev.capacity ||
      sectors > hd->dev.capacity - start)
    return 0;
  struct hostdisk_port *p = &hd->port[hd->nports++];
  memset(p, 0, sizeof(*p));
  p->disk = hd;
  p->start = start;
  p->user_lock = user_lock;
  p->open = true;
  p->be =
      (struct blk_backend){.capacity = sectors,
                           .read_only = read_only || hd->dev.read_only,
                           .flush = hd->dev.flush,
                           .depth = depth ? depth : hd->dev.nslots,
                           .discard = hd->dev.discard && !read_only && !hd->dev.read_only,
                           .write_zeroes = hd->dev.write_zeroes && !read_only && !hd->dev.read_only,
                           .zero_max = hd->dev.zero_max,
                           .submit = hd_submit,
                           .ctx = p};
  return p;
}

void hostdisk_handle_irq(struct hostdisk *hd) {
  spin_lock(&hd->lock);
  vblk_reap(&hd->dev, hd_finished, hd, VIRTQ_MAX_SIZE);
  spin_unlock(&hd->lock);
  hostdisk_deliver(hd);
}

uint64_t hostdisk_deadline(struct hostdisk *hd) {
  spin_lock(&hd->lock);
  uint64_t d = vblk_deadline(&hd->dev);
  spin_unlock(&hd->lock);
  return d;
}

void hostdisk_watchdog(struct hostdisk *hd, uint64_t now) {
  spin_lock(&hd->lock);
  vblk_reap(&hd->dev, hd_finished, hd, VIRTQ_MAX_SIZE); /* what did end counts */
  uint64_t d = vblk_deadline(&hd->dev);
  if (d <= now) {
    hd->dev.host->log("virtio-blk: host disk %u: a request took more than %u ms: resetting the "
                      "device, failing its %u requests",
                      hd->slot, VBLK_TIMEOUT_MS, hd->dev.inflight);
    vblk_abort(&hd->dev, hd_finished, hd);
  }
  spin_unlock(&hd->lock);
  hostdisk_deliver(hd);
}

void hostdisk_port_drain(struct hostdisk_port *p, uint64_t (*now)(void)) {
  struct hostdisk *hd = p->disk;
  for (;;) {
    hostdisk_handle_irq(hd);
    spin_lock(&hd->lock);
    unsigned left = p->inflight;
    spin_unlock(&hd->lock);
    if (!left)
      return;
    hostdisk_watchdog(hd, now());
  }
}
