/* Virtual ns16550a: register and interrupt model of the TI/National PC16550D
 * data sheet ("Register Description", "Interrupt Identification Register",
 * Table IV), with the THRE-interrupt behaviour Linux's 8250 driver tests for. */
#include "vuart.h"
#include <string.h>

void vuart_init(struct vuart *u, void (*tx)(void *arg, uint8_t byte), void *arg) {
  memset(u, 0, sizeof(*u));
  u->tx = tx;
  u->arg = arg;
}

/* MSR bits 7:4: in loopback they follow MCR's outputs; otherwise the modem
 * lines of an always-ready peer (DCD, DSR, CTS). */
static uint8_t modem_lines(const struct vuart *u) {
  uint8_t m = u->mcr;
  if (!(m & VUART_MCR_LOOP))
    return VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS;
  return (uint8_t)(((m & VUART_MCR_RTS) ? VUART_MSR_CTS : 0) |
                   ((m & VUART_MCR_DTR) ? VUART_MSR_DSR : 0) |
                   ((m & VUART_MCR_OUT1) ? VUART_MSR_RI : 0) |
                   ((m & VUART_MCR_OUT2) ? VUART_MSR_DCD : 0));
}

/* The IIR value without side effects: the highest-priority enabled pending
 * interrupt (line status > received data > THR empty > modem status).
 * Always inlined, like update_irq(), so that vuart_read() makes no call and
 * its plain register reads (LSR polling) need no stack frame. */
static inline __attribute__((always_inline)) uint8_t iir_value(const struct vuart *u) {
  uint8_t id = VUART_IIR_NONE;
  if ((u->ier & VUART_IER_ELSI) && u->lsr_errors)
    id = VUART_IIR_RLSI;
  else if ((u->ier & VUART_IER_ERBFI) && u->rx_count)
    id = VUART_IIR_RDI;
  else if ((u->ier & VUART_IER_ETBEI) && u->thre_pending)
    id = VUART_IIR_THRI;
  else if ((u->ier & VUART_IER_EDSSI) && u->msr_deltas)
    id = VUART_IIR_MSI;
  if (u->fcr & VUART_FCR_FIFOE)
    id |= VUART_IIR_FIFO;
  return id;
}

/* Recomputes the line after a change to what it depends on: IER, the LSR
 * error bits, the FIFO's fill, THRE pending, the MSR deltas. */
static inline __attribute__((always_inline)) void update_irq(struct vuart *u) {
  u->irq = !(iir_value(u) & VUART_IIR_NONE);
}

unsigned vuart_rx_space(const struct vuart *u) { return VUART_FIFO_SIZE - u->rx_count; }

bool vuart_rx_push(struct vuart *u, uint8_t byte) {
  if (u->rx_count >= VUART_FIFO_SIZE)
    return false;
  u->rx[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
  u->rx_count++;
  update_irq(u);
  return true;
}

static uint8_t rx_pop(struct vuart *u) {
  if (u->rx_count == 0)
    return 0;
  uint8_t b = u->rx[u->rx_head];
  u->rx_head = (u->rx_head + 1) % VUART_FIFO_SIZE;
  u->rx_count--;
  update_irq(u);
  return b;
}

static void transmit(struct vuart *u, uint8_t byte) {
  if (u->mcr & VUART_MCR_LOOP) {
    if (!vuart_rx_push(u, byte))
      u->lsr_errors |= VUART_LSR_OE;
  } else if (u->tx) {
    u->tx(u->arg, byte);
  }
  u->thre_pending = true; /* the byte left THR at once */
  update_irq(u);
}

int vuart_rx_take(struct vuart *u) { return u->rx_count ? rx_pop(u) : -1; }

uint8_t vuart_read(struct vuart *u, unsigned offset) {
  bool dlab = u->lcr & VUART_LCR_DLAB;
  uint8_t v;
  switch (offset) {
  case VUART_RBR: return dlab ? u->dll : rx_pop(u);
  case VUART_IER: return dlab ? u->dlm : u->ier;
  case VUART_IIR:
    v = iir_value(u);
    if ((v & 0x0F) == VUART_IIR_THRI) {
      u->thre_pending = false;
      update_irq(u);
    }
    return v;
  case VUART_LCR: return u->lcr;
  case VUART_MCR: return u->mcr;
  case VUART_LSR:
    v = (uint8_t)(vuart_lsr_status(u) | u->lsr_errors);
    if (u->lsr_errors) {
      u->lsr_errors = 0;
      update_irq(u);
    }
    return v;
  case VUART_MSR:
    v = (uint8_t)(modem_lines(u) | u->msr_deltas);
    if (u->msr_deltas) {
      u->msr_deltas = 0;
      update_irq(u);
    }
    return v;
  case VUART_SCR: return u->scr;
  default: return 0;
  }
}

/* MCR write: in loopback, changes of the looped-back modem inputs latch the
 * MSR delta bits (TERI on RI's falling edge). */
static void write_mcr(struct vuart *u, uint8_t val) {
  uint8_t before = modem_lines(u);
  u->mcr = val;
  uint8_t after = modem_lines(u);
  uint8_t diff = before ^ after;
  if (diff & VUART_MSR_CTS)
    u->msr_deltas |= VUART_MSR_DCTS;
  if (diff & VUART_MSR_DSR)
    u->msr_deltas |= VUART_MSR_DDSR;
  if ((before & VUART_MSR_RI) && !(after & VUART_MSR_RI))
    u->msr_deltas |= VUART_MSR_TERI;
  if (diff & VUART_MSR_DCD)
    u->msr_deltas |= VUART_MSR_DDCD;
  update_irq(u);
}

/* IER write: enabling ETBEI re-arms the THRE interrupt (THR is always empty);
 * disabling it drops it. */
static void write_ier(struct vuart *u, uint8_t val) {
  uint8_t changed = (uint8_t)((u->ier ^ val) & VUART_IER_ETBEI);
  u->ier = val & 0x0F;
  if (changed)
    u->thre_pending = (u->ier & VUART_IER_ETBEI) != 0;
  update_irq(u);
}

void vuart_write(struct vuart *u, unsigned offset, uint8_t val) {
  bool dlab = u->lcr & VUART_LCR_DLAB;
  switch (offset) {
  case VUART_THR:
    if (dlab)
      u->dll = val;
    else
      transmit(u, val);
    break;
  case VUART_IER:
    if (dlab)
      u->dlm = val;
    else
      write_ier(u, val);
    break;
  case VUART_FCR:
    if (val & VUART_FCR_CLEAR_RX) {
      u->rx_head = 0;
      u->rx_count = 0;
    }
    u->fcr = val & (uint8_t) ~(VUART_FCR_CLEAR_RX | VUART_FCR_CLEAR_TX);
    update_irq(u);
    break;
  case VUART_LCR: u->lcr = val; break;
  case VUART_MCR: write_mcr(u, val); break;
  case VUART_SCR: u->scr = val; break;
  default: break; /* LSR and MSR are read-only */
  }
}
