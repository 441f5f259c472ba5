#include "config.h"
#include "../lib/fdt.h"
#include "../lib/printf.h"
#include <string.h>

const char *config_kernel_name(enum cfg_kernel k) {
  switch (k) {
  case CFG_KERNEL_EMBEDDED: return "embedded";
  case CFG_KERNEL_INITRD: return "initrd";
  case CFG_KERNEL_DISK: return "disk";
  }
  return "?";
}

bool config_is_config(const void *blob, size_t max_size) {
  struct dt dt;
  return dt_open(&dt, blob, max_size) == DT_OK &&
         dt_is_compatible(&dt, dt_root(&dt), CFG_COMPATIBLE);
}

void config_spec_defaults(struct vm_spec *s) {
  memset(s, 0, sizeof(*s));
  s->mem_base = CFG_DEFAULT_MEM_BASE;
  s->mem_size = CFG_DEFAULT_MEM_SIZE;
  s->nvcpus = 1;
  s->bootargs = "";
  s->devices = CFG_DEV_UART;
  s->weight = CFG_WEIGHT_DEFAULT;
}

/* A property value that is one NUL-terminated string. */
static const char *prop_string(const void *val, int len) {
  const char *s = val;
  if (len < 1 || s[len - 1] != '\0' || memchr(s, '\0', (size_t)len) != s + len - 1)
    return NULL;
  return s;
}

static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= CFG_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == '@'))
      return false;
  }
  return true;
}

/* The parse of one VM node; msg holds the first problem. */
struct vm_parse {
  struct vm_spec *spec;
  const struct cfg_limits *lim;
  char *msg;
  size_t msglen;
  bool have_kernel, have_source, have_mem, have_initramfs, have_initramfs_source;
};

#define FAIL(p, ...) (rv_snprintf((p)->msg, (p)->msglen, __VA_ARGS__), -1)

static int parse_memory(struct vm_parse *p, const void *val, int len) {
  if (len != 16)
    return FAIL(p, "property 'memory': expected /bits/ 64 <base size> (16 bytes), got %d bytes",
                len);
  uint64_t base = dt_be64(val), size = dt_be64((const uint8_t *)val + 8);
  struct vm_spec *s = p->spec;
  if (size < CFG_MEM_MIN || (size & (CFG_MEM_ALIGN - 1)) || (base & (CFG_MEM_ALIGN - 1)))
    return FAIL(p,
                "property 'memory': base 0x%llx size 0x%llx: both must be multiples of 2 MiB and "
                "the size at least 4 MiB",
                (unsigned long long)base, (unsigned long long)size);
  if (base >= CFG_GPA_LIMIT || size > CFG_GPA_LIMIT - base)
    return FAIL(p, "property 'memory': 0x%llx+0x%llx goes past the guest-physical limit 0x%llx",
                (unsigned long long)base, (unsigned long long)size,
                (unsigned long long)CFG_GPA_LIMIT);
  for (int i = 0; i < p->lim->nbusy; i++) {
    const struct region *r = &p->lim->busy[i];
    if (base < r->end && r->start < base + size)
      return FAIL(p,
                  "property 'memory': 0x%llx-0x%llx overlaps the VM's device window 0x%llx-0x%llx",
                  (unsigned long long)base, (unsigned long long)(base + size),
                  (unsigned long long)r->start, (unsigned long long)r->end);
  }
  if (size > p->lim->host_mem)
    return FAIL(p, "property 'memory': %llu MiB is more than the host has for VMs (%llu MiB)",
                (unsigned long long)(size >> 20), (unsigned long long)(p->lim->host_mem >> 20));
  s->mem_base = base;
  s->mem_size = size;
  p->have_mem = true;
  return 0;
}

