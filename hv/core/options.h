/* Run-time options from the host FDT's /chosen/bootargs (QEMU -append):
 *   [mem=SIZE] [vcpus=N] [initramfs=disk|initrd] [stats=on|off] [-- GUEST BOOTARGS...]
 * Parsed strictly: an unknown or malformed option is an error. */
#ifndef RV_OPTIONS_H
#define RV_OPTIONS_H
#include <stddef.h>
#include <stdint.h>

#define OPT_MEM_MIN (4UL << 20)
#define OPT_MEM_MAX (64UL << 30)
#define OPT_VCPUS_MAX 8
#define OPT_GUEST_ARGS_MAX 512

/* Where the default VM's initramfs comes from (initramfs=). */
enum opt_initramfs { OPT_INITRAMFS_NONE, OPT_INITRAMFS_DISK, OPT_INITRAMFS_INITRD };

struct hv_options {
  uint64_t mem;   /* 0: not given */
  unsigned vcpus; /* 0: not given */
  enum opt_initramfs initramfs;
  int stats; /* stats=: -1 not given, 0 off, 1 on (every VM's exit counters when it stops) */
  int have_guest_args;
  char guest_args[OPT_GUEST_ARGS_MAX];
};

int options_parse(const char *bootargs, struct hv_options *opt, char *err, size_t errlen);
/* "128M"-style sizes with K, M or G suffix (or none: bytes). */
int options_parse_size(const char *s, size_t len, uint64_t *out);

#endif
