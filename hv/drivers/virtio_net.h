/* The hypervisor's own virtio-net driver (virtio 1.1: 4.2 virtio over MMIO,
 * legacy and modern; 5.1 network device), for a host NIC that uplinks a
 * switch: its own receive and transmit buffers (frames are copied in and
 * out: a frame on the wire belongs to no one guest), interrupt-driven (the
 * caller calls vnet_ack and takes frames after the device's interrupt).
 * Not locked: the caller (hv/backend/hostnic.c) serialises every call. */
#ifndef RV_DRIVERS_VIRTIO_NET_H
#define RV_DRIVERS_VIRTIO_NET_H
#include "../lib/virtq.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VNET_QSIZE 64u       /* entries of each queue (fewer if the device has fewer) */
#define VNET_BUF_BYTES 2048u /* one receive or transmit buffer: header + frame */
#define VNET_FRAME_MAX 1514u /* no GSO, no MRG_RXBUF: an Ethernet frame without FCS */

struct vnet_host {
  uint64_t (*alloc)(uint64_t size, uint64_t align); /* zeroed frames, 0 if none */
  void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
  uint64_t timebase; /* Hz; 0: 10 MHz */
};

struct vnet {
  const struct vnet_host *host;
  uint64_t base;
  uint32_t version;
  uint8_t mac[6];
  bool has_status, link_up;
  unsigned hdr_len; /* 10 (legacy) or 12 (modern) */
  unsigned qsize;
  struct virtq rxq, txq;
  uint64_t rx_bufs, tx_bufs;          /* qsize buffers each */
  uint16_t rx_buf_of[VIRTQ_MAX_SIZE]; /* head -> receive buffer */
  uint16_t tx_buf_of[VIRTQ_MAX_SIZE]; /* head -> transmit buffer */
  uint16_t tx_free[VIRTQ_MAX_SIZE];
  unsigned ntx_free;
  bool broken;
  uint64_t rx_frames, tx_frames, rx_errors, tx_full;
};

/* Initialise the network device in the virtio-mmio slot at base (version
 * 1 or 2): MAC and STATUS if offered, both queues, every receive buffer
 * posted, interrupts on. 0, or -1 with err. */
int vnet_open(struct vnet *d, const struct vnet_host *host, uint64_t base, uint32_t version,
              char *err, size_t errlen);
/* After the device's interrupt: acknowledge it; true if the link state
 * changed (d->link_up says which), from a configuration change. */
bool vnet_ack(struct vnet *d);
/* Queue one frame (copied) for transmission and notify. False when every
 * transmit buffer is in flight (the caller drops the frame) or the frame is
 * empty or larger than VNET_FRAME_MAX. */
bool vnet_send(struct vnet *d, const uint8_t *frame, uint32_t len);
/* Take the next received frame: 1 with *buf (give it back with
 * vnet_rx_give), *frame and *len; 0 if none; -1 if the device broke the
 * ring's rules (the device is then unusable). */
int vnet_rx_take(struct vnet *d, unsigned *buf, const uint8_t **frame, uint32_t *len);
/* Post receive buffer buf again; notify says whether to tell the device now. */
void vnet_rx_give(struct vnet *d, unsigned buf, bool notify);
/* Tell the device receive buffers were posted. */
void vnet_rx_notify(struct vnet *d);

#endif
