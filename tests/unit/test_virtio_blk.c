/* Host tests of virtio-blk (hv/dev/virtio/blk.c) behind the virtio-mmio
 * transport (mmio.c, vq.c) over a RAM disk (hv/backend/ramdisk.c), driven
 * end to end by a small driver built on the tree's own driver-side ring
 * (hv/lib/virtq.c) over a fake guest RAM block: negotiation, queue setup,
 * reads, writes, flush, GET_ID, the interrupt line, many requests in
 * flight (an asynchronous backend), reset mid-flight, and the hostile
 * requests of issue 12 section 7 that are pure logic. */
#define _POSIX_C_SOURCE 200809L /* sigaction, mprotect */
#include "check.h"
#include "hv/backend/ramdisk.h"
#include "hv/dev/virtio/blk.h"
#include "hv/dev/virtio/mmio.h"
#include "hv/lib/virtq.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4u << 20)
#define RING_OFF 0x1000u
#define HDR_OFF 0x20000u    /* 16 bytes per slot */
#define STATUS_OFF 0x30000u /* 1 byte per slot */
#define IND_OFF 0x38000u
#define DATA_OFF 0x100000u
#define DISK_SECTORS 2048u

static uint8_t *ram;
static struct vq_mem mem;
static uint8_t disk_bytes[DISK_SECTORS * 512];
static struct ramdisk rd;
static struct blk blk;
static struct virtio_mmio m;
static bool line;
static int line_changes;

static void irq_set(void *ctx, bool level) {
  (void)ctx;
  line = level;
  line_changes++;
}

/* An asynchronous backend: requests wait until the test completes them
 * (through the RAM disk), in any order, as a host disk's would. */
struct pending {
  enum blk_op op;
  uint64_t sector;
  struct blk_seg segs[8];
  unsigned n;
  blk_done_fn done;
  void *cookie;
};
static struct pending pend[512];
static unsigned npend;
static struct blk_backend async_be;
static int async_submit(struct blk_backend *be, enum blk_op op, uint64_t sector,
                        const struct blk_seg *segs, unsigned n, blk_done_fn done, void *cookie) {
  (void)be;
  if (n > 8 || npend == 512)
    return -1;
  struct pending *p = &pend[npend++];
  *p = (struct pending){op, sector, {{0}}, n, done, cookie};
  memcpy(p->segs, segs, n * sizeof(*segs));
  return 0;
}
static void async_done_inner(void *cookie, int status) {
  struct pending *p = cookie;
  p->done(p->cookie, status);
}
static void async_complete(unsigned i) {
  if (i >= npend) {
    CHECK(!"no such pending request");
    return;
  }
  struct pending p = pend[i];
  pend[i] = pend[--npend];
  if (rd.be.submit(&rd.be, p.op, p.sector, p.segs, p.n, async_done_inner, &p) < 0)
    p.done(p.cookie, -5);
}

static int refuse_submit(struct blk_backend *be, enum blk_op op, uint64_t sector,
                         const struct blk_seg *segs, unsigned n, blk_done_fn done, void *cookie) {
  (void)be, (void)op, (void)sector, (void)segs, (void)n, (void)done, (void)cookie;
  return -1;
}

/* The driver. */
static struct virtq q;
static uint16_t qsize;
static uint64_t gpa(uint32_t off) { return RAM_BASE + off; }
static uint32_t rd32(uint32_t off) {
  uint32_t v;
  CHECK_EQ_INT(virtio_mmio_read(&m, off, 4, &v), 0);
  return v;
}
static void wr32(uint32_t off, uint32_t v) { CHECK_EQ_INT(virtio_mmio_write(&m, off, 4, v), 0); }
static void fence_nop(enum virtq_fence k, void *c) {
  (void)k;
  (void)c;
}

