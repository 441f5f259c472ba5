/* Host tests of the bitmap frame allocator (hv/core/mm.c): pure bookkeeping
 * on numbers, checked directly and against a simple model (one flag per
 * frame) under a long pseudo-random sequence of operations. Bitmaps are
 * exactly sized allocations (mm_bitmap_bytes), so ASan checks the sizing. */
#include "check.h"
#include "hv/core/mm.h"
#include <stdlib.h>

static uint64_t count_free(const struct mm *mm) {
  uint64_t n = 0;
  for (uint64_t f = 0; f < mm->nframes; f++)
    n += mm_is_free(mm, mm->base + f * PAGE_SIZE) != 0;
  return n;
}

static uint64_t *new_mm(struct mm *mm, uint64_t base, uint64_t end) {
  uint64_t *bitmap = malloc(mm_bitmap_bytes(base, end) + (mm_bitmap_bytes(base, end) == 0));
  mm_init(mm, base, end, bitmap);
  return bitmap;
}

static void test_bitmap_bytes(void) {
  uint64_t b = 0x80000000;
  CHECK_EQ(mm_bitmap_bytes(b, b), 0);
  CHECK_EQ(mm_bitmap_bytes(b, b + PAGE_SIZE), 8);
  CHECK_EQ(mm_bitmap_bytes(b, b + 64 * PAGE_SIZE), 8);
  CHECK_EQ(mm_bitmap_bytes(b, b + 65 * PAGE_SIZE), 16);
  CHECK_EQ(mm_bitmap_bytes(b, b + 65 * PAGE_SIZE - 1), 8); /* a partial frame is not covered */
  CHECK_EQ(mm_bitmap_bytes(b, b + (1ULL << 30)), (1ULL << 18) / 8);

  /* A base that is not page aligned: mm_init covers from the page below it,
   * which can take one more frame than end - base suggests. The bitmap sized
   * by mm_bitmap_bytes(base, end) must still be big enough. */
  uint64_t base = 0x80000800, end = base + 64 * PAGE_SIZE + 0x900;
  struct mm mm;
  CHECK_EQ(mm_bitmap_bytes(base, end), 16);
  uint64_t *bm = new_mm(&mm, base, end);
  CHECK_EQ(mm.base, 0x80000000);
  CHECK_EQ(mm.nframes, 65);
  CHECK_EQ(mm.free_frames, 0);
  mm_add_free(&mm, base, end);
  CHECK_EQ(mm.free_frames, 64); /* frames 1..64: frame 0 starts below base */
  CHECK_EQ(count_free(&mm), 64);
  CHECK(mm_is_free(&mm, 0x80000000 + 64 * PAGE_SIZE));
  free(bm);
}

