/* Host tests of the sequential FDT writer (hv/lib/fdt_write.c): trees
 * written with dtw_* are read back with libfdt (the reference) and with our
 * reader; error paths are sticky and reported by dtw_finish(). */
#include "check.h"
#include "hv/lib/fdt.h"
#include <libfdt.h>
#include <stdlib.h>

/* The tree a VM's device tree resembles; returns dtw_finish()'s value. */
static int write_tree(void *buf, size_t cap) {
  static struct dtw w; /* large (its strings buffer): not on the stack */
  dtw_init(&w, buf, cap);
  dtw_begin_node(&w, "");
  dtw_prop_u32(&w, "#address-cells", 2);
  dtw_prop_u32(&w, "#size-cells", 2);
  dtw_prop_str(&w, "compatible", "rustyvisor,vm");
  dtw_prop_str(&w, "model", "rustyvisor");

  dtw_begin_node(&w, "chosen");
  dtw_prop_str(&w, "bootargs", "console=hvc0 earlycon=sbi");
  dtw_prop_str(&w, "stdout-path", "/soc/serial@10000000:115200");
  dtw_prop_u64(&w, "linux,initrd-start", 0x88200000ULL);
  dtw_prop_u64(&w, "linux,initrd-end", 0x1088300000ULL);
  dtw_prop(&w, "rng-seed", "\x01\x02\x03\x04\x05", 5); /* padded to 8 */
  dtw_end_node(&w);

  dtw_begin_node(&w, "cpus");
  dtw_prop_u32(&w, "#address-cells", 1);
  dtw_prop_u32(&w, "#size-cells", 0);
  dtw_prop_u32(&w, "timebase-frequency", 10000000);
  dtw_begin_node(&w, "cpu@0");
  dtw_prop_str(&w, "device_type", "cpu");
  dtw_prop_u32(&w, "reg", 0);
  dtw_prop_str(&w, "riscv,isa", "rv64imafdc_zicsr_zifencei");
  dtw_begin_node(&w, "interrupt-controller");
  dtw_prop_u32(&w, "#interrupt-cells", 1);
  dtw_prop_empty(&w, "interrupt-controller");
  dtw_prop_str(&w, "compatible", "riscv,cpu-intc");
  dtw_end_node(&w);
  dtw_end_node(&w);
  dtw_end_node(&w);

  dtw_begin_node(&w, "memory@80000000");
  dtw_prop_str(&w, "device_type", "memory");
  dtw_prop_reg(&w, 0x80000000ULL, 0x8000000ULL);
  dtw_end_node(&w);

  dtw_begin_node(&w, "soc");
  static const uint32_t ranges[3] = {0x11, 0x22, 0x33};
  dtw_prop_cells(&w, "three", ranges, 3);
  dtw_prop_cells(&w, "none", ranges, 0);
  dtw_begin_node(&w, "serial@10000000");
  dtw_prop_reg(&w, 0x10000000ULL, 0x100);
  dtw_prop_str(&w, "compatible", "ns16550a");
  dtw_end_node(&w);
  dtw_end_node(&w);
  dtw_end_node(&w);
  return dtw_finish(&w);
}

static const void *prop(const void *blob, const char *path, const char *name, int *len) {
  int node = fdt_path_offset(blob, path);
  if (node < 0) {
    fprintf(stderr, "libfdt: no node %s\n", path);
    return NULL;
  }
  return fdt_getprop(blob, node, name, len);
}

static uint32_t be32(const void *p) { return dt_be32(p); }