static int parse_devices(struct vm_parse *p, const char *val, int len) {
  if (len > 0 && val[len - 1] != '\0')
    return FAIL(p, "property 'devices': not a list of strings");
  p->spec->devices = 0;
  for (int off = 0; off < len;) {
    const char *d = val + off;
    if (!strcmp(d, "uart"))
      p->spec->devices |= CFG_DEV_UART;
    else if (!strcmp(d, "virtio-console"))
      p->spec->devices |= CFG_DEV_VCON;
    else
      return FAIL(p, "property 'devices': unknown device '%s' (known: uart virtio-console)", d);
    off += (int)strlen(d) + 1;
  }
  return 0;
}

static int parse_affinity(struct vm_parse *p, const void *val, int len) {
  if (len <= 0 || len % 4)
    return FAIL(p, "property 'hart-affinity': expected a list of hart indices <0 1 ...>");
  uint32_t mask = 0;
  for (int i = 0; i < len / 4; i++) {
    uint32_t h = dt_be32((const uint8_t *)val + 4 * i);
    if (h >= p->lim->nharts)
      return FAIL(p, "property 'hart-affinity': hart %u does not exist (harts 0-%u run VMs)", h,
                  p->lim->nharts - 1);
    mask |= 1U << h;
  }
  p->spec->affinity = mask;
  return 0;
}

/* A property of one cell from 1 to max. */
static int parse_count(struct vm_parse *p, const char *name, const void *val, int len, unsigned max,
                       unsigned *out) {
  if (len != 4 || dt_be32(val) < 1 || dt_be32(val) > max)
    return FAIL(p, "property '%s': expected <N> with N from 1 to %u", name, max);
  *out = dt_be32(val);
  return 0;
}

/* kernel-source / initramfs-source: "initrd" (QEMU's -initrd) or "disk". */
static int parse_source(struct vm_parse *p, const char *name, const void *val, int len,
                        enum cfg_kernel *out) {
  const char *v = prop_string(val, len);
  if (v && !strcmp(v, "initrd"))
    *out = CFG_KERNEL_INITRD;
  else if (v && !strcmp(v, "disk"))
    *out = CFG_KERNEL_DISK;
  else
    return FAIL(p, "property '%s': expected \"initrd\" or \"disk\"", name);
  return 0;
}

static int parse_property(struct vm_parse *p, const char *name, const void *val, int len) {
  struct vm_spec *s = p->spec;
  if (!strcmp(name, "memory"))
    return parse_memory(p, val, len);
  if (!strcmp(name, "vcpus"))
    return parse_count(p, name, val, len, CFG_VCPUS_MAX, &s->nvcpus);
  if (!strcmp(name, "kernel")) {
    if (len <= 0)
      return FAIL(p, "property 'kernel': empty (expected kernel = /incbin/(\"file\"))");
    s->image = val;
    s->image_size = (size_t)len;
    p->have_kernel = true;
    return 0;
  }
  if (!strcmp(name, "kernel-source")) {
    p->have_source = true;
    return parse_source(p, name, val, len, &s->kernel);
  }
  if (!strcmp(name, "initramfs")) {
    if (len <= 0)
      return FAIL(p, "property 'initramfs': empty (expected initramfs = /incbin/(\"file\"))");
    s->initramfs = val;
    s->initramfs_size = (size_t)len;
    s->initramfs_src = CFG_KERNEL_EMBEDDED;
    p->have_initramfs = true;
    return 0;
  }
  if (!strcmp(name, "initramfs-source")) {
    p->have_initramfs_source = true;
    return parse_source(p, name, val, len, &s->initramfs_src);
  }
  if (!strcmp(name, "ramdisk")) {
    if (len <= 0)
      return FAIL(p, "property 'ramdisk': empty (expected ramdisk = /incbin/(\"disk.img\"))");
    if (len % 512)
      return FAIL(p, "property 'ramdisk': %d bytes is not a whole number of 512-byte sectors", len);
    uint64_t max = p->lim->ramdisk_max ? p->lim->ramdisk_max : CFG_RAMDISK_MAX;
    if ((uint64_t)len > max)
      return FAIL(p, "property 'ramdisk': %d KiB is more than the limit of %llu KiB", len >> 10,
                  (unsigned long long)(max >> 10));
    s->ramdisk = val;
    s->ramdisk_size = (size_t)len;
    return 0;
  }
  if (!strcmp(name, "stats")) {
    if (len != 0)
      return FAIL(p, "property 'stats': takes no value (write stats;)");
    s->stats = true;
    return 0;
  }
  if (!strcmp(name, "bootargs")) {
    const char *v = prop_string(val, len);
    if (!v || strlen(v) >= CFG_BOOTARGS_MAX)
      return FAIL(p, "property 'bootargs': expected a string shorter than %d bytes",
                  CFG_BOOTARGS_MAX);
    s->bootargs = v;
    return 0;
  }
  if (!strcmp(name, "devices"))
    return parse_devices(p, val, len);
  if (!strcmp(name, "hart-affinity"))
    return parse_affinity(p, val, len);
  if (!strcmp(name, "weight"))
    return parse_count(p, name, val, len, CFG_WEIGHT_MAX, &s->weight);
  return FAIL(p,
              "unknown property '%s' (known: memory vcpus kernel kernel-source initramfs "
              "initramfs-source ramdisk bootargs devices hart-affinity weight stats)",
              name);
}

