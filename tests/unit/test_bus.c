/* Host tests of a VM's device bus (hv/dev/bus.c): lookup at both edges of
 * every window and in the gaps between them, whatever the order of
 * registration; overlapping, empty and wrapping windows refused with the
 * table unchanged; a full table (filled from either end); windows at both
 * ends of the address space (the end region at base 0 must not hide a
 * window there);
 * and the device table of hv/dev/vdev.c registered as a VM gets it; two
 * VMs' NICs on one switch, a frame from one to the other through their
 * windows: it waits in the sender's port queue while the sender's device
 * lock is held and reaches the other VM only after (after_write). */
#include "check.h"
#include "hv/dev/bus.h"
#include "hv/dev/vdev.h"
#include "hv/lib/virtq.h"

static bus_val_t rd(void *s, uint64_t o, unsigned w) {
  (void)s, (void)o, (void)w;
  return bus_value(0);
}
static long wr(void *s, uint64_t o, unsigned w, uint64_t v) {
  (void)s, (void)o, (void)w, (void)v;
  return 0;
}
static const struct bus_ops ops = {rd, wr, 0};

static int state[BUS_MAX_REGIONS + 1];

/* Which region's state holds addr: its index in state[], or -1 for none. */
static int owner(struct bus *b, uint64_t addr) {
  struct bus_region *r = bus_find(b, addr);
  return r ? (int)((int *)r->state - state) : -1;
}

/* Highest first, disjoint, the end region after them; and the walk in
 * address order visits each once, lowest first. */
static void check_sorted(struct bus *b) {
  for (unsigned i = 1; i < b->count; i++)
    CHECK(b->region[i].base + b->region[i].size <= b->region[i - 1].base);
  CHECK(b->region[b->count].base == 0 && b->region[b->count].size == 0);
  unsigned n = 0;
  uint64_t last = 0;
  for (const struct bus_region *r = bus_first(b); r; r = bus_next(b, r), n++) {
    CHECK(n == 0 || r->base > last);
    last = r->base;
  }
  CHECK_EQ(n, b->count);
}

