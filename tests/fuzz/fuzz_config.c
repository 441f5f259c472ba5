/* libFuzzer target: config_parse (hv/core/config.c) on arbitrary bytes, the
 * VM configuration a user hands the hypervisor with -initrd or on a disk.
 * The blob is copied into an exactly sized allocation so that any read past
 * it is caught, and parsed against three machines (harts, memory, device
 * windows). Every VM it accepts must keep every promise of config.h and
 * docs/configuration.md; every rejection must be reported exactly once. */
#include "hv/core/config.h"
#include <stdlib.h>
#include <string.h>

static const struct region windows[] = {{0x0c000000, 0x10000000}, {0x10000000, 0x10000100}};

static const struct cfg_limits machines[] = {
    {.nharts = 4, .host_mem = 512ULL << 20, .busy = windows, .nbusy = 2},
    {.nharts = 1, .host_mem = 8ULL << 20, .busy = NULL, .nbusy = 0},
    {.nharts = 16, .host_mem = 1ULL << 40, .busy = windows, .nbusy = 2},
};

struct reports {
  unsigned tree, vm;
};

static void report(void *ctx, const char *vm, const char *msg) {
  struct reports *r = ctx;
  /* A message is a nonempty string; a VM's names the node, NUL-terminated
   * wherever the blob put it. */
  if (!msg || !msg[0] || strlen(msg) >= 200)
    abort();
  if (vm) {
    volatile size_t n = strlen(vm);
    (void)n;
    r->vm++;
  } else {
    r->tree++;
  }
}

static bool name_ok(const char *s) {
  size_t n = strnlen(s, CFG_NAME_MAX);
  if (n == 0 || n >= CFG_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@", s[i]))
      return false;
  return true;
}

static bool inside(const uint8_t *blob, size_t size, const void *p, size_t len) {
  const uint8_t *q = p;
  return q >= blob && q <= blob + size && len <= (size_t)(blob + size - q);
}

static void check_vm(const struct vm_spec *s, const struct cfg_limits *lim, const uint8_t *blob,
                     size_t size) {
  if (!name_ok(s->name))
    abort();
  if (s->mem_size < CFG_MEM_MIN || (s->mem_size | s->mem_base) & (CFG_MEM_ALIGN - 1) ||
      s->mem_base >= CFG_GPA_LIMIT || s->mem_size > CFG_GPA_LIMIT - s->mem_base ||
      s->mem_size > lim->host_mem)
    abort();
  for (int i = 0; i < lim->nbusy; i++)
    if (s->mem_base < lim->busy[i].end && lim->busy[i].start < s->mem_base + s->mem_size)
      abort();
  if (s->nvcpus < 1 || s->nvcpus > CFG_VCPUS_MAX || s->weight < 1 || s->weight > CFG_WEIGHT_MAX)
    abort();
  if (lim->nharts < 32 && (s->affinity >> lim->nharts))
    abort();
  if (s->devices & ~(CFG_DEV_UART | CFG_DEV_VCON))
    abort();
  switch (s->kernel) {
  case CFG_KERNEL_EMBEDDED:
    if (!s->image || !s->image_size || !inside(blob, size, s->image, s->image_size))
      abort();
    break;
  case CFG_KERNEL_INITRD:
  case CFG_KERNEL_DISK:
    if (s->image || s->image_size)
      abort();
    break;
  default: abort();
  }
  if (!strcmp(config_kernel_name(s->kernel), "?"))
    abort();
  /* Bootargs: the default "" or a string inside the blob, NUL included. */
  if (!s->bootargs)
    abort();
  if ((const uint8_t *)s->bootargs >= blob && (const uint8_t *)s->bootargs < blob + size) {
    size_t room = (size_t)(blob + size - (const uint8_t *)s->bootargs);
    size_t n = strnlen(s->bootargs, room);
    if (n == room || n >= CFG_BOOTARGS_MAX)
      abort();
  } else if (s->bootargs[0]) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *blob = malloc(size ? size : 1);
  memcpy(blob, data, size);
  static struct hv_config cfg;
  bool is_config = config_is_config(blob, size);
  for (size_t m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
    const struct cfg_limits *lim = &machines[m];
    struct reports rep = {0, 0};
    memset(&cfg, 0xA5, sizeof(cfg));
    int r = config_parse(blob, size, lim, &cfg, report, &rep);
    if (r != 0 && r != -1)
      abort();
    if (r < 0) {
      /* The tree is unusable: one report, no VM. */
      if (rep.tree != 1 || rep.vm || cfg.nvms || cfg.nrejected)
        abort();
      continue;
    }
    if (!is_config || rep.tree || rep.vm != cfg.nrejected || cfg.nvms > CFG_MAX_VMS)
      abort();
    uint64_t mem = 0;
    for (unsigned i = 0; i < cfg.nvms; i++) {
      const struct vm_spec *s = &cfg.vm[i];
      check_vm(s, lim, blob, size);
      for (unsigned j = 0; j < i; j++)
        if (!strcmp(cfg.vm[j].name, s->name))
          abort();
      mem += s->mem_size;
    }
    if (mem > lim->host_mem)
      abort();
  }
  free(blob);
  return 0;
}