/* A disk@N child node: host-disk = <slot>; optional partition = <n> or
 * partition-name = "name", read-only, serial = "...". */
static int parse_disk(struct vm_parse *p, const struct dt *dt, int node) {
  struct vm_spec *s = p->spec;
  const char *nname = dt_node_name(dt, node);
  if (strncmp(nname, "disk", 4) || (nname[4] && nname[4] != '@'))
    return FAIL(p, "unexpected child node '%s' (a VM's children are disk@N and nic@N nodes)",
                nname);
  unsigned max = CFG_DISKS_MAX - (s->ramdisk ? 1u : 0u);
  if (s->ndisks >= max)
    return FAIL(p, "node '%s': more than %u disks (%s)", nname, CFG_DISKS_MAX,
                s->ramdisk ? "the RAM disk counts as one" : "the limit");
  struct cfg_disk *k = &s->disk[s->ndisks];
  memset(k, 0, sizeof(*k));
  rv_snprintf(k->node, sizeof(k->node), "%s", nname);
  bool have_slot = false;
  int cookie = 0;
  const char *name;
  const void *val;
  int len;
  while (dt_prop_next(dt, node, &cookie, &name, &val, &len) == 0) {
    if (!strcmp(name, "host-disk")) {
      if (len != 4 || dt_be32(val) > 31)
        return FAIL(p,
                    "node '%s': property 'host-disk': expected <N>, a host slot 0..31 "
                    "(QEMU's bus=virtio-mmio-bus.N)",
                    nname);
      k->host_slot = dt_be32(val);
      have_slot = true;
    } else if (!strcmp(name, "partition")) {
      if (len != 4 || dt_be32(val) < 1 || dt_be32(val) > 256)
        return FAIL(p, "node '%s': property 'partition': expected <N>, a GPT partition 1..256",
                    nname);
      k->partition = dt_be32(val);
    } else if (!strcmp(name, "partition-name")) {
      const char *v = prop_string(val, len);
      if (!v || !*v || strlen(v) >= CFG_PARTNAME_MAX)
        return FAIL(p, "node '%s': property 'partition-name': expected a name of 1..%u characters",
                    nname, CFG_PARTNAME_MAX - 1);
      rv_snprintf(k->partition_name, sizeof(k->partition_name), "%s", v);
    } else if (!strcmp(name, "read-only")) {
      if (len != 0)
        return FAIL(p, "node '%s': property 'read-only': takes no value (write read-only;)", nname);
      k->read_only = true;
    } else if (!strcmp(name, "serial")) {
      const char *v = prop_string(val, len);
      if (!v || strlen(v) > CFG_SERIAL_MAX)
        return FAIL(p, "node '%s': property 'serial': expected a string of at most %u bytes", nname,
                    CFG_SERIAL_MAX);
      rv_snprintf(k->serial, sizeof(k->serial), "%s", v);
    } else {
      return FAIL(p,
                  "node '%s': unknown property '%s' (known: host-disk partition partition-name "
                  "read-only serial)",
                  nname, name);
    }
  }
  if (!have_slot)
    return FAIL(p, "node '%s': missing host-disk = <N> (the host slot: bus=virtio-mmio-bus.N)",
                nname);
  if (k->partition && k->partition_name[0])
    return FAIL(p, "node '%s': properties 'partition' and 'partition-name' both given: keep one",
                nname);
  s->ndisks++;
  return 0;
}

