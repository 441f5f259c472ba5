/* Host tests of the split virtqueue (hv/lib/virtq.c): legacy and modern
 * layouts, chain building, the publish fence, and the used ring against a
 * simulated device, honest and hostile (ids out of range or not in flight,
 * lengths beyond the buffers, indices that run ahead or wrap at 65535). */
#include "check.h"
#include "hv/lib/virtq.h"
#include <stdlib.h>

/* The simulated device sees the rings at the addresses the queue gives it
 * (device address == host pointer here, as in the hypervisor). */
struct fake_dev {
  struct virtq *q;
  uint16_t last_avail, used_idx;
};

static volatile struct virtq_desc *dev_desc(struct virtq *q) {
  return (volatile struct virtq_desc *)(uintptr_t)q->desc_addr;
}
static volatile uint16_t *dev_avail(struct virtq *q) {
  return (volatile uint16_t *)(uintptr_t)q->avail_addr;
}
static volatile uint16_t *dev_used16(struct virtq *q) {
  return (volatile uint16_t *)(uintptr_t)q->used_addr;
}
static volatile uint32_t *dev_used_elem(struct virtq *q, uint16_t slot) {
  return (volatile uint32_t *)(uintptr_t)(q->used_addr + 4 + 8u * (slot & (q->size - 1)));
}

/* Next head the driver made available, or -1. */
static int dev_take(struct fake_dev *f) {
  if (dev_avail(f->q)[1] == f->last_avail)
    return -1;
  uint16_t h = dev_avail(f->q)[2 + (f->last_avail & (f->q->size - 1))];
  f->last_avail++;
  return h;
}

/* Walk a chain as a device would (bounded), fill its writable buffers with
 * fill and return their total length. */
static uint32_t dev_process(struct virtq *q, uint16_t head, uint8_t fill) {
  uint32_t wlen = 0;
  uint16_t d = head;
  for (unsigned i = 0; i < q->size; i++) {
    volatile struct virtq_desc *e = &dev_desc(q)[d];
    if (e->flags & VIRTQ_DESC_F_WRITE) {
      memset((void *)(uintptr_t)e->addr, fill, e->len);
      wlen += e->len;
    }
    if (!(e->flags & VIRTQ_DESC_F_NEXT))
      break;
    d = e->next;
  }
  return wlen;
}

static void dev_complete(struct fake_dev *f, uint32_t id, uint32_t len) {
  volatile uint32_t *e = dev_used_elem(f->q, f->used_idx);
  e[0] = id;
  e[1] = len;
  f->used_idx++;
  dev_used16(f->q)[1] = f->used_idx;
}

/* The fence hook records what the device could see when it was called. */
struct fence_log {
  struct virtq *q;
  int publish, consume;
  int bad_order; /* PUBLISH seen after avail->idx already moved */
  uint16_t expect_idx;
};

static void fence_record(enum virtq_fence kind, void *ctx) {
  struct fence_log *l = ctx;
  if (kind == VIRTQ_FENCE_PUBLISH) {
    l->publish++;
    if (dev_avail(l->q)[1] != l->expect_idx)
      l->bad_order++;
    l->expect_idx++;
  } else {
    l->consume++;
  }
}

/* A queue of size descriptors over an aligned, zeroed block. */
static void *queue_new(struct virtq *q, struct fence_log *log, uint32_t size, bool legacy) {
  struct virtq_layout l;
  int r = legacy ? virtq_layout_legacy(size, 4096, &l) : virtq_layout_modern(size, &l);
  CHECK_EQ_INT(r, VIRTQ_OK);
  size_t bytes = (l.total + 4095) & ~(size_t)4095;
  void *mem = aligned_alloc(4096, bytes);
  memset(mem, 0, bytes);
  memset(log, 0, sizeof(*log));
  log->q = q;
  CHECK_EQ_INT(virtq_init(q, &l, mem, (uintptr_t)mem, fence_record, log), VIRTQ_OK);
  return mem;
}

