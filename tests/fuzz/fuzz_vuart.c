/* libFuzzer target: the virtual 16550 (hv/dev/vuart.c) driven by a script
 * decoded from the input: guest byte reads and writes at any offset,
 * received bytes, the caller taking the interrupt line. Beside it runs a
 * reference written here from the PC16550D data sheet as vuart.h describes
 * the model (THR always empty, a 64-byte receive FIFO, loopback), which
 * recomputes IIR and the line from scratch: every value the guest reads must
 * be the reference's, every byte must come out where and in the order the
 * reference says, and the line the model keeps must equal the recomputed
 * one after every step. ASan catches any access out of bounds. */
#include "fuzz_input.h"
#include "hv/dev/vuart.h"
#include <stdlib.h>
#include <string.h>

struct ref {
  uint8_t fifo[VUART_FIFO_SIZE];
  unsigned head, count;
  uint8_t ier, lcr, mcr, scr, dll, dlm;
  bool fifo_enabled, overrun, thre;
  uint8_t deltas;
};

/* The byte the tx callback must see next, if any. */
static int expect_tx = -1;
static unsigned tx_seen;

static void tx(void *arg, uint8_t byte) {
  if (arg != &expect_tx || expect_tx != byte)
    abort();
  expect_tx = -1;
  tx_seen++;
}

static uint8_t ref_modem(const struct ref *r) {
  if (!(r->mcr & VUART_MCR_LOOP))
    return VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS;
  return (uint8_t)((r->mcr & VUART_MCR_RTS ? VUART_MSR_CTS : 0) |
                   (r->mcr & VUART_MCR_DTR ? VUART_MSR_DSR : 0) |
                   (r->mcr & VUART_MCR_OUT1 ? VUART_MSR_RI : 0) |
                   (r->mcr & VUART_MCR_OUT2 ? VUART_MSR_DCD : 0));
}

/* IIR from scratch: line status > received data > THR empty > modem. */
static uint8_t ref_iir(const struct ref *r) {
  uint8_t id = VUART_IIR_NONE;
  if ((r->ier & VUART_IER_ELSI) && r->overrun)
    id = VUART_IIR_RLSI;
  else if ((r->ier & VUART_IER_ERBFI) && r->count)
    id = VUART_IIR_RDI;
  else if ((r->ier & VUART_IER_ETBEI) && r->thre)
    id = VUART_IIR_THRI;
  else if ((r->ier & VUART_IER_EDSSI) && r->deltas)
    id = VUART_IIR_MSI;
  return (uint8_t)(id | (r->fifo_enabled ? VUART_IIR_FIFO : 0));
}

static bool ref_push(struct ref *r, uint8_t b) {
  if (r->count == VUART_FIFO_SIZE)
    return false;
  r->fifo[(r->head + r->count++) % VUART_FIFO_SIZE] = b;
  return true;
}

static uint8_t ref_read(struct ref *r, unsigned off) {
  bool dlab = r->lcr & VUART_LCR_DLAB;
  uint8_t v;
  switch (off) {
  case 0:
    if (dlab)
      return r->dll;
    if (!r->count)
      return 0;
    v = r->fifo[r->head];
    r->head = (r->head + 1) % VUART_FIFO_SIZE;
    r->count--;
    return v;
  case 1: return dlab ? r->dlm : r->ier;
  case 2:
    v = ref_iir(r);
    if ((v & 0x0F) == VUART_IIR_THRI)
      r->thre = false; /* reading IIR clears a THRE interrupt */
    return v;
  case 3: return r->lcr;
  case 4: return r->mcr;
  case 5:
    v = (uint8_t)(VUART_LSR_THRE | VUART_LSR_TEMT | (r->overrun ? VUART_LSR_OE : 0) |
                  (r->count ? VUART_LSR_DR : 0));
    r->overrun = false;
    return v;
  case 6:
    v = (uint8_t)(ref_modem(r) | r->deltas);
    r->deltas = 0;
    return v;
  case 7: return r->scr;
  default: return 0;
  }
}