void config_default_mac(const char *vm, unsigned n, uint8_t mac[6]) {
  uint32_t h = 2166136261u; /* FNV-1a over the name, then N */
  for (const char *c = vm; *c; c++)
    h = (h ^ (uint8_t)*c) * 16777619u;
  h = (h ^ (n & 0xff)) * 16777619u;
  mac[0] = 0x02;
  mac[1] = 0x52; /* 'R' */
  mac[2] = (uint8_t)(h >> 24);
  mac[3] = (uint8_t)(h >> 16);
  mac[4] = (uint8_t)(h >> 8);
  mac[5] = (uint8_t)h;
}

void config_default_nic(struct vm_spec *s) {
  struct cfg_nic *k = &s->nic[0];
  memset(k, 0, sizeof(*k));
  rv_snprintf(k->sw, sizeof(k->sw), "%s", CFG_NIC_SWITCH_DEFAULT);
  rv_snprintf(k->node, sizeof(k->node), "nic@0");
  k->mtu = 1500;
  config_default_mac(s->name, 0, k->mac);
  k->have_mac = true;
  s->nnics = 1;
}

static bool valid_switch_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= CFG_SWITCH_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  }
  return true;
}

/* A nic@N child node: switch = "name", mac = [6 bytes], mtu = <N>,
 * any-source. */
static int parse_nic(struct vm_parse *p, const struct dt *dt, int node) {
  struct vm_spec *s = p->spec;
  const char *nname = dt_node_name(dt, node);
  if (s->nnics >= CFG_NICS_MAX)
    return FAIL(p, "node '%s': more than %u NICs", nname, CFG_NICS_MAX);
  struct cfg_nic *k = &s->nic[s->nnics];
  memset(k, 0, sizeof(*k));
  rv_snprintf(k->node, sizeof(k->node), "%s", nname);
  rv_snprintf(k->sw, sizeof(k->sw), "%s", CFG_NIC_SWITCH_DEFAULT);
  k->mtu = 1500;
  k->unit = s->nnics;
  if (nname[3] == '@') {
    unsigned u = 0;
    const char *c = nname + 4;
    if (!*c)
      return FAIL(p, "node '%s': expected nic@N, N a number", nname);
    for (; *c; c++) {
      if (*c < '0' || *c > '9' || u > 1000)
        return FAIL(p, "node '%s': expected nic@N, N a number", nname);
      u = u * 10 + (unsigned)(*c - '0');
    }
    k->unit = u;
  }
  for (unsigned i = 0; i < s->nnics; i++)
    if (s->nic[i].unit == k->unit)
      return FAIL(p, "node '%s': a second nic@%u", nname, k->unit);
  int cookie = 0;
  const char *name;
  const void *val;
  int len;
  while (dt_prop_next(dt, node, &cookie, &name, &val, &len) == 0) {
    if (!strcmp(name, "switch")) {
      const char *v = prop_string(val, len);
      if (!v || !valid_switch_name(v))
        return FAIL(p,
                    "node '%s': property 'switch': expected a name of 1..%u letters, digits or "
                    "-_.",
                    nname, CFG_SWITCH_NAME_MAX - 1);
      rv_snprintf(k->sw, sizeof(k->sw), "%s", v);
    } else if (!strcmp(name, "mac")) {
      const uint8_t *m = val;
      bool zero = len == 6 && !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
      if (len != 6 || (m[0] & 1) || zero)
        return FAIL(p,
                    "node '%s': property 'mac': expected [6 bytes], a unicast address other than "
                    "00:00:00:00:00:00",
                    nname);
      memcpy(k->mac, m, 6);
      k->have_mac = true;
    } else if (!strcmp(name, "mtu")) {
      if (len != 4 || dt_be32(val) < 68 || dt_be32(val) > 1500)
        return FAIL(p, "node '%s': property 'mtu': expected <N>, 68..1500", nname);
      k->mtu = (uint16_t)dt_be32(val);
    } else if (!strcmp(name, "any-source")) {
      if (len != 0)
        return FAIL(p, "node '%s': property 'any-source': takes no value (write any-source;)",
                    nname);
      k->any_source = true;
    } else {
      return FAIL(p, "node '%s': unknown property '%s' (known: switch mac mtu any-source)", nname,
                  name);
    }
  }
  s->nnics++;
  return 0;
}