static void test_layout_legacy(void) {
  struct virtq_layout l;
  CHECK_EQ_INT(virtq_layout_legacy(8, 4096, &l), VIRTQ_OK);
  CHECK_EQ(l.desc_off, 0);
  CHECK_EQ(l.desc_bytes, 128);
  CHECK_EQ(l.avail_off, 128);
  CHECK_EQ(l.avail_bytes, 22); /* flags, idx, 8 entries, used_event */
  CHECK_EQ(l.used_off, 4096);
  CHECK_EQ(l.used_bytes, 70); /* flags, idx, 8 elements, avail_event */
  CHECK_EQ(l.total, 8192);
  /* 256 and 1024 entries (QEMU's default QueueNumMax is 1024 for blk). */
  CHECK_EQ_INT(virtq_layout_legacy(256, 4096, &l), VIRTQ_OK);
  CHECK_EQ(l.used_off, 8192); /* 4096 + 518 rounded up */
  CHECK_EQ(l.total, 12288);
  CHECK_EQ_INT(virtq_layout_legacy(1024, 4096, &l), VIRTQ_OK);
  CHECK_EQ(l.used_off, 20480);
  CHECK_EQ(l.total, 32768);
  /* A small QueueAlign. */
  CHECK_EQ_INT(virtq_layout_legacy(8, 64, &l), VIRTQ_OK);
  CHECK_EQ(l.used_off, 192);
  CHECK_EQ(l.total, 320);
  CHECK_EQ_INT(virtq_layout_legacy(32768, 4096, &l), VIRTQ_OK);
  CHECK_EQ(l.total % 4096, 0);
  /* Sizes that are not powers of two in 1..32768, alignments that are not
   * powers of two. */
  CHECK_EQ_INT(virtq_layout_legacy(0, 4096, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_legacy(3, 4096, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_legacy(65536, 4096, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_legacy(0xffffffffu, 4096, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_legacy(8, 0, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_legacy(8, 3000, &l), VIRTQ_ERR_PARAM);
}

static void test_layout_modern(void) {
  struct virtq_layout l;
  CHECK_EQ_INT(virtq_layout_modern(8, &l), VIRTQ_OK);
  CHECK_EQ(l.desc_off, 0);
  CHECK_EQ(l.avail_off, 128);
  CHECK_EQ(l.avail_bytes, 22);
  CHECK_EQ(l.used_off, 152); /* 150 rounded up to 4 */
  CHECK_EQ(l.used_bytes, 70);
  CHECK_EQ(l.total, 222);
  CHECK_EQ_INT(virtq_layout_modern(1, &l), VIRTQ_OK);
  CHECK_EQ(l.used_off, 24);
  CHECK_EQ(l.total, 38);
  for (uint32_t s = 1; s <= VIRTQ_SPEC_MAX_SIZE; s <<= 1) {
    CHECK_EQ_INT(virtq_layout_modern(s, &l), VIRTQ_OK);
    CHECK(l.desc_off % VIRTQ_DESC_ALIGN == 0 && l.avail_off % VIRTQ_AVAIL_ALIGN == 0 &&
          l.used_off % VIRTQ_USED_ALIGN == 0);
    CHECK(l.avail_off >= l.desc_off + l.desc_bytes && l.used_off >= l.avail_off + l.avail_bytes &&
          l.total == l.used_off + l.used_bytes);
  }
  CHECK_EQ_INT(virtq_layout_modern(0, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_modern(12, &l), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_modern(65536, &l), VIRTQ_ERR_PARAM);
}

static void test_init_params(void) {
  static struct virtq q;
  struct virtq_layout l;
  struct fence_log log = {0};
  void *mem = aligned_alloc(4096, 1u << 20);
  CHECK_EQ_INT(virtq_layout_modern(VIRTQ_MAX_SIZE * 2, &l), VIRTQ_OK);
  CHECK_EQ_INT(virtq_init(&q, &l, mem, (uintptr_t)mem, fence_record, &log), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_layout_modern(8, &l), VIRTQ_OK);
  CHECK_EQ_INT(virtq_init(&q, &l, (char *)mem + 8, (uintptr_t)mem + 8, fence_record, &log),
               VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_init(&q, &l, NULL, 0, fence_record, &log), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_init(&q, &l, mem, (uintptr_t)mem, NULL, NULL), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_init(&q, &l, mem, (uintptr_t)mem, fence_record, &log), VIRTQ_OK);
  CHECK_EQ(q.num_free, 8);
  CHECK_EQ(q.desc_addr, (uintptr_t)mem);
  CHECK_EQ(q.avail_addr, (uintptr_t)mem + 128);
  CHECK_EQ(q.used_addr, (uintptr_t)mem + 152);
  virtq_disable_interrupts(&q);
  CHECK_EQ(dev_avail(&q)[0], VIRTQ_AVAIL_F_NO_INTERRUPT);
  free(mem);
}

static void test_chain_building(bool legacy) {
  static struct virtq q;
  struct fence_log log;
  void *mem = queue_new(&q, &log, 8, legacy);
  static uint8_t hdr[16], data[1024], status;
  struct virtq_buf bufs[3] = {
      {(uintptr_t)hdr, sizeof(hdr), false},
      {(uintptr_t)data, sizeof(data), true},
      {(uintptr_t)&status, 1, true},
  };
  uint16_t head;
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 3, &head), VIRTQ_OK);
  CHECK_EQ(q.num_free, 5);
  CHECK_EQ(dev_avail(&q)[1], 1);
  CHECK_EQ(dev_avail(&q)[2], head);
  CHECK_EQ_INT(log.publish, 1);
  CHECK_EQ_INT(log.bad_order, 0);
  /* The descriptors as the device reads them. */
  volatile struct virtq_desc *d = dev_desc(&q);
  uint16_t a = head, b = d[a].next, c = d[b].next;
  CHECK_EQ(d[a].addr, (uintptr_t)hdr);
  CHECK_EQ(d[a].len, 16);
  CHECK_EQ(d[a].flags, VIRTQ_DESC_F_NEXT);
  CHECK_EQ(d[b].addr, (uintptr_t)data);
  CHECK_EQ(d[b].len, 1024);
  CHECK_EQ(d[b].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
  CHECK_EQ(d[c].addr, (uintptr_t)&status);
  CHECK_EQ(d[c].flags, VIRTQ_DESC_F_WRITE);
  CHECK(a != b && b != c && a != c && a < 8 && b < 8 && c < 8);

  /* Fill up: 5 free, a chain of 3 fits, then one of 3 does not. */
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 3, &head), VIRTQ_OK);
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 3, &head), VIRTQ_ERR_FULL);
  CHECK_EQ(q.num_free, 2);
  CHECK_EQ(dev_avail(&q)[1], 2); /* a refused chain publishes nothing */
  /* Caller errors. */
  struct virtq_buf zero = {(uintptr_t)data, 0, true};
  CHECK_EQ_INT(virtq_add_chain(&q, &zero, 1, &head), VIRTQ_ERR_PARAM);
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 0, &head), VIRTQ_ERR_PARAM);
  struct virtq_buf huge[2] = {{1, 0x80000000u, true}, {2, 0x80000000u, true}};
  CHECK_EQ_INT(virtq_add_chain(&q, huge, 2, &head), VIRTQ_ERR_PARAM); /* writable sum > 4 GiB */
  CHECK_EQ(q.num_free, 2);
  CHECK(!q.broken);
  free(mem);
}

