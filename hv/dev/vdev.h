/* The emulated devices of a VM, on its bus (bus.h): a PLIC at 0x0c000000
 * (contexts = the vCPUs' S-mode external interrupts), an ns16550a UART at
 * 0x10000000 on PLIC source 10 and, for a VM with a RAM disk, a virtio-mmio
 * virtio-blk device at 0x10001000 on source 1, as on QEMU's virt; its NICs
 * (virtio-net at 0x10005000 and 0x10006000, sources 5 and 6, ports of a
 * switch: backend/netdev.h); and the VM's console
 * input, which the UART and SBI getchar share. The trapped access reaches
 * the models through mmio.c; this file knows nothing of vCPUs: the core
 * says where the devices' outputs go (struct vdev_host). */
#ifndef RV_VDEV_H
#define RV_VDEV_H
#include "../backend/blkdev.h"
#include "../backend/netdev.h"
#include "../backend/ramdisk.h"
#include "../lib/spinlock.h"
#include "bus.h"
#include "irq.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "vplic.h"
#include "vuart.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDEV_PLIC_BASE 0x0c000000UL
#define VDEV_PLIC_SOURCES 64
#define VDEV_UART_BASE 0x10000000UL
#define VDEV_UART_SIZE 0x100UL
#define VDEV_UART_IRQ 10
#define VDEV_UART_CLOCK 3686400
/* A VM's disks: disk i is a virtio-mmio device in QEMU virt's slot i,
 * window VDEV_VIRTIO_BLK_BASE + i * VDEV_VIRTIO_BLK_SIZE, PLIC source
 * VDEV_VIRTIO_BLK_IRQ + i. */
#define VDEV_MAX_DISKS 4
#define VDEV_VIRTIO_BLK_BASE 0x10001000UL
#define VDEV_VIRTIO_BLK_SIZE 0x1000UL
#define VDEV_VIRTIO_BLK_IRQ 1

/* A VM's NICs: NIC i is a virtio-mmio virtio-net device in QEMU virt's
 * slot 4 + i, window VDEV_VIRTIO_NET_BASE + i * VDEV_VIRTIO_NET_SIZE, PLIC
 * source VDEV_VIRTIO_NET_IRQ + i, a port of a switch (backend/netdev.h). */
#define VDEV_MAX_NICS 2
#define VDEV_VIRTIO_NET_BASE 0x10005000UL
#define VDEV_VIRTIO_NET_SIZE 0x1000UL
#define VDEV_VIRTIO_NET_IRQ 5

/* What a VM has beyond the PLIC, for vdev_init() and the table's `needs`. */
#define VDEV_HAS_UART (1u << 0)
#define VDEV_HAS_BLK(i) (1u << (1 + (i))) /* disk i (struct vdev_host.disk[i]) */
#define VDEV_HAS_ANY_BLK (((1u << VDEV_MAX_DISKS) - 1) << 1)
#define VDEV_HAS_NIC(i) (1u << (1 + VDEV_MAX_DISKS + (i))) /* NIC i (struct vdev_host.nic[i]) */
#define VDEV_HAS_VCON (1u << 8) /* a virtio-console (struct vdev_host.vcon) */
/* The virtio-console: after the disks and the NICs, on its own source. */
#define VDEV_VCON_BASE 0x10007000UL
#define VDEV_VCON_SIZE 0x1000UL
#define VDEV_VCON_IRQ 7

struct vdev;

/* One line of the device table (vdev.c): a model's window, its state (at
 * `state` bytes into struct vdev) and how to reset it. */
struct vdev_window {
  const char *name; /* its exit counter: "uart=" */
  uint64_t base, size;
  const struct bus_ops *ops;
  size_t state;
  void (*reset)(struct vdev *d, void *state); /* at each (re)load of the VM */
  unsigned needs;      /* VDEV_HAS_* the VM must have for the window to be there; 0: always */
  int disk;            /* >= 0: disk `disk`, whose state is d->blk[disk] (not `state`) */
  uint32_t virtio_irq; /* a virtio-mmio device on this PLIC source (its FDT node); 0: not one */
  bool ptr;            /* the member at `state` points to the state (the core allocates it) */
};
extern const struct vdev_window vdev_windows[];
extern const unsigned vdev_window_count;

