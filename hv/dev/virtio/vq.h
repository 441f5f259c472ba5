/* Split virtqueue, device side (virtio 1.2, section 2.7), over one VM's RAM:
 * pop the next available chain as a bounded list of host segments, every
 * address and length checked against the RAM block first; push used
 * elements; decide whether the driver wants an interrupt (EVENT_IDX or
 * VIRTQ_AVAIL_F_NO_INTERRUPT). Pure: no MMIO, no globals, no allocation.
 *
 * The rings are guest memory: each index, ring entry and descriptor is read
 * once into a local and only the local is checked and used (the guest may
 * rewrite it concurrently). A structural error (a bad head, a descriptor
 * outside RAM, a loop, an avail index that jumps) marks the queue broken:
 * it pops and pushes nothing more, and its transport sets
 * DEVICE_NEEDS_RESET (2.1.1).
 *
 * Not locked: a queue is driven by one caller at a time (its device's lock). */
#ifndef RV_VIRTIO_VQ_H
#define RV_VIRTIO_VQ_H
#include <stdbool.h>
#include <stdint.h>

/* 2.7.5 descriptor flags; 2.7.6 / 2.7.8 ring flags. */
#define VQ_DESC_F_NEXT 1u
#define VQ_DESC_F_WRITE 2u
#define VQ_DESC_F_INDIRECT 4u
#define VQ_AVAIL_F_NO_INTERRUPT 1u
#define VQ_USED_F_NO_NOTIFY 1u

/* Largest queue the device side offers (QueueNumMax): per-queue state and
 * the segment list of a chain are sized by it. */
#define VQ_MAX_SIZE 256u
#define VQ_DESC_BYTES 16u

enum {
  VQ_OK = 0,
  VQ_ERR_PARAM = -1,     /* queue size or ring alignment invalid */
  VQ_ERR_RANGE = -2,     /* a ring, table or buffer not wholly inside RAM */
  VQ_ERR_AVAIL_IDX = -3, /* avail->idx moved by more than the queue size */
  VQ_ERR_HEAD = -4,      /* avail ring entry or next index out of the table */
  VQ_ERR_CHAIN = -5,     /* chain longer than the queue (or a loop) */
  VQ_ERR_INDIRECT = -6,  /* indirect not negotiated, nested, with NEXT, bad length */
  VQ_ERR_PUSH = -7,      /* the device pushed more than it popped (its own bug) */
  VQ_ERR_BROKEN = -8,    /* an earlier error: nothing more until reset */
  VQ_ERR_DEVICE = -9,    /* the device found a chain it cannot answer at all */
};

/* The VM's RAM: guest-physical [base, base + size) is host memory at hva. */
struct vq_mem {
  uint64_t base, size;
  uint8_t *hva;
};

/* One buffer of a chain, translated. */
struct vq_seg {
  uint8_t *hva;
  uint32_t len;
  bool writable; /* VQ_DESC_F_WRITE: the device writes it */
};

/* A popped chain: its head (the id for vq_push) and its buffers in order. */
struct vq_chain {
  uint16_t head;
  uint16_t n;
  struct vq_seg seg[VQ_MAX_SIZE];
};

/* Device-side state of one queue. The ring pointers point into guest RAM;
 * everything the device relies on (its indices) is kept here. */
struct vq {
  const struct vq_mem *mem;
  uint16_t size;
  bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
  bool indirect;  /* VIRTIO_F_INDIRECT_DESC negotiated */
  bool broken;
  int error;               /* the VQ_ERR_ that broke it */
  volatile uint8_t *desc;  /* 16 * size bytes */
  volatile uint8_t *avail; /* flags, idx, ring[size], used_event */
  volatile uint8_t *used;  /* flags, idx, ring[size] {id, len}, avail_event */
  uint16_t last_avail;     /* next avail ring slot to take */
  uint16_t used_idx;       /* the device's copy of used->idx */
  uint16_t signalled_used; /* used_idx when an interrupt was last decided */
  uint16_t inflight;       /* chains popped and not yet pushed */
};

/* Translate [gpa, gpa + len) to a host pointer, or NULL if any byte of it
 * lies outside RAM (overflow-checked; len 0 needs gpa inside or at the end). */
uint8_t *vq_mem_translate(const struct vq_mem *m, uint64_t gpa, uint64_t len);

/* Set q up over the three areas the driver gave (QueueDesc, QueueDriver,
 * QueueDevice): size a power of two in 1..VQ_MAX_SIZE, the areas aligned as
 * 2.7 requires (16, 2, 4) and wholly in RAM. VQ_OK or VQ_ERR_PARAM/RANGE. */
int vq_init(struct vq *q, const struct vq_mem *mem, uint32_t size, uint64_t desc, uint64_t avail,
            uint64_t used, bool event_idx, bool indirect);

/* Take the next available chain into *c: 1 when one was taken, 0 when the
 * ring is empty, or a VQ_ERR_ (then the queue is broken). */
int vq_pop(struct vq *q, struct vq_chain *c);

/* Return chain head to the driver with len bytes written (2.7.8). */
int vq_push(struct vq *q, uint16_t head, uint32_t len);

/* The device cannot go on with this queue (a chain it cannot even answer,
 * such as a request without a status byte): mark it broken with err. */
void vq_break(struct vq *q, int err);

/* After pushes: whether the driver asked to be interrupted for them. */
bool vq_need_interrupt(struct vq *q);

/* 2.7.10: whether moving an index from old to new_idx crosses event. */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old) {
  return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

const char *vq_strerror(int err);

#endif
