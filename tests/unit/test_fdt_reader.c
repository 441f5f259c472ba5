/* Host tests of the FDT reader (hv/lib/fdt.c): blobs compiled by dtc from
 * tests/unit/dts/, cross-checked against libfdt, and hostile blobs built
 * here, each in an exactly sized allocation so that AddressSanitizer catches
 * any read outside the blob. */
#include "check.h"
#include "hv/lib/fdt.h"
#include <libfdt.h>
#include <limits.h>
#include <stdlib.h>

#ifndef RV_DTB_DIR
#error "RV_DTB_DIR must name the directory of the compiled .dtb files"
#endif

static void *load_dtb(const char *name, size_t *size) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s.dtb", RV_DTB_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc((size_t)n);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

/* An exactly sized copy of the first n bytes of blob (at least one byte is
 * allocated so that n == 0 still gives a distinct pointer). */
static uint8_t *copy_exact(const void *blob, size_t n) {
  uint8_t *p = malloc(n ? n : 1);
  memcpy(p, blob, n);
  return p;
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v) {
  put_be32(p, (uint32_t)(v >> 32));
  put_be32(p + 4, (uint32_t)v);
}

enum { HDR_TOTALSIZE = 4, HDR_OFF_STRUCT = 8, HDR_OFF_STRINGS = 12, HDR_OFF_RSVMAP = 16 };
enum { HDR_VERSION = 20, HDR_LAST_COMP = 24, HDR_SIZE_STRINGS = 32, HDR_SIZE_STRUCT = 36 };

/* ---- blobs built token by token ---- */

struct bb {
  uint8_t st[4096]; /* structure block */
  size_t slen;
  uint8_t strs[512]; /* strings block */
  size_t strslen;
  uint64_t rsv[4][2];
  int nrsv;
  int strings_first; /* lay out the strings block before the structure block */
};

static void bb_init(struct bb *b) { memset(b, 0, sizeof(*b)); }

static void bb_u32(struct bb *b, uint32_t v) {
  put_be32(b->st + b->slen, v);
  b->slen += 4;
}

static void bb_bytes(struct bb *b, const void *p, size_t n) {
  memcpy(b->st + b->slen, p, n);
  b->slen += n;
  while (b->slen & 3)
    b->st[b->slen++] = 0;
}

static void bb_begin(struct bb *b, const char *name) {
  bb_u32(b, 1);
  bb_bytes(b, name, strlen(name) + 1);
}

static void bb_end(struct bb *b) { bb_u32(b, 2); }
static void bb_nop(struct bb *b) { bb_u32(b, 4); }
static void bb_fin(struct bb *b) { bb_u32(b, 9); }

/* Raw strings-block bytes (no NUL added). */
static uint32_t bb_raw_string(struct bb *b, const void *s, size_t n) {
  uint32_t off = (uint32_t)b->strslen;
  memcpy(b->strs + b->strslen, s, n);
  b->strslen += n;
  return off;
}

static uint32_t bb_string(struct bb *b, const char *s) {
  for (size_t o = 0; o < b->strslen; o += strlen((const char *)b->strs + o) + 1)
    if (strcmp((const char *)b->strs + o, s) == 0)
      return (uint32_t)o;
  return bb_raw_string(b, s, strlen(s) + 1);
}

static void bb_prop_raw(struct bb *b, uint32_t nameoff, const void *val, uint32_t len) {
  bb_u32(b, 3);
  bb_u32(b, len);
  bb_u32(b, nameoff);
  if (len)
    bb_bytes(b, val, len);
}

static void bb_prop(struct bb *b, const char *name, const void *val, uint32_t len) {
  bb_prop_raw(b, bb_string(b, name), val, len);
}

static void bb_prop_u32(struct bb *b, const char *name, uint32_t v) {
  uint8_t be[4];
  put_be32(be, v);
  bb_prop(b, name, be, 4);
}

/* Header, reservation map, then the two blocks, in one exact allocation. */
static uint8_t *bb_blob(const struct bb *b, size_t *size) {
  size_t rsv = 16 * ((size_t)b->nrsv + 1);
  size_t strs_padded = (b->strslen + 3) & ~(size_t)3;
  size_t total = 40 + rsv + b->slen + (b->strings_first ? strs_padded : b->strslen);
  uint8_t *p = calloc(1, total);
  size_t off_struct, off_strings;
  if (b->strings_first) {
    off_strings = 40 + rsv;
    off_struct = off_strings + strs_padded;
  } else {
    off_struct = 40 + rsv;
    off_strings = off_struct + b->slen;
  }
  put_be32(p, DT_MAGIC);
  put_be32(p + HDR_TOTALSIZE, (uint32_t)total);
  put_be32(p + HDR_OFF_STRUCT, (uint32_t)off_struct);
  put_be32(p + HDR_OFF_STRINGS, (uint32_t)off_strings);
  put_be32(p + HDR_OFF_RSVMAP, 40);
  put_be32(p + HDR_VERSION, 17);
  put_be32(p + HDR_LAST_COMP, 16);
  put_be32(p + HDR_SIZE_STRINGS, (uint32_t)b->strslen);
  put_be32(p + HDR_SIZE_STRUCT, (uint32_t)b->slen);
  for (int i = 0; i < b->nrsv; i++) {
    put_be64(p + 40 + 16 * i, b->rsv[i][0]);
    put_be64(p + 40 + 16 * i + 8, b->rsv[i][1]);
  }
  memcpy(p + off_struct, b->st, b->slen);
  memcpy(p + off_strings, b->strs, b->strslen);
  *size = total;
  return p;
}

