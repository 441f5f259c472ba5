/* The hypervisor's own virtio-blk driver (virtio 1.1: 4.2 virtio over MMIO,
 * legacy and modern; 5.2 block device): finds the first disk in the host
 * FDT and reads sectors from it, polled, one request at a time, through a
 * bounce buffer from the frame allocator. Physical == virtual addresses.
 * Not locked: one caller (the boot hart) at a time. */
#ifndef RV_VIRTIO_BLK_H
#define RV_VIRTIO_BLK_H
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
};

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

#endif
