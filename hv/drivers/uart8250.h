/* The host's ns16550-compatible UART, polled (the hypervisor's console). */
#ifndef RV_UART8250_H
#define RV_UART8250_H
#include <stdint.h>

struct uart8250 {
  uintptr_t base;
  unsigned reg_shift;
  unsigned reg_width; /* 1 or 4 bytes */
  uintptr_t thr, lsr; /* their addresses, set by uart8250_init */
};

void uart8250_init(struct uart8250 *u);
void uart8250_putc(struct uart8250 *u, char c);
/* uart8250_putc inlined, for the guests' one-byte console writes. */
static inline void uart8250_putc_inline(const struct uart8250 *u, char c) {
  if (u->reg_width == 4) {
    while (!(*(volatile uint32_t *)u->lsr & 0x20))
      ;
    *(volatile uint32_t *)u->thr = (uint8_t)c;
  } else {
    while (!(*(volatile uint8_t *)u->lsr & 0x20))
      ;
    *(volatile uint8_t *)u->thr = (uint8_t)c;
  }
}
int uart8250_getc(struct uart8250 *u); /* -1 when no byte is waiting */
void uart8250_enable_rx_irq(struct uart8250 *u);

#endif
