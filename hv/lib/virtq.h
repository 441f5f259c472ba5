/* Split virtqueue, driver side (virtio 1.1, section 2.6): ring layout for the
 * legacy (one block, used ring at QueueAlign) and modern (three areas)
 * interfaces, descriptor chains, the available ring and a used ring reader
 * that trusts nothing the device writes. Pure: no MMIO, no globals; the
 * caller supplies the memory and a fence hook, so it runs on the host too.
 *
 * Ring fields are little-endian (modern) or guest-native (legacy); both are
 * little-endian on RISC-V and on the hosts that run the unit tests.
 * Not locked: a queue belongs to one driver instance on one hart. */
#ifndef RV_VIRTQ_H
#define RV_VIRTQ_H
#include <stdbool.h>
#include <stdint.h>

/* 2.6.5 descriptor flags; 2.6.6 / 2.6.8 ring flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Largest split queue the spec allows (2.6: Queue Size <= 32768) and the
 * largest this driver tracks (private per-descriptor state is sized by it). */
#define VIRTQ_SPEC_MAX_SIZE 32768u
#define VIRTQ_MAX_SIZE 256u

/* Modern alignments (2.6, table "Virtqueue Part Alignment"). */
#define VIRTQ_DESC_ALIGN 16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN 4u

enum {
  VIRTQ_OK = 0,
  VIRTQ_ERR_PARAM = -1,        /* bad size/alignment/buffer list from the caller */
  VIRTQ_ERR_FULL = -2,         /* not enough free descriptors */
  VIRTQ_ERR_USED_IDX = -3,     /* used->idx claims more completions than are in flight */
  VIRTQ_ERR_USED_ID = -4,      /* used element id out of range */
  VIRTQ_ERR_NOT_INFLIGHT = -5, /* used element id names no chain the driver made available */
  VIRTQ_ERR_USED_LEN = -6,     /* used length larger than the chain's device-writable bytes */
  VIRTQ_ERR_BROKEN = -7,       /* an earlier error: the queue needs a device reset */
};

/* 2.6.5 The Virtqueue Descriptor Table. */
struct virtq_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

/* 2.6.8 The Virtqueue Used Ring element. */
struct virtq_used_elem {
  uint32_t id;
  uint32_t len;
};

/* Where the three parts lie, as byte offsets from the start of one block,
 * and how big each is (including the event-index words, always reserved). */
struct virtq_layout {
  uint32_t size; /* queue size (number of descriptors) */
  uint64_t desc_off, desc_bytes;
  uint64_t avail_off, avail_bytes;
  uint64_t used_off, used_bytes;
  uint64_t total; /* bytes of the block */
};

/* One buffer of a chain, by device (physical) address. */
struct virtq_buf {
  uint64_t addr;
  uint32_t len;
  bool device_writes; /* VIRTQ_DESC_F_WRITE: the device writes it */
};

/* Which ordering the queue needs at a point (2.6.13.6 and 2.6.14): PUBLISH
 * before avail->idx is written (descriptors and ring entry visible first);
 * CONSUME after used->idx is read and before the element is. */
enum virtq_fence { VIRTQ_FENCE_PUBLISH, VIRTQ_FENCE_CONSUME };
typedef void (*virtq_fence_fn)(enum virtq_fence kind, void *ctx);

/* Driver state. The rings live in device-visible memory; everything the
 * driver relies on (free list, chain lengths) is kept here, privately, so a
 * device that scribbles on the rings cannot corrupt it. */
struct virtq {
  uint16_t size;
  volatile struct virtq_desc *desc;
  volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
  volatile uint8_t *used;   /* flags, idx, ring[size] of virtq_used_elem, avail_event */
  uint64_t desc_addr, avail_addr, used_addr; /* device addresses of the parts */
  uint16_t free_head, num_free;
  uint16_t avail_idx; /* the driver's copy of avail->idx */
  uint16_t last_used; /* next used->ring slot to consume */
  uint16_t inflight;  /* chains made available and not yet used */
  bool broken;
  virtq_fence_fn fence;
  void *fence_ctx;
  uint16_t next[VIRTQ_MAX_SIZE];       /* private chain links / free list */
  uint16_t chain_len[VIRTQ_MAX_SIZE];  /* at a head: descriptors in its chain */
  uint32_t chain_wlen[VIRTQ_MAX_SIZE]; /* at a head: device-writable bytes */
  bool head_inflight[VIRTQ_MAX_SIZE];
};

/* Layouts: 0 or VIRTQ_ERR_PARAM (size not a power of two in 1..32768, or a
 * legacy alignment that is not a power of two). */
int virtq_layout_legacy(uint32_t size, uint32_t align, struct virtq_layout *l);
int virtq_layout_modern(uint32_t size, struct virtq_layout *l);

/* Set up q over mem (l->total bytes, zeroed by the caller, at device address
 * mem_addr, aligned as the layout needs). size must be <= VIRTQ_MAX_SIZE. */
int virtq_init(struct virtq *q, const struct virtq_layout *l, void *mem, uint64_t mem_addr,
               virtq_fence_fn fence, void *fence_ctx);
/* Ask the device not to interrupt on used buffers (a polling driver). */
void virtq_disable_interrupts(struct virtq *q);
/* Let the device interrupt on used buffers again (an interrupt-driven driver). */
void virtq_enable_interrupts(struct virtq *q);
/* Publish one ring descriptor that points at an indirect table of n
 * descriptors the caller filled at device address table_addr, with wlen
 * device-writable bytes in all (for the used-length check). */
int virtq_add_indirect(struct virtq *q, uint64_t table_addr, unsigned n, uint32_t wlen,
                       uint16_t *head);
/* Put a chain of n buffers in the descriptor table and publish its head in
 * the available ring; *head receives the chain's id. The caller notifies. */
int virtq_add_chain(struct virtq *q, const struct virtq_buf *bufs, unsigned n, uint16_t *head);
/* Take one completion: 1 with *head and *len set, 0 when there is none, or a
 * VIRTQ_ERR_ value (then the queue is broken until virtq_init again). */
int virtq_poll_used(struct virtq *q, uint16_t *head, uint32_t *len);
const char *virtq_strerror(int err);

#endif
