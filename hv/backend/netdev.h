/* Ethernet ports and the VM switch (hv/backend/vswitch.c): a learning L2
 * bridge in the hypervisor. Each VM NIC is a port, so is a host NIC's
 * uplink; several switches exist by name, created on first use.
 *
 * A frame goes into a switch two ways:
 *  - vswitch_send(): at once, from a caller that holds no lock a port's
 *    deliver may take (an uplink's receive path, after its own lock);
 *  - vswitch_enqueue() under the sender's own lock (a VM's device lock, in
 *    its tx handler), then vswitch_flush() after that lock is dropped: the
 *    frame waits in the port's bounded queue in between. No delivery ever
 *    runs under a sender's lock, so two VMs sending to each other at once
 *    cannot deadlock (docs/architecture.md, "The VM switch").
 *
 * The MAC table (per switch, VSWITCH_MACS entries, aging) is guarded by the
 * switch's lock, held only to learn and look up, never across a deliver.
 * Ports are attached before the VMs run and stay (the port list is
 * published with release/acquire). Counters are updated atomically: a
 * port's tx counters by its senders, its rx counters by every other port's. */
#ifndef RV_NETDEV_H
#define RV_NETDEV_H
#include "../lib/spinlock.h"
#include <stdbool.h>
#include <stdint.h>

#define NET_FRAME_MAX 1518u /* without the virtio header; MTU 1500 + 14 + 4 */
#define NET_FRAME_MIN 14u   /* an Ethernet header: destination, source, type */
#define NET_MAC_LEN 6u
#define NET_PORT_QLEN 32u           /* frames a port may have waiting in vswitch_enqueue's queue */
#define VSWITCH_MAX 8u              /* switches */
#define VSWITCH_PORTS 16u           /* ports per switch */
#define VSWITCH_MACS 64u            /* MAC table entries per switch */
#define VSWITCH_NAME_MAX 16u        /* including the NUL */
#define VSWITCH_AGE_US 300000000ull /* 300 s without a frame from a MAC: forgotten */
/* Flooding (broadcast, multicast, unknown unicast) costs every other port a
 * receive buffer, so each port may flood VSWITCH_FLOOD_BURST frames at once
 * and VSWITCH_FLOOD_PER_S a second after that (a token bucket on the
 * caller's clock); its excess is dropped and counted on it. */
#define VSWITCH_FLOOD_BURST 32u
#define VSWITCH_FLOOD_PER_S 500u

struct net_port;
struct vswitch;
struct net_port_ops {
  /* The switch hands the port's owner one frame (copied by the owner out of
   * data during the call); false: the owner had no room (the frame is dropped,
   * counted by the switch as the destination's loss). Called with no switch
   * lock held, and under no other port's owner's lock. */
  bool (*deliver)(void *owner, const uint8_t *data, uint32_t len);
};

/* A port's counters (updated atomically; read them with net_port_stats()). */
struct net_port_stats {
  uint64_t tx, rx;           /* frames it sent into the switch / the switch delivered to it */
  uint64_t tx_spoofed;       /* dropped: a source MAC not its own (or a multicast source) */
  uint64_t tx_bad_len;       /* dropped: shorter than NET_FRAME_MIN or longer than NET_FRAME_MAX */
  uint64_t tx_queue_full;    /* dropped: its queue (NET_PORT_QLEN) was full */
  uint64_t tx_filtered;      /* dropped: to a MAC learned on its own port */
  uint64_t tx_flood_limited; /* dropped: flooding beyond its VSWITCH_FLOOD_* share */
  uint64_t rx_dropped;       /* for it, but its owner had no room */
};

/* What vswitch_enqueue() keeps for a port until vswitch_flush(): its own
 * memory, so that a port that floods fills only its own queue. lock is a
 * leaf (held only to copy into or take a slot). */
struct net_port_queue {
  spinlock_t lock;
  unsigned head, count;
  int flushing; /* a flusher is delivering the head (atomic) */
  struct {
    uint32_t len;
    uint8_t data[NET_FRAME_MAX];
  } frame[NET_PORT_QLEN];
};

struct net_port {
  const struct net_port_ops *ops;
  void *owner;
  uint8_t mac[6];
  bool any_source; /* may send frames with another source MAC (an uplink) */
  /* ADDED: the queue of vswitch_enqueue() (NULL: the port only uses
   * vswitch_send()); switch-private state and counters. */
  struct net_port_queue *q;
  struct vswitch *sw;    /* set by vswitch_attach() */
  uint32_t flood_tokens; /* its flooding share left (under its switch's lock) */
  uint64_t flood_at;     /* when flood_tokens was last refilled */
  struct net_port_stats st;
};

/* Attach a port to switch sw (by name; created on first use). 0, or -1. */
int vswitch_attach(const char *sw, struct net_port *p);
/* A frame from port p (len bytes at data, valid during the call). The
 * switch learns p's source MAC, then delivers to the destination port(s).
 * Returns 0, or -1 if dropped (counted on p). */
int vswitch_send(struct net_port *p, const uint8_t *data, uint32_t len, uint64_t now);

/* ADDED. Copy a frame from p into p's queue (p->q), under whatever lock the
 * caller holds: 0, or -1 when the queue is full (counted on p) or p has no
 * queue. Delivery waits for vswitch_flush(). */
int vswitch_enqueue(struct net_port *p, const uint8_t *data, uint32_t len);
/* ADDED. Room for one more frame in p's queue? (A hint for a tx handler that
 * leaves frames in the guest's ring rather than dropping them.) */
bool vswitch_queue_room(struct net_port *p);
/* ADDED. Send p's queued frames (vswitch_send() each), oldest first, with no
 * lock held that a deliver may take. Several harts may call it for one
 * port: one delivers, the others return; a frame enqueued meanwhile is sent
 * by the one delivering. */
void vswitch_flush(struct net_port *p, uint64_t now);
/* ADDED. Take p off its switch (a VM whose creation failed after it was
 * attached); only before the VMs run. */
void vswitch_detach(struct net_port *p);
/* ADDED. A consistent-enough copy of p's counters. */
void net_port_stats(const struct net_port *p, struct net_port_stats *out);
/* ADDED. The name of p's switch, or "" when it has none. */
const char *vswitch_name(const struct net_port *p);
/* ADDED. Forget every switch (host tests only). */
void vswitch_reset_all(void);

#endif