/* Many requests of 1..3 buffers, several in flight, completed out of order,
 * far past 65535 so that avail->idx and used->idx wrap. */
static void test_round_trips_and_wrap(bool legacy) {
  static struct virtq q;
  struct fence_log log;
  void *mem = queue_new(&q, &log, 8, legacy);
  struct fake_dev f = {&q, 0, 0};
  static uint8_t buf[3][64];
  uint32_t fill_ok = 1;
  int errors = 0;
  for (uint32_t iter = 0; iter < 70000; iter++) {
    unsigned n = 1 + iter % 3;
    struct virtq_buf bufs[3];
    for (unsigned i = 0; i < n; i++)
      bufs[i] = (struct virtq_buf){(uintptr_t)buf[i], (uint32_t)(16 + 8 * i), i > 0};
    uint16_t h1, h2;
    errors += virtq_add_chain(&q, bufs, n, &h1) != VIRTQ_OK;
    errors += virtq_add_chain(&q, bufs, 1, &h2) != VIRTQ_OK;
    int d1 = dev_take(&f), d2 = dev_take(&f);
    errors += d1 != h1 || d2 != h2 || dev_take(&f) != -1;
    /* Complete the second first. */
    dev_complete(&f, (uint32_t)d2, dev_process(&q, (uint16_t)d2, 0x5a));
    uint32_t w1 = dev_process(&q, (uint16_t)d1, (uint8_t)iter);
    dev_complete(&f, (uint32_t)d1, w1);
    uint16_t h;
    uint32_t len;
    errors += virtq_poll_used(&q, &h, &len) != 1 || h != h2 || len != 0;
    errors += virtq_poll_used(&q, &h, &len) != 1 || h != h1 || len != w1;
    errors += virtq_poll_used(&q, &h, &len) != 0;
    errors += q.num_free != 8 || q.inflight != 0;
    if (n > 1 && buf[1][0] != (uint8_t)iter)
      fill_ok = 0;
  }
  CHECK_EQ_INT(errors, 0);
  CHECK(fill_ok);
  CHECK_EQ(q.avail_idx, (uint16_t)140000);
  CHECK_EQ(q.last_used, (uint16_t)140000);
  CHECK_EQ_INT(log.bad_order, 0);
  CHECK_EQ_INT(log.publish, 140000);
  CHECK(log.consume >= 140000);
  free(mem);
}

