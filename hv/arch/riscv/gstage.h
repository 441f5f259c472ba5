/* G-stage (guest-physical to host-physical) page tables in Sv39x4 format
 * (privileged spec, H extension, "Two-Stage Address Translation"):
 *
 *   guest physical address (41 bits)
 *   40        30 29      21 20      12 11          0
 *   | VPN[2]:11 | VPN[1]:9 | VPN[0]:9 |  offset:12  |
 *
 * The root table has 2^11 entries (16 KiB, 16 KiB aligned); the lower levels
 * are ordinary 4 KiB tables. Leaves are 4 KiB pages, 2 MiB megapages or
 * 1 GiB gigapages; every leaf has U set (G-stage accesses are user-level).
 * Tables are addressed by their host-physical address, which in the
 * hypervisor (satp = Bare) is also their pointer. */
#ifndef RV_GSTAGE_H
#define RV_GSTAGE_H
#include <stdint.h>

#define GSTAGE_ROOT_SIZE 16384UL
#define GSTAGE_GPA_BITS 41
#define GSTAGE_READ 1U
#define GSTAGE_WRITE 2U
#define GSTAGE_EXEC 4U
#define GSTAGE_RWX 7U

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

enum {
  GSTAGE_OK = 0,
  GSTAGE_ERR_ALIGN = -1,  /* gpa, hpa or size not 4 KiB aligned */
  GSTAGE_ERR_RANGE = -2,  /* beyond the 41-bit guest-physical space */
  GSTAGE_ERR_EXISTS = -3, /* overlaps a mapping */
  GSTAGE_ERR_NOMEM = -4,  /* table allocation failed */
  GSTAGE_ERR_PERM = -5,   /* no permission given */
  GSTAGE_ERR_UNMAPPED = -6,
};

struct gstage {
  uint64_t *root;
  /* Returns a zeroed, 4 KiB aligned 4 KiB table, or NULL. */
  void *(*alloc_table)(void *ctx);
  void *ctx;
};

int gstage_map(struct gstage *gs, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms);
int gstage_translate(const struct gstage *gs, uint64_t gpa, uint64_t *hpa, unsigned *perms);
/* Free every table below the root through free_table (the root itself is
 * the caller's), leaving an empty root: nothing is mapped any more. */
void gstage_destroy(struct gstage *gs, void (*free_table)(void *ctx, void *table));
/* hgatp value for this table with the given VMID. */
uint64_t gstage_hgatp(const struct gstage *gs, unsigned vmid);

#endif
