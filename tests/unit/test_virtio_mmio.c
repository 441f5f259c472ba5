/* Host tests of the virtio-mmio version 2 transport (hv/dev/virtio/mmio.c)
 * with a small fake device behind it: the fixed registers, access widths,
 * feature negotiation and the status state machine, queue setup and its
 * checks, notifications (none before DRIVER_OK or while a reset is
 * needed), queue registers rewritten while ready, the level-triggered
 * interrupt line and InterruptACK, shared memory, config generation, and
 * reset (the device is told, everything is forgotten). */
#include "check.h"
#include "hv/dev/virtio/mmio.h"
#include <stdlib.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)

static uint8_t *ram;
static struct vq_mem mem;

/* The fake device: 8 bytes of config, counts what it is told. */
struct fake {
  uint8_t config[8];
  int notified[2], resets, activations;
  uint64_t active_features;
  struct virtio_transport *t;
  bool refuse;
};

static uint64_t fake_features(void *d) {
  (void)d;
  return 1ull << 5 | 1ull << 9;
}
static bool fake_features_ok(void *d, uint64_t f) {
  (void)f;
  return !((struct fake *)d)->refuse;
}
static uint32_t fake_config_read(void *d, uint32_t off, unsigned width) {
  uint32_t v = 0;
  memcpy(&v, ((struct fake *)d)->config + off, width);
  return v;
}
static void fake_config_write(void *d, uint32_t off, unsigned width, uint32_t v) {
  memcpy(((struct fake *)d)->config + off, &v, width);
}
static void fake_activate(void *d, struct virtio_transport *t, uint64_t f) {
  struct fake *k = d;
  k->activations++;
  k->active_features = f;
  k->t = t;
}
static void fake_notify(void *d, unsigned qi) { ((struct fake *)d)->notified[qi]++; }
static void fake_reset(void *d) { ((struct fake *)d)->resets++; }

static const struct virtio_dev_ops fake_ops = {
    .device_id = 42,
    .num_queues = 2,
    .queue_num_max = 64,
    .config_len = 8,
    .features = fake_features,
    .features_ok = fake_features_ok,
    .config_read = fake_config_read,
    .config_write = fake_config_write,
    .activate = fake_activate,
    .queue_notify = fake_notify,
    .reset = fake_reset,
};

static int irq_changes;
static bool irq_line;
static void irq_set(void *ctx, bool level) {
  CHECK(ctx == &irq_line);
  irq_line = level;
  irq_changes++;
}

static uint32_t rd(struct virtio_mmio *m, uint32_t off) {
  uint32_t v = 0xdeadbeef;
  CHECK_EQ_INT(virtio_mmio_read(m, off, 4, &v), 0);
  return v;
}
static void wr(struct virtio_mmio *m, uint32_t off, uint32_t v) {
  CHECK_EQ_INT(virtio_mmio_write(m, off, 4, v), 0);
}

static void negotiate(struct virtio_mmio *m, uint64_t f) {
  wr(m, VIRTIO_MMIO_STATUS, 0);
  wr(m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  wr(m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
  wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
  wr(m, VIRTIO_MMIO_STATUS,
     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct virtio_mmio *m, unsigned qi, uint32_t num, uint64_t desc) {
  wr(m, VIRTIO_MMIO_QUEUE_SEL, qi);
  wr(m, VIRTIO_MMIO_QUEUE_NUM, num);
  wr(m, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
  wr(m, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
  wr(m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(desc + 0x1000));
  wr(m, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((desc + 0x1000) >> 32));
  wr(m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(desc + 0x2000));
  wr(m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((desc + 0x2000) >> 32));
  wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
}

static const uint32_t ALL = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                            VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;

static void test_fixed_registers(void) {
  static struct virtio_mmio m;
  struct fake f = {0};
  CHECK_EQ_INT(virtio_mmio_init(&m, &fake_ops, &f, &mem, irq_set, &irq_line), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_VERSION), 2);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_DEVICE_ID), 42);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_DEVICE_FEATURES), (1u << 5) | (1u << 9) | (1u << 28) | (1u << 29));
  wr(&m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1, bit 32 */
  wr(&m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_DEVICE_FEATURES), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
  wr(&m, VIRTIO_MMIO_QUEUE_SEL, 1);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
  wr(&m, VIRTIO_MMIO_QUEUE_SEL, 2);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
  /* No shared memory regions: length and base all ones, for any id. */
  wr(&m, VIRTIO_MMIO_SHM_SEL, 3);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffffu);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_SHM_BASE_LOW), 0xffffffffu);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffffu);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_RESET), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), 0);
  /* Read-only registers ignore writes; write-only ones read as 0. */
  wr(&m, VIRTIO_MMIO_MAGIC_VALUE, 0);
  wr(&m, VIRTIO_MMIO_INTERRUPT_STATUS, 3);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_DESC_LOW), 0);

  /* Widths: registers 32-bit aligned only; config 8/16/32, aligned, inside. */
  uint32_t v = 7;
  CHECK_EQ_INT(virtio_mmio_read(&m, VIRTIO_MMIO_MAGIC_VALUE, 1, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ(v, 0);
  CHECK_EQ_INT(virtio_mmio_read(&m, VIRTIO_MMIO_MAGIC_VALUE, 8, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_read(&m, 2, 4, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 2, 1), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), 0);
  memcpy(f.config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x100, 4, &v), 0);
  CHECK_EQ(v, 0x04030201);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x106, 2, &v), 0);
  CHECK_EQ(v, 0x0807);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x107, 1, &v), 0);
  CHECK_EQ(v, 0x08);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x105, 2, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x106, 4, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x108, 1, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x100, 8, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0xffffffffu, 1, &v), VIRTIO_MMIO_BAD_ACCESS);
  CHECK_EQ_INT(virtio_mmio_write(&m, 0x104, 2, 0xaabb), 0);
  CHECK_EQ(f.config[4], 0xbb);
  CHECK_EQ(f.config[5], 0xaa);
  /* A device asking for more than the model has. */
  struct virtio_dev_ops big = fake_ops;
  big.num_queues = VIRTIO_MMIO_MAX_QUEUES + 1;
  CHECK_EQ_INT(virtio_mmio_init(&m, &big, &f, &mem, 0, 0), -1);
  big = fake_ops;
  big.queue_num_max = VQ_MAX_SIZE * 2;
  CHECK_EQ_INT(virtio_mmio_init(&m, &big, &f, &mem, 0, 0), -1);
}

