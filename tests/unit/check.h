/* A minimal check harness for the host unit tests: every failed check prints
 * where and what, and check_report() makes main() return nonzero if any
 * check failed (the sanitizers abort on their own). */
#ifndef RV_UNIT_CHECK_H
#define RV_UNIT_CHECK_H
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int check_total, check_failed;

static inline int check_result(int ok, const char *file, int line) {
  check_total++;
  if (!ok) {
    check_failed++;
    fprintf(stderr, "%s:%d: FAILED: ", file, line);
  }
  return ok;
}

static inline void check_true(int ok, const char *what, const char *file, int line) {
  if (!check_result(ok, file, line))
    fprintf(stderr, "%s\n", what);
}

static inline void check_eq_u64(uint64_t a, uint64_t b, const char *as, const char *bs,
                                const char *file, int line) {
  if (!check_result(a == b, file, line))
    fprintf(stderr, "%s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")\n", as, bs, a, b);
}

static inline void check_eq_i64(int64_t a, int64_t b, const char *as, const char *bs,
                                const char *file, int line) {
  if (!check_result(a == b, file, line))
    fprintf(stderr, "%s == %s (%" PRId64 " != %" PRId64 ")\n", as, bs, a, b);
}

static inline void check_eq_str(const char *a, const char *b, const char *as, const char *bs,
                                const char *file, int line) {
  int ok = a && b && strcmp(a, b) == 0;
  if (!check_result(ok, file, line))
    fprintf(stderr, "%s == %s (\"%s\" != \"%s\")\n", as, bs, a ? a : "(null)", b ? b : "(null)");
}

static inline void check_contains(const char *hay, const char *needle, const char *hs,
                                  const char *file, int line) {
  int ok = hay && strstr(hay, needle) != NULL;
  if (!check_result(ok, file, line))
    fprintf(stderr, "%s contains \"%s\" (it is \"%s\")\n", hs, needle, hay ? hay : "(null)");
}

#define CHECK(cond) check_true(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b) check_eq_u64((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_EQ_INT(a, b) check_eq_i64((int64_t)(a), (int64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_STR(a, b) check_eq_str((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_CONTAINS(hay, needle) check_contains((hay), (needle), #hay, __FILE__, __LINE__)

/* Print the summary; the value for main() to return. */
static inline int check_report(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_total, check_failed);
  return check_failed ? 1 : 0;
}

#endif
