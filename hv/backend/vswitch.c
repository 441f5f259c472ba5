/* The VM switch: a learning L2 bridge (IEEE 802.1D's forwarding process,
 * without spanning tree: a switch never connects to another). Pure: no
 * hardware, no allocation (a fixed pool of switches), host-tested. See
 * netdev.h for the locking rules. */
#include "netdev.h"
#include <stddef.h>
#include <string.h>

struct vswitch_mac {
  uint8_t mac[6];
  bool used;
  struct net_port *port;
  uint64_t seen; /* the caller's time (us) of its last frame */
};

struct vswitch {
  char name[VSWITCH_NAME_MAX];
  bool used;
  spinlock_t lock; /* the MAC table and ports[] appends */
  unsigned nports; /* published with release: ports[0, nports) are set */
  struct net_port *ports[VSWITCH_PORTS];
  struct vswitch_mac mac[VSWITCH_MACS];
};

static struct vswitch switches[VSWITCH_MAX];
static spinlock_t switches_lock; /* switches[].used and name */

static void count(uint64_t *c) { __atomic_fetch_add(c, 1, __ATOMIC_RELAXED); }

void vswitch_reset_all(void) { memset(switches, 0, sizeof(switches)); }

int vswitch_attach(const char *name, struct net_port *p) {
  size_t len = name ? strlen(name) : 0;
  if (!p || !p->ops || !p->ops->deliver || p->sw || !len || len >= VSWITCH_NAME_MAX)
    return -1;
  spin_lock(&switches_lock);
  struct vswitch *sw = NULL, *free_sw = NULL;
  for (unsigned i = 0; i < VSWITCH_MAX && !sw; i++) {
    if (switches[i].used && !strcmp(switches[i].name, name))
      sw = &switches[i];
    else if (!switches[i].used && !free_sw)
      free_sw = &switches[i];
  }
  if (!sw && free_sw) {
    sw = free_sw;
    memset(sw, 0, sizeof(*sw));
    memcpy(sw->name, name, len + 1);
    sw->used = true;
  }
  int r = -1;
  if (sw) {
    spin_lock(&sw->lock);
    if (sw->nports < VSWITCH_PORTS) {
      p->sw = sw;
      p->flood_tokens = VSWITCH_FLOOD_BURST;
      p->flood_at = 0;
      sw->ports[sw->nports] = p;
      __atomic_store_n(&sw->nports, sw->nports + 1, __ATOMIC_RELEASE);
      r = 0;
    }
    spin_unlock(&sw->lock);
  }
  spin_unlock(&switches_lock);
  return r;
}

void vswitch_detach(struct net_port *p) {
  struct vswitch *sw = p->sw;
  if (!sw)
    return;
  spin_lock(&sw->lock);
  unsigned n = sw->nports, j = 0;
  for (unsigned i = 0; i < n; i++)
    if (sw->ports[i] != p)
      sw->ports[j++] = sw->ports[i];
  __atomic_store_n(&sw->nports, j, __ATOMIC_RELEASE);
  for (unsigned i = 0; i < VSWITCH_MACS; i++)
    if (sw->mac[i].used && sw->mac[i].port == p)
      sw->mac[i].used = false;
  spin_unlock(&sw->lock);
  p->sw = NULL;
}

const char *vswitch_name(const struct net_port *p) { return p->sw ? p->sw->name : ""; }

static bool mac_is_group(const uint8_t *mac) { return mac[0] & 1; }

/* Callers on different harts read their clocks before they take the
 * switch's lock, so an entry may have been seen "after" now: fresh. */
static bool fresh(const struct vswitch_mac *e, uint64_t now) {
  return e->used && (now <= e->seen || now - e->seen < VSWITCH_AGE_US);
}

/* Learn that src is behind port p (held by sw->lock): refresh its entry,
 * else take a free or aged one, else the one heard from longest ago. */
static void learn(struct vswitch *sw, const uint8_t *src, struct net_port *p, uint64_t now) {
  struct vswitch_mac *free_e = NULL, *aged = NULL, *oldest = NULL;
  for (unsigned i = 0; i < VSWITCH_MACS; i++) {
    struct vswitch_mac *e = &sw->mac[i];
    if (e->used && !memcmp(e->mac, src, 6)) {
      e->port = p;
      if (now > e->seen)
        e->seen = now;
      return;
    }
    if (!e->used) {
      if (!free_e)
        free_e = e;
    } else if (!fresh(e, now)) {
      if (!aged)
        aged = e;
    } else if (!oldest || e->seen < oldest->seen) {
      oldest = e;
    }
  }
  struct vswitch_mac *slot = free_e ? free_e : aged ? aged : oldest;
  memcpy(slot->mac, src, 6);
  slot->used = true;
  slot->port = p;
  slot->seen = now;
}

/* The port a unicast MAC was last heard on, unless it aged (held by sw->lock). */
static struct net_port *lookup(struct vswitch *sw, const uint8_t *dst, uint64_t now) {
  for (unsigned i = 0; i < VSWITCH_MACS; i++) {
    struct vswitch_mac *e = &sw->mac[i];
    if (e->used && !memcmp(e->mac, dst, 6)) {
      if (fresh(e, now))
        return e->port;
      e->used = false;
      return NULL;
    }
  }
  return NULL;
}

/* One token of p's flooding share, refilled at VSWITCH_FLOOD_PER_S up to
 * VSWITCH_FLOOD_BURST since the last refill (held by the switch's lock). */
