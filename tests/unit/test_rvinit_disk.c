/* Host test of the Linux guest's disk-mode helpers (guest-kernels/linux/diskutil.h, the code
 * rvinit runs): SHA-256 against FIPS 180-4 / NIST vectors, fed whole and in odd pieces; the
 * write pattern against the bytes tests/boot/ext4_image.py makes on the host (the host checks
 * the guest's files with them); the kernel command line lookup, hostile words included. */
#include "check.h"
#include "guest-kernels/linux/diskutil.h"
#include <stdlib.h>

static void sha_of(const void *p, size_t n, size_t piece, char hex[65]) {
  struct sha256 c;
  sha256_init(&c);
  const unsigned char *b = p;
  for (size_t off = 0; off < n; off += piece)
    sha256_update(&c, b + off, n - off < piece ? n - off : piece);
  sha256_hex(&c, hex);
}

static void test_sha256_vectors(void) {
  char hex[65];
  sha_of("", 0, 1, hex);
  CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha_of("abc", 3, 3, hex);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  /* 56 bytes: the padding needs a second block */
  static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (size_t piece = 1; piece <= 64; piece++) {
    sha_of(two, strlen(two), piece, hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
  size_t n = 1000000;
  char *a = malloc(n);
  memset(a, 'a', n);
  sha_of(a, n, 4093, hex);
  CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(a);
}

/* Python: ext4_image.pattern(tag, n), printed once. */
static void test_pattern(void) {
  unsigned char b[300001];
  char hex[65];
  pattern_fill(7, b, 8);
  static const unsigned char want7[8] = {0x3f, 0xd6, 0x24, 0x97, 0xd1, 0xeb, 0xde, 0x3b};
  CHECK(!memcmp(b, want7, 8));
  pattern_fill(0, b, 8); /* tag 0 is not a zero state */
  static const unsigned char want0[8] = {0x48, 0x93, 0x8f, 0x02, 0x58, 0x69, 0x5f, 0x01};
  CHECK(!memcmp(b, want0, 8));
  pattern_fill(7, b, sizeof(b)); /* a length that is not whole words */
  sha_of(b, sizeof(b), sizeof(b), hex);
  CHECK_STR(hex, "e1d4e5839bef274e25d030f6a8a11cd4e29197338b0eecbcff5336b34edf68a2");
  unsigned char c[5] = {0xee, 0xee, 0xee, 0xee, 0xee};
  pattern_fill(7, c, 3); /* writes exactly n bytes */
  CHECK(!memcmp(c, want7, 3) && c[3] == 0xee && c[4] == 0xee);
}

static void test_cmdline(void) {
  static const char line[] =
      "console=ttyS0 rv.disk=check rv.disk.sha256=abc rv.disk.tag=42 rv.disk.dev=vdb\n";
  char v[8];
  CHECK_STR(cmdline_find(line, "rv.disk", v, sizeof(v)), "check");
  CHECK_STR(cmdline_find(line, "rv.disk.tag", v, sizeof(v)), "42");
  CHECK_STR(cmdline_find(line, "rv.disk.dev", v, sizeof(v)), "vdb"); /* before the newline */
  CHECK(cmdline_find(line, "rv.dis", v, sizeof(v)) == NULL);         /* a prefix is not a key */
  CHECK(cmdline_find(line, "tag", v, sizeof(v)) == NULL);            /* nor a suffix */
  CHECK(cmdline_find("", "rv.disk", v, sizeof(v)) == NULL);
  CHECK(cmdline_find("rv.disk", "rv.disk", v, sizeof(v)) == NULL); /* no '=' */
  CHECK_STR(cmdline_find("  rv.disk=   x", "rv.disk", v, sizeof(v)), "");
  CHECK_STR(cmdline_find("rv.disk=0123456789abcdef", "rv.disk", v, sizeof(v)), "0123456"); /* cut */
}

int main(void) {
  test_sha256_vectors();
  test_pattern();
  test_cmdline();
  return check_report("rvinit_disk");
}