/* dt_open on the builder's blob (exactly sized); frees it. */
static int bb_open(const struct bb *b) {
  size_t size;
  uint8_t *p = bb_blob(b, &size);
  struct dt dt;
  int r = dt_open(&dt, p, size);
  free(p);
  return r;
}

/* A small valid tree: / { a = <1>; child { b = "x"; }; }; */
static void bb_small_tree(struct bb *b) {
  bb_init(b);
  bb_begin(b, "");
  bb_prop_u32(b, "a", 1);
  bb_begin(b, "child");
  bb_prop(b, "b", "x", 2);
  bb_end(b);
  bb_end(b);
  bb_fin(b);
}

/* ---- the QEMU-virt-like tree ---- */

static int path(const struct dt *dt, const char *p) { return dt_path(dt, p); }

static void test_virt_paths(const struct dt *dt) {
  int root = dt_root(dt);
  CHECK_EQ_INT(root, 0);
  CHECK_STR(dt_node_name(dt, root), "");
  CHECK_EQ_INT(path(dt, "/"), root);
  CHECK_STR(dt_node_name(dt, path(dt, "/cpus/cpu@0")), "cpu@0");
  CHECK_STR(dt_node_name(dt, path(dt, "/cpus/cpu@1")), "cpu@1");
  /* Without a unit address, the first node of that name matches. */
  CHECK_EQ_INT(path(dt, "/cpus/cpu"), path(dt, "/cpus/cpu@0"));
  CHECK_EQ_INT(path(dt, "/memory"), path(dt, "/memory@80000000"));
  CHECK_STR(dt_node_name(dt, path(dt, "/soc/serial@10000000")), "serial@10000000");
  CHECK_EQ_INT(path(dt, "/soc/serial"), path(dt, "/soc/serial@10000000"));
  CHECK_STR(dt_node_name(dt, path(dt, "/cpus/cpu@0/interrupt-controller")), "interrupt-controller");
  CHECK_STR(dt_node_name(dt, path(dt, "/cpus/cpu-map/cluster0/core1")), "core1");
  /* Extra slashes are ignored. */
  CHECK_EQ_INT(path(dt, "//cpus/"), path(dt, "/cpus"));
  CHECK(path(dt, "/cpus") > 0);
  /* Misses. */
  CHECK_EQ_INT(path(dt, "/cpu"), DT_ERR_NOTFOUND);        /* a prefix of "cpus" */
  CHECK_EQ_INT(path(dt, "/cpus/cpu@2"), DT_ERR_NOTFOUND); /* wrong unit address */
  CHECK_EQ_INT(path(dt, "/cpus/cpu@"), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(path(dt, "/soc/serial@1000000"), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(path(dt, "/nothing"), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(path(dt, "cpus"), DT_ERR_NOTFOUND); /* not absolute */
  CHECK_EQ_INT(path(dt, ""), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(path(dt, "/soc/serial@10000000/x"), DT_ERR_NOTFOUND);
}

static void test_virt_props(const struct dt *dt) {
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int cpus = path(dt, "/cpus"), chosen = path(dt, "/chosen"), root = dt_root(dt);
  CHECK_EQ_INT(dt_prop_u32(dt, cpus, "timebase-frequency", &u32), DT_OK);
  CHECK_EQ(u32, 10000000);
  CHECK_EQ_INT(dt_prop_u32(dt, cpus, "#address-cells", &u32), DT_OK);
  CHECK_EQ(u32, 1);
  CHECK_EQ_INT(dt_prop_u32(dt, cpus, "no-such-prop", &u32), DT_ERR_NOTFOUND);
  /* A 64-bit property is not a u32. */
  u32 = 0x5555;
  CHECK_EQ_INT(dt_prop_u32(dt, chosen, "linux,initrd-start", &u32), DT_ERR_BADVALUE);
  CHECK_EQ(u32, 0x5555);
  CHECK_EQ_INT(dt_prop_u64(dt, chosen, "linux,initrd-start", &u64), DT_OK);
  CHECK_EQ(u64, 0x88200000);
  CHECK_EQ_INT(dt_prop_u64(dt, chosen, "linux,initrd-end", &u64), DT_OK);
  CHECK_EQ(u64, 0x1088300000ULL);
  /* u64 accepts one cell too; other sizes are bad. */
  CHECK_EQ_INT(dt_prop_u64(dt, cpus, "timebase-frequency", &u64), DT_OK);
  CHECK_EQ(u64, 10000000);
  CHECK_EQ_INT(dt_prop_u64(dt, chosen, "rng-seed", &u64), DT_ERR_BADVALUE);
  CHECK_EQ_INT(dt_prop_u32(dt, chosen, "rng-seed", &u32), DT_ERR_BADVALUE);
  CHECK_EQ_INT(dt_prop_u64(dt, chosen, "nope", &u64), DT_ERR_NOTFOUND);
  /* The UART's clock-frequency is written as a string but is the cell 0x384000. */
  CHECK_EQ_INT(dt_prop_u32(dt, path(dt, "/soc/serial"), "clock-frequency", &u32), DT_OK);
  CHECK_EQ(u32, 0x384000);

  CHECK_STR(dt_prop_str(dt, root, "model"), "riscv-virtio,qemu");
  CHECK_STR(dt_prop_str(dt, chosen, "bootargs"), "mem=64M -- console=hvc0");
  CHECK_STR(dt_prop_str(dt, path(dt, "/cpus/cpu@1"), "riscv,isa"),
            "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc");
  CHECK(dt_prop_str(dt, root, "nope") == NULL);
  CHECK(dt_prop_str(dt, path(dt, "/soc"), "ranges") == NULL); /* empty */
  CHECK(dt_prop_str(dt, chosen, "rng-seed") == NULL);         /* no NUL at the end */
  CHECK(dt_prop_str(dt, cpus, "timebase-frequency") == NULL); /* 00 98 96 80 */
  int len = -1;
  const uint8_t *seed = dt_prop(dt, chosen, "rng-seed", &len);
  CHECK(seed != NULL);
  CHECK_EQ_INT(len, 5);
  if (seed)
    CHECK(memcmp(seed, "\1\2\3\4\5", 5) == 0);
  len = -1;
  CHECK(dt_prop(dt, path(dt, "/reserved-memory/mmode_resv0"), "no-map", &len) != NULL);
  CHECK_EQ_INT(len, 0);
  CHECK(dt_prop(dt, root, "no-map", NULL) == NULL);

  /* Property iteration, in blob order. */
  const char *names[8];
  int n = 0, cookie = 0, plen;
  const char *pname;
  const void *val;
  while (n < 8 && dt_prop_next(dt, root, &cookie, &pname, &val, &plen) == DT_OK)
    names[n++] = pname;
  CHECK_EQ_INT(n, 4);
  if (n == 4) {
    CHECK_STR(names[0], "#address-cells");
    CHECK_STR(names[1], "#size-cells");
    CHECK_STR(names[2], "compatible");
    CHECK_STR(names[3], "model");
  }
  cookie = 0;
  CHECK_EQ_INT(dt_prop_next(dt, path(dt, "/cpus/cpu-map"), &cookie, &pname, &val, &plen),
               DT_ERR_NOTFOUND);
}

static void test_virt_reg(const struct dt *dt) {
  uint64_t a = 1, s = 1;
  uint32_t ac, sc;
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/memory@80000000"), 0, &a, &s), DT_OK);
  CHECK_EQ(a, 0x80000000);
  CHECK_EQ(s, 0x20000000);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/memory@100000000"), 0, &a, &s), DT_OK);
  CHECK_EQ(a, 0x100000000ULL);
  CHECK_EQ(s, 0x10000000);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/memory@80000000"), 1, &a, &s), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/memory@80000000"), -1, &a, &s), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/memory@80000000"), INT_MAX, &a, &s), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/soc/plic"), 0, &a, &s), DT_OK);
  CHECK_EQ(a, 0xc000000);
  CHECK_EQ(s, 0x600000);
  /* One address cell, no size cells. */
  dt_reg_cells(dt, path(dt, "/cpus/cpu@1"), &ac, &sc);
  CHECK_EQ(ac, 1);
  CHECK_EQ(sc, 0);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/cpus/cpu@1"), 0, &a, &s), DT_OK);
  CHECK_EQ(a, 1);
  CHECK_EQ(s, 0);
  /* One address cell and one size cell, two entries. */
  int dev = path(dt, "/localbus/dev@1000");
  CHECK_EQ_INT(dt_reg(dt, dev, 0, &a, &s), DT_OK);
  CHECK_EQ(a, 0x1000);
  CHECK_EQ(s, 0x100);
  CHECK_EQ_INT(dt_reg(dt, dev, 1, &a, &s), DT_OK);
  CHECK_EQ(a, 0x2000);
  CHECK_EQ(s, 0x200);
  CHECK_EQ_INT(dt_reg(dt, dev, 2, &a, &s), DT_ERR_NOTFOUND);
  /* Three address cells are refused, no reg is not found. */
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/localbus/odd/child"), 0, &a, &s), DT_ERR_BADVALUE);
  CHECK_EQ_INT(dt_reg(dt, path(dt, "/chosen"), 0, &a, &s), DT_ERR_NOTFOUND);
  /* The root has no parent: the spec's defaults. */
  dt_reg_cells(dt, dt_root(dt), &ac, &sc);
  CHECK_EQ(ac, 2);
  CHECK_EQ(sc, 1);
}

