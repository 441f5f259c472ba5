#include "mmio.h"
#include <stddef.h>

#define MMIO_RING_FEATURES (VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX)

static struct virtio_mmio *mmio_of(struct virtio_transport *t) {
  return (struct virtio_mmio *)(void *)((char *)t - offsetof(struct virtio_mmio, t));
}

/* 4.2.2.1: the line is asserted from the moment an event sets a bit of
 * InterruptStatus until the driver acknowledges every bit. */
static void mmio_update_irq(struct virtio_mmio *m) {
  bool level = m->interrupt_status != 0;
  if (level == m->irq_level)
    return;
  m->irq_level = level;
  if (m->irq_set)
    m->irq_set(m->irq_ctx, level);
}

static void mmio_raise(struct virtio_mmio *m, uint32_t bits) {
  m->interrupt_status |= bits;
  mmio_update_irq(m);
}

static void mmio_signal_used(struct virtio_transport *t, unsigned qi) {
  struct virtio_mmio *m = mmio_of(t);
  if (qi < m->ops->num_queues && vq_need_interrupt(&m->vq[qi]))
    mmio_raise(m, VIRTIO_MMIO_INT_VRING);
}

/* 2.1.2: DEVICE_NEEDS_RESET, and once DRIVER_OK is set a configuration
 * change notification (4.2.2: InterruptStatus bit 1). The device processes
 * no more notifications until it is reset. */
static void mmio_signal_error(struct virtio_transport *t) {
  struct virtio_mmio *m = mmio_of(t);
  if (m->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
    return;
  m->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  if (m->status & VIRTIO_STATUS_DRIVER_OK)
    mmio_raise(m, VIRTIO_MMIO_INT_CONFIG);
}

uint64_t virtio_mmio_offered(const struct virtio_mmio *m) {
  return m->ops->features(m->dev) | MMIO_RING_FEATURES;
}

/* 2.4 / 4.2.3.1: a device reset forgets the features, the status, every
 * queue and InterruptStatus; the model first forgets its requests in
 * flight (they complete into nothing), so the new instance starts clean. */
void virtio_mmio_reset(struct virtio_mmio *m) {
  if (m->ops->reset)
    m->ops->reset(m->dev);
  m->status = 0;
  m->device_features_sel = m->driver_features_sel = 0;
  m->driver_features = 0;
  m->queue_sel = m->shm_sel = 0;
  for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
    m->queue[i] = (struct virtio_mmio_queue){0};
    m->vq[i].broken = true;
    m->vq[i].error = VQ_ERR_BROKEN;
  }
  m->interrupt_status = 0;
  mmio_update_irq(m);
}

int virtio_mmio_init(struct virtio_mmio *m, const struct virtio_dev_ops *ops, void *dev,
                     const struct vq_mem *mem, void (*irq_set)(void *ctx, bool level),
                     void *irq_ctx) {
  if (!ops || !ops->features || ops->num_queues > VIRTIO_MMIO_MAX_QUEUES ||
      ops->queue_num_max > VQ_MAX_SIZE)
    return -1;
  *m = (struct virtio_mmio){0};
  m->ops = ops;
  m->dev = dev;
  m->mem = mem;
  m->irq_set = irq_set;
  m->irq_ctx = irq_ctx;
  m->t.vq = m->vq;
  m->t.num_queues = ops->num_queues;
  m->t.signal_used = mmio_signal_used;
  m->t.signal_error = mmio_signal_error;
  virtio_mmio_reset(m);
  return 0;
}

void virtio_mmio_config_changed(struct virtio_mmio *m) {
  m->config_generation++;
  if (m->status & VIRTIO_STATUS_DRIVER_OK)
    mmio_raise(m, VIRTIO_MMIO_INT_CONFIG);
}

/* 3.1.1 step 5 and 2.2.2: FEATURES_OK only for a subset of the offer that
 * includes VERSION_1 (a modern transport has no legacy interface). */
static bool mmio_features_acceptable(struct virtio_mmio *m) {
  uint64_t f = m->driver_features;
  if ((f & ~virtio_mmio_offered(m)) || !(f & VIRTIO_F_VERSION_1))
    return false;
  return !m->ops->features_ok || m->ops->features_ok(m->dev, f);
}

/* 2.1 / 3.1.1: a write of 0 resets; otherwise the driver may only add bits
 * (a write that clears one is ignored), each in its order: DRIVER after
 * ACKNOWLEDGE, FEATURES_OK after DRIVER and only if the features are
 * acceptable (else the bit stays clear for the driver to see), DRIVER_OK
 * after FEATURES_OK. DEVICE_NEEDS_RESET is the device's alone. */
