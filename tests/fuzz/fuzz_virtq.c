/* libFuzzer target: the used ring is written by the device, so
 * virtq_poll_used parses untrusted data. The input is a script of driver
 * and device actions (chains added, used elements and indices written with
 * arbitrary values, descriptors scribbled on); after every step the
 * driver's private state must stay consistent and an accepted completion
 * must name a chain in flight with a length inside its writable bytes. */
#include "fuzz_input.h"
#include "hv/lib/virtq.h"
#include <stdlib.h>
#include <string.h>

static void fence_nop(enum virtq_fence kind, void *ctx) {
  (void)kind;
  (void)ctx;
}

/* Free descriptors plus those of chains in flight account for all of them. */
static void check_state(const struct virtq *q) {
  unsigned held = 0, heads = 0;
  for (unsigned i = 0; i < q->size; i++)
    if (q->head_inflight[i]) {
      heads++;
      held += q->chain_len[i];
    }
  if (heads != q->inflight || held + q->num_free != q->size)
    abort();
  /* The free list has num_free distinct entries, all in range. */
  static uint8_t seen[VIRTQ_MAX_SIZE];
  memset(seen, 0, sizeof(seen));
  uint16_t d = q->free_head;
  for (unsigned i = 0; i < q->num_free; i++) {
    if (d >= q->size || seen[d])
      abort();
    seen[d] = 1;
    d = q->next[d];
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size};
  static struct virtq q;
  uint32_t sel = take(&in, 1);
  uint32_t qsz = 1u << (sel % 9); /* 1..256 */
  bool legacy = sel & 0x10;
  struct virtq_layout l;
  if ((legacy ? virtq_layout_legacy(qsz, 4096, &l) : virtq_layout_modern(qsz, &l)) != VIRTQ_OK)
    abort();
  size_t bytes = (l.total + 4095) & ~(size_t)4095;
  uint8_t *mem = aligned_alloc(4096, bytes);
  memset(mem, 0, bytes);
  static uint8_t buf[64];
  if (virtq_init(&q, &l, mem, (uintptr_t)mem, fence_nop, NULL) != VIRTQ_OK)
    abort();
  volatile uint16_t *avail = (volatile uint16_t *)(uintptr_t)q.avail_addr;
  volatile uint16_t *used16 = (volatile uint16_t *)(uintptr_t)q.used_addr;
  volatile struct virtq_desc *desc = (volatile struct virtq_desc *)(uintptr_t)q.desc_addr;
  uint16_t dev_used = 0, dev_avail = 0;

  while (in.n) {
    uint32_t op = take(&in, 1);
    bool was_broken = q.broken;
    switch (op % 6) {
    case 0: { /* driver: a chain of 1..4 buffers */
      unsigned n = 1 + (op >> 3) % 4;
      struct virtq_buf b[4];
      for (unsigned i = 0; i < n; i++)
        b[i] = (struct virtq_buf){(uintptr_t)buf, 1 + (uint32_t)take(&in, 1) % 64,
                                  ((op >> (5 + i % 3)) & 1) != 0};
      uint16_t head;
      int r = virtq_add_chain(&q, b, n, &head);
      if (was_broken ? r != VIRTQ_ERR_BROKEN : r != VIRTQ_OK && r != VIRTQ_ERR_FULL)
        abort();
      if (r == VIRTQ_OK && (head >= q.size || !q.head_inflight[head]))
        abort();
      break;
    }
    case 1: { /* device: an element with arbitrary id and len */
      uint32_t id = take(&in, 4), len = take(&in, 4);
      volatile uint32_t *e =
          (volatile uint32_t *)(uintptr_t)(q.used_addr + 4 + 8u * (dev_used & (qsz - 1)));
      e[0] = id;
      e[1] = len;
      dev_used++;
      used16[1] = dev_used;
      break;
    }
    case 2: { /* device: an honest completion of the next available chain */
      if (avail[1] == dev_avail)
        break;
      uint16_t h = avail[2 + (dev_avail & (qsz - 1))];
      dev_avail++;
      volatile uint32_t *e =
          (volatile uint32_t *)(uintptr_t)(q.used_addr + 4 + 8u * (dev_used & (qsz - 1)));
      e[0] = h;
      e[1] = h < q.size ? q.chain_wlen[h] : 0;
      dev_used++;
      used16[1] = dev_used;
      break;
    }
    case 3: /* device: any used index */
      dev_used = (uint16_t)take(&in, 2);
      used16[1] = dev_used;
      break;
    case 4: { /* device: scribble on a descriptor */
      uint32_t i = take(&in, 1) % qsz;
      desc[i].next = (uint16_t)take(&in, 2);
      desc[i].len = take(&in, 4);
      desc[i].flags = (uint16_t)take(&in, 2);
      break;
    }
    default: { /* driver: poll */
      uint16_t h = 0;
      uint32_t len = 0;
      uint16_t before_free = q.num_free;
      uint32_t wlen[VIRTQ_MAX_SIZE];
      bool infl[VIRTQ_MAX_SIZE];
      for (unsigned i = 0; i < qsz; i++) {
        wlen[i] = q.chain_wlen[i];
        infl[i] = q.head_inflight[i];
      }
      int r = virtq_poll_used(&q, &h, &len);
      if (was_broken && r != VIRTQ_ERR_BROKEN)
        abort();
      if (r == 1 && (h >= qsz || !infl[h] || len > wlen[h] || q.num_free <= before_free))
        abort();
      if (r < 0 && !q.broken)
        abort();
      break;
    }
    }
    check_state(&q);
  }
  free(mem);
  return 0;
}