/* What the core gives a VM's devices. */
struct vdev_host {
  void (*console_tx)(void *ctx, uint8_t byte);                /* a byte the vUART sends */
  void (*console_out)(void *ctx, const uint8_t *p, size_t n); /* the virtio-console's bytes */
  void *ctx;
  struct irq_line eip; /* the vPLIC's output c: eip.set(eip.ctx, c, level) */
  struct vq_mem ram;   /* the VM's RAM, where virtqueues and buffers live */
  /* VDEV_HAS_BLK(i): disk i, and where its device's state lives (struct
   * vdev_blk, zeroed, from the core, so that a VM without a disk carries
   * none of it). Its backend is be (a host disk's port, which completes
   * later under the device lock) or, without one, a RAM disk over ramdisk. */
  struct vdev_disk {
    struct vdev_blk *state;
    struct blk_backend *be;
    uint8_t *ramdisk;
    uint64_t ramdisk_bytes;
    const char *serial; /* GET_ID, up to 20 bytes */
  } disk[VDEV_MAX_DISKS];
  struct vdev_vcon *vcon; /* VDEV_HAS_VCON: its state (zeroed, from the core) */
  /* VDEV_HAS_NIC(i): NIC i, its state (struct vdev_nic, zeroed, from the
   * core), MAC, MTU and whether it may send other source MACs. */
  struct vdev_nic_cfg {
    struct vdev_nic *state;
    uint8_t mac[6];
    uint16_t mtu;
    bool any_source;
  } nic[VDEV_MAX_NICS];
  uint64_t (*now_us)(void); /* the switch's clock (MAC aging); may be NULL */
};

/* A virtio-net NIC of a VM: transport, model, and its port on a switch
 * with the port's queue (the core attaches the port to its switch). The
 * port's owner is this struct: the switch delivers under d->lock. */
struct vdev_nic {
  struct virtio_mmio mmio;
  struct net net;
  struct net_port port;
  struct net_port_queue q;
  struct irq_line irq; /* vPLIC source VDEV_VIRTIO_NET_IRQ + index */
  unsigned index;
  struct vdev *d;
};

/* A VM's virtio-console: transport (first: the window's ops take it as a
 * struct virtio_mmio), model, line (vPLIC source VDEV_VCON_IRQ). */
struct vdev_vcon {
  struct virtio_mmio mmio;
  struct vcon con;
  struct irq_line irq;
};

/* A virtio-blk disk of a VM: transport (first: the window's ops take it as
 * a struct virtio_mmio), model, backend. */
struct vdev_blk {
  struct virtio_mmio mmio;
  struct blk blk;
  struct ramdisk rd;
  struct irq_line irq; /* the transport's line: vPLIC source VDEV_VIRTIO_BLK_IRQ + its index */
  unsigned index;
};

/* Guarded by lock: every access to the models and the counters, from any
 * vCPU's hart. */
struct vdev {
  struct bus bus; /* first: the MMIO path reaches it at small offsets */
  spinlock_t lock;
  bool has_uart;
  unsigned present; /* VDEV_HAS_* */
  unsigned ncontexts;
  struct vdev_host host;
  struct vplic plic;
  struct vuart uart;
  struct irq_line uart_irq; /* the vUART's line: vPLIC source VDEV_UART_IRQ */
  /* Console input for this VM, in the order typed, until the UART receives
   * it or SBI getchar takes it (vdev.c: which reader gets a byte). */
  uint8_t in[256];
  unsigned in_head, in_count;
  unsigned lsr_run;                     /* LSR reads in a row, no other UART access between */
  struct vdev_blk *blk[VDEV_MAX_DISKS]; /* VDEV_HAS_BLK(i): host.disk[i].state; else NULL */
  struct vdev_vcon *vcon;               /* VDEV_HAS_VCON: host.vcon; else NULL */
  struct vdev_nic *nic[VDEV_MAX_NICS];  /* VDEV_HAS_NIC(i): host.nic[i].state; else NULL */
};

/* Builds a VM's bus from the device table (the windows whose `needs` are
 * in present, VDEV_HAS_*), with ncontexts PLIC contexts, and resets the
 * models: once, when the VM is created. 0, or a BUS_ERR_* from the table
 * (a hypervisor bug), or -1 for a VDEV_HAS_BLK(i) without its state or backend. */
int vdev_init(struct vdev *d, unsigned ncontexts, unsigned present, const struct vdev_host *host);
/* Resets every model and drops the console input, for a VM's (re)load; the
 * bus and its counters stay. Takes the device lock (a host disk may be
 * completing a request of the old instance on another hart). */
void vdev_reset(struct vdev *d);
/* A byte typed on the console for this VM: it waits in the VM's input
 * queue for the first reader that asks (vdev.c). False (byte dropped) when
 * the queue is full. */
bool vdev_console_input(struct vdev *d, uint8_t byte);
/* The oldest input byte no reader has taken, for SBI getchar / DBCN read:
 * one the UART received but the guest has not read, else the queue's; or -1. */
int vdev_console_getc(struct vdev *d);
/* NIC i's link goes up or down (a configuration change interrupt for its
 * driver when it moved); false if the VM has no NIC i. */
bool vdev_net_set_link(struct vdev *d, unsigned i, bool up);

#endif
