/* What the hypervisor knows of the machine, all of it read from the FDT that
 * OpenSBI passes in a1. Written once by the boot hart before any other hart
 * starts; read-only afterwards. */
#ifndef RV_PLATFORM_H
#define RV_PLATFORM_H
#include <stdbool.h>
#include <stdint.h>

#define PLAT_MAX_HARTS 16
#define PLAT_MAX_MEM 8
#define PLAT_MAX_RESERVED 32

struct region {
  uint64_t start, end;
};

struct platform {
  const void *fdt;
  uint32_t fdt_size;
  struct region mem[PLAT_MAX_MEM];
  int nmem;
  struct region resv[PLAT_MAX_RESERVED]; /* reserved-memory and /memreserve/ */
  int nresv;
  unsigned nharts;
  unsigned long hartids[PLAT_MAX_HARTS];
  unsigned long boot_hartid;
  char isa[160];     /* riscv,isa of the boot hart */
  char mmu_type[24]; /* mmu-type of the boot hart, e.g. "riscv,sv57" */
  bool has_h, has_sstc;
  uint32_t timebase;
  bool has_uart;
  uint64_t uart_base;
  uint32_t uart_shift, uart_width;
  uint64_t initrd_start, initrd_end; /* 0, 0 when there is none */
  const char *bootargs;              /* "" when there are none */
};

extern struct platform plat;

/* Reads the FDT; on failure returns -1 with a reason in err. */
int platform_probe(const void *fdt, unsigned long boot_hartid, char *err, unsigned errlen);
uint64_t platform_ram_bytes(void);

#endif
