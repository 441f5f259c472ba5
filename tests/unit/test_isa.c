/* Host tests of the ISA-string helpers (hv/lib/isa.c). */
#include "check.h"
#include "hv/lib/isa.h"
#include <stdlib.h>

static const char *const QEMU_ISA = "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";

static void test_has_ext(void) {
  /* Single letters, from the single-letter part only. */
  static const char *const yes[] = {"i", "m", "a", "f", "d", "c", "h"};
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
    CHECK(isa_has_ext(QEMU_ISA, yes[i]));
  static const char *const no1[] = {"v", "e", "q", "b", "g", "s", "z", "x"};
  for (size_t i = 0; i < sizeof(no1) / sizeof(no1[0]); i++)
    CHECK(!isa_has_ext(QEMU_ISA, no1[i]));
  /* Multi-letter names, whole names only. */
  static const char *const multi[] = {"zicsr", "zifencei", "zihintpause", "zba",
                                      "zbb",   "zbc",      "zbs",         "sstc"};
  for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
    CHECK(isa_has_ext(QEMU_ISA, multi[i]));
  static const char *const no[] = {"zb",     "zbbx",    "sst",  "sstc_", "zicsr_zifencei",
                                   "svpbmt", "imafdch", "rv64", "zbs ",  ""};
  for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
    CHECK(!isa_has_ext(QEMU_ISA, no[i]));

  /* g stands for imafd (and not for c, h or extensions). */
  CHECK(isa_has_ext("rv64gc", "i"));
  CHECK(isa_has_ext("rv64gc", "m"));
  CHECK(isa_has_ext("rv64gc", "a"));
  CHECK(isa_has_ext("rv64gc", "f"));
  CHECK(isa_has_ext("rv64gc", "d"));
  CHECK(isa_has_ext("rv64gc", "c"));
  CHECK(!isa_has_ext("rv64gc", "h"));
  CHECK(!isa_has_ext("rv64gc", "v"));
  CHECK(!isa_has_ext("rv64gc", "sstc"));
  CHECK(!isa_has_ext("rv64g", "c"));

  /* Upper case strings and names. */
  CHECK(isa_has_ext("RV64IMAFDCH_ZICSR_SSTC", "h"));
  CHECK(isa_has_ext("RV64IMAFDCH_ZICSR_SSTC", "sstc"));
  CHECK(isa_has_ext("RV64GC", "d"));
  CHECK(isa_has_ext("rv64imafdch_zicsr_sstc", "SSTC"));
  CHECK(!isa_has_ext("RV64IMAFDC_ZICSR_SSTC", "h"));

  /* No multi-letter part. */
  CHECK(isa_has_ext("rv64imac", "a"));
  CHECK(!isa_has_ext("rv64imac", "sstc"));
  CHECK(!isa_has_ext("rv64imac", "h"));
  CHECK(isa_has_ext("rv32imac", "c"));
  /* A multi-letter name's letters are not single-letter extensions. */
  CHECK(!isa_has_ext("rv64ima_zicsr", "z"));
  CHECK(!isa_has_ext("rv64ima_sstc", "s"));
  CHECK(!isa_has_ext("rv64ima_sstc", "c"));
  CHECK(isa_has_ext("rv64i__zicsr", "zicsr")); /* empty names are skipped */

  /* Not an rv32/rv64 string. */
  static const char *const bad[] = {
      "", "r", "rv", "rv6", "rv128imafdch", "rv65imac", "x86_64", "imafdch_sstc", " rv64imafdch"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK(!isa_has_ext(bad[i], "h"));
    CHECK(!isa_has_ext(bad[i], "i"));
    CHECK(!isa_has_ext(bad[i], "sstc"));
  }
  CHECK(!isa_has_ext("rv64", "i"));
}

/* isa_without into an exactly sized buffer (so ASan sees any overrun). */
static void check_without(const char *isa, const char *const *drop, size_t ndrop, const char *want,
                          const char *file, int line) {
  size_t need = strlen(want) + 1;
  char *out = malloc(need);
  int r = isa_without(isa, drop, ndrop, out, need);
  if (!check_result(r == 0, file, line))
    fprintf(stderr, "isa_without(\"%s\") returned %d\n", isa, r);
  else if (!check_result(strcmp(out, want) == 0, file, line))
    fprintf(stderr, "isa_without(\"%s\") = \"%s\", expected \"%s\"\n", isa, out, want);
  free(out);
  /* Every smaller buffer is refused, without writing past it. */
  for (size_t n = 0; n < need; n++) {
    char *small = malloc(n ? n : 1);
    r = isa_without(isa, drop, ndrop, small, n);
    if (!check_result(r == -1, file, line))
      fprintf(stderr, "isa_without(\"%s\") into %zu bytes returned %d\n", isa, n, r);
    free(small);
  }
}
#define WITHOUT(isa, drop, want)                                                                   \
  check_without((isa), (drop), sizeof(drop) / sizeof((drop)[0]), (want), __FILE__, __LINE__)

static void test_without(void) {
  static const char *const h[] = {"h"};
  static const char *const h_sstc[] = {"h", "sstc"};
  static const char *const sstc[] = {"sstc"};
  static const char *const zicsr_zbs[] = {"zicsr", "zbs"};
  static const char *const c[] = {"c"};
  static const char *const nothing[] = {"v", "zfh"};
  WITHOUT(QEMU_ISA, h, "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc");
  WITHOUT(QEMU_ISA, h_sstc, "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs");
  WITHOUT(QEMU_ISA, sstc, "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs");
  WITHOUT(QEMU_ISA, zicsr_zbs, "rv64imafdch_zifencei_zihintpause_zba_zbb_zbc_sstc");
  WITHOUT(QEMU_ISA, nothing, QEMU_ISA);
  WITHOUT("rv64imac", c, "rv64ima");
  WITHOUT("rv64imac", h, "rv64imac");
  WITHOUT("rv64gch", h, "rv64gc");
  WITHOUT("rv32imafdch_sstc", h_sstc, "rv32imafdc");
  /* Case is kept; matching ignores it. */
  WITHOUT("RV64IMAFDCH_ZICSR_SSTC", h_sstc, "RV64IMAFDC_ZICSR");
  /* Empty names disappear. */
  WITHOUT("rv64ih__zicsr_", h, "rv64i_zicsr");
  /* Dropping a multi-letter name never drops a letter, and vice versa. */
  static const char *const s[] = {"s"};
  WITHOUT("rv64imac_sstc_svpbmt", s, "rv64imac_sstc_svpbmt");
  /* Dropping nothing. */
  char out[80];
  CHECK_EQ_INT(isa_without("rv64gc_zicsr", NULL, 0, out, sizeof(out)), 0);
  CHECK_STR(out, "rv64gc_zicsr");
  /* Not an ISA string. */
  CHECK_EQ_INT(isa_without("x86_64", h, 1, out, sizeof(out)), -1);
  CHECK_EQ_INT(isa_without("", h, 1, out, sizeof(out)), -1);
  CHECK_EQ_INT(isa_without("rv128i", h, 1, out, sizeof(out)), -1);
}

int main(void) {
  test_has_ext();
  test_without();
  return check_report("isa");
}