static void test_virt_structure(const struct dt *dt) {
  int root = dt_root(dt), cpus = path(dt, "/cpus"), soc = path(dt, "/soc");
  int cpu0 = path(dt, "/cpus/cpu@0"), cpu1 = path(dt, "/cpus/cpu@1");
  int serial = path(dt, "/soc/serial@10000000");

  CHECK_EQ_INT(dt_parent(dt, root), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_parent(dt, cpus), root);
  CHECK_EQ_INT(dt_parent(dt, serial), soc);
  CHECK_EQ_INT(dt_parent(dt, path(dt, "/cpus/cpu@1/interrupt-controller")), cpu1);
  CHECK_EQ_INT(dt_parent(dt, path(dt, "/cpus/cpu-map/cluster0/core0")),
               path(dt, "/cpus/cpu-map/cluster0"));

  /* Children of the root and of /cpus, in order. */
  static const char *const root_children[] = {"chosen", "aliases",          "reserved-memory",
                                              "cpus",   "memory@80000000",  "memory@100000000",
                                              "soc",    "localbus@20000000"};
  int i = 0;
  for (int c = dt_first_child(dt, root); c >= 0; c = dt_next_sibling(dt, c), i++) {
    if (i < 8)
      CHECK_STR(dt_node_name(dt, c), root_children[i]);
    CHECK_EQ_INT(dt_parent(dt, c), root);
  }
  CHECK_EQ_INT(i, 8);
  CHECK_EQ_INT(dt_first_child(dt, cpus), cpu0);
  CHECK_EQ_INT(dt_next_sibling(dt, cpu0), cpu1); /* skips cpu@0's subtree */
  CHECK_EQ_INT(dt_next_sibling(dt, cpu1), path(dt, "/cpus/cpu-map"));
  CHECK_EQ_INT(dt_next_sibling(dt, path(dt, "/cpus/cpu-map")), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_next_sibling(dt, root), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_first_child(dt, serial), DT_ERR_NOTFOUND);
  /* The last node of a subtree has no sibling even if its parent has one. */
  CHECK_EQ_INT(dt_next_sibling(dt, path(dt, "/cpus/cpu-map/cluster0/core1")), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_next_sibling(dt, path(dt, "/cpus/cpu@0/interrupt-controller")), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_next_sibling(dt, path(dt, "/localbus/odd/child")), DT_ERR_NOTFOUND);

  /* dt_next_node walks every node in document order with depth changes. */
  int depth = 0, count = 1, max_depth = 0;
  for (int n = dt_next_node(dt, root, &depth); n >= 0; n = dt_next_node(dt, n, &depth)) {
    count++;
    max_depth = depth > max_depth ? depth : max_depth;
    CHECK(depth >= 1);
  }
  CHECK_EQ_INT(count, 26);
  CHECK_EQ_INT(max_depth, 4); /* /cpus/cpu-map/cluster0/core0 */
}

