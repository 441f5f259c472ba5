/* virtio-net over virtio-mmio, driven by the hypervisor itself (virtio 1.1,
 * 4.2 and 5.1). Each receive and transmit buffer is one descriptor holding
 * the virtio_net_hdr and the frame (VIRTIO_F_ANY_LAYOUT on legacy; implied
 * by VERSION_1 on modern: 5.1.6.6 lets the header share a buffer). */
#include "virtio_net.h"
#include "../lib/printf.h"
#include "virtio_mmio.h"
#include <string.h>

#define VIRTIO_ID_NET 1u
/* 5.1.3 Feature bits (low word). */
#define VNET_F_MAC (1u << 5)
#define VNET_F_STATUS (1u << 16)
#define VIRTIO_F_ANY_LAYOUT (1u << 27)
#define VNET_S_LINK_UP 1u
#define VNET_RX 0u
#define VNET_TX 1u
#define VNET_TIMEOUT_MS 1000u

static uint64_t ticks(const struct vnet *d, uint64_t ms) {
  return (d->host->timebase ? d->host->timebase : 10000000u) * ms / 1000u;
}

static uint8_t *buf_at(uint64_t bufs, unsigned i) {
  return (uint8_t *)(uintptr_t)(bufs + (uint64_t)i * VNET_BUF_BYTES);
}

/* 5.1.4 config: mac[6] at 0, status (le16) at 6; read byte-wise (legal on
 * both interfaces), stable by ConfigGeneration on modern. */
static void read_config(struct vnet *d) {
  for (int tries = 0; tries < 16; tries++) {
    uint32_t g0 = d->version == 2 ? vmmio_read32(d->base, VMMIO_CONFIG_GENERATION) : 0;
    for (unsigned i = 0; i < 6; i++)
      d->mac[i] = *(volatile uint8_t *)(uintptr_t)(d->base + VMMIO_CONFIG + i);
    uint16_t st = *(volatile uint8_t *)(uintptr_t)(d->base + VMMIO_CONFIG + 6);
    uint32_t g1 = d->version == 2 ? vmmio_read32(d->base, VMMIO_CONFIG_GENERATION) : 0;
    d->link_up = !d->has_status || (st & VNET_S_LINK_UP);
    if (g0 == g1)
      return;
  }
}

static void post_rx(struct vnet *d, unsigned i) {
  struct virtq_buf b = {d->rx_bufs + (uint64_t)i * VNET_BUF_BYTES, VNET_BUF_BYTES, true};
  uint16_t head;
  if (virtq_add_chain(&d->rxq, &b, 1, &head) == VIRTQ_OK)
    d->rx_buf_of[head] = (uint16_t)i;
  else
    d->broken = true; /* cannot happen: one buffer per entry */
}

int vnet_open(struct vnet *d, const struct vnet_host *host, uint64_t base, uint32_t version,
              char *err, size_t errlen) {
  memset(d, 0, sizeof(*d));
  d->host = host;
  d->base = base;
  d->version = version;
  if (vmmio_read32(base, VMMIO_DEVICE_ID) != VIRTIO_ID_NET) {
    rv_snprintf(err, errlen, "virtio-net at 0x%lx: not a network device", (unsigned long)base);
    return -1;
  }
  uint32_t want = VNET_F_MAC | VNET_F_STATUS | (version == 1 ? VIRTIO_F_ANY_LAYOUT : 0), got;
  if (vmmio_begin(base, version, want, &got, ticks(d, VNET_TIMEOUT_MS), err, errlen))
    goto fail;
  if (version == 1 && !(got & VIRTIO_F_ANY_LAYOUT)) {
    rv_snprintf(err, errlen, "virtio-net at 0x%lx: legacy device without ANY_LAYOUT",
                (unsigned long)base);
    goto fail;
  }
  d->has_status = (got & VNET_F_STATUS) != 0;
  d->hdr_len = version == 1 ? 10 : 12;
  unsigned q = VNET_QSIZE;
  int max_rx = vmmio_queue_max(base, VNET_RX), max_tx = vmmio_queue_max(base, VNET_TX);
  while (q > 1 && ((int)q > max_rx || (int)q > max_tx))
    q >>= 1;
  if (q < 2) {
    rv_snprintf(err, errlen, "virtio-net at 0x%lx: queues too small", (unsigned long)base);
    goto fail;
  }
  d->qsize = q;
  uint64_t qbytes = vmmio_queue_bytes(version, q);
  uint64_t rxq = host->alloc(qbytes, VMMIO_PAGE), txq = host->alloc(qbytes, VMMIO_PAGE);
  d->rx_bufs = host->alloc((uint64_t)q * VNET_BUF_BYTES, VMMIO_PAGE);
  d->tx_bufs = host->alloc((uint64_t)q * VNET_BUF_BYTES, VMMIO_PAGE);
  if (!qbytes || !rxq || !txq || !d->rx_bufs || !d->tx_bufs) {
    rv_snprintf(err, errlen, "virtio-net at 0x%lx: out of memory for its queues",
                (unsigned long)base);
    goto fail; /* what was allocated stays: the device may hold it (boot, rare) */
  }
  if (vmmio_setup_queue(base, version, VNET_RX, q, rxq, &d->rxq, err, errlen) ||
      vmmio_setup_queue(base, version, VNET_TX, q, txq, &d->txq, err, errlen))
    goto fail;
  virtq_disable_interrupts(&d->txq); /* transmit buffers are reclaimed as they are needed */
  for (unsigned i = 0; i < q; i++)
    d->tx_free[d->ntx_free++] = (uint16_t)i;
  read_config(d);
  if (vmmio_driver_ok(base, err, errlen))
    goto fail;
  for (unsigned i = 0; i < q; i++)
    post_rx(d, i);
  vmmio_write32(base, VMMIO_QUEUE_NOTIFY, VNET_RX);
  host->log("virtio-net: slot 0x%lx, virtio-mmio version %u (%s), MAC "
            "%02x:%02x:%02x:%02x:%02x:%02x, link %s, queues of %u",
            (unsigned long)base, version, version == 1 ? "legacy" : "modern", d->mac[0], d->mac[1],
            d->mac[2], d->mac[3], d->mac[4], d->mac[5], d->link_up ? "up" : "down", q);
  return 0;
fail:
  vmmio_reset(base, version, ticks(d, VNET_TIMEOUT_MS));
  vmmio_write32(base, VMMIO_STATUS, 0x80); /* FAILED */
  d->broken = true;
  return -1;
}

