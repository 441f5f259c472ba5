/* A VM's devices: the device table, the vUART's window with the VM's
 * console input, and the wiring of the interrupt lines. The trapped access
 * itself is decoded by mmio.c. Pure: it reaches the core only through the
 * callbacks of struct vdev_host. */
#include "vdev.h"
#include <string.h>

static const struct bus_ops uart_ops;
static void plic_reset(struct vdev *d, void *state);
static void uart_reset(struct vdev *d, void *state);
static void blk_reset(struct vdev *d, void *state);
static const struct bus_ops vio_ops;
static void vcon_line_reset(struct vdev *d, void *state);
static const struct bus_ops nic_ops;
static void nic_reset(struct vdev *d, void *state);

/* The device table: one line per model. A region's state is the member of
 * struct vdev at `state`; the UART's is the whole struct vdev (offset 0),
 * since its window also serves the console input, and so is the disk's,
 * whose state the core allocates only for a VM that has one (d->blk). */
const struct vdev_window vdev_windows[] = {
    {"plic", VDEV_PLIC_BASE, VPLIC_WINDOW_SIZE, &vplic_bus_ops, offsetof(struct vdev, plic),
     plic_reset, 0, -1, 0, false},
    {"uart", VDEV_UART_BASE, VDEV_UART_SIZE, &uart_ops, 0, uart_reset, VDEV_HAS_UART, -1, 0, false},
#define VBLK_LINE(name, i)                                                                         \
  {                                                                                                \
    name, VDEV_VIRTIO_BLK_BASE + (i)*VDEV_VIRTIO_BLK_SIZE, VDEV_VIRTIO_BLK_SIZE, &vio_ops, 0,      \
        blk_reset, VDEV_HAS_BLK(i), (i), VDEV_VIRTIO_BLK_IRQ + (i), false                          \
  }
    VBLK_LINE("vblk", 0),
    VBLK_LINE("vblk1", 1),
    VBLK_LINE("vblk2", 2),
    VBLK_LINE("vblk3", 3),
#undef VBLK_LINE
#define VNET_LINE(name, i)                                                                         \
  {                                                                                                \
    name, VDEV_VIRTIO_NET_BASE + (i)*VDEV_VIRTIO_NET_SIZE, VDEV_VIRTIO_NET_SIZE, &nic_ops,         \
        offsetof(struct vdev, nic[i]), nic_reset, VDEV_HAS_NIC(i), -1, VDEV_VIRTIO_NET_IRQ + (i),  \
        true                                                                                       \
  }
    VNET_LINE("vnet", 0),
    VNET_LINE("vnet1", 1),
#undef VNET_LINE
    {"vcon", VDEV_VCON_BASE, VDEV_VCON_SIZE, &vio_ops, offsetof(struct vdev, vcon), vcon_line_reset,
     VDEV_HAS_VCON, -1, VDEV_VCON_IRQ, true},
};
const unsigned vdev_window_count = sizeof(vdev_windows) / sizeof(vdev_windows[0]);

/* A line's state: a disk's, one the core allocated, or a member of d. */
static void *window_state(struct vdev *d, const struct vdev_window *w) {
  if (w->disk >= 0)
    return d->blk[w->disk];
  if (w->ptr)
    return *(void **)(void *)((char *)d + w->state);
  return (char *)d + w->state;
}

int vdev_init(struct vdev *d, unsigned ncontexts, unsigned present, const struct vdev_host *host) {
  for (unsigned i = 0; i < VDEV_MAX_DISKS; i++) {
    const struct vdev_disk *k = &host->disk[i];
    bool has = (present & VDEV_HAS_BLK(i)) != 0;
    if (has && (!k->state || (!k->be && (!k->ramdisk || k->ramdisk_bytes < BLK_SECTOR_SIZE))))
      return -1;
    d->blk[i] = has ? k->state : 0;
    if (has)
      k->state->index = i;
  }
  if ((present & VDEV_HAS_VCON) && (!host->vcon || !host->console_out))
    return -1;
  d->vcon = present & VDEV_HAS_VCON ? host->vcon : 0;
  for (unsigned i = 0; i < VDEV_MAX_NICS; i++) {
    bool has = (present & VDEV_HAS_NIC(i)) != 0;
    if (has && !host->nic[i].state)
      return -1;
    d->nic[i] = has ? host->nic[i].state : 0;
    if (has)
      host->nic[i].state->index = i;
  }
  d->has_uart = present & VDEV_HAS_UART;
  d->present = present;
  d->ncontexts = ncontexts;
  d->host = *host;
  bus_init(&d->bus);
  for (unsigned i = 0; i < vdev_window_count; i++) {
    const struct vdev_window *w = &vdev_windows[i];
    if ((w->needs & present) != w->needs)
      continue;
    int r = bus_register(&d->bus, w->name, w->base, w->size, w->ops, window_state(d, w));
    if (r)
      return r;
  }
  vdev_reset(d);
  return 0;
}

