#include "virtio_mmio.h"
#include "../arch/riscv/csr.h"
#include "../lib/printf.h"
#include "../lib/virtio_spec.h"

/* 6 Reserved Feature Bits: VIRTIO_F_VERSION_1 is bit 32 (bit 0 of word 1). */
#define VIRTIO_F_VERSION_1_WORD1 1u

void vmmio_fence(enum virtq_fence kind, void *ctx) {
  (void)kind;
  (void)ctx;
  __asm__ volatile("fence rw,rw" ::: "memory");
}

bool vmmio_reset(uint64_t base, uint32_t version, uint64_t timeout_ticks) {
  vmmio_write32(base, VMMIO_STATUS, 0);
  if (version == 1)
    return true;
  uint64_t deadline = csr_read(CSR_TIME) + timeout_ticks;
  while (vmmio_read32(base, VMMIO_STATUS) != 0)
    if (csr_read(CSR_TIME) > deadline)
      return false;
  return true;
}

int vmmio_begin(uint64_t b, uint32_t version, uint32_t want, uint32_t *got, uint64_t timeout_ticks,
                char *err, size_t errlen) {
  if (!vmmio_reset(b, version, timeout_ticks)) {
    rv_snprintf(err, errlen, "virtio at 0x%lx: device does not complete its reset",
                (unsigned long)b);
    return -1;
  }
  vmmio_write32(b, VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  vmmio_write32(b, VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  vmmio_write32(b, VMMIO_DEVICE_FEATURES_SEL, 0);
  uint32_t lo = vmmio_read32(b, VMMIO_DEVICE_FEATURES) & want;
  *got = lo;
  if (version == 1) {
    vmmio_write32(b, VMMIO_DRIVER_FEATURES_SEL, 0);
    vmmio_write32(b, VMMIO_DRIVER_FEATURES, lo);
    vmmio_write32(b, VMMIO_GUEST_PAGE_SIZE, VMMIO_PAGE);
    return 0;
  }
  vmmio_write32(b, VMMIO_DEVICE_FEATURES_SEL, 1);
  if (!(vmmio_read32(b, VMMIO_DEVICE_FEATURES) & VIRTIO_F_VERSION_1_WORD1)) {
    rv_snprintf(err, errlen, "virtio at 0x%lx: modern device without VIRTIO_F_VERSION_1",
                (unsigned long)b);
    return -1;
  }
  vmmio_write32(b, VMMIO_DRIVER_FEATURES_SEL, 0);
  vmmio_write32(b, VMMIO_DRIVER_FEATURES, lo);
  vmmio_write32(b, VMMIO_DRIVER_FEATURES_SEL, 1);
  vmmio_write32(b, VMMIO_DRIVER_FEATURES, VIRTIO_F_VERSION_1_WORD1);
  vmmio_write32(b, VMMIO_STATUS,
                VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
  if (!(vmmio_read32(b, VMMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
    rv_snprintf(err, errlen, "virtio at 0x%lx: device refused the features (FEATURES_OK)",
                (unsigned long)b);
    return -1;
  }
  return 0;
}

int vmmio_queue_max(uint64_t base, unsigned qi) {
  vmmio_write32(base, VMMIO_QUEUE_SEL, qi);
  return (int)vmmio_read32(base, VMMIO_QUEUE_NUM_MAX);
}

uint64_t vmmio_queue_bytes(uint32_t version, uint32_t size) {
  struct virtq_layout l;
  int r = version == 1 ? virtq_layout_legacy(size, VMMIO_PAGE, &l) : virtq_layout_modern(size, &l);
  return r == VIRTQ_OK ? (l.total + VMMIO_PAGE - 1) & ~(uint64_t)(VMMIO_PAGE - 1) : 0;
}

int vmmio_setup_queue(uint64_t b, uint32_t version, unsigned qi, uint32_t size, uint64_t mem,
                      struct virtq *q, char *err, size_t errlen) {
  vmmio_write32(b, VMMIO_QUEUE_SEL, qi);
  if (vmmio_read32(b, version == 1 ? VMMIO_QUEUE_PFN : VMMIO_QUEUE_READY) != 0) {
    rv_snprintf(err, errlen, "virtio at 0x%lx: queue %u is in use after a reset", (unsigned long)b,
                qi);
    return -1;
  }
  struct virtq_layout l;
  int r = version == 1 ? virtq_layout_legacy(size, VMMIO_PAGE, &l) : virtq_layout_modern(size, &l);
  if (r == VIRTQ_OK)
    r = virtq_init(q, &l, (void *)(uintptr_t)mem, mem, vmmio_fence, NULL);
  if (r != VIRTQ_OK) {
    rv_snprintf(err, errlen, "virtio at 0x%lx: queue %u: %s", (unsigned long)b, qi,
                virtq_strerror(r));
    return -1;
  }
  vmmio_write32(b, VMMIO_QUEUE_NUM, size);
  if (version == 1) {
    uint64_t pfn = mem / VMMIO_PAGE;
    if (pfn > UINT32_MAX) {
      rv_snprintf(err, errlen, "virtio at 0x%lx: queue above the legacy 32-bit PFN limit",
                  (unsigned long)b);
      return -1;
    }
    vmmio_write32(b, VMMIO_QUEUE_ALIGN, VMMIO_PAGE);
    vmmio_write32(b, VMMIO_QUEUE_PFN, (uint32_t)pfn);
    return 0;
  }
  vmmio_write32(b, VMMIO_QUEUE_DESC_LOW, (uint32_t)q->desc_addr);
  vmmio_write32(b, VMMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc_addr >> 32));
  vmmio_write32(b, VMMIO_QUEUE_DRIVER_LOW, (uint32_t)q->avail_addr);
  vmmio_write32(b, VMMIO_QUEUE_DRIVER_HIGH, (uint32_t)(q->avail_addr >> 32));
  vmmio_write32(b, VMMIO_QUEUE_DEVICE_LOW, (uint32_t)q->used_addr);
  vmmio_write32(b, VMMIO_QUEUE_DEVICE_HIGH, (uint32_t)(q->used_addr >> 32));
  vmmio_write32(b, VMMIO_QUEUE_READY, 1);
  return 0;
}

int vmmio_driver_ok(uint64_t b, char *err, size_t errlen) {
  vmmio_write32(b, VMMIO_STATUS, vmmio_read32(b, VMMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
  uint32_t st = vmmio_read32(b, VMMIO_STATUS);
  if (st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED) ||
      !(st & VIRTIO_STATUS_DRIVER_OK)) {
    rv_snprintf(err, errlen, "virtio at 0x%lx: device status 0x%x after DRIVER_OK",
                (unsigned long)b, st);
    return -1;
  }
  return 0;
}
