#include "vm_fdt.h"
#include "../lib/fdt.h"
#include "../lib/printf.h"

#define PHANDLE_INTC_BASE 1
#define PHANDLE_PLIC 0x100

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

  char uart_path[48];
  rv_snprintf(uart_path, sizeof(uart_path), "/soc/serial@%lx", (unsigned long)p->uart_base);
  dtw_begin_node(&w, "chosen");
  dtw_prop_str(&w, "bootargs", p->bootargs ? p->bootargs : "");
  if (p->uart_base)
    dtw_prop_str(&w, "stdout-path", uart_path);
  if (p->initrd_end) {
    dtw_prop_u64(&w, "linux,initrd-start", p->initrd_start);
    dtw_prop_u64(&w, "linux,initrd-end", p->initrd_end);
  }
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

  dtw_begin_node(&w, "soc");
  dtw_prop_u32(&w, "#address-cells", 2);
  dtw_prop_u32(&w, "#size-cells", 2);
  dtw_prop_str(&w, "compatible", "simple-bus");
  dtw_prop_empty(&w, "ranges");
  if (p->plic_base) {
    static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    uint32_t ext[2 * 16];
    unsigned n = p->nvcpus < 16 ? p->nvcpus : 16;
    for (unsigned i = 0; i < n; i++) {
      ext[2 * i] = PHANDLE_INTC_BASE + i;
      ext[2 * i + 1] = 9; /* supervisor external interrupt */
    }
    rv_snprintf(name, sizeof(name), "interrupt-controller@%lx", (unsigned long)p->plic_base);
    dtw_begin_node(&w, name);
    dtw_prop(&w, "compatible", compat, sizeof(compat));
    dtw_prop_reg(&w, p->plic_base, p->plic_size);
    dtw_prop_u32(&w, "#interrupt-cells", 1);
    dtw_prop_u32(&w, "#address-cells", 0);
    dtw_prop_empty(&w, "interrupt-controller");
    dtw_prop_u32(&w, "riscv,ndev", p->plic_ndev);
    dtw_prop_cells(&w, "interrupts-extended", ext, 2 * n);
    dtw_prop_u32(&w, "phandle", PHANDLE_PLIC);
    dtw_end_node(&w);
  }
  if (p->uart_base) {
    dtw_begin_node(&w, uart_path + 5); /* the name without "/soc/" */
    dtw_prop_str(&w, "compatible", "ns16550a");
    dtw_prop_reg(&w, p->uart_base, p->uart_size);
    dtw_prop_u32(&w, "clock-frequency", p->uart_clock);
    dtw_prop_u32(&w, "interrupts", p->uart_irq);
    dtw_prop_u32(&w, "interrupt-parent", PHANDLE_PLIC);
    dtw_end_node(&w);
  }
  /* In address order, so that a guest's probe order (Linux: vda, vdb...)
   * follows the slots (QEMU's own tree lists them the other way round). */
  for (unsigned i = 0; i < p->nvirtio && i < VM_FDT_MAX_VIRTIO; i++) {
    const struct vm_fdt_virtio *v = &p->virtio[i];
    rv_snprintf(name, sizeof(name), "virtio_mmio@%lx", (unsigned long)v->base);
    dtw_begin_node(&w, name);
    dtw_prop_str(&w, "compatible", "virtio,mmio");
    dtw_prop_reg(&w, v->base, v->size);
    dtw_prop_u32(&w, "interrupts", v->irq);
    dtw_prop_u32(&w, "interrupt-parent", PHANDLE_PLIC);
    dtw_end_node(&w);
  }
  dtw_end_node(&w);

  dtw_end_node(&w);
  return dtw_finish(&w);
}
