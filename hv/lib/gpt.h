/* GUID Partition Table (UEFI 2.10, section 5.3): the header at LBA 1 and
 * its partition entry array, both checked by their CRC32 before anything in
 * them is believed. Pure: host-tested and fuzzed (a disk is untrusted). */
#ifndef RV_GPT_H
#define RV_GPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPT_SECTOR 512u
#define GPT_NAME_MAX 36u     /* UTF-16 code units of a partition name */
#define GPT_MAX_ENTRIES 256u /* entries this reader looks at */
#define GPT_MAX_ARRAY_BYTES (GPT_MAX_ENTRIES * 128u)

enum {
  GPT_OK = 0,
  GPT_ERR_NONE = -1,      /* no "EFI PART" signature: not a GPT disk */
  GPT_ERR_HEADER = -2,    /* a bad header: size, CRC, LBAs, entry size or count */
  GPT_ERR_ENTRIES = -3,   /* the entry array's CRC does not match */
  GPT_ERR_NOT_FOUND = -4, /* no such partition */
  GPT_ERR_RANGE = -5,     /* the partition's LBAs are not inside the disk */
};

struct gpt_header {
  uint64_t entries_lba;
  uint32_t nentries, entry_size;
  uint32_t entries_crc;
  uint64_t first_usable, last_usable;
};

/* One partition: sectors [first, last], both inclusive. */
struct gpt_part {
  unsigned number; /* 1-based index in the entry array */
  uint64_t first, last;
  char name[GPT_NAME_MAX + 1]; /* ASCII; other characters as '?' */
};

uint32_t gpt_crc32(const uint8_t *p, size_t n);
/* Check the header in sector (GPT_SECTOR bytes, read from LBA 1) of a disk
 * of disk_sectors sectors. */
int gpt_parse_header(const uint8_t *sector, uint64_t disk_sectors, struct gpt_header *h);
/* How many bytes of the entry array gpt_find needs (from h->entries_lba),
 * at most GPT_MAX_ARRAY_BYTES (entries past GPT_MAX_ENTRIES are ignored,
 * and the CRC then cannot be checked: such a table is refused). */
size_t gpt_array_bytes(const struct gpt_header *h);
/* The partition with this number (1-based; 0: by name instead), or the
 * first one whose name equals name, in the entry array (len bytes). */
int gpt_find(const struct gpt_header *h, const uint8_t *array, size_t len, uint64_t disk_sectors,
             unsigned number, const char *name, struct gpt_part *out);
const char *gpt_strerror(int err);

#endif
