/* A network port: what a switch (vswitch.c) hands frames to and takes them
 * from. A VM's NIC and a host NIC's uplink are ports alike. */
#ifndef RV_BACKEND_NETDEV_H
#define RV_BACKEND_NETDEV_H
#include <stdbool.h>
#include <stdint.h>

#define NET_FRAME_MAX 1518u /* without the virtio header; MTU 1500 + 14 + 4 */
struct net_port;
struct net_port_ops {
  /* The switch hands the port's owner one frame (copied by the owner out of
   * data during the call); false: the owner had no room (the frame is dropped,
   * counted by the switch as the destination's loss). Called with no switch
   * lock held, and under no other port's owner's lock. */
  bool (*deliver)(void *owner, const uint8_t *data, uint32_t len);
};
struct net_port {
  const struct net_port_ops *ops;
  void *owner;
  uint8_t mac[6];
  bool any_source; /* may send frames with another source MAC (an uplink) */
};
/* Attach a port to switch sw (by name; created on first use). 0, or -1. */
int vswitch_attach(const char *sw, struct net_port *p);
/* A frame from port p (len bytes at data, valid during the call). The
 * switch learns p's source MAC, then delivers to the destination port(s).
 * Returns 0, or -1 if dropped (counted on p). */
int vswitch_send(struct net_port *p, const uint8_t *data, uint32_t len, uint64_t now);

#endif
