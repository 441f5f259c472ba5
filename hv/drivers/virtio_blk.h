/* The hypervisor's own virtio-blk driver (virtio 1.1: 4.2 virtio over MMIO,
 * legacy and modern; 5.2 block device), in two modes:
 *  - polled (vblk_probe_first, vblk_init_at, vblk_read): one request at a
 *    time through a bounce buffer, for the boot hart before any VM runs
 *    (a kernel from the disk, its partition table);
 *  - asynchronous (vblk_open, vblk_submit, vblk_reap): as many requests in
 *    flight as the device's queue holds, each one indirect descriptor
 *    whose table points at the caller's buffers (zero copy: a guest's
 *    buffers in its RAM), completed by the device's interrupt.
 * Physical == virtual addresses. Not locked: the caller serialises every
 * call on one device (hv/backend/hostdisk.c holds its lock). */
#ifndef RV_DRIVERS_VIRTIO_BLK_H
#define RV_DRIVERS_VIRTIO_BLK_H
#include "../lib/virtq.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VBLK_SECTOR_SIZE 512u
/* Largest single request: the bounce buffer's size. */
#define VBLK_MAX_REQ_BYTES (128u * 1024u)
/* A request that takes longer than this is an error (and a device reset). */
#define VBLK_TIMEOUT_MS 5000u

/* What the driver needs from the hypervisor, given by its caller: a driver
 * includes nothing from core/. */
struct vblk_host {
  uint64_t (*alloc)(uint64_t size, uint64_t align); /* zeroed frames, 0 if none */
  void (*free)(uint64_t addr, uint64_t size);
  void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* one line */
  uint64_t timebase;                                                       /* Hz; 0: 10 MHz */
  /* Asynchronous mode, may be NULL: a request started that must end by
   * deadline (time CSR), for a watchdog that calls vblk_abort() after it. */
  void (*started)(uint64_t deadline);
};

/* Asynchronous mode: data segments of one request at most (its indirect
 * table also holds the header and the status byte). */
#define VBLK_MAX_SEGS 254u
/* One data segment of an asynchronous request: host physical memory. */
struct vblk_seg {
  uint64_t addr;
  uint32_t len;
};
/* A request's end: status 0 (done), VBLK_ERR_IO (the device's IOERR, or
 * the request was failed by a reset), VBLK_ERR_UNSUPP. */
#define VBLK_ERR_IO (-1)
#define VBLK_ERR_UNSUPP (-2)
#define VBLK_ERR_BUSY (-3)   /* vblk_submit: no free slot: try after a completion */
#define VBLK_ERR_BROKEN (-4) /* vblk_submit: the device failed; it takes no more */
#define VBLK_ERR_PARAM (-5)  /* vblk_submit: too many segments, a bad type */
typedef void (*vblk_done_fn)(void *ctx, void *cookie, int status);

/* Per request slot (asynchronous mode), private to the driver. */
struct vblk_slot {
  void *cookie;
  uint64_t started; /* time CSR at submit */
  uint32_t wlen;    /* bytes the device should report written */
  uint16_t head;
  bool busy;
};

struct vblk {
  const struct vblk_host *host;
  uint64_t base;                   /* virtio-mmio slot (physical address) */
  uint32_t version;                /* 1: legacy, 2: modern */
  uint64_t capacity;               /* in 512-byte sectors, from the configuration space */
  uint64_t queue_mem, queue_bytes; /* frame holding the rings */
  uint64_t req_mem;                /* frame: request header, status byte, bounce buffer */
  bool broken;                     /* a failed request: reads fail until a new probe */
  struct virtq vq;
  /* Asynchronous mode (vblk_open): */
  bool async;
  bool discard, write_zeroes; /* VIRTIO_BLK_F_DISCARD, _WRITE_ZEROES negotiated */
  uint32_t zero_max;          /* sectors per such request (the device's limit) */
  bool read_only, flush;      /* VIRTIO_BLK_F_RO, VIRTIO_BLK_F_FLUSH negotiated */
  uint64_t tables_mem;        /* per slot: its indirect table (VBLK_TABLE_BYTES) */
  uint64_t hdrs_mem;          /* per slot: header and status byte (VBLK_HDR_SLOT) */
  unsigned nslots, inflight;  /* slots = the queue size */
  uint16_t head_slot[VIRTQ_MAX_SIZE];
  struct vblk_slot slot[VIRTQ_MAX_SIZE];
  uint64_t submitted, completed, errors, resets; /* statistics */
};

