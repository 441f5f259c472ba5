/* Host tests of the device side of the split virtqueue (hv/dev/virtio/vq.c)
 * over a fake guest RAM block: translation and its overflow checks, ring
 * setup, chains direct and indirect, and every structural attack a guest can
 * make on the device (loops, over-long chains, indices out of the table,
 * buffers outside RAM or straddling its end, lengths near 2^32, nested or
 * misplaced indirect tables, an avail index that jumps), the used ring, and
 * the interrupt decision (NO_INTERRUPT, EVENT_IDX). */
#include "check.h"
#include "hv/dev/virtio/vq.h"
#include <stdlib.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)
#define DESC_GPA (RAM_BASE + 0x1000)
#define AVAIL_GPA (RAM_BASE + 0x2000)
#define USED_GPA (RAM_BASE + 0x3000)
#define DATA_GPA (RAM_BASE + 0x10000)

static uint8_t *ram;
static struct vq_mem mem;

static uint8_t *hva(uint64_t gpa) { return ram + (gpa - RAM_BASE); }
static void w16(uint64_t gpa, uint16_t v) { memcpy(hva(gpa), &v, 2); }
static void w32(uint64_t gpa, uint32_t v) { memcpy(hva(gpa), &v, 4); }
static void w64(uint64_t gpa, uint64_t v) { memcpy(hva(gpa), &v, 8); }
static uint16_t r16(uint64_t gpa) {
  uint16_t v;
  memcpy(&v, hva(gpa), 2);
  return v;
}
static uint32_t r32(uint64_t gpa) {
  uint32_t v;
  memcpy(&v, hva(gpa), 4);
  return v;
}

/* A descriptor at table gpa, index i. */
static void desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                    uint16_t next) {
  uint64_t d = table + 16u * i;
  w64(d, addr);
  w32(d + 8, len);
  w16(d + 12, flags);
  w16(d + 14, next);
}
static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
  desc_at(DESC_GPA, i, addr, len, flags, next);
}

/* The driver publishes head in the next slot of a ring of qsize entries. */
static uint16_t avail_idx;
static void publish(uint16_t qsize, uint16_t head) {
  w16(AVAIL_GPA + 4 + 2u * (avail_idx & (qsize - 1)), head);
  avail_idx++;
  w16(AVAIL_GPA + 2, avail_idx);
}

static void fresh(struct vq *q, uint16_t qsize, bool event_idx, bool indirect) {
  memset(ram, 0, RAM_SIZE);
  avail_idx = 0;
  CHECK_EQ_INT(vq_init(q, &mem, qsize, DESC_GPA, AVAIL_GPA, USED_GPA, event_idx, indirect), VQ_OK);
}

static void test_translate(void) {
  CHECK(vq_mem_translate(&mem, RAM_BASE, RAM_SIZE) == ram);
  CHECK(vq_mem_translate(&mem, RAM_BASE + 16, 16) == ram + 16);
  CHECK(vq_mem_translate(&mem, RAM_BASE + RAM_SIZE - 1, 1) == ram + RAM_SIZE - 1);
  CHECK(vq_mem_translate(&mem, RAM_BASE + RAM_SIZE, 0) == ram + RAM_SIZE);
  /* Straddling the end, past it, before it, and sums that wrap. */
  CHECK(!vq_mem_translate(&mem, RAM_BASE + RAM_SIZE - 1, 2));
  CHECK(!vq_mem_translate(&mem, RAM_BASE + RAM_SIZE, 1));
  CHECK(!vq_mem_translate(&mem, RAM_BASE + RAM_SIZE + 1, 0));
  CHECK(!vq_mem_translate(&mem, RAM_BASE - 1, 1));
  CHECK(!vq_mem_translate(&mem, RAM_BASE - 1, 2));
  CHECK(!vq_mem_translate(&mem, 0, 0));
  CHECK(!vq_mem_translate(&mem, RAM_BASE + 16, UINT64_MAX));
  CHECK(!vq_mem_translate(&mem, UINT64_MAX, 2));
  CHECK(!vq_mem_translate(&mem, RAM_BASE + 0x100, 0xffffffffu));
  CHECK(!vq_mem_translate(&mem, RAM_BASE + RAM_SIZE + 1, UINT64_MAX));
}