static void test_free_and_reserve(void) {
  const uint64_t base = 0x80000000, end = base + 128 * PAGE_SIZE;
  struct mm mm;
  uint64_t *bm = new_mm(&mm, base, end);
  CHECK_EQ(mm.base, base);
  CHECK_EQ(mm.nframes, 128);
  CHECK_EQ(mm.free_frames, 0);
  CHECK_EQ(count_free(&mm), 0);

  /* Unaligned edges shrink to whole frames: [0x800, 0x5800) frees frames 1..4. */
  mm_add_free(&mm, base + 0x800, base + 0x5800);
  CHECK_EQ(mm.free_frames, 4);
  CHECK(!mm_is_free(&mm, base));
  for (uint64_t f = 1; f <= 4; f++)
    CHECK(mm_is_free(&mm, base + f * PAGE_SIZE));
  CHECK(!mm_is_free(&mm, base + 5 * PAGE_SIZE));
  CHECK(mm_is_free(&mm, base + 0x1FFF)); /* any address inside a frame */
  /* Freeing again does not count twice. */
  mm_add_free(&mm, base + 0x1000, base + 0x3000);
  CHECK_EQ(mm.free_frames, 4);
  /* Less than a whole frame frees nothing. */
  mm_add_free(&mm, base + 0x10000, base + 0x10FFF);
  mm_add_free(&mm, base + 0x10800, base + 0x11800);
  mm_add_free(&mm, base + 0x11000, base + 0x11000);
  mm_add_free(&mm, base + 0x12000, base + 0x11000);
  CHECK_EQ(mm.free_frames, 4);
  mm_add_free(&mm, base + 0x10001, base + 0x12001); /* only [0x11000, 0x12000) */
  CHECK_EQ(mm.free_frames, 5);
  CHECK(mm_is_free(&mm, base + 0x11000));
  CHECK(!mm_is_free(&mm, base + 0x10000));
  CHECK(!mm_is_free(&mm, base + 0x12000));
  /* Ranges are clamped to the span. */
  mm_add_free(&mm, base - 0x10000, base + PAGE_SIZE);
  CHECK_EQ(mm.free_frames, 6);
  CHECK(mm_is_free(&mm, base));
  mm_add_free(&mm, end - PAGE_SIZE, end + 0x100000);
  CHECK_EQ(mm.free_frames, 7);
  mm_add_free(&mm, end, end + 0x100000);
  mm_add_free(&mm, 0, base);
  CHECK_EQ(mm.free_frames, 7);
  CHECK_EQ(count_free(&mm), 7);
  /* Outside the span nothing is free. */
  CHECK(!mm_is_free(&mm, base - PAGE_SIZE));
  CHECK(!mm_is_free(&mm, base - 1));
  CHECK(!mm_is_free(&mm, end));
  CHECK(!mm_is_free(&mm, UINT64_MAX));
  CHECK(!mm_is_free(&mm, 0));

  /* Everything free, then reservations grow to whole frames. */
  mm_add_free(&mm, base, end);
  CHECK_EQ(mm.free_frames, 128);
  mm_reserve(&mm, base + 0x1800, base + 0x2001); /* frames 1 and 2 */
  CHECK_EQ(mm.free_frames, 126);
  CHECK(mm_is_free(&mm, base));
  CHECK(!mm_is_free(&mm, base + 0x1000));
  CHECK(!mm_is_free(&mm, base + 0x2000));
  CHECK(mm_is_free(&mm, base + 0x3000));
  mm_reserve(&mm, base + 0x1000, base + 0x3000); /* already used: no change */
  CHECK_EQ(mm.free_frames, 126);
  mm_reserve(&mm, base + 0x5000, base + 0x5000); /* empty */
  mm_reserve(&mm, base + 0x6000, base + 0x5000);
  CHECK_EQ(mm.free_frames, 126);
  mm_reserve(&mm, base + 0x5FFF, base + 0x6000); /* one byte: one frame */
  CHECK_EQ(mm.free_frames, 125);
  CHECK(!mm_is_free(&mm, base + 0x5000));
  mm_reserve(&mm, 0, base); /* below the span */
  mm_reserve(&mm, end, UINT64_MAX);
  CHECK_EQ(mm.free_frames, 125);
  /* An end near 2^64 saturates instead of wrapping. */
  mm_reserve(&mm, end - 2 * PAGE_SIZE, UINT64_MAX);
  CHECK_EQ(mm.free_frames, 123);
  CHECK(!mm_is_free(&mm, end - PAGE_SIZE));
  mm_reserve(&mm, end - 3 * PAGE_SIZE + 1, UINT64_MAX - 5);
  CHECK_EQ(mm.free_frames, 122);
  CHECK_EQ(count_free(&mm), mm.free_frames);
  free(bm);
}

