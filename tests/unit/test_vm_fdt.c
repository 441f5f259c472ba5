/* Host tests of the guest device tree (hv/core/vm_fdt.c), read back with
 * libfdt: /chosen says where the initramfs is exactly when there is one. */
#include "check.h"
#include "hv/core/vm_fdt.h"
#include <libfdt.h>

static uint8_t buf[0x10000];

static struct vm_fdt_params params(void) {
  return (struct vm_fdt_params){
      .name = "vm0",
      .ram_base = 0x80000000,
      .ram_size = 0x8000000,
      .nvcpus = 2,
      .isa = "rv64imafdc",
      .mmu_type = "riscv,sv57",
      .timebase = 10000000,
      .bootargs = "console=ttyS0",
      .plic_base = 0x0c000000,
      .plic_size = 0x4000000,
      .plic_ndev = 63,
      .uart_base = 0x10000000,
      .uart_size = 0x100,
      .uart_irq = 10,
      .uart_clock = 3686400,
  };
}

/* The 64-bit value of /chosen/name (two cells, as Linux reads it). */
static int chosen_u64(const char *name, uint64_t *out) {
  int off = fdt_path_offset(buf, "/chosen");
  int len = 0;
  const fdt32_t *p = off < 0 ? NULL : fdt_getprop(buf, off, name, &len);
  if (!p || len != 8)
    return -1;
  *out = ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
  return 0;
}

static void test_initrd(void) {
  struct vm_fdt_params p = params();
  int n = vm_fdt_build(&p, buf, sizeof(buf));
  CHECK(n > 0 && fdt_check_header(buf) == 0);
  uint64_t v = 0;
  CHECK_EQ_INT(chosen_u64("linux,initrd-start", &v), -1); /* none: not described */
  CHECK_EQ_INT(chosen_u64("linux,initrd-end", &v), -1);
  p.initrd_start = 0x87f8f000;
  p.initrd_end = 0x87ff1000;
  n = vm_fdt_build(&p, buf, sizeof(buf));
  CHECK(n > 0 && fdt_check_header(buf) == 0);
  CHECK_EQ_INT(chosen_u64("linux,initrd-start", &v), 0);
  CHECK_EQ(v, 0x87f8f000);
  CHECK_EQ_INT(chosen_u64("linux,initrd-end", &v), 0);
  CHECK_EQ(v, 0x87ff1000);
  /* Above 4 GiB too: both cells are written. */
  p.ram_base = 0x100000000ULL;
  p.initrd_start = 0x1fff00000ULL;
  p.initrd_end = 0x1fff80000ULL;
  CHECK(vm_fdt_build(&p, buf, sizeof(buf)) > 0);
  CHECK_EQ_INT(chosen_u64("linux,initrd-start", &v), 0);
  CHECK_EQ(v, 0x1fff00000ULL);
  int off = fdt_path_offset(buf, "/chosen");
  CHECK(off >= 0 && fdt_getprop(buf, off, "bootargs", NULL) != NULL);
}

/* The virtio-mmio nodes: one per entry of virtio[], as Linux's
 * virtio_mmio driver reads it (compatible, reg, interrupts, the PLIC). */
static void test_virtio(void) {
  struct vm_fdt_params p = params();
  CHECK(vm_fdt_build(&p, buf, sizeof(buf)) > 0);
  CHECK(fdt_node_offset_by_compatible(buf, -1, "virtio,mmio") < 0);
  p.virtio[0] = (struct vm_fdt_virtio){0x10001000, 0x1000, 1};
  p.virtio[1] = (struct vm_fdt_virtio){0x10002000, 0x1000, 2};
  p.nvirtio = 2;
  CHECK(vm_fdt_build(&p, buf, sizeof(buf)) > 0 && fdt_check_header(buf) == 0);
  /* In address order: the first one a guest probes is slot 0 (vda). */
  int second = fdt_path_offset(buf, "/soc/virtio_mmio@10002000");
  CHECK(second > fdt_path_offset(buf, "/soc/virtio_mmio@10001000"));
  int len2 = 0;
  const fdt32_t *irq2 = second >= 0 ? fdt_getprop(buf, second, "interrupts", &len2) : NULL;
  CHECK(irq2 && len2 == 4 && fdt32_to_cpu(irq2[0]) == 2);
  int off = fdt_path_offset(buf, "/soc/virtio_mmio@10001000");
  CHECK(off >= 0 && off == fdt_node_offset_by_compatible(buf, -1, "virtio,mmio"));
  int len = 0;
  const fdt32_t *reg = fdt_getprop(buf, off, "reg", &len);
  CHECK(reg && len == 16 && fdt32_to_cpu(reg[1]) == 0x10001000 && fdt32_to_cpu(reg[3]) == 0x1000);
  const fdt32_t *irq = fdt_getprop(buf, off, "interrupts", &len);
  CHECK(irq && len == 4 && fdt32_to_cpu(irq[0]) == 1);
  const fdt32_t *parent = fdt_getprop(buf, off, "interrupt-parent", &len);
  int plic = fdt_node_offset_by_compatible(buf, -1, "riscv,plic0");
  CHECK(parent && plic >= 0 && fdt_get_phandle(buf, plic) == fdt32_to_cpu(parent[0]));
}

int main(void) {
  test_initrd();
  test_virtio();
  return check_report("vm_fdt");
}