static void test_init(void) {
  struct vq q;
  memset(ram, 0, RAM_SIZE);
  CHECK_EQ_INT(vq_init(&q, &mem, 0, DESC_GPA, AVAIL_GPA, USED_GPA, 0, 0), VQ_ERR_PARAM);
  CHECK(q.broken);
  CHECK_EQ_INT(vq_init(&q, &mem, 3, DESC_GPA, AVAIL_GPA, USED_GPA, 0, 0), VQ_ERR_PARAM);
  CHECK_EQ_INT(vq_init(&q, &mem, 512, DESC_GPA, AVAIL_GPA, USED_GPA, 0, 0), VQ_ERR_PARAM);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA + 8, AVAIL_GPA, USED_GPA, 0, 0), VQ_ERR_PARAM);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, AVAIL_GPA + 1, USED_GPA, 0, 0), VQ_ERR_PARAM);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2, 0, 0), VQ_ERR_PARAM);
  /* Areas outside RAM or straddling its end (the event words included). */
  CHECK_EQ_INT(vq_init(&q, &mem, 8, 0x1000, AVAIL_GPA, USED_GPA, 0, 0), VQ_ERR_RANGE);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, RAM_BASE + RAM_SIZE - 64, AVAIL_GPA, USED_GPA, 0, 0),
               VQ_ERR_RANGE);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, RAM_BASE + RAM_SIZE - 20, USED_GPA, 0, 0),
               VQ_ERR_RANGE);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, RAM_BASE + RAM_SIZE - 22, USED_GPA, 0, 0), VQ_OK);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, AVAIL_GPA, RAM_BASE + RAM_SIZE - 68, 0, 0),
               VQ_ERR_RANGE);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, AVAIL_GPA, RAM_BASE + RAM_SIZE - 72, 0, 0), VQ_OK);
  CHECK_EQ_INT(vq_init(&q, &mem, 8, DESC_GPA, AVAIL_GPA, UINT64_MAX - 3, 0, 0), VQ_ERR_RANGE);
  CHECK_EQ_INT(vq_init(&q, &mem, 256, DESC_GPA, AVAIL_GPA, USED_GPA, 0, 0), VQ_OK);
  CHECK(!q.broken);
}

static void test_pop_push(void) {
  struct vq q;
  static struct vq_chain c;
  fresh(&q, 8, false, false);
  CHECK_EQ_INT(vq_pop(&q, &c), 0);
  desc(5, DATA_GPA, 16, VQ_DESC_F_NEXT, 2);
  desc(2, DATA_GPA + 0x100, 512, VQ_DESC_F_NEXT | VQ_DESC_F_WRITE, 7);
  desc(7, RAM_BASE + RAM_SIZE - 1, 1, VQ_DESC_F_WRITE, 0);
  publish(8, 5);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ(c.head, 5);
  CHECK_EQ(c.n, 3);
  CHECK(c.seg[0].hva == hva(DATA_GPA) && c.seg[0].len == 16 && !c.seg[0].writable);
  CHECK(c.seg[1].hva == hva(DATA_GPA + 0x100) && c.seg[1].len == 512 && c.seg[1].writable);
  CHECK(c.seg[2].hva == ram + RAM_SIZE - 1 && c.seg[2].len == 1 && c.seg[2].writable);
  CHECK_EQ_INT(vq_pop(&q, &c), 0);
  CHECK_EQ(q.inflight, 1);
  CHECK_EQ_INT(vq_push(&q, 5, 513), VQ_OK);
  CHECK_EQ(r16(USED_GPA + 2), 1);
  CHECK_EQ(r32(USED_GPA + 4), 5);
  CHECK_EQ(r32(USED_GPA + 8), 513);
  /* The device's own bug: a push with nothing in flight, or a bad id. */
  CHECK_EQ_INT(vq_push(&q, 5, 0), VQ_ERR_PUSH);
  CHECK(!q.broken);
  /* Round trips through the 16-bit wrap of both indices. */
  desc(0, DATA_GPA, 4, 0, 0);
  for (unsigned i = 0; i < 70000; i++) {
    publish(8, 0);
    if (vq_pop(&q, &c) != 1 || c.head != 0 || c.n != 1 || vq_push(&q, 0, 0) != VQ_OK) {
      CHECK(!"round trip");
      break;
    }
  }
  CHECK_EQ(r16(USED_GPA + 2), (uint16_t)70001);
  CHECK_EQ(q.last_avail, (uint16_t)70001);
}