static void mmio_write_status(struct virtio_mmio *m, uint32_t v) {
  v &= 0xff;
  if (!v) {
    virtio_mmio_reset(m);
    return;
  }
  uint32_t cur = m->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  if (cur & ~v)
    return;
  uint32_t add = v & ~cur, next = cur;
  if (add & VIRTIO_STATUS_ACKNOWLEDGE)
    next |= VIRTIO_STATUS_ACKNOWLEDGE;
  if ((add & VIRTIO_STATUS_DRIVER) && (next & VIRTIO_STATUS_ACKNOWLEDGE))
    next |= VIRTIO_STATUS_DRIVER;
  if ((add & VIRTIO_STATUS_FEATURES_OK) && (next & VIRTIO_STATUS_DRIVER) &&
      mmio_features_acceptable(m))
    next |= VIRTIO_STATUS_FEATURES_OK;
  if (add & VIRTIO_STATUS_FAILED)
    next |= VIRTIO_STATUS_FAILED;
  bool activate = (add & VIRTIO_STATUS_DRIVER_OK) && (next & VIRTIO_STATUS_FEATURES_OK);
  if (activate)
    next |= VIRTIO_STATUS_DRIVER_OK;
  m->status = next | (m->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  if (activate && m->ops->activate)
    m->ops->activate(m->dev, &m->t, m->driver_features);
}

/* 4.2.3.2: QueueReady = 1 latches the queue's size and areas into its vq,
 * after checking them (a power of two up to QueueNumMax, aligned, in RAM);
 * a queue the device cannot use stays not ready and the device needs a
 * reset. QueueReady = 0 stops the queue; its requests in flight are
 * forgotten. Only after FEATURES_OK (the ring features are known then). */
static void mmio_write_ready(struct virtio_mmio *m, unsigned qi, uint32_t v) {
  struct virtio_mmio_queue *q = &m->queue[qi];
  if (!v) {
    if (!q->ready)
      return;
    q->ready = false;
    m->vq[qi].broken = true;
    m->vq[qi].error = VQ_ERR_BROKEN;
    if (m->ops->reset && (m->status & VIRTIO_STATUS_DRIVER_OK))
      m->ops->reset(m->dev);
    return;
  }
  if (q->ready || !(m->status & VIRTIO_STATUS_FEATURES_OK))
    return;
  if (q->num > m->ops->queue_num_max ||
      vq_init(&m->vq[qi], m->mem, q->num, q->desc, q->driver, q->device,
              (m->driver_features & VIRTIO_F_EVENT_IDX) != 0,
              (m->driver_features & VIRTIO_F_INDIRECT_DESC) != 0) != VQ_OK) {
    m->vq[qi].broken = true;
    mmio_signal_error(&m->t);
    return;
  }
  q->ready = true;
}

/* A 32-bit half of a 64-bit queue address; ignored while the queue is
 * ready (4.2.3.2: the driver sets them before QueueReady; a guest that
 * rewrites them under a running queue changes nothing). */
static void mmio_write_addr(struct virtio_mmio_queue *q, uint64_t *a, bool high, uint32_t v) {
  if (q->ready)
    return;
  *a = high ? (*a & 0xffffffffull) | (uint64_t)v << 32 : (*a & ~0xffffffffull) | v;
}

static bool mmio_config_access_ok(const struct virtio_mmio *m, uint32_t off, unsigned width) {
  /* 4.2.2.2: 8-bit fields 8 bits wide, 16-bit ones 16, 32- and 64-bit ones
   * 32, always aligned. */
  uint32_t c = off - VIRTIO_MMIO_CONFIG;
  return (width == 1 || width == 2 || width == 4) && !(c % width) && c < m->ops->config_len &&
         width <= m->ops->config_len - c && m->ops->config_read;
}

/* 4.2.2: the registers are read 32 bits wide and aligned; write-only ones
 * read as 0; shared memory (4.2.2, SHMLen): no regions, so length (and
 * base) read as all ones. */
int virtio_mmio_read(struct virtio_mmio *m, uint32_t off, unsigned width, uint32_t *value) {
  *value = 0;
  if (off >= VIRTIO_MMIO_CONFIG) {
    if (!mmio_config_access_ok(m, off, width))
      return VIRTIO_MMIO_BAD_ACCESS;
    *value = m->ops->config_read(m->dev, off - VIRTIO_MMIO_CONFIG, width);
    return 0;
  }
  if (width != 4 || off % 4)
    return VIRTIO_MMIO_BAD_ACCESS;
  bool qvalid = m->queue_sel < m->ops->num_queues;
  uint64_t offered = virtio_mmio_offered(m);
  switch (off) {
  case VIRTIO_MMIO_MAGIC_VALUE: *value = VIRTIO_MMIO_MAGIC; break;
  case VIRTIO_MMIO_VERSION: *value = 2; break;
  case VIRTIO_MMIO_DEVICE_ID: *value = m->ops->device_id; break;
  case VIRTIO_MMIO_VENDOR_ID: *value = VIRTIO_MMIO_VENDOR; break;
  case VIRTIO_MMIO_DEVICE_FEATURES:
    if (m->device_features_sel < 2)
      *value = (uint32_t)(offered >> (32 * m->device_features_sel));
    break;
  case VIRTIO_MMIO_QUEUE_NUM_MAX: *value = qvalid ? m->ops->queue_num_max : 0; break;
  case VIRTIO_MMIO_QUEUE_READY: *value = qvalid && m->queue[m->queue_sel].ready; break;
  case VIRTIO_MMIO_INTERRUPT_STATUS: *value = m->interrupt_status; break;
  case VIRTIO_MMIO_STATUS: *value = m->status; break;
  case VIRTIO_MMIO_SHM_LEN_LOW:
  case VIRTIO_MMIO_SHM_LEN_HIGH:
  case VIRTIO_MMIO_SHM_BASE_LOW:
  case VIRTIO_MMIO_SHM_BASE_HIGH: *value = 0xffffffffu; break;
  case VIRTIO_MMIO_QUEUE_RESET: *value = 0; break; /* VIRTIO_F_RING_RESET not offered */
  case VIRTIO_MMIO_CONFIG_GENERATION: *value = m->config_generation; break;
  default: break;
  }
  return 0;
}

int virtio_mmio_write(struct virtio_mmio *m, uint32_t off, unsigned width, uint32_t v) {
  if (off >= VIRTIO_MMIO_CONFIG) {
    if (!mmio_config_access_ok(m, off, width))
      return VIRTIO_MMIO_BAD_ACCESS;
    if (m->ops->config_write)
      m->ops->config_write(m->dev, off - VIRTIO_MMIO_CONFIG, width, v);
    return 0;
  }
  if (width != 4 || off % 4)
    return VIRTIO_MMIO_BAD_ACCESS;
  bool qvalid = m->queue_sel < m->ops->num_queues;
  struct virtio_mmio_queue *q = qvalid ? &m->queue[m->queue_sel] : 0;
  switch (off) {
  case VIRTIO_MMIO_DEVICE_FEATURES_SEL: m->device_features_sel = v; break;
  case VIRTIO_MMIO_DRIVER_FEATURES:
    /* 3.1.1: features are fixed once FEATURES_OK is set. */
    if (m->driver_features_sel < 2 && !(m->status & VIRTIO_STATUS_FEATURES_OK)) {
      unsigned sh = 32 * m->driver_features_sel;
      m->driver_features = (m->driver_features & ~(0xffffffffull << sh)) | (uint64_t)v << sh;
    }
    break;
  case VIRTIO_MMIO_DRIVER_FEATURES_SEL: m->driver_features_sel = v; break;
  case VIRTIO_MMIO_QUEUE_SEL: m->queue_sel = v; break;
  case VIRTIO_MMIO_QUEUE_NUM:
    if (q && !q->ready)
      q->num = v;
    break;
  case VIRTIO_MMIO_QUEUE_READY:
    if (q)
      mmio_write_ready(m, m->queue_sel, v);
    break;
  case VIRTIO_MMIO_QUEUE_NOTIFY:
    /* 2.1.2 / 3.1.1: the device uses no buffer before DRIVER_OK, and none
     * while it needs a reset. */
    if (v < m->ops->num_queues && m->queue[v].ready &&
        (m->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET)) ==
            VIRTIO_STATUS_DRIVER_OK &&
        m->ops->queue_notify)
      m->ops->queue_notify(m->dev, v);
    break;
  case VIRTIO_MMIO_INTERRUPT_ACK:
    m->interrupt_status &= ~v;
    mmio_update_irq(m);
    break;
  case VIRTIO_MMIO_STATUS: mmio_write_status(m, v); break;
  case VIRTIO_MMIO_QUEUE_DESC_LOW:
  case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    if (q)
      mmio_write_addr(q, &q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
    break;
  case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
  case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    if (q)
      mmio_write_addr(q, &q->driver, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
    break;
  case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
  case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
    if (q)
      mmio_write_addr(q, &q->device, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
    break;
  case VIRTIO_MMIO_SHM_SEL: m->shm_sel = v; break;
  default: break; /* read-only or reserved: ignored */
  }
  return 0;
}
