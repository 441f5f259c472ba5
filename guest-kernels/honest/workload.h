/* The honest guest's workload, pure C so that the host unit test
 * (tests/unit/test_honest_workload.c) runs the very same code and proves
 * HONEST_EXPECTED: a buffer filled from a fixed-seed xorshift64* PRNG, then
 * hashed with FNV-1a 64 in HONEST_ROUNDS passes, each visiting the words in
 * a different order. */
#ifndef HONEST_WORKLOAD_H
#define HONEST_WORKLOAD_H
#include <stddef.h>
#include <stdint.h>

#define HONEST_WORDS (1UL << 21) /* 16 MiB of uint64_t */
#define HONEST_ROUNDS 24
#define HONEST_SEED 0x5eed15a7e0c0ffeeULL
/* FNV-1a 64 over all rounds of the buffer above (see the unit test). */
#define HONEST_EXPECTED 0xc5e6faf990962d89ULL

#define HONEST_FNV_OFFSET 0xcbf29ce484222325ULL
#define HONEST_FNV_PRIME 0x100000001b3ULL

/* One step of xorshift64* (Marsaglia; Vigna's multiplier): advances *state
 * (never 0) and returns the next output. */
uint64_t honest_prng_next(uint64_t *state);
/* Fill buf[0..words) with the PRNG sequence from seed. */
void honest_fill(uint64_t *buf, size_t words, uint64_t seed);
/* Index of the first word that differs from the PRNG sequence, or words. */
size_t honest_verify(const uint64_t *buf, size_t words, uint64_t seed);
/* FNV-1a 64 of the bytes of one word (little-endian), continuing from h. */
uint64_t honest_fnv1a_word(uint64_t h, uint64_t word);
/* Round r: continue the hash h over every word of buf (words a power of
 * two) in the order i -> (i * stride_r + r) mod words, stride_r odd. */
uint64_t honest_round(const uint64_t *buf, size_t words, unsigned r, uint64_t h);

#endif
