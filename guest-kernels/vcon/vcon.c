/* A guest that uses its virtio-console (virtio 1.2, 5.3) as a modern driver
 * would: finds the virtio-mmio node whose device is a console (id 3), sets
 * up its receive (0) and transmit (1) queues, writes its lines through the
 * transmit queue (several per buffer, one buffer split over two
 * descriptors), posts receive buffers and reads a line typed on the
 * hypervisor's console through them, by its interrupt (vPLIC), and echoes
 * it. Hostile steps: a transmit buffer the device should write (answered,
 * nothing printed), a receive buffer with nothing writable (answered
 * empty). Prints "vcon: all checks passed" (through the SBI console) or
 * "vcon: checks failed". */
#include "fdt.h"
#include "guest.h"
#include "virtio_guest.h"
#include "virtq.h"
#include <string.h>

#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define SSTATUS_SIE (1UL << 1)
#define WAIT_TICKS 100000000UL /* 10 s at 10 MHz: a person or a test types */

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (c))
#define PLIC_CLAIM(c) (0x200004UL + 0x1000UL * (c))

#define QSIZE 8u

static unsigned long base, plic, context;
static uint32_t source;
static volatile unsigned long vring_irqs, other_irqs;
static volatile bool timed_out;
static struct virtq rxq, txq;
static uint8_t ring_mem[2][4096] __attribute__((aligned(4096)));
static uint8_t rxbuf[QSIZE][64];
static char txbuf[4][128];

static uint32_t rd(unsigned off) { return *(volatile uint32_t *)(base + off); }
static void wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint32_t plic_rd(unsigned long off) { return *(volatile uint32_t *)(plic + off); }
static void plic_wr(unsigned long off, uint32_t v) { *(volatile uint32_t *)(plic + off) = v; }

static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_TIMER) {
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
    timed_out = true;
    return;
  }
  if (irq != IRQ_S_EXT) {
    other_irqs++;
    return;
  }
  uint32_t s;
  while ((s = plic_rd(PLIC_CLAIM(context))) != 0) {
    if (s == source) {
      uint32_t is = rd(R_INTERRUPT_STATUS);
      wr(R_INTERRUPT_ACK, is);
      if (is & 1)
        vring_irqs++;
    } else {
      other_irqs++;
    }
    plic_wr(PLIC_CLAIM(context), s);
  }
}

/* The virtio-mmio node holding a console: each node's DeviceID is read. */
static bool find_console(const void *fdt, unsigned long hartid) {
  struct dt dt;
  uint64_t a, sz;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  int p = dt_find_compatible(&dt, -1, "riscv,plic0");
  if (p < 0 || dt_reg(&dt, p, 0, &a, &sz) != DT_OK)
    return false;
  plic = a;
  for (int v = dt_find_compatible(&dt, -1, "virtio,mmio"); v >= 0;
       v = dt_find_compatible(&dt, v, "virtio,mmio")) {
    if (dt_reg(&dt, v, 0, &a, &sz) != DT_OK || dt_prop_u32(&dt, v, "interrupts", &source) != DT_OK)
      continue;
    base = a;
    if (rd(R_MAGIC) == 0x74726976 && rd(R_VERSION) == 2 && rd(R_DEVICE_ID) == 3)
      return guest_plic_context(&dt, p, hartid, &context);
  }
  return false;
}

static bool wait_irq(unsigned long before) {
  timed_out = false;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + WAIT_TICKS, 0, 0, 0, 0, 0);
  while (vring_irqs == before && !timed_out)
    __asm__ volatile("wfi");
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  return vring_irqs != before;
}

static bool dev_setup(void) {
  wr(R_STATUS, 0);
  wr(R_STATUS, S_ACKNOWLEDGE);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
  wr(R_DEVICE_FEATURES_SEL, 1);
  if (!(rd(R_DEVICE_FEATURES) & F_VERSION_1_HI))
    return false;
  wr(R_DRIVER_FEATURES_SEL, 0);
  wr(R_DRIVER_FEATURES, 0);
  wr(R_DRIVER_FEATURES_SEL, 1);
  wr(R_DRIVER_FEATURES, F_VERSION_1_HI);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
  if (!(rd(R_STATUS) & S_FEATURES_OK) ||
      !vguest_queue_setup(base, 0, &rxq, ring_mem[0], sizeof(ring_mem[0]), QSIZE) ||
      !vguest_queue_setup(base, 1, &txq, ring_mem[1], sizeof(ring_mem[1]), QSIZE))
    return false;
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
  return true;
}

