/* vblk: drives the VM's virtio-blk disk as a real driver would, through
 * the modern virtio-mmio transport (virtio 1.2, 4.2.3): it finds the
 * "virtio,mmio" node, its interrupt and the PLIC in its FDT, checks magic,
 * version 2 and device id 2, negotiates VERSION_1 (and FLUSH), sets up one
 * queue (hv/lib/virtq.c, the driver side the hypervisor also uses) and
 * waits for every completion in WFI until the PLIC interrupt comes: the
 * used ring is read only after the interrupt. Its disk image holds the
 * pattern of tests/boot/make_pattern.py (byte i is (7 * i + 3) mod 251).
 *
 * Honest steps: read the pattern, write sectors and read them back, FLUSH,
 * GET_ID, a sector past the end (IOERR). Hostile steps, each answered as
 * the spec says while the hypervisor stays up: a register read at the
 * wrong width (access fault), a notify before DRIVER_OK (nothing used), a
 * descriptor outside RAM and a descriptor loop (DEVICE_NEEDS_RESET, then a
 * reset brings the device back). Bootargs "tag=N" (N decimal): it writes N
 * into sector TAG_SECTOR, waits, and reads it back, so that two VMs that
 * shared a disk would see each other's tag. On a boot that finds its tag
 * already there (after "reboot" in the bootargs asked for one) it checks
 * that the disk kept it across the reboot and that the device came back
 * reset. With "nodisk" it checks that its FDT has no virtio-mmio node.
 * Prints "vblk: all checks passed" or "vblk: checks failed". */
#include "fdt.h"
#include "guest.h"
#include "virtio_guest.h"
#include "virtq.h"
#include <string.h>

#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define SSTATUS_SIE (1UL << 1)
#define WAIT_TICKS 50000000UL /* 5 s at 10 MHz */
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_ACCESS 7

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (c))
#define PLIC_CLAIM(c) (0x200004UL + 0x1000UL * (c))

/* 4.2.2 registers. */
#define F_BLK_FLUSH (1u << 9)
#define F_BLK_DISCARD (1u << 13)
#define F_BLK_WRITE_ZEROES (1u << 14)

#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u
#define T_GET_ID 8u
#define T_DISCARD 11u
#define T_WRITE_ZEROES 13u
#define ZERO_SECTOR 60u /* WRITE_ZEROES here, DISCARD the one after */
#define ST_OK 0u
#define ST_IOERR 1u
#define ST_NONE 0xffu /* what the driver leaves in the status byte */

#define QSIZE 8u
#define SECTOR 512u
#define TAG_SECTOR 40u

static unsigned long base, plic, context;
static bool zeroing; /* DISCARD and WRITE_ZEROES negotiated */
static uint32_t source;
static volatile unsigned long vring_irqs, config_irqs, other_irqs;
static volatile bool timed_out;

static struct virtq q;
static uint8_t ring_mem[8192] __attribute__((aligned(4096)));
struct blk_hdr {
  uint32_t type, reserved;
  uint64_t sector;
};
static struct blk_hdr hdr;
static volatile uint8_t status;
static uint8_t buf[4096] __attribute__((aligned(16)));
static uint64_t capacity;

static uint32_t rd(unsigned off) { return *(volatile uint32_t *)(base + off); }
static void wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint32_t plic_rd(unsigned long off) { return *(volatile uint32_t *)(plic + off); }
static void plic_wr(unsigned long off, uint32_t v) { *(volatile uint32_t *)(plic + off) = v; }
static uint8_t pattern(uint64_t i) { return (uint8_t)((7 * i + 3) % 251); }

/* Claim, read InterruptStatus, acknowledge it, complete. */
static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_TIMER) {
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
    timed_out = true;
    return;
  }
  if (irq != IRQ_S_EXT) {
    other_irqs++;
    return;
  }
  uint32_t s;
  while ((s = plic_rd(PLIC_CLAIM(context))) != 0) {
    if (s == source) {
      uint32_t is = rd(R_INTERRUPT_STATUS);
      wr(R_INTERRUPT_ACK, is);
      if (is & 1)
        vring_irqs++;
      if (is & 2)
        config_irqs++;
      if (!(is & 3))
        other_irqs++;
    } else {
      other_irqs++;
    }
    plic_wr(PLIC_CLAIM(context), s);
  }
}

