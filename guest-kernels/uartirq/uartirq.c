/* uartirq: takes console input the way an interrupt-driven driver does,
 * through the UART's receive interrupt and the PLIC, never by polling. From
 * its FDT it finds the ns16550a (base, interrupt source), the PLIC and the
 * PLIC context of its own hart's S-mode external interrupt
 * (interrupts-extended entry <cpu-intc 9>); it sets the source's priority,
 * enables it for that context, turns on IER.ERBFI and sie.SEIE and waits
 * in WFI. Each external interrupt is claimed, the UART's bytes are read
 * while LSR.DR says so, and the claim is completed. A line typed on the
 * console (the boot test types one) must arrive this way within 20 s (a
 * timer ends the wait, so a lost interrupt fails the test, not its
 * timeout).
 * Runs natively on OpenSBI too (QEMU's own UART and PLIC). */
#include "fdt.h"
#include "guest.h"
#include <string.h>

#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define WAIT_TICKS 200000000UL /* 20 s at 10 MHz */
#define SSTATUS_SIE (1UL << 1)

#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_LSR 5
#define UART_IER_ERBFI 0x01
#define UART_LSR_DR 0x01

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (c))
#define PLIC_CLAIM(c) (0x200004UL + 0x1000UL * (c))

static unsigned long uart, plic, context;
static uint32_t source;
static volatile char line[64];
static volatile unsigned len;
static volatile bool line_done;
static volatile unsigned long irqs, claims, spurious;

static uint8_t rd8(unsigned long a) { return *(volatile uint8_t *)a; }
static void wr8(unsigned long a, uint8_t v) { *(volatile uint8_t *)a = v; }
static uint32_t rd32(unsigned long a) { return *(volatile uint32_t *)a; }
static void wr32(unsigned long a, uint32_t v) { *(volatile uint32_t *)a = v; }

static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_TIMER) { /* the end of the wait: quiet the timer */
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
    return;
  }
  if (irq != IRQ_S_EXT) {
    spurious++;
    return;
  }
  irqs++;
  uint32_t s;
  while ((s = rd32(plic + PLIC_CLAIM(context))) != 0) {
    if (s == source) {
      claims++;
      while (rd8(uart + UART_LSR) & UART_LSR_DR) {
        char c = (char)rd8(uart + UART_RBR);
        if (c == '\r' || c == '\n')
          line_done = true;
        else if (!line_done && len < sizeof(line) - 1)
          line[len++] = c;
      }
    } else {
      spurious++;
    }
    wr32(plic + PLIC_CLAIM(context), s);
  }
}

/* The UART, its source, the PLIC and this hart's S-mode context. */
static bool read_fdt(const void *fdt, unsigned long hartid) {
  struct dt dt;
  uint64_t a, sz;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  int u = dt_find_compatible(&dt, -1, "ns16550a");
  int p = dt_find_compatible(&dt, -1, "riscv,plic0");
  if (p < 0)
    p = dt_find_compatible(&dt, -1, "sifive,plic-1.0.0");
  if (u < 0 || p < 0 || dt_reg(&dt, u, 0, &a, &sz) != DT_OK)
    return false;
  uart = a;
  if (dt_prop_u32(&dt, u, "interrupts", &source) != DT_OK || dt_reg(&dt, p, 0, &a, &sz) != DT_OK)
    return false;
  plic = a;
  return guest_plic_context(&dt, p, hartid, &context);
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  if (!read_fdt(fdt, hartid)) {
    CHECK(false, "uartirq: no ns16550a, PLIC or S-mode PLIC context for hart %lu in the FDT",
          hartid);
    guest_shutdown_fail();
  }
  guest_printf("uartirq: UART at 0x%lx on PLIC source %u, PLIC at 0x%lx, context %lu\n", uart,
               source, plic, context);
  guest_irq_handler = on_irq;
  wr8(uart + UART_LCR, 0x03);                /* 8N1, DLAB off */
  wr8(uart + UART_FCR, 0x01);                /* FIFOs on */
  while (rd8(uart + UART_LSR) & UART_LSR_DR) /* nothing typed yet counts */
    (void)rd8(uart + UART_RBR);
  wr32(plic + PLIC_PRIORITY(source), 1);
  wr32(plic + PLIC_ENABLE(context, source),
       rd32(plic + PLIC_ENABLE(context, source)) | 1U << (source % 32));
  wr32(plic + PLIC_THRESHOLD(context), 0);
  wr8(uart + UART_IER, UART_IER_ERBFI);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));

  guest_puts("uartirq: type a line\n");
  unsigned long start = csr_read_time();
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, start + WAIT_TICKS, 0, 0, 0, 0, 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
  while (!line_done && csr_read_time() - start < WAIT_TICKS)
    __asm__ volatile("wfi");
  __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
  wr8(uart + UART_IER, 0);
  line[len] = '\0';
  CHECK(line_done, "uartirq: no line within 20 s (%lu interrupts, %lu claims, got '%s')", irqs,
        claims, (const char *)line);
  CHECK(spurious == 0, "uartirq: %lu unexpected interrupts or claims", spurious);
  if (line_done)
    guest_printf("uartirq: line '%s' came by interrupt\n", (const char *)line);
  guest_puts(guest_failures ? "uartirq: checks failed\n" : "uartirq: done\n");
  guest_shutdown();
}
