/* libFuzzer target: virtio-net (hv/dev/virtio/net.c) behind the virtio-mmio
 * transport, its frames going into a port of the VM switch
 * (hv/backend/vswitch.c) and frames coming back from a second port: what a
 * guest controls (register accesses, bytes anywhere in its RAM, rx and tx
 * descriptors and avail entries, notifies) mixed with frames of any length
 * and content from the other port, link changes, flushes and resets.
 * Guest RAM is an exact-size heap block, so any access outside it is an
 * ASan report; after every step the line follows InterruptStatus, no ring
 * holds more than its size, and the port's queue stays within its bound. */
#include "fuzz_input.h"
#include "hv/backend/netdev.h"
#include "hv/dev/virtio/mmio.h"
#include "hv/dev/virtio/net.h"
#include <stdlib.h>
#include <string.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x8000u
/* The honest layout: queue q's areas at q * 0x2000 (+0x1000 avail, +0x1400 used). */
#define Q_OFF(q) (0x2000u * (q))

static struct virtio_mmio m;
static struct net net;
static struct net_port port_dev, port_peer;
static struct net_port_queue queue;
static bool line;
static unsigned peer_got;

static void irq_set(void *ctx, bool level) {
  (void)ctx;
  if (level == line)
    abort();
  line = level;
}
static bool tx_room(void *ctx) { return vswitch_queue_room(ctx); }
static int tx(void *ctx, const uint8_t *f, uint32_t len) {
  if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
    abort(); /* the model checked it */
  return vswitch_enqueue(ctx, f, len);
}
static bool deliver_dev(void *owner, const uint8_t *d, uint32_t len) {
  (void)owner;
  if (!(m.status & VIRTIO_STATUS_DRIVER_OK) || (m.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
    return false;
  return net_receive(&net, d, len);
}
static bool deliver_peer(void *owner, const uint8_t *d, uint32_t len) {
  (void)owner, (void)d;
  if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
    abort();
  peer_got++;
  return true;
}
static const struct net_port_ops ops_dev = {deliver_dev}, ops_peer = {deliver_peer};

static void honest_start(uint32_t size, uint32_t features_lo) {
  virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0);
  virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 3);
  virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
  virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES, 4, features_lo);
  virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
  virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES, 4, 1);
  virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 11);
  for (uint32_t q = 0; q < 2; q++) {
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, q);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NUM, 4, size);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, (uint32_t)RAM_BASE + Q_OFF(q));
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 4, (uint32_t)RAM_BASE + Q_OFF(q) + 0x1000);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 4, 0);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 4, (uint32_t)RAM_BASE + Q_OFF(q) + 0x1400);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 4, 0);
    virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_READY, 4, 1);
  }
  virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 15);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size};
  static uint8_t frame[NET_FRAME_MAX + 64];
  uint8_t *ram = malloc(RAM_SIZE);
  memset(ram, 0, RAM_SIZE);
  struct vq_mem mem = {RAM_BASE, RAM_SIZE, ram};
  vswitch_reset_all();
  memset(&queue, 0, sizeof(queue));
  const uint8_t mac_dev[6] = {2, 0, 0, 0, 0, 1}, mac_peer[6] = {2, 0, 0, 0, 0, 2};
  port_dev = (struct net_port){.ops = &ops_dev, .q = &queue};
  memcpy(port_dev.mac, mac_dev, 6);
  port_peer = (struct net_port){.ops = &ops_peer, .any_source = true};
  memcpy(port_peer.mac, mac_peer, 6);
  if (vswitch_attach("f", &port_dev) || vswitch_attach("f", &port_peer))
    abort();
  struct net_backend be = {tx_room, tx, &port_dev};
  net_init(&net, mac_dev, (uint16_t)take(&in, 2), &be);
  line = false;
  peer_got = 0;
  if (virtio_mmio_init(&m, &net_virtio_ops, &net, &mem, irq_set, NULL))
    abort();
  uint16_t avail_idx[2] = {0, 0};
  uint64_t now = 0;

  while (in.n) {
    uint32_t op = (uint32_t)take(&in, 1);
    now += op;
    switch (op & 15) {
    case 0: { /* guest: bytes anywhere in its RAM */
      uint32_t off = (uint32_t)take(&in, 2) % RAM_SIZE;
      uint32_t n = 1 + (op >> 4);
      for (uint32_t i = 0; i < n && in.n; i++)
        ram[(off + i) % RAM_SIZE] = (uint8_t)take(&in, 1);
      break;
    }
    case 1: {
      uint32_t off = (uint32_t)take(&in, 2) % 0x180;
      virtio_mmio_write(&m, off, 1u << ((op >> 4) % 4), (uint32_t)take(&in, 4));
      break;
    }
    case 2: {
      uint32_t off = (uint32_t)take(&in, 2) % 0x180, v;
      if (virtio_mmio_read(&m, off, 1u << ((op >> 4) % 4), &v) && v)
        abort();
      break;
    }
    case 3: virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, (op >> 4) & 1); break;
    case 4:
      honest_start(1u << ((op >> 4) % 9), (uint32_t)take(&in, 4));
      avail_idx[0] = avail_idx[1] = 0;
      break;
    case 5: { /* guest: a descriptor of queue (op >> 4) & 1 */
      uint32_t q = (op >> 4) & 1, i = (uint32_t)take(&in, 1);
      uint8_t *d = ram + Q_OFF(q) + 16 * (i % 256);
      uint64_t addr = (op & 0x20) ? take(&in, 8) : RAM_BASE + 0x4000 + take(&in, 2) % 0x4000;
      uint32_t len = (op & 0x40) ? (uint32_t)take(&in, 4) : (uint32_t)take(&in, 2) % 0x800;
      uint16_t flags = (uint16_t)take(&in, 1), next = (uint16_t)take(&in, 1);
      memcpy(d, &addr, 8);
      memcpy(d + 8, &len, 4);
      memcpy(d + 12, &flags, 2);
      memcpy(d + 14, &next, 2);
      break;
    }
    case 6: { /* guest: publish a head on queue q, maybe notify */
      uint32_t q = (op >> 4) & 1;
      uint16_t head = (uint16_t)take(&in, 1);
      uint32_t qsz = m.queue[q].num && m.queue[q].num <= 256 ? m.queue[q].num : 1;
      memcpy(ram + Q_OFF(q) + 0x1000 + 4 + 2 * (avail_idx[q] % qsz), &head, 2);
      avail_idx[q]++;
      memcpy(ram + Q_OFF(q) + 0x1002, &avail_idx[q], 2);
      if (op & 0x20)
        virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, q);
      break;
    }
    case 7: { /* the other port sends a frame of any length and content */
      uint32_t len = (uint32_t)take(&in, 2) % sizeof(frame);
      for (uint32_t i = 0; i < len && in.n; i++)
        frame[i] = (uint8_t)take(&in, 1);
      if (op & 0x10 && len >= 12)
        memcpy(frame, mac_dev, 6);
      vswitch_send(&port_peer, frame, len, now);
      break;
    }
    case 8: /* the hypervisor: flush the port, resume a stalled tx */
      vswitch_flush(&port_dev, now);
      net_tx_resume(&net);
      break;
    case 9:
      if (net_set_link(&net, op & 0x10))
        virtio_mmio_config_changed(&m);
      break;
    case 10: virtio_mmio_reset(&m); break;
    default: virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, NET_TXQ); break;
    }
    if (m.irq_level != (m.interrupt_status != 0) || line != m.irq_level)
      abort();
    for (unsigned q = 0; q < 2; q++)
      if (m.queue[q].ready && !m.vq[q].broken && m.vq[q].inflight)
        abort(); /* nothing is held across calls */
    if (queue.count > NET_PORT_QLEN)
      abort();
  }
  vswitch_flush(&port_dev, now);
  free(ram);
  return 0;
}