/* Every model of the table, present or not (its state is there either
 * way; a disk's reset does nothing without a RAM disk), in table order:
 * the vPLIC before the lines wired to it. */
void vdev_reset(struct vdev *d) {
  spin_lock(&d->lock);
  for (unsigned i = 0; i < vdev_window_count; i++) {
    const struct vdev_window *w = &vdev_windows[i];
    if (w->reset)
      w->reset(d, window_state(d, w));
  }
  spin_unlock(&d->lock);
}

/* The vPLIC's outputs are the vCPUs' external interrupts: where the core
 * says they go. */
static void plic_reset(struct vdev *d, void *state) {
  vplic_init(state, VDEV_PLIC_SOURCES, d->ncontexts);
  vplic_connect(state, d->host.eip);
}

/* The vUART sends to the VM's console; its line is vPLIC source
 * VDEV_UART_IRQ; its console input starts empty. */
static void uart_reset(struct vdev *d, void *state) {
  (void)state; /* d itself */
  vuart_init(&d->uart, d->host.console_tx, d->host.ctx);
  d->uart_irq = (struct irq_line){vplic_irq_set, &d->plic, VDEV_UART_IRQ};
  d->in_head = d->in_count = 0;
  d->lsr_run = 0;
}

/* A virtio-blk disk: the virtio-mmio transport (hv/dev/virtio/mmio.c)
 * over the blk model over its backend (a host disk's port, or the RAM
 * disk), its line to vPLIC source VDEV_VIRTIO_BLK_IRQ + its index. A reset
 * (the VM's reload) is a device reset: the model and transport start over,
 * the disk's contents stay, and a request of the old instance that a host
 * disk completes later completes into nothing (blk.c). A RAM disk
 * completes every request inside its QueueNotify write; a host disk from
 * its interrupt, under d->lock (the port's user lock). */
static void blk_irq(void *ctx, bool level) {
  struct vdev_blk *vb = ctx;
  irq_line_set(&vb->irq, level);
}

static void blk_reset(struct vdev *d, void *state) {
  struct vdev_blk *vb = state;
  if (!vb)
    return; /* no such disk */
  const struct vdev_disk *k = &d->host.disk[vb->index];
  vb->irq = (struct irq_line){vplic_irq_set, &d->plic, VDEV_VIRTIO_BLK_IRQ + vb->index};
  struct blk_backend *be = k->be;
  if (!be) {
    if (ramdisk_init(&vb->rd, k->ramdisk, k->ramdisk_bytes, false))
      return; /* vdev_init() refused this VM already */
    be = &vb->rd.be;
  }
  /* The model is set up once (its state starts zeroed); later resets go
   * through the transport's (the model's generation moves, and a request
   * the old instance left in flight at a host disk keeps its slot until
   * it completes, into nothing). */
  if (vb->blk.be != be)
    blk_init(&vb->blk, be, k->serial ? k->serial : "rustyvisor-ramdisk");
  if (virtio_mmio_init(&vb->mmio, &blk_virtio_ops, &vb->blk, &d->host.ram, blk_irq, vb) == 0)
    virtio_mmio_reset(&vb->mmio);
  irq_line_set(&vb->irq, false);
}

/* A virtio device's window (a disk's, the console's): its state's first
 * member is its transport, which answers 32-bit registers and narrower
 * config fields; what it refuses (VIRTIO_MMIO_BAD_ACCESS), and any access
 * wider than 32 bits, is an access fault for the guest. */
static bus_val_t vio_read(void *state, uint64_t offset, unsigned width) {
  uint32_t v = 0;
  if (width > 4 || virtio_mmio_read(state, (uint32_t)offset, width, &v))
    return bus_fault();
  return bus_value(v);
}

