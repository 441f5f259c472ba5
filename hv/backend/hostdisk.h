/* Host disks: the virtio-blk devices of the machine, driven by the
 * hypervisor (hv/drivers/virtio_blk.c, asynchronous mode), each shared out
 * as ports. A port is a block backend (blkdev.h) over the whole disk or one
 * range of it (a GPT partition), read-only or not; its requests go to the
 * host device with their segments as they are (zero copy: the guest's
 * buffers) and complete by the device's interrupt, on whichever hart takes
 * it, which calls the port's user back under the user's lock. Each port
 * has a fixed share of the device's queue (its depth), so the users of one
 * disk cannot take each other's slots.
 *
 * Locking: each disk has a lock over its driver, its request pool and its
 * ports' counters; it is never held while a user's done runs, and a user's
 * lock may be held while it submits (the order is user lock, disk lock). */
#ifndef RV_BACKEND_HOSTDISK_H
#define RV_BACKEND_HOSTDISK_H
#include "../drivers/virtio_blk.h"
#include "../lib/spinlock.h"
#include "blkdev.h"

#define HOSTDISK_MAX 8       /* host disks driven at once */
#define HOSTDISK_PORTS_MAX 8 /* ports per disk */

struct hostdisk;

struct hostdisk_req {
  struct hostdisk_port *port;
  blk_done_fn done;
  void *cookie;
  int status;
  struct hostdisk_req *next; /* free list, or the finished list */
};

struct hostdisk_port {
  struct blk_backend be; /* capacity, read_only, flush, depth, submit */
  struct hostdisk *disk;
  uint64_t start;        /* its first sector on the disk */
  spinlock_t *user_lock; /* held around done */
  unsigned inflight;     /* under the disk's lock */
  uint64_t requests, errors;
  bool open;
  struct vblk_seg segs[VBLK_MAX_SEGS]; /* submit's scratch (under user_lock) */
};

struct hostdisk {
  spinlock_t lock;
  unsigned slot; /* the host's virtio-mmio slot number */
  uint32_t irq;  /* its host PLIC source */
  struct vblk dev;
  struct hostdisk_req req[VIRTQ_MAX_SIZE];
  struct hostdisk_req *free, *finished, *finished_tail;
  struct hostdisk_port port[HOSTDISK_PORTS_MAX];
  unsigned nports;
};

/* Start driving the block device in a host slot (asynchronous mode). 0, or
 * -1 with err. */
int hostdisk_open(struct hostdisk *hd, const struct vblk_host *host, unsigned slot, uint64_t base,
                  uint32_t version, uint32_t irq, char *err, size_t errlen);
/* A port over sectors [start, start + sectors) of the disk, read-only or
 * not (a read-only host device makes every port read-only), with depth
 * requests in flight at most; user_lock is taken around each completion.
 * NULL when the disk has HOSTDISK_PORTS_MAX ports or the range is not
 * inside it. */
struct hostdisk_port *hostdisk_port_open(struct hostdisk *hd, uint64_t start, uint64_t sectors,
                                         bool read_only, unsigned depth, spinlock_t *user_lock);
/* The device's interrupt (or a poll): deliver every finished request. */
void hostdisk_handle_irq(struct hostdisk *hd);
/* The time by which the oldest request in flight must end (UINT64_MAX:
 * none); once it has passed, hostdisk_watchdog() resets the device and
 * fails what it held. */
uint64_t hostdisk_deadline(struct hostdisk *hd);
void hostdisk_watchdog(struct hostdisk *hd, uint64_t now);
/* Wait until none of the port's requests is in flight (delivering
 * completions itself, as the interrupt would), at most the device's
 * timeout, after which the device is reset: for a VM that is reloaded or
 * stopped, whose RAM the device must not write into afterwards. */
void hostdisk_port_drain(struct hostdisk_port *p, uint64_t (*now)(void));

#endif
