/* What the test guests' virtio drivers share: the virtio-mmio registers
 * (virtio 1.2, 4.2.2), the status bits (2.1), and a modern queue's setup
 * (4.2.3.2) over the tree's driver-side ring (hv/lib/virtq.c). */
#ifndef RV_GUEST_VIRTIO_H
#define RV_GUEST_VIRTIO_H
#include "virtq.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LOW 0x080
#define R_QUEUE_DESC_HIGH 0x084
#define R_QUEUE_DRIVER_LOW 0x090
#define R_QUEUE_DRIVER_HIGH 0x094
#define R_QUEUE_DEVICE_LOW 0x0a0
#define R_QUEUE_DEVICE_HIGH 0x0a4
#define R_CONFIG 0x100

#define S_ACKNOWLEDGE 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u
#define S_NEEDS_RESET 64u
#define F_VERSION_1_HI 1u /* bit 32: bit 0 of the high word */

static inline uint32_t vguest_rd(unsigned long base, unsigned off) {
  return *(volatile uint32_t *)(base + off);
}
static inline void vguest_wr(unsigned long base, unsigned off, uint32_t v) {
  *(volatile uint32_t *)(base + off) = v;
}

static inline void vguest_fence(enum virtq_fence kind, void *ctx) {
  (void)kind, (void)ctx;
  __asm__ volatile("fence rw, rw" ::: "memory");
}

/* Queue qi of size entries over mem (zeroed here, memsize bytes, its
 * address is the device's): laid out, told to the device, made ready.
 * False if the queue is in use, too small, or does not fit. */
static inline bool vguest_queue_setup(unsigned long base, unsigned qi, struct virtq *q, void *mem,
                                      size_t memsize, unsigned size) {
  vguest_wr(base, R_QUEUE_SEL, qi);
  if (vguest_rd(base, R_QUEUE_READY) || vguest_rd(base, R_QUEUE_NUM_MAX) < size)
    return false;
  struct virtq_layout l;
  uint8_t *m = mem;
  for (size_t i = 0; i < memsize; i++)
    m[i] = 0;
  if (virtq_layout_modern(size, &l) || l.total > memsize ||
      virtq_init(q, &l, mem, (uint64_t)(uintptr_t)mem, vguest_fence, NULL))
    return false;
  vguest_wr(base, R_QUEUE_NUM, size);
  vguest_wr(base, R_QUEUE_DESC_LOW, (uint32_t)q->desc_addr);
  vguest_wr(base, R_QUEUE_DESC_HIGH, (uint32_t)(q->desc_addr >> 32));
  vguest_wr(base, R_QUEUE_DRIVER_LOW, (uint32_t)q->avail_addr);
  vguest_wr(base, R_QUEUE_DRIVER_HIGH, (uint32_t)(q->avail_addr >> 32));
  vguest_wr(base, R_QUEUE_DEVICE_LOW, (uint32_t)q->used_addr);
  vguest_wr(base, R_QUEUE_DEVICE_HIGH, (uint32_t)(q->used_addr >> 32));
  vguest_wr(base, R_QUEUE_READY, 1);
  return vguest_rd(base, R_QUEUE_READY) == 1;
}

#endif