/* Fill spec from the VM node; 0, or -1 with msg saying why not. */
static int parse_vm(const struct dt *dt, int node, const struct cfg_limits *lim,
                    struct vm_spec *spec, uint64_t mem_left, char *msg, size_t msglen) {
  struct vm_parse p = {.spec = spec, .lim = lim, .msg = msg, .msglen = msglen};
  config_spec_defaults(spec);
  int cookie = 0;
  const char *name;
  const void *val;
  int len;
  while (dt_prop_next(dt, node, &cookie, &name, &val, &len) == 0)
    if (parse_property(&p, name, val, len))
      return -1;
  for (int c = dt_first_child(dt, node); c >= 0; c = dt_next_sibling(dt, c)) {
    const char *cn = dt_node_name(dt, c);
    if (!strncmp(cn, "nic", 3) && (!cn[3] || cn[3] == '@')) {
      if (parse_nic(&p, dt, c))
        return -1;
    } else if (parse_disk(&p, dt, c)) {
      return -1;
    }
  }
  if (p.have_kernel && p.have_source)
    return FAIL(&p, "properties 'kernel' and 'kernel-source' both given: keep one");
  if (!p.have_kernel && !p.have_source)
    return FAIL(&p, "missing kernel: give kernel = /incbin/(\"file\") or kernel-source = "
                    "\"initrd\" or \"disk\"");
  if (p.have_initramfs && p.have_initramfs_source)
    return FAIL(&p, "properties 'initramfs' and 'initramfs-source' both given: keep one");
  spec->has_initramfs = p.have_initramfs || p.have_initramfs_source;
  if (p.have_initramfs_source && p.have_source && spec->kernel == spec->initramfs_src)
    return FAIL(&p,
                "properties 'kernel-source' and 'initramfs-source' both name the %s: one image "
                "cannot be both",
                config_kernel_name(spec->kernel));
  if (!p.have_mem && spec->mem_size > lim->host_mem)
    return FAIL(&p, "property 'memory' (default %llu MiB): more than the host has for VMs",
                (unsigned long long)(spec->mem_size >> 20));
  if (spec->mem_size > mem_left)
    return FAIL(&p,
                "property 'memory': %llu MiB, but only %llu MiB of host memory are left after "
                "the VMs before it",
                (unsigned long long)(spec->mem_size >> 20), (unsigned long long)(mem_left >> 20));
  if (spec->ramdisk_size > mem_left || spec->mem_size > mem_left - spec->ramdisk_size)
    return FAIL(&p,
                "properties 'memory' and 'ramdisk': %llu MiB and %llu KiB, but only %llu MiB of "
                "host memory are left after the VMs before it",
                (unsigned long long)(spec->mem_size >> 20),
                (unsigned long long)(spec->ramdisk_size >> 10),
                (unsigned long long)(mem_left >> 20));
  return 0;
}

/* Default MACs for spec's NICs without one, then no MAC twice: not in this
 * VM, not among the VMs accepted before it. 0, or -1 with msg. */
