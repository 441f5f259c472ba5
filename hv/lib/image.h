/* Guest image parsing: ELF64 (RISC-V, executable) by its PT_LOAD segments,
 * or a raw image (a Linux RISC-V `Image`, whose header is recognised, or any
 * flat binary) placed at RAM base + 2 MiB. Images are untrusted: every
 * offset, size and address is checked, overflow included. Pure: it plans
 * the copy, the caller performs it. */
#ifndef RV_IMAGE_H
#define RV_IMAGE_H
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_SEGMENTS 16
#define IMAGE_RAW_OFFSET 0x200000UL

enum image_kind { IMAGE_ELF, IMAGE_LINUX, IMAGE_RAW };

struct image_segment {
  uint64_t offset; /* in the file */
  uint64_t filesz; /* bytes copied from the file */
  uint64_t gpa;    /* guest-physical destination */
  uint64_t memsz;  /* bytes occupied in RAM (the rest is zeroed) */
};

struct image_plan {
  enum image_kind kind;
  uint64_t entry;
  int nseg;
  struct image_segment seg[IMAGE_MAX_SEGMENTS];
};

/* Fills plan for an image of size bytes into RAM [ram_base, ram_base+ram_size).
 * Returns 0, or -1 with a one-line reason in err. */
int image_plan(const void *image, size_t size, uint64_t ram_base, uint64_t ram_size,
               struct image_plan *plan, char *err, size_t errlen);
const char *image_kind_name(enum image_kind kind);
/* Where an initramfs of size bytes goes: the highest 4 KiB-aligned place
 * that ends at or below top (the guest FDT), inside RAM from ram_base, so
 * that it stays clear of the kernel as long as RAM allows. Linux on RISC-V
 * takes it anywhere in RAM the kernel does not occupy: it reserves the
 * range /chosen/linux,initrd-start..end names before it allocates any
 * memory (arch/riscv/mm/init.c setup_bootmem(), reserve_initrd_mem()), as
 * it does the FDT at the top of RAM. Returns 0 with *gpa, or -1 with a
 * reason in err: too big for the VM's RAM, or overlapping a kernel segment. */
int image_place_initramfs(const struct image_plan *plan, uint64_t ram_base, uint64_t top,
                          uint64_t size, uint64_t *gpa, char *err, size_t errlen);
/* Do the first n bytes of a file start a kernel image, an ELF or a Linux
 * Image (not just any raw binary)? For telling a kernel disk from data. */
int image_is_kernel(const void *head, size_t n);

#endif
