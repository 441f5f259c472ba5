/*
 * The pure pieces of rvinit's disk modes (guest-kernels/linux/init.c), in a header so that the
 * host unit test tests/unit/test_rvinit_disk.c checks the very code the guest runs: SHA-256,
 * the pattern the guest writes (tests/boot/ext4_image.py makes the same bytes on the host),
 * the kernel command line lookup. No allocation, no I/O.
 */
#ifndef RVINIT_DISKUTIL_H
#define RVINIT_DISKUTIL_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The value of key=value in a kernel command line (words separated by spaces or newlines),
 * copied into out[size] (cut to fit); NULL if no word is key=... */
static const char *cmdline_find(const char *cmdline, const char *key, char *out, size_t size) {
  size_t klen = strlen(key);
  for (const char *p = cmdline; *p;) {
    while (*p == ' ' || *p == '\n')
      p++;
    const char *end = p;
    while (*end && *end != ' ' && *end != '\n')
      end++;
    if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
      size_t n = (size_t)(end - p) - klen - 1;
      if (n >= size)
        n = size - 1;
      memcpy(out, p + klen + 1, n);
      out[n] = '\0';
      return out;
    }
    p = end;
  }
  return NULL;
}

/* SHA-256 (FIPS 180-4), one buffer at a time. */
struct sha256 {
  uint32_t h[8];
  uint64_t len;
  unsigned char block[64];
  size_t fill;
};

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror32(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void sha256_block(struct sha256 *c, const unsigned char *p) {
  uint32_t w[64], v[8];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, c->h, sizeof(v));
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
                  ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
    uint32_t t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
                  ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof(v[0]));
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++)
    c->h[i] += v[i];
}

static void sha256_init(struct sha256 *c) {
  static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, h0, sizeof(h0));
  c->len = 0;
  c->fill = 0;
}

static void sha256_update(struct sha256 *c, const unsigned char *p, size_t n) {
  c->len += n;
  while (n) {
    size_t take = 64 - c->fill < n ? 64 - c->fill : n;
    memcpy(c->block + c->fill, p, take);
    c->fill += take;
    p += take;
    n -= take;
    if (c->fill == 64) {
      sha256_block(c, c->block);
      c->fill = 0;
    }
  }
}

/* Finishes the hash and writes it as 64 lower-case hex digits into hex[65]. */
static void sha256_hex(struct sha256 *c, char hex[65]) {
  uint64_t bits = c->len * 8;
  unsigned char pad[72] = {0x80};
  size_t padlen = (c->fill < 56 ? 56 : 120) - c->fill;
  for (int i = 0; i < 8; i++)
    pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_update(c, pad, padlen + 8);
  for (int i = 0; i < 8; i++)
    snprintf(hex + 8 * i, 9, "%08" PRIx32, c->h[i]);
}

/* The contents the disk modes write: a xorshift64* stream seeded by a tag, 8 bytes per step,
 * little-endian. tests/boot/ext4_image.py makes the same bytes (pattern()). */
static void pattern_fill(uint64_t tag, unsigned char *buf, size_t n) {
  uint64_t x = (tag * 0x9e3779b97f4a7c15ull) ^ 0xd1b54a32d192ed03ull;
  if (!x)
    x = 1;
  for (size_t i = 0; i < n; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    uint64_t w = x * 0x2545f4914f6cdd1dull;
    for (size_t b = 0; b < 8 && i + b < n; b++)
      buf[i + b] = (unsigned char)(w >> (8 * b));
  }
}

#endif
