/* Host tests of the virtual ns16550a (hv/dev/vuart.c): registers, DLAB,
 * transmit, the receive FIFO, interrupt identification and priorities, the
 * THRE interrupt semantics Linux's 8250 driver probes, loopback and modem
 * status, and robustness against arbitrary guest accesses. */
#include "../../hv/dev/vuart.h"
#include "check.h"
#include <limits.h>

struct sink {
  uint8_t bytes[512];
  unsigned n;
};

static void sink_tx(void *arg, uint8_t byte) {
  struct sink *s = arg;
  if (s->n < sizeof(s->bytes))
    s->bytes[s->n] = byte;
  s->n++;
}

static uint8_t iir_id(struct vuart *u) { return vuart_read(u, VUART_IIR) & 0x0F; }

static void test_reset_state(void) {
  struct vuart u;
  struct sink s = {{0}, 0};
  memset(&u, 0x5A, sizeof(u));
  vuart_init(&u, sink_tx, &s);
  CHECK_EQ(vuart_read(&u, VUART_IER), 0);
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_NONE);
  CHECK_EQ(vuart_read(&u, VUART_LCR), 0);
  CHECK_EQ(vuart_read(&u, VUART_MCR), 0);
  CHECK_EQ(vuart_read(&u, VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS);
  CHECK_EQ(vuart_read(&u, VUART_SCR), 0);
  CHECK_EQ(vuart_read(&u, VUART_RBR), 0); /* empty FIFO reads 0 */
  CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE);
  CHECK(!vuart_irq(&u));
  CHECK_EQ(s.n, 0);
}

static void test_read_back(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  for (unsigned v = 0; v < 256; v++) {
    vuart_write(&u, VUART_SCR, (uint8_t)v);
    CHECK_EQ(vuart_read(&u, VUART_SCR), v);
    vuart_write(&u, VUART_MCR, (uint8_t)v);
    CHECK_EQ(vuart_read(&u, VUART_MCR), v);
    vuart_write(&u, VUART_LCR, (uint8_t)v);
    CHECK_EQ(vuart_read(&u, VUART_LCR), v);
  }
  vuart_write(&u, VUART_LCR, 0x03);
  vuart_write(&u, VUART_MCR, 0x0B);
  /* IER keeps its four defined bits (Linux's IER probe writes 0x0F / 0). */
  vuart_write(&u, VUART_IER, 0xFF);
  CHECK_EQ(vuart_read(&u, VUART_IER), 0x0F);
  vuart_write(&u, VUART_IER, 0);
  CHECK_EQ(vuart_read(&u, VUART_IER), 0);
  /* LSR and MSR are read-only. */
  vuart_write(&u, VUART_LSR, 0xFF);
  vuart_write(&u, VUART_MSR, 0xFF);
  CHECK_EQ(vuart_read(&u, VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
  (void)vuart_read(&u, VUART_MSR); /* drop the deltas the loopback writes latched */
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS);
}

static void test_dlab(void) {
  struct vuart u;
  struct sink s = {{0}, 0};
  vuart_init(&u, sink_tx, &s);
  vuart_write(&u, VUART_IER, VUART_IER_ERBFI);
  vuart_rx_push(&u, 'x');
  vuart_write(&u, VUART_LCR, VUART_LCR_DLAB | 0x03);
  vuart_write(&u, VUART_DLL, 0x12);
  vuart_write(&u, VUART_DLM, 0x34);
  CHECK_EQ(s.n, 0); /* a DLL write is not a transmit */
  CHECK_EQ(vuart_read(&u, VUART_DLL), 0x12);
  CHECK_EQ(vuart_read(&u, VUART_DLM), 0x34);
  CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE - 1); /* a DLL read is not a pop */
  CHECK_EQ(vuart_read(&u, VUART_LCR), VUART_LCR_DLAB | 0x03);
  vuart_write(&u, VUART_LCR, 0x03);
  CHECK_EQ(vuart_read(&u, VUART_IER), VUART_IER_ERBFI); /* IER untouched by DLM */
  CHECK_EQ(vuart_read(&u, VUART_RBR), 'x');
  vuart_write(&u, VUART_THR, 'y');
  CHECK_EQ(s.n, 1);
  CHECK_EQ(s.bytes[0], 'y');
  /* The divisor survives DLAB going off and on. */
  vuart_write(&u, VUART_LCR, VUART_LCR_DLAB);
  CHECK_EQ(vuart_read(&u, VUART_DLL), 0x12);
  CHECK_EQ(vuart_read(&u, VUART_DLM), 0x34);
}