static void test_virt_compatible_and_chosen(const struct dt *dt) {
  int n = dt_find_compatible(dt, -1, "ns16550a");
  CHECK_EQ_INT(n, path(dt, "/soc/serial@10000000"));
  CHECK_EQ_INT(dt_find_compatible(dt, n, "ns16550a"), DT_ERR_NOTFOUND);
  int v1 = dt_find_compatible(dt, -1, "virtio,mmio");
  CHECK_EQ_INT(v1, path(dt, "/soc/virtio_mmio@10001000"));
  int v2 = dt_find_compatible(dt, v1, "virtio,mmio");
  CHECK_EQ_INT(v2, path(dt, "/soc/virtio_mmio@10002000"));
  CHECK_EQ_INT(dt_find_compatible(dt, v2, "virtio,mmio"), DT_ERR_NOTFOUND);
  /* Second and middle entries of a string list. */
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "riscv,plic0"), path(dt, "/soc/plic"));
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "sifive,test0"), path(dt, "/soc/test"));
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "syscon"), path(dt, "/soc/test"));
  /* The root itself is searched; partial and prefix strings do not match. */
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "riscv-virtio"), dt_root(dt));
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "virtio"), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "sifive,test"), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_find_compatible(dt, -1, "ns16550"), DT_ERR_NOTFOUND);
  int c0 = dt_find_compatible(dt, -1, "riscv");
  CHECK_EQ_INT(c0, path(dt, "/cpus/cpu@0"));
  CHECK_EQ_INT(dt_find_compatible(dt, c0, "riscv"), path(dt, "/cpus/cpu@1"));
  CHECK(dt_is_compatible(dt, path(dt, "/soc"), "simple-bus"));
  CHECK(!dt_is_compatible(dt, path(dt, "/cpus"), "simple-bus"));
  CHECK(dt_stringlist_contains("a\0bc\0", 5, "bc"));
  CHECK(!dt_stringlist_contains("a\0bc\0", 5, "b"));
  CHECK(!dt_stringlist_contains("a\0bc\0", 2, "bc")); /* outside the length */
  CHECK(dt_stringlist_contains("abc", 3, "abc"));     /* last entry without its NUL */

  CHECK_EQ_INT(dt_stdout_node(dt), path(dt, "/soc/serial@10000000"));

  uint64_t a = 0, s = 0;
  CHECK_EQ_INT(dt_memreserve(dt, 0, &a, &s), DT_OK);
  CHECK_EQ(a, 0x80000000);
  CHECK_EQ(s, 0x200000);
  CHECK_EQ_INT(dt_memreserve(dt, 1, &a, &s), DT_OK);
  CHECK_EQ(a, 0x87000000);
  CHECK_EQ(s, 0x1000);
  CHECK_EQ_INT(dt_memreserve(dt, 2, &a, &s), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_memreserve(dt, -1, &a, &s), DT_ERR_NOTFOUND);
}

/* Every node and property, compared with libfdt's view of the same blob
 * (libfdt also names nodes by their structure-block offset). */
