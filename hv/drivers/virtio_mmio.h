/* The driver side of the virtio-mmio transport (virtio 1.1, 4.2: modern,
 * and 4.2.4 legacy), shared by the hypervisor's drivers of the host's
 * virtio devices (virtio_blk.c, virtio_net.c): registers, reset, feature
 * negotiation, queue setup. Physical == virtual addresses. */
#ifndef RV_DRIVERS_VIRTIO_MMIO_H
#define RV_DRIVERS_VIRTIO_MMIO_H
#include "../lib/virtq.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 4.2.2 MMIO Device Register Layout (and 4.2.4 for the legacy ones). */
#define VMMIO_MAGIC_VALUE 0x000
#define VMMIO_VERSION 0x004
#define VMMIO_DEVICE_ID 0x008
#define VMMIO_VENDOR_ID 0x00c
#define VMMIO_DEVICE_FEATURES 0x010
#define VMMIO_DEVICE_FEATURES_SEL 0x014
#define VMMIO_DRIVER_FEATURES 0x020
#define VMMIO_DRIVER_FEATURES_SEL 0x024
#define VMMIO_GUEST_PAGE_SIZE 0x028 /* legacy */
#define VMMIO_QUEUE_SEL 0x030
#define VMMIO_QUEUE_NUM_MAX 0x034
#define VMMIO_QUEUE_NUM 0x038
#define VMMIO_QUEUE_ALIGN 0x03c /* legacy */
#define VMMIO_QUEUE_PFN 0x040   /* legacy */
#define VMMIO_QUEUE_READY 0x044
#define VMMIO_QUEUE_NOTIFY 0x050
#define VMMIO_INTERRUPT_STATUS 0x060
#define VMMIO_INTERRUPT_ACK 0x064
#define VMMIO_STATUS 0x070
#define VMMIO_QUEUE_DESC_LOW 0x080
#define VMMIO_QUEUE_DESC_HIGH 0x084
#define VMMIO_QUEUE_DRIVER_LOW 0x090
#define VMMIO_QUEUE_DRIVER_HIGH 0x094
#define VMMIO_QUEUE_DEVICE_LOW 0x0a0
#define VMMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VMMIO_CONFIG_GENERATION 0x0fc
#define VMMIO_CONFIG 0x100
#define VMMIO_PAGE 4096u

static inline uint32_t vmmio_read32(uint64_t base, unsigned off) {
  uint32_t v = *(volatile uint32_t *)(uintptr_t)(base + off);
  __asm__ volatile("fence i,ir" ::: "memory"); /* the read before later memory reads */
  return v;
}

static inline void vmmio_write32(uint64_t base, unsigned off, uint32_t v) {
  __asm__ volatile("fence iorw,ow" ::: "memory"); /* ring writes visible before a notify */
  *(volatile uint32_t *)(uintptr_t)(base + off) = v;
}

/* Both virtqueue fences are a full fence between normal memory accesses. */
void vmmio_fence(enum virtq_fence kind, void *ctx);
/* 4.2.3.1 / 2.4: a write of 0 to Status resets the device; a modern one
 * reports the reset done by reading back 0, within timeout_ticks (time CSR). */
bool vmmio_reset(uint64_t base, uint32_t version, uint64_t timeout_ticks);
/* 3.1.1 steps 1-6 up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, then accept
 * the device's feature bits 0-31 in want (and VIRTIO_F_VERSION_1, required,
 * for a modern device); *got: what was accepted. 0, or -1 with err. */
int vmmio_begin(uint64_t base, uint32_t version, uint32_t want, uint32_t *got,
                uint64_t timeout_ticks, char *err, size_t errlen);
/* 4.2.3.2 (modern) / 4.2.4 (legacy): set queue qi up over mem (zeroed,
 * page-aligned, large enough for virtq_layout_*(size)), size a power of two
 * no larger than QueueNumMax (the caller checks with vmmio_queue_max). */
int vmmio_queue_max(uint64_t base, unsigned qi);
int vmmio_setup_queue(uint64_t base, uint32_t version, unsigned qi, uint32_t size, uint64_t mem,
                      struct virtq *q, char *err, size_t errlen);
/* Bytes of ring memory a queue of size entries takes, whole pages. */
uint64_t vmmio_queue_bytes(uint32_t version, uint32_t size);
/* Set DRIVER_OK and check the device took it. 0, or -1 with err. */
int vmmio_driver_ok(uint64_t base, char *err, size_t errlen);

#endif