static void test_alloc(void) {
  const uint64_t base = 0x80000000, end = base + 256 * PAGE_SIZE;
  struct mm mm;
  uint64_t *bm = new_mm(&mm, base, end);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), 0); /* nothing free yet */
  mm_add_free(&mm, base, end);

  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), base);
  CHECK_EQ(mm_alloc(&mm, 5000, PAGE_SIZE), base + 0x1000); /* two frames */
  CHECK_EQ(mm.free_frames, 253);
  CHECK(!mm_is_free(&mm, base + 0x2000));
  CHECK_EQ(mm_alloc(&mm, 1, PAGE_SIZE), base + 0x3000);
  /* 64 KiB alignment: the next multiple of 64 KiB. */
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x10000), base + 0x10000);
  CHECK_EQ(mm.free_frames, 251);
  /* Bad requests allocate nothing. */
  CHECK_EQ(mm_alloc(&mm, 0, PAGE_SIZE), 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0), 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 2048), 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x3000), 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x10001000), 0);
  CHECK_EQ(mm_alloc(&mm, 252 * PAGE_SIZE, PAGE_SIZE), 0); /* more than is free */
  CHECK_EQ(mm_alloc(&mm, 251 * PAGE_SIZE + 1, PAGE_SIZE), 0);
  CHECK_EQ(mm_alloc(&mm, UINT64_MAX, PAGE_SIZE), 0); /* rounding up must not wrap */
  CHECK_EQ(mm_alloc(&mm, UINT64_MAX - PAGE_SIZE + 2, PAGE_SIZE), 0);
  CHECK_EQ(mm_alloc(&mm, 0x8000000000000000ULL, PAGE_SIZE), 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x8000000000000000ULL), 0); /* base is not aligned so */
  CHECK_EQ(mm.free_frames, 251);
  CHECK_EQ(count_free(&mm), 251);

  /* Free and reuse, first fit. */
  mm_free(&mm, base + 0x1000, 5000);
  CHECK_EQ(mm.free_frames, 253);
  CHECK(mm_is_free(&mm, base + 0x1000) && mm_is_free(&mm, base + 0x2000));
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), base + 0x1000);
  /* A 3-frame request skips the 1-frame hole at 0x2000. */
  CHECK_EQ(mm_alloc(&mm, 3 * PAGE_SIZE, PAGE_SIZE), base + 0x4000);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), base + 0x2000);
  /* Freeing twice counts once. */
  mm_free(&mm, base + 0x2000, PAGE_SIZE);
  mm_free(&mm, base + 0x2000, PAGE_SIZE);
  CHECK_EQ(count_free(&mm), mm.free_frames);

  /* Exhaustion. */
  uint64_t n = mm.free_frames, got = 0;
  for (uint64_t i = 0; i < n; i++)
    got += mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE) != 0;
  CHECK_EQ(got, n);
  CHECK_EQ(mm.free_frames, 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), 0);
  mm_free(&mm, end - PAGE_SIZE, PAGE_SIZE);
  CHECK_EQ(mm_alloc(&mm, 2 * PAGE_SIZE, PAGE_SIZE), 0);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x10000), 0); /* free but not aligned */
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), end - PAGE_SIZE);
  free(bm);

  /* A base not aligned to the requested alignment. */
  const uint64_t b2 = 0x80001000, e2 = 0x80801000; /* 8 MiB */
  bm = new_mm(&mm, b2, e2);
  mm_add_free(&mm, b2, e2);
  uint64_t a = mm_alloc(&mm, 0x200000, 0x200000);
  CHECK_EQ(a, 0x80200000);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x200000), 0x80400000);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, 0x2000), 0x80002000);
  CHECK_EQ(mm_alloc(&mm, PAGE_SIZE, PAGE_SIZE), 0x80001000);
  CHECK_EQ(mm_alloc(&mm, 0x400000, 0x400000), 0); /* 0x80400000 is taken, 0x80800000 too short */
  CHECK_EQ(mm_alloc(&mm, 0x200000, 0x200000), 0x80600000);
  CHECK_EQ(mm_alloc(&mm, 0x200000, 0x200000), 0);
  CHECK_EQ(count_free(&mm), mm.free_frames);
  free(bm);
}