static void compare_with_libfdt(const struct dt *dt, const void *blob, const char *what) {
  int errors_before = check_failed;
  int depth = 0, fdepth = -1, count = 0; /* libfdt counts the root as depth 0 from -1 */
  int n = dt_root(dt), fn = fdt_next_node(blob, -1, &fdepth);
  CHECK_EQ_INT(n, fn);
  while (n >= 0 && fn >= 0 && check_failed == errors_before) {
    count++;
    CHECK_EQ_INT(n, fn);
    CHECK_EQ_INT(depth, fdepth);
    CHECK_STR(dt_node_name(dt, n), fdt_get_name(blob, fn, NULL));
    int fparent = fdt_parent_offset(blob, fn);
    CHECK_EQ_INT(dt_parent(dt, n), fparent >= 0 ? fparent : DT_ERR_NOTFOUND);
    int fchild = fdt_first_subnode(blob, fn);
    CHECK_EQ_INT(dt_first_child(dt, n), fchild >= 0 ? fchild : DT_ERR_NOTFOUND);
    if (n != dt_root(dt)) {
      int fsib = fdt_next_subnode(blob, fn);
      CHECK_EQ_INT(dt_next_sibling(dt, n), fsib >= 0 ? fsib : DT_ERR_NOTFOUND);
    }
    char fpath[256];
    if (fdt_get_path(blob, fn, fpath, sizeof(fpath)) == 0)
      CHECK_EQ_INT(dt_path(dt, fpath), n);
    /* Properties in lockstep. */
    int cookie = 0, len, flen, po = fdt_first_property_offset(blob, fn);
    const char *name, *fname;
    const void *val;
    while (dt_prop_next(dt, n, &cookie, &name, &val, &len) == DT_OK) {
      CHECK(po >= 0);
      if (po < 0)
        break;
      const void *fval = fdt_getprop_by_offset(blob, po, &fname, &flen);
      CHECK_STR(name, fname);
      CHECK_EQ_INT(len, flen);
      CHECK(val == fval);
      int l2 = -1;
      CHECK(dt_prop(dt, n, name, &l2) == fdt_getprop(blob, fn, name, NULL));
      po = fdt_next_property_offset(blob, po);
    }
    CHECK(po < 0);
    n = dt_next_node(dt, n, &depth);
    fn = fdt_next_node(blob, fn, &fdepth);
    if (fdepth < 0) /* libfdt's end of the tree: past the root's END_NODE */
      fn = -1;
  }
  CHECK(n < 0 && fn < 0);
  CHECK(count > 0);
  if (check_failed != errors_before)
    fprintf(stderr, "  (while comparing %s with libfdt)\n", what);
}

static void test_virt(void) {
  static const char *const names[] = {"virt", "virt_v16"};
  for (int i = 0; i < 2; i++) {
    size_t size;
    void *blob = load_dtb(names[i], &size);
    CHECK_EQ_INT(fdt_check_full(blob, size), 0);
    struct dt dt;
    int r = dt_open(&dt, blob, size);
    CHECK_EQ_INT(r, DT_OK);
    if (r == DT_OK) {
      CHECK_EQ(dt.size, size);
      test_virt_paths(&dt);
      test_virt_props(&dt);
      test_virt_reg(&dt);
      test_virt_structure(&dt);
      test_virt_compatible_and_chosen(&dt);
      compare_with_libfdt(&dt, blob, names[i]);
    }
    /* A larger buffer than the blob is fine; the blob's own size is kept. */
    uint8_t *big = calloc(1, size + 64);
    memcpy(big, blob, size);
    CHECK_EQ_INT(dt_open(&dt, big, size + 64), DT_OK);
    CHECK_EQ(dt.size, size);
    free(big);
    free(blob);
  }
}

static int open_named(const char *name, struct dt *dt, void **blob) {
  size_t size;
  *blob = load_dtb(name, &size);
  return dt_open(dt, *blob, size);
}

static void test_other_trees(void) {
  struct dt dt;
  void *blob;
  uint64_t a, s;

  CHECK_EQ_INT(open_named("minimal", &dt, &blob), DT_OK);
  CHECK_EQ_INT(dt_reg(&dt, dt_path(&dt, "/memory"), 0, &a, &s), DT_OK); /* 2 + 1 cells */
  CHECK_EQ(a, 0x80000000);
  CHECK_EQ(s, 0x8000000);
  CHECK_EQ_INT(dt_stdout_node(&dt), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_memreserve(&dt, 0, &a, &s), DT_ERR_NOTFOUND);
  CHECK_EQ_INT(dt_find_compatible(&dt, -1, "ns16550a"), DT_ERR_NOTFOUND);
  compare_with_libfdt(&dt, blob, "minimal");
  free(blob);

  CHECK_EQ_INT(open_named("stdout_opts", &dt, &blob), DT_OK);
  CHECK_EQ_INT(dt_stdout_node(&dt), dt_path(&dt, "/soc/uart@10000000"));
  CHECK(dt_stdout_node(&dt) >= 0);
  free(blob);

  CHECK_EQ_INT(open_named("stdout_alias", &dt, &blob), DT_OK);
  CHECK_EQ_INT(dt_stdout_node(&dt), dt_path(&dt, "/soc/uart@10001000"));
  CHECK(dt_stdout_node(&dt) >= 0);
  free(blob);

  CHECK_EQ_INT(open_named("stdout_legacy", &dt, &blob), DT_OK);
  CHECK_EQ_INT(dt_stdout_node(&dt), dt_path(&dt, "/soc/uart@10001000"));
  CHECK(dt_stdout_node(&dt) >= 0);
  free(blob);

  CHECK_EQ_INT(open_named("stdout_badalias", &dt, &blob), DT_OK);
  CHECK_EQ_INT(dt_stdout_node(&dt), DT_ERR_NOTFOUND); /* serial0 is not an alias */
  /* serial1 is an alias, to a node that does not exist. */
  char *sp = (char *)dt_prop_str(&dt, dt_path(&dt, "/chosen"), "stdout-path");
  CHECK(sp != NULL);
  if (sp) {
    sp[6] = '1';
    CHECK_EQ_INT(dt_stdout_node(&dt), DT_ERR_NOTFOUND);
  }
  free(blob);

  CHECK_EQ_INT(open_named("no_chosen", &dt, &blob), DT_OK);
  CHECK_EQ_INT(dt_stdout_node(&dt), DT_ERR_NOTFOUND);
  free(blob);
}

