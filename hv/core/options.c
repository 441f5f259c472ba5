#include "options.h"
#include "../lib/printf.h"
#include <string.h>

int options_parse_size(const char *s, size_t len, uint64_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  if (len == 0)
    return -1;
  for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
    if (v > (UINT64_MAX - 9) / 10)
      return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (i == 0)
    return -1;
  unsigned shift = 0;
  if (i < len) {
    switch (s[i]) {
    case 'K':
    case 'k': shift = 10; break;
    case 'M':
    case 'm': shift = 20; break;
    case 'G':
    case 'g': shift = 30; break;
    default: return -1;
    }
    if (++i != len)
      return -1;
  }
  if (v > (UINT64_MAX >> shift))
    return -1;
  *out = v << shift;
  return 0;
}

static int parse_uint(const char *s, size_t len, unsigned *out) {
  uint64_t v;
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return -1;
  if (options_parse_size(s, len, &v) || v > 0xFFFFFFFFu)
    return -1;
  *out = (unsigned)v;
  return 0;
}

/* Does the option's value, v[0..vlen), equal word? */
static int value_is(const char *v, size_t vlen, const char *word) {
  return v && strlen(word) == vlen && !strncmp(v, word, vlen);
}

int options_parse(const char *args, struct hv_options *opt, char *err, size_t errlen) {
  memset(opt, 0, sizeof(*opt));
  opt->stats = -1;
  const char *p = args ? args : "";
  for (;;) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      return 0;
    size_t len = 0;
    while (p[len] && p[len] != ' ' && p[len] != '\t')
      len++;
    if (len == 2 && p[0] == '-' && p[1] == '-') {
      const char *g = p + 2;
      while (*g == ' ' || *g == '\t')
        g++;
      size_t glen = strlen(g);
      while (glen && (g[glen - 1] == ' ' || g[glen - 1] == '\t'))
        glen--;
      if (glen >= OPT_GUEST_ARGS_MAX) {
        rv_snprintf(err, errlen, "guest bootargs longer than %d bytes", OPT_GUEST_ARGS_MAX - 1);
        return -1;
      }
      memcpy(opt->guest_args, g, glen);
      opt->guest_args[glen] = '\0';
      opt->have_guest_args = 1;
      return 0;
    }
    const char *eq = memchr(p, '=', len);
    size_t klen = eq ? (size_t)(eq - p) : len;
    const char *v = eq ? eq + 1 : NULL;
    size_t vlen = eq ? len - klen - 1 : 0;
    if (klen == 3 && !strncmp(p, "mem", 3) && v) {
      if (opt->mem) {
        rv_snprintf(err, errlen, "option 'mem' given twice");
        return -1;
      }
      if (options_parse_size(v, vlen, &opt->mem) || opt->mem < OPT_MEM_MIN ||
          opt->mem > OPT_MEM_MAX || (opt->mem & ((2UL << 20) - 1))) {
        rv_snprintf(err, errlen,
                    "bad value in '%.*s': mem= takes a multiple of 2M between 4M and 64G", (int)len,
                    p);
        opt->mem = 0;
        return -1;
      }
    } else if (klen == 5 && !strncmp(p, "vcpus", 5) && v) {
      if (opt->vcpus) {
        rv_snprintf(err, errlen, "option 'vcpus' given twice");
        return -1;
      }
      if (parse_uint(v, vlen, &opt->vcpus) || opt->vcpus < 1 || opt->vcpus > OPT_VCPUS_MAX) {
        rv_snprintf(err, errlen, "bad value in '%.*s': vcpus= takes 1 to %d", (int)len, p,
                    OPT_VCPUS_MAX);
        opt->vcpus = 0;
        return -1;
      }
    } else if (klen == 9 && !strncmp(p, "initramfs", 9) && v) {
      if (opt->initramfs) {
        rv_snprintf(err, errlen, "option 'initramfs' given twice");
        return -1;
      }
      if (value_is(v, vlen, "disk"))
        opt->initramfs = OPT_INITRAMFS_DISK;
      else if (value_is(v, vlen, "initrd"))
        opt->initramfs = OPT_INITRAMFS_INITRD;
      else {
        rv_snprintf(err, errlen, "bad value in '%.*s': initramfs= takes disk or initrd", (int)len,
                    p);
        return -1;
      }
    } else if (klen == 5 && !strncmp(p, "stats", 5) && v) {
      if (opt->stats >= 0) {
        rv_snprintf(err, errlen, "option 'stats' given twice");
        return -1;
      }
      if (value_is(v, vlen, "on"))
        opt->stats = 1;
      else if (value_is(v, vlen, "off"))
        opt->stats = 0;
      else {
        rv_snprintf(err, errlen, "bad value in '%.*s': stats= takes on or off", (int)len, p);
        opt->stats = -1;
        return -1;
      }
    } else {
      rv_snprintf(err, errlen,
                  "unknown option '%.*s' (known: mem=SIZE vcpus=N initramfs=disk|initrd "
                  "stats=on|off; guest bootargs go after ' -- ')",
                  (int)len, p);
      return -1;
    }
    p += len;
  }
}
