/* Host tests of guest image planning (hv/lib/image.c): ELF64 files built
 * here field by field (little-endian, as the ELF header says), Linux Image
 * headers and raw binaries, each in an exactly sized allocation. */
#include "check.h"
#include "hv/lib/image.h"
#include <stdlib.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x8000000ULL /* 128 MiB */
#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define PT_LOAD 1
#define PT_NOTE 4

static void le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void le32(uint8_t *p, uint32_t v) {
  le16(p, (uint16_t)v);
  le16(p + 2, (uint16_t)(v >> 16));
}
static void le64(uint8_t *p, uint64_t v) {
  le32(p, (uint32_t)v);
  le32(p + 4, (uint32_t)(v >> 32));
}

struct phdr {
  uint32_t type, flags;
  uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Field offsets in the ELF64 header. */
enum { E_CLASS = 4, E_DATA = 5, E_TYPE = 16, E_MACHINE = 18, E_ENTRY = 24, E_PHOFF = 32 };
enum { E_PHENTSIZE = 54, E_PHNUM = 56 };

/* An ELF64 RISC-V executable of file_size bytes: header, n program headers
 * right after it, the rest filled with a pattern. */
static uint8_t *make_elf(const struct phdr *ph, int n, uint64_t entry, size_t file_size) {
  uint8_t *p = malloc(file_size);
  for (size_t i = 0; i < file_size; i++)
    p[i] = (uint8_t)(i * 7 + 1);
  memset(p, 0, EHDR_SIZE);
  memcpy(p, "\177ELF", 4);
  p[E_CLASS] = 2;           /* ELFCLASS64 */
  p[E_DATA] = 1;            /* little-endian */
  p[6] = 1;                 /* EV_CURRENT */
  le16(p + E_TYPE, 2);      /* ET_EXEC */
  le16(p + E_MACHINE, 243); /* EM_RISCV */
  le32(p + 20, 1);
  le64(p + E_ENTRY, entry);
  le64(p + E_PHOFF, EHDR_SIZE);
  le16(p + 52, EHDR_SIZE);
  le16(p + E_PHENTSIZE, PHDR_SIZE);
  le16(p + E_PHNUM, (uint16_t)n);
  for (int i = 0; i < n; i++) {
    uint8_t *q = p + EHDR_SIZE + PHDR_SIZE * i;
    le32(q, ph[i].type);
    le32(q + 4, ph[i].flags);
    le64(q + 8, ph[i].offset);
    le64(q + 16, ph[i].vaddr);
    le64(q + 24, ph[i].paddr);
    le64(q + 32, ph[i].filesz);
    le64(q + 40, ph[i].memsz);
    le64(q + 48, ph[i].align);
  }
  return p;
}

static struct phdr load(uint64_t offset, uint64_t paddr, uint64_t filesz, uint64_t memsz) {
  return (struct phdr){PT_LOAD, 5, offset, paddr, paddr, filesz, memsz, 0x1000};
}

static char err[160];

static int plan(const void *img, size_t size, struct image_plan *pl) {
  err[0] = '\0';
  return image_plan(img, size, RAM_BASE, RAM_SIZE, pl, err, sizeof(err));
}

/* Plans an ELF made of these headers (file of file_size bytes); returns the
 * result, leaving the reason in err. */
static int plan_elf(const struct phdr *ph, int n, uint64_t entry, size_t file_size,
                    struct image_plan *pl) {
  uint8_t *img = make_elf(ph, n, entry, file_size);
  int r = plan(img, file_size, pl);
  free(img);
  return r;
}

static void test_elf_valid(void) {
  struct image_plan pl;
  /* Text, a note (skipped), data with bss, an empty PT_LOAD (skipped). */
  struct phdr ph[4] = {
      load(0x1000, 0x80200000, 0x800, 0x800),
      {PT_NOTE, 4, 0x100, 0, 0, 0x20, 0x20, 4},
      load(0x1800, 0x80400000, 0x200, 0x3000),
      load(0, 0x90000000, 0, 0),
  };
  CHECK_EQ_INT(plan_elf(ph, 4, 0x80200010, 0x2000, &pl), 0);
  CHECK_STR(err, "");
  CHECK_EQ_INT(pl.kind, IMAGE_ELF);
  CHECK_STR(image_kind_name(pl.kind), "ELF");
  CHECK_EQ(pl.entry, 0x80200010);
  CHECK_EQ_INT(pl.nseg, 2);
  CHECK_EQ(pl.seg[0].offset, 0x1000);
  CHECK_EQ(pl.seg[0].filesz, 0x800);
  CHECK_EQ(pl.seg[0].gpa, 0x80200000);
  CHECK_EQ(pl.seg[0].memsz, 0x800);
  CHECK_EQ(pl.seg[1].offset, 0x1800);
  CHECK_EQ(pl.seg[1].filesz, 0x200);
  CHECK_EQ(pl.seg[1].gpa, 0x80400000);
  CHECK_EQ(pl.seg[1].memsz, 0x3000);

  /* Segments may touch; they may fill RAM to its last byte; data may end at
   * the file's last byte; the entry may be the last word of RAM. */
  struct phdr edge[3] = {
      load(0x1000, RAM_BASE, 0x1000, 0x1000),
      load(0x1000, RAM_BASE + 0x1000, 0x1000, RAM_SIZE - 0x2000),
      load(0x1F00, RAM_BASE + RAM_SIZE - 0x1000, 0x100, 0x1000),
  };
  CHECK_EQ_INT(plan_elf(edge, 3, RAM_BASE + RAM_SIZE - 4, 0x2000, &pl), 0);
  CHECK_EQ_INT(pl.nseg, 3);
  CHECK_STR(err, "");

  /* A position-independent executable (ET_DYN) is accepted too. */
  uint8_t *img = make_elf(ph, 1, 0x80200000, 0x2000);
  le16(img + E_TYPE, 3);
  CHECK_EQ_INT(plan(img, 0x2000, &pl), 0);
  free(img);

  /* IMAGE_MAX_SEGMENTS segments fit, one more does not. */
  struct phdr many[IMAGE_MAX_SEGMENTS + 1];
  for (int i = 0; i <= IMAGE_MAX_SEGMENTS; i++)
    many[i] = load(0x1000, RAM_BASE + 0x200000 + 0x10000 * (uint64_t)i, 0x100, 0x100);
  CHECK_EQ_INT(plan_elf(many, IMAGE_MAX_SEGMENTS, 0x80200000, 0x2000, &pl), 0);
  CHECK_EQ_INT(pl.nseg, IMAGE_MAX_SEGMENTS);
  CHECK_EQ_INT(plan_elf(many, IMAGE_MAX_SEGMENTS + 1, 0x80200000, 0x2000, &pl), -1);
  CHECK_CONTAINS(err, "too many");
}

static void test_elf_segments(void) {
  struct image_plan pl;
  struct phdr ph[3] = {
      load(0x1000, 0x80200000, 0x100, 0x100),
      {PT_NOTE, 4, 0x100, 0, 0, 0x20, 0x20, 4},
      load(0x1100, 0x80400000, 0x100, 0x100),
  };
  const uint64_t entry = 0x80200000;
  const size_t fsize = 0x2000;

  /* Outside RAM: the message names the segment's index in the file. */
  static const struct {
    uint64_t paddr, memsz;
  } outside[] = {
      {RAM_BASE - 0x1000, 0x100},                 /* below RAM */
      {RAM_BASE - 0x80, 0x100},                   /* straddling the start */
      {RAM_BASE + RAM_SIZE - 0x80, 0x100},        /* straddling the end */
      {RAM_BASE + RAM_SIZE, 0x100},               /* just past the end */
      {RAM_BASE + 0x1000, RAM_SIZE},              /* too big */
      {0xFFFFFFFFFFFFF000ULL, 0x2000},            /* paddr + memsz wraps */
      {RAM_BASE + 0x1000, 0xFFFFFFFFFFFFF000ULL}, /* memsz wraps */
      {0, 0x100},
  };
  for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
    ph[2].paddr = outside[i].paddr;
    ph[2].memsz = outside[i].memsz;
    ph[2].filesz = 0x100;
    CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), -1);
    CHECK_CONTAINS(err, "segment 2");
    CHECK_CONTAINS(err, "outside guest RAM");
  }
  ph[2] = load(0x1100, 0x80400000, 0x100, 0x100);

  /* filesz > memsz. */
  ph[0].filesz = 0x101;
  CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), -1);
  CHECK_CONTAINS(err, "segment 0");
  CHECK_CONTAINS(err, "file size exceeds memory size");
  ph[0].filesz = 0x100;

  /* File data outside the file. */
  static const struct {
    uint64_t offset, filesz;
  } badfile[] = {
      {0x2001, 0},                    /* offset past the end */
      {0x1F00, 0x101},                /* runs past the end */
      {0x2000, 1},                    /* starts at the end */
      {0xFFFFFFFFFFFFFF00ULL, 0x100}, /* offset + filesz wraps */
      {0x100, 0xFFFFFFFFFFFFFF80ULL},
  };
  for (size_t i = 0; i < sizeof(badfile) / sizeof(badfile[0]); i++) {
    ph[2].offset = badfile[i].offset;
    ph[2].filesz = badfile[i].filesz;
    ph[2].memsz = badfile[i].filesz > 0x100 ? badfile[i].filesz : 0x100;
    CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), -1);
    CHECK_CONTAINS(err, "segment 2");
  }
  ph[2] = load(0x1100, 0x80400000, 0x100, 0x100);
  /* An offset at the end with nothing to copy is fine (pure bss). */
  ph[2].offset = 0x2000;
  ph[2].filesz = 0;
  CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), 0);
  ph[2] = load(0x1100, 0x80400000, 0x100, 0x100);

  /* Overlapping segments, in either order, by one byte or entirely. */
  static const struct {
    uint64_t paddr, memsz;
  } overlap[] = {
      {0x802000FF, 0x100},    {0x801FFF01, 0x100}, {0x80200000, 0x100},
      {0x80100000, 0x200000}, {0x80200080, 0x10},
  };
  for (size_t i = 0; i < sizeof(overlap) / sizeof(overlap[0]); i++) {
    ph[2].paddr = overlap[i].paddr;
    ph[2].memsz = overlap[i].memsz;
    ph[2].filesz = overlap[i].memsz < 0x100 ? overlap[i].memsz : 0x100;
    CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), -1);
    CHECK_CONTAINS(err, "segment 2");
    CHECK_CONTAINS(err, "overlaps");
  }
  ph[2].paddr = 0x80200100; /* touching is fine */
  ph[2].memsz = 0x100;
  ph[2].filesz = 0x100;
  CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), 0);
  ph[2].paddr = 0x801FFF00;
  CHECK_EQ_INT(plan_elf(ph, 3, entry, fsize, &pl), 0);

  /* No PT_LOAD with memory at all. */
  struct phdr none[2] = {{PT_NOTE, 4, 0x100, 0, 0, 0x20, 0x20, 4}, load(0x1000, 0x80200000, 0, 0)};
  CHECK_EQ_INT(plan_elf(none, 2, entry, fsize, &pl), -1);
  CHECK_CONTAINS(err, "no loadable segment");
}

