/* A guest that finds its initramfs where its FDT says, as Linux does
 * (/chosen/linux,initrd-start and linux,initrd-end, one or two cells each),
 * and checks every byte of it against the pattern the boot tests' data files
 * hold (tests/boot/make_pattern.py: byte i is (7 * i + 3) mod 251). Runs
 * under rustyvisor and natively on OpenSBI (QEMU's -initrd). */
#include "fdt.h"
#include "guest.h"

/* /chosen/name as Linux reads it: a number of one or two cells. */
static bool chosen_number(const struct dt *dt, const char *name, uint64_t *out) {
  int len = 0;
  const void *p = dt_prop(dt, dt_path(dt, "/chosen"), name, &len);
  if (p && len == 4)
    *out = dt_be32(p);
  else if (p && len == 8)
    *out = dt_be64(p);
  else
    return false;
  return true;
}

void guest_main(unsigned long hartid, const void *fdt) {
  (void)hartid;
  guest_console_init();
  struct dt dt;
  uint64_t start = 0, end = 0;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK || !chosen_number(&dt, "linux,initrd-start", &start) ||
      !chosen_number(&dt, "linux,initrd-end", &end)) {
    CHECK(false, "no /chosen/linux,initrd-start and linux,initrd-end in the FDT");
    guest_shutdown();
  }
  CHECK(end > start, "initrd-end 0x%lx is not above initrd-start 0x%lx", (unsigned long)end,
        (unsigned long)start);
  guest_printf("initramfs: %lu bytes at 0x%lx\n", (unsigned long)(end - start),
               (unsigned long)start);
  const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)start;
  uint64_t bad = 0, first_bad = 0;
  for (uint64_t i = 0; i < end - start; i++)
    if (p[i] != (uint8_t)((7 * i + 3) % 251) && !bad++)
      first_bad = i;
  CHECK(!bad, "%lu bytes differ from the pattern, the first at offset %lu", (unsigned long)bad,
        (unsigned long)first_bad);
  if (!bad)
    guest_puts("initramfs: every byte as expected\n");
  if (guest_failures)
    guest_printf("initramfs: %d checks failed\n", guest_failures);
  else
    guest_puts("initramfs: all checks passed\n");
  guest_shutdown();
}