static void test_roundtrip(void) {
  size_t cap = 4096;
  uint8_t *buf = malloc(cap);
  memset(buf, 0xAA, cap);
  int size = write_tree(buf, cap);
  CHECK(size > 0);
  if (size <= 0) {
    free(buf);
    return;
  }
  CHECK_EQ_INT(fdt_check_full(buf, (size_t)size), 0);
  CHECK_EQ(fdt_totalsize(buf), size);
  CHECK_EQ(fdt_version(buf), 17);
  CHECK_EQ(fdt_last_comp_version(buf), 16);
  CHECK_EQ_INT(fdt_num_mem_rsv(buf), 0);
  CHECK_EQ(fdt_off_dt_strings(buf) + fdt_size_dt_strings(buf), size);
  /* Nothing written past the blob. */
  int clean = 1;
  for (size_t i = (size_t)size; i < cap; i++)
    clean &= buf[i] == 0xAA;
  CHECK(clean);

  int len = -1;
  const char *s = prop(buf, "/chosen", "bootargs", &len);
  CHECK_STR(s, "console=hvc0 earlycon=sbi");
  CHECK_EQ_INT(len, (int)strlen("console=hvc0 earlycon=sbi") + 1);
  CHECK_STR(prop(buf, "/chosen", "stdout-path", NULL), "/soc/serial@10000000:115200");
  CHECK_STR(prop(buf, "/", "model", NULL), "rustyvisor");
  CHECK_STR(prop(buf, "/cpus/cpu@0", "riscv,isa", NULL), "rv64imafdc_zicsr_zifencei");
  const uint8_t *p = prop(buf, "/chosen", "linux,initrd-end", &len);
  CHECK_EQ_INT(len, 8);
  if (p)
    CHECK_EQ(fdt64_ld((const fdt64_t *)p), 0x1088300000ULL);
  p = prop(buf, "/chosen", "rng-seed", &len);
  CHECK_EQ_INT(len, 5);
  if (p)
    CHECK(memcmp(p, "\x01\x02\x03\x04\x05", 5) == 0);
  p = prop(buf, "/cpus", "timebase-frequency", &len);
  CHECK_EQ_INT(len, 4);
  if (p)
    CHECK_EQ(be32(p), 10000000);
  p = prop(buf, "/cpus/cpu@0/interrupt-controller", "interrupt-controller", &len);
  CHECK(p != NULL);
  CHECK_EQ_INT(len, 0);
  p = prop(buf, "/memory@80000000", "reg", &len);
  CHECK_EQ_INT(len, 16);
  if (p) {
    CHECK_EQ(be32(p), 0);
    CHECK_EQ(be32(p + 4), 0x80000000);
    CHECK_EQ(be32(p + 8), 0);
    CHECK_EQ(be32(p + 12), 0x8000000);
  }
  p = prop(buf, "/soc", "three", &len);
  CHECK_EQ_INT(len, 12);
  if (p)
    CHECK(be32(p) == 0x11 && be32(p + 4) == 0x22 && be32(p + 8) == 0x33);
  CHECK(prop(buf, "/soc", "none", &len) != NULL);
  CHECK_EQ_INT(len, 0);
  CHECK_EQ_INT(fdt_node_offset_by_compatible(buf, -1, "ns16550a"),
               fdt_path_offset(buf, "/soc/serial@10000000"));

  /* Property names are stored once in the strings block. */
  const char *strs = (const char *)buf + fdt_off_dt_strings(buf);
  int count = 0;
  for (uint32_t o = 0; o < fdt_size_dt_strings(buf); o += (uint32_t)strlen(strs + o) + 1)
    count += strcmp(strs + o, "compatible") == 0;
  CHECK_EQ_INT(count, 1);

  /* Our own reader agrees. */
  struct dt dt;
  CHECK_EQ_INT(dt_open(&dt, buf, (size_t)size), DT_OK);
  uint64_t a = 0, sz = 0;
  CHECK_EQ_INT(dt_reg(&dt, dt_path(&dt, "/memory"), 0, &a, &sz), DT_OK);
  CHECK_EQ(a, 0x80000000);
  CHECK_EQ(sz, 0x8000000);
  CHECK_EQ_INT(dt_stdout_node(&dt), dt_path(&dt, "/soc/serial@10000000"));
  CHECK_EQ_INT(dt_prop_u64(&dt, dt_path(&dt, "/chosen"), "linux,initrd-start", &a), DT_OK);
  CHECK_EQ(a, 0x88200000);

  /* The exact size is enough; every smaller buffer is NOSPACE, and the
   * writer stays inside it (exact allocations: ASan checks). */
  uint8_t *exact = malloc((size_t)size);
  CHECK_EQ_INT(write_tree(exact, (size_t)size), size);
  CHECK(memcmp(exact, buf, (size_t)size) == 0);
  free(exact);
  int bad = 0;
  for (int c = 0; c < size; c++) {
    uint8_t *small = malloc(c ? (size_t)c : 1);
    int r = write_tree(small, (size_t)c);
    if (r != DT_ERR_NOSPACE) {
      bad++;
      fprintf(stderr, "capacity %d: %d\n", c, r);
    }
    free(small);
  }
  CHECK_EQ_INT(bad, 0);
  free(buf);
}