static void test_elf_headers(void) {
  struct image_plan pl;
  struct phdr ph[1] = {load(0x1000, 0x80200000, 0x100, 0x100)};
  const size_t fsize = 0x2000;
  uint8_t *img;

  /* Entry point outside RAM, or too close to its end for an instruction. */
  static const uint64_t entries[] = {RAM_BASE - 4, RAM_BASE + RAM_SIZE, RAM_BASE + RAM_SIZE - 2, 0,
                                     UINT64_MAX - 1};
  for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
    CHECK_EQ_INT(plan_elf(ph, 1, entries[i], fsize, &pl), -1);
    CHECK_CONTAINS(err, "entry point");
  }

  /* Header fields, one at a time. */
  static const struct {
    int off, width;
    uint64_t value;
    const char *msg;
  } bad[] = {
      {E_CLASS, 1, 1, "not a 64-bit ELF"},
      {E_CLASS, 1, 0, "not a 64-bit ELF"},
      {E_DATA, 1, 2, "not a little-endian ELF"},
      {E_MACHINE, 2, 62, "not for RISC-V"}, /* x86-64 */
      {E_MACHINE, 2, 0xF3 << 8, "not for RISC-V"},
      {E_TYPE, 2, 1, "not an executable"}, /* ET_REL */
      {E_TYPE, 2, 4, "not an executable"}, /* ET_CORE */
      {E_PHENTSIZE, 2, 32, "program header size"},
      {E_PHENTSIZE, 2, 57, "program header size"},
      {E_PHNUM, 2, 0, "no program headers"},
      {E_PHNUM, 2, 0xFFFF, "outside the file"}, /* 0xFFFF * 56 bytes */
      {E_PHNUM, 2, (fsize - EHDR_SIZE) / PHDR_SIZE + 1, "outside the file"},
      {E_PHOFF, 8, fsize, "outside the file"},
      {E_PHOFF, 8, fsize - PHDR_SIZE + 1, "outside the file"},
      {E_PHOFF, 8, fsize + 1, "outside the file"},
      {E_PHOFF, 8, 0xFFFFFFFFFFFFFFF0ULL, "outside the file"},
      {E_PHOFF, 8, UINT64_MAX, "outside the file"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    img = make_elf(ph, 1, 0x80200000, fsize);
    if (bad[i].width == 1)
      img[bad[i].off] = (uint8_t)bad[i].value;
    else if (bad[i].width == 2)
      le16(img + bad[i].off, (uint16_t)bad[i].value);
    else
      le64(img + bad[i].off, bad[i].value);
    CHECK_EQ_INT(plan(img, fsize, &pl), -1);
    CHECK_CONTAINS(err, bad[i].msg);
    free(img);
  }
  /* Program headers ending exactly at the end of the file are fine. */
  img = make_elf(ph, 1, 0x80200000, fsize);
  memcpy(img + fsize - PHDR_SIZE, img + EHDR_SIZE, PHDR_SIZE);
  le64(img + E_PHOFF, fsize - PHDR_SIZE);
  CHECK_EQ_INT(plan(img, fsize, &pl), 0);
  free(img);

  /* Truncated: every length shorter than the header (and a 52-byte ELF32 header). */
  img = make_elf(ph, 1, 0x80200000, fsize);
  for (size_t n = 4; n < EHDR_SIZE; n++) {
    uint8_t *t = malloc(n);
    memcpy(t, img, n);
    CHECK_EQ_INT(plan(t, n, &pl), -1);
    CHECK_CONTAINS(err, "truncated");
    free(t);
  }
  /* ... and every length that cuts the program headers or the data. */
  int bad_cuts = 0;
  for (size_t n = EHDR_SIZE; n < 0x1100; n++) {
    uint8_t *t = malloc(n);
    memcpy(t, img, n);
    if (plan(t, n, &pl) != -1)
      bad_cuts++;
    free(t);
  }
  CHECK_EQ_INT(bad_cuts, 0);
  free(img);

  CHECK_EQ_INT(plan("", 0, &pl), -1);
  CHECK_CONTAINS(err, "empty");
}