/* ---- hostile blobs ---- */

static int open_patched(const uint8_t *blob, size_t size, int field, uint32_t value) {
  uint8_t *p = copy_exact(blob, size);
  put_be32(p + field, value);
  struct dt dt;
  int r = dt_open(&dt, p, size);
  free(p);
  return r;
}

static void test_hostile_header(void) {
  size_t size;
  uint8_t *blob = load_dtb("virt", &size);
  struct dt dt;
  uint32_t total = (uint32_t)size;
  uint32_t off_struct = dt_be32(blob + HDR_OFF_STRUCT);
  uint32_t size_struct = dt_be32(blob + HDR_SIZE_STRUCT);
  uint32_t off_strings = dt_be32(blob + HDR_OFF_STRINGS);
  uint32_t size_strings = dt_be32(blob + HDR_SIZE_STRINGS);
  CHECK(off_strings + size_strings == total); /* dtc puts the strings last */

  /* Every truncation: the header's size no longer fits... */
  int bad = 0;
  for (size_t n = 0; n < size; n++) {
    uint8_t *p = copy_exact(blob, n);
    int r = dt_open(&dt, p, n);
    if (r != DT_ERR_TRUNCATED) {
      bad++;
      fprintf(stderr, "truncated to %zu: %d\n", n, r);
    }
    /* ... and with totalsize patched to match, a block lies outside. */
    if (n >= 40) {
      put_be32(p + HDR_TOTALSIZE, (uint32_t)n);
      r = dt_open(&dt, p, n);
      if (r != DT_ERR_BADLAYOUT && r != DT_ERR_TRUNCATED) {
        bad++;
        fprintf(stderr, "truncated to %zu, totalsize patched: %d\n", n, r);
      }
    }
    free(p);
  }
  CHECK_EQ_INT(bad, 0);

  /* A structure block cut short anywhere is malformed (no END, or a token cut). */
  bad = 0;
  for (uint32_t cut = 4; cut <= size_struct; cut += 4) {
    int r = open_patched(blob, size, HDR_SIZE_STRUCT, size_struct - cut);
    if (r != DT_ERR_BADSTRUCT) {
      bad++;
      fprintf(stderr, "size_dt_struct - %u: %d\n", cut, r);
    }
  }
  CHECK_EQ_INT(bad, 0);

  CHECK_EQ_INT(dt_open(&dt, blob, 39), DT_ERR_TRUNCATED);
  CHECK_EQ_INT(dt_open(&dt, blob, 0), DT_ERR_TRUNCATED);
  CHECK_EQ_INT(open_patched(blob, size, 0, 0xd00dfeee), DT_ERR_BADMAGIC);
  CHECK_EQ_INT(open_patched(blob, size, 0, 0xedfe0dd0), DT_ERR_BADMAGIC);
  CHECK_EQ_INT(open_patched(blob, size, HDR_TOTALSIZE, total + 1), DT_ERR_TRUNCATED);
  CHECK_EQ_INT(open_patched(blob, size, HDR_TOTALSIZE, 0xFFFFFFFF), DT_ERR_TRUNCATED);
  CHECK_EQ_INT(open_patched(blob, size, HDR_TOTALSIZE, 39), DT_ERR_TRUNCATED);
  CHECK_EQ_INT(open_patched(blob, size, HDR_VERSION, 15), DT_ERR_BADVERSION);
  CHECK_EQ_INT(open_patched(blob, size, HDR_LAST_COMP, 18), DT_ERR_BADVERSION);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_STRUCT, total + 4), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_STRUCT, 0xFFFFFFFC), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_STRUCT, off_struct + 2), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_STRUCT, total - size_struct + 4), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_SIZE_STRUCT, total), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_SIZE_STRUCT, 0xFFFFFFFC), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_SIZE_STRUCT, size_struct - 2), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_STRINGS, total + 1), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_STRINGS, off_strings + 1), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_SIZE_STRINGS, size_strings + 1), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_SIZE_STRINGS, 0xFFFFFFFF), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_RSVMAP, total), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_RSVMAP, 0xFFFFFFF8), DT_ERR_BADLAYOUT);
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_RSVMAP, 32), DT_ERR_BADLAYOUT); /* in the header */
  CHECK_EQ_INT(open_patched(blob, size, HDR_OFF_RSVMAP, 44), DT_ERR_BADLAYOUT); /* misaligned */
  /* Strings too small for the property names: a name offset is outside. */
  CHECK_EQ_INT(open_patched(blob, size, HDR_SIZE_STRINGS, 8), DT_ERR_BADSTRUCT);
  free(blob);

  /* A reservation map with no terminating entry before the end of the blob. */
  struct bb *b = malloc(sizeof(*b));
  bb_small_tree(b);
  b->nrsv = 1;
  b->rsv[0][0] = 0x80000000;
  b->rsv[0][1] = 0x1000;
  uint8_t *p = bb_blob(b, &size);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_OK);
  uint64_t a = 0, s = 0;
  CHECK_EQ_INT(dt_memreserve(&dt, 0, &a, &s), DT_OK);
  CHECK_EQ(a, 0x80000000);
  CHECK_EQ(s, 0x1000);
  CHECK_EQ_INT(dt_memreserve(&dt, 1, &a, &s), DT_ERR_NOTFOUND);
  free(p);
  /* A reservation map at an offset that is not a multiple of 8, even though
   * 16 zero bytes follow it. */
  bb_small_tree(b);
  b->nrsv = 2;
  b->rsv[0][0] = 0x1000;
  b->rsv[0][1] = 0;
  b->rsv[1][0] = b->rsv[1][1] = 0; /* an early terminator, then the real one */
  p = bb_blob(b, &size);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_OK);
  put_be32(p + HDR_OFF_RSVMAP, 44);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_ERR_BADLAYOUT);
  free(p);
  /* Point the map at the blob's last 16 bytes, all non-zero. */
  bb_init(b);
  b->strings_first = 1;
  bb_begin(b, "");
  bb_end(b);
  bb_fin(b);
  bb_u32(b, 0xffffffff); /* 16 non-zero bytes after END: still inside the struct block */
  bb_u32(b, 0xffffffff);
  bb_u32(b, 0xffffffff);
  bb_u32(b, 0xffffffff);
  p = bb_blob(b, &size);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_OK);
  put_be32(p + HDR_OFF_RSVMAP, (uint32_t)size - 16);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_ERR_BADLAYOUT);
  put_be32(p + HDR_OFF_RSVMAP, (uint32_t)size - 8);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_ERR_BADLAYOUT);
  free(p);
  free(b);
}

