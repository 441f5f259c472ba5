/* The virtio-net device model (virtio 1.2, section 5.1): one receive and one
 * transmit queue (no control queue), features MAC, STATUS, MTU and
 * MRG_RXBUF (the transport adds VERSION_1, INDIRECT_DESC and EVENT_IDX).
 * Each frame carries the 12-byte struct virtio_net_hdr of VERSION_1.
 *
 * Transmit: every chain of the tx queue is a header and a frame the driver
 * wrote; the frame (14..MTU+14 bytes) goes to the backend, a copy; a bad
 * header, a zero-length, short or oversized frame, or a chain with buffers
 * for the device to write is dropped and counted. Every chain is used (len
 * 0) either way. When the backend has no room the model stops taking chains
 * (tx_stalled) and leaves them in the guest's ring until net_tx_resume().
 * Receive: net_receive() copies a frame into the buffers the driver posted,
 * in order, one chain (or, with MRG_RXBUF, as many as it needs, num_buffers
 * in the header); with none posted, or too small, the frame is dropped and
 * counted on this device only.
 *
 * Behind a transport through net_virtio_ops. Not locked: the transport's
 * caller holds the device's lock around every call, net_receive() too. */
#ifndef RV_VIRTIO_NET_H
#define RV_VIRTIO_NET_H
#include "../../backend/netdev.h"
#include "virtio.h"
#include <stdbool.h>
#include <stdint.h>

#ifndef VIRTIO_ID_NET
#define VIRTIO_ID_NET 1u
#endif
/* 5.1.3 Feature bits. */
#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)
/* 5.1.4 status. */
#define VIRTIO_NET_S_LINK_UP 1u
/* 5.1.6 struct virtio_net_hdr with VERSION_1: flags, gso_type, hdr_len,
 * gso_size, csum_start, csum_offset, num_buffers. */
#define VIRTIO_NET_HDR_BYTES 12u
#define VIRTIO_NET_HDR_GSO_NONE 0u
/* 5.1.4 configuration: mac[6], status, max_virtqueue_pairs, mtu. */
#define NET_CONFIG_LEN 12u
#define NET_QUEUE_SIZE VQ_MAX_SIZE
#define NET_RXQ 0u
#define NET_TXQ 1u
#define NET_MTU_MIN 68u
#define NET_MTU_MAX 1500u
#define NET_MTU_DEFAULT 1500u

/* Where transmitted frames go (a switch port's queue, in the hypervisor). */
struct net_backend {
  /* Room for one more frame? */
  bool (*tx_room)(void *ctx);
  /* One frame of len bytes at frame (valid during the call): 0, or -1 if
   * it was dropped (the backend counts why). */
  int (*tx)(void *ctx, const uint8_t *frame, uint32_t len);
  void *ctx;
};

struct net_stats {
  uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
  uint64_t tx_bad_len;   /* dropped: zero-length, shorter than 14 or longer than MTU + 14 */
  uint64_t tx_bad_hdr;   /* dropped: chain shorter than the header, or flags/gso/num_buffers set */
  uint64_t tx_bad_chain; /* dropped: buffers the device would write in a tx chain */
  uint64_t tx_backend;   /* refused by the backend (counted there too) */
  uint64_t rx_no_buffer; /* dropped: no receive buffer posted (or not enough, MRG_RXBUF) */
  uint64_t rx_too_small; /* dropped: a receive chain too small (or readable) for it */
  uint64_t rx_not_ready; /* dropped: link down, or the driver not running its rx queue */
  uint64_t queue_errors; /* a ring broken by a bad chain: DEVICE_NEEDS_RESET */
};

struct net {
  struct net_backend be;
  struct virtio_transport *t; /* set at DRIVER_OK */
  uint64_t features;
  uint8_t config[NET_CONFIG_LEN];
  uint16_t mtu;
  bool link_up;
  bool tx_stalled; /* the backend had no room: chains wait in the ring */
  struct net_stats st;
  struct vq_chain chain;                               /* scratch: the chain being handled */
  uint8_t frame[VIRTIO_NET_HDR_BYTES + NET_FRAME_MAX]; /* scratch: a tx frame */
  uint16_t rx_head[NET_QUEUE_SIZE];                    /* scratch: chains of one rx frame */
  uint32_t rx_len[NET_QUEUE_SIZE];
};

extern const struct virtio_dev_ops net_virtio_ops;

/* Set n up: its MAC, its MTU (NET_MTU_MIN..NET_MTU_MAX, else the default),
 * link up, frames to be. */
void net_init(struct net *n, const uint8_t mac[6], uint16_t mtu, const struct net_backend *be);
/* The link goes up or down: true when it changed (the caller then tells the
 * transport: virtio_mmio_config_changed(), a configuration interrupt). */
bool net_set_link(struct net *n, bool up);
/* A frame for the driver (len bytes, valid during the call), with the
 * driver running (the caller checks DRIVER_OK): true when it was put in
 * the driver's receive buffers, false when dropped (counted). */
bool net_receive(struct net *n, const uint8_t *frame, uint32_t len);
/* Take the tx chains left in the ring when the backend had no room; true if
 * it stalled again (more wait). */
bool net_tx_resume(struct net *n);

#endif