static bool flood_take(struct net_port *p, uint64_t now) {
  if (now > p->flood_at) {
    uint64_t add = (now - p->flood_at) * VSWITCH_FLOOD_PER_S / 1000000u;
    if (add) {
      uint64_t t = p->flood_tokens + add;
      p->flood_tokens = t > VSWITCH_FLOOD_BURST ? VSWITCH_FLOOD_BURST : (uint32_t)t;
      p->flood_at += add * 1000000u / VSWITCH_FLOOD_PER_S;
    }
  } else if (now < p->flood_at) {
    p->flood_at = now; /* a clock that went back: start over from it */
  }
  if (!p->flood_tokens)
    return false;
  p->flood_tokens--;
  return true;
}

static void deliver(struct net_port *to, const uint8_t *data, uint32_t len) {
  if (to->ops->deliver(to->owner, data, len))
    count(&to->st.rx);
  else
    count(&to->st.rx_dropped);
}

/* The checks, then learn and look up under the switch lock; delivery with
 * it dropped: to the learned port, else to every other port (a group
 * destination, or an unknown one). */
int vswitch_send(struct net_port *p, const uint8_t *data, uint32_t len, uint64_t now) {
  struct vswitch *sw = p->sw;
  if (!sw)
    return -1;
  if (len < NET_FRAME_MIN || len > NET_FRAME_MAX) {
    count(&p->st.tx_bad_len);
    return -1;
  }
  const uint8_t *dst = data, *src = data + 6;
  if (mac_is_group(src) || (!p->any_source && memcmp(src, p->mac, 6))) {
    count(&p->st.tx_spoofed);
    return -1;
  }
  struct net_port *to = NULL;
  spin_lock(&sw->lock);
  learn(sw, src, p, now);
  if (!mac_is_group(dst))
    to = lookup(sw, dst, now);
  bool limited = !to && !flood_take(p, now);
  spin_unlock(&sw->lock);
  if (limited) {
    count(&p->st.tx_flood_limited);
    return -1;
  }
  if (to == p) {
    count(&p->st.tx_filtered);
    return -1;
  }
  count(&p->st.tx);
  if (to) {
    deliver(to, data, len);
    return 0;
  }
  unsigned n = __atomic_load_n(&sw->nports, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < n; i++)
    if (sw->ports[i] != p)
      deliver(sw->ports[i], data, len);
  return 0;
}

int vswitch_enqueue(struct net_port *p, const uint8_t *data, uint32_t len) {
  struct net_port_queue *q = p->q;
  if (len < NET_FRAME_MIN || len > NET_FRAME_MAX) {
    count(&p->st.tx_bad_len);
    return -1;
  }
  if (!q) {
    count(&p->st.tx_queue_full);
    return -1;
  }
  spin_lock(&q->lock);
  bool room = q->count < NET_PORT_QLEN;
  if (room) {
    unsigned slot = (q->head + q->count) % NET_PORT_QLEN;
    q->frame[slot].len = len;
    memcpy(q->frame[slot].data, data, len);
    q->count++;
  }
  spin_unlock(&q->lock);
  if (!room)
    count(&p->st.tx_queue_full);
  return room ? 0 : -1;
}

bool vswitch_queue_room(struct net_port *p) {
  struct net_port_queue *q = p->q;
  if (!q)
    return false;
  spin_lock(&q->lock);
  bool room = q->count < NET_PORT_QLEN;
  spin_unlock(&q->lock);
  return room;
}

/* One flusher at a time (q->flushing): it delivers the head slot with no
 * lock held (an enqueuer writes only free slots), then frees it. After it
 * stops it looks once more, since a frame enqueued between its last look
 * and the end of its turn has no other flusher. */
void vswitch_flush(struct net_port *p, uint64_t now) {
  struct net_port_queue *q = p->q;
  if (!q)
    return;
  for (;;) {
    if (__atomic_exchange_n(&q->flushing, 1, __ATOMIC_ACQUIRE))
      return;
    for (;;) {
      spin_lock(&q->lock);
      unsigned n = q->count, head = q->head;
      spin_unlock(&q->lock);
      if (!n)
        break;
      vswitch_send(p, q->frame[head].data, q->frame[head].len, now);
      spin_lock(&q->lock);
      q->head = (q->head + 1) % NET_PORT_QLEN;
      q->count--;
      spin_unlock(&q->lock);
    }
    __atomic_store_n(&q->flushing, 0, __ATOMIC_RELEASE);
    spin_lock(&q->lock);
    unsigned left = q->count;
    spin_unlock(&q->lock);
    if (!left)
      return;
  }
}

void net_port_stats(const struct net_port *p, struct net_port_stats *out) {
  const struct net_port_stats *s = &p->st;
  out->tx = __atomic_load_n(&s->tx, __ATOMIC_RELAXED);
  out->rx = __atomic_load_n(&s->rx, __ATOMIC_RELAXED);
  out->tx_spoofed = __atomic_load_n(&s->tx_spoofed, __ATOMIC_RELAXED);
  out->tx_bad_len = __atomic_load_n(&s->tx_bad_len, __ATOMIC_RELAXED);
  out->tx_queue_full = __atomic_load_n(&s->tx_queue_full, __ATOMIC_RELAXED);
  out->tx_filtered = __atomic_load_n(&s->tx_filtered, __ATOMIC_RELAXED);
  out->tx_flood_limited = __atomic_load_n(&s->tx_flood_limited, __ATOMIC_RELAXED);
  out->rx_dropped = __atomic_load_n(&s->rx_dropped, __ATOMIC_RELAXED);
}
