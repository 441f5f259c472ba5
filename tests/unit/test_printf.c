/* Host tests of rv_snprintf (hv/lib/printf.c), against fixed expectations
 * and, for the formats it shares with C, the host's snprintf. */
#include "check.h"
#include "hv/lib/printf.h"
#include <limits.h>
#include <stdint.h>

static char buf[256];

/* rv_snprintf into buf: the text must be `want` and the return its length. */
#define EXPECT(want, ...)                                                                          \
  do {                                                                                             \
    memset(buf, 'Z', sizeof(buf));                                                                 \
    int n_ = rv_snprintf(buf, sizeof(buf), __VA_ARGS__);                                           \
    CHECK_STR(buf, want);                                                                          \
    CHECK_EQ_INT(n_, (int)strlen(want));                                                           \
  } while (0)

/* The same text as the host's snprintf. */
#define SAME_AS_LIBC(...)                                                                          \
  do {                                                                                             \
    char libc_[256];                                                                               \
    snprintf(libc_, sizeof(libc_), __VA_ARGS__);                                                   \
    EXPECT(libc_, __VA_ARGS__);                                                                    \
  } while (0)

static void test_formats(void) {
  EXPECT("plain text", "plain text");
  EXPECT("", "%s", "");
  EXPECT("42", "%d", 42);
  EXPECT("-42", "%d", -42);
  EXPECT("0", "%d", 0);
  EXPECT("-2147483648", "%d", INT_MIN);
  EXPECT("2147483647", "%i", INT_MAX);
  EXPECT("-9223372036854775808", "%ld", LONG_MIN);
  EXPECT("-9223372036854775808", "%lld", LLONG_MIN);
  EXPECT("18446744073709551615", "%lu", ULONG_MAX);
  EXPECT("4294967295", "%u", UINT_MAX);
  EXPECT("4294967295", "%u", -1); /* int promoted, read as unsigned int */
  EXPECT("ffffffff", "%x", 0xFFFFFFFFu);
  EXPECT("deadbeef", "%lx", 0xdeadbeefUL);
  EXPECT("ffffffffffffffff", "%lx", ULONG_MAX);
  EXPECT("DEADBEEF", "%X", 0xdeadbeefu);
  EXPECT("00000000deadbeef", "%016lx", 0xdeadbeefUL);
  EXPECT("1234567890abcdef", "%016lx", 0x1234567890abcdefUL);
  EXPECT("123456", "%04x", 0x123456u); /* wider than the width */
  EXPECT("   42", "%5d", 42);
  EXPECT("  -42", "%5d", -42);
  EXPECT("-0042", "%05d", -42);
  EXPECT("00042", "%05u", 42u);
  EXPECT("42", "%1d", 42);
  EXPECT("18446744073709551615", "%zu", SIZE_MAX);
  EXPECT("ab      |", "%-8s|", "ab");
  EXPECT("      ab|", "%8s|", "ab");
  EXPECT("abcdefghij|", "%-8s|", "abcdefghij");
  EXPECT("abc", "%.*s", 3, "abcdef");
  EXPECT("", "%.*s", 0, "abcdef");
  EXPECT("ab", "%.*s", 5, "ab");
  EXPECT("abcdef", "%.*s", -1, "abcdef"); /* negative precision: none */
  EXPECT("abc", "%.3s", "abcdef");
  EXPECT("[  abc]", "[%5.3s]", "abcdef");
  const char *volatile null_string = NULL; /* hidden from the format checker */
  EXPECT("(null)", "%s", null_string);
  EXPECT("0x1234", "%p", (void *)0x1234);
  EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
  EXPECT("100%", "%d%%", 100);
  EXPECT("%", "%%");
  EXPECT("x", "%c", 'x');
  EXPECT("a-1b", "%c%d%c", 'a', -1, 'b');
  EXPECT("vm0: 128 MiB at 0x80000000", "%s: %lu MiB at 0x%lx", "vm0", 128UL, 0x80000000UL);

  SAME_AS_LIBC("%d %i %u %x %X", -7, 7, 7u, 0xabcu, 0xabcu);
  SAME_AS_LIBC("%08x|%8x|%-8s|%8s", 0x1234u, 0x1234u, "left", "right");
  SAME_AS_LIBC("%ld %lu %lx %016lx", -123456789012L, 123456789012UL, 0xfeedUL, 0xfeedUL);
  SAME_AS_LIBC("%lld %llu %llx", LLONG_MIN, ULLONG_MAX, ULLONG_MAX);
  SAME_AS_LIBC("%zu %zx", (size_t)12345, (size_t)0xbeef);
  SAME_AS_LIBC("%.*s|%.2s|%c", 4, "truncate", "xyz", 'q');
  SAME_AS_LIBC("%p", (void *)0xdeadbeef);
  SAME_AS_LIBC("%010d|%-6s|%6d", -12345, "ab", -1);
}

static void test_truncation(void) {
  char small[6];
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, sizeof(small), "hello world"), 11);
  CHECK_STR(small, "hello");
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, sizeof(small), "%d", -1234567), 8);
  CHECK_STR(small, "-1234");
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, sizeof(small), "%016lx", 1UL), 16);
  CHECK_STR(small, "00000");
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, sizeof(small), "ab%-8s|", "c"), 11);
  CHECK_STR(small, "abc  ");
  /* Exactly fitting, and one short. */
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, sizeof(small), "12345"), 5);
  CHECK_STR(small, "12345");
  CHECK_EQ_INT(rv_snprintf(small, 5, "12345"), 5);
  CHECK_STR(small, "1234");
  CHECK_EQ((unsigned char)small[5], 0); /* byte 5 untouched since the previous call */
  /* Size 1: only the terminator. */
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, 1, "%s", "abc"), 3);
  CHECK_EQ(small[0], '\0');
  CHECK_EQ(small[1], 'Z');
  /* Size 0: nothing written, the full length returned. */
  memset(small, 'Z', sizeof(small));
  CHECK_EQ_INT(rv_snprintf(small, 0, "%s=%lu", "mem", 67108864UL), 12);
  CHECK_EQ(small[0], 'Z');
  CHECK_EQ_INT(rv_snprintf(NULL, 0, "%d%s", 12345, "abc"), 8);
  /* Each size from 0 to the full length, into an exact buffer. */
  const char *want = "vcpu 3: -17 0x00ff (name)";
  int len = (int)strlen(want);
  for (int size = 0; size <= len + 1; size++) {
    char out[64];
    memset(out, 'Z', sizeof(out));
    int n = rv_snprintf(out, (size_t)size, "vcpu %u: %d 0x%04x (%s)", 3u, -17, 0xffu, "name");
    CHECK_EQ_INT(n, len);
    if (size > 0) {
      int kept = size - 1 < len ? size - 1 : len;
      CHECK(memcmp(out, want, (size_t)kept) == 0);
      CHECK_EQ(out[kept], '\0');
      CHECK_EQ(out[kept + 1], 'Z');
    } else {
      CHECK_EQ(out[0], 'Z');
    }
  }
}

int main(void) {
  test_formats();
  test_truncation();
  return check_report("printf");
}