bool vnet_ack(struct vnet *d) {
  uint32_t isr = vmmio_read32(d->base, VMMIO_INTERRUPT_STATUS) & 3u;
  if (isr)
    vmmio_write32(d->base, VMMIO_INTERRUPT_ACK, isr);
  if (!(isr & 2u))
    return false;
  bool was = d->link_up;
  read_config(d);
  return was != d->link_up;
}

/* Transmit buffers the device is done with go back to the free list. */
static void reclaim_tx(struct vnet *d) {
  uint16_t head;
  uint32_t len;
  int r;
  while ((r = virtq_poll_used(&d->txq, &head, &len)) == 1)
    d->tx_free[d->ntx_free++] = d->tx_buf_of[head];
  if (r < 0)
    d->broken = true;
}

bool vnet_send(struct vnet *d, const uint8_t *frame, uint32_t len) {
  if (d->broken || !len || len > VNET_FRAME_MAX)
    return false;
  if (!d->ntx_free)
    reclaim_tx(d);
  if (!d->ntx_free) {
    d->tx_full++;
    return false;
  }
  unsigned i = d->tx_free[--d->ntx_free];
  uint8_t *b = buf_at(d->tx_bufs, i);
  memset(b, 0, d->hdr_len); /* 5.1.6: no checksum offload, no GSO */
  memcpy(b + d->hdr_len, frame, len);
  struct virtq_buf vb = {d->tx_bufs + (uint64_t)i * VNET_BUF_BYTES, d->hdr_len + len, false};
  uint16_t head;
  if (virtq_add_chain(&d->txq, &vb, 1, &head) != VIRTQ_OK) {
    d->tx_free[d->ntx_free++] = (uint16_t)i;
    d->tx_full++;
    return false;
  }
  d->tx_buf_of[head] = (uint16_t)i;
  d->tx_frames++;
  vmmio_write32(d->base, VMMIO_QUEUE_NOTIFY, VNET_TX);
  return true;
}

int vnet_rx_take(struct vnet *d, unsigned *buf, const uint8_t **frame, uint32_t *len) {
  for (;;) {
    if (d->broken)
      return -1;
    uint16_t head;
    uint32_t used;
    int r = virtq_poll_used(&d->rxq, &head, &used);
    if (r < 0) {
      d->broken = true;
      d->host->log("virtio-net: slot 0x%lx: %s: the NIC is stopped", (unsigned long)d->base,
                   virtq_strerror(r));
      return -1;
    }
    if (r == 0)
      return 0;
    unsigned i = d->rx_buf_of[head];
    if (used <= d->hdr_len || used - d->hdr_len > VNET_FRAME_MAX) {
      d->rx_errors++; /* a runt or a giant: give the buffer back */
      vnet_rx_give(d, i, false);
      continue;
    }
    *buf = i;
    *frame = buf_at(d->rx_bufs, i) + d->hdr_len;
    *len = used - d->hdr_len;
    d->rx_frames++;
    return 1;
  }
}

void vnet_rx_give(struct vnet *d, unsigned buf, bool notify) {
  if (d->broken || buf >= d->qsize)
    return;
  post_rx(d, buf);
  if (notify)
    vmmio_write32(d->base, VMMIO_QUEUE_NOTIFY, VNET_RX);
}

void vnet_rx_notify(struct vnet *d) {
  if (!d->broken)
    vmmio_write32(d->base, VMMIO_QUEUE_NOTIFY, VNET_RX);
}
