/* libFuzzer target: image_plan on arbitrary bytes (exactly sized copy) with
 * two RAM layouts; every accepted plan must stay inside the file and RAM. */
#include "hv/lib/image.h"
#include <stdlib.h>
#include <string.h>

static void check_plan(const struct image_plan *p, size_t size, uint64_t base, uint64_t ram) {
  if (p->nseg < 1 || p->nseg > IMAGE_MAX_SEGMENTS)
    abort();
  for (int i = 0; i < p->nseg; i++) {
    const struct image_segment *s = &p->seg[i];
    if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
      abort();
    if (s->gpa < base || s->gpa - base > ram || s->memsz > ram - (s->gpa - base))
      abort();
    for (int j = 0; j < i; j++) {
      const struct image_segment *o = &p->seg[j];
      if (s->gpa < o->gpa + o->memsz && o->gpa < s->gpa + s->memsz)
        abort();
    }
  }
  if (p->entry < base || p->entry - base >= ram)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *img = malloc(size ? size : 1);
  memcpy(img, data, size);
  static const struct {
    uint64_t base, size;
  } rams[] = {{0x80000000ULL, 128ULL << 20}, {0x80000000ULL, 0x201000}, {0, 64ULL << 20}};
  for (size_t i = 0; i < sizeof(rams) / sizeof(rams[0]); i++) {
    struct image_plan plan;
    char err[96];
    memset(err, 'x', sizeof(err));
    if (image_plan(img, size, rams[i].base, rams[i].size, &plan, err, sizeof(err)) == 0)
      check_plan(&plan, size, rams[i].base, rams[i].size);
    else if (!memchr(err, 0, sizeof(err)) || err[0] == '\0')
      abort(); /* a failure always says why, NUL-terminated */
  }
  free(img);
  return 0;
}