/* A Linux RISC-V Image header (Documentation/riscv/boot-image-header.rst). */
static uint8_t *make_linux(size_t file_size, uint64_t image_size, int magic, int magic2) {
  uint8_t *p = calloc(1, file_size);
  le32(p, 0x0000006f);   /* code0: j . (anything) */
  le64(p + 8, 0x200000); /* text_offset */
  le64(p + 16, image_size);
  le32(p + 32, 2); /* version 0.2 */
  if (magic)
    memcpy(p + 48, "RISCV\0\0\0", 8);
  if (magic2)
    memcpy(p + 56, "RSC\x05", 4);
  return p;
}

static void test_linux_and_raw(void) {
  struct image_plan pl;
  const uint64_t load_at = RAM_BASE + IMAGE_RAW_OFFSET;

  /* image_size (bss included) bigger than the file. */
  uint8_t *img = make_linux(0x1000, 0x10000, 1, 1);
  CHECK_EQ_INT(plan(img, 0x1000, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_LINUX);
  CHECK_STR(image_kind_name(pl.kind), "Linux Image");
  CHECK_EQ_INT(pl.nseg, 1);
  CHECK_EQ(pl.seg[0].offset, 0);
  CHECK_EQ(pl.seg[0].filesz, 0x1000);
  CHECK_EQ(pl.seg[0].memsz, 0x10000);
  CHECK_EQ(pl.seg[0].gpa, load_at);
  CHECK_EQ(pl.entry, load_at);
  free(img);
  /* Either magic is enough; image_size smaller than the file is ignored. */
  img = make_linux(0x1000, 0x10, 1, 0);
  CHECK_EQ_INT(plan(img, 0x1000, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_LINUX);
  CHECK_EQ(pl.seg[0].memsz, 0x1000);
  free(img);
  img = make_linux(0x1000, 0x2000, 0, 1);
  CHECK_EQ_INT(plan(img, 0x1000, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_LINUX);
  CHECK_EQ(pl.seg[0].memsz, 0x2000);
  free(img);
  /* The magic at the wrong place is a raw binary. */
  img = make_linux(0x1000, 0x2000, 0, 0);
  memcpy(img + 40, "RISCV\0\0\0", 8);
  CHECK_EQ_INT(plan(img, 0x1000, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_RAW);
  CHECK_EQ(pl.seg[0].memsz, 0x1000);
  free(img);
  /* image_size that does not fit, including one that would wrap. */
  static const uint64_t sizes[] = {RAM_SIZE - IMAGE_RAW_OFFSET + 1, RAM_SIZE, UINT64_MAX,
                                   0x8000000000000000ULL};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    img = make_linux(0x1000, sizes[i], 1, 1);
    CHECK_EQ_INT(plan(img, 0x1000, &pl), -1);
    CHECK_CONTAINS(err, "Linux Image");
    CHECK_CONTAINS(err, "does not fit");
    free(img);
  }
  img = make_linux(0x1000, RAM_SIZE - IMAGE_RAW_OFFSET, 1, 1); /* exactly fits */
  CHECK_EQ_INT(plan(img, 0x1000, &pl), 0);
  free(img);
  /* A header-sized file with the magic, and one byte short of a header (raw). */
  img = make_linux(64, 0, 1, 1);
  CHECK_EQ_INT(plan(img, 64, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_LINUX);
  CHECK_EQ_INT(plan(img, 63, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_RAW);
  free(img);

  /* Raw binaries. */
  uint8_t raw[100] = {0x13};
  CHECK_EQ_INT(plan(raw, sizeof(raw), &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_RAW);
  CHECK_STR(image_kind_name(pl.kind), "raw binary");
  CHECK_EQ_INT(pl.nseg, 1);
  CHECK_EQ(pl.seg[0].filesz, 100);
  CHECK_EQ(pl.seg[0].memsz, 100);
  CHECK_EQ(pl.seg[0].gpa, load_at);
  CHECK_EQ(pl.entry, load_at);
  /* "\177EL" is not ELF. */
  CHECK_EQ_INT(plan("\177EL", 3, &pl), 0);
  CHECK_EQ_INT(pl.kind, IMAGE_RAW);
  /* Too big for RAM: 4 MiB of RAM leaves 2 MiB above the load offset. */
  const uint64_t small = 4ULL << 20;
  size_t big = (size_t)(small - IMAGE_RAW_OFFSET);
  uint8_t *b = calloc(1, big + 1);
  CHECK_EQ_INT(image_plan(b, big, RAM_BASE, small, &pl, err, sizeof(err)), 0);
  CHECK_EQ_INT(image_plan(b, big + 1, RAM_BASE, small, &pl, err, sizeof(err)), -1);
  CHECK_CONTAINS(err, "raw binary of 2097153 bytes does not fit in 4 MiB");
  /* RAM smaller than the load offset. */
  CHECK_EQ_INT(image_plan(b, 16, RAM_BASE, IMAGE_RAW_OFFSET - 0x1000, &pl, err, sizeof(err)), -1);
  CHECK_CONTAINS(err, "does not fit");
  CHECK_EQ_INT(image_plan(b, 16, RAM_BASE, IMAGE_RAW_OFFSET, &pl, err, sizeof(err)), -1);
  free(b);
}

static void test_error_buffer(void) {
  struct image_plan pl;
  struct phdr ph[2] = {load(0x1000, 0x80200000, 0x100, 0x100),
                       load(0x1000, 0x70000000, 0x100, 0x100)};
  uint8_t *img = make_elf(ph, 2, 0x80200000, 0x2000);
  char small[12];
  memset(small, 'x', sizeof(small));
  CHECK_EQ_INT(image_plan(img, 0x2000, RAM_BASE, RAM_SIZE, &pl, small, sizeof(small)), -1);
  CHECK_STR(small, "ELF segment");
  /* No room for a message at all. */
  CHECK_EQ_INT(image_plan(img, 0x2000, RAM_BASE, RAM_SIZE, &pl, NULL, 0), -1);
  free(img);
}

/* Telling a kernel disk from a data disk by its first bytes. */
static void test_is_kernel(void) {
  uint8_t *img = make_linux(0x1000, 0x10000, 1, 0);
  CHECK(image_is_kernel(img, 0x1000));
  CHECK(image_is_kernel(img, 64)); /* the header is enough */
  CHECK(!image_is_kernel(img, 63));
  free(img);
  img = make_linux(0x1000, 0x10000, 0, 1);
  CHECK(image_is_kernel(img, 0x1000));
  free(img);
  img = make_linux(0x1000, 0x10000, 0, 0);
  CHECK(!image_is_kernel(img, 0x1000));
  free(img);
  CHECK(image_is_kernel("\177ELF", 4));
  CHECK(!image_is_kernel("\177ELF", 3));
  CHECK(!image_is_kernel("\177ELG", 4));
  static const uint8_t zeros[4096];
  CHECK(!image_is_kernel(zeros, sizeof(zeros)));
  CHECK(!image_is_kernel(zeros, 0));
}

/* image_place_initramfs: the highest 4 KiB-aligned place below top, clear
 * of every kernel segment; the two named errors; no overflow near the ends. */
static void test_place_initramfs(void) {
  char err[200];
  uint64_t gpa = 1, top = RAM_BASE + RAM_SIZE - 0x10000; /* below a 64 KiB FDT */
  struct image_plan plan = {.kind = IMAGE_LINUX, .entry = RAM_BASE + 0x200000, .nseg = 1};
  plan.seg[0] = (struct image_segment){0, 0x200000, RAM_BASE + 0x200000, 0x300000};
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, top, 425984, &gpa, err, sizeof(err)), 0);
  CHECK_EQ(gpa, (top - 425984) & ~0xfffULL);
  CHECK(gpa + 425984 <= top && (gpa & 0xfff) == 0);
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, top, 1, &gpa, err, sizeof(err)), 0);
  CHECK_EQ(gpa, top - 0x1000);
  /* Exactly up to the kernel's end fits; one page more overlaps it. */
  uint64_t fit = top - (RAM_BASE + 0x500000);
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, top, fit, &gpa, err, sizeof(err)), 0);
  CHECK_EQ(gpa, RAM_BASE + 0x500000);
  gpa = 7;
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, top, fit + 1, &gpa, err, sizeof(err)), -1);
  CHECK(strstr(err, "overlaps the kernel (0x80200000-0x80500000)") != NULL);
  CHECK_EQ(gpa, 7); /* untouched on failure */
  /* Bigger than all the RAM below the FDT. */
  CHECK_EQ_INT(
      image_place_initramfs(&plan, RAM_BASE, top, top - RAM_BASE + 1, &gpa, err, sizeof(err)), -1);
  CHECK(strstr(err, "too big for the VM's RAM") != NULL);
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, top, UINT64_MAX, &gpa, err, sizeof(err)), -1);
  CHECK(strstr(err, "too big for the VM's RAM") != NULL);
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, top, 0, &gpa, err, sizeof(err)), -1);
  CHECK(strstr(err, "empty") != NULL);
  CHECK_EQ_INT(image_place_initramfs(&plan, RAM_BASE, RAM_BASE, 1, &gpa, err, sizeof(err)), -1);
  /* All the room there is, with no kernel segment in the way (an ELF far up). */
  struct image_plan elf = {.kind = IMAGE_ELF, .nseg = 2};
  elf.seg[0] = (struct image_segment){0x1000, 0x1000, RAM_BASE, 0x1000};
  elf.seg[1] = (struct image_segment){0x2000, 0x1000, top - 0x2000, 0x1000};
  CHECK_EQ_INT(image_place_initramfs(&elf, RAM_BASE, top, 0x1000, &gpa, err, sizeof(err)), 0);
  CHECK_EQ(gpa, top - 0x1000);
  CHECK_EQ_INT(image_place_initramfs(&elf, RAM_BASE, top, 0x1001, &gpa, err, sizeof(err)), -1);
  CHECK(strstr(err, "overlaps the kernel") != NULL);
}

int main(void) {
  test_place_initramfs();
  test_is_kernel();
  test_elf_valid();
  test_elf_segments();
  test_elf_headers();
  test_linux_and_raw();
  test_error_buffer();
  return check_report("image");
}
