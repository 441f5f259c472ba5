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
 * Its source's priority is written and read back with compressed
 * instructions (c.sw, c.lw: 2 bytes), each followed by a 2-byte c.addi
 * that counts: the hypervisor must step sepc over a compressed MMIO access
 * by 2, and stepping by 4 skips a count (and the c.sw's value, if it was
 * not written, shows too).
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

/* Store val at a device's 32-bit register with c.sw and load it back with
 * c.lw (a0-a3 are registers the compressed forms can name), each followed
 * by a c.addi on a counter; the guest resumes after each access at the
 * next 2-byte instruction or loses a count. */
static void compressed_mmio(unsigned long addr, uint32_t val) {
  register unsigned long a __asm__("a0") = addr;
  register unsigned long v __asm__("a1") = val;
  register unsigned long got __asm__("a2") = 0;
  register unsigned long steps __asm__("a3") = 0;
  __asm__ volatile(".option push\n"
                   ".option rvc\n"
                   "c.sw a1, 0(a0)\n"
                   "c.addi a3, 1\n"
                   "c.lw a2, 0(a0)\n"
                   "c.addi a3, 1\n"
                   ".option pop\n"
                   : "+r"(steps), "+r"(got)
                   : "r"(a), "r"(v)
                   : "memory");
  CHECK(steps == 2 && got == val,
        "uartirq: compressed c.sw/c.lw at 0x%lx: %lu of 2 following instructions ran, read %lu "
        "(wrote %u)",
        addr, steps, got, val);
  if (steps == 2 && got == val)
    guest_printf("uartirq: compressed c.sw/c.lw at the PLIC resumed at the next instruction\n");
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
  compressed_mmio(plic + PLIC_PRIORITY(source), 1); /* priority 1 */
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