static void test_lookup_edges(void) {
  struct bus b;
  bus_init(&b);
  CHECK_EQ_INT(owner(&b, 0), -1);
  CHECK_EQ_INT(owner(&b, 0x1000), -1);
  /* Registered out of order; 1 and 2 adjacent, a gap before 0. */
  CHECK_EQ_INT(bus_register(&b, "c", 0x3000, 0x100, &ops, &state[0]), BUS_OK);
  CHECK_EQ_INT(bus_register(&b, "a", 0x1000, 0x1000, &ops, &state[1]), BUS_OK);
  CHECK_EQ_INT(bus_register(&b, "b", 0x2000, 0x10, &ops, &state[2]), BUS_OK);
  CHECK_EQ(b.count, 3);
  check_sorted(&b);
  CHECK_STR(bus_first(&b)->name, "a");
  CHECK_STR(b.region[0].name, "c");
  static const struct {
    uint64_t addr;
    int owner;
  } cases[] = {
      {0, -1},      {0xfff, -1},       {0x1000, 1},  {0x1fff, 1}, {0x2000, 2},
      {0x200f, 2},  {0x2010, -1},      {0x2fff, -1}, {0x3000, 0}, {0x30ff, 0},
      {0x3100, -1}, {0x100003000, -1}, {~0ULL, -1},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    if (!check_result(owner(&b, cases[i].addr) == cases[i].owner, __FILE__, __LINE__))
      fprintf(stderr, "0x%llx: owner %d, expected %d\n", (unsigned long long)cases[i].addr,
              owner(&b, cases[i].addr), cases[i].owner);
  /* The region found carries what was registered. */
  struct bus_region *r = bus_find(&b, 0x2008);
  CHECK(r && r->base == 0x2000 && r->size == 0x10 && r->ops == &ops && r->accesses == 0);
}

static void test_overlaps_refused(void) {
  struct bus b;
  bus_init(&b);
  CHECK_EQ_INT(bus_register(&b, "x", 0x1000, 0x1000, &ops, &state[0]), BUS_OK);
  CHECK_EQ_INT(bus_register(&b, "y", 0x4000, 0x1000, &ops, &state[1]), BUS_OK);
  static const struct {
    uint64_t base, size;
  } bad[] = {
      {0x1000, 0x1000}, /* the same */
      {0x0fff, 2},      /* into x's first byte */
      {0x1fff, 1},      /* x's last byte */
      {0x1800, 0x10},   /* inside x */
      {0x0800, 0x2000}, /* around x */
      {0x1fff, 0x2002}, /* x's last byte to y's first */
      {0x3000, 0x1001}, /* y's first byte */
      {0x0, ~0ULL},     /* everything */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (!check_result(bus_register(&b, "bad", bad[i].base, bad[i].size, &ops, &state[2]) ==
                          BUS_ERR_OVERLAP,
                      __FILE__, __LINE__))
      fprintf(stderr, "[0x%llx +0x%llx] not refused as an overlap\n",
              (unsigned long long)bad[i].base, (unsigned long long)bad[i].size);
    CHECK_EQ(b.count, 2);
  }
  /* Adjacent on both sides is fine. */
  CHECK_EQ_INT(bus_register(&b, "lo", 0x0, 0x1000, &ops, &state[2]), BUS_OK);
  CHECK_EQ_INT(bus_register(&b, "mid", 0x2000, 0x2000, &ops, &state[3]), BUS_OK);
  CHECK_EQ(b.count, 4);
  check_sorted(&b);
  CHECK_EQ_INT(owner(&b, 0), 2);
  CHECK_EQ_INT(owner(&b, 0xfff), 2);
  CHECK_EQ_INT(owner(&b, 0x1fff), 0);
  CHECK_EQ_INT(owner(&b, 0x2000), 3);
  CHECK_EQ_INT(owner(&b, 0x3fff), 3);
  CHECK_EQ_INT(owner(&b, 0x4000), 1);
  /* Empty, wrapping, without ops: refused, nothing added. */
  CHECK_EQ_INT(bus_register(&b, "z", 0x9000, 0, &ops, &state[4]), BUS_ERR_INVALID);
  CHECK_EQ_INT(bus_register(&b, "z", ~0ULL - 0xff, 0x101, &ops, &state[4]), BUS_ERR_INVALID);
  CHECK_EQ_INT(bus_register(&b, "z", 0x9000, 0x10, NULL, &state[4]), BUS_ERR_INVALID);
  static const struct bus_ops half = {rd, NULL, 0};
  CHECK_EQ_INT(bus_register(&b, "z", 0x9000, 0x10, &half, &state[4]), BUS_ERR_INVALID);
  CHECK_EQ(b.count, 4);
  /* The very top of the address space is a window like any other. */
  CHECK_EQ_INT(bus_register(&b, "top", ~0ULL - 0xff, 0x100, &ops, &state[4]), BUS_OK);
  CHECK_EQ_INT(owner(&b, ~0ULL), 4);
  CHECK_EQ_INT(owner(&b, ~0ULL - 0xff), 4);
  CHECK_EQ_INT(owner(&b, ~0ULL - 0x100), -1);
}

static void test_full_table(void) {
  struct bus b;
  bus_init(&b);
  /* Filled from the top down: every insertion moves the others. */
  for (int i = BUS_MAX_REGIONS - 1; i >= 0; i--)
    CHECK_EQ_INT(bus_register(&b, "r", 0x10000 * (uint64_t)(i + 1), 0x100, &ops, &state[i]),
                 BUS_OK);
  CHECK_EQ(b.count, BUS_MAX_REGIONS);
  check_sorted(&b);
  CHECK_EQ_INT(bus_register(&b, "more", 0x10, 0x10, &ops, &state[BUS_MAX_REGIONS]), BUS_ERR_FULL);
  /* An overlap in a full table is still called an overlap. */
  CHECK_EQ_INT(bus_register(&b, "more", 0x10000, 0x10, &ops, &state[BUS_MAX_REGIONS]),
               BUS_ERR_OVERLAP);
  CHECK_EQ(b.count, BUS_MAX_REGIONS);
  for (int i = 0; i < BUS_MAX_REGIONS; i++) {
    uint64_t base = 0x10000 * (uint64_t)(i + 1);
    CHECK_EQ_INT(owner(&b, base), i);
    CHECK_EQ_INT(owner(&b, base + 0xff), i);
    CHECK_EQ_INT(owner(&b, base + 0x100), -1);
    CHECK_EQ_INT(owner(&b, base - 1), -1);
  }
  CHECK_EQ_INT(owner(&b, 0x10), -1);
  CHECK_EQ_INT(owner(&b, 0), -1);
  /* Filled from the bottom up: every insertion goes to the front. */
  bus_init(&b);
  for (int i = 0; i < BUS_MAX_REGIONS; i++)
    CHECK_EQ_INT(bus_register(&b, "r", 0x1000 * (uint64_t)i, 0x1000, &ops, &state[i]), BUS_OK);
  check_sorted(&b);
  CHECK_EQ_INT(bus_register(&b, "more", 0x1000 * BUS_MAX_REGIONS, 1, &ops, &state[0]),
               BUS_ERR_FULL);
  for (int i = 0; i < BUS_MAX_REGIONS; i++)
    CHECK_EQ_INT(owner(&b, 0x1000 * (uint64_t)i + 0x800), i);
  CHECK_EQ_INT(owner(&b, 0x1000 * BUS_MAX_REGIONS), -1);
  bus_init(&b);
  CHECK_EQ(b.count, 0);
  CHECK(bus_find(&b, 0x10000) == NULL);
}

/* The device table (vdev.c) as a VM's bus holds it: PLIC then UART, the
 * UART only when the VM has one, each region's state its model's. */
static void dummy_tx(void *ctx, uint8_t byte) { (void)ctx, (void)byte; }

static void test_device_table(void) {
  static struct vdev d;
  struct vdev_host host = {.console_tx = dummy_tx};
  CHECK_EQ_INT(vdev_init(&d, 2, VDEV_HAS_UART, &host), 0);
  CHECK_EQ(d.bus.count, 2);
  struct bus_region *p = bus_find(&d.bus, VDEV_PLIC_BASE);
  struct bus_region *u = bus_find(&d.bus, VDEV_UART_BASE);
  CHECK(p && p->state == &d.plic && p->size == VPLIC_WINDOW_SIZE);
  CHECK_STR(p ? p->name : NULL, "plic");
  CHECK(u && u->state == &d && u->size == VDEV_UART_SIZE);
  CHECK_STR(u ? u->name : NULL, "uart");
  CHECK(bus_find(&d.bus, VDEV_UART_BASE + VDEV_UART_SIZE) == NULL);
  CHECK(bus_find(&d.bus, VDEV_PLIC_BASE - 1) == NULL);
  CHECK_EQ_INT(vdev_init(&d, 2, 0, &host), 0);
  CHECK_EQ(d.bus.count, 1);
  CHECK(bus_find(&d.bus, VDEV_UART_BASE) == NULL);
  CHECK(bus_find(&d.bus, VDEV_UART_BASE - 1) != NULL); /* the PLIC's last byte */
}

/* The virtio-blk window: there only with a RAM disk; its registers read
 * 32 bits wide, anything else is refused (an access fault for the guest);
 * its line is vPLIC source VDEV_VIRTIO_BLK_IRQ. */
static void test_disk_window(void) {
  static struct vdev d;
  static uint8_t ram[1 << 16], disk[4096];
  static struct vdev_blk blk, blk2;
  struct vdev_host host = {.console_tx = dummy_tx, .ram = {0x80000000, sizeof(ram), ram}};
  host.disk[0] = (struct vdev_disk){.state = &blk, .ramdisk = disk, .ramdisk_bytes = sizeof(disk)};
  CHECK_EQ_INT(vdev_init(&d, 1, VDEV_HAS_UART | VDEV_HAS_BLK(0), &host), 0);
  CHECK_EQ(d.bus.count, 3);
  struct bus_region *v = bus_find(&d.bus, VDEV_VIRTIO_BLK_BASE + VDEV_VIRTIO_BLK_SIZE - 1);
  CHECK(v && v->state == &blk && d.blk[0] == &blk && v->base == VDEV_VIRTIO_BLK_BASE);
  CHECK_STR(v ? v->name : NULL, "vblk");
  if (!v)
    return;
  bus_val_t r = v->ops->read(v->state, VIRTIO_MMIO_MAGIC_VALUE, 4);
  CHECK(!bus_val_fault(r) && bus_val_value(r) == VIRTIO_MMIO_MAGIC);
  r = v->ops->read(v->state, VIRTIO_MMIO_DEVICE_ID, 4);
  CHECK(!bus_val_fault(r) && bus_val_value(r) == VIRTIO_ID_BLOCK);
  CHECK(bus_val_fault(v->ops->read(v->state, VIRTIO_MMIO_MAGIC_VALUE, 1)));
  CHECK(bus_val_fault(v->ops->read(v->state, VIRTIO_MMIO_MAGIC_VALUE, 8)));
  CHECK(bus_val_fault(v->ops->read(v->state, VIRTIO_MMIO_VERSION + 2, 4)));
  CHECK(bus_val_fault(v->ops->read(v->state, 0x800, 4))); /* past the config space */
  CHECK(v->ops->write(v->state, VIRTIO_MMIO_STATUS, 2, 1) != 0);
  CHECK(v->ops->write(v->state, VIRTIO_MMIO_STATUS, 8, 1) != 0);
  CHECK_EQ_INT(v->ops->write(v->state, VIRTIO_MMIO_STATUS, 4, 1), 0);
  r = v->ops->read(v->state, VIRTIO_MMIO_STATUS, 4);
  CHECK(!bus_val_fault(r) && bus_val_value(r) == 1);
  /* capacity (config offset 0) is the disk's sectors; a byte of it reads fine */
  r = v->ops->read(v->state, VIRTIO_MMIO_CONFIG, 4);
  CHECK(!bus_val_fault(r) && bus_val_value(r) == sizeof(disk) / 512);
  r = v->ops->read(v->state, VIRTIO_MMIO_CONFIG, 1);
  CHECK(!bus_val_fault(r) && bus_val_value(r) == sizeof(disk) / 512);
  /* A reset (the VM's reload) is a device reset. */
  vdev_reset(&d);
  r = v->ops->read(v->state, VIRTIO_MMIO_STATUS, 4);
  CHECK(!bus_val_fault(r) && bus_val_value(r) == 0);
  /* The line: a config change interrupt once the driver runs reaches source 1. */
  blk.mmio.status = VIRTIO_STATUS_DRIVER_OK;
  virtio_mmio_config_changed(&blk.mmio);
  CHECK(vplic_read(&d.plic, VPLIC_PENDING_BASE, 4) & (1u << VDEV_VIRTIO_BLK_IRQ));
  CHECK_EQ_INT(v->ops->write(v->state, VIRTIO_MMIO_INTERRUPT_ACK, 4, VIRTIO_MMIO_INT_CONFIG), 0);
  CHECK(!(vplic_read(&d.plic, VPLIC_PENDING_BASE, 4) & (1u << VDEV_VIRTIO_BLK_IRQ)));
  /* A second disk: the next slot and PLIC source, its own state. */
  host.disk[1] = (struct vdev_disk){.state = &blk2, .ramdisk = disk, .ramdisk_bytes = 1024};
  CHECK_EQ_INT(vdev_init(&d, 1, VDEV_HAS_BLK(0) | VDEV_HAS_BLK(1), &host), 0);
  v = bus_find(&d.bus, VDEV_VIRTIO_BLK_BASE + VDEV_VIRTIO_BLK_SIZE);
  CHECK(v && v->state == &blk2 && blk2.index == 1);
  CHECK_STR(v ? v->name : NULL, "vblk1");
  if (v) {
    r = v->ops->read(v->state, VIRTIO_MMIO_CONFIG, 4);
    CHECK(!bus_val_fault(r) && bus_val_value(r) == 2);
    CHECK(blk2.irq.id == VDEV_VIRTIO_BLK_IRQ + 1);
  }
  /* No RAM disk: no window, and VDEV_HAS_BLK without one is refused. */
  CHECK_EQ_INT(vdev_init(&d, 1, VDEV_HAS_UART, &host), 0);
  CHECK(bus_find(&d.bus, VDEV_VIRTIO_BLK_BASE) == NULL && d.blk[0] == NULL);
  host.disk[0].state = NULL; /* a disk without its device's state */
  CHECK_EQ_INT(vdev_init(&d, 1, VDEV_HAS_BLK(0), &host), -1);
  host.disk[0].state = &blk;
  host.disk[0].ramdisk = NULL;
  CHECK_EQ_INT(vdev_init(&d, 1, VDEV_HAS_BLK(0), &host), -1);
}

/* The NICs: two VMs on switch "t", each window driven as mmio.c does. */
struct nic_vm {
  struct vdev d;
  uint8_t ram[1 << 17] __attribute__((aligned(4096)));
  struct vdev_nic nic;
  struct virtq rxq, txq;
};
static struct nic_vm nv[2];

static void nfence(enum virtq_fence k, void *c) { (void)k, (void)c; }

static uint32_t nic_rd(struct bus_region *v, uint32_t off) {
  bus_val_t r = v->ops->read(v->state, off, 4);
  CHECK(!bus_val_fault(r));
  return (uint32_t)bus_val_value(r);
}

/* A store as mmio.c makes it: the op under the device lock, after_write without. */
static void nic_wr(struct nic_vm *m, struct bus_region *v, uint32_t off, uint32_t val) {
  spin_lock(&m->d.lock);
  CHECK_EQ_INT(v->ops->write(v->state, off, 4, val), 0);
  spin_unlock(&m->d.lock);
  if (v->ops->after_write)
    v->ops->after_write(v->state);
}

static void nic_queue(struct nic_vm *m, struct bus_region *v, unsigned qi, struct virtq *q,
                      uint32_t off) {
  struct virtq_layout l;
  CHECK_EQ_INT(virtq_layout_modern(16, &l), VIRTQ_OK);
  CHECK_EQ_INT(virtq_init(q, &l, m->ram + off, 0x80000000 + off, nfence, NULL), VIRTQ_OK);
  nic_wr(m, v, VIRTIO_MMIO_QUEUE_SEL, qi);
  nic_wr(m, v, VIRTIO_MMIO_QUEUE_NUM, 16);
  nic_wr(m, v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc_addr);
  nic_wr(m, v, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q->avail_addr);
  nic_wr(m, v, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q->used_addr);
  nic_wr(m, v, VIRTIO_MMIO_QUEUE_READY, 1);
}

static struct bus_region *nic_start(struct nic_vm *m, uint8_t last) {
  struct vdev_host host = {.console_tx = dummy_tx, .ram = {0x80000000, sizeof(m->ram), m->ram}};
  host.nic[0] = (struct vdev_nic_cfg){.state = &m->nic, .mac = {2, 0, 0, 0, 0, last}, .mtu = 1500};
  CHECK_EQ_INT(vdev_init(&m->d, 1, VDEV_HAS_NIC(0), &host), 0);
  CHECK_EQ_INT(vswitch_attach("t", &m->nic.port), 0);
  struct bus_region *v = bus_find(&m->d.bus, VDEV_VIRTIO_NET_BASE);
  CHECK(v && v->state == &m->nic && m->d.nic[0] == &m->nic);
  CHECK_STR(v ? v->name : NULL, "vnet");
  if (!v)
    return NULL;
  CHECK_EQ(nic_rd(v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
  CHECK_EQ(nic_rd(v, VIRTIO_MMIO_CONFIG) & 0xff, 2);
  CHECK(bus_val_fault(v->ops->read(v->state, VIRTIO_MMIO_MAGIC_VALUE, 8)));
  nic_wr(m, v, VIRTIO_MMIO_STATUS, 3);
  nic_wr(m, v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  nic_wr(m, v, VIRTIO_MMIO_DRIVER_FEATURES, 1);
  nic_wr(m, v, VIRTIO_MMIO_STATUS, 11);
  nic_queue(m, v, 0, &m->rxq, 0x1000);
  nic_queue(m, v, 1, &m->txq, 0x2000);
  nic_wr(m, v, VIRTIO_MMIO_STATUS, 15);
  /* the PLIC: source 5 enabled for context 0 */
  vplic_write(&m->d.plic, VPLIC_PRIORITY_BASE + 4 * VDEV_VIRTIO_NET_IRQ, 4, 1);
  vplic_write(&m->d.plic, VPLIC_ENABLE_BASE, 4, 1u << VDEV_VIRTIO_NET_IRQ);
  return v;
}

static void test_nic_windows(void) {
  vswitch_reset_all();
  struct bus_region *va = nic_start(&nv[0], 0xa), *vb = nic_start(&nv[1], 0xb);
  if (!va || !vb)
    return;
  CHECK(bus_find(&nv[0].d.bus, VDEV_VIRTIO_NET_BASE + VDEV_VIRTIO_NET_SIZE) == NULL);
  /* b posts a receive buffer; a sends b a broadcast. */
  struct virtq_buf rb = {0x80000000 + 0x8000, 2048, true};
  uint16_t head;
  CHECK_EQ_INT(virtq_add_chain(&nv[1].rxq, &rb, 1, &head), VIRTQ_OK);
  uint8_t *f = nv[0].ram + 0x4000;
  memset(f, 0, 12 + 60);
  memset(f + 12, 0xff, 6);
  f[12 + 6] = 2;
  f[12 + 11] = 0xa;
  f[12 + 20] = 0x5a;
  struct virtq_buf tb = {0x80000000 + 0x4000, 12 + 60, false};
  CHECK_EQ_INT(virtq_add_chain(&nv[0].txq, &tb, 1, &head), VIRTQ_OK);
  /* The notify under a's lock: the frame waits in a's port queue. */
  spin_lock(&nv[0].d.lock);
  CHECK_EQ_INT(va->ops->write(va->state, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 1), 0);
  CHECK_EQ(nv[0].nic.q.count, 1);
  CHECK_EQ(nv[1].nic.net.st.rx_frames, 0);
  spin_unlock(&nv[0].d.lock);
  va->ops->after_write(va->state);
  CHECK_EQ(nv[0].nic.q.count, 0);
  CHECK_EQ(nv[1].nic.net.st.rx_frames, 1);
  uint32_t len = 0;
  CHECK_EQ_INT(virtq_poll_used(&nv[1].rxq, &head, &len), 1);
  CHECK_EQ(len, 72);
  CHECK_EQ(nv[1].ram[0x8000 + 12 + 20], 0x5a);
  CHECK(vplic_read(&nv[1].d.plic, VPLIC_PENDING_BASE, 4) & (1u << VDEV_VIRTIO_NET_IRQ));
  CHECK_EQ_INT(virtq_poll_used(&nv[0].txq, &head, &len), 1);
  /* b has no buffer left: its loss, counted on it. */
  CHECK_EQ_INT(virtq_add_chain(&nv[0].txq, &tb, 1, &head), VIRTQ_OK);
  nic_wr(&nv[0], va, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  CHECK_EQ(nv[1].nic.net.st.rx_no_buffer, 1);
  CHECK_EQ(nv[1].nic.port.st.rx_dropped, 1);
  CHECK_EQ(nv[0].nic.port.st.tx, 2);
  /* Link down on b: a configuration interrupt, status 0, frames not received. */
  nic_wr(&nv[1], vb, VIRTIO_MMIO_INTERRUPT_ACK, 3);
  CHECK(vdev_net_set_link(&nv[1].d, 0, false));
  CHECK(!vdev_net_set_link(&nv[1].d, 1, false)); /* no NIC 1 */
  CHECK(nic_rd(vb, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
  CHECK_EQ((nic_rd(vb, VIRTIO_MMIO_CONFIG + 4) >> 16) & 0xffff, 0);
  CHECK_EQ_INT(virtq_add_chain(&nv[1].rxq, &rb, 1, &head), VIRTQ_OK);
  CHECK_EQ_INT(virtq_add_chain(&nv[0].txq, &tb, 1, &head), VIRTQ_OK);
  nic_wr(&nv[0], va, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  CHECK_EQ(nv[1].nic.net.st.rx_not_ready, 1);
  /* A reset of b (its VM's reload): not DRIVER_OK, frames dropped; the counters stay. */
  vdev_reset(&nv[1].d);
  CHECK(vdev_net_set_link(&nv[1].d, 0, true));
  CHECK_EQ_INT(virtq_add_chain(&nv[0].txq, &tb, 1, &head), VIRTQ_OK);
  nic_wr(&nv[0], va, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  CHECK_EQ(nv[1].nic.net.st.rx_not_ready, 2);
  CHECK_EQ(nv[1].nic.net.st.rx_frames, 1);
  /* A NIC without its state is refused. */
  struct vdev_host host = {.console_tx = dummy_tx};
  static struct vdev d;
  CHECK_EQ_INT(vdev_init(&d, 1, VDEV_HAS_NIC(1), &host), -1);
}

int main(void) {
  test_disk_window();
  test_lookup_edges();
  test_overlaps_refused();
  test_full_table();
  test_device_table();
  test_nic_windows();
  return check_report("bus");
}