static void test_transmit(void) {
  struct vuart u;
  struct sink s = {{0}, 0};
  vuart_init(&u, sink_tx, &s);
  const char *msg = "hello, world\n";
  for (const char *c = msg; *c; c++) {
    vuart_write(&u, VUART_THR, (uint8_t)*c);
    CHECK_EQ(vuart_read(&u, VUART_LSR) & (VUART_LSR_THRE | VUART_LSR_TEMT),
             VUART_LSR_THRE | VUART_LSR_TEMT);
  }
  CHECK_EQ(s.n, strlen(msg));
  CHECK(memcmp(s.bytes, msg, strlen(msg)) == 0);
  for (unsigned v = 0; v < 256; v++)
    vuart_write(&u, VUART_THR, (uint8_t)v);
  CHECK_EQ(s.n, strlen(msg) + 256);
  CHECK_EQ(s.bytes[strlen(msg) + 255], 255);
  /* No callback: output dropped, nothing crashes. */
  vuart_init(&u, NULL, NULL);
  vuart_write(&u, VUART_THR, 'a');
  CHECK_EQ(vuart_read(&u, VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT);
}

static void test_rx_fifo(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  for (unsigned i = 0; i < VUART_FIFO_SIZE; i++) {
    CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE - i);
    CHECK(vuart_rx_push(&u, (uint8_t)(i + 1)));
    CHECK(vuart_read(&u, VUART_LSR) & VUART_LSR_DR);
  }
  CHECK_EQ(vuart_rx_space(&u), 0);
  CHECK(!vuart_rx_push(&u, 0xEE));
  CHECK(!vuart_rx_push(&u, 0xEF));
  CHECK_EQ(vuart_read(&u, VUART_LSR) & VUART_LSR_OE, 0); /* the caller keeps the byte */
  /* Pop half, push again across the wrap point: FIFO order is kept. */
  for (unsigned i = 0; i < 40; i++)
    CHECK_EQ(vuart_read(&u, VUART_RBR), i + 1);
  for (unsigned i = 0; i < 40; i++)
    CHECK(vuart_rx_push(&u, (uint8_t)(100 + i)));
  CHECK(!vuart_rx_push(&u, 0xEE));
  for (unsigned i = 40; i < VUART_FIFO_SIZE; i++)
    CHECK_EQ(vuart_read(&u, VUART_RBR), i + 1);
  for (unsigned i = 0; i < 40; i++)
    CHECK_EQ(vuart_read(&u, VUART_RBR), 100 + i);
  CHECK_EQ(vuart_read(&u, VUART_LSR) & VUART_LSR_DR, 0);
  CHECK_EQ(vuart_read(&u, VUART_RBR), 0);
  CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE);

  /* FCR bit 1 clears the receive FIFO; bit 2 (tx) alone does not. */
  vuart_rx_push(&u, 1);
  vuart_rx_push(&u, 2);
  vuart_write(&u, VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLEAR_TX);
  CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE - 2);
  vuart_write(&u, VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLEAR_RX);
  CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE);
  CHECK_EQ(vuart_read(&u, VUART_LSR) & VUART_LSR_DR, 0);
  CHECK(vuart_rx_push(&u, 9));
  CHECK_EQ(vuart_read(&u, VUART_RBR), 9);
}

