/* The virtio-mmio transport, version 2 (virtio 1.2, section 4.2.2), as a
 * pure register model: offset, width and value in, value out. It owns the
 * device's queues (hv/dev/virtio/vq.h), runs feature negotiation and the
 * status state machine, and keeps InterruptStatus; its interrupt line is
 * level-triggered, asserted while InterruptStatus is non-zero, and reported
 * through irq_set (the bus routes it to the vPLIC). The device behind it is
 * a struct virtio_dev_ops model (hv/dev/virtio/virtio.h).
 *
 * Not yet wired to VMs: nothing in the hypervisor creates one (the bus
 * comes next). Not locked: the caller holds the device's lock around every
 * call, completions from backends included. */
#ifndef RV_VIRTIO_MMIO_H
#define RV_VIRTIO_MMIO_H
#include "virtio.h"
#include <stdbool.h>
#include <stdint.h>

/* 4.2.2 MMIO Device Register Layout. */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_QUEUE_RESET 0x0c0
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

#define VIRTIO_MMIO_VENDOR 0x56535652u /* "RVSV" */
/* The register window a guest is given (QEMU's virt machine uses 0x200). */
#define VIRTIO_MMIO_WINDOW 0x200u
/* 4.2.2 InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING 1u
#define VIRTIO_MMIO_INT_CONFIG 2u

#define VIRTIO_MMIO_MAX_QUEUES 8u

/* An access the spec does not allow (a register not read or written 32 bits
 * wide and aligned, a config access of the wrong width or past its end):
 * nothing happened; the bus decides what the guest gets. */
#define VIRTIO_MMIO_BAD_ACCESS (-1)

/* The driver's settings of one queue, latched into the vq at QueueReady. */
struct virtio_mmio_queue {
  uint32_t num;
  bool ready;
  uint64_t desc, driver, device;
};

struct virtio_mmio {
  struct virtio_transport t; /* what the device calls back */
  const struct virtio_dev_ops *ops;
  void *dev;
  const struct vq_mem *mem;
  uint32_t status;
  uint32_t device_features_sel, driver_features_sel;
  uint64_t driver_features;
  uint32_t queue_sel, shm_sel;
  uint32_t interrupt_status;
  uint32_t config_generation;
  struct virtio_mmio_queue queue[VIRTIO_MMIO_MAX_QUEUES];
  struct vq vq[VIRTIO_MMIO_MAX_QUEUES];
  bool irq_level; /* the line: InterruptStatus != 0 */
  void (*irq_set)(void *ctx, bool level);
  void *irq_ctx;
};

/* Set m up for the device (ops, dev) of the VM whose RAM is mem; irq_set
 * (may be NULL) is called whenever the line changes. 0, or -1 if the
 * device asks for more queues, or a larger one, than the model has. */
int virtio_mmio_init(struct virtio_mmio *m, const struct virtio_dev_ops *ops, void *dev,
                     const struct vq_mem *mem, void (*irq_set)(void *ctx, bool level),
                     void *irq_ctx);
/* An access at offset off of the window, width 1, 2, 4 or 8 bytes: 0, or
 * VIRTIO_MMIO_BAD_ACCESS (a read then gives 0). */
int virtio_mmio_read(struct virtio_mmio *m, uint32_t off, unsigned width, uint32_t *value);
int virtio_mmio_write(struct virtio_mmio *m, uint32_t off, unsigned width, uint32_t value);
/* Device reset from outside (the VM reboots): as a write of 0 to Status. */
void virtio_mmio_reset(struct virtio_mmio *m);
/* The device changed its configuration: new ConfigGeneration, and a
 * configuration change interrupt once the driver is running. */
void virtio_mmio_config_changed(struct virtio_mmio *m);
/* The features offered to the driver: the device's, VERSION_1 and the ring
 * features (INDIRECT_DESC, EVENT_IDX). */
uint64_t virtio_mmio_offered(const struct virtio_mmio *m);

#endif