/* The virtio-mmio node, its source, the PLIC and this hart's S context. */
static bool read_fdt(const void *fdt, unsigned long hartid) {
  struct dt dt;
  uint64_t a, sz;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  int v = dt_find_compatible(&dt, -1, "virtio,mmio");
  int p = dt_find_compatible(&dt, -1, "riscv,plic0");
  if (v < 0 || p < 0 || dt_reg(&dt, v, 0, &a, &sz) != DT_OK)
    return false;
  base = a;
  if (dt_prop_u32(&dt, v, "interrupts", &source) != DT_OK || dt_reg(&dt, p, 0, &a, &sz) != DT_OK)
    return false;
  plic = a;
  return guest_plic_context(&dt, p, hartid, &context);
}

/* Sleep in WFI until *counter moves past before or 5 s pass. */
static bool wait_irq(volatile unsigned long *counter, unsigned long before) {
  timed_out = false;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + WAIT_TICKS, 0, 0, 0, 0, 0);
  while (*counter == before && !timed_out)
    __asm__ volatile("wfi");
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  return *counter != before;
}

/* 3.1.1 driver initialisation up to (not including) DRIVER_OK: reset,
 * ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue 0. */
static bool dev_setup(void) {
  wr(R_STATUS, 0);
  CHECK(rd(R_STATUS) == 0, "vblk: status not 0 after reset");
  wr(R_STATUS, S_ACKNOWLEDGE);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
  wr(R_DEVICE_FEATURES_SEL, 0);
  uint32_t lo = rd(R_DEVICE_FEATURES);
  wr(R_DEVICE_FEATURES_SEL, 1);
  uint32_t hi = rd(R_DEVICE_FEATURES);
  if (!(hi & F_VERSION_1_HI)) {
    CHECK(false, "vblk: VERSION_1 not offered (features 0x%x%08x)", hi, lo);
    return false;
  }
  wr(R_DRIVER_FEATURES_SEL, 0);
  wr(R_DRIVER_FEATURES, lo & (F_BLK_FLUSH | F_BLK_DISCARD | F_BLK_WRITE_ZEROES));
  zeroing = (lo & (F_BLK_DISCARD | F_BLK_WRITE_ZEROES)) == (F_BLK_DISCARD | F_BLK_WRITE_ZEROES);
  wr(R_DRIVER_FEATURES_SEL, 1);
  wr(R_DRIVER_FEATURES, F_VERSION_1_HI);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
  if (!(rd(R_STATUS) & S_FEATURES_OK)) {
    CHECK(false, "vblk: FEATURES_OK not accepted");
    return false;
  }
  capacity = rd(R_CONFIG) | (uint64_t)rd(R_CONFIG + 4) << 32;
  wr(R_QUEUE_SEL, 0);
  CHECK(rd(R_QUEUE_READY) == 0, "vblk: queue 0 ready before setup");
  if (!vguest_queue_setup(base, 0, &q, ring_mem, sizeof(ring_mem), QSIZE)) {
    CHECK(false, "vblk: cannot set up queue 0 (QueueNumMax %u)", rd(R_QUEUE_NUM_MAX));
    return false;
  }
  return true;
}