static void test_iir_basic(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  /* Data without ERBFI: no interrupt. */
  vuart_rx_push(&u, 'a');
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_NONE);
  CHECK(!vuart_irq(&u));
  vuart_write(&u, VUART_IER, VUART_IER_ERBFI);
  CHECK(vuart_irq(&u));
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_RDI);
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_RDI); /* reading IIR does not clear RDI */
  CHECK_EQ(vuart_read(&u, VUART_RBR), 'a');
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_NONE);
  CHECK(!vuart_irq(&u));
  /* FIFO-enabled bits. */
  vuart_write(&u, VUART_FCR, VUART_FCR_FIFOE | 0xC0);
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_FIFO | VUART_IIR_NONE);
  vuart_rx_push(&u, 'b');
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_FIFO | VUART_IIR_RDI);
  vuart_write(&u, VUART_FCR, 0);
  CHECK_EQ(vuart_read(&u, VUART_IIR), VUART_IIR_RDI);
  /* Disabling ERBFI drops the interrupt but keeps the data. */
  vuart_write(&u, VUART_IER, 0);
  CHECK(!vuart_irq(&u));
  CHECK(vuart_read(&u, VUART_LSR) & VUART_LSR_DR);
}

/* The sequences of serial8250_do_startup(): the UART_BUG_THRE probe (enable
 * ETBEI, read IIR, disable, enable, read IIR: THRE must be reported both
 * times) and the UART_BUG_TXEN probe (enable ETBEI, read LSR then IIR). */
static void test_thre_linux_probe(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  vuart_write(&u, VUART_FCR, VUART_FCR_FIFOE);
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI);
  CHECK(vuart_irq(&u));
  uint8_t iir1 = vuart_read(&u, VUART_IIR);
  vuart_write(&u, VUART_IER, 0);
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI);
  uint8_t iir2 = vuart_read(&u, VUART_IIR);
  vuart_write(&u, VUART_IER, 0);
  CHECK_EQ(iir1, VUART_IIR_FIFO | VUART_IIR_THRI);
  CHECK_EQ(iir2, VUART_IIR_FIFO | VUART_IIR_THRI);

  vuart_write(&u, VUART_IER, VUART_IER_ETBEI);
  uint8_t lsr = vuart_read(&u, VUART_LSR);
  uint8_t iir = vuart_read(&u, VUART_IIR);
  vuart_write(&u, VUART_IER, 0);
  CHECK(lsr & VUART_LSR_TEMT);
  CHECK_EQ(iir & VUART_IIR_NONE, 0);
}

static void test_thre_semantics(void) {
  struct vuart u;
  struct sink s = {{0}, 0};
  vuart_init(&u, sink_tx, &s);
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI);
  CHECK(vuart_irq(&u));
  /* Reading IIR while THRE is the reported source clears it. */
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI);
  CHECK(!vuart_irq(&u));
  CHECK_EQ(iir_id(&u), VUART_IIR_NONE);
  /* A THR write re-arms it (the byte leaves at once). */
  vuart_write(&u, VUART_THR, 'z');
  CHECK(vuart_irq(&u));
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI);
  CHECK(!vuart_irq(&u));
  /* Rewriting IER with ETBEI still set does not re-arm; a 0->1 edge does. */
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI | VUART_IER_ELSI);
  CHECK(!vuart_irq(&u));
  vuart_write(&u, VUART_IER, VUART_IER_ELSI);
  CHECK(!vuart_irq(&u));
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI);
  CHECK(vuart_irq(&u));
  /* Disabling ETBEI drops it; re-enabling brings it back. */
  vuart_write(&u, VUART_IER, 0);
  CHECK(!vuart_irq(&u));
  CHECK_EQ(iir_id(&u), VUART_IIR_NONE);
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI);
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI);
  /* Reading IIR while RDI is reported does not clear a pending THRE. */
  vuart_write(&u, VUART_THR, 'w');
  vuart_write(&u, VUART_IER, VUART_IER_ETBEI | VUART_IER_ERBFI);
  vuart_rx_push(&u, 'r');
  CHECK_EQ(iir_id(&u), VUART_IIR_RDI);
  CHECK_EQ(iir_id(&u), VUART_IIR_RDI);
  CHECK_EQ(vuart_read(&u, VUART_RBR), 'r');
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI);
  CHECK_EQ(iir_id(&u), VUART_IIR_NONE);
  /* A THR write with ETBEI off does not interrupt. */
  vuart_write(&u, VUART_IER, 0);
  vuart_write(&u, VUART_THR, 'q');
  CHECK(!vuart_irq(&u));
  CHECK_EQ(s.n, 3);
}