/* Run a queue until its indices sit at 65535 with one chain in flight. */
static void queue_to_edge(struct virtq *q, struct fake_dev *f, uint16_t *head) {
  static uint8_t b[8];
  struct virtq_buf one = {(uintptr_t)b, sizeof(b), true};
  uint16_t h;
  uint32_t len;
  for (uint32_t i = 0; i < 65535; i++) {
    virtq_add_chain(q, &one, 1, &h);
    dev_complete(f, (uint32_t)dev_take(f), 8);
    virtq_poll_used(q, &h, &len);
  }
  CHECK_EQ(q->last_used, 65535);
  CHECK_EQ_INT(virtq_add_chain(q, &one, 1, head), VIRTQ_OK);
  CHECK_EQ_INT(dev_take(f), *head);
}

static void test_wrap_edge(void) {
  static struct virtq q;
  struct fence_log log;
  uint16_t head, h;
  uint32_t len;
  /* Honest: used->idx goes 65535 -> 0. */
  void *mem = queue_new(&q, &log, 8, false);
  struct fake_dev f = {&q, 0, 0};
  queue_to_edge(&q, &f, &head);
  dev_complete(&f, head, 8);
  CHECK_EQ(dev_used16(&q)[1], 0);
  CHECK_EQ_INT(virtq_poll_used(&q, &h, &len), 1);
  CHECK_EQ(h, head);
  CHECK_EQ(q.last_used, 0);
  free(mem);

  /* Hostile: at the edge, used->idx jumps to 1 (two completions, one in flight). */
  mem = queue_new(&q, &log, 8, false);
  f = (struct fake_dev){&q, 0, 0};
  queue_to_edge(&q, &f, &head);
  dev_complete(&f, head, 8);
  dev_used16(&q)[1] = 1;
  CHECK_EQ_INT(virtq_poll_used(&q, &h, &len), VIRTQ_ERR_USED_IDX);
  free(mem);

  /* Hostile: used->idx goes backwards (65534, seen as 65535 completions). */
  mem = queue_new(&q, &log, 8, false);
  f = (struct fake_dev){&q, 0, 0};
  queue_to_edge(&q, &f, &head);
  dev_used16(&q)[1] = 65534;
  CHECK_EQ_INT(virtq_poll_used(&q, &h, &len), VIRTQ_ERR_USED_IDX);
  free(mem);
}

/* One chain (3 descriptors, 1025 writable bytes) in flight and a device
 * that answers with the given element: the result of the poll. */
static int hostile_answer(bool legacy, uint32_t id_delta, bool absolute, uint32_t id, uint32_t len,
                          struct virtq *q) {
  struct fence_log log;
  void *mem = queue_new(q, &log, 8, legacy);
  struct fake_dev f = {q, 0, 0};
  static uint8_t hdr[16], data[1024], status;
  struct virtq_buf bufs[3] = {
      {(uintptr_t)hdr, 16, false}, {(uintptr_t)data, 1024, true}, {(uintptr_t)&status, 1, true}};
  uint16_t head, h = 0xeeee;
  uint32_t l = 0xeeee;
  virtq_add_chain(q, bufs, 3, &head);
  dev_take(&f);
  dev_complete(&f, absolute ? id : head + id_delta, len);
  int r = virtq_poll_used(q, &h, &l);
  if (r < 0) {
    CHECK(q->broken);
    CHECK_EQ(h, 0xeeee); /* outputs untouched */
    /* Broken stays broken: no more chains, no more completions. */
    CHECK_EQ_INT(virtq_add_chain(q, bufs, 1, &head), VIRTQ_ERR_BROKEN);
    CHECK_EQ_INT(virtq_poll_used(q, &h, &l), VIRTQ_ERR_BROKEN);
  }
  free(mem);
  return r;
}

