/* The GPT reader (hv/lib/gpt.c) against tables built here the way UEFI
 * 2.10 section 5.3 lays them out, and against damaged ones: nothing in a
 * table is believed before its CRC32 matches. */
#include "check.h"
#include "hv/lib/gpt.h"
#include <stdlib.h>

#define DISK_SECTORS 4096u

static uint8_t hdr[GPT_SECTOR];
static uint8_t array[128 * 128];

static void put(uint8_t *p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void seal_header(void) {
  put(hdr + 16, 0, 4);
  put(hdr + 16, gpt_crc32(hdr, 92), 4);
}

static void seal(void) {
  put(hdr + 88, gpt_crc32(array, sizeof(array)), 4);
  seal_header();
}

static void entry(unsigned i, uint64_t first, uint64_t last, const char *name) {
  uint8_t *e = array + 128 * i;
  memset(e, 0, 128);
  e[0] = 0xaf; /* a type GUID that is not all zero: used */
  put(e + 32, first, 8);
  put(e + 40, last, 8);
  for (unsigned k = 0; name[k]; k++)
    put(e + 56 + 2 * k, (uint8_t)name[k], 2);
}

static void build(void) {
  memset(hdr, 0, sizeof(hdr));
  memset(array, 0, sizeof(array));
  memcpy(hdr, "EFI PART", 8);
  put(hdr + 8, 0x10000, 4);
  put(hdr + 12, 92, 4);
  put(hdr + 24, 1, 8);                /* MyLBA */
  put(hdr + 32, DISK_SECTORS - 1, 8); /* AlternateLBA */
  put(hdr + 40, 34, 8);
  put(hdr + 48, DISK_SECTORS - 34, 8);
  put(hdr + 72, 2, 8);
  put(hdr + 80, 128, 4);
  put(hdr + 84, 128, 4);
  entry(0, 64, 1087, "boot");
  entry(2, 1088, 2111, "data");
  seal();
}

static void test_crc(void) {
  /* The CRC-32 check value of the IEEE polynomial. */
  CHECK_EQ(gpt_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
  CHECK_EQ(gpt_crc32(NULL, 0), 0);
}

static void test_good(void) {
  build();
  struct gpt_header h;
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_OK);
  CHECK_EQ(h.entries_lba, 2);
  CHECK_EQ(gpt_array_bytes(&h), sizeof(array));
  struct gpt_part p;
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 1, NULL, &p), GPT_OK);
  CHECK(p.first == 64 && p.last == 1087 && p.number == 1 && !strcmp(p.name, "boot"));
  /* Numbers are entry indices: entry 2 (unused 1 between) is partition 3. */
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 0, "data", &p), GPT_OK);
  CHECK(p.number == 3 && p.first == 1088 && p.last == 2111);
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 2, NULL, &p), GPT_ERR_NOT_FOUND);
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 0, "root", &p), GPT_ERR_NOT_FOUND);
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 0, "dat", &p), GPT_ERR_NOT_FOUND);
  /* A short buffer for the array is refused, not read past. */
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array) - 1, DISK_SECTORS, 1, NULL, &p), GPT_ERR_ENTRIES);
}

static void test_damaged(void) {
  struct gpt_header h;
  struct gpt_part p;
  build();
  hdr[0] = 'X';
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_ERR_NONE);
  build();
  hdr[40] ^= 1; /* any header byte: the CRC no longer matches */
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_ERR_HEADER);
  build();
  put(hdr + 12, 600, 4); /* header larger than a sector */
  seal_header();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_ERR_HEADER);
  build();
  put(hdr + 84, 100, 4); /* entry size not 128 * 2^n */
  seal_header();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_ERR_HEADER);
  build();
  put(hdr + 80, 0xffffffffu, 4); /* entries past the disk's end */
  seal_header();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_ERR_HEADER);
  build();
  put(hdr + 48, DISK_SECTORS, 4); /* last usable LBA past the end */
  seal_header();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_ERR_HEADER);
  /* A damaged entry array: refused whole. */
  build();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_OK);
  array[128 * 2 + 40] ^= 1;
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 1, NULL, &p), GPT_ERR_ENTRIES);
  /* A partition reaching past the disk, or ending before it starts. */
  build();
  entry(0, 64, DISK_SECTORS, "boot");
  seal();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_OK);
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 1, NULL, &p), GPT_ERR_RANGE);
  entry(0, 100, 99, "boot");
  seal();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_OK);
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 0, "boot", &p), GPT_ERR_RANGE);
  /* A name of 36 UTF-16 units, no NUL, and a non-ASCII one. */
  build();
  entry(1, 40, 50, "abcdefghijklmnopqrstuvwxyz0123456789");
  put(array + 128 * 1 + 56, 0xe9, 2); /* U+00E9 */
  seal();
  CHECK_EQ_INT(gpt_parse_header(hdr, DISK_SECTORS, &h), GPT_OK);
  CHECK_EQ_INT(gpt_find(&h, array, sizeof(array), DISK_SECTORS, 2, NULL, &p), GPT_OK);
  CHECK(strlen(p.name) == 36 && p.name[0] == '?' && p.name[35] == '9');
}

/* Random bytes never make the reader read out of bounds or accept a
 * partition outside the disk (ASan watches the first). */
static void test_random(void) {
  srand(12345);
  for (int round = 0; round < 2000; round++) {
    build();
    unsigned n = 1 + (unsigned)rand() % 4;
    for (unsigned k = 0; k < n; k++) {
      unsigned at = (unsigned)rand() % (92 + 128 * 4);
      uint8_t v = (uint8_t)rand();
      if (at < 92)
        hdr[at] = v;
      else
        array[at - 92] = v;
    }
    if (round % 2)
      seal();
    struct gpt_header h;
    struct gpt_part p;
    if (gpt_parse_header(hdr, DISK_SECTORS, &h) != GPT_OK)
      continue;
    size_t bytes = gpt_array_bytes(&h);
    CHECK(bytes <= GPT_MAX_ARRAY_BYTES);
    for (unsigned num = 1; num <= 4; num++)
      if (gpt_find(&h, array, sizeof(array), DISK_SECTORS, num, NULL, &p) == GPT_OK)
        CHECK(p.first <= p.last && p.last < DISK_SECTORS);
  }
}

int main(void) {
  test_crc();
  test_good();
  test_damaged();
  test_random();
  return check_report("gpt");
}
