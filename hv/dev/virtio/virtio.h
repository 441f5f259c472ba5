/* What a virtio device model and its transport share (virtio 1.2): the
 * device status bits (2.1), the reserved feature bits (6), and the two small
 * interfaces that join them, in the spirit of kvmtool's struct virtio_ops:
 * a model implements struct virtio_dev_ops and calls back through struct
 * virtio_transport. A model knows no registers; a transport knows no device. */
#ifndef RV_VIRTIO_H
#define RV_VIRTIO_H
#include "../../lib/virtio_spec.h"
#include "vq.h"
#include <stdbool.h>
#include <stdint.h>

/* What a device model asks of its transport (kvmtool's signal_vq). */
struct virtio_transport {
  struct vq *vq; /* the device's queues, owned by the transport */
  unsigned num_queues;
  /* Used buffers were pushed on queue qi: interrupt if the ring says so. */
  void (*signal_used)(struct virtio_transport *t, unsigned qi);
  /* The device (or a queue) is in an error state: DEVICE_NEEDS_RESET. */
  void (*signal_error)(struct virtio_transport *t);
};

/* A device model, as its transport sees it. dev is the model's state. */
struct virtio_dev_ops {
  uint32_t device_id; /* 5 Device Types */
  uint16_t num_queues;
  uint16_t queue_num_max; /* <= VQ_MAX_SIZE */
  uint32_t config_len;    /* bytes of the device configuration space */
  /* Feature bits the device offers (the transport adds VERSION_1 and the
   * ring features it implements). */
  uint64_t (*features)(void *dev);
  /* Whether the device accepts the driver's features (FEATURES_OK); may be
   * NULL (any subset of the offer is fine). */
  bool (*features_ok)(void *dev, uint64_t features);
  /* Configuration space, off + width <= config_len, width 1, 2 or 4,
   * naturally aligned (checked by the transport). */
  uint32_t (*config_read)(void *dev, uint32_t off, unsigned width);
  void (*config_write)(void *dev, uint32_t off, unsigned width, uint32_t value);
  /* DRIVER_OK: the device may use t and its queues from now on. */
  void (*activate)(void *dev, struct virtio_transport *t, uint64_t features);
  /* The driver notified queue qi (ready, DRIVER_OK, not NEEDS_RESET). */
  void (*queue_notify)(void *dev, unsigned qi);
  /* Device reset, or a queue disabled: forget every request in flight, so
   * that none completes into what the driver sets up next. */
  void (*reset)(void *dev);
};

#endif
