/* A virtual ns16550a UART (8-bit registers, reg-shift 0), enough for Linux's
 * 8250 driver and earlycon. Pure device model: the caller decodes the trapped
 * access (byte offset into the 8-byte window), takes the VM's lock around
 * every call, and forwards vuart_irq() to the guest's interrupt controller.
 *
 * Transmit is immediate: a THR write hands the byte to the tx callback, so
 * THR is always empty (LSR.THRE and LSR.TEMT always set). Receive goes
 * through a 64-byte FIFO filled by vuart_rx_push(). Loopback (MCR.LOOP) sends
 * THR writes to the receive FIFO (a full FIFO sets LSR.OE) and reflects
 * MCR's outputs in MSR, as a 16550 does. Line errors other than that overrun
 * never occur. Baud rate and line format (DLL/DLM/LCR) are stored only.
 *
 * The interrupt line is kept, not computed on demand: the accesses that can
 * move it (an RBR read that pops, an IIR read that clears THRE, an LSR or MSR
 * read that clears set bits, THR/IER/FCR/MCR writes, received bytes)
 * recompute it; every other access leaves it alone. The caller forwards it
 * to its interrupt controller only when vuart_take_irq_changed() says so. */
#ifndef RV_VUART_H
#define RV_VUART_H
#include <stdbool.h>
#include <stdint.h>

#define VUART_FIFO_SIZE 64
#define VUART_WINDOW_SIZE 8

/* Register offsets. */
#define VUART_RBR 0 /* read, DLAB = 0 */
#define VUART_THR 0 /* write, DLAB = 0 */
#define VUART_DLL 0 /* DLAB = 1 */
#define VUART_IER 1 /* DLAB = 0 */
#define VUART_DLM 1 /* DLAB = 1 */
#define VUART_IIR 2 /* read */
#define VUART_FCR 2 /* write */
#define VUART_LCR 3
#define VUART_MCR 4
#define VUART_LSR 5
#define VUART_MSR 6
#define VUART_SCR 7

#define VUART_IER_ERBFI 0x01 /* received data available */
#define VUART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define VUART_IER_ELSI 0x04  /* receiver line status */
#define VUART_IER_EDSSI 0x08 /* modem status */

#define VUART_IIR_NONE 0x01 /* no interrupt pending */
#define VUART_IIR_MSI 0x00
#define VUART_IIR_THRI 0x02
#define VUART_IIR_RDI 0x04
#define VUART_IIR_RLSI 0x06
#define VUART_IIR_FIFO 0xC0 /* FIFOs enabled */

#define VUART_FCR_FIFOE 0x01
#define VUART_FCR_CLEAR_RX 0x02
#define VUART_FCR_CLEAR_TX 0x04

#define VUART_LCR_DLAB 0x80

#define VUART_MCR_DTR 0x01
#define VUART_MCR_RTS 0x02
#define VUART_MCR_OUT1 0x04
#define VUART_MCR_OUT2 0x08
#define VUART_MCR_LOOP 0x10

#define VUART_LSR_DR 0x01
#define VUART_LSR_OE 0x02
#define VUART_LSR_THRE 0x20
#define VUART_LSR_TEMT 0x40

#define VUART_MSR_DCTS 0x01
#define VUART_MSR_DDSR 0x02
#define VUART_MSR_TERI 0x04
#define VUART_MSR_DDCD 0x08
#define VUART_MSR_CTS 0x10
#define VUART_MSR_DSR 0x20
#define VUART_MSR_RI 0x40
#define VUART_MSR_DCD 0x80

/* One guest UART. Not thread-safe: guarded by its VM's lock. */
struct vuart {
  void (*tx)(void *arg, uint8_t byte); /* may be NULL: output dropped */
  void *arg;
  uint8_t rx[VUART_FIFO_SIZE];
  unsigned rx_head;  /* index of the oldest byte */
  unsigned rx_count; /* bytes in the FIFO */
  uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
  uint8_t lsr_errors; /* LSR.OE until LSR is read */
  uint8_t msr_deltas; /* MSR bits 3:0 until MSR is read */
  bool thre_pending;  /* THR-empty interrupt armed (16550: cleared by reading IIR) */
  bool irq;           /* the interrupt line: some enabled interrupt is pending */
  bool irq_reported;  /* irq as of the last vuart_take_irq_changed() */
};

/* Resets u to the 16550 reset state (no interrupts enabled, FIFOs off). */
void vuart_init(struct vuart *u, void (*tx)(void *arg, uint8_t byte), void *arg);
/* A guest byte load at offset (0..7; anything else reads 0). */
uint8_t vuart_read(struct vuart *u, unsigned offset);
/* A guest byte store at offset (0..7; anything else is ignored). */
void vuart_write(struct vuart *u, unsigned offset, uint8_t val);
/* Queues a received byte; false (byte not taken) if the FIFO is full. */
bool vuart_rx_push(struct vuart *u, uint8_t byte);
/* Free room in the receive FIFO, in bytes. */
unsigned vuart_rx_space(const struct vuart *u);
/* Takes the oldest received byte the guest has not read (for a reader other
 * than the guest's RBR loads: SBI getchar), or -1 when the FIFO is empty. */
int vuart_rx_take(struct vuart *u);
/* LSR less its error bits: THR always empty, DR while the FIFO holds a
 * byte. A read of LSR returns this ORed with the errors, and changes
 * nothing unless an error bit is set (vuart_read()). */
static inline uint8_t vuart_lsr_status(const struct vuart *u) {
  return (uint8_t)(VUART_LSR_THRE | VUART_LSR_TEMT | (u->rx_count ? VUART_LSR_DR : 0));
}
/* The interrupt line: some enabled interrupt is pending (IIR bit 0 clear). */
static inline bool vuart_irq(const struct vuart *u) { return u->irq; }
/* True if the line differs from what the previous call saw (from reset: low);
 * the caller then forwards vuart_irq(). */
static inline bool vuart_take_irq_changed(struct vuart *u) {
  if (u->irq == u->irq_reported)
    return false;
  u->irq_reported = u->irq;
  return true;
}

#endif