static void ref_write(struct ref *r, unsigned off, uint8_t val) {
  bool dlab = r->lcr & VUART_LCR_DLAB;
  switch (off) {
  case 0:
    if (dlab) {
      r->dll = val;
      break;
    }
    if (r->mcr & VUART_MCR_LOOP) {
      if (!ref_push(r, val))
        r->overrun = true;
    } else {
      expect_tx = val;
    }
    r->thre = true;
    break;
  case 1:
    if (dlab) {
      r->dlm = val;
    } else {
      if ((r->ier ^ val) & VUART_IER_ETBEI)
        r->thre = (val & VUART_IER_ETBEI) != 0;
      r->ier = val & 0x0F;
    }
    break;
  case 2:
    if (val & VUART_FCR_CLEAR_RX)
      r->head = r->count = 0;
    r->fifo_enabled = val & VUART_FCR_FIFOE;
    break;
  case 3: r->lcr = val; break;
  case 4: {
    uint8_t before = ref_modem(r);
    r->mcr = val;
    uint8_t after = ref_modem(r), diff = before ^ after;
    if (diff & VUART_MSR_CTS)
      r->deltas |= VUART_MSR_DCTS;
    if (diff & VUART_MSR_DSR)
      r->deltas |= VUART_MSR_DDSR;
    if ((before & VUART_MSR_RI) && !(after & VUART_MSR_RI))
      r->deltas |= VUART_MSR_TERI;
    if (diff & VUART_MSR_DCD)
      r->deltas |= VUART_MSR_DDCD;
    break;
  }
  case 7: r->scr = val; break;
  default: break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size};
  static struct vuart u;
  static struct ref r;
  bool with_tx = size && (data[0] & 1);
  vuart_init(&u, with_tx ? tx : NULL, &expect_tx);
  memset(&r, 0, sizeof(r));
  bool reported = false;
  unsigned steps = 0;
  while (in.n && steps++ < 4096) {
    uint32_t op = take(&in, 1);
    /* Offsets 0-7 mostly; now and then one past the registers. */
    unsigned off = (op & 0x80) ? take(&in, 1) : (op >> 3) & 7;
    switch (op % 4) {
    case 0:
      if (vuart_read(&u, off) != ref_read(&r, off))
        abort();
      break;
    case 1: {
      uint8_t val = (uint8_t)take(&in, 1);
      unsigned seen = tx_seen;
      ref_write(&r, off, val); /* first: it says which byte tx must see */
      vuart_write(&u, off, val);
      if (!with_tx)
        expect_tx = -1; /* no callback: the byte is dropped */
      else if (expect_tx >= 0 || (tx_seen != seen) != (off == 0 && !(r.lcr & VUART_LCR_DLAB) &&
                                                       !(r.mcr & VUART_MCR_LOOP)))
        abort(); /* the byte not sent, or sent when it must not be */
      break;
    }
    case 2: {
      uint8_t b = (uint8_t)take(&in, 1);
      unsigned space = vuart_rx_space(&u);
      if (space != VUART_FIFO_SIZE - r.count || vuart_rx_push(&u, b) != ref_push(&r, b))
        abort();
      break;
    }
    default:
      /* The caller's view: a change is reported once, and only a change. */
      if (vuart_take_irq_changed(&u) != (vuart_irq(&u) != reported))
        abort();
      reported = vuart_irq(&u);
      if (vuart_take_irq_changed(&u))
        abort();
      break;
    }
    /* The line the model keeps is the line recomputed from scratch. */
    if (vuart_irq(&u) != !(ref_iir(&r) & VUART_IIR_NONE))
      abort();
    if (u.rx_count > VUART_FIFO_SIZE || u.rx_head >= VUART_FIFO_SIZE)
      abort();
  }
  return 0;
}
