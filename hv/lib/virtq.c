#include "virtq.h"

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Bytes of each part for a queue of size descriptors (2.6.5, 2.6.6, 2.6.8):
 * the event-index words (used_event, avail_event) are always counted. */
static uint64_t desc_bytes(uint32_t size) { return 16ull * size; }
static uint64_t avail_bytes(uint32_t size) { return 2ull * (3 + size); }
static uint64_t used_bytes(uint32_t size) { return 6ull + 8ull * size; }

static bool size_ok(uint32_t size) { return is_pow2(size) && size <= VIRTQ_SPEC_MAX_SIZE; }

/* Legacy layout (2.6.2 "Legacy Interfaces: A Note on Virtqueue Layout"): one
 * block, descriptors then the available ring, the used ring at the next
 * multiple of align (virtio-mmio's QueueAlign, 4.2.4), each half padded. */
int virtq_layout_legacy(uint32_t size, uint32_t align, struct virtq_layout *l) {
  if (!size_ok(size) || !is_pow2(align))
    return VIRTQ_ERR_PARAM;
  l->size = size;
  l->desc_off = 0;
  l->desc_bytes = desc_bytes(size);
  l->avail_off = l->desc_bytes;
  l->avail_bytes = avail_bytes(size);
  l->used_off = align_up(l->avail_off + l->avail_bytes, align);
  l->used_bytes = used_bytes(size);
  l->total = l->used_off + align_up(l->used_bytes, align);
  return VIRTQ_OK;
}

/* Modern layout (2.6 "Virtqueue Part Alignment": descriptors 16, available
 * ring 2, used ring 4): the parts may lie anywhere; this packs them into
 * one block in that order. */
int virtq_layout_modern(uint32_t size, struct virtq_layout *l) {
  if (!size_ok(size))
    return VIRTQ_ERR_PARAM;
  l->size = size;
  l->desc_off = 0;
  l->desc_bytes = desc_bytes(size);
  l->avail_off = align_up(l->desc_bytes, VIRTQ_AVAIL_ALIGN);
  l->avail_bytes = avail_bytes(size);
  l->used_off = align_up(l->avail_off + l->avail_bytes, VIRTQ_USED_ALIGN);
  l->used_bytes = used_bytes(size);
  l->total = l->used_off + l->used_bytes;
  return VIRTQ_OK;
}

int virtq_init(struct virtq *q, const struct virtq_layout *l, void *mem, uint64_t mem_addr,
               virtq_fence_fn fence, void *fence_ctx) {
  if (!size_ok(l->size) || l->size > VIRTQ_MAX_SIZE || !mem || !fence ||
      mem_addr % VIRTQ_DESC_ALIGN || (uintptr_t)mem % VIRTQ_DESC_ALIGN ||
      l->desc_off % VIRTQ_DESC_ALIGN || l->used_off % VIRTQ_USED_ALIGN ||
      l->avail_off % VIRTQ_AVAIL_ALIGN)
    return VIRTQ_ERR_PARAM;
  uint8_t *base = mem;
  q->size = (uint16_t)l->size;
  q->desc = (volatile struct virtq_desc *)(void *)(base + l->desc_off); /* aligned: checked above */
  q->avail = (volatile uint16_t *)(void *)(base + l->avail_off);
  q->used = base + l->used_off;
  q->desc_addr = mem_addr + l->desc_off;
  q->avail_addr = mem_addr + l->avail_off;
  q->used_addr = mem_addr + l->used_off;
  q->free_head = 0;
  q->num_free = q->size;
  q->avail_idx = q->last_used = q->inflight = 0;
  q->broken = false;
  q->fence = fence;
  q->fence_ctx = fence_ctx;
  for (uint32_t i = 0; i < l->size; i++) {
    q->next[i] = (uint16_t)(i + 1 < l->size ? i + 1 : 0);
    q->chain_len[i] = 0;
    q->chain_wlen[i] = 0;
    q->head_inflight[i] = false;
  }
  q->avail[0] = 0;
  q->avail[1] = 0;
  return VIRTQ_OK;
}

void virtq_disable_interrupts(struct virtq *q) { q->avail[0] = VIRTQ_AVAIL_F_NO_INTERRUPT; }

void virtq_enable_interrupts(struct virtq *q) { q->avail[0] = 0; }

/* Publish the chain at head h (n descriptors, wlen device-writable bytes):
 * its head in the next available ring slot (2.6.13.2), a write barrier,
 * then avail->idx (2.6.13.3, 2.6.13.6). */
static void virtq_publish(struct virtq *q, uint16_t h, unsigned n, uint32_t wlen) {
  q->num_free = (uint16_t)(q->num_free - n);
  q->chain_len[h] = (uint16_t)n;
  q->chain_wlen[h] = wlen;
  q->head_inflight[h] = true;
  q->inflight++;
  q->avail[2 + (q->avail_idx & (q->size - 1))] = h;
  q->fence(VIRTQ_FENCE_PUBLISH, q->fence_ctx);
  q->avail_idx++;
  q->avail[1] = q->avail_idx;
}

/* 2.6.13 Supplying Buffers to The Device: fill descriptors from the free
 * list (2.6.13.1), put the head in the next available ring slot (2.6.13.2),
 * a write barrier, then increment avail->idx (2.6.13.3, 2.6.13.6). */