static long vio_write(void *state, uint64_t offset, unsigned width, uint64_t value) {
  return width > 4 || virtio_mmio_write(state, (uint32_t)offset, width, (uint32_t)value) != 0;
}

static const struct bus_ops vio_ops = {vio_read, vio_write, 0};

/* A virtio-net NIC: the transport over the net model (hv/dev/virtio/net.c)
 * over its switch port's queue, its line to vPLIC source
 * VDEV_VIRTIO_NET_IRQ + its index. Locking (docs/architecture.md, "The VM
 * switch"): its tx handler runs inside the guest's QueueNotify write, under
 * d->lock, and only copies frames into the port's own bounded queue
 * (nic_tx); nic_after_write() hands them to the switch after mmio.c has
 * dropped d->lock, and the switch delivers each into another NIC under
 * that NIC's lock alone (nic_deliver). No hart ever holds two VMs' device
 * locks, so no two can wait for each other. */
#define NIC_TX_ROUNDS (4 * VQ_MAX_SIZE / NET_PORT_QLEN)

static void nic_irq(void *ctx, bool level) {
  struct vdev_nic *vn = ctx;
  irq_line_set(&vn->irq, level);
}

static bool nic_tx_room(void *ctx) { return vswitch_queue_room(&((struct vdev_nic *)ctx)->port); }

static int nic_tx(void *ctx, const uint8_t *frame, uint32_t len) {
  return vswitch_enqueue(&((struct vdev_nic *)ctx)->port, frame, len);
}

/* The switch gives this NIC a frame (any hart, no other lock held). */
static bool nic_deliver(void *owner, const uint8_t *data, uint32_t len) {
  struct vdev_nic *vn = owner;
  struct vdev *d = vn->d;
  spin_lock(&d->lock);
  bool ok;
  if ((vn->mmio.status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET)) !=
      VIRTIO_STATUS_DRIVER_OK) {
    vn->net.st.rx_not_ready++;
    ok = false;
  } else {
    ok = net_receive(&vn->net, data, len);
  }
  spin_unlock(&d->lock);
  return ok;
}

static const struct net_port_ops nic_port_ops = {nic_deliver};

/* Set up once (model, port: the core attaches it to its switch after
 * vdev_init()), then at every reset the transport starts over; the
 * counters and the link state stay. */
static void nic_reset(struct vdev *d, void *state) {
  struct vdev_nic *vn = state;
  if (!vn)
    return;
  const struct vdev_nic_cfg *k = &d->host.nic[vn->index];
  vn->irq = (struct irq_line){vplic_irq_set, &d->plic, VDEV_VIRTIO_NET_IRQ + vn->index};
  if (!vn->d) {
    vn->d = d;
    struct net_backend be = {nic_tx_room, nic_tx, vn};
    net_init(&vn->net, k->mac, k->mtu, &be);
    vn->port.ops = &nic_port_ops;
    vn->port.owner = vn;
    memcpy(vn->port.mac, k->mac, 6);
    vn->port.any_source = k->any_source;
    vn->port.q = &vn->q;
  }
  if (virtio_mmio_init(&vn->mmio, &net_virtio_ops, &vn->net, &d->host.ram, nic_irq, vn) == 0)
    virtio_mmio_reset(&vn->mmio);
  irq_line_set(&vn->irq, false);
}

/* With d->lock dropped: send what the tx handler queued; if it stopped for
 * want of room, let it take more chains, and so on until the guest's ring
 * is empty (or NIC_TX_ROUNDS, against an SMP guest that keeps adding: what
 * is left waits for its next access to the window). */
static void nic_after_write(void *state) {
  struct vdev_nic *vn = state;
  struct vdev *d = vn->d;
  if (!__atomic_load_n(&vn->q.count, __ATOMIC_RELAXED) &&
      !__atomic_load_n(&vn->net.tx_stalled, __ATOMIC_RELAXED))
    return;
  uint64_t now = d->host.now_us ? d->host.now_us() : 0;
  for (unsigned round = 0;; round++) {
    vswitch_flush(&vn->port, now);
    if (round == NIC_TX_ROUNDS)
      break;
    spin_lock(&d->lock);
    bool stalled = vn->net.tx_stalled;
    if (stalled)
      net_tx_resume(&vn->net);
    spin_unlock(&d->lock);
    if (!stalled)
      break;
  }
}