/* All four sources at once, in loopback: line status (overrun) > received
 * data > THR empty > modem status; each cleared by its own action. */
static void test_iir_priorities(void) {
  struct vuart u;
  struct sink s = {{0}, 0};
  vuart_init(&u, sink_tx, &s);
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP);
  /* Looped-back lines all low: DCD, DSR and CTS fell. */
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DDCD | VUART_MSR_DDSR | VUART_MSR_DCTS);
  CHECK_EQ(vuart_read(&u, VUART_MSR), 0);
  for (unsigned i = 0; i < VUART_FIFO_SIZE + 1; i++)
    vuart_write(&u, VUART_THR, (uint8_t)i);
  CHECK_EQ(s.n, 0);                                           /* looped back, nothing sent out */
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_RTS); /* CTS rises */
  vuart_write(&u, VUART_IER, 0x0F);
  CHECK(vuart_irq(&u));
  CHECK_EQ(iir_id(&u), VUART_IIR_RLSI);
  CHECK_EQ(iir_id(&u), VUART_IIR_RLSI);
  CHECK_EQ(vuart_read(&u, VUART_LSR),
           VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_OE | VUART_LSR_DR);
  CHECK_EQ(vuart_read(&u, VUART_LSR), VUART_LSR_THRE | VUART_LSR_TEMT | VUART_LSR_DR);
  CHECK_EQ(iir_id(&u), VUART_IIR_RDI);
  for (unsigned i = 0; i < VUART_FIFO_SIZE; i++)
    CHECK_EQ(vuart_read(&u, VUART_RBR), i);
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI); /* and reading it clears THRE */
  CHECK_EQ(iir_id(&u), VUART_IIR_MSI);
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_CTS | VUART_MSR_DCTS);
  CHECK_EQ(iir_id(&u), VUART_IIR_NONE);
  CHECK(!vuart_irq(&u));
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_CTS);

  /* Disabled sources are skipped even when higher-priority. */
  vuart_write(&u, VUART_THR, 1);
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP);
  vuart_write(&u, VUART_IER, VUART_IER_EDSSI);
  CHECK_EQ(iir_id(&u), VUART_IIR_MSI);
  vuart_write(&u, VUART_IER, VUART_IER_EDSSI | VUART_IER_ETBEI);
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI);
  CHECK_EQ(iir_id(&u), VUART_IIR_MSI);
  vuart_write(&u, VUART_IER, VUART_IER_EDSSI | VUART_IER_ERBFI);
  CHECK_EQ(iir_id(&u), VUART_IIR_RDI);
}

static void test_loopback_modem(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  /* Linux's autoconfig LOOP test: MCR = LOOP | OUT2 | RTS -> DCD | CTS. */
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP | 0x0A);
  CHECK_EQ(vuart_read(&u, VUART_MSR) & 0xF0, VUART_MSR_DCD | VUART_MSR_CTS);
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_DTR | VUART_MCR_OUT1);
  CHECK_EQ(vuart_read(&u, VUART_MSR),
           VUART_MSR_DSR | VUART_MSR_RI | VUART_MSR_DDCD | VUART_MSR_DCTS | VUART_MSR_DDSR);
  /* RI falling edge sets TERI; rising does not. */
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_DTR);
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DSR | VUART_MSR_TERI);
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_DTR | VUART_MCR_OUT1);
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DSR | VUART_MSR_RI);
  /* Leaving loopback: the always-ready peer's lines come back. */
  vuart_write(&u, VUART_MCR, 0);
  CHECK_EQ(vuart_read(&u, VUART_MSR) & 0xF0, VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS);
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS);
  /* Outside loopback MCR changes no modem inputs. */
  vuart_write(&u, VUART_MCR, 0x0F);
  CHECK_EQ(vuart_read(&u, VUART_MSR), VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS);
}

static uint32_t rng_state = 0xC0FFEE11U;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* Random guest accesses, including offsets outside the window: no crash,
 * FIFO accounting stays within bounds, vuart_irq() agrees with IIR. */
