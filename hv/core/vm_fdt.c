#include "vm_fdt.h"
#include "../lib/fdt.h"
#include "../lib/printf.h"

#define PHANDLE_INTC_BASE 1

int vm_fdt_build(const struct vm_fdt_params *p, void *buf, size_t cap) {
  struct dtw w;
  char name[40];
  dtw_init(&w, buf, cap);
  dtw_begin_node(&w, "");
  dtw_prop_u32(&w, "#address-cells", 2);
  dtw_prop_u32(&w, "#size-cells", 2);
  dtw_prop_str(&w, "compatible", "rustyvisor,virt");
  rv_snprintf(name, sizeof(name), "rustyvisor VM %s", p->name);
  dtw_prop_str(&w, "model", name);

  dtw_begin_node(&w, "chosen");
  dtw_prop_str(&w, "bootargs", p->bootargs ? p->bootargs : "");
  if (p->stdout_path)
    dtw_prop_str(&w, "stdout-path", p->stdout_path);
  dtw_end_node(&w);

  dtw_begin_node(&w, "cpus");
  dtw_prop_u32(&w, "#address-cells", 1);
  dtw_prop_u32(&w, "#size-cells", 0);
  dtw_prop_u32(&w, "timebase-frequency", p->timebase);
  for (unsigned i = 0; i < p->nvcpus; i++) {
    rv_snprintf(name, sizeof(name), "cpu@%u", i);
    dtw_begin_node(&w, name);
    dtw_prop_str(&w, "device_type", "cpu");
    dtw_prop_u32(&w, "reg", i);
    dtw_prop_str(&w, "status", "okay");
    dtw_prop_str(&w, "compatible", "riscv");
    dtw_prop_str(&w, "riscv,isa", p->isa);
    if (p->mmu_type && p->mmu_type[0])
      dtw_prop_str(&w, "mmu-type", p->mmu_type);
    dtw_begin_node(&w, "interrupt-controller");
    dtw_prop_u32(&w, "#interrupt-cells", 1);
    dtw_prop_empty(&w, "interrupt-controller");
    dtw_prop_str(&w, "compatible", "riscv,cpu-intc");
    dtw_prop_u32(&w, "phandle", PHANDLE_INTC_BASE + i);
    dtw_end_node(&w);
    dtw_end_node(&w);
  }
  dtw_end_node(&w);

  rv_snprintf(name, sizeof(name), "memory@%lx", (unsigned long)p->ram_base);
  dtw_begin_node(&w, name);
  dtw_prop_str(&w, "device_type", "memory");
  dtw_prop_reg(&w, p->ram_base, p->ram_size);
  dtw_end_node(&w);

  dtw_end_node(&w);
  return dtw_finish(&w);
}
