#include "console.h"
#include <string.h>

void vcon_init(struct vcon *c, void (*out)(void *ctx, const uint8_t *p, size_t n),
               bool (*in_ready)(void *ctx), int (*in_take)(void *ctx), void *ctx) {
  memset(c, 0, sizeof(*c));
  c->out = out;
  c->in_ready = in_ready;
  c->in_take = in_take;
  c->ctx = ctx;
}

static uint64_t vcon_features(void *dev) {
  (void)dev;
  return 0;
}

static uint32_t vcon_config_read(void *dev, uint32_t off, unsigned width) {
  (void)dev;
  (void)off;
  (void)width;
  return 0; /* no SIZE, no MULTIPORT: cols, rows and max_nr_ports are not valid */
}

static void vcon_config_write(void *dev, uint32_t off, unsigned width, uint32_t v) {
  (void)dev;
  (void)off;
  (void)width;
  (void)v; /* emerg_wr needs VIRTIO_CONSOLE_F_EMERG_WRITE */
}

static void vcon_activate(void *dev, struct virtio_transport *t, uint64_t features) {
  struct vcon *c = dev;
  (void)features;
  c->t = t;
}

static void vcon_reset(void *dev) {
  struct vcon *c = dev;
  c->t = 0; /* nothing is in flight: every buffer is answered at once */
}

/* 5.3.6.1: each transmit buffer's readable bytes, in order; a buffer the
 * device should write (5.3.6.1: the driver MUST NOT) is answered empty. */
static void vcon_transmit(struct vcon *c) {
  struct vq *q = &c->t->vq[VCON_TX];
  int r;
  bool pushed = false;
  while ((r = vq_pop(q, &c->chain)) > 0) {
    for (unsigned i = 0; i < c->chain.n; i++) {
      const struct vq_seg *s = &c->chain.seg[i];
      if (s->writable) {
        c->tx_bad++;
        continue;
      }
      c->out(c->ctx, s->hva, s->len);
      c->tx_bytes += s->len;
    }
    vq_push(q, c->chain.head, 0);
    pushed = true;
  }
  if (r < 0)
    c->t->signal_error(c->t);
  if (pushed)
    c->t->signal_used(c->t, VCON_TX);
}

/* 5.3.6: waiting input into posted receive buffers, as much as each holds;
 * a buffer with nothing writable is answered empty. */
void vcon_input(struct vcon *c) {
  if (!c->t)
    return;
  struct vq *q = &c->t->vq[VCON_RX];
  bool pushed = false;
  while (c->in_ready(c->ctx)) {
    int r = vq_pop(q, &c->chain);
    if (r < 0)
      c->t->signal_error(c->t);
    if (r <= 0)
      break;
    uint32_t got = 0;
    for (unsigned i = 0; i < c->chain.n; i++) {
      const struct vq_seg *s = &c->chain.seg[i];
      if (!s->writable)
        continue;
      uint32_t k = 0;
      int ch;
      while (k < s->len && (ch = c->in_take(c->ctx)) >= 0)
        s->hva[k++] = (uint8_t)ch;
      got += k;
      if (k < s->len)
        break;
    }
    c->rx_bytes += got;
    vq_push(q, c->chain.head, got);
    pushed = true;
  }
  if (pushed)
    c->t->signal_used(c->t, VCON_RX);
}

static void vcon_queue_notify(void *dev, unsigned qi) {
  struct vcon *c = dev;
  if (!c->t)
    return;
  if (qi == VCON_TX)
    vcon_transmit(c);
  else if (qi == VCON_RX)
    vcon_input(c);
}

const struct virtio_dev_ops vcon_virtio_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .queue_num_max = 64,
    .config_len = VCON_CONFIG_LEN,
    .features = vcon_features,
    .config_read = vcon_config_read,
    .config_write = vcon_config_write,
    .activate = vcon_activate,
    .queue_notify = vcon_queue_notify,
    .reset = vcon_reset,
};