/* One virtio-mmio slot of the host FDT, in address order: slot i is QEMU
 * virt's bus=virtio-mmio-bus.i. */
struct vmmio_slot {
  uint64_t base;
  uint32_t irq;                /* its PLIC source, 0 if the FDT names none */
  uint32_t version, device_id; /* 0: no device in it */
};
/* The host FDT's virtio-mmio slots (status okay, a usable window), sorted
 * by address, at most max of them; returns how many. */
unsigned vmmio_list_slots(const void *fdt, struct vmmio_slot *out, unsigned max);

/* Probe the host FDT's "virtio,mmio" slots and initialise the block device
 * in the one with the lowest address (QEMU's bus=virtio-mmio-bus.0).
 * 0: found and initialised, 1: no virtio-blk device, -1: error (err says what).
 * host must outlive d. */
int vblk_probe_first(const void *fdt, const struct vblk_host *host, struct vblk *d, char *err,
                     size_t errlen);
uint64_t vblk_capacity_bytes(const struct vblk *d);
/* Read nsectors 512-byte sectors from sector into buf. 0, or -1 with err. */
int vblk_read(struct vblk *d, uint64_t sector, void *buf, uint64_t nsectors, char *err,
              size_t errlen);
/* Reset the device (it forgets the queue) and give the memory back; for a
 * caller that hands the slot to a guest afterwards. */
void vblk_release(struct vblk *d);
/* Polled initialisation of the block device in the slot at base (version 1
 * or 2), for vblk_read: 0, or -1 with err. */
int vblk_init_at(struct vblk *d, const struct vblk_host *host, uint64_t base, uint32_t version,
                 char *err, size_t errlen);

/* Asynchronous mode: (re)initialise the device at base with the largest
 * queue it and the driver allow, indirect descriptors, FLUSH and RO if it
 * offers them, and its interrupt on. 0, or -1 with err. */
int vblk_open(struct vblk *d, const struct vblk_host *host, uint64_t base, uint32_t version,
              char *err, size_t errlen);
/* Start a request: type VIRTIO_BLK_T_IN (the device writes the segments),
 * _OUT (it reads them) or _FLUSH (n = 0) at sector; or _DISCARD /
 * _WRITE_ZEROES of one range (n = 1, segs[0] = {first sector, sector
 * count}; sector is ignored), when negotiated. 0 (cookie comes back
 * through vblk_reap), or a VBLK_ERR_ (nothing started). */
int vblk_submit(struct vblk *d, uint32_t type, uint64_t sector, const struct vblk_seg *segs,
                unsigned n, void *cookie);
/* After the device's interrupt (or to poll): acknowledge it and call done
 * for up to max completed requests. Returns how many; a device that breaks
 * the ring's rules is reset and every request in flight ends with
 * VBLK_ERR_IO (counted in the result). */
unsigned vblk_reap(struct vblk *d, vblk_done_fn done, void *ctx, unsigned max);
/* The time (CSR time) by which the oldest request in flight must complete,
 * or UINT64_MAX with none in flight. */
uint64_t vblk_deadline(const struct vblk *d);
/* The device stopped answering (or the caller wants it stopped): reset it,
 * which stops its use of every buffer, end each request in flight with
 * VBLK_ERR_IO through done, and open it again (if that fails it stays
 * broken and takes no requests). */
void vblk_abort(struct vblk *d, vblk_done_fn done, void *ctx);

#endif