static void dev_driver_ok(void) {
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* Make the request (header, data of len bytes unless 0, status) available. */
static int post(uint32_t type, uint64_t sector, void *data, uint32_t len, bool device_writes) {
  hdr = (struct blk_hdr){type, 0, sector};
  status = ST_NONE;
  struct virtq_buf b[3];
  unsigned n = 0;
  b[n++] = (struct virtq_buf){(uint64_t)(uintptr_t)&hdr, sizeof(hdr), false};
  if (len)
    b[n++] = (struct virtq_buf){(uint64_t)(uintptr_t)data, len, device_writes};
  b[n++] = (struct virtq_buf){(uint64_t)(uintptr_t)&status, 1, true};
  uint16_t head;
  return virtq_add_chain(&q, b, n, &head);
}

/* One request, notified, completed by the interrupt: its status, or -1. */
static int request(uint32_t type, uint64_t sector, void *data, uint32_t len, bool device_writes) {
  if (post(type, sector, data, len, device_writes)) {
    CHECK(false, "vblk: cannot add a chain");
    return -1;
  }
  unsigned long before = vring_irqs;
  wr(R_QUEUE_NOTIFY, 0);
  if (!wait_irq(&vring_irqs, before)) {
    CHECK(false, "vblk: no used-buffer interrupt within 5 s (type %u sector %lu)", type,
          (unsigned long)sector);
    return -1;
  }
  uint16_t head;
  uint32_t used;
  int r = virtq_poll_used(&q, &head, &used);
  if (r != 1) {
    CHECK(false, "vblk: interrupt but no used buffer (%d)", r);
    return -1;
  }
  return status;
}

/* Notify a chain the device must refuse as broken: NEEDS_RESET and a
 * configuration change interrupt, nothing used; then reset and set up. */
static void expect_broken(const char *what) {
  unsigned long before = config_irqs;
  uint16_t used_idx = *(volatile uint16_t *)(q.used + 2);
  wr(R_QUEUE_NOTIFY, 0);
  bool irq = wait_irq(&config_irqs, before);
  CHECK(irq, "vblk: %s: no configuration change interrupt", what);
  CHECK(rd(R_STATUS) & S_NEEDS_RESET, "vblk: %s: status 0x%x without DEVICE_NEEDS_RESET", what,
        rd(R_STATUS));
  CHECK(*(volatile uint16_t *)(q.used + 2) == used_idx, "vblk: %s: the device used a buffer", what);
  if (irq && (rd(R_STATUS) & S_NEEDS_RESET))
    guest_printf("vblk: %s: DEVICE_NEEDS_RESET\n", what);
  if (dev_setup())
    dev_driver_ok();
  CHECK(!(rd(R_STATUS) & S_NEEDS_RESET), "vblk: %s: still broken after a reset", what);
}

static void hostile_width(void) {
  unsigned long cause = 0;
  guest_expect_exception();
  (void)*(volatile uint8_t *)(base + R_MAGIC);
  bool took = guest_took_exception(&cause, NULL);
  CHECK(took && cause == EXC_LOAD_ACCESS, "vblk: byte read of MagicValue: %s (cause %lu)",
        took ? "trap" : "no trap", cause);
  guest_expect_exception();
  *(volatile uint16_t *)(base + R_STATUS) = 0;
  took = guest_took_exception(&cause, NULL);
  CHECK(took && cause == EXC_STORE_ACCESS, "vblk: halfword write of Status: %s (cause %lu)",
        took ? "trap" : "no trap", cause);
  guest_expect_exception();
  (void)*(volatile uint64_t *)(base + R_MAGIC);
  took = guest_took_exception(&cause, NULL);
  CHECK(took && cause == EXC_LOAD_ACCESS, "vblk: doubleword read: %s (cause %lu)",
        took ? "trap" : "no trap", cause);
  if (!guest_failures)
    guest_puts("vblk: bad-width accesses got access faults\n");
}

/* Bootargs "scan": read every sector alone and check it against the
 * image's pattern (but the sectors this guest writes: 20, 21, the two it
 * zeroes and discards and, with a tag, TAG_SECTOR), printing each one that fails and a summary:
 * under a host disk that fails chosen sectors (QEMU's blkdebug), exactly those sectors fail, with
 * IOERR, and every other one reads right. */
static void scan(bool tagged) {
  unsigned long failed = 0, wrong = 0;
  for (uint64_t s = 0; s < capacity; s++) {
    memset(buf, 0, SECTOR);
    int st = request(T_IN, s, buf, SECTOR, true);
    if (st != ST_OK) {
      failed++;
      guest_printf("vblk: scan: sector %lu: status %d%s\n", (unsigned long)s, st,
                   st == ST_IOERR ? " (IOERR)" : "");
      continue;
    }
    if (s == 20 || s == 21 || s == ZERO_SECTOR || s == ZERO_SECTOR + 1 ||
        (tagged && s == TAG_SECTOR))
      continue;
    bool same = true;
    for (unsigned i = 0; same && i < SECTOR; i++)
      same = buf[i] == pattern(s * SECTOR + i);
    if (!same) {
      wrong++;
      guest_printf("vblk: scan: sector %lu: wrong data\n", (unsigned long)s);
    }
  }
  CHECK(!wrong, "vblk: scan: %lu sectors with wrong data", wrong);
  guest_printf("vblk: scan: %lu sectors, %lu failed, %lu wrong\n", (unsigned long)capacity, failed,
               wrong);
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  bool found_dev = read_fdt(fdt, hartid);
  if (guest_bootargs_have(fdt, "nodisk")) { /* a VM configured without a ramdisk */
    CHECK(!found_dev, "vblk: a virtio,mmio node in a VM without a ramdisk");
    if (!found_dev)
      guest_puts("vblk: no virtio,mmio node, as its bootargs say\n");
    guest_shutdown();
  }
  if (!found_dev) {
    CHECK(false, "vblk: no virtio,mmio node, PLIC or S-mode context for hart %lu", hartid);
    guest_shutdown_fail();
  }
  guest_printf("vblk: virtio-mmio at 0x%lx on PLIC source %u\n", base, source);
  uint32_t magic = rd(R_MAGIC), version = rd(R_VERSION), id = rd(R_DEVICE_ID);
  if (magic != 0x74726976 || version != 2 || id != 2) {
    CHECK(false, "vblk: magic 0x%x version %u device %u: not a modern virtio-blk", magic, version,
          id);
    guest_shutdown_fail();
  }
  guest_puts("vblk: magic, version 2, device id 2\n");
  guest_irq_handler = on_irq;
  plic_wr(PLIC_PRIORITY(source), 1);
  plic_wr(PLIC_ENABLE(context, source),
          plic_rd(PLIC_ENABLE(context, source)) | 1U << (source % 32));
  plic_wr(PLIC_THRESHOLD(context), 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));

  /* A reboot keeps the disk, and the device starts reset. */
  bool rebooted = false;
  unsigned long tag = 0;
  bool have_tag = guest_bootarg(fdt, "tag", &tag);
  CHECK(rd(R_STATUS) == 0, "vblk: status 0x%x at boot, not reset", rd(R_STATUS));
  wr(R_QUEUE_SEL, 0);
  CHECK(rd(R_QUEUE_READY) == 0, "vblk: queue ready at boot");

  hostile_width();
  if (!dev_setup())
    guest_shutdown_fail();
  guest_printf("vblk: features negotiated, %lu sectors\n", (unsigned long)capacity);

  /* Hostile: a request made available and notified before DRIVER_OK is
   * not used; after DRIVER_OK a notify completes it. */
  if (post(T_IN, 0, buf, SECTOR, true) == 0) {
    uint16_t used_idx = *(volatile uint16_t *)(q.used + 2);
    unsigned long before = vring_irqs;
    wr(R_QUEUE_NOTIFY, 0);
    for (volatile int i = 0; i < 1000; i++)
      ;
    CHECK(*(volatile uint16_t *)(q.used + 2) == used_idx && vring_irqs == before &&
              status == ST_NONE,
          "vblk: a notify before DRIVER_OK was answered");
    dev_driver_ok();
    wr(R_QUEUE_NOTIFY, 0);
    bool irq = wait_irq(&vring_irqs, before);
    uint16_t head;
    uint32_t used;
    CHECK(irq && virtq_poll_used(&q, &head, &used) == 1 && status == ST_OK,
          "vblk: the request notified before DRIVER_OK did not complete after it");
    if (!guest_failures)
      guest_puts("vblk: notify before DRIVER_OK: ignored\n");
  }

  /* The image's pattern, unless this boot follows our own reboot. */
  memset(buf, 0, sizeof(buf));
  int st = request(T_IN, TAG_SECTOR, buf, SECTOR, true);
  unsigned long found = 0;
  memcpy(&found, buf, sizeof(found));
  if (st == ST_OK && have_tag && found == tag && guest_bootargs_have(fdt, "reboot")) {
    rebooted = true;
    guest_printf("vblk: after the reboot sector %u still holds tag %lu\n", TAG_SECTOR, tag);
  }

  memset(buf, 0, sizeof(buf));
  st = request(T_IN, 0, buf, sizeof(buf), true);
  bool same = st == ST_OK;
  for (unsigned i = 0; same && i < sizeof(buf); i++)
    same = buf[i] == pattern(i);
  CHECK(same, "vblk: sectors 0-7 do not hold the image's pattern (status %d)", st);
  if (same)
    guest_puts("vblk: read sectors 0-7: the image's pattern\n");

  /* Write two sectors, read them back. */
  for (unsigned i = 0; i < 2 * SECTOR; i++)
    buf[i] = (uint8_t)(0xa5 ^ i ^ (i >> 8));
  st = request(T_OUT, 20, buf, 2 * SECTOR, false);
  CHECK(st == ST_OK, "vblk: write of sectors 20-21: status %d", st);
  memset(buf, 0, sizeof(buf));
  st = request(T_IN, 20, buf, 2 * SECTOR, true);
  same = st == ST_OK;
  for (unsigned i = 0; same && i < 2 * SECTOR; i++)
    same = buf[i] == (uint8_t)(0xa5 ^ i ^ (i >> 8));
  CHECK(same, "vblk: sectors 20-21 read back differ (status %d)", st);
  if (same)
    guest_puts("vblk: wrote sectors 20-21 and read them back\n");
  /* The sector after them is untouched. */
  st = request(T_IN, 22, buf, SECTOR, true);
  same = st == ST_OK;
  for (unsigned i = 0; same && i < SECTOR; i++)
    same = buf[i] == pattern(22 * SECTOR + i);
  CHECK(same, "vblk: sector 22 changed by the write of 20-21");

  st = request(T_FLUSH, 0, NULL, 0, false);
  CHECK(st == ST_OK, "vblk: FLUSH: status %d", st);
  if (st == ST_OK)
    guest_puts("vblk: FLUSH ok\n");
  /* WRITE_ZEROES and DISCARD of one sector each (a range: le64 sector, le32
   * count, le32 flags): the first reads back as zeros, the sector after the
   * second is untouched. */
  CHECK(zeroing, "vblk: DISCARD and WRITE_ZEROES not offered");
  for (unsigned k = 0; zeroing && k < 2; k++) {
    uint32_t range[4] = {ZERO_SECTOR + k, 0, 1, 0};
    memcpy(buf, range, sizeof(range));
    st = request(k ? T_DISCARD : T_WRITE_ZEROES, 0, buf, sizeof(range), false);
    CHECK(st == ST_OK, "vblk: %s: status %d", k ? "DISCARD" : "WRITE_ZEROES", st);
  }
  memset(buf, 0xaa, 3 * SECTOR);
  st = request(T_IN, ZERO_SECTOR, buf, 3 * SECTOR, true);
  same = st == ST_OK;
  for (unsigned i = 0; same && i < SECTOR; i++)
    same = buf[i] == 0; /* a discarded sector may read as anything (5.2.6.2) */
  for (unsigned i = 0; same && i < SECTOR; i++)
    same = buf[2 * SECTOR + i] == pattern((ZERO_SECTOR + 2) * SECTOR + i);
  CHECK(same, "vblk: sectors %u-%u after WRITE_ZEROES and DISCARD (status %d)", ZERO_SECTOR,
        ZERO_SECTOR + 2, st);
  if (zeroing && same)
    guest_puts("vblk: WRITE_ZEROES and DISCARD ok\n");
  memset(buf, 0, 32);
  st = request(T_GET_ID, 0, buf, 20, true);
  buf[20] = 0;
  /* A host disk's serial names its host slot ("host=N"). */
  char serial[24] = "rustyvisor-ramdisk";
  unsigned long host_slot;
  if (guest_bootarg(fdt, "host", &host_slot) && host_slot < 100) {
    char *e = serial + strlen("rustyvisor-");
    memcpy(e, "host", 4);
    e += 4;
    if (host_slot >= 10)
      *e++ = (char)('0' + host_slot / 10);
    *e++ = (char)('0' + host_slot % 10);
    *e = 0;
  }
  CHECK(st == ST_OK && !strcmp((char *)buf, serial), "vblk: GET_ID: status %d '%s'", st,
        (char *)buf);
  if (st == ST_OK)
    guest_printf("vblk: GET_ID '%s'\n", (char *)buf);
  st = request(T_IN, capacity, buf, SECTOR, true);
  CHECK(st == ST_IOERR, "vblk: read of sector %lu (past the end): status %d, not IOERR",
        (unsigned long)capacity, st);
  st = request(T_IN, capacity - 1, buf, 2 * SECTOR, true);
  CHECK(st == ST_IOERR, "vblk: read straddling the end: status %d, not IOERR", st);
  if (st == ST_IOERR)
    guest_puts("vblk: sectors past the end: IOERR\n");

  /* Hostile: a data descriptor outside RAM; a descriptor loop. */
  if (post(T_IN, 0, (void *)(uintptr_t)0x4000000000ULL, SECTOR, true) == 0)
    expect_broken("descriptor outside RAM");
  if (post(T_IN, 0, buf, SECTOR, true) == 0) {
    /* the chain is head -> data -> status: status's next goes back to head */
    uint16_t head = *(volatile uint16_t *)((volatile uint8_t *)q.avail + 4);
    uint16_t d1 = q.desc[head].next, d2 = q.desc[d1].next;
    q.desc[d2].flags |= VIRTQ_DESC_F_NEXT;
    q.desc[d2].next = head;
    expect_broken("descriptor loop");
  }
  /* The device works again after those resets. */
  st = request(T_IN, 0, buf, SECTOR, true);
  same = st == ST_OK;
  for (unsigned i = 0; same && i < SECTOR; i++)
    same = buf[i] == pattern(i);
  CHECK(same, "vblk: read after the resets failed (status %d)", st);

  /* Our own tag: written, held across a wait, read back. */
  if (have_tag && !rebooted) {
    memset(buf, 0, SECTOR);
    st = request(T_IN, TAG_SECTOR, buf, SECTOR, true);
    same = st == ST_OK;
    for (unsigned i = 0; same && i < SECTOR; i++)
      same = buf[i] == pattern(TAG_SECTOR * SECTOR + i);
    CHECK(same, "vblk: sector %u is not the image's before our tag: another VM's disk?",
          TAG_SECTOR);
    memset(buf, 0, SECTOR);
    memcpy(buf, &tag, sizeof(tag));
    st = request(T_OUT, TAG_SECTOR, buf, SECTOR, false);
    CHECK(st == ST_OK, "vblk: tag write: status %d", st);
    unsigned long start = csr_read_time();
    while (csr_read_time() - start < 20000000UL) /* 2 s: the other VM writes its tag */
      ;
    memset(buf, 0, SECTOR);
    st = request(T_IN, TAG_SECTOR, buf, SECTOR, true);
    memcpy(&found, buf, sizeof(found));
    CHECK(st == ST_OK && found == tag, "vblk: tag %lu read back as %lu", tag, found);
    if (st == ST_OK && found == tag)
      guest_printf("vblk: tag %lu written and read back\n", tag);
  }
  if (guest_bootargs_have(fdt, "scan"))
    scan(rebooted || have_tag);
  CHECK(other_irqs == 0, "vblk: %lu unexpected interrupts", other_irqs);
  guest_printf("vblk: %lu used-buffer and %lu config interrupts\n", vring_irqs, config_irqs);
  if (!rebooted && have_tag && guest_bootargs_have(fdt, "reboot") && !guest_failures) {
    guest_puts("vblk: rebooting\n");
    sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_WARM_REBOOT, SBI_SRST_REASON_NONE,
              0, 0, 0, 0);
    CHECK(false, "vblk: the reboot call returned");
  }
  guest_puts(guest_failures ? "vblk: checks failed\n" : "vblk: all checks passed\n");
  guest_shutdown();
}