static void test_negotiation(void) {
  static struct virtio_mmio m;
  struct fake f = {0};
  virtio_mmio_init(&m, &fake_ops, &f, &mem, irq_set, &irq_line);
  /* Order: DRIVER needs ACKNOWLEDGE; FEATURES_OK needs DRIVER. */
  wr(&m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), 0);
  wr(&m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  wr(&m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FEATURES_OK);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE);
  /* Without VERSION_1: FEATURES_OK refused. */
  negotiate(&m, 1ull << 5);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  /* A feature not offered: refused. */
  negotiate(&m, VIRTIO_F_VERSION_1 | 1ull << 6);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  negotiate(&m, VIRTIO_F_VERSION_1 | 1ull << 40);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  /* The device's own veto. */
  f.refuse = true;
  negotiate(&m, VIRTIO_F_VERSION_1);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  f.refuse = false;
  /* DRIVER_OK before FEATURES_OK is not taken. */
  wr(&m, VIRTIO_MMIO_STATUS,
     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  CHECK_EQ(f.activations, 0);
  /* An acceptable set; after FEATURES_OK the features are fixed. */
  negotiate(&m, VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | 1ull << 9);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS),
           VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
  wr(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr(&m, VIRTIO_MMIO_DRIVER_FEATURES, 0);
  /* A write that clears a bit is ignored. */
  wr(&m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER_OK);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK, 0);
  wr(&m, VIRTIO_MMIO_STATUS, ALL);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), ALL);
  CHECK_EQ(f.activations, 1);
  CHECK_EQ(f.active_features, VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | 1ull << 9);
  CHECK(f.t == &m.t);
  /* The driver cannot set DEVICE_NEEDS_RESET; FAILED it can. */
  wr(&m, VIRTIO_MMIO_STATUS, ALL | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), ALL);
  wr(&m, VIRTIO_MMIO_STATUS, ALL | VIRTIO_STATUS_FAILED);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), ALL | VIRTIO_STATUS_FAILED);
  int resets = f.resets;
  wr(&m, VIRTIO_MMIO_STATUS, 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), 0);
  CHECK_EQ(f.resets, resets + 1);
}