int virtq_add_chain(struct virtq *q, const struct virtq_buf *bufs, unsigned n, uint16_t *head) {
  if (q->broken)
    return VIRTQ_ERR_BROKEN;
  if (!n || !bufs)
    return VIRTQ_ERR_PARAM;
  uint64_t wlen = 0;
  for (unsigned i = 0; i < n; i++) {
    if (!bufs[i].len)
      return VIRTQ_ERR_PARAM;
    if (bufs[i].device_writes)
      wlen += bufs[i].len;
  }
  if (wlen > UINT32_MAX)
    return VIRTQ_ERR_PARAM;
  if (n > q->num_free)
    return VIRTQ_ERR_FULL;

  uint16_t h = q->free_head, d = h;
  for (unsigned i = 0; i < n; i++) {
    uint16_t nx = q->next[d];
    q->desc[d].addr = bufs[i].addr;
    q->desc[d].len = bufs[i].len;
    q->desc[d].flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                                  (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
    q->desc[d].next = i + 1 < n ? nx : 0;
    if (i + 1 < n)
      d = nx;
    else
      q->free_head = nx;
  }
  virtq_publish(q, h, n, (uint32_t)wlen);
  *head = h;
  return VIRTQ_OK;
}

/* 2.6.5.3 Indirect Descriptors: one descriptor of the ring points at a
 * table of n descriptors the caller wrote (in device-visible memory at
 * table_addr, linked with VIRTQ_DESC_F_NEXT from entry 0), wlen of whose
 * bytes the device may write. Needs VIRTIO_F_INDIRECT_DESC negotiated. */
int virtq_add_indirect(struct virtq *q, uint64_t table_addr, unsigned n, uint32_t wlen,
                       uint16_t *head) {
  if (q->broken)
    return VIRTQ_ERR_BROKEN;
  if (!n || n > 0xffffu / sizeof(struct virtq_desc))
    return VIRTQ_ERR_PARAM;
  if (!q->num_free)
    return VIRTQ_ERR_FULL;
  uint16_t h = q->free_head;
  q->free_head = q->next[h];
  q->desc[h].addr = table_addr;
  q->desc[h].len = (uint32_t)(n * sizeof(struct virtq_desc));
  q->desc[h].flags = VIRTQ_DESC_F_INDIRECT;
  q->desc[h].next = 0;
  virtq_publish(q, h, 1, wlen);
  *head = h;
  return VIRTQ_OK;
}

static int virtq_fail(struct virtq *q, int err) {
  q->broken = true;
  return err;
}

/* 2.6.14 Receiving Used Buffers From The Device: compare used->idx with the
 * last consumed index (both wrap at 65536), a read barrier, then read the
 * element. The device is not trusted: the index may not run ahead of what
 * is in flight, the id must name a chain the driver made available, and
 * the length may not exceed the chain's device-writable bytes (2.6.8.1). */
int virtq_poll_used(struct virtq *q, uint16_t *head, uint32_t *len) {
  if (q->broken)
    return VIRTQ_ERR_BROKEN;
  volatile uint16_t *used16 = (volatile uint16_t *)(void *)q->used;
  uint16_t idx = used16[1];
  if (idx == q->last_used)
    return 0;
  q->fence(VIRTQ_FENCE_CONSUME, q->fence_ctx);
  if ((uint16_t)(idx - q->last_used) > q->inflight)
    return virtq_fail(q, VIRTQ_ERR_USED_IDX);
  volatile uint32_t *elem =
      (volatile uint32_t *)(void *)(q->used + 4 + 8u * (q->last_used & (q->size - 1)));
  uint32_t id = elem[0], l = elem[1];
  if (id >= q->size)
    return virtq_fail(q, VIRTQ_ERR_USED_ID);
  if (!q->head_inflight[id])
    return virtq_fail(q, VIRTQ_ERR_NOT_INFLIGHT);
  if (l > q->chain_wlen[id])
    return virtq_fail(q, VIRTQ_ERR_USED_LEN);

  /* Back to the free list, by the private links (never the device's). */
  uint16_t last = (uint16_t)id;
  for (uint16_t i = 1; i < q->chain_len[id]; i++)
    last = q->next[last];
  q->next[last] = q->free_head;
  q->free_head = (uint16_t)id;
  q->num_free = (uint16_t)(q->num_free + q->chain_len[id]);
  q->head_inflight[id] = false;
  q->inflight--;
  q->last_used++;
  *head = (uint16_t)id;
  *len = l;
  return 1;
}

const char *virtq_strerror(int err) {
  switch (err) {
  case VIRTQ_OK: return "ok";
  case VIRTQ_ERR_PARAM: return "bad queue parameters";
  case VIRTQ_ERR_FULL: return "no free descriptors";
  case VIRTQ_ERR_USED_IDX: return "device's used index runs ahead of the requests in flight";
  case VIRTQ_ERR_USED_ID: return "device returned a used id out of range";
  case VIRTQ_ERR_NOT_INFLIGHT: return "device returned a used id that is not in flight";
  case VIRTQ_ERR_USED_LEN: return "device returned a used length beyond the buffers";
  case VIRTQ_ERR_BROKEN: return "queue broken by an earlier device error";
  default: return "unknown virtqueue error";
  }
}
