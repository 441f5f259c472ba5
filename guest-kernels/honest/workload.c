#include "workload.h"

uint64_t honest_prng_next(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545f4914f6cdd1dULL;
}

void honest_fill(uint64_t *buf, size_t words, uint64_t seed) {
  uint64_t s = seed ? seed : 1;
  for (size_t i = 0; i < words; i++)
    buf[i] = honest_prng_next(&s);
}

size_t honest_verify(const uint64_t *buf, size_t words, uint64_t seed) {
  uint64_t s = seed ? seed : 1;
  for (size_t i = 0; i < words; i++)
    if (buf[i] != honest_prng_next(&s))
      return i;
  return words;
}

uint64_t honest_fnv1a_word(uint64_t h, uint64_t word) {
  for (int b = 0; b < 8; b++) {
    h ^= (word >> (8 * b)) & 0xff;
    h *= HONEST_FNV_PRIME;
  }
  return h;
}

uint64_t honest_round(const uint64_t *buf, size_t words, unsigned r, uint64_t h) {
  size_t stride = 2 * (size_t)r * 0x9e37 + 1, mask = words - 1;
  h ^= r;
  for (size_t i = 0; i < words; i++)
    h = honest_fnv1a_word(h, buf[(i * stride + r) & mask]);
  return h;
}