/* Send the buffers and wait until the device has used them all. */
static bool transmit(const struct virtq_buf *b, unsigned n) {
  uint16_t head, h;
  uint32_t len;
  if (virtq_add_chain(&txq, b, n, &head))
    return false;
  wr(R_QUEUE_NOTIFY, 1);
  /* The console writes synchronously: the buffer is used when the notify returns. */
  return virtq_poll_used(&txq, &h, &len) == 1 && h == head && len == 0;
}

static bool send_line(unsigned slot, const char *s) {
  size_t n = strlen(s);
  memcpy(txbuf[slot], s, n);
  struct virtq_buf b = {(uint64_t)(uintptr_t)txbuf[slot], (uint32_t)n, false};
  return transmit(&b, 1);
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  if (!find_console(fdt, hartid)) {
    CHECK(false, "vcon: no virtio-console among the virtio,mmio nodes");
    guest_shutdown_fail();
  }
  guest_printf("vcon: virtio-console at 0x%lx on PLIC source %u\n", base, source);
  guest_irq_handler = on_irq;
  plic_wr(PLIC_PRIORITY(source), 1);
  plic_wr(PLIC_ENABLE(context, source),
          plic_rd(PLIC_ENABLE(context, source)) | 1U << (source % 32));
  plic_wr(PLIC_THRESHOLD(context), 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  if (!dev_setup()) {
    CHECK(false, "vcon: device setup failed (status 0x%x)", rd(R_STATUS));
    guest_shutdown_fail();
  }
  CHECK(send_line(0, "vcon: hello through the transmit queue\n"), "vcon: first line not used");
  /* Two lines in one buffer of two descriptors, split mid-line. */
  const char *two = "vcon: two lines in one buffer\nvcon: of two descriptors\n";
  memcpy(txbuf[1], two, strlen(two));
  struct virtq_buf split[2] = {
      {(uint64_t)(uintptr_t)txbuf[1], 10, false},
      {(uint64_t)(uintptr_t)txbuf[1] + 10, (uint32_t)strlen(two) - 10, false}};
  CHECK(transmit(split, 2), "vcon: split buffer not used");
  /* Hostile: a device-writable transmit buffer is used and shows nothing. */
  memcpy(txbuf[2], "vcon: MUST NOT APPEAR\n", 22);
  struct virtq_buf bad = {(uint64_t)(uintptr_t)txbuf[2], 22, true};
  CHECK(transmit(&bad, 1), "vcon: a writable transmit buffer was not answered");

  /* Receive: post every buffer, then ask for a line. */
  for (unsigned i = 0; i < QSIZE; i++) {
    struct virtq_buf b = {(uint64_t)(uintptr_t)rxbuf[i], sizeof(rxbuf[i]), true};
    uint16_t head;
    CHECK(virtq_add_chain(&rxq, &b, 1, &head) == 0, "vcon: cannot post receive buffer %u", i);
  }
  wr(R_QUEUE_NOTIFY, 0);
  CHECK(send_line(3, "vcon: type a line\n"), "vcon: prompt not used");
  char line[64];
  unsigned got = 0;
  bool done = false;
  while (!done) {
    unsigned long before = vring_irqs;
    uint16_t head;
    uint32_t len;
    int r;
    while ((r = virtq_poll_used(&rxq, &head, &len)) == 1) {
      CHECK(head < QSIZE && len <= sizeof(rxbuf[0]), "vcon: bad used element %u/%u", head, len);
      for (uint32_t k = 0; k < len && head < QSIZE; k++) {
        char ch = (char)rxbuf[head][k];
        if (ch == '\r' || ch == '\n')
          done = true;
        else if (got < sizeof(line) - 1)
          line[got++] = ch;
      }
      struct virtq_buf b = {(uint64_t)(uintptr_t)rxbuf[head], sizeof(rxbuf[0]), true};
      uint16_t h2;
      virtq_add_chain(&rxq, &b, 1, &h2); /* post it again */
      wr(R_QUEUE_NOTIFY, 0);
    }
    CHECK(r == 0, "vcon: receive ring error %d", r);
    if (done || r < 0)
      break;
    if (!wait_irq(before)) {
      CHECK(false, "vcon: no input within 10 s");
      break;
    }
  }
  line[got] = 0;
  char echo[96] = "vcon: got '";
  size_t n = strlen(echo);
  memcpy(echo + n, line, got);
  memcpy(echo + n + got, "'\n", 3);
  CHECK(send_line(0, echo), "vcon: echo not used");
  CHECK(other_irqs == 0, "vcon: %lu unexpected interrupts", other_irqs);
  guest_puts(guest_failures ? "vcon: checks failed\n" : "vcon: all checks passed\n");
  guest_shutdown();
}
