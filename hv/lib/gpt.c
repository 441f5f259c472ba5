#include "gpt.h"
#include <string.h>

static uint64_t le(const uint8_t *p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* CRC-32 as UEFI uses it (IEEE 802.3, reflected, 0xEDB88320), bit by bit:
 * run over a few KiB once per disk at boot. */
uint32_t gpt_crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
  }
  return ~c;
}

/* 5.3.2 GPT Header: signature, revision-independent size 92..512, its
 * CRC32 computed with the CRC field zeroed, MyLBA 1, usable LBAs inside
 * the disk, entries of 128 * 2^n bytes in a range inside the disk. */
int gpt_parse_header(const uint8_t *sector, uint64_t disk_sectors, struct gpt_header *h) {
  if (memcmp(sector, "EFI PART", 8))
    return GPT_ERR_NONE;
  uint32_t size = (uint32_t)le(sector + 12, 4);
  if (size < 92 || size > GPT_SECTOR)
    return GPT_ERR_HEADER;
  uint8_t copy[GPT_SECTOR];
  memcpy(copy, sector, size);
  memset(copy + 16, 0, 4);
  if (gpt_crc32(copy, size) != (uint32_t)le(sector + 16, 4))
    return GPT_ERR_HEADER;
  h->first_usable = le(sector + 40, 8);
  h->last_usable = le(sector + 48, 8);
  h->entries_lba = le(sector + 72, 8);
  h->nentries = (uint32_t)le(sector + 80, 4);
  h->entry_size = (uint32_t)le(sector + 84, 4);
  h->entries_crc = (uint32_t)le(sector + 88, 4);
  if (le(sector + 24, 8) != 1 || h->first_usable > h->last_usable ||
      h->last_usable >= disk_sectors || h->entry_size < 128 || h->entry_size > 4096 ||
      (h->entry_size & (h->entry_size - 1)) || !h->nentries || h->entries_lba < 2 ||
      h->entries_lba >= disk_sectors)
    return GPT_ERR_HEADER;
  uint64_t bytes = (uint64_t)h->nentries * h->entry_size;
  if (bytes > (disk_sectors - h->entries_lba) * GPT_SECTOR)
    return GPT_ERR_HEADER;
  return GPT_OK;
}

size_t gpt_array_bytes(const struct gpt_header *h) {
  uint64_t bytes = (uint64_t)h->nentries * h->entry_size;
  return bytes > GPT_MAX_ARRAY_BYTES ? GPT_MAX_ARRAY_BYTES : (size_t)bytes;
}

/* 5.3.3 GPT Partition Entry: type GUID (all zero: unused), unique GUID,
 * starting and ending LBA (inclusive), attributes, name (UTF-16LE, 72
 * bytes, NUL-padded). */
int gpt_find(const struct gpt_header *h, const uint8_t *array, size_t len, uint64_t disk_sectors,
             unsigned number, const char *name, struct gpt_part *out) {
  uint64_t bytes = (uint64_t)h->nentries * h->entry_size;
  if (bytes > GPT_MAX_ARRAY_BYTES || len < bytes)
    return GPT_ERR_ENTRIES;
  if (gpt_crc32(array, (size_t)bytes) != h->entries_crc)
    return GPT_ERR_ENTRIES;
  for (uint32_t i = 0; i < h->nentries; i++) {
    const uint8_t *e = array + (size_t)i * h->entry_size;
    bool used = false;
    for (unsigned k = 0; k < 16; k++)
      used |= e[k] != 0;
    if (!used)
      continue;
    struct gpt_part p = {i + 1, le(e + 32, 8), le(e + 40, 8), {0}};
    for (unsigned k = 0; k < GPT_NAME_MAX; k++) {
      uint16_t cu = (uint16_t)le(e + 56 + 2 * k, 2);
      if (!cu)
        break;
      p.name[k] = cu < 0x80 ? (char)cu : '?';
    }
    bool match = number ? p.number == number : name && !strcmp(p.name, name);
    if (!match)
      continue;
    if (p.first > p.last || p.last >= disk_sectors)
      return GPT_ERR_RANGE;
    *out = p;
    return GPT_OK;
  }
  return GPT_ERR_NOT_FOUND;
}

const char *gpt_strerror(int err) {
  switch (err) {
  case GPT_OK: return "ok";
  case GPT_ERR_NONE: return "the disk has no GPT partition table";
  case GPT_ERR_HEADER: return "the GPT header is damaged";
  case GPT_ERR_ENTRIES: return "the GPT partition entries are damaged";
  case GPT_ERR_NOT_FOUND: return "no such partition";
  case GPT_ERR_RANGE: return "the partition lies outside the disk";
  default: return "unknown GPT error";
  }
}