/* 3.1.1 Driver Requirements: Device Initialization. Returns the status. */
static uint32_t drv_init(uint64_t want, uint16_t size) {
  wr32(VIRTIO_MMIO_STATUS, 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_STATUS), 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
  CHECK_EQ(rd32(VIRTIO_MMIO_VERSION), 2);
  CHECK_EQ(rd32(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
  wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  wr32(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
  uint64_t offered = rd32(VIRTIO_MMIO_DEVICE_FEATURES);
  wr32(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
  offered |= (uint64_t)rd32(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
  uint64_t f = offered & want;
  wr32(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr32(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
  wr32(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr32(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
  uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
  wr32(VIRTIO_MMIO_STATUS, st);
  if (!(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
    return rd32(VIRTIO_MMIO_STATUS);
  wr32(VIRTIO_MMIO_QUEUE_SEL, 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_QUEUE_READY), 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_QUEUE_NUM_MAX), BLK_QUEUE_SIZE);
  struct virtq_layout l;
  CHECK_EQ_INT(virtq_layout_modern(size, &l), VIRTQ_OK);
  memset(ram + RING_OFF, 0, l.total);
  CHECK_EQ_INT(virtq_init(&q, &l, ram + RING_OFF, gpa(RING_OFF), fence_nop, NULL), VIRTQ_OK);
  qsize = size;
  wr32(VIRTIO_MMIO_QUEUE_NUM, size);
  wr32(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q.desc_addr);
  wr32(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q.desc_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q.avail_addr);
  wr32(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(q.avail_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q.used_addr);
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(q.used_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_READY, 1);
  CHECK_EQ(rd32(VIRTIO_MMIO_QUEUE_READY), 1);
  wr32(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
  return rd32(VIRTIO_MMIO_STATUS);
}

static const uint64_t WANT = VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_SIZE_MAX |
                             VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO |
                             VIRTIO_F_INDIRECT_DESC;
static const uint32_t LIVE = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                             VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;

static void setup(struct blk_backend *be, uint64_t want, uint16_t size) {
  blk_init(&blk, be, "rustyvisor-disk-0");
  CHECK_EQ_INT(virtio_mmio_init(&m, &blk_virtio_ops, &blk, &mem, irq_set, NULL), 0);
  line = false;
  line_changes = 0;
  CHECK_EQ(drv_init(want, size), LIVE);
}

static void put_hdr(unsigned slot, uint32_t type, uint64_t sector) {
  uint8_t *h = ram + HDR_OFF + 16 * slot;
  memcpy(h, &type, 4);
  memset(h + 4, 0, 4);
  memcpy(h + 8, &sector, 8);
}
static uint8_t status_of(unsigned slot) { return ram[STATUS_OFF + slot]; }

/* A request: header, one data buffer (len 0: none), status; notified. */
static uint16_t request(unsigned slot, uint32_t type, uint64_t sector, uint32_t data_off,
                        uint32_t len, bool dev_writes) {
  put_hdr(slot, type, sector);
  ram[STATUS_OFF + slot] = 0xee;
  struct virtq_buf b[3];
  unsigned n = 0;
  b[n++] = (struct virtq_buf){gpa(HDR_OFF + 16 * slot), 16, false};
  if (len)
    b[n++] = (struct virtq_buf){gpa(data_off), len, dev_writes};
  b[n++] = (struct virtq_buf){gpa(STATUS_OFF + slot), 1, true};
  uint16_t head = 0xffff;
  CHECK_EQ_INT(virtq_add_chain(&q, b, n, &head), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  return head;
}

/* The same as one descriptor pointing at an indirect table of three (the
 * tree's driver has no indirect support: the test rewrites its descriptor). */
static uint16_t request_indirect(unsigned slot, uint32_t type, uint64_t sector, uint32_t data_off,
                                 uint32_t len) {
  put_hdr(slot, type, sector);
  ram[STATUS_OFF + slot] = 0xee;
  struct virtq_desc t[3] = {{gpa(HDR_OFF + 16 * slot), 16, VIRTQ_DESC_F_NEXT, 1},
                            {gpa(data_off), len, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2},
                            {gpa(STATUS_OFF + slot), 1, VIRTQ_DESC_F_WRITE, 0}};
  memcpy(ram + IND_OFF + sizeof(t) * slot, t, sizeof(t));
  struct virtq_buf b = {gpa(IND_OFF + sizeof(t) * slot), len + 1, true};
  uint16_t h = 0xffff;
  CHECK_EQ_INT(virtq_add_chain(&q, &b, 1, &h), VIRTQ_OK);
  q.desc[h].flags = VIRTQ_DESC_F_INDIRECT;
  q.desc[h].len = sizeof(t);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  return h;
}

/* One completion: returns its head, its used length in *len. */
static int poll(uint32_t *len) {
  uint16_t h;
  int r = virtq_poll_used(&q, &h, len);
  return r == 1 ? h : r == 0 ? -1 : -1000 + r;
}

/* Complete one request and check its status and head. */
static void expect_done_at(int line, uint16_t head, unsigned slot, uint8_t status,
                           uint32_t used_len) {
  int before = check_failed;
  uint32_t len = 0;
  CHECK_EQ_INT(poll(&len), head);
  CHECK_EQ(status_of(slot), status);
  CHECK_EQ(len, used_len);
  if (check_failed != before)
    fprintf(stderr, "  (request checked at line %d)\n", line);
}
#define expect_done(h, slot, st, len) expect_done_at(__LINE__, h, slot, st, len)

static void fill(uint32_t off, uint32_t len, uint8_t seed) {
  for (uint32_t i = 0; i < len; i++)
    ram[off + i] = (uint8_t)(seed + i * 7);
}

static void test_config_and_features(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  setup(&rd.be, WANT, 16);
  uint32_t v;
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x100, 4, &v), 0);
  CHECK_EQ(v, DISK_SECTORS);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x104, 4, &v), 0);
  CHECK_EQ(v, 0);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x108, 4, &v), 0);
  CHECK_EQ(v, BLK_SIZE_MAX);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x10c, 4, &v), 0);
  CHECK_EQ(v, BLK_SEG_MAX);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x114, 4, &v), 0);
  CHECK_EQ(v, 512);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x122, 2, &v), 0);
  CHECK_EQ(v, 1);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x100 + BLK_CONFIG_LEN, 1, &v), VIRTIO_MMIO_BAD_ACCESS);
  uint64_t off = virtio_mmio_offered(&m);
  CHECK(off & VIRTIO_BLK_F_FLUSH);
  CHECK(!(off & VIRTIO_BLK_F_RO));
  CHECK(off & VIRTIO_F_EVENT_IDX && off & VIRTIO_F_INDIRECT_DESC && off & VIRTIO_F_VERSION_1);
  /* Config writes change nothing. */
  CHECK_EQ_INT(virtio_mmio_write(&m, 0x100, 4, 7), 0);
  CHECK_EQ_INT(virtio_mmio_read(&m, 0x100, 4, &v), 0);
  CHECK_EQ(v, DISK_SECTORS);
  /* A read-only backend without a write cache: RO offered, FLUSH not. */
  static struct ramdisk ro;
  ramdisk_init(&ro, disk_bytes, sizeof(disk_bytes), true);
  ro.be.flush = false;
  setup(&ro.be, WANT, 16);
  off = virtio_mmio_offered(&m);
  CHECK(off & VIRTIO_BLK_F_RO);
  CHECK(!(off & VIRTIO_BLK_F_FLUSH));
  /* A driver that does not take VERSION_1 gets no FEATURES_OK. */
  CHECK_EQ(drv_init(WANT & ~VIRTIO_F_VERSION_1, 16),
           VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  CHECK_EQ_INT(ramdisk_init(&ro, disk_bytes, 100, false), -1);
}

