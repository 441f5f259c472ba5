/* The device tree a guest boots with: exactly what the VM is given. Pure
 * (no hypervisor state), so it is unit-tested against libfdt on the host. */
#ifndef RV_VM_FDT_H
#define RV_VM_FDT_H
#include <stddef.h>
#include <stdint.h>

#define VM_FDT_MAX_VIRTIO 8

struct vm_fdt_params {
  const char *name; /* VM name, for the model string */
  uint64_t ram_base, ram_size;
  unsigned nvcpus;
  const char *isa;      /* riscv,isa each vCPU reports */
  const char *mmu_type; /* e.g. "riscv,sv57"; NULL or "" to omit */
  uint32_t timebase;
  const char *bootargs; /* may be "" */
  /* Devices: a PLIC (contexts = the vCPUs' S-mode external interrupts)
   * and, if uart_base, an ns16550a on PLIC source uart_irq. */
  uint64_t plic_base, plic_size;
  unsigned plic_ndev;
  uint64_t uart_base, uart_size;
  uint32_t uart_irq, uart_clock;
  /* The initramfs, [initrd_start, initrd_end) in guest RAM, as
   * /chosen/linux,initrd-start and linux,initrd-end; both 0: none. */
  uint64_t initrd_start, initrd_end;
  /* virtio-mmio devices, each a window on a PLIC source. */
  struct vm_fdt_virtio {
    uint64_t base, size;
    uint32_t irq;
  } virtio[VM_FDT_MAX_VIRTIO];
  unsigned nvirtio;
};

/* Writes the blob into buf; returns its size or a negative DT_ERR_ value. */
int vm_fdt_build(const struct vm_fdt_params *p, void *buf, size_t cap);

#endif