static void test_random(void) {
  struct vuart u;
  struct sink s = {{0}, 0};
  unsigned bad = 0;
  vuart_init(&u, sink_tx, &s);
  for (int i = 0; i < 500000; i++) {
    uint32_t r = rng();
    unsigned off = (r >> 8) % 12;
    if ((r & 0xF) == 0)
      off = (unsigned)rng();
    switch ((r >> 4) % 5) {
    case 0: vuart_write(&u, off, (uint8_t)(r >> 24)); break;
    case 1: (void)vuart_read(&u, off); break;
    case 2: (void)vuart_rx_push(&u, (uint8_t)(r >> 24)); break;
    case 3: {
      bool irq = vuart_irq(&u);
      struct vuart copy = u;
      uint8_t iir = vuart_read(&copy, VUART_IIR);
      bad += irq != !(iir & 1);
      break;
    }
    default: bad += vuart_rx_space(&u) > VUART_FIFO_SIZE; break;
    }
    bad += u.rx_count > VUART_FIFO_SIZE || u.rx_head >= VUART_FIFO_SIZE;
  }
  CHECK_EQ(bad, 0);
  /* Offsets outside 0..7 read 0 and change nothing. */
  struct vuart before = u;
  unsigned offs[] = {8, 9, 255, 256, 0x1000, UINT_MAX};
  for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
    CHECK_EQ(vuart_read(&u, offs[i]), 0);
    vuart_write(&u, offs[i], 0xFF);
  }
  CHECK(memcmp(&before, &u, sizeof(u)) == 0);
}

/* The line from the registers alone, as the data sheet defines it: some
 * interrupt source is both enabled in IER and active (the model's IIR
 * priority logic is not used, so this is an independent reference). */
static bool reference_line(const struct vuart *u) {
  return ((u->ier & VUART_IER_ELSI) && u->lsr_errors) ||
         ((u->ier & VUART_IER_ERBFI) && u->rx_count) ||
         ((u->ier & VUART_IER_ETBEI) && u->thre_pending) ||
         ((u->ier & VUART_IER_EDSSI) && u->msr_deltas);
}

/* One random guest access or received byte, biased towards what moves the
 * line: IER bits, THR writes (loopback overruns, THRE), IIR/LSR/MSR/RBR
 * reads, MCR changes, FCR clears. DLAB is set only now and then. */
static void random_access(struct vuart *u, uint32_t r) {
  unsigned off = (r >> 8) & 7;
  uint8_t val = (uint8_t)(r >> 16);
  switch ((r >> 4) % 8) {
  case 0:
  case 1: (void)vuart_read(u, off); break;
  case 2: (void)vuart_rx_push(u, val); break;
  case 3:
    if (off == VUART_LCR && (r >> 24) % 8 != 0)
      val &= (uint8_t)~VUART_LCR_DLAB;
    vuart_write(u, off, val);
    break;
  case 4: vuart_write(u, VUART_IER, val); break;
  case 5: vuart_write(u, VUART_THR, val); break;
  case 6: vuart_write(u, VUART_MCR, val & (VUART_MCR_LOOP | 0x0F)); break;
  default: (void)vuart_read(u, (r >> 24) % 2 ? VUART_IIR : VUART_LSR); break;
  }
}

/* Property: over random access sequences the kept line always equals a
 * full recomputation (the reference and IIR bit 0), and
 * vuart_take_irq_changed() reports exactly the changes of the line between
 * two calls, however many accesses lie between them. */
static void test_irq_incremental(void) {
  struct vuart u;
  unsigned bad = 0, changes = 0, highs = 0;
  for (int round = 0; round < 200; round++) {
    vuart_init(&u, NULL, NULL);
    bool taken = false; /* the line as the last take saw it: low at reset */
    for (int i = 0; i < 2000; i++) {
      uint32_t r = rng();
      random_access(&u, r);
      bool ref = reference_line(&u);
      struct vuart copy = u;
      bad += vuart_irq(&u) != ref;
      bad += ref != !(vuart_read(&copy, VUART_IIR) & VUART_IIR_NONE);
      highs += ref;
      if (r & 0x3) { /* take after most accesses, not all: changes accumulate */
        bool changed = vuart_take_irq_changed(&u);
        bad += changed != (ref != taken);
        changes += changed;
        taken = ref;
        bad += vuart_take_irq_changed(&u); /* taken: no change left */
      }
    }
  }
  CHECK_EQ(bad, 0);
  CHECK(changes > 10000); /* the sequences do move the line, often */
  CHECK(highs > 10000 && highs < 390000);
}