static void test_read_write_flush_id(void) {
  for (unsigned i = 0; i < sizeof(disk_bytes); i++)
    disk_bytes[i] = (uint8_t)(i * 13 + 1);
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  setup(&rd.be, WANT, 16);
  /* Read sectors 3..4 into guest RAM. */
  uint16_t h = request(0, VIRTIO_BLK_T_IN, 3, DATA_OFF, 1024, true);
  CHECK(line);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 1025);
  CHECK(!memcmp(ram + DATA_OFF, disk_bytes + 3 * 512, 1024));
  /* The line stays up until acknowledged. */
  CHECK_EQ(rd32(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
  wr32(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
  CHECK(!line);
  /* Write the last two sectors, read them back elsewhere. */
  fill(DATA_OFF + 0x10000, 1024, 5);
  h = request(1, VIRTIO_BLK_T_OUT, DISK_SECTORS - 2, DATA_OFF + 0x10000, 1024, false);
  expect_done(h, 1, VIRTIO_BLK_S_OK, 1);
  CHECK(!memcmp(disk_bytes + (DISK_SECTORS - 2) * 512, ram + DATA_OFF + 0x10000, 1024));
  h = request(2, VIRTIO_BLK_T_IN, DISK_SECTORS - 2, DATA_OFF + 0x20000, 1024, true);
  expect_done(h, 2, VIRTIO_BLK_S_OK, 1025);
  CHECK(!memcmp(ram + DATA_OFF + 0x20000, ram + DATA_OFF + 0x10000, 1024));
  h = request(3, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
  expect_done(h, 3, VIRTIO_BLK_S_OK, 1);
  /* GET_ID: 20 bytes, NUL-padded. */
  memset(ram + DATA_OFF, 0xff, 32);
  h = request(4, VIRTIO_BLK_T_GET_ID, 0, DATA_OFF, 20, true);
  expect_done(h, 4, VIRTIO_BLK_S_OK, 21);
  CHECK(!memcmp(ram + DATA_OFF, "rustyvisor-disk-0\0\0\0", 20));
  CHECK_EQ(ram[DATA_OFF + 20], 0xff);
  /* A shorter buffer gets what fits. */
  memset(ram + DATA_OFF, 0xff, 32);
  h = request(5, VIRTIO_BLK_T_GET_ID, 0, DATA_OFF, 4, true);
  expect_done(h, 5, VIRTIO_BLK_S_OK, 5);
  CHECK(!memcmp(ram + DATA_OFF, "rust\xff", 5));
  CHECK_EQ(blk.completed, 6);
  CHECK_EQ(blk.nfree, BLK_QUEUE_SIZE);

  /* With the interrupt suppressed (NO_INTERRUPT), the line stays down. */
  wr32(VIRTIO_MMIO_INTERRUPT_ACK, 3);
  virtq_disable_interrupts(&q);
  h = request(6, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  CHECK(!line);
  expect_done(h, 6, VIRTIO_BLK_S_OK, 513);
}

/* Framing is free (2.6.4): a header split over two descriptors, header and
 * data in one readable descriptor, data and status in one writable one,
 * and many data segments. */
static void test_framing(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  setup(&rd.be, WANT, 16);
  uint16_t h;
  put_hdr(0, VIRTIO_BLK_T_IN, 7);
  struct virtq_buf b[8] = {
      {gpa(HDR_OFF), 8, false},         {gpa(HDR_OFF + 8), 8, false},
      {gpa(DATA_OFF), 100, true},       {gpa(DATA_OFF + 100), 412, true},
      {gpa(DATA_OFF + 512), 513, true}, /* the last sector, then the status byte */
  };
  ram[DATA_OFF + 1024] = 0xee;
  CHECK_EQ_INT(virtq_add_chain(&q, b, 5, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  uint32_t len;
  CHECK_EQ_INT(poll(&len), h);
  CHECK_EQ(len, 1025);
  CHECK_EQ(ram[DATA_OFF + 1024], VIRTIO_BLK_S_OK);
  CHECK(!memcmp(ram + DATA_OFF, disk_bytes + 7 * 512, 1024));
  /* OUT: header and data in one readable descriptor. */
  uint8_t *hd = ram + DATA_OFF + 0x40000;
  uint32_t type = VIRTIO_BLK_T_OUT;
  uint64_t sector = 9;
  memcpy(hd, &type, 4);
  memset(hd + 4, 0, 4);
  memcpy(hd + 8, &sector, 8);
  fill(DATA_OFF + 0x40000 + 16, 512, 99);
  ram[STATUS_OFF] = 0xee;
  struct virtq_buf o[2] = {{gpa(DATA_OFF + 0x40000), 16 + 512, false}, {gpa(STATUS_OFF), 1, true}};
  CHECK_EQ_INT(virtq_add_chain(&q, o, 2, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 1);
  CHECK(!memcmp(disk_bytes + 9 * 512, hd + 16, 512));
}

/* What a hostile or broken driver gets: IOERR or UNSUPP where there is a
 * status byte, DEVICE_NEEDS_RESET where there is none, and the disk intact. */
static void test_bad_requests(void) {
  for (unsigned i = 0; i < sizeof(disk_bytes); i++)
    disk_bytes[i] = (uint8_t)(i * 31 + 3);
  static uint8_t before[sizeof(disk_bytes)];
  memcpy(before, disk_bytes, sizeof(disk_bytes));
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  setup(&rd.be, WANT, 32);
  uint16_t h;
  /* Sectors past the end, ending past it, and a sector that wraps. */
  h = request(0, VIRTIO_BLK_T_IN, DISK_SECTORS, DATA_OFF, 512, true);
  expect_done(h, 0, VIRTIO_BLK_S_IOERR, 1);
  h = request(1, VIRTIO_BLK_T_OUT, DISK_SECTORS - 1, DATA_OFF, 1024, false);
  expect_done(h, 1, VIRTIO_BLK_S_IOERR, 1);
  h = request(2, VIRTIO_BLK_T_IN, UINT64_MAX, DATA_OFF, 512, true);
  expect_done(h, 2, VIRTIO_BLK_S_IOERR, 1);
  h = request(3, VIRTIO_BLK_T_OUT, (UINT64_MAX / 512) + 1, DATA_OFF, 512, false);
  expect_done(h, 3, VIRTIO_BLK_S_IOERR, 1);
  /* A read of zero sectors at the end is fine; one past it is not. */
  h = request(4, VIRTIO_BLK_T_IN, DISK_SECTORS, 0, 0, true);
  expect_done(h, 4, VIRTIO_BLK_S_OK, 1);
  h = request(4, VIRTIO_BLK_T_IN, DISK_SECTORS + 1, 0, 0, true);
  expect_done(h, 4, VIRTIO_BLK_S_IOERR, 1);
  /* Not a multiple of 512. */
  h = request(5, VIRTIO_BLK_T_IN, 0, DATA_OFF, 511, true);
  expect_done(h, 5, VIRTIO_BLK_S_IOERR, 1);
  /* Data in the wrong direction: a read with readable data, a write with
   * writable data. */
  h = request(6, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, false);
  expect_done(h, 6, VIRTIO_BLK_S_IOERR, 1);
  h = request(7, VIRTIO_BLK_T_OUT, 0, DATA_OFF, 512, true);
  expect_done(h, 7, VIRTIO_BLK_S_IOERR, 1);
  h = request(8, VIRTIO_BLK_T_FLUSH, 0, DATA_OFF, 512, false);
  expect_done(h, 8, VIRTIO_BLK_S_IOERR, 1);
  h = request(8, VIRTIO_BLK_T_GET_ID, 0, DATA_OFF, 512, false);
  expect_done(h, 8, VIRTIO_BLK_S_IOERR, 1);
  /* Unknown types (DISCARD, WRITE_ZEROES, made up). */
  h = request(9, 11, 0, DATA_OFF, 16, false);
  expect_done(h, 9, VIRTIO_BLK_S_UNSUPP, 1);
  h = request(9, 13, 0, 0, 0, false);
  expect_done(h, 9, VIRTIO_BLK_S_UNSUPP, 1);
  h = request(9, 0xdeadbeef, 0, 0, 0, false);
  expect_done(h, 9, VIRTIO_BLK_S_UNSUPP, 1);
  /* A header shorter than 16 bytes. */
  struct virtq_buf s[3] = {{gpa(HDR_OFF), 8, false}, {gpa(STATUS_OFF), 1, true}};
  ram[STATUS_OFF] = 0xee;
  CHECK_EQ_INT(virtq_add_chain(&q, s, 2, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  expect_done(h, 0, VIRTIO_BLK_S_IOERR, 1);
  /* Readable data after writable data. */
  put_hdr(0, VIRTIO_BLK_T_OUT, 0);
  struct virtq_buf mis[4] = {{gpa(HDR_OFF), 16, false},
                             {gpa(DATA_OFF), 512, true},
                             {gpa(DATA_OFF + 512), 512, false},
                             {gpa(STATUS_OFF), 1, true}};
  ram[STATUS_OFF] = 0xee;
  CHECK_EQ_INT(virtq_add_chain(&q, mis, 4, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  expect_done(h, 0, VIRTIO_BLK_S_IOERR, 1);
  CHECK(!memcmp(before, disk_bytes, sizeof(disk_bytes)));
  CHECK(!line || rd32(VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING);
  CHECK_EQ(rd32(VIRTIO_MMIO_STATUS), LIVE);

  /* Writes to a read-only disk: IOERR, the disk unchanged. */
  static struct ramdisk ro;
  ramdisk_init(&ro, disk_bytes, sizeof(disk_bytes), true);
  setup(&ro.be, WANT, 16);
  fill(DATA_OFF, 512, 1);
  h = request(0, VIRTIO_BLK_T_OUT, 0, DATA_OFF, 512, false);
  expect_done(h, 0, VIRTIO_BLK_S_IOERR, 1);
  h = request(1, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  expect_done(h, 1, VIRTIO_BLK_S_OK, 513);
  CHECK(!memcmp(before, disk_bytes, sizeof(disk_bytes)));
  /* FLUSH without a flushing backend: UNSUPP. */
  ro.be.flush = false;
  h = request(2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
  expect_done(h, 2, VIRTIO_BLK_S_UNSUPP, 1);
  /* The backend refusing a request: IOERR, its slot back. */
  static struct blk_backend refusing = {DISK_SECTORS, false, true, refuse_submit, NULL, 0,
                                        false,        false, 0};
  setup(&refusing, WANT, 16);
  h = request(3, VIRTIO_BLK_T_OUT, 0, DATA_OFF, 512, false);
  expect_done(h, 3, VIRTIO_BLK_S_IOERR, 1);
  CHECK_EQ(blk.nfree, BLK_QUEUE_SIZE);
  CHECK(!memcmp(before, disk_bytes, sizeof(disk_bytes)));
}

/* The model's own checks, before any backend sees the request (the async
 * backend checks nothing): past the end, read-only, a wrapping sector. */
static void test_checked_before_backend(void) {
  async_be = (struct blk_backend){DISK_SECTORS, true, true, async_submit, NULL, 0, false, false, 0};
  npend = 0;
  setup(&async_be, WANT, 16);
  uint16_t h = request(0, VIRTIO_BLK_T_OUT, 0, DATA_OFF, 512, false);
  expect_done(h, 0, VIRTIO_BLK_S_IOERR, 1);
  h = request(1, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, DATA_OFF, 1024, true);
  expect_done(h, 1, VIRTIO_BLK_S_IOERR, 1);
  h = request(2, VIRTIO_BLK_T_IN, UINT64_MAX - 1, DATA_OFF, 1024, true);
  expect_done(h, 2, VIRTIO_BLK_S_IOERR, 1);
  h = request(3, VIRTIO_BLK_T_IN, 0, DATA_OFF, 1000, true);
  expect_done(h, 3, VIRTIO_BLK_S_IOERR, 1);
  CHECK_EQ(npend, 0);
  CHECK_EQ(blk.nfree, BLK_QUEUE_SIZE);
  h = request(4, VIRTIO_BLK_T_IN, DISK_SECTORS - 2, DATA_OFF, 1024, true);
  CHECK_EQ(npend, 1);
  CHECK_EQ(pend[0].sector, DISK_SECTORS - 2);
  CHECK(pend[0].n == 1 && pend[0].segs[0].buf == ram + DATA_OFF && pend[0].segs[0].len == 1024);
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  async_complete(0);
  expect_done(h, 4, VIRTIO_BLK_S_OK, 1025);
}

/* No status byte to answer in: the queue is broken, the device needs a
 * reset (with a configuration interrupt), and nothing more is processed. */
static void expect_needs_reset(const struct virtq_buf *b, unsigned n) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  setup(&rd.be, WANT, 16);
  put_hdr(0, VIRTIO_BLK_T_IN, 0);
  uint16_t h;
  CHECK_EQ_INT(virtq_add_chain(&q, b, n, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_STATUS), LIVE | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  CHECK_EQ(rd32(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
  CHECK(line);
  uint32_t len;
  CHECK_EQ_INT(poll(&len), -1);
  request(1, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  CHECK_EQ_INT(poll(&len), -1);
  CHECK_EQ(status_of(1), 0xee);
  /* A reset and a new start bring the device back. */
  CHECK_EQ(drv_init(WANT, 16), LIVE);
  h = request(1, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  expect_done(h, 1, VIRTIO_BLK_S_OK, 513);
}

static void test_no_status_byte(void) {
  struct virtq_buf all_read[2] = {{gpa(HDR_OFF), 16, false}, {gpa(DATA_OFF), 512, false}};
  expect_needs_reset(all_read, 2);
  struct virtq_buf last_read[3] = {
      {gpa(HDR_OFF), 16, false}, {gpa(DATA_OFF), 512, true}, {gpa(STATUS_OFF), 1, false}};
  expect_needs_reset(last_read, 3);
  struct virtq_buf only_hdr[1] = {{gpa(HDR_OFF), 16, false}};
  expect_needs_reset(only_hdr, 1);
}

/* Ring-level attacks end to end: the device needs a reset, no byte outside
 * RAM is touched (ASan would see it), the transport keeps answering. */
static void test_hostile_rings(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  /* A buffer straddling the end of RAM. */
  setup(&rd.be, WANT, 16);
  put_hdr(0, VIRTIO_BLK_T_IN, 0);
  struct virtq_buf b[3] = {{gpa(HDR_OFF), 16, false},
                           {RAM_BASE + RAM_SIZE - 256, 512, true},
                           {gpa(STATUS_OFF), 1, true}};
  uint16_t h;
  CHECK_EQ_INT(virtq_add_chain(&q, b, 3, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* A length near 2^32. */
  setup(&rd.be, WANT, 16);
  b[1] = (struct virtq_buf){gpa(DATA_OFF), 0xfffffe00u, true};
  CHECK_EQ_INT(virtq_add_chain(&q, b, 3, &h), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* The avail index jumping by more than the queue size. */
  setup(&rd.be, WANT, 16);
  q.avail[1] = 17;
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  CHECK_EQ(rd32(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
  /* A descriptor loop made by rewriting the driver's descriptors. */
  setup(&rd.be, WANT, 16);
  b[1] = (struct virtq_buf){gpa(DATA_OFF), 512, true};
  put_hdr(0, VIRTIO_BLK_T_IN, 0);
  CHECK_EQ_INT(virtq_add_chain(&q, b, 3, &h), VIRTQ_OK);
  uint16_t second = q.desc[h].next;
  q.desc[second].flags |= VIRTQ_DESC_F_NEXT;
  q.desc[second].next = h;
  q.desc[q.desc[second].next].flags |= VIRTQ_DESC_F_NEXT;
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* An indirect table made by rewriting the driver's one descriptor (the
 * tree's driver has no indirect support), and one outside RAM. */
static void test_indirect(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  setup(&rd.be, WANT, 16);
  put_hdr(0, VIRTIO_BLK_T_IN, 11);
  ram[STATUS_OFF] = 0xee;
  struct virtq_desc t[3] = {{gpa(HDR_OFF), 16, VIRTQ_DESC_F_NEXT, 1},
                            {gpa(DATA_OFF), 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2},
                            {gpa(STATUS_OFF), 1, VIRTQ_DESC_F_WRITE, 0}};
  memcpy(ram + IND_OFF, t, sizeof(t));
  struct virtq_buf b = {gpa(IND_OFF), 513, true}; /* the driver's idea of its wlen */
  uint16_t h;
  CHECK_EQ_INT(virtq_add_chain(&q, &b, 1, &h), VIRTQ_OK);
  q.desc[h].flags = VIRTQ_DESC_F_INDIRECT;
  q.desc[h].len = sizeof(t);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 513);
  CHECK(!memcmp(ram + DATA_OFF, disk_bytes + 11 * 512, 512));
  /* Not negotiated: the device needs a reset. */
  CHECK_EQ(drv_init(WANT & ~VIRTIO_F_INDIRECT_DESC, 16), LIVE);
  CHECK_EQ_INT(virtq_add_chain(&q, &b, 1, &h), VIRTQ_OK);
  q.desc[h].flags = VIRTQ_DESC_F_INDIRECT;
  q.desc[h].len = sizeof(t);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* Outside RAM. */
  CHECK_EQ(drv_init(WANT | VIRTIO_F_INDIRECT_DESC, 16), LIVE);
  CHECK_EQ_INT(virtq_add_chain(&q, &b, 1, &h), VIRTQ_OK);
  q.desc[h].flags = VIRTQ_DESC_F_INDIRECT;
  q.desc[h].len = sizeof(t);
  q.desc[h].addr = RAM_BASE + RAM_SIZE - 32;
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* Notify before DRIVER_OK; queue registers rewritten while running. */
static void test_driver_order(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  blk_init(&blk, &rd.be, NULL);
  virtio_mmio_init(&m, &blk_virtio_ops, &blk, &mem, irq_set, NULL);
  /* Bring the queue up but stop short of DRIVER_OK. */
  CHECK_EQ(drv_init(WANT, 16), LIVE);
  wr32(VIRTIO_MMIO_STATUS, 0);
  uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
  wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  wr32(VIRTIO_MMIO_STATUS, st);
  wr32(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr32(VIRTIO_MMIO_DRIVER_FEATURES, 1);
  wr32(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FEATURES_OK);
  memset(ram + RING_OFF, 0, 0x2000);
  struct virtq_layout l;
  virtq_layout_modern(16, &l);
  virtq_init(&q, &l, ram + RING_OFF, gpa(RING_OFF), fence_nop, NULL);
  wr32(VIRTIO_MMIO_QUEUE_NUM, 16);
  wr32(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q.desc_addr);
  wr32(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q.desc_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q.avail_addr);
  wr32(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(q.avail_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q.used_addr);
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(q.used_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_READY, 1);
  uint16_t h = request(0, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  uint32_t len;
  CHECK_EQ_INT(poll(&len), -1);
  CHECK_EQ(status_of(0), 0xee);
  /* DRIVER_OK, then the notify is honoured. */
  wr32(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 513);
  /* Queue registers rewritten while running: ignored, the rings stay. */
  wr32(VIRTIO_MMIO_QUEUE_NUM, 256);
  wr32(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
  wr32(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x10);
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)gpa(DATA_OFF));
  h = request(1, VIRTIO_BLK_T_IN, 1, DATA_OFF + 0x1000, 512, true);
  expect_done(h, 1, VIRTIO_BLK_S_OK, 513);
  CHECK_EQ(rd32(VIRTIO_MMIO_STATUS), LIVE);
}

/* Many requests in flight on an asynchronous backend, completed in reverse
 * order; EVENT_IDX decides the interrupts. */
static void test_many_in_flight(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  async_be =
      (struct blk_backend){DISK_SECTORS, false, true, async_submit, NULL, 0, false, false, 0};
  npend = 0;
  setup(&async_be, WANT | VIRTIO_F_EVENT_IDX, 256);
  uint16_t heads[256];
  for (unsigned i = 0; i < 256; i++)
    heads[i] = request_indirect(i, VIRTIO_BLK_T_IN, i, DATA_OFF + 0x1000 * i, 1024);
  CHECK_EQ(npend, 256);
  CHECK_EQ(blk.nfree, 0);
  CHECK(!line);
  /* used_event = 141: an interrupt once the 142nd completion is in. */
  q.avail[2 + 256] = 141;
  for (unsigned i = 0; i < 256; i++) {
    async_complete(npend - 1); /* the newest first */
    if (line != (i >= 141))
      CHECK(!"interrupt at used_event");
  }
  uint32_t len;
  for (unsigned i = 0; i < 256; i++) {
    unsigned slot = 255 - i;
    CHECK_EQ_INT(poll(&len), heads[slot]);
    CHECK_EQ(len, 1025);
    CHECK_EQ(status_of(slot), VIRTIO_BLK_S_OK);
    CHECK(!memcmp(ram + DATA_OFF + 0x1000 * slot, disk_bytes + slot * 512, 1024));
  }
  CHECK_EQ_INT(poll(&len), -1);
  CHECK_EQ(blk.nfree, BLK_QUEUE_SIZE);
  /* A backend error fails exactly that request. */
  uint16_t a = request(0, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  uint16_t b = request(1, VIRTIO_BLK_T_IN, 1, DATA_OFF + 512, 512, true);
  struct pending p = pend[0];
  pend[0] = pend[--npend];
  p.done(p.cookie, -5);
  async_complete(0);
  expect_done(a, 0, VIRTIO_BLK_S_IOERR, 1);
  expect_done(b, 1, VIRTIO_BLK_S_OK, 513);
}

/* A header rewritten after the notify changes nothing: the device copied
 * it before it checked it. */
static void test_header_rewritten(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  async_be =
      (struct blk_backend){DISK_SECTORS, false, true, async_submit, NULL, 0, false, false, 0};
  npend = 0;
  setup(&async_be, WANT, 16);
  uint16_t h = request(0, VIRTIO_BLK_T_IN, 5, DATA_OFF, 512, true);
  CHECK_EQ(npend, 1);
  put_hdr(0, VIRTIO_BLK_T_OUT, DISK_SECTORS + 5);
  CHECK_EQ(pend[0].op, BLK_OP_READ);
  CHECK_EQ(pend[0].sector, 5);
  async_complete(0);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 513);
  CHECK(!memcmp(ram + DATA_OFF, disk_bytes + 5 * 512, 512));
}

/* Reset with requests in flight: none of them completes into the new
 * instance (no status byte, no used element), and when they have taken
 * every slot, the new instance's requests wait for them and then run. */
static void test_reset_mid_flight(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  async_be =
      (struct blk_backend){DISK_SECTORS, false, true, async_submit, NULL, 0, false, false, 0};
  npend = 0;
  setup(&async_be, WANT, 256);
  for (unsigned i = 0; i < 256; i++)
    request_indirect(i, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512);
  CHECK_EQ(npend, 256);
  CHECK_EQ(blk.nfree, 0);
  CHECK_EQ(drv_init(WANT, 32), LIVE); /* reset, and a new instance */
  uint16_t heads[8];
  for (unsigned i = 0; i < 8; i++)
    heads[i] = request(300 + i, VIRTIO_BLK_T_IN, 1, DATA_OFF + 0x10000 + 512 * i, 512, true);
  CHECK_EQ(npend, 256); /* every slot is held by the old instance */
  CHECK(blk.stalled);
  /* 250 of the old ones come back (the new ones start as slots free up). */
  for (unsigned done = 0, i = 0; done < 250 && i < npend;) {
    if (((struct blk_req *)pend[i].cookie)->gen != blk.gen) {
      async_complete(i);
      done++;
    } else {
      i++;
    }
  }
  CHECK_EQ(blk.orphaned, 250);
  CHECK_EQ(q.used ? ((volatile uint16_t *)(void *)q.used)[1] : 1, 0);
  for (unsigned i = 0; i < 256; i++)
    if (status_of(i) != 0xee)
      CHECK(!"an old request completed into the new instance");
  /* The new ones started as slots came back; complete the rest. */
  while (npend)
    async_complete(npend - 1);
  CHECK_EQ(blk.orphaned, 256);
  uint32_t len;
  unsigned got = 0;
  for (int h; (h = poll(&len)) >= 0; got++) {
    unsigned i = 0;
    while (i < 8 && heads[i] != h)
      i++;
    CHECK(i < 8);
    CHECK_EQ(status_of(300 + i), VIRTIO_BLK_S_OK);
  }
  CHECK_EQ(got, 8);
  CHECK_EQ(blk.nfree, BLK_QUEUE_SIZE);
  /* Disabling the queue while running forgets its requests too. */
  uint16_t h = request(0, VIRTIO_BLK_T_IN, 0, DATA_OFF, 512, true);
  (void)h;
  wr32(VIRTIO_MMIO_QUEUE_READY, 0);
  async_complete(0);
  CHECK_EQ(status_of(0), 0xee);
  CHECK_EQ(blk.orphaned, 257);
}

/* 5.2.6 DISCARD / WRITE_ZEROES over the RAM disk: offered when the
 * backend takes them (not read-only), with limits of one range; a range is
 * zeroed; unmap on a DISCARD or a reserved flag is UNSUPP; a range past
 * the end, two ranges, or a missing range is IOERR; an empty range is done. */
static void put_range(uint32_t off, uint64_t sector, uint32_t num, uint32_t flags) {
  memcpy(ram + off, &sector, 8);
  memcpy(ram + off + 8, &num, 4);
  memcpy(ram + off + 12, &flags, 4);
}

static void test_discard_write_zeroes(void) {
  for (unsigned i = 0; i < sizeof(disk_bytes); i++)
    disk_bytes[i] = (uint8_t)(i * 13 + 1);
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  uint64_t want = WANT | VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES;
  setup(&rd.be, want, 16);
  CHECK(m.driver_features & VIRTIO_BLK_F_DISCARD);
  CHECK(m.driver_features & VIRTIO_BLK_F_WRITE_ZEROES);
  /* max_discard_sectors, max_discard_seg, alignment, max_write_zeroes_*, may_unmap */
  CHECK_EQ(rd32(VIRTIO_MMIO_CONFIG + 36), BLK_ZERO_MAX_SECTORS);
  CHECK_EQ(rd32(VIRTIO_MMIO_CONFIG + 40), 1);
  CHECK_EQ(rd32(VIRTIO_MMIO_CONFIG + 44), 1);
  CHECK_EQ(rd32(VIRTIO_MMIO_CONFIG + 48), BLK_ZERO_MAX_SECTORS);
  CHECK_EQ(rd32(VIRTIO_MMIO_CONFIG + 52), 1);
  uint8_t before = disk_bytes[12 * 512 - 1], after = disk_bytes[14 * 512];
  put_range(DATA_OFF, 12, 2, VIRTIO_BLK_RANGE_UNMAP); /* write-zeroes may unmap: allowed */
  uint16_t h = request(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_OFF, 16, false);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 1);
  bool zero = true;
  for (unsigned i = 12 * 512; i < 14 * 512; i++)
    zero &= disk_bytes[i] == 0;
  CHECK(zero && disk_bytes[12 * 512 - 1] == before && disk_bytes[14 * 512] == after);
  put_range(DATA_OFF, 20, 1, 0);
  h = request(1, VIRTIO_BLK_T_DISCARD, 0, DATA_OFF, 16, false);
  expect_done(h, 1, VIRTIO_BLK_S_OK, 1);
  CHECK(disk_bytes[20 * 512] == 0 && disk_bytes[21 * 512 - 1] == 0 && disk_bytes[21 * 512]);
  put_range(DATA_OFF, 30, 1, VIRTIO_BLK_RANGE_UNMAP); /* unmap on a discard */
  h = request(2, VIRTIO_BLK_T_DISCARD, 0, DATA_OFF, 16, false);
  expect_done(h, 2, VIRTIO_BLK_S_UNSUPP, 1);
  put_range(DATA_OFF, 30, 1, 4); /* a reserved flag */
  h = request(3, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_OFF, 16, false);
  expect_done(h, 3, VIRTIO_BLK_S_UNSUPP, 1);
  put_range(DATA_OFF, DISK_SECTORS - 1, 2, 0); /* past the end */
  h = request(4, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_OFF, 16, false);
  expect_done(h, 4, VIRTIO_BLK_S_IOERR, 1);
  put_range(DATA_OFF, UINT64_MAX, 1, 0); /* sector + num overflows */
  h = request(5, VIRTIO_BLK_T_DISCARD, 0, DATA_OFF, 16, false);
  expect_done(h, 5, VIRTIO_BLK_S_IOERR, 1);
  put_range(DATA_OFF, 1, 1, 0);
  put_range(DATA_OFF + 16, 2, 1, 0); /* two ranges: more than max_discard_seg */
  h = request(6, VIRTIO_BLK_T_DISCARD, 0, DATA_OFF, 32, false);
  expect_done(h, 6, VIRTIO_BLK_S_IOERR, 1);
  h = request(7, VIRTIO_BLK_T_DISCARD, 0, 0, 0, false); /* no range */
  expect_done(h, 7, VIRTIO_BLK_S_IOERR, 1);
  put_range(DATA_OFF, 40, 0, 0); /* empty */
  h = request(8, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_OFF, 16, false);
  expect_done(h, 8, VIRTIO_BLK_S_OK, 1);
  put_range(DATA_OFF, 40, BLK_ZERO_MAX_SECTORS + 1, 0); /* longer than offered */
  h = request(9, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_OFF, 16, false);
  expect_done(h, 9, VIRTIO_BLK_S_IOERR, 1);
  /* Not negotiated: UNSUPP. */
  setup(&rd.be, WANT, 16);
  put_range(DATA_OFF, 12, 1, 0);
  h = request(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_OFF, 16, false);
  expect_done(h, 0, VIRTIO_BLK_S_UNSUPP, 1);
  /* A read-only disk offers neither. */
  static struct ramdisk ro;
  ramdisk_init(&ro, disk_bytes, sizeof(disk_bytes), true);
  setup(&ro.be, want, 16);
  CHECK(!(m.driver_features & (VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES)));
  CHECK_EQ(rd32(VIRTIO_MMIO_CONFIG + 36), 0);
}

/* A header the guest rewrites while the device copies it: the device must
 * check and use its copy, never guest memory again. The header spans three
 * descriptors: type and reserved, the sector's low word, and its high word
 * on a page the test keeps inaccessible. The device's read of the high word
 * faults; the handler then rewrites what the device has already copied
 * (type OUT, the sector's low word past the end of the disk) and lets the
 * read go on. Guest memory now says "write past the end"; the copy says
 * "read sector 5", and only the copy may count. */
#define TRAP_OFF 0x41000u /* a page of its own */
#define HDR_A_OFF 0x40000u
static volatile int trap_faults;
static void trap_handler(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)uc;
  uint8_t *page = ram + TRAP_OFF;
  if ((uint8_t *)si->si_addr < page || (uint8_t *)si->si_addr >= page + 4096)
    abort(); /* a real fault */
  trap_faults++;
  mprotect(page, 4096, PROT_READ | PROT_WRITE);
  uint32_t out = VIRTIO_BLK_T_OUT, past = DISK_SECTORS + 100;
  memcpy(ram + HDR_A_OFF, &out, 4);
  memcpy(ram + HDR_A_OFF + 0x800, &past, 4);
}

static void test_header_changes_after_copy(void) {
  ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
  async_be =
      (struct blk_backend){DISK_SECTORS, false, true, async_submit, NULL, 0, false, false, 0};
  npend = 0;
  setup(&async_be, WANT, 16);
  static uint8_t disk_before[sizeof(disk_bytes)];
  memcpy(disk_before, disk_bytes, sizeof(disk_bytes));
  uint32_t in = VIRTIO_BLK_T_IN, lo = 5, hi = 0;
  memset(ram + HDR_A_OFF, 0, 8);
  memcpy(ram + HDR_A_OFF, &in, 4);
  memcpy(ram + HDR_A_OFF + 0x800, &lo, 4);
  memcpy(ram + TRAP_OFF, &hi, 4);
  ram[STATUS_OFF] = 0xee;
  struct virtq_buf b[5] = {{gpa(HDR_A_OFF), 8, false},
                           {gpa(HDR_A_OFF + 0x800), 4, false},
                           {gpa(TRAP_OFF), 4, false},
                           {gpa(DATA_OFF), 512, true},
                           {gpa(STATUS_OFF), 1, true}};
  uint16_t h;
  CHECK_EQ_INT(virtq_add_chain(&q, b, 5, &h), VIRTQ_OK);
  struct sigaction sa, old_segv, old_bus;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = trap_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  trap_faults = 0;
  mprotect(ram + TRAP_OFF, 4096, PROT_NONE);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  mprotect(ram + TRAP_OFF, 4096, PROT_READ | PROT_WRITE);
  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
  CHECK_EQ(trap_faults, 1);                   /* the device read the high word once, last */
  CHECK_EQ(ram[HDR_A_OFF], VIRTIO_BLK_T_OUT); /* guest memory did change */
  CHECK_EQ(npend, 1);
  CHECK_EQ(pend[0].op, BLK_OP_READ);
  CHECK_EQ(pend[0].sector, 5);
  CHECK(pend[0].n == 1 && pend[0].segs[0].buf == ram + DATA_OFF && pend[0].segs[0].len == 512);
  async_complete(0);
  expect_done(h, 0, VIRTIO_BLK_S_OK, 513);
  CHECK(!memcmp(ram + DATA_OFF, disk_bytes + 5 * 512, 512));
  CHECK(!memcmp(disk_before, disk_bytes, sizeof(disk_bytes)));
}

/* After a reset (the driver's write of 0, or the VM's reboot), requests of
 * the old instance complete on an asynchronous backend, as a host disk's
 * do from its interrupt, into a new instance set up over the same rings:
 * not one byte of the rings or the status bytes changes, the line does not
 * move, and the new instance's own request then works. (The backend itself
 * still writes an old read's data into its buffer: docs/architecture.md,
 * what the host-disk backend must do about it.) */
static void test_old_requests_after_reset(void) {
  static uint8_t snap[0x40000];
  for (int reboot = 0; reboot < 2; reboot++) {
    ramdisk_init(&rd, disk_bytes, sizeof(disk_bytes), false);
    async_be =
        (struct blk_backend){DISK_SECTORS, false, true, async_submit, NULL, 0, false, false, 0};
    npend = 0;
    setup(&async_be, WANT | VIRTIO_F_EVENT_IDX, 32);
    for (unsigned i = 0; i < 6; i++)
      request(i, VIRTIO_BLK_T_IN, i, DATA_OFF + 0x1000 * i, 512, true);
    uint16_t w = request(6, VIRTIO_BLK_T_OUT, 7, DATA_OFF + 0x8000, 512, false);
    (void)w;
    CHECK_EQ(npend, 7);
    CHECK(!line);
    if (reboot)
      virtio_mmio_reset(&m);
    CHECK_EQ(drv_init(WANT | VIRTIO_F_EVENT_IDX, 32), LIVE);
    q.avail[2 + 32] = 0; /* used_event: the new instance wants the first one */
    memcpy(snap, ram, sizeof(snap));
    int changes = line_changes;
    uint64_t orphaned = blk.orphaned;
    while (npend)
      async_complete(npend - 1);
    CHECK_EQ(blk.orphaned, orphaned + 7);
    CHECK(!memcmp(snap, ram, sizeof(snap))); /* rings, headers, status bytes */
    CHECK_EQ(line_changes, changes);
    CHECK(!line);
    CHECK_EQ(rd32(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    CHECK_EQ(blk.nfree, BLK_QUEUE_SIZE);
    uint32_t len;
    CHECK_EQ_INT(poll(&len), -1);
    uint16_t h = request(9, VIRTIO_BLK_T_IN, 3, DATA_OFF + 0x20000, 512, true);
    CHECK_EQ(npend, 1);
    async_complete(0);
    expect_done(h, 9, VIRTIO_BLK_S_OK, 513);
    CHECK(line);
  }
}

int main(void) {
  ram = aligned_alloc(4096, RAM_SIZE);
  memset(ram, 0, RAM_SIZE);
  mem = (struct vq_mem){RAM_BASE, RAM_SIZE, ram};
  test_config_and_features();
  test_read_write_flush_id();
  test_framing();
  test_bad_requests();
  test_checked_before_backend();
  test_no_status_byte();
  test_hostile_rings();
  test_indirect();
  test_driver_order();
  test_many_in_flight();
  test_header_rewritten();
  test_reset_mid_flight();
  test_discard_write_zeroes();
  test_header_changes_after_copy();
  test_old_requests_after_reset();
  free(ram);
  return check_report("virtio_blk");
}