static void test_hostile_used(bool legacy) {
  static struct virtq q;
  CHECK_EQ_INT(hostile_answer(legacy, 0, false, 0, 1025, &q), 1); /* exact: fine */
  CHECK_EQ_INT(hostile_answer(legacy, 0, false, 0, 0, &q), 1);    /* short: the driver decides */
  CHECK_EQ_INT(hostile_answer(legacy, 0, false, 0, 1026, &q), VIRTQ_ERR_USED_LEN);
  CHECK_EQ_INT(hostile_answer(legacy, 0, false, 0, 0xffffffffu, &q), VIRTQ_ERR_USED_LEN);
  CHECK_EQ_INT(hostile_answer(legacy, 0, true, 8, 1, &q), VIRTQ_ERR_USED_ID);
  CHECK_EQ_INT(hostile_answer(legacy, 0, true, 0xffffffffu, 1, &q), VIRTQ_ERR_USED_ID);
  CHECK_EQ_INT(hostile_answer(legacy, 0, true, 0x10000u, 1, &q), VIRTQ_ERR_USED_ID);
  /* In range but not a head in flight: the chain's second descriptor, a free one. */
  CHECK_EQ_INT(hostile_answer(legacy, 1, false, 0, 1, &q), VIRTQ_ERR_NOT_INFLIGHT);
  CHECK_EQ_INT(hostile_answer(legacy, 5, false, 0, 1, &q), VIRTQ_ERR_NOT_INFLIGHT);
}

static void test_hostile_repeat_and_scribble(void) {
  static struct virtq q;
  struct fence_log log;
  void *mem = queue_new(&q, &log, 8, false);
  struct fake_dev f = {&q, 0, 0};
  static uint8_t b[32];
  struct virtq_buf bufs[2] = {{(uintptr_t)b, 16, false}, {(uintptr_t)b + 16, 16, true}};
  uint16_t head, h;
  uint32_t len;
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 2, &head), VIRTQ_OK);
  dev_take(&f);
  /* The device rewrites the descriptor table: links to nowhere, huge lengths. */
  for (unsigned i = 0; i < 8; i++) {
    dev_desc(&q)[i].next = 0xffff;
    dev_desc(&q)[i].len = 0xffffffffu;
    dev_desc(&q)[i].flags = 0xffff;
  }
  dev_complete(&f, head, 16);
  CHECK_EQ_INT(virtq_poll_used(&q, &h, &len), 1);
  CHECK_EQ(q.num_free, 8); /* the private links were used, not the device's */
  /* Eight chains of one fill the queue exactly, whatever the table holds. */
  for (unsigned i = 0; i < 8; i++)
    CHECK_EQ_INT(virtq_add_chain(&q, bufs, 1, &h), VIRTQ_OK);
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 1, &h), VIRTQ_ERR_FULL);
  free(mem);

  /* The same completion twice. */
  mem = queue_new(&q, &log, 8, true);
  f = (struct fake_dev){&q, 0, 0};
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 2, &head), VIRTQ_OK);
  CHECK_EQ_INT(virtq_add_chain(&q, bufs, 2, &h), VIRTQ_OK);
  dev_complete(&f, head, 16);
  dev_complete(&f, head, 16);
  CHECK_EQ_INT(virtq_poll_used(&q, &h, &len), 1);
  CHECK_EQ_INT(virtq_poll_used(&q, &h, &len), VIRTQ_ERR_NOT_INFLIGHT);
  free(mem);
}

static void test_strerror(void) {
  for (int e = VIRTQ_ERR_BROKEN; e <= VIRTQ_OK; e++) {
    const char *s = virtq_strerror(e);
    CHECK(s && s[0] && strcmp(s, "unknown virtqueue error"));
    for (int o = VIRTQ_ERR_BROKEN; o < e; o++)
      CHECK(strcmp(s, virtq_strerror(o)));
  }
  CHECK_STR(virtq_strerror(-100), "unknown virtqueue error");
}

int main(void) {
  test_layout_legacy();
  test_layout_modern();
  test_init_params();
  test_chain_building(true);
  test_chain_building(false);
  test_round_trips_and_wrap(true);
  test_round_trips_and_wrap(false);
  test_wrap_edge();
  test_hostile_used(true);
  test_hostile_used(false);
  test_hostile_repeat_and_scribble();
  test_strerror();
  return check_report("virtq");
}