/* The line is recomputed exactly by the accesses that can move it: with the
 * kept line deliberately made wrong, an access that cannot move it leaves it
 * wrong (so it did not recompute), and one that can corrects it. */
static void test_irq_recomputed_when_needed(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  vuart_write(&u, VUART_IER, 0x0F);
  vuart_write(&u, VUART_MCR, VUART_MCR_LOOP); /* lines fall: MSR deltas */
  (void)vuart_read(&u, VUART_MSR);
  /* No error, no delta, empty FIFO, THRE reported and cleared: line low. */
  CHECK_EQ(iir_id(&u), VUART_IIR_THRI);
  CHECK(!vuart_irq(&u));
#define POISONED(access)                                                                           \
  do {                                                                                             \
    u.irq = !reference_line(&u);                                                                   \
    access;                                                                                        \
    CHECK(u.irq != reference_line(&u));                                                            \
    u.irq = reference_line(&u);                                                                    \
  } while (0)
#define RECOMPUTED(access)                                                                         \
  do {                                                                                             \
    u.irq = !reference_line(&u);                                                                   \
    access;                                                                                        \
    CHECK(u.irq == reference_line(&u));                                                            \
  } while (0)
  /* Accesses that cannot move the line. */
  POISONED((void)vuart_read(&u, VUART_LSR)); /* no error bits to clear */
  POISONED((void)vuart_read(&u, VUART_MSR)); /* no deltas to clear */
  POISONED((void)vuart_read(&u, VUART_RBR)); /* empty FIFO */
  POISONED((void)vuart_read(&u, VUART_IIR)); /* nothing pending: THRE stays clear */
  POISONED((void)vuart_read(&u, VUART_IER));
  POISONED((void)vuart_read(&u, VUART_LCR));
  POISONED((void)vuart_read(&u, VUART_MCR));
  POISONED((void)vuart_read(&u, VUART_SCR));
  POISONED((void)vuart_read(&u, 8));
  POISONED(vuart_write(&u, VUART_LCR, 0x03));
  POISONED(vuart_write(&u, VUART_SCR, 0x55));
  POISONED(vuart_write(&u, VUART_LSR, 0xFF));
  POISONED(vuart_write(&u, VUART_MSR, 0xFF));
  POISONED(vuart_write(&u, 8, 0xFF));
  vuart_write(&u, VUART_LCR, VUART_LCR_DLAB);
  POISONED(vuart_write(&u, VUART_DLL, 1)); /* divisor, not THR/IER */
  POISONED(vuart_write(&u, VUART_DLM, 0));
  POISONED((void)vuart_read(&u, VUART_DLL));
  POISONED((void)vuart_read(&u, VUART_DLM));
  vuart_write(&u, VUART_LCR, 0x03);
  /* With data waiting, an IIR read reports RDI and must not touch THRE. */
  vuart_rx_push(&u, 'a');
  POISONED((void)vuart_read(&u, VUART_IIR));
  POISONED((void)vuart_read(&u, VUART_LSR)); /* DR is not an error bit */
  /* Accesses that can move it recompute it. */
  RECOMPUTED((void)vuart_read(&u, VUART_RBR)); /* pops 'a' */
  RECOMPUTED(vuart_rx_push(&u, 'b'));
  RECOMPUTED(vuart_write(&u, VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLEAR_RX));
  RECOMPUTED(vuart_write(&u, VUART_THR, 'c')); /* loopback: into the FIFO, THRE */
  RECOMPUTED(vuart_write(&u, VUART_IER, VUART_IER_ETBEI));
  RECOMPUTED((void)vuart_read(&u, VUART_IIR)); /* reports and clears THRE */
  RECOMPUTED(vuart_write(&u, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_RTS)); /* DCTS */
  RECOMPUTED(vuart_write(&u, VUART_IER, 0x0F));
  RECOMPUTED((void)vuart_read(&u, VUART_MSR)); /* clears DCTS */
  for (unsigned i = 0; i <= VUART_FIFO_SIZE; i++)
    vuart_write(&u, VUART_THR, (uint8_t)i);    /* overrun: LSR.OE */
  RECOMPUTED((void)vuart_read(&u, VUART_LSR)); /* clears OE */
#undef POISONED
#undef RECOMPUTED
}

