#include "net.h"
#include <stddef.h>
#include <string.h>

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

/* 5.1.4 Device configuration layout: mac, status, max_virtqueue_pairs (1,
 * read only with MQ, which is not offered), mtu. */
void net_init(struct net *n, const uint8_t mac[6], uint16_t mtu, const struct net_backend *be) {
  memset(n, 0, sizeof(*n));
  n->be = *be;
  n->mtu = mtu >= NET_MTU_MIN && mtu <= NET_MTU_MAX ? mtu : NET_MTU_DEFAULT;
  n->link_up = true;
  memcpy(n->config, mac, 6);
  put_le16(n->config + 6, VIRTIO_NET_S_LINK_UP);
  put_le16(n->config + 8, 1);
  put_le16(n->config + 10, n->mtu);
}

bool net_set_link(struct net *n, bool up) {
  if (n->link_up == up)
    return false;
  n->link_up = up;
  put_le16(n->config + 6, up ? VIRTIO_NET_S_LINK_UP : 0);
  return true;
}

static uint64_t net_features(void *dev) {
  (void)dev;
  return VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MTU | VIRTIO_NET_F_MRG_RXBUF;
}

static uint32_t net_config_read(void *dev, uint32_t off, unsigned width) {
  struct net *n = dev;
  uint32_t v = 0;
  for (unsigned i = 0; i < width; i++)
    v |= (uint32_t)n->config[off + i] << (8 * i);
  return v;
}

/* Nothing in it is writable (the MAC is, only through the legacy interface
 * or VIRTIO_NET_CTRL_MAC_ADDR_SET, neither offered). */
static void net_config_write(void *dev, uint32_t off, unsigned width, uint32_t v) {
  (void)dev;
  (void)off;
  (void)width;
  (void)v;
}

static void net_activate(void *dev, struct virtio_transport *t, uint64_t features) {
  struct net *n = dev;
  n->t = t;
  n->features = features;
}

/* Nothing is in flight across calls: a tx chain is used before the call
 * that took it returns, a frame is received whole or not at all. */
static void net_reset(void *dev) {
  struct net *n = dev;
  n->tx_stalled = false;
}

/* 5.1.6.2: a tx chain is the header and the frame, all for the device to
 * read (2.7.4.2 allows no framing assumption: they may span buffers). The
 * driver sets no flags (NEEDS_CSUM needs VIRTIO_NET_F_CSUM, not offered),
 * gso_type NONE (no GSO feature is offered) and num_buffers 0 (5.1.6.2.1). */
static void tx_handle(struct net *n, const struct vq_chain *c) {
  uint64_t total = 0;
  bool writable = false;
  const uint32_t cap = (uint32_t)sizeof(n->frame);
  for (unsigned i = 0; i < c->n; i++) {
    const struct vq_seg *s = &c->seg[i];
    if (s->writable) {
      writable |= s->len != 0;
      continue;
    }
    if (total < cap) {
      uint32_t k = s->len < cap - total ? s->len : cap - (uint32_t)total;
      memcpy(n->frame + total, s->hva, k);
    }
    total += s->len;
  }
  if (writable) {
    n->st.tx_bad_chain++;
    return;
  }
  if (total < VIRTIO_NET_HDR_BYTES || n->frame[0] || n->frame[1] != VIRTIO_NET_HDR_GSO_NONE ||
      n->frame[10] || n->frame[11]) {
    n->st.tx_bad_hdr++;
    return;
  }
  uint64_t len = total - VIRTIO_NET_HDR_BYTES;
  if (len < NET_FRAME_MIN || len > (uint64_t)n->mtu + NET_FRAME_MIN) {
    n->st.tx_bad_len++;
    return;
  }
  if (n->be.tx(n->be.ctx, n->frame + VIRTIO_NET_HDR_BYTES, (uint32_t)len)) {
    n->st.tx_backend++;
    return;
  }
  n->st.tx_frames++;
  n->st.tx_bytes += len;
}

/* Take tx chains while the backend has room; each is used (len 0: the
 * device writes nothing) whatever became of its frame. */
static void tx_process(struct net *n) {
  struct vq *q = &n->t->vq[NET_TXQ];
  bool pushed = false;
  n->tx_stalled = false;
  while (!q->broken) {
    if (!n->be.tx_room(n->be.ctx)) {
      n->tx_stalled = true;
      break;
    }
    int r = vq_pop(q, &n->chain);
    if (r < 0) {
      n->st.queue_errors++;
      n->t->signal_error(n->t);
      break;
    }
    if (r == 0)
      break;
    tx_handle(n, &n->chain);
    pushed |= vq_push(q, n->chain.head, 0) == VQ_OK;
  }
  if (pushed)
    n->t->signal_used(n->t, NET_TXQ);
}

bool net_tx_resume(struct net *n) {
  if (!n->tx_stalled || !n->t)
    return false;
  tx_process(n);
  return n->tx_stalled;
}

static void net_queue_notify(void *dev, unsigned qi) {
  struct net *n = dev;
  if (qi == NET_TXQ && n->t)
    tx_process(n);
  /* A notify of the rx queue (new buffers) needs nothing: frames are
   * never held back for want of buffers, they are dropped. */
}