static const struct bus_ops nic_ops = {vio_read, vio_write, nic_after_write};

bool vdev_net_set_link(struct vdev *d, unsigned i, bool up) {
  if (i >= VDEV_MAX_NICS || !d->nic[i])
    return false;
  struct vdev_nic *vn = d->nic[i];
  spin_lock(&d->lock);
  if (net_set_link(&vn->net, up))
    virtio_mmio_config_changed(&vn->mmio);
  spin_unlock(&d->lock);
  return true;
}

/* Its output goes to the VM's console; its input is the VM's console
 * input queue (d->in), which it takes from as the UART does: first reader
 * gets each byte (below). */
static void vcon_out(void *ctx, const uint8_t *p, size_t n) {
  struct vdev *d = ctx;
  d->host.console_out(d->host.ctx, p, n);
}

static bool vcon_in_ready(void *ctx) { return ((struct vdev *)ctx)->in_count != 0; }

static int vcon_in_take(void *ctx) {
  struct vdev *d = ctx;
  if (!d->in_count)
    return -1;
  int c = d->in[d->in_head];
  d->in_head = (d->in_head + 1) % sizeof(d->in);
  d->in_count--;
  return c;
}

static void vcon_irq(void *ctx, bool level) {
  struct vdev_vcon *vc = ctx;
  irq_line_set(&vc->irq, level);
}

static void vcon_line_reset(struct vdev *d, void *state) {
  struct vdev_vcon *vc = state;
  if (!vc)
    return;
  vc->irq = (struct irq_line){vplic_irq_set, &d->plic, VDEV_VCON_IRQ};
  vcon_init(&vc->con, vcon_out, vcon_in_ready, vcon_in_take, d);
  if (virtio_mmio_init(&vc->mmio, &vcon_virtio_ops, &vc->con, &d->host.ram, vcon_irq, vc) == 0)
    virtio_mmio_reset(&vc->mmio);
  irq_line_set(&vc->irq, false);
}

/* The LSR read that, with the ones right before it, is a poll (below). */
#define VDEV_POLL_LSR_READS 3

/* Console input: which reader gets a byte. Typed bytes wait in the VM's
 * queue (d->in) in order; each goes to exactly one reader, the first that
 * asks for it, so that a guest moving from one reader to the other (Linux
 * from SBI earlycon to ttyS0, U-Boot's UART then Linux's hvc0) loses none
 * and gets none twice:
 *  - the UART receives, i.e. moves waiting bytes into its FIFO, while the
 *    guest has its receive interrupt enabled (IER.ERBFI: as they arrive)
 *    and while the guest polls for input: from the third LSR read in a row
 *    on, with no other UART access between (a polling driver, such as
 *    U-Boot's, loops on LSR.DR, then reads RBR, and never enables the
 *    interrupt). One or two LSR reads do not receive: Linux reads LSR before
 *    every byte it sends, and twice in a row at most when it opens ttyS0,
 *    where it reads RBR to discard it (twice); keys typed while it boots
 *    must wait for ttyS0's receive interrupt instead;
 *  - SBI getchar and DBCN read take the oldest byte the guest has not read:
 *    from the UART's FIFO first, then from the queue.
 * A guest that resets its receive FIFO (FCR) gives what the UART received
 * but the guest did not read back to the front of the queue: typed keys are
 * never thrown away by a UART reset (Linux resets it when ttyS0 opens). A
 * guest that never polls or enables its UART's receiver leaves every byte
 * to SBI getchar. */

/* Move waiting input into the UART's FIFO while it has room; none in
 * loopback (MCR.LOOP), where a 16550's input is cut off from the line and
 * the FIFO holds what the guest sends itself (held by d->lock). */
static void feed_uart(struct vdev *d) {
  if (d->uart.mcr & VUART_MCR_LOOP)
    return;
  while (d->has_uart && d->in_count && vuart_rx_push(&d->uart, d->in[d->in_head])) {
    d->in_head = (d->in_head + 1) % sizeof(d->in);
    d->in_count--;
  }
}

/* Before a FIFO reset: the bytes the UART received but the guest did not
 * read go back to the front of the queue, in order, as far as it has room;
 * not in loopback, where they are the guest's own (held by d->lock). */