static struct dtw w;
static uint8_t wbuf[1024];

static void test_errors(void) {
  /* An empty root is the smallest valid tree. */
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_begin_node(&w, "");
  dtw_end_node(&w);
  int n = dtw_finish(&w);
  CHECK(n > 0);
  if (n > 0)
    CHECK_EQ_INT(fdt_check_full(wbuf, (size_t)n), 0);

  /* Unbalanced nodes. */
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_begin_node(&w, "");
  dtw_begin_node(&w, "open");
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_BADSTRUCT);

  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_end_node(&w);
  dtw_begin_node(&w, "");
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_BADSTRUCT);

  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_begin_node(&w, "");
  dtw_end_node(&w);
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_BADSTRUCT);

  /* A property outside any node. */
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_prop_u32(&w, "early", 1);
  dtw_begin_node(&w, "");
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_BADSTRUCT);

  /* Too many cells for dtw_prop_cells. */
  uint32_t cells[17] = {0};
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_begin_node(&w, "");
  dtw_prop_cells(&w, "many", cells, 17);
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_BADVALUE);
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_begin_node(&w, "");
  dtw_prop_cells(&w, "sixteen", cells, 16);
  dtw_end_node(&w);
  CHECK(dtw_finish(&w) > 0);

  /* A property longer than a 32-bit length can say is refused, not dropped
   * (the writer must not read the data: it is refused before). */
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_begin_node(&w, "");
  dtw_prop(&w, "huge", cells, (size_t)UINT32_MAX + 1);
  dtw_end_node(&w);
  CHECK(dtw_finish(&w) < 0);

  /* The strings block is bounded: distinct names eventually do not fit. */
  static uint8_t big[64 * 1024];
  dtw_init(&w, big, sizeof(big));
  dtw_begin_node(&w, "");
  char name[32];
  for (int i = 0; i < 200; i++) {
    snprintf(name, sizeof(name), "property-name-%04d", i); /* 19 bytes with NUL */
    dtw_prop_empty(&w, name);
  }
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_NOSPACE);
  /* ... while the same names again and again take no more room. */
  dtw_init(&w, big, sizeof(big));
  dtw_begin_node(&w, "");
  for (int i = 0; i < 2000; i++) {
    snprintf(name, sizeof(name), "property-name-%04d", i % 50);
    dtw_begin_node(&w, "n");
    dtw_prop_u32(&w, name, (uint32_t)i);
    dtw_end_node(&w);
  }
  dtw_end_node(&w);
  n = dtw_finish(&w);
  CHECK(n > 0);
  if (n > 0) {
    CHECK_EQ_INT(fdt_check_full(big, (size_t)n), 0);
    CHECK_EQ(fdt_size_dt_strings(big), 50 * 19);
  }

  /* Errors are sticky: the first one is reported. */
  dtw_init(&w, wbuf, 64);
  dtw_begin_node(&w, "");
  dtw_prop_str(&w, "long", "this does not fit in sixty-four bytes of blob, header included");
  dtw_end_node(&w);
  dtw_end_node(&w); /* unbalanced too, but NOSPACE came first */
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_NOSPACE);
  dtw_init(&w, wbuf, sizeof(wbuf));
  dtw_end_node(&w);
  dtw_begin_node(&w, "");
  uint32_t c17[17] = {0};
  dtw_prop_cells(&w, "x", c17, 17);
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_BADSTRUCT);

  /* Capacities below the header and reservation map. */
  dtw_init(&w, wbuf, 0);
  dtw_begin_node(&w, "");
  dtw_end_node(&w);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_NOSPACE);
  dtw_init(&w, wbuf, 55);
  CHECK_EQ_INT(dtw_finish(&w), DT_ERR_NOSPACE);
}

int main(void) {
  test_roundtrip();
  test_errors();
  return check_report("fdt_writer");
}
