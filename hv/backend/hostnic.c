#include "hostnic.h"
#include <string.h>

/* The switch's frame for the wire (netdev.h deliver): copied into a
 * transmit buffer, or dropped when they are all in flight. */
static bool hostnic_deliver(void *owner, const uint8_t *data, uint32_t len) {
  struct hostnic *n = owner;
  spin_lock(&n->lock);
  bool ok = vnet_send(&n->dev, data, len);
  if (ok)
    n->delivered++;
  else
    n->dropped++;
  spin_unlock(&n->lock);
  return ok;
}

static const struct net_port_ops hostnic_ops = {hostnic_deliver};

int hostnic_open(struct hostnic *n, const struct vnet_host *host, unsigned slot, uint64_t base,
                 uint32_t version, uint32_t irq, char *err, size_t errlen) {
  memset(n, 0, sizeof(*n));
  n->slot = slot;
  n->irq = irq;
  if (vnet_open(&n->dev, host, base, version, err, errlen))
    return -1;
  n->port.ops = &hostnic_ops;
  n->port.owner = n;
  memcpy(n->port.mac, n->dev.mac, sizeof(n->port.mac));
  n->port.any_source = true;
  return 0;
}

int hostnic_attach(struct hostnic *n, const char *sw) {
  if (n->attached || vswitch_attach(sw, &n->port))
    return -1;
  n->attached = true;
  return 0;
}

void hostnic_handle_irq(struct hostnic *n, uint64_t now) {
  spin_lock(&n->lock);
  bool link_changed = vnet_ack(&n->dev);
  if (link_changed)
    n->dev.host->log("virtio-net: host NIC %u: link %s", n->slot, n->dev.link_up ? "up" : "down");
  if (n->draining) {
    n->again = true; /* the hart draining takes these too, in order */
    spin_unlock(&n->lock);
    return;
  }
  n->draining = true;
  bool posted = false;
  for (;;) {
    unsigned buf;
    const uint8_t *frame;
    uint32_t len;
    int r = vnet_rx_take(&n->dev, &buf, &frame, &len);
    if (r <= 0) {
      if (r == 0 && n->again) {
        n->again = false;
        continue;
      }
      break;
    }
    spin_unlock(&n->lock);
    if (n->attached)
      vswitch_send(&n->port, frame, len, now);
    spin_lock(&n->lock);
    vnet_rx_give(&n->dev, buf, false);
    posted = true;
  }
  n->draining = false;
  if (posted)
    vnet_rx_notify(&n->dev);
  spin_unlock(&n->lock);
}
