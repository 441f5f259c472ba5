#include "image.h"
#include "printf.h"
#include <string.h>

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_RISCV 243
#define PT_LOAD 1

struct elf64_ehdr {
  uint8_t e_ident[EI_NIDENT];
  uint16_t e_type, e_machine;
  uint32_t e_version;
  uint64_t e_entry, e_phoff, e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
  uint32_t p_type, p_flags;
  uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* Linux RISC-V boot image header (Documentation/riscv/boot-image-header.rst). */
struct linux_image_hdr {
  uint32_t code0, code1;
  uint64_t text_offset, image_size, flags;
  uint32_t version, res1;
  uint64_t res2, magic;
  uint32_t magic2, res3;
};
#define LINUX_MAGIC 0x5643534952ULL /* "RISCV\0\0\0" */
#define LINUX_MAGIC2 0x05435352U    /* "RSC\x05" */

const char *image_kind_name(enum image_kind kind) {
  switch (kind) {
  case IMAGE_ELF: return "ELF";
  case IMAGE_LINUX: return "Linux Image";
  default: return "raw binary";
  }
}

static int fail(char *err, size_t errlen, const char *msg, int seg, uint64_t a, uint64_t b) {
  if (seg >= 0)
    rv_snprintf(err, errlen, "ELF segment %d: %s (0x%lx..0x%lx)", seg, msg, (unsigned long)a,
                (unsigned long)b);
  else
    rv_snprintf(err, errlen, "%s", msg);
  return -1;
}

/* Is [gpa, gpa+len) inside RAM? Written to be immune to overflow. */
static int in_ram(uint64_t gpa, uint64_t len, uint64_t base, uint64_t size) {
  return gpa >= base && gpa - base <= size && len <= size - (gpa - base);
}

static int plan_elf(const uint8_t *img, size_t size, uint64_t base, uint64_t ram,
                    struct image_plan *plan, char *err, size_t errlen) {
  struct elf64_ehdr eh;
  if (size < sizeof(eh))
    return fail(err, errlen, "ELF header truncated", -1, 0, 0);
  memcpy(&eh, img, sizeof(eh));
  if (eh.e_ident[4] != ELFCLASS64)
    return fail(err, errlen, "not a 64-bit ELF", -1, 0, 0);
  if (eh.e_ident[5] != ELFDATA2LSB)
    return fail(err, errlen, "not a little-endian ELF", -1, 0, 0);
  if (eh.e_machine != EM_RISCV)
    return fail(err, errlen, "ELF is not for RISC-V", -1, 0, 0);
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
    return fail(err, errlen, "ELF is not an executable", -1, 0, 0);
  if (eh.e_phentsize != sizeof(struct elf64_phdr))
    return fail(err, errlen, "ELF program header size is not 56", -1, 0, 0);
  if (eh.e_phnum == 0)
    return fail(err, errlen, "ELF has no program headers", -1, 0, 0);
  if (eh.e_phoff > size || (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr) > size - eh.e_phoff)
    return fail(err, errlen, "ELF program headers lie outside the file", -1, 0, 0);
  plan->kind = IMAGE_ELF;
  plan->nseg = 0;
  for (int i = 0; i < eh.e_phnum; i++) {
    struct elf64_phdr ph;
    memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
      continue;
    if (ph.p_filesz > ph.p_memsz)
      return fail(err, errlen, "file size exceeds memory size", i, ph.p_filesz, ph.p_memsz);
    if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
      return fail(err, errlen, "file data lies outside the image", i, ph.p_offset,
                  ph.p_offset + ph.p_filesz);
    if (!in_ram(ph.p_paddr, ph.p_memsz, base, ram))
      return fail(err, errlen, "outside guest RAM", i, ph.p_paddr, ph.p_paddr + ph.p_memsz);
    if (plan->nseg == IMAGE_MAX_SEGMENTS)
      return fail(err, errlen, "too many PT_LOAD segments", -1, 0, 0);
    for (int j = 0; j < plan->nseg; j++) {
      const struct image_segment *o = &plan->seg[j];
      if (ph.p_paddr < o->gpa + o->memsz && o->gpa < ph.p_paddr + ph.p_memsz)
        return fail(err, errlen, "overlaps another segment", i, ph.p_paddr,
                    ph.p_paddr + ph.p_memsz);
    }
    plan->seg[plan->nseg++] =
        (struct image_segment){ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz};
  }
  if (plan->nseg == 0)
    return fail(err, errlen, "ELF has no loadable segment", -1, 0, 0);
  plan->entry = eh.e_entry;
  if (!in_ram(plan->entry, 4, base, ram)) {
    rv_snprintf(err, errlen, "ELF entry point 0x%lx is outside guest RAM",
                (unsigned long)plan->entry);
    return -1;
  }
  return 0;
}

int image_is_kernel(const void *head, size_t n) {
  struct linux_image_hdr lh;
  if (n >= 4 && memcmp(head, "\177ELF", 4) == 0)
    return 1;
  if (n < sizeof(lh))
    return 0;
  memcpy(&lh, head, sizeof(lh));
  return lh.magic == LINUX_MAGIC || lh.magic2 == LINUX_MAGIC2;
}

int image_plan(const void *image, size_t size, uint64_t ram_base, uint64_t ram_size,
               struct image_plan *plan, char *err, size_t errlen) {
  const uint8_t *img = image;
  if (size == 0)
    return fail(err, errlen, "image is empty", -1, 0, 0);
  if (size >= 4 && memcmp(img, "\177ELF", 4) == 0)
    return plan_elf(img, size, ram_base, ram_size, plan, err, errlen);

