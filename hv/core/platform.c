#include "platform.h"
#include "../lib/fdt.h"
#include "../lib/isa.h"
#include "../lib/printf.h"
#include <string.h>

struct platform plat;

static void add_resv(uint64_t start, uint64_t size) {
  if (size && plat.nresv < PLAT_MAX_RESERVED)
    plat.resv[plat.nresv++] = (struct region){start, start + size};
}

static void copy_str(char *dst, unsigned cap, const char *src) {
  unsigned n = 0;
  for (; src && src[n] && n + 1 < cap; n++)
    dst[n] = src[n];
  dst[n] = '\0';
}

static void probe_cpus(const struct dt *dt, unsigned long boot_hartid) {
  int cpus = dt_path(dt, "/cpus");
  uint32_t tb;
  if (cpus >= 0 && dt_prop_u32(dt, cpus, "timebase-frequency", &tb) == DT_OK)
    plat.timebase = tb;
  for (int c = cpus >= 0 ? dt_first_child(dt, cpus) : -1; c >= 0; c = dt_next_sibling(dt, c)) {
    const char *type = dt_prop_str(dt, c, "device_type");
    const char *status = dt_prop_str(dt, c, "status");
    uint64_t hartid, size;
    if (!type || strcmp(type, "cpu") || (status && strcmp(status, "okay")))
      continue;
    if (dt_reg(dt, c, 0, &hartid, &size) != DT_OK)
      continue;
    if (plat.nharts < PLAT_MAX_HARTS)
      plat.hartids[plat.nharts++] = hartid;
    if (hartid == boot_hartid) {
      copy_str(plat.isa, sizeof(plat.isa), dt_prop_str(dt, c, "riscv,isa"));
      copy_str(plat.mmu_type, sizeof(plat.mmu_type), dt_prop_str(dt, c, "mmu-type"));
      /* A per-cpu timebase overrides the /cpus one. */
      if (dt_prop_u32(dt, c, "timebase-frequency", &tb) == DT_OK)
        plat.timebase = tb;
    }
  }
}

static void probe_memory(const struct dt *dt) {
  int root = dt_root(dt);
  for (int n = dt_first_child(dt, root); n >= 0; n = dt_next_sibling(dt, n)) {
    const char *type = dt_prop_str(dt, n, "device_type");
    if (!type || strcmp(type, "memory"))
      continue;
    uint64_t a, s;
    for (int i = 0; dt_reg(dt, n, i, &a, &s) == DT_OK; i++)
      if (s && plat.nmem < PLAT_MAX_MEM)
        plat.mem[plat.nmem++] = (struct region){a, a + s};
  }
  int rm = dt_path(dt, "/reserved-memory");
  for (int c = rm >= 0 ? dt_first_child(dt, rm) : -1; c >= 0; c = dt_next_sibling(dt, c)) {
    uint64_t a, s;
    for (int i = 0; dt_reg(dt, c, i, &a, &s) == DT_OK; i++)
      add_resv(a, s);
  }
  uint64_t a, s;
  for (int i = 0; dt_memreserve(dt, i, &a, &s) == DT_OK; i++)
    add_resv(a, s);
}

static void probe_chosen(const struct dt *dt) {
  int chosen = dt_path(dt, "/chosen");
  plat.bootargs = "";
  if (chosen < 0)
    return;
  const char *args = dt_prop_str(dt, chosen, "bootargs");
  if (args)
    plat.bootargs = args;
  uint64_t s, e;
  if (dt_prop_u64(dt, chosen, "linux,initrd-start", &s) == DT_OK &&
      dt_prop_u64(dt, chosen, "linux,initrd-end", &e) == DT_OK && e > s) {
    plat.initrd_start = s;
    plat.initrd_end = e;
  }
  int uart = dt_stdout_node(dt);
  uint64_t base, size;
  if (uart >= 0 &&
      (dt_is_compatible(dt, uart, "ns16550a") || dt_is_compatible(dt, uart, "ns16550")) &&
      dt_reg(dt, uart, 0, &base, &size) == DT_OK) {
    plat.has_uart = true;
    plat.uart_base = base;
    plat.uart_shift = 0;
    plat.uart_width = 1;
    dt_prop_u32(dt, uart, "reg-shift", &plat.uart_shift);
    dt_prop_u32(dt, uart, "reg-io-width", &plat.uart_width);
  }
}

int platform_probe(const void *fdt, unsigned long boot_hartid, char *err, unsigned errlen) {
  struct dt dt;
  int r = dt_open(&dt, fdt, 1U << 24);
  if (r != DT_OK) {
    rv_snprintf(err, errlen, "the FDT at %p is invalid: %s", fdt, dt_strerror(r));
    return -1;
  }
  memset(&plat, 0, sizeof(plat));
  plat.fdt = fdt;
  plat.fdt_size = dt.size;
  plat.boot_hartid = boot_hartid;
  plat.timebase = 10000000;
  probe_cpus(&dt, boot_hartid);
  probe_memory(&dt);
  probe_chosen(&dt);
  if (!plat.nmem) {
    rv_snprintf(err, errlen, "the FDT describes no memory");
    return -1;
  }
  if (!plat.isa[0]) {
    rv_snprintf(err, errlen, "the FDT has no riscv,isa for boot hart %lu", boot_hartid);
    return -1;
  }
  plat.has_h = isa_has_ext(plat.isa, "h");
  plat.has_sstc = isa_has_ext(plat.isa, "sstc");
  return 0;
}

uint64_t platform_ram_bytes(void) {
  uint64_t total = 0;
  for (int i = 0; i < plat.nmem; i++)
    total += plat.mem[i].end - plat.mem[i].start;
  return total;
}