/* vuart_take_irq_changed() reports an edge once, and a rise and fall
 * between two calls is no change. */
static void test_take_irq_changed(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  CHECK(!vuart_take_irq_changed(&u));
  vuart_write(&u, VUART_IER, VUART_IER_ERBFI);
  CHECK(!vuart_take_irq_changed(&u)); /* enabled, nothing received */
  vuart_rx_push(&u, 'x');
  CHECK(vuart_take_irq_changed(&u));
  CHECK(vuart_irq(&u));
  CHECK(!vuart_take_irq_changed(&u));
  vuart_rx_push(&u, 'y'); /* already high */
  CHECK(!vuart_take_irq_changed(&u));
  (void)vuart_read(&u, VUART_RBR);
  CHECK(!vuart_take_irq_changed(&u)); /* one byte left: still high */
  (void)vuart_read(&u, VUART_RBR);
  vuart_rx_push(&u, 'z');
  CHECK(!vuart_take_irq_changed(&u)); /* fell and rose again: no change */
  (void)vuart_read(&u, VUART_RBR);
  CHECK(vuart_take_irq_changed(&u));
  CHECK(!vuart_irq(&u));
  /* Reset drops the line and what was taken. */
  vuart_rx_push(&u, 'w');
  CHECK(vuart_take_irq_changed(&u));
  vuart_init(&u, NULL, NULL);
  CHECK(!vuart_irq(&u) && !vuart_take_irq_changed(&u));
}

/* vuart_rx_take (SBI getchar's share of the FIFO): oldest byte first, each
 * byte once, shared in order with RBR reads; the receive interrupt drops
 * when the last byte is taken. */
static void test_rx_take(void) {
  struct vuart u;
  vuart_init(&u, NULL, NULL);
  CHECK_EQ(vuart_rx_take(&u), -1);
  vuart_write(&u, VUART_IER, VUART_IER_ERBFI);
  for (const char *p = "abcd"; *p; p++)
    CHECK(vuart_rx_push(&u, (uint8_t)*p));
  (void)vuart_take_irq_changed(&u);
  CHECK(vuart_irq(&u));
  CHECK_EQ(vuart_rx_take(&u), 'a');
  CHECK_EQ(vuart_read(&u, VUART_RBR), 'b');
  CHECK_EQ(vuart_rx_take(&u), 'c');
  CHECK(vuart_irq(&u) && !vuart_take_irq_changed(&u));
  CHECK_EQ(vuart_read(&u, VUART_LSR) & VUART_LSR_DR, VUART_LSR_DR);
  CHECK_EQ(vuart_rx_take(&u), 'd');
  CHECK(!vuart_irq(&u) && vuart_take_irq_changed(&u));
  CHECK_EQ(vuart_read(&u, VUART_LSR) & VUART_LSR_DR, 0);
  CHECK_EQ(vuart_rx_take(&u), -1);
  CHECK_EQ(vuart_rx_space(&u), VUART_FIFO_SIZE);
  /* A full FIFO empties by takes alone, wrapping its ring. */
  for (unsigned i = 0; i < VUART_FIFO_SIZE; i++)
    CHECK(vuart_rx_push(&u, (uint8_t)i));
  CHECK(!vuart_rx_push(&u, 0xff));
  for (unsigned i = 0; i < VUART_FIFO_SIZE; i++)
    CHECK_EQ(vuart_rx_take(&u), (int)i);
  CHECK_EQ(vuart_rx_take(&u), -1);
}

int main(void) {
  test_reset_state();
  test_read_back();
  test_dlab();
  test_transmit();
  test_rx_fifo();
  test_iir_basic();
  test_thre_linux_probe();
  test_thre_semantics();
  test_iir_priorities();
  test_loopback_modem();
  test_random();
  test_irq_incremental();
  test_irq_recomputed_when_needed();
  test_take_irq_changed();
  test_rx_take();
  return check_report("vuart");
}
