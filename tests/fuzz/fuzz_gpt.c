/* libFuzzer target: the GPT reader (hv/lib/gpt.c) on what a disk holds. The
 * input is the disk's size in sectors (4 bytes), its LBA 1 (512 bytes) and
 * the entry array, each copied into an exactly sized allocation so that a
 * read past either is caught. Whatever the bytes, a partition it returns
 * lies inside the disk, and the array it asks for fits the bound. */
#include "fuzz_input.h"
#include "hv/lib/gpt.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size};
  uint64_t disk_sectors = take(&in, 4);
  if (in.n < GPT_SECTOR)
    return 0;
  uint8_t *lba1 = malloc(GPT_SECTOR);
  memcpy(lba1, in.p, GPT_SECTOR);
  in.p += GPT_SECTOR;
  in.n -= GPT_SECTOR;
  size_t alen = in.n;
  uint8_t *array = malloc(alen ? alen : 1);
  memcpy(array, in.p, alen);
  struct gpt_header h;
  if (gpt_parse_header(lba1, disk_sectors, &h) == GPT_OK) {
    if (gpt_array_bytes(&h) > GPT_MAX_ARRAY_BYTES || h.entries_lba >= disk_sectors)
      abort();
    struct gpt_part p;
    for (unsigned n = 0; n <= 4; n++) {
      int r = gpt_find(&h, array, alen, disk_sectors, n, n ? NULL : "data", &p);
      if (r == GPT_OK && (p.first > p.last || p.last >= disk_sectors || !p.number ||
                          strlen(p.name) > GPT_NAME_MAX))
        abort();
    }
  }
  free(array);
  free(lba1);
  return 0;
}