/* Pseudo-random operations against a model with one flag per frame. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

#define MODEL_FRAMES 300

static uint64_t model_alloc(unsigned char *free_, uint64_t base, uint64_t nframes, uint64_t size,
                            uint64_t align) {
  uint64_t need = (size + PAGE_SIZE - 1) / PAGE_SIZE;
  for (uint64_t a = (base + align - 1) / align * align;
       a + need * PAGE_SIZE <= base + nframes * PAGE_SIZE; a += align) {
    uint64_t f = (a - base) / PAGE_SIZE, i;
    for (i = 0; i < need && free_[f + i]; i++)
      ;
    if (i == need) {
      for (i = 0; i < need; i++)
        free_[f + i] = 0;
      return a;
    }
  }
  return 0;
}

static void test_against_model(void) {
  const uint64_t base = 0x80003000, end = base + MODEL_FRAMES * PAGE_SIZE;
  unsigned char model[MODEL_FRAMES] = {0};
  struct mm mm;
  uint64_t *bm = new_mm(&mm, base, end);
  int mismatches = 0;
  for (int step = 0; step < 20000 && mismatches < 5; step++) {
    uint64_t r = rnd(), op = r % 8;
    uint64_t f0 = rnd() % MODEL_FRAMES, len = 1 + rnd() % 16;
    uint64_t f1 = f0 + len > MODEL_FRAMES ? MODEL_FRAMES : f0 + len;
    if (op == 0) { /* add_free, possibly unaligned edges */
      uint64_t s = base + f0 * PAGE_SIZE + (rnd() % 2) * 0x800, e = base + f1 * PAGE_SIZE;
      mm_add_free(&mm, s, e);
      for (uint64_t f = (s - base + PAGE_SIZE - 1) / PAGE_SIZE; f < f1; f++)
        model[f] = 1;
    } else if (op == 1) { /* reserve, possibly unaligned edges */
      uint64_t s = base + f0 * PAGE_SIZE + (rnd() % 2) * 0x800, e = base + f1 * PAGE_SIZE - 1;
      mm_reserve(&mm, s, e);
      for (uint64_t f = f0; f < f1; f++)
        model[f] = 0;
    } else if (op <= 5) { /* alloc */
      uint64_t size = 1 + rnd() % (8 * PAGE_SIZE);
      uint64_t align = PAGE_SIZE << (rnd() % 6);
      uint64_t want = model_alloc(model, base, MODEL_FRAMES, size, align);
      uint64_t got = mm_alloc(&mm, size, align);
      if (got != want) {
        mismatches++;
        fprintf(stderr,
                "step %d: mm_alloc(0x%" PRIx64 ", 0x%" PRIx64 ") = 0x%" PRIx64 ", model 0x%" PRIx64
                "\n",
                step, size, align, got, want);
      }
    } else { /* free */
      mm_free(&mm, base + f0 * PAGE_SIZE, (f1 - f0) * PAGE_SIZE - rnd() % PAGE_SIZE);
      for (uint64_t f = f0; f < f1; f++)
        model[f] = 1;
    }
    uint64_t nfree = 0;
    for (int f = 0; f < MODEL_FRAMES; f++) {
      nfree += model[f];
      if (model[f] != (mm_is_free(&mm, base + (uint64_t)f * PAGE_SIZE) != 0)) {
        mismatches++;
        fprintf(stderr, "step %d: frame %d differs from the model\n", step, f);
        break;
      }
    }
    if (nfree != mm.free_frames) {
      mismatches++;
      fprintf(stderr, "step %d: free_frames %" PRIu64 ", model %" PRIu64 "\n", step, mm.free_frames,
              nfree);
    }
  }
  CHECK_EQ_INT(mismatches, 0);
  free(bm);
}

int main(void) {
  test_bitmap_bytes();
  test_free_and_reserve();
  test_alloc();
  test_against_model();
  return check_report("mm");
}
