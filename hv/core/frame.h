/* Host frames for the hypervisor's own use (page tables, guest RAM), from
 * the allocator over the RAM that the FDT describes minus everything that
 * is reserved. Locked: callable from any hart. */
#ifndef RV_FRAME_H
#define RV_FRAME_H
#include <stdint.h>

void frame_init(void);
/* Zeroed, aligned block of size bytes; 0 when memory is exhausted. */
uint64_t frame_alloc(uint64_t size, uint64_t align);
void frame_free(uint64_t addr, uint64_t size);
uint64_t frame_free_bytes(void);
/* gstage alloc_table callback: one zeroed 4 KiB table. */
void *frame_alloc_table(void *ctx);
/* gstage_destroy callback: one table back. */
void frame_free_table(void *ctx, void *table);

#endif