  uint64_t memsz = size;
  plan->kind = IMAGE_RAW;
  struct linux_image_hdr lh;
  if (size >= sizeof(lh)) {
    memcpy(&lh, img, sizeof(lh));
    if (lh.magic == LINUX_MAGIC || lh.magic2 == LINUX_MAGIC2) {
      plan->kind = IMAGE_LINUX;
      if (lh.image_size > memsz)
        memsz = lh.image_size; /* includes bss */
    }
  }
  uint64_t gpa = ram_base + IMAGE_RAW_OFFSET;
  if (ram_size < IMAGE_RAW_OFFSET || !in_ram(gpa, memsz, ram_base, ram_size)) {
    rv_snprintf(err, errlen, "%s of %lu bytes does not fit in %lu MiB of guest RAM",
                image_kind_name(plan->kind), (unsigned long)memsz, (unsigned long)(ram_size >> 20));
    return -1;
  }
  plan->nseg = 1;
  plan->seg[0] = (struct image_segment){0, size, gpa, memsz};
  plan->entry = gpa;
  return 0;
}

int image_place_initramfs(const struct image_plan *plan, uint64_t ram_base, uint64_t top,
                          uint64_t size, uint64_t *gpa, char *err, size_t errlen) {
  uint64_t room = top > ram_base ? (top - ram_base) & ~0xfffULL : 0;
  if (size == 0 || size > room) {
    rv_snprintf(err, errlen,
                size ? "initramfs of %lu KiB is too big for the VM's RAM (%lu KiB below the guest "
                       "FDT): give the VM more memory"
                     : "initramfs is empty (%lu bytes; %lu KiB of room)",
                (unsigned long)(size ? (size + 1023) >> 10 : 0), (unsigned long)(room >> 10));
    return -1;
  }
  uint64_t start = (top - size) & ~0xfffULL;
  for (int i = 0; i < plan->nseg; i++) {
    const struct image_segment *s = &plan->seg[i];
    if (s->gpa < start + size && start < s->gpa + s->memsz) {
      rv_snprintf(err, errlen,
                  "initramfs of %lu KiB at 0x%lx-0x%lx overlaps the kernel (0x%lx-0x%lx): give "
                  "the VM more memory",
                  (unsigned long)((size + 1023) >> 10), (unsigned long)start,
                  (unsigned long)(start + size), (unsigned long)s->gpa,
                  (unsigned long)(s->gpa + s->memsz));
      return -1;
    }
  }
  *gpa = start;
  return 0;
}
