/* Host tests of virtio-console (hv/dev/virtio/console.c) behind the
 * virtio-mmio transport, driven by the tree's driver-side ring
 * (hv/lib/virtq.c) over a fake guest RAM block: output byte for byte and
 * in order across buffers and descriptors, input into posted buffers in
 * order (waiting when none is posted, split across buffers), the line, and
 * the hostile cases (a writable transmit buffer, a receive buffer with
 * nothing writable, descriptors outside RAM). */
#include "check.h"
#include "hv/dev/virtio/console.h"
#include "hv/dev/virtio/mmio.h"
#include "hv/lib/virtq.h"
#include <stdlib.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)
#define RXQ_OFF 0x1000u
#define TXQ_OFF 0x3000u
#define BUF_OFF 0x10000u

static uint8_t *ram;
static struct vq_mem mem;
static struct vcon con;
static struct virtio_mmio m;
static struct virtq rxq, txq;
static bool line;
static char out[4096];
static size_t nout;
static const char *in;
static size_t in_left;

static void irq_set(void *ctx, bool level) {
  (void)ctx;
  line = level;
}
static void sink(void *ctx, const uint8_t *p, size_t n) {
  (void)ctx;
  CHECK(nout + n < sizeof(out));
  memcpy(out + nout, p, n);
  nout += n;
}
static bool ready(void *ctx) {
  (void)ctx;
  return in_left != 0;
}
static int take(void *ctx) {
  (void)ctx;
  if (!in_left)
    return -1;
  in_left--;
  return (unsigned char)*in++;
}
static uint64_t gpa(uint32_t off) { return RAM_BASE + off; }
static uint32_t rd32(uint32_t off) {
  uint32_t v = 0;
  CHECK_EQ_INT(virtio_mmio_read(&m, off, 4, &v), 0);
  return v;
}
static void wr32(uint32_t off, uint32_t v) { CHECK_EQ_INT(virtio_mmio_write(&m, off, 4, v), 0); }
static void fence_nop(enum virtq_fence k, void *c) {
  (void)k;
  (void)c;
}

static void queue(unsigned qi, struct virtq *q, uint32_t off) {
  struct virtq_layout l;
  CHECK_EQ_INT(virtq_layout_modern(8, &l), VIRTQ_OK);
  memset(ram + off, 0, l.total);
  CHECK_EQ_INT(virtq_init(q, &l, ram + off, gpa(off), fence_nop, NULL), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_SEL, qi);
  wr32(VIRTIO_MMIO_QUEUE_NUM, 8);
  wr32(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc_addr);
  wr32(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q->avail_addr);
  wr32(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(q->avail_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q->used_addr);
  wr32(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(q->used_addr >> 32));
  wr32(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void setup(void) {
  vcon_init(&con, sink, ready, take, NULL);
  CHECK_EQ_INT(virtio_mmio_init(&m, &vcon_virtio_ops, &con, &mem, irq_set, NULL), 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
  wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  wr32(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
  CHECK_EQ(rd32(VIRTIO_MMIO_DEVICE_FEATURES) & 7u, 0); /* no SIZE, MULTIPORT, EMERG_WRITE */
  wr32(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr32(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
  wr32(VIRTIO_MMIO_STATUS,
       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
  queue(VCON_RX, &rxq, RXQ_OFF);
  queue(VCON_TX, &txq, TXQ_OFF);
  wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                               VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
  nout = 0;
  in_left = 0;
}

static int used(struct virtq *q, uint32_t *len) {
  uint16_t h;
  int r = virtq_poll_used(q, &h, len);
  return r == 1 ? h : r == 0 ? -1 : -1000 + r;
}

static void test_output(void) {
  setup();
  memcpy(ram + BUF_OFF, "hello, world\n", 13);
  struct virtq_buf b[2] = {{gpa(BUF_OFF), 5, false}, {gpa(BUF_OFF + 5), 8, false}};
  uint16_t head;
  CHECK_EQ_INT(virtq_add_chain(&txq, b, 2, &head), VIRTQ_OK);
  memcpy(ram + BUF_OFF + 100, "second\n", 7);
  struct virtq_buf c = {gpa(BUF_OFF + 100), 7, false};
  uint16_t head2;
  CHECK_EQ_INT(virtq_add_chain(&txq, &c, 1, &head2), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VCON_TX);
  CHECK(nout == 20 && !memcmp(out, "hello, world\nsecond\n", 20));
  uint32_t len = 99;
  CHECK_EQ_INT(used(&txq, &len), head);
  CHECK_EQ(len, 0);
  CHECK_EQ_INT(used(&txq, &len), head2);
  CHECK(line);
  wr32(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
  CHECK(!line);
  /* A writable transmit buffer: used, nothing printed. */
  struct virtq_buf w = {gpa(BUF_OFF), 13, true};
  CHECK_EQ_INT(virtq_add_chain(&txq, &w, 1, &head), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VCON_TX);
  CHECK_EQ(nout, 20);
  CHECK_EQ_INT(used(&txq, &len), head);
  CHECK_EQ(con.tx_bad, 1);
  /* A buffer outside RAM: the queue breaks, the device needs a reset. */
  struct virtq_buf o = {RAM_BASE + RAM_SIZE - 4, 16, false};
  CHECK_EQ_INT(virtq_add_chain(&txq, &o, 1, &head), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VCON_TX);
  CHECK(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  CHECK_EQ(nout, 20);
}

static void test_input(void) {
  setup();
  /* Input with no buffer posted waits. */
  in = "abcdefghij";
  in_left = 10;
  vcon_input(&con);
  CHECK_EQ(in_left, 10);
  /* Two buffers of 4, and one with nothing writable between them. */
  struct virtq_buf b0 = {gpa(BUF_OFF), 4, true}, bad = {gpa(BUF_OFF + 200), 4, false},
                   b1 = {gpa(BUF_OFF + 100), 4, true};
  uint16_t h0, hb, h1;
  CHECK_EQ_INT(virtq_add_chain(&rxq, &b0, 1, &h0), VIRTQ_OK);
  CHECK_EQ_INT(virtq_add_chain(&rxq, &bad, 1, &hb), VIRTQ_OK);
  CHECK_EQ_INT(virtq_add_chain(&rxq, &b1, 1, &h1), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VCON_RX);
  uint32_t len = 0;
  CHECK_EQ_INT(used(&rxq, &len), h0);
  CHECK(len == 4 && !memcmp(ram + BUF_OFF, "abcd", 4));
  CHECK_EQ_INT(used(&rxq, &len), hb);
  CHECK_EQ(len, 0);
  CHECK_EQ_INT(used(&rxq, &len), h1);
  CHECK(len == 4 && !memcmp(ram + BUF_OFF + 100, "efgh", 4));
  CHECK_EQ(in_left, 2); /* "ij" waits for the next buffer */
  CHECK(line);
  CHECK_EQ_INT(virtq_add_chain(&rxq, &b0, 1, &h0), VIRTQ_OK);
  wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VCON_RX);
  CHECK_EQ_INT(used(&rxq, &len), h0);
  CHECK(len == 2 && !memcmp(ram + BUF_OFF, "ij", 2) && in_left == 0);
  /* Nothing arrives before DRIVER_OK, or after a reset. */
  wr32(VIRTIO_MMIO_STATUS, 0);
  in = "x";
  in_left = 1;
  vcon_input(&con);
  CHECK_EQ(in_left, 1);
}

int main(void) {
  ram = calloc(1, RAM_SIZE);
  mem = (struct vq_mem){RAM_BASE, RAM_SIZE, ram};
  test_output();
  test_input();
  free(ram);
  return check_report("virtio_console");
}
