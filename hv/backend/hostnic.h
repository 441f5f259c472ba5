/* A host NIC as a port of a switch (the uplink): frames the switch hands it
 * go out of the host's virtio-net device; frames the device receives go
 * into the switch. Any source MAC may pass (the VMs behind it), and its own
 * buffers hold every frame (hv/drivers/virtio_net.c).
 *
 * Locking: lock guards the driver. It is never held while the switch runs
 * (a frame received is handed on with it dropped, so the switch may deliver
 * it under a VM's device lock), and one hart at a time drains the receive
 * queue, so frames enter the switch in the order they arrived. */
#ifndef RV_BACKEND_HOSTNIC_H
#define RV_BACKEND_HOSTNIC_H
#include "../drivers/virtio_net.h"
#include "../lib/spinlock.h"
#include "netdev.h"

struct hostnic {
  spinlock_t lock;
  unsigned slot; /* the host's virtio-mmio slot */
  uint32_t irq;
  struct vnet dev;
  struct net_port port;
  bool attached;
  bool draining, again;        /* one hart drains receive at a time (under lock) */
  uint64_t delivered, dropped; /* frames the switch gave it: sent, no buffer */
};

/* Drive the virtio-net device in host slot `slot`. 0, or -1 with err. */
int hostnic_open(struct hostnic *n, const struct vnet_host *host, unsigned slot, uint64_t base,
                 uint32_t version, uint32_t irq, char *err, size_t errlen);
/* Make it a port of switch sw. 0, or -1. */
int hostnic_attach(struct hostnic *n, const char *sw);
/* The device's interrupt: every received frame into the switch (now: the
 * time for its MAC table). */
void hostnic_handle_irq(struct hostnic *n, uint64_t now);

#endif
