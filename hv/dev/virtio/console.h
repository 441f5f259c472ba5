/* The virtio-console device model (virtio 1.2, section 5.3): one port, no
 * MULTIPORT, SIZE or EMERG_WRITE; receiveq (0) and transmitq (1). What the
 * driver transmits goes to out() in order, byte for byte; what its owner
 * has for it (in_ready/in_take: the VM's console input, which a vUART and
 * SBI getchar also read: first reader gets each byte) goes into the
 * receive buffers the driver posted, in order, when input arrives or the
 * driver posts buffers. Behind a transport through vcon_virtio_ops; pure
 * and not locked (the transport's caller holds the device's lock). */
#ifndef RV_VIRTIO_CONSOLE_H
#define RV_VIRTIO_CONSOLE_H
#include "virtio.h"
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_ID_CONSOLE 3u
#define VCON_RX 0u
#define VCON_TX 1u
#define VCON_CONFIG_LEN 12u /* cols, rows (le16), max_nr_ports, emerg_wr (le32): all 0 */

struct vcon {
  struct virtio_transport *t; /* set at DRIVER_OK */
  void (*out)(void *ctx, const uint8_t *p, size_t n);
  bool (*in_ready)(void *ctx);
  int (*in_take)(void *ctx); /* the next input byte, or -1 */
  void *ctx;
  struct vq_chain chain; /* scratch */
  uint64_t tx_bytes, rx_bytes, tx_bad;
};

extern const struct virtio_dev_ops vcon_virtio_ops;
void vcon_init(struct vcon *c, void (*out)(void *ctx, const uint8_t *p, size_t n),
               bool (*in_ready)(void *ctx), int (*in_take)(void *ctx), void *ctx);
/* Input may be waiting: fill what the driver posted. */
void vcon_input(struct vcon *c);

#endif
