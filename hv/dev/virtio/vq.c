#include "vq.h"

/* Guest memory is little-endian (2.4: "le" fields of a modern device). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VQ_LE16(v) __builtin_bswap16(v)
#define VQ_LE32(v) __builtin_bswap32(v)
#define VQ_LE64(v) __builtin_bswap64(v)
#else
#define VQ_LE16(v) (v)
#define VQ_LE32(v) (v)
#define VQ_LE64(v) (v)
#endif

/* Ring fields are naturally aligned (vq_init checks the areas). */
static uint16_t ld16(const volatile uint8_t *p) {
  return VQ_LE16(*(const volatile uint16_t *)(const volatile void *)p);
}
static void st16(volatile uint8_t *p, uint16_t v) {
  *(volatile uint16_t *)(volatile void *)p = VQ_LE16(v);
}
static void st32(volatile uint8_t *p, uint32_t v) {
  *(volatile uint32_t *)(volatile void *)p = VQ_LE32(v);
}

/* A descriptor, copied out of guest memory. */
struct vq_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags, next;
};

/* Read one descriptor once (2.7.5). The main table is 16-byte aligned; an
 * indirect table need not be (2.7.5.3 sets no alignment), so an unaligned
 * one is read byte by byte. */
static void desc_read(const volatile uint8_t *p, struct vq_desc *d) {
  if (!((uintptr_t)p & 7)) {
    d->addr = VQ_LE64(*(const volatile uint64_t *)(const volatile void *)p);
    d->len = VQ_LE32(*(const volatile uint32_t *)(const volatile void *)(p + 8));
    d->flags = ld16(p + 12);
    d->next = ld16(p + 14);
    return;
  }
  uint8_t b[VQ_DESC_BYTES] = {0}; /* all written below; GCC 12's -fanalyzer cannot tell */
  for (unsigned i = 0; i < VQ_DESC_BYTES; i++)
    b[i] = p[i];
  d->addr = 0;
  for (unsigned i = 0; i < 8; i++)
    d->addr |= (uint64_t)b[i] << (8 * i);
  d->len = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
  d->flags = (uint16_t)(b[12] | b[13] << 8);
  d->next = (uint16_t)(b[14] | b[15] << 8);
}

uint8_t *vq_mem_translate(const struct vq_mem *m, uint64_t gpa, uint64_t len) {
  if (gpa < m->base || len > m->size || gpa - m->base > m->size - len)
    return 0;
  return m->hva + (gpa - m->base);
}

static bool is_pow2(uint32_t v) { return v && !(v & (v - 1)); }

/* 2.7 "Virtqueue Part Alignment" and sizes: descriptor table 16 * N at 16,
 * available ring 6 + 2 * N at 2, used ring 6 + 8 * N at 4 (the event words
 * counted whether or not EVENT_IDX is negotiated). */
int vq_init(struct vq *q, const struct vq_mem *mem, uint32_t size, uint64_t desc, uint64_t avail,
            uint64_t used, bool event_idx, bool indirect) {
  q->broken = true;
  q->error = VQ_ERR_PARAM;
  if (!is_pow2(size) || size > VQ_MAX_SIZE || desc % 16 || avail % 2 || used % 4)
    return VQ_ERR_PARAM;
  uint8_t *d = vq_mem_translate(mem, desc, (uint64_t)VQ_DESC_BYTES * size);
  uint8_t *a = vq_mem_translate(mem, avail, 6 + 2ull * size);
  uint8_t *u = vq_mem_translate(mem, used, 6 + 8ull * size);
  if (!d || !a || !u) {
    q->error = VQ_ERR_RANGE;
    return VQ_ERR_RANGE;
  }
  q->mem = mem;
  q->size = (uint16_t)size;
  q->event_idx = event_idx;
  q->indirect = indirect;
  q->desc = d;
  q->avail = a;
  q->used = u;
  q->last_avail = q->used_idx = q->signalled_used = q->inflight = 0;
  q->error = VQ_OK;
  q->broken = false;
  return VQ_OK;
}

static int vq_fail(struct vq *q, int err) {
  q->broken = true;
  q->error = err;
  return err;
}

void vq_break(struct vq *q, int err) { vq_fail(q, err); }

/* Walk the chain at head into c (2.7.5, 2.7.5.3): direct descriptors, at
 * most one indirect one (without NEXT, last in the chain, its table in RAM,
 * a non-zero multiple of 16 bytes, no indirect inside), at most q->size
 * buffers in all (so a loop ends as an over-long chain), every buffer in
 * RAM. Each descriptor is read once and only the copy is used. */