static void requeue_uart(struct vdev *d) {
  if (d->uart.mcr & VUART_MCR_LOOP)
    return;
  uint8_t back[VUART_FIFO_SIZE];
  unsigned n = 0;
  int c;
  while (n < VUART_FIFO_SIZE && (c = vuart_rx_take(&d->uart)) >= 0)
    back[n++] = (uint8_t)c;
  unsigned room = (unsigned)sizeof(d->in) - d->in_count;
  if (n > room)
    n = room; /* keep the oldest; the queue's own bytes are newer */
  while (n) {
    d->in_head = (d->in_head + (unsigned)sizeof(d->in) - 1) % sizeof(d->in);
    d->in[d->in_head] = back[--n];
    d->in_count++;
  }
}

/* Forward the UART's line to the vPLIC if it moved (held by d->lock): the
 * model keeps it, so when nothing moved (most accesses) this is one test. */
static inline void uart_forward_irq(struct vdev *d) {
  if (vuart_take_irq_changed(&d->uart))
    irq_line_set(&d->uart_irq, vuart_irq(&d->uart));
}

/* After a UART access or input (held by d->lock): receive while its receive
 * interrupt is on, then the line. */
static inline void uart_update(struct vdev *d) {
  if (d->in_count && (d->uart.ier & VUART_IER_ERBFI))
    feed_uart(d);
  uart_forward_irq(d);
}

/* The UART's window: byte registers only, the rest of it reads 0 and
 * ignores writes. An LSR byte read counts towards a poll (above); any other
 * access ends the run. */
static __attribute__((noinline)) uint64_t uart_read_any(struct vdev *d, uint64_t offset,
                                                        unsigned width) {
  bool lsr = offset == VUART_LSR && width == 1;
  uint64_t val = 0;
  if (width == 1 && offset < VUART_WINDOW_SIZE) {
    if (lsr && d->lsr_run >= VDEV_POLL_LSR_READS - 1 && d->in_count)
      feed_uart(d); /* the guest polls: it receives */
    val = vuart_read(&d->uart, (unsigned)offset);
  }
  if (lsr)
    d->lsr_run += d->lsr_run < VDEV_POLL_LSR_READS;
  else
    d->lsr_run = 0;
  uart_update(d);
  return val;
}

/* The commonest access of all, a driver polling LSR with no input waiting
 * and no line error to report, is uart_read_any() with nothing to do but
 * count the poll: nothing to receive, and the read moves no state of the
 * model, so no line either. It costs no call and no stack frame; every other
 * access goes the general way. */
static bus_val_t uart_read(void *state, uint64_t offset, unsigned width) {
  struct vdev *d = state;
  if (offset != VUART_LSR || width != 1 || d->in_count || d->uart.lsr_errors)
    return bus_value(uart_read_any(d, offset, width));
  d->lsr_run += d->lsr_run < VDEV_POLL_LSR_READS;
  return bus_value(vuart_lsr_status(&d->uart));
}

static long uart_write(void *state, uint64_t offset, unsigned width, uint64_t value) {
  struct vdev *d = state;
  if (width == 1 && offset < VUART_WINDOW_SIZE) {
    if (offset == VUART_FCR && (value & VUART_FCR_CLEAR_RX))
      requeue_uart(d);
    vuart_write(&d->uart, (unsigned)offset, (uint8_t)value);
  }
  d->lsr_run = 0;
  uart_update(d);
  return 0;
}

static const struct bus_ops uart_ops = {uart_read, uart_write, 0};

bool vdev_console_input(struct vdev *d, uint8_t byte) {
  spin_lock(&d->lock);
  bool ok = d->in_count < sizeof(d->in);
  if (ok) {
    d->in[(d->in_head + d->in_count) % sizeof(d->in)] = byte;
    d->in_count++;
    uart_update(d);
    if (d->vcon)
      vcon_input(&d->vcon->con); /* its posted buffers take what the UART did not */
  }
  spin_unlock(&d->lock);
  return ok;
}

int vdev_console_getc(struct vdev *d) {
  spin_lock(&d->lock);
  int c = d->has_uart ? vuart_rx_take(&d->uart) : -1;
  if (c >= 0) {
    uart_forward_irq(d); /* the UART's receive interrupt may drop */
  } else if (d->in_count) {
    c = d->in[d->in_head];
    d->in_head = (d->in_head + 1) % sizeof(d->in);
    d->in_count--;
  }
  spin_unlock(&d->lock);
  return c;
}