static void test_queues_and_notify(void) {
  static struct virtio_mmio m;
  struct fake f = {0};
  virtio_mmio_init(&m, &fake_ops, &f, &mem, irq_set, &irq_line);
  /* QueueReady before FEATURES_OK: not taken. */
  setup_queue(&m, 0, 16, RAM_BASE + 0x10000);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
  negotiate(&m, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC);
  setup_queue(&m, 0, 16, RAM_BASE + 0x10000);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 1);
  CHECK(!m.vq[0].broken && m.vq[0].size == 16 && m.vq[0].indirect && !m.vq[0].event_idx);
  CHECK(m.vq[0].desc == ram + 0x10000 && m.vq[0].avail == ram + 0x11000);
  CHECK(m.vq[0].used == ram + 0x12000);
  /* Notify before DRIVER_OK: ignored. */
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK_EQ(f.notified[0], 0);
  wr(&m, VIRTIO_MMIO_STATUS, ALL);
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK_EQ(f.notified[0], 1);
  /* Not ready, or no such queue: ignored. */
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 2);
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 0x10000);
  CHECK_EQ(f.notified[1], 0);
  CHECK_EQ(f.notified[0], 1);
  /* Queue registers rewritten while ready change nothing. */
  wr(&m, VIRTIO_MMIO_QUEUE_SEL, 0);
  wr(&m, VIRTIO_MMIO_QUEUE_NUM, 64);
  wr(&m, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
  wr(&m, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0xffffffff);
  wr(&m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0);
  wr(&m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 1);
  wr(&m, VIRTIO_MMIO_QUEUE_READY, 1);
  CHECK(!m.vq[0].broken && m.vq[0].size == 16 && m.vq[0].desc == ram + 0x10000);
  CHECK(m.queue[0].num == 16 && m.queue[0].desc == RAM_BASE + 0x10000);
  CHECK(m.queue[0].driver == RAM_BASE + 0x11000 && m.queue[0].device == RAM_BASE + 0x12000);
  /* QueueReady = 0 stops the queue and forgets its requests. */
  int resets = f.resets;
  wr(&m, VIRTIO_MMIO_QUEUE_READY, 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
  CHECK(m.vq[0].broken);
  CHECK_EQ(f.resets, resets + 1);
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK_EQ(f.notified[0], 1);
  setup_queue(&m, 0, 16, RAM_BASE + 0x10000);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 1);

  /* A queue the device cannot use: stays not ready, DEVICE_NEEDS_RESET, and
   * (DRIVER_OK being set) a configuration change interrupt. */
  CHECK(!irq_line);
  setup_queue(&m, 1, 128, RAM_BASE + 0x20000); /* > QueueNumMax */
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), ALL | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
  CHECK(irq_line);
  /* While it needs a reset, notifications do nothing. */
  wr(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK_EQ(f.notified[0], 1);
  wr(&m, VIRTIO_MMIO_STATUS, 0);
  CHECK(!irq_line);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
  CHECK(m.queue[0].num == 0 && m.queue[0].desc == 0 && m.vq[0].broken);

  /* Other bad queues: not a power of two, outside RAM, straddling its end,
   * misaligned, 0. NEEDS_RESET before DRIVER_OK raises no interrupt. */
  struct {
    uint32_t num;
    uint64_t desc;
  } bad[] = {{12, RAM_BASE + 0x10000}, {16, 0x10000000},        {16, RAM_BASE + RAM_SIZE - 0x1800},
             {16, RAM_BASE + 0x10008}, {0, RAM_BASE + 0x10000}, {16, 0xfffffffffffff000ull}};
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    negotiate(&m, VIRTIO_F_VERSION_1);
    setup_queue(&m, 0, bad[i].num, bad[i].desc);
    CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
    CHECK(rd(&m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
  }
}

static void test_interrupts(void) {
  static struct virtio_mmio m;
  struct fake f = {0};
  irq_changes = 0;
  virtio_mmio_init(&m, &fake_ops, &f, &mem, irq_set, &irq_line);
  CHECK_EQ(irq_changes, 0);
  negotiate(&m, VIRTIO_F_VERSION_1);
  setup_queue(&m, 0, 16, RAM_BASE + 0x10000);
  wr(&m, VIRTIO_MMIO_STATUS, ALL);
  /* A used buffer (pushed as the device would) asserts the line. */
  memset(ram + 0x10000, 0, 0x3000);
  struct vq *q = &m.vq[0];
  uint16_t one = 1;
  memcpy(ram + 0x11002, &one, 2); /* avail idx 1, head 0, desc 0 in RAM */
  uint64_t a = RAM_BASE + 0x30000;
  memcpy(ram + 0x10000, &a, 8);
  static struct vq_chain c;
  CHECK_EQ_INT(vq_pop(q, &c), 1);
  CHECK_EQ_INT(vq_push(q, c.head, 0), 0);
  f.t->signal_used(f.t, 0);
  CHECK(irq_line && m.irq_level);
  CHECK_EQ(irq_changes, 1);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
  /* Level: stays up while any bit is set; a config change adds bit 1. */
  virtio_mmio_config_changed(&m);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_CONFIG_GENERATION), 1);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), 3);
  wr(&m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
  CHECK(irq_line);
  CHECK_EQ(irq_changes, 1);
  wr(&m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
  CHECK(!irq_line);
  CHECK_EQ(irq_changes, 2);
  /* Nothing new pushed: no new interrupt. */
  f.t->signal_used(f.t, 0);
  CHECK(!irq_line);
  /* The device's error: NEEDS_RESET plus config interrupt, once. */
  f.t->signal_error(f.t);
  f.t->signal_error(f.t);
  CHECK(irq_line);
  CHECK_EQ(irq_changes, 3);
  CHECK(rd(&m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* Reset from outside (a reboot) lowers the line and tells the device. */
  int resets = f.resets;
  virtio_mmio_reset(&m);
  CHECK(!irq_line);
  CHECK_EQ(f.resets, resets + 1);
  CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), 0);
  /* The generation survives a reset (it only ever moves forward). */
  CHECK_EQ(rd(&m, VIRTIO_MMIO_CONFIG_GENERATION), 1);
  /* Before DRIVER_OK, a config change raises nothing. */
  virtio_mmio_config_changed(&m);
  CHECK(!irq_line);
}

int main(void) {
  ram = aligned_alloc(4096, RAM_SIZE);
  memset(ram, 0, RAM_SIZE);
  mem = (struct vq_mem){RAM_BASE, RAM_SIZE, ram};
  test_fixed_registers();
  test_negotiation();
  test_queues_and_notify();
  test_interrupts();
  free(ram);
  return check_report("virtio_mmio");
}
