/* The fuzz targets' reading of their input: little-endian numbers taken
 * from the front; an exhausted input reads as zeros. */
#ifndef RV_FUZZ_INPUT_H
#define RV_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>

struct input {
  const uint8_t *p;
  size_t n;
};

/* The next `bytes` (at most 8) bytes as a little-endian number. */
static inline uint64_t take(struct input *in, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
    v |= (uint64_t)*in->p++ << (8 * i);
  return v;
}

#endif