static int vq_walk(struct vq *q, uint16_t head, struct vq_chain *c) {
  const volatile uint8_t *table = q->desc;
  uint32_t entries = q->size;
  bool in_indirect = false;
  uint16_t i = head;
  c->head = head;
  c->n = 0;
  for (;;) {
    struct vq_desc d;
    desc_read(table + (uint32_t)VQ_DESC_BYTES * i, &d);
    if (d.flags & VQ_DESC_F_INDIRECT) {
      if (!q->indirect || in_indirect || (d.flags & VQ_DESC_F_NEXT) || !d.len ||
          d.len % VQ_DESC_BYTES)
        return VQ_ERR_INDIRECT;
      if (d.len / VQ_DESC_BYTES > q->size)
        return VQ_ERR_CHAIN;
      const uint8_t *t = vq_mem_translate(q->mem, d.addr, d.len);
      if (!t)
        return VQ_ERR_RANGE;
      table = t;
      entries = d.len / VQ_DESC_BYTES;
      in_indirect = true;
      i = 0;
      continue;
    }
    if (c->n >= q->size)
      return VQ_ERR_CHAIN;
    uint8_t *p = vq_mem_translate(q->mem, d.addr, d.len);
    if (!p)
      return VQ_ERR_RANGE;
    c->seg[c->n++] = (struct vq_seg){p, d.len, (d.flags & VQ_DESC_F_WRITE) != 0};
    if (!(d.flags & VQ_DESC_F_NEXT))
      return VQ_OK;
    if (d.next >= entries)
      return VQ_ERR_HEAD;
    i = d.next;
  }
}

/* 2.7.13 from the device's side: compare avail->idx (read once) with the
 * device's last_avail, refuse a jump of more than the queue size, then read
 * the ring entry after an acquire fence. With EVENT_IDX the device writes
 * avail_event = last_avail (2.7.10) so that the driver notifies it for the
 * next buffer, and re-reads avail->idx after a full fence before it goes
 * idle (the driver may have added a buffer without notifying). */
int vq_pop(struct vq *q, struct vq_chain *c) {
  if (q->broken)
    return VQ_ERR_BROKEN;
  if (q->inflight >= q->size)
    return 0; /* every chain is with the device: wait for pushes */
  volatile uint8_t *avail_event = q->used + 4 + 8u * q->size;
  uint16_t idx = ld16(q->avail + 2);
  if (idx == q->last_avail) {
    if (!q->event_idx)
      return 0;
    st16(avail_event, q->last_avail);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    idx = ld16(q->avail + 2);
    if (idx == q->last_avail)
      return 0;
  }
  if ((uint16_t)(idx - q->last_avail) > q->size)
    return vq_fail(q, VQ_ERR_AVAIL_IDX);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  uint16_t head = ld16(q->avail + 4 + 2u * (q->last_avail & (q->size - 1)));
  if (head >= q->size)
    return vq_fail(q, VQ_ERR_HEAD);
  int r = vq_walk(q, head, c);
  if (r != VQ_OK)
    return vq_fail(q, r);
  q->last_avail++;
  q->inflight++;
  if (q->event_idx)
    st16(avail_event, q->last_avail);
  return 1;
}

/* 2.7.8: write the used element, a release fence, then used->idx. */
int vq_push(struct vq *q, uint16_t head, uint32_t len) {
  if (q->broken)
    return VQ_ERR_BROKEN;
  if (!q->inflight || head >= q->size)
    return VQ_ERR_PUSH;
  volatile uint8_t *e = q->used + 4 + 8u * (q->used_idx & (q->size - 1));
  st32(e, head);
  st32(e + 4, len);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  q->used_idx++;
  st16(q->used + 2, q->used_idx);
  q->inflight--;
  return VQ_OK;
}

/* 2.7.7.2 / 2.7.10: with EVENT_IDX, interrupt when the used index moved past
 * the driver's used_event since the last decision; without it, unless the
 * driver set VIRTQ_AVAIL_F_NO_INTERRUPT. A full fence orders the used->idx
 * store before the read of the driver's word. */
bool vq_need_interrupt(struct vq *q) {
  if (q->broken)
    return false;
  uint16_t old = q->signalled_used, now = q->used_idx;
  if (old == now)
    return false;
  q->signalled_used = now;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (q->event_idx)
    return vring_need_event(ld16(q->avail + 4 + 2u * q->size), now, old);
  return !(ld16(q->avail) & VQ_AVAIL_F_NO_INTERRUPT);
}

const char *vq_strerror(int err) {
  switch (err) {
  case VQ_OK: return "ok";
  case VQ_ERR_PARAM: return "bad queue size or ring alignment";
  case VQ_ERR_RANGE: return "ring, table or buffer outside the VM's RAM";
  case VQ_ERR_AVAIL_IDX: return "available index moved by more than the queue size";
  case VQ_ERR_HEAD: return "descriptor index out of the table";
  case VQ_ERR_CHAIN: return "descriptor chain longer than the queue (or a loop)";
  case VQ_ERR_INDIRECT: return "bad indirect descriptor";
  case VQ_ERR_PUSH: return "device pushed a chain it does not hold";
  case VQ_ERR_BROKEN: return "queue broken by an earlier error";
  case VQ_ERR_DEVICE: return "chain the device cannot answer";
  default: return "unknown virtqueue error";
  }
}
