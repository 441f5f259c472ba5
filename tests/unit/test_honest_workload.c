/* Host test of the honest guest's workload (guest-kernels/honest/workload.c):
 * the hash is standard FNV-1a 64 (published test vectors), the PRNG and the
 * round order match a plain reference written here, and the full workload
 * yields HONEST_EXPECTED, the constant the guest checks under QEMU. */
#include "check.h"
#include "guest-kernels/honest/workload.h"
#include <stdlib.h>

/* Reference FNV-1a 64 over a byte string. */
static uint64_t ref_fnv1a(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * HONEST_FNV_PRIME;
  return h;
}

/* Reference round: the order written out as a separate permutation. */
static uint64_t ref_round(const uint64_t *buf, size_t words, unsigned r, uint64_t h) {
  size_t *order = malloc(words * sizeof(*order));
  char *seen = calloc(words, 1);
  size_t stride = 2 * (size_t)r * 0x9e37 + 1;
  for (size_t i = 0; i < words; i++) {
    order[i] = (size_t)(((unsigned long long)i * stride + r) % words);
    seen[order[i]]++;
  }
  for (size_t i = 0; i < words; i++)
    CHECK(seen[i] == 1); /* every word exactly once */
  h ^= r;
  for (size_t i = 0; i < words; i++) {
    unsigned char b[8];
    for (int k = 0; k < 8; k++)
      b[k] = (unsigned char)(buf[order[i]] >> (8 * k));
    h = ref_fnv1a(h, b, 8);
  }
  free(order);
  free(seen);
  return h;
}

static void test_fnv_vectors(void) {
  CHECK_EQ(ref_fnv1a(HONEST_FNV_OFFSET, (const unsigned char *)"", 0), 0xcbf29ce484222325ULL);
  CHECK_EQ(ref_fnv1a(HONEST_FNV_OFFSET, (const unsigned char *)"a", 1), 0xaf63dc4c8601ec8cULL);
  CHECK_EQ(ref_fnv1a(HONEST_FNV_OFFSET, (const unsigned char *)"foobar", 6), 0x85944171f73967e8ULL);
  const unsigned char w[8] = {'r', 'i', 's', 'c', 'v', '-', 'h', 'v'};
  uint64_t word = 0;
  for (int k = 7; k >= 0; k--)
    word = word << 8 | w[k];
  CHECK_EQ(honest_fnv1a_word(HONEST_FNV_OFFSET, word), ref_fnv1a(HONEST_FNV_OFFSET, w, 8));
}

static void test_prng(void) {
  /* xorshift64* by its definition, step by step. */
  uint64_t s = HONEST_SEED, x = HONEST_SEED;
  for (int i = 0; i < 1000; i++) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    CHECK_EQ(honest_prng_next(&s), x * 0x2545f4914f6cdd1dULL);
  }
  uint64_t buf[64];
  honest_fill(buf, 64, 7);
  CHECK_EQ(honest_verify(buf, 64, 7), 64);
  buf[33] ^= 1;
  CHECK_EQ(honest_verify(buf, 64, 7), 33);
}

static void test_rounds_match_reference(void) {
  enum { N = 4096 };
  static uint64_t buf[N];
  honest_fill(buf, N, HONEST_SEED);
  uint64_t h = HONEST_FNV_OFFSET, ref = HONEST_FNV_OFFSET;
  for (unsigned r = 0; r < HONEST_ROUNDS; r++) {
    h = honest_round(buf, N, r, h);
    ref = ref_round(buf, N, r, ref);
    CHECK_EQ(h, ref);
  }
}

static void test_full_workload(void) {
  uint64_t *buf = malloc(HONEST_WORDS * sizeof(*buf));
  honest_fill(buf, HONEST_WORDS, HONEST_SEED);
  uint64_t h = HONEST_FNV_OFFSET;
  for (unsigned r = 0; r < HONEST_ROUNDS; r++) {
    h = honest_round(buf, HONEST_WORDS, r, h);
    printf("round %u/%u checksum 0x%016" PRIx64 "\n", r + 1, HONEST_ROUNDS, h);
  }
  CHECK_EQ(h, HONEST_EXPECTED);
  CHECK_EQ(honest_verify(buf, HONEST_WORDS, HONEST_SEED), HONEST_WORDS);
  free(buf);
}

int main(void) {
  test_fnv_vectors();
  test_prng();
  test_rounds_match_reference();
  test_full_workload();
  return check_report("honest_workload");
}
