#include "uart8250.h"

#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static uint32_t rd(struct uart8250 *u, unsigned reg) {
  uintptr_t a = u->base + (reg << u->reg_shift);
  return u->reg_width == 4 ? *(volatile uint32_t *)a : *(volatile uint8_t *)a;
}

static void wr(struct uart8250 *u, unsigned reg, uint32_t v) {
  uintptr_t a = u->base + (reg << u->reg_shift);
  if (u->reg_width == 4)
    *(volatile uint32_t *)a = v;
  else
    *(volatile uint8_t *)a = (uint8_t)v;
}

/* Firmware already programmed the baud rate; keep it, polled mode, FIFOs on. */
void uart8250_init(struct uart8250 *u) {
  u->thr = u->base + (UART_THR << u->reg_shift);
  u->lsr = u->base + (UART_LSR << u->reg_shift);
  wr(u, UART_IER, 0);
  wr(u, UART_FCR, 0x07);
}

_Static_assert(LSR_THRE == 0x20, "uart8250_putc_inline tests LSR bit 5");

void uart8250_putc(struct uart8250 *u, char c) { uart8250_putc_inline(u, c); }

int uart8250_getc(struct uart8250 *u) {
  if (!(rd(u, UART_LSR) & LSR_DR))
    return -1;
  return (int)(rd(u, UART_RBR) & 0xff);
}

/* Raise the UART's interrupt when a byte arrives (IER.ERBFI). */
void uart8250_enable_rx_irq(struct uart8250 *u) { wr(u, UART_IER, 0x01); }