static int nic_macs(const struct hv_config *out, struct vm_spec *spec, char *msg, size_t msglen) {
  for (unsigned i = 0; i < spec->nnics; i++)
    if (!spec->nic[i].have_mac)
      config_default_mac(spec->name, spec->nic[i].unit, spec->nic[i].mac);
  for (unsigned i = 0; i < spec->nnics; i++) {
    const struct cfg_nic *k = &spec->nic[i];
    const char *other_vm = NULL, *other_node = NULL;
    for (unsigned j = 0; j < i && !other_vm; j++)
      if (!memcmp(spec->nic[j].mac, k->mac, 6))
        other_vm = "this VM", other_node = spec->nic[j].node;
    for (unsigned v = 0; v < out->nvms && !other_vm; v++)
      for (unsigned j = 0; j < out->vm[v].nnics && !other_vm; j++)
        if (!memcmp(out->vm[v].nic[j].mac, k->mac, 6))
          other_vm = out->vm[v].name, other_node = out->vm[v].nic[j].node;
    if (other_vm) {
      const uint8_t *m = k->mac;
      rv_snprintf(msg, msglen,
                  "node '%s': duplicate MAC %02x:%02x:%02x:%02x:%02x:%02x: %s%s's node '%s' has it",
                  k->node, m[0], m[1], m[2], m[3], m[4], m[5],
                  strcmp(other_vm, "this VM") ? "VM " : "", other_vm, other_node);
      return -1;
    }
  }
  return 0;
}

int config_parse(const void *blob, size_t max_size, const struct cfg_limits *lim,
                 struct hv_config *out, cfg_report_fn report, void *ctx) {
  char msg[200];
  struct dt dt;
  memset(out, 0, sizeof(*out));
  int r = dt_open(&dt, blob, max_size);
  if (r != DT_OK) {
    rv_snprintf(msg, sizeof(msg), "not a device tree blob: %s", dt_strerror(r));
    report(ctx, NULL, msg);
    return -1;
  }
  int root = dt_root(&dt);
  if (!dt_is_compatible(&dt, root, CFG_COMPATIBLE)) {
    report(ctx, NULL, "the root node is not compatible = \"" CFG_COMPATIBLE "\"");
    return -1;
  }
  int vms = -1;
  for (int n = dt_first_child(&dt, root); n >= 0; n = dt_next_sibling(&dt, n)) {
    if (!strcmp(dt_node_name(&dt, n), "vms")) {
      vms = n;
    } else {
      rv_snprintf(msg, sizeof(msg), "unknown node /%s (VMs go under /vms)", dt_node_name(&dt, n));
      report(ctx, NULL, msg);
      return -1;
    }
  }
  if (vms < 0) {
    report(ctx, NULL, "no /vms node: nothing to run");
    return -1;
  }
  uint64_t mem_left = lim->host_mem;
  for (int n = dt_first_child(&dt, vms); n >= 0; n = dt_next_sibling(&dt, n)) {
    const char *name = dt_node_name(&dt, n);
    struct vm_spec *spec = &out->vm[out->nvms];
    int bad = 0;
    if (!valid_name(name)) {
      rv_snprintf(msg, sizeof(msg),
                  "bad VM name: 1 to %d letters, digits or -_.@ (it names the VM's console)",
                  CFG_NAME_MAX - 1);
      bad = 1;
    } else if (out->nvms == CFG_MAX_VMS) {
      rv_snprintf(msg, sizeof(msg), "too many VMs: at most %d", CFG_MAX_VMS);
      bad = 1;
    } else {
      for (unsigned i = 0; i < out->nvms && !bad; i++)
        if (!strcmp(out->vm[i].name, name)) {
          rv_snprintf(msg, sizeof(msg), "a VM of this name is already configured");
          bad = 1;
        }
      if (!bad)
        bad = parse_vm(&dt, n, lim, spec, mem_left, msg, sizeof(msg));
    }
    if (bad) {
      report(ctx, name, msg);
      out->nrejected++;
      continue;
    }
    rv_snprintf(spec->name, sizeof(spec->name), "%s", name);
    if (nic_macs(out, spec, msg, sizeof(msg))) {
      report(ctx, name, msg);
      out->nrejected++;
      continue;
    }
    mem_left -= spec->mem_size + spec->ramdisk_size;
    out->nvms++;
  }
  return 0;
}