/* A fresh queue whose one chain, built by setup, must fail with err. */
static void expect_broken(int err, uint16_t qsize, bool indirect, void (*setup)(void)) {
  struct vq q;
  static struct vq_chain c;
  fresh(&q, qsize, false, indirect);
  setup();
  CHECK_EQ_INT(vq_pop(&q, &c), err);
  CHECK(q.broken);
  CHECK_EQ_INT(q.error, err);
  /* Broken stays broken: nothing popped, nothing pushed. */
  CHECK_EQ_INT(vq_pop(&q, &c), VQ_ERR_BROKEN);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_ERR_BROKEN);
  CHECK(!vq_need_interrupt(&q));
  CHECK_EQ(r16(USED_GPA + 2), 0);
}

static void s_loop(void) {
  desc(0, DATA_GPA, 8, VQ_DESC_F_NEXT, 1);
  desc(1, DATA_GPA, 8, VQ_DESC_F_NEXT, 0);
  publish(8, 0);
}
static void s_self_loop(void) {
  desc(3, DATA_GPA, 8, VQ_DESC_F_NEXT, 3);
  publish(8, 3);
}
static void s_head_out(void) { publish(8, 8); }
static void s_next_out(void) {
  desc(0, DATA_GPA, 8, VQ_DESC_F_NEXT, 9);
  publish(8, 0);
}
static void s_outside(void) {
  desc(0, 0x1000, 8, 0, 0);
  publish(8, 0);
}
static void s_straddle(void) {
  desc(0, DATA_GPA, 8, VQ_DESC_F_NEXT, 1);
  desc(1, RAM_BASE + RAM_SIZE - 4, 8, VQ_DESC_F_WRITE, 0);
  publish(8, 0);
}
static void s_len_4g(void) {
  desc(0, DATA_GPA, 0xffffffffu, VQ_DESC_F_WRITE, 0);
  publish(8, 0);
}
static void s_addr_wraps(void) {
  desc(0, UINT64_MAX - 7, 0xfffffff0u, 0, 0);
  publish(8, 0);
}
static void s_avail_jump(void) {
  desc(0, DATA_GPA, 8, 0, 0);
  publish(8, 0);
  w16(AVAIL_GPA + 2, 9); /* 9 new entries in a ring of 8 */
}
static void s_avail_back(void) { w16(AVAIL_GPA + 2, 0xffff); }
/* Indirect tables at 0x20000 (and a second at 0x20100). */
#define IND_GPA (RAM_BASE + 0x20000)
static void s_ind_plain(void) {
  desc(0, IND_GPA, 32, VQ_DESC_F_INDIRECT, 0);
  desc_at(IND_GPA, 0, DATA_GPA, 8, VQ_DESC_F_NEXT, 1);
  desc_at(IND_GPA, 1, DATA_GPA, 8, 0, 0);
  publish(8, 0);
}
static void s_ind_nested(void) {
  desc(0, IND_GPA, 32, VQ_DESC_F_INDIRECT, 0);
  desc_at(IND_GPA, 0, DATA_GPA, 8, VQ_DESC_F_NEXT, 1);
  desc_at(IND_GPA, 1, IND_GPA + 0x100, 16, VQ_DESC_F_INDIRECT, 0);
  desc_at(IND_GPA + 0x100, 0, DATA_GPA, 8, 0, 0);
  publish(8, 0);
}
static void s_ind_next(void) {
  desc(0, IND_GPA, 16, VQ_DESC_F_INDIRECT | VQ_DESC_F_NEXT, 1);
  desc(1, DATA_GPA, 8, 0, 0);
  desc_at(IND_GPA, 0, DATA_GPA, 8, 0, 0);
  publish(8, 0);
}
static void s_ind_len24(void) {
  desc(0, IND_GPA, 24, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_len0(void) {
  desc(0, IND_GPA, 0, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_outside(void) {
  desc(0, 0x40000000, 32, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_straddle(void) {
  desc(0, RAM_BASE + RAM_SIZE - 16, 32, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_too_long(void) {
  /* 9 entries for a queue of 8: longer than the queue even if honest. */
  for (unsigned i = 0; i < 9; i++)
    desc_at(IND_GPA, i, DATA_GPA, 8, i < 8 ? VQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
  desc(0, IND_GPA, 9 * 16, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_loop(void) {
  desc_at(IND_GPA, 0, DATA_GPA, 8, VQ_DESC_F_NEXT, 1);
  desc_at(IND_GPA, 1, DATA_GPA, 8, VQ_DESC_F_NEXT, 0);
  desc(0, IND_GPA, 32, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_next_out(void) {
  desc_at(IND_GPA, 0, DATA_GPA, 8, VQ_DESC_F_NEXT, 2); /* a table of 2 */
  desc(0, IND_GPA, 32, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}
static void s_ind_buf_outside(void) {
  desc_at(IND_GPA, 0, RAM_BASE + RAM_SIZE, 1, VQ_DESC_F_WRITE, 0);
  desc(0, IND_GPA, 16, VQ_DESC_F_INDIRECT, 0);
  publish(8, 0);
}

static void test_hostile_chains(void) {
  expect_broken(VQ_ERR_CHAIN, 8, false, s_loop);
  expect_broken(VQ_ERR_CHAIN, 8, false, s_self_loop);
  expect_broken(VQ_ERR_HEAD, 8, false, s_head_out);
  expect_broken(VQ_ERR_HEAD, 8, false, s_next_out);
  expect_broken(VQ_ERR_RANGE, 8, false, s_outside);
  expect_broken(VQ_ERR_RANGE, 8, false, s_straddle);
  expect_broken(VQ_ERR_RANGE, 8, false, s_len_4g);
  expect_broken(VQ_ERR_RANGE, 8, false, s_addr_wraps);
  expect_broken(VQ_ERR_AVAIL_IDX, 8, false, s_avail_jump);
  expect_broken(VQ_ERR_AVAIL_IDX, 8, false, s_avail_back);
  expect_broken(VQ_ERR_INDIRECT, 8, false, s_ind_plain); /* not negotiated */
  expect_broken(VQ_ERR_INDIRECT, 8, true, s_ind_nested);
  expect_broken(VQ_ERR_INDIRECT, 8, true, s_ind_next);
  expect_broken(VQ_ERR_INDIRECT, 8, true, s_ind_len24);
  expect_broken(VQ_ERR_INDIRECT, 8, true, s_ind_len0);
  expect_broken(VQ_ERR_RANGE, 8, true, s_ind_outside);
  expect_broken(VQ_ERR_RANGE, 8, true, s_ind_straddle);
  expect_broken(VQ_ERR_CHAIN, 8, true, s_ind_too_long);
  expect_broken(VQ_ERR_CHAIN, 8, true, s_ind_loop);
  expect_broken(VQ_ERR_HEAD, 8, true, s_ind_next_out);
  expect_broken(VQ_ERR_RANGE, 8, true, s_ind_buf_outside);
}

static void test_chain_limits(void) {
  struct vq q;
  static struct vq_chain c;
  /* A direct chain using the whole table is fine. */
  fresh(&q, 8, false, false);
  for (unsigned i = 0; i < 8; i++)
    desc(i, DATA_GPA + i, 1, (i < 7 ? VQ_DESC_F_NEXT : 0) | (i >= 4 ? VQ_DESC_F_WRITE : 0),
         (uint16_t)((i + 1) % 8));
  publish(8, 0);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ(c.n, 8);
  CHECK(!c.seg[3].writable && c.seg[4].writable && c.seg[7].hva == hva(DATA_GPA + 7));
  /* A zero-length buffer is translated (at its address) and kept. */
  desc(1, DATA_GPA, 0, 0, 0);
  publish(8, 1);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK(c.n == 1 && c.seg[0].len == 0);

  /* Direct descriptors, then one indirect one at the end (2.7.5.3.2); an
   * unaligned indirect table is read byte by byte. 1 + 7 buffers fill a
   * queue of 8: the most a chain may have, direct and indirect together. */
  fresh(&q, 8, false, true);
  desc(2, DATA_GPA, 16, VQ_DESC_F_NEXT, 3);
  desc(3, IND_GPA + 3, 7 * 16, VQ_DESC_F_INDIRECT | VQ_DESC_F_WRITE, 0);
  for (unsigned i = 0; i < 6; i++)
    desc_at(IND_GPA + 3, i, DATA_GPA + 0x1000 * (i + 1), 0x1000, VQ_DESC_F_NEXT | VQ_DESC_F_WRITE,
            (uint16_t)(i + 1));
  desc_at(IND_GPA + 3, 6, RAM_BASE + RAM_SIZE - 1, 1, VQ_DESC_F_WRITE, 0);
  publish(8, 2);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ(c.head, 2);
  CHECK_EQ(c.n, 8);
  CHECK(c.seg[0].len == 16 && !c.seg[0].writable);
  CHECK(c.seg[1].hva == hva(DATA_GPA + 0x1000) && c.seg[1].len == 0x1000 && c.seg[1].writable);
  CHECK(c.seg[7].hva == ram + RAM_SIZE - 1 && c.seg[7].len == 1);
  /* One more direct descriptor before the table: 9 buffers. */
  desc(4, DATA_GPA, 16, VQ_DESC_F_NEXT, 2);
  publish(8, 4);
  CHECK_EQ_INT(vq_pop(&q, &c), VQ_ERR_CHAIN);

  /* The avail index may move by exactly the queue size. */
  fresh(&q, 4, false, false);
  for (unsigned i = 0; i < 4; i++) {
    desc(i, DATA_GPA, 1, 0, 0);
    publish(4, (uint16_t)i);
  }
  for (unsigned i = 0; i < 4; i++) {
    CHECK_EQ_INT(vq_pop(&q, &c), 1);
    CHECK_EQ(c.head, i);
  }
  /* A driver re-offering heads while all are with the device gets nothing
   * more popped until the device pushes. */
  publish(4, 0);
  CHECK_EQ_INT(vq_pop(&q, &c), 0);
  CHECK_EQ_INT(vq_push(&q, 3, 0), VQ_OK);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK(!q.broken);
}

static void test_interrupt_decision(void) {
  struct vq q;
  static struct vq_chain c;
  /* Without EVENT_IDX: the NO_INTERRUPT flag, and nothing to say twice. */
  fresh(&q, 8, false, false);
  desc(0, DATA_GPA, 1, 0, 0);
  CHECK(!vq_need_interrupt(&q));
  publish(8, 0);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK);
  CHECK(vq_need_interrupt(&q));
  CHECK(!vq_need_interrupt(&q));
  w16(AVAIL_GPA, VQ_AVAIL_F_NO_INTERRUPT);
  publish(8, 0);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK);
  CHECK(!vq_need_interrupt(&q));
  /* avail_event is not written without EVENT_IDX. */
  CHECK_EQ(r16(USED_GPA + 4 + 8 * 8), 0);

  /* With EVENT_IDX: used_event says after which used index to interrupt;
   * the flag is ignored; the device writes avail_event = its last_avail. */
  fresh(&q, 8, true, false);
  w16(AVAIL_GPA, VQ_AVAIL_F_NO_INTERRUPT);
  desc(0, DATA_GPA, 1, 0, 0);
  CHECK_EQ_INT(vq_pop(&q, &c), 0);
  w16(USED_GPA + 4 + 8 * 8, 0x5555);
  CHECK_EQ_INT(vq_pop(&q, &c), 0);
  CHECK_EQ(r16(USED_GPA + 4 + 8 * 8), 0); /* idle: avail_event = last_avail */
  for (unsigned i = 0; i < 3; i++)
    publish(8, 0);
  w16(AVAIL_GPA + 4 + 2 * 8, 1); /* used_event: interrupt once used idx passes 1 */
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ(r16(USED_GPA + 4 + 8 * 8), 1);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK); /* used idx 0 -> 1: not past 1 */
  CHECK(!vq_need_interrupt(&q));
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK); /* 1 -> 2: crosses */
  CHECK(vq_need_interrupt(&q));
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK); /* 2 -> 3: used_event still 1 */
  CHECK(!vq_need_interrupt(&q));
  /* Two pushes decided at once still see a used_event between them. */
  w16(AVAIL_GPA + 4 + 2 * 8, 3);
  publish(8, 0);
  publish(8, 0);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ_INT(vq_pop(&q, &c), 1);
  CHECK_EQ(r16(USED_GPA + 4 + 8 * 8), 5);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK);
  CHECK_EQ_INT(vq_push(&q, 0, 0), VQ_OK); /* 3 -> 5 crosses 3 */
  CHECK(vq_need_interrupt(&q));
  CHECK(vring_need_event(0xffff, 0, 0xffff));
  CHECK(!vring_need_event(0, 0, 0xffff));
}

static void test_strerror(void) {
  CHECK_STR(vq_strerror(VQ_OK), "ok");
  CHECK_CONTAINS(vq_strerror(VQ_ERR_RANGE), "outside");
  CHECK_CONTAINS(vq_strerror(-99), "unknown");
}

int main(void) {
  ram = aligned_alloc(4096, RAM_SIZE);
  mem = (struct vq_mem){RAM_BASE, RAM_SIZE, ram};
  test_translate();
  test_init();
  test_pop_push();
  test_hostile_chains();
  test_chain_limits();
  test_interrupt_decision();
  test_strerror();
  free(ram);
  return check_report("vq_dev");
}