/* Writing into the writable buffers of one receive chain, in order. */
struct rx_cursor {
  const struct vq_chain *c;
  unsigned i;
  uint32_t off;
};

/* Copy up to len bytes of src at the cursor; returns how many fit. */
static uint32_t cursor_put(struct rx_cursor *k, const uint8_t *src, uint32_t len) {
  uint32_t done = 0;
  while (done < len && k->i < k->c->n) {
    const struct vq_seg *s = &k->c->seg[k->i];
    uint32_t room = s->len - k->off;
    if (!room) {
      k->i++;
      k->off = 0;
      continue;
    }
    uint32_t m = len - done < room ? len - done : room;
    memcpy(s->hva + k->off, src + done, m);
    k->off += m;
    done += m;
  }
  return done;
}

/* Where the next byte at the cursor goes (after cursor_put of 0 bytes left
 * it at a segment's end: the next one), or NULL at the chain's end. */
static uint8_t *cursor_at(struct rx_cursor *k) {
  while (k->i < k->c->n && k->off == k->c->seg[k->i].len) {
    k->i++;
    k->off = 0;
  }
  return k->i < k->c->n ? k->c->seg[k->i].hva + k->off : NULL;
}

/* 5.1.6.3/5.1.6.4: the header (num_buffers 1, or with MRG_RXBUF the number
 * of chains used) then the frame, into the oldest posted chains: one that
 * holds it all, or with MRG_RXBUF as many as it takes, each at least a
 * header long (5.1.6.3.1). A chain with a readable buffer or too small, or
 * too few chains posted: the chains taken are used with length 0 (which a
 * driver drops as a runt) and the frame is dropped, counted. */
bool net_receive(struct net *n, const uint8_t *frame, uint32_t len) {
  if (!n->t || !n->link_up || n->t->vq[NET_RXQ].broken) {
    n->st.rx_not_ready++;
    return false;
  }
  if (len > NET_FRAME_MAX) {
    n->st.rx_too_small++;
    return false;
  }
  struct vq *q = &n->t->vq[NET_RXQ];
  bool mrg = (n->features & VIRTIO_NET_F_MRG_RXBUF) != 0;
  uint8_t hdr[VIRTIO_NET_HDR_BYTES] = {0};
  hdr[10] = 1; /* num_buffers */
  uint32_t total = VIRTIO_NET_HDR_BYTES + len, done = 0;
  unsigned nch = 0;
  uint8_t *nb = NULL; /* the first chain's num_buffers field */
  uint8_t *nb_hi = NULL;
  bool bad = false;
  while (done < total) {
    int r = vq_pop(q, &n->chain);
    if (r < 0) {
      n->st.queue_errors++;
      n->t->signal_error(n->t);
      return false;
    }
    if (r == 0)
      break;
    const struct vq_chain *c = &n->chain;
    n->rx_head[nch] = c->head;
    n->rx_len[nch] = 0;
    nch++;
    uint64_t cap = 0;
    for (unsigned i = 0; i < c->n; i++) {
      if (!c->seg[i].writable && c->seg[i].len)
        bad = true;
      cap += c->seg[i].writable ? c->seg[i].len : 0;
    }
    if (bad || (mrg && cap < VIRTIO_NET_HDR_BYTES) || (!mrg && cap < total)) {
      bad = true;
      break;
    }
    struct rx_cursor k = {c, 0, 0};
    uint32_t w = 0;
    if (nch == 1) {
      w += cursor_put(&k, hdr, 10);
      nb = cursor_at(&k);
      w += cursor_put(&k, hdr + 10, 1);
      nb_hi = cursor_at(&k);
      w += cursor_put(&k, hdr + 11, 1);
      done = VIRTIO_NET_HDR_BYTES;
    }
    uint32_t m = cursor_put(&k, frame + (done - VIRTIO_NET_HDR_BYTES), total - done);
    done += m;
    n->rx_len[nch - 1] = w + m;
    if (!mrg || nch == q->size)
      break;
  }
  bool ok = !bad && done == total;
  if (ok && mrg && nb && nb_hi) {
    *nb = (uint8_t)nch;
    *nb_hi = (uint8_t)(nch >> 8);
  }
  for (unsigned i = 0; i < nch; i++)
    vq_push(q, n->rx_head[i], ok ? n->rx_len[i] : 0);
  if (nch)
    n->t->signal_used(n->t, NET_RXQ);
  if (!ok) {
    if (bad)
      n->st.rx_too_small++;
    else
      n->st.rx_no_buffer++;
    return false;
  }
  n->st.rx_frames++;
  n->st.rx_bytes += len;
  return true;
}

const struct virtio_dev_ops net_virtio_ops = {
    .device_id = VIRTIO_ID_NET,
    .num_queues = 2,
    .queue_num_max = NET_QUEUE_SIZE,
    .config_len = NET_CONFIG_LEN,
    .features = net_features,
    .config_read = net_config_read,
    .config_write = net_config_write,
    .activate = net_activate,
    .queue_notify = net_queue_notify,
    .reset = net_reset,
};
