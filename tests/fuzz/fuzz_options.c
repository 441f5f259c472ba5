/* libFuzzer target: options_parse on arbitrary text (up to the first NUL)
 * and options_parse_size on the raw bytes; accepted options must be in range. */
#include "hv/core/options.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = '\0';
  struct hv_options opt;
  char err[128];
  memset(err, 'x', sizeof(err));
  if (options_parse(s, &opt, err, sizeof(err)) == 0) {
    if (opt.mem && (opt.mem < OPT_MEM_MIN || opt.mem > OPT_MEM_MAX || (opt.mem & 0x1FFFFF)))
      abort();
    if (opt.vcpus > OPT_VCPUS_MAX)
      abort();
    if (strnlen(opt.guest_args, sizeof(opt.guest_args)) >= sizeof(opt.guest_args))
      abort();
    if (!opt.have_guest_args && opt.guest_args[0])
      abort();
    if (opt.stats < -1 || opt.stats > 1)
      abort();
    if (opt.initramfs != OPT_INITRAMFS_NONE && opt.initramfs != OPT_INITRAMFS_DISK &&
        opt.initramfs != OPT_INITRAMFS_INITRD)
      abort();
  } else if (!memchr(err, 0, sizeof(err)) || err[0] == '\0') {
    abort();
  }
  free(s);
  /* The size parser reads only the bytes it is given. */
  uint8_t *raw = malloc(size ? size : 1);
  memcpy(raw, data, size);
  uint64_t v;
  options_parse_size((const char *)raw, size, &v);
  free(raw);
  return 0;
}
