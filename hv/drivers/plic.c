#include "plic.h"
#include "../lib/fdt.h"
#include <string.h>

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (c))
#define PLIC_CLAIM(c) (0x200004UL + 0x1000UL * (c))
#define IRQ_S_EXT 9

static uintptr_t base;
static unsigned ctx;
static uint32_t uart_irq;

static volatile uint32_t *reg(unsigned long off) { return (volatile uint32_t *)(base + off); }

/* phandle of the interrupt controller inside hart hartid's cpu node. */
static uint32_t boot_intc_phandle(const struct dt *dt, unsigned long hartid) {
  int cpus = dt_path(dt, "/cpus");
  for (int c = cpus >= 0 ? dt_first_child(dt, cpus) : -1; c >= 0; c = dt_next_sibling(dt, c)) {
    uint64_t id, size;
    if (dt_reg(dt, c, 0, &id, &size) != DT_OK || id != hartid)
      continue;
    for (int i = dt_first_child(dt, c); i >= 0; i = dt_next_sibling(dt, i)) {
      uint32_t ph;
      if (dt_is_compatible(dt, i, "riscv,cpu-intc") && dt_prop_u32(dt, i, "phandle", &ph) == DT_OK)
        return ph;
    }
  }
  return 0;
}

static int find_plic(const struct dt *dt) {
  int plic = dt_find_compatible(dt, -1, "riscv,plic0");
  return plic >= 0 ? plic : dt_find_compatible(dt, -1, "sifive,plic-1.0.0");
}

bool plic_host_probe(const struct dt *dt) {
  if (base)
    return true;
  int plic = find_plic(dt);
  uint64_t a, s;
  if (plic < 0 || dt_reg(dt, plic, 0, &a, &s) != DT_OK)
    return false;
  base = (uintptr_t)a;
  return true;
}

int plic_host_context_of(const struct dt *dt, unsigned long hartid) {
  int plic = find_plic(dt);
  uint32_t intc = boot_intc_phandle(dt, hartid);
  int len;
  const uint8_t *ext = plic >= 0 && intc ? dt_prop(dt, plic, "interrupts-extended", &len) : 0;
  for (int i = 0; ext && (i + 1) * 8 <= len; i++)
    if (dt_be32(ext + 8 * i) == intc && dt_be32(ext + 8 * i + 4) == IRQ_S_EXT)
      return i;
  return -1;
}

void plic_host_enable_ctx(unsigned c, uint32_t src) {
  *reg(PLIC_PRIORITY(src)) = 1;
  *reg(PLIC_THRESHOLD(c)) = 0;
  *reg(PLIC_ENABLE(c, src)) |= 1U << (src % 32);
}

uint32_t plic_host_claim_ctx(unsigned c) { return *reg(PLIC_CLAIM(c)); }

void plic_host_complete_ctx(unsigned c, uint32_t src) { *reg(PLIC_CLAIM(c)) = src; }

bool plic_host_init(const struct dt *dt, unsigned long boot_hartid) {
  int plic = dt_find_compatible(dt, -1, "riscv,plic0");
  if (plic < 0)
    plic = dt_find_compatible(dt, -1, "sifive,plic-1.0.0");
  int uart = dt_stdout_node(dt);
  uint32_t intc = boot_intc_phandle(dt, boot_hartid);
  uint64_t a, s;
  if (plic < 0 || uart < 0 || !intc || dt_reg(dt, plic, 0, &a, &s) != DT_OK ||
      dt_prop_u32(dt, uart, "interrupts", &uart_irq) != DT_OK || !uart_irq || uart_irq >= 1024)
    return false;
  /* Context i is the i-th (phandle, cause) pair of interrupts-extended. */
  int len;
  const uint8_t *ext = dt_prop(dt, plic, "interrupts-extended", &len);
  bool found = false;
  for (int i = 0; ext && (i + 1) * 8 <= len; i++)
    if (dt_be32(ext + 8 * i) == intc && dt_be32(ext + 8 * i + 4) == IRQ_S_EXT) {
      ctx = (unsigned)i;
      found = true;
      break;
    }
  if (!found)
    return false;
  base = (uintptr_t)a;
  *reg(PLIC_PRIORITY(uart_irq)) = 1;
  *reg(PLIC_THRESHOLD(ctx)) = 0;
  *reg(PLIC_ENABLE(ctx, uart_irq)) |= 1U << (uart_irq % 32);
  return true;
}

uint32_t plic_host_claim(void) { return *reg(PLIC_CLAIM(ctx)); }

void plic_host_complete(uint32_t src) { *reg(PLIC_CLAIM(ctx)) = src; }

uint32_t plic_host_uart_irq(void) { return uart_irq; }