static void test_hostile_struct(void) {
  struct bb *b = malloc(sizeof(*b));
  struct dt dt;
  size_t size;

  /* The builder's small tree is valid for both readers. */
  for (int sf = 0; sf < 2; sf++) {
    bb_small_tree(b);
    b->strings_first = sf;
    uint8_t *p = bb_blob(b, &size);
    CHECK_EQ_INT(fdt_check_full(p, size), 0);
    CHECK_EQ_INT(dt_open(&dt, p, size), DT_OK);
    uint32_t v = 0;
    CHECK_EQ_INT(dt_prop_u32(&dt, dt_root(&dt), "a", &v), DT_OK);
    CHECK_EQ(v, 1);
    CHECK_STR(dt_prop_str(&dt, dt_path(&dt, "/child"), "b"), "x");
    free(p);
  }

  /* Property length overrunning the structure block (at the blob's end). */
  static const uint32_t lens[] = {5, 0x100, 0x7FFFFFFF, 0xFFFFFFF8, 0xFFFFFFFF};
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    bb_init(b);
    b->strings_first = 1;
    bb_begin(b, "");
    bb_u32(b, 3);
    bb_u32(b, lens[i]);
    bb_u32(b, bb_string(b, "p"));
    bb_u32(b, 0x01020304);
    CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  }
  /* A length that wraps the walk's offset back onto the property itself. */
  bb_init(b);
  bb_begin(b, "");
  bb_u32(b, 3);
  bb_u32(b, 0xFFFFFFF4); /* 20 + len == 8 (mod 2^32): this token */
  bb_u32(b, bb_string(b, "p"));
  bb_end(b);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  /* ... the same with 4 bytes is a valid property, up to the missing END. */
  bb_init(b);
  bb_begin(b, "");
  bb_prop_u32(b, "p", 7);
  bb_end(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT); /* missing END */
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_OK);

  /* A property header cut short. */
  bb_init(b);
  b->strings_first = 1;
  bb_begin(b, "");
  bb_u32(b, 3);
  bb_u32(b, 0);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);

  /* Name offset outside the strings block, or a name without its NUL. */
  static const uint32_t nameoffs[] = {2, 3, 0x7FFFFFFF, 0xFFFFFFFF};
  for (size_t i = 0; i < sizeof(nameoffs) / sizeof(nameoffs[0]); i++) {
    bb_init(b);
    bb_raw_string(b, "ab", 2); /* size_strings = 2, no NUL */
    bb_begin(b, "");
    bb_prop_raw(b, nameoffs[i], NULL, 0);
    bb_end(b);
    bb_fin(b);
    CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  }
  bb_init(b);
  bb_raw_string(b, "ab", 2);
  bb_begin(b, "");
  bb_prop_raw(b, 0, NULL, 0); /* "ab" runs to the end of the blob */
  bb_end(b);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_raw_string(b, "ab", 3);
  bb_begin(b, "");
  bb_prop_raw(b, 1, NULL, 0); /* "b" */
  bb_end(b);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_OK);

  /* Node name without a NUL up to the end of the structure block. */
  bb_init(b);
  b->strings_first = 1;
  bb_u32(b, 1);
  memcpy(b->st + b->slen, "abcdefgh", 8);
  b->slen += 8;
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  b->strings_first = 1;
  bb_begin(b, "");
  bb_u32(b, 1);
  memcpy(b->st + b->slen, "abcd", 4);
  b->slen += 4;
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);

  /* A token cut short at the end. */
  bb_init(b);
  b->strings_first = 1;
  bb_begin(b, "");
  bb_end(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);

  /* Unknown tokens. */
  static const uint32_t toks[] = {0, 5, 8, 10, 0xFFFFFFFF};
  for (size_t i = 0; i < sizeof(toks) / sizeof(toks[0]); i++) {
    bb_init(b);
    bb_begin(b, "");
    bb_u32(b, toks[i]);
    bb_end(b);
    bb_fin(b);
    CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  }

  /* Nesting errors. */
  bb_init(b);
  bb_fin(b); /* no root */
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_end(b); /* END_NODE at depth 0 */
  bb_begin(b, "");
  bb_end(b);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_end(b); /* ... even when a missing END_NODE later balances it */
  bb_begin(b, "");
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_begin(b, "");
  bb_end(b);
  bb_begin(b, "again"); /* two roots */
  bb_end(b);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_prop_u32(b, "early", 1); /* property outside any node */
  bb_begin(b, "");
  bb_end(b);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_begin(b, "");
  bb_end(b);
  bb_prop_u32(b, "late", 1);
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_begin(b, "");
  bb_begin(b, "open");
  bb_end(b);
  bb_fin(b); /* root not closed */
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);
  bb_init(b);
  bb_begin(b, "");
  bb_end(b);
  bb_end(b); /* one END_NODE too many */
  bb_fin(b);
  CHECK_EQ_INT(bb_open(b), DT_ERR_BADSTRUCT);

  /* NOPs are skipped everywhere, and tokens after END are ignored. */
  bb_init(b);
  bb_nop(b);
  bb_begin(b, "");
  bb_nop(b);
  bb_prop_u32(b, "x", 1);
  bb_nop(b);
  bb_prop_u32(b, "y", 2);
  bb_begin(b, "kid");
  bb_end(b);
  bb_nop(b);
  bb_end(b);
  bb_nop(b);
  bb_fin(b);
  bb_u32(b, 0xdeadbeef);
  uint8_t *p = bb_blob(b, &size);
  CHECK_EQ_INT(dt_open(&dt, p, size), DT_OK);
  CHECK_EQ_INT(dt_root(&dt), 4);
  uint32_t v = 0;
  CHECK_EQ_INT(dt_prop_u32(&dt, dt_root(&dt), "y", &v), DT_OK);
  CHECK_EQ(v, 2);
  CHECK_STR(dt_node_name(&dt, dt_first_child(&dt, dt_root(&dt))), "kid");
  CHECK_EQ_INT(dt_next_sibling(&dt, dt_first_child(&dt, dt_root(&dt))), DT_ERR_NOTFOUND);
  free(p);

  /* Depth: DT_MAX_DEPTH nested nodes are fine, one more is not. */
  for (int extra = 0; extra < 2; extra++) {
    bb_init(b);
    bb_begin(b, "");
    for (int d = 1; d < DT_MAX_DEPTH + extra; d++)
      bb_begin(b, "n");
    for (int d = 0; d < DT_MAX_DEPTH + extra; d++)
      bb_end(b);
    bb_fin(b);
    p = bb_blob(b, &size);
    int r = dt_open(&dt, p, size);
    if (extra) {
      CHECK_EQ_INT(r, DT_ERR_BADSTRUCT);
    } else {
      CHECK_EQ_INT(r, DT_OK);
      char deep[2 * DT_MAX_DEPTH + 1] = "";
      for (int d = 1; d < DT_MAX_DEPTH; d++)
        strcat(deep, "/n");
      int leaf = dt_path(&dt, deep);
      CHECK(leaf > 0);
      deep[strlen(deep) - 2] = '\0';
      CHECK_EQ_INT(dt_parent(&dt, leaf), dt_path(&dt, deep));
      CHECK_EQ_INT(dt_first_child(&dt, leaf), DT_ERR_NOTFOUND);
    }
    free(p);
  }
  free(b);
}

static void test_misc(void) {
  static const uint8_t be[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  CHECK_EQ(dt_be32(be), 0x01234567);
  CHECK_EQ(dt_be64(be), 0x0123456789abcdefULL);
  static const int errs[] = {DT_OK,
                             DT_ERR_TRUNCATED,
                             DT_ERR_BADMAGIC,
                             DT_ERR_BADVERSION,
                             DT_ERR_BADLAYOUT,
                             DT_ERR_BADSTRUCT,
                             DT_ERR_NOTFOUND,
                             DT_ERR_BADVALUE,
                             DT_ERR_NOSPACE};
  for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
    CHECK(dt_strerror(errs[i]) != NULL);
    for (size_t j = 0; j < i; j++)
      CHECK(strcmp(dt_strerror(errs[i]), dt_strerror(errs[j])) != 0);
  }
  CHECK_STR(dt_strerror(-100), "unknown error");
}

int main(void) {
  test_virt();
  test_other_trees();
  test_hostile_header();
  test_hostile_struct();
  test_misc();
  return check_report("fdt_reader");
}
