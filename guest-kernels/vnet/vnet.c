/* vnet: drives the VM's virtio-net NIC as a modern virtio-mmio driver
 * (virtio 1.2, 4.2.3 and 5.1): it finds the virtio,mmio node of device id
 * 1 in its FDT, negotiates VERSION_1, MAC, STATUS, MTU and MRG_RXBUF, sets
 * up its rx and tx queues (hv/lib/virtq.c) and takes every completion from
 * the PLIC interrupt. Its frames use EtherType 0x88b5 and carry "RVNT",
 * a kind, a flag, a sequence number and a pattern of the sequence and the
 * sender's MAC, so every byte is checked on arrival.
 *
 * "honest" (two VMs on one switch): broadcast hellos until each has heard
 * the other and knows it was heard (the switch has learned both MACs);
 * then NDATA unicast frames of varying length to the peer, paced by the
 * peer's acknowledgements (WINDOW frames in flight), then NBCAST broadcast
 * frames; it checks that it got exactly NDATA and NBCAST frames from the
 * peer, in order and intact, and no frame with the peer's source MAC that
 * the peer did not send. Then it broadcasts "done" until it saw the peer's
 * and the hostile VM's "finished".
 * "hostile" (bootargs victim-a=0x..., victim-b=0x...: the honest MACs):
 * with no receive buffer posted, it sends zero-length, short and oversized
 * frames, bad headers, a chain with a buffer for the device to write,
 * frames with a victim's source MAC and a multicast source, a broadcast
 * flood, then a descriptor outside RAM and a descriptor loop (each
 * DEVICE_NEEDS_RESET, then a reset); then it posts buffers, checks that no
 * unicast frame between the victims reaches it, and once it saw both
 * "done"s broadcasts "finished". The hypervisor's counters of its port
 * (its stop report, `stats;`) must show its drops, the victims' none.
 * "probe": the device, its MAC, link and MTU only (a VM alone).
 * Prints "vnet: all checks passed" or "vnet: checks failed". */
#include "fdt.h"
#include "guest.h"
#include "virtq.h"
#include <string.h>

#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define SSTATUS_SIE (1UL << 1)
#define TICK 100000UL /* 10 ms at 10 MHz */
#define TICKS_PER_S 100UL

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (c))
#define PLIC_CLAIM(c) (0x200004UL + 0x1000UL * (c))

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LOW 0x080
#define R_QUEUE_DESC_HIGH 0x084
#define R_QUEUE_DRIVER_LOW 0x090
#define R_QUEUE_DRIVER_HIGH 0x094
#define R_QUEUE_DEVICE_LOW 0x0a0
#define R_QUEUE_DEVICE_HIGH 0x0a4
#define R_CONFIG 0x100

#define S_ACKNOWLEDGE 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u
#define S_NEEDS_RESET 64u
#define F_MTU (1u << 3)
#define F_MAC (1u << 5)
#define F_MRG_RXBUF (1u << 15)
#define F_STATUS (1u << 16)
#define F_VERSION_1_HI 1u

#define HDR 12u
#define ETH 14u
#define BUF 2048u
#define RXQ_SIZE 256u
#define TXQ_SIZE 256u
#define NRX 240u
#define NDATA 200u
#define NBCAST 10u
#define WINDOW 32u
#define NFLOOD 3000u
#define NSPOOF 50u

enum { K_HELLO = 1, K_DATA, K_BCAST, K_ACK, K_DONE, K_FLOOD, K_FINISHED };

static unsigned long base, plic, context;
static uint32_t source;
static volatile unsigned long ticks, config_irqs, other_irqs;
static uint8_t mac[6], peer[6];
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct virtq rxq, txq;
static uint8_t rx_ring[16384] __attribute__((aligned(4096)));
static uint8_t tx_ring[16384] __attribute__((aligned(4096)));
static uint8_t rxbuf[NRX][BUF] __attribute__((aligned(16)));
static uint8_t txbuf[TXQ_SIZE][BUF] __attribute__((aligned(16)));
static uint16_t rx_slot_of[RXQ_SIZE], tx_slot_of[TXQ_SIZE];
static uint16_t tx_free[TXQ_SIZE];
static unsigned ntx_free;

static uint32_t rd(unsigned off) { return *(volatile uint32_t *)(base + off); }
static void wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint32_t plic_rd(unsigned long off) { return *(volatile uint32_t *)(plic + off); }
static void plic_wr(unsigned long off, uint32_t v) { *(volatile uint32_t *)(plic + off) = v; }

static void on_irq(unsigned long irq) {
  if (irq == IRQ_S_TIMER) {
    ticks++;
    sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + TICK, 0, 0, 0, 0, 0);
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
      if (is & 2)
        config_irqs++;
    } else {
      other_irqs++;
    }
    plic_wr(PLIC_CLAIM(context), s);
  }
}

/* The virtio-mmio node of a network device (id 1), the PLIC, our context. */
static bool read_fdt(const void *fdt, unsigned long hartid) {
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
    if (rd(R_MAGIC) == 0x74726976 && rd(R_DEVICE_ID) == 1)
      return guest_plic_context(&dt, p, hartid, &context);
  }
  return false;
}

static void fence(enum virtq_fence kind, void *ctx) {
  (void)kind, (void)ctx;
  __asm__ volatile("fence rw, rw" ::: "memory");
}

static bool queue_setup(unsigned qi, struct virtq *q, uint8_t *mem, size_t memsz, uint16_t size) {
  wr(R_QUEUE_SEL, qi);
  if (rd(R_QUEUE_READY) != 0 || rd(R_QUEUE_NUM_MAX) < size)
    return false;
  struct virtq_layout l;
  memset(mem, 0, memsz);
  if (virtq_layout_modern(size, &l) || l.total > memsz ||
      virtq_init(q, &l, mem, (uint64_t)(uintptr_t)mem, fence, NULL))
    return false;
  wr(R_QUEUE_NUM, size);
  wr(R_QUEUE_DESC_LOW, (uint32_t)q->desc_addr);
  wr(R_QUEUE_DESC_HIGH, (uint32_t)(q->desc_addr >> 32));
  wr(R_QUEUE_DRIVER_LOW, (uint32_t)q->avail_addr);
  wr(R_QUEUE_DRIVER_HIGH, (uint32_t)(q->avail_addr >> 32));
  wr(R_QUEUE_DEVICE_LOW, (uint32_t)q->used_addr);
  wr(R_QUEUE_DEVICE_HIGH, (uint32_t)(q->used_addr >> 32));
  wr(R_QUEUE_READY, 1);
  return rd(R_QUEUE_READY) == 1;
}

/* 3.1.1: reset, features, both queues, DRIVER_OK; the MAC from the
 * configuration space. */
static bool dev_setup(uint16_t *mtu, uint16_t *status) {
  wr(R_STATUS, 0);
  if (rd(R_STATUS) != 0)
    return false;
  wr(R_STATUS, S_ACKNOWLEDGE);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
  wr(R_DEVICE_FEATURES_SEL, 0);
  uint32_t lo = rd(R_DEVICE_FEATURES);
  wr(R_DEVICE_FEATURES_SEL, 1);
  uint32_t hi = rd(R_DEVICE_FEATURES);
  uint32_t want = F_MTU | F_MAC | F_MRG_RXBUF | F_STATUS;
  CHECK((lo & want) == want && (hi & F_VERSION_1_HI), "vnet: features 0x%x%08x lack some of 0x%x",
        hi, lo, want);
  wr(R_DRIVER_FEATURES_SEL, 0);
  wr(R_DRIVER_FEATURES, lo & want);
  wr(R_DRIVER_FEATURES_SEL, 1);
  wr(R_DRIVER_FEATURES, F_VERSION_1_HI);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
  if (!(rd(R_STATUS) & S_FEATURES_OK))
    return false;
  for (unsigned i = 0; i < 6; i++)
    mac[i] = *(volatile uint8_t *)(base + R_CONFIG + i);
  *status = *(volatile uint16_t *)(base + R_CONFIG + 6);
  *mtu = *(volatile uint16_t *)(base + R_CONFIG + 10);
  if (!queue_setup(0, &rxq, rx_ring, sizeof(rx_ring), RXQ_SIZE) ||
      !queue_setup(1, &txq, tx_ring, sizeof(tx_ring), TXQ_SIZE))
    return false;
  ntx_free = 0;
  for (unsigned i = 0; i < TXQ_SIZE; i++)
    tx_free[ntx_free++] = (uint16_t)i;
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
  return true;
}

static void rx_post(unsigned slot) {
  struct virtq_buf b = {(uint64_t)(uintptr_t)rxbuf[slot], BUF, true};
  uint16_t head;
  if (virtq_add_chain(&rxq, &b, 1, &head) == VIRTQ_OK)
    rx_slot_of[head] = (uint16_t)slot;
  else
    CHECK(false, "vnet: cannot post an rx buffer");
}

static void rx_post_all(void) {
  for (unsigned i = 0; i < NRX; i++)
    rx_post(i);
  wr(R_QUEUE_NOTIFY, 0);
}

static void tx_reap(void) {
  uint16_t head;
  uint32_t len;
  int r;
  while ((r = virtq_poll_used(&txq, &head, &len)) == 1)
    tx_free[ntx_free++] = tx_slot_of[head];
  CHECK(r == 0, "vnet: tx used ring: %s", virtq_strerror(r));
}

static uint8_t pattern(unsigned seq, unsigned j, const uint8_t *src) {
  return (uint8_t)(seq * 13 + j + src[5] * 7);
}

/* A frame's payload length for data sequence number seq: 46..1500. */
static unsigned data_len(unsigned seq) { return 46 + (seq * 37) % 1455; }

/* Queue one frame (header, dst, src, our type, "RVNT" kind flag seq, the
 * pattern up to len payload bytes) and notify; false if no tx slot. */
static bool send_frame_n(const uint8_t *dst, const uint8_t *src, unsigned kind, unsigned flag,
                         unsigned seq, unsigned len, bool notify) {
  tx_reap();
  if (!ntx_free)
    return false;
  unsigned slot = tx_free[--ntx_free];
  uint8_t *f = txbuf[slot];
  memset(f, 0, HDR);
  memcpy(f + HDR, dst, 6);
  memcpy(f + HDR + 6, src, 6);
  f[HDR + 12] = 0x88;
  f[HDR + 13] = 0xb5;
  uint8_t *p = f + HDR + ETH;
  memcpy(p, "RVNT", 4);
  p[4] = (uint8_t)kind;
  p[5] = (uint8_t)flag;
  p[6] = (uint8_t)seq;
  p[7] = (uint8_t)(seq >> 8);
  for (unsigned j = 8; j < len; j++)
    p[j] = pattern(seq, j, src);
  struct virtq_buf b = {(uint64_t)(uintptr_t)f, HDR + ETH + len, false};
  uint16_t head;
  if (virtq_add_chain(&txq, &b, 1, &head) != VIRTQ_OK) {
    tx_free[ntx_free++] = (uint16_t)slot;
    return false;
  }
  tx_slot_of[head] = (uint16_t)slot;
  if (notify)
    wr(R_QUEUE_NOTIFY, 1);
  return true;
}

static bool send_frame(const uint8_t *dst, const uint8_t *src, unsigned kind, unsigned flag,
                       unsigned seq, unsigned len) {
  return send_frame_n(dst, src, kind, flag, seq, len, true);
}

/* Send, waiting for a tx slot (the device uses every chain at once). */
static void send_wait(const uint8_t *dst, const uint8_t *src, unsigned kind, unsigned flag,
                      unsigned seq, unsigned len) {
  for (unsigned tries = 0; !send_frame(dst, src, kind, flag, seq, len); tries++)
    if (tries > 1000000) {
      CHECK(false, "vnet: no tx slot comes back");
      return;
    }
}

/* Sleep until an interrupt, unless one of the rings has news. */
static void wait_event(void) {
  __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
  uint16_t used = *(volatile uint16_t *)(rxq.used + 2);
  if (used == rxq.last_used)
    __asm__ volatile("wfi");
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
}

struct rx {
  const uint8_t *dst, *src;
  unsigned kind, flag, seq, len; /* len: payload bytes */
  bool ours;                     /* our EtherType and "RVNT" */
  bool intact;                   /* every pattern byte right */
};

/* The next received frame, its buffer posted again; false if none. */
static bool rx_next(struct rx *r, uint8_t *copy) {
  uint16_t head;
  uint32_t len;
  int st = virtq_poll_used(&rxq, &head, &len);
  CHECK(st >= 0, "vnet: rx used ring: %s", virtq_strerror(st));
  if (st != 1)
    return false;
  unsigned slot = rx_slot_of[head];
  const uint8_t *f = rxbuf[slot];
  CHECK(len >= HDR + ETH && len <= BUF, "vnet: rx used length %u", len);
  if (len > BUF)
    len = BUF;
  CHECK(f[10] == 1 && f[11] == 0, "vnet: rx num_buffers %u", f[10] | f[11] << 8);
  memcpy(copy, f, len);
  rx_post(slot);
  wr(R_QUEUE_NOTIFY, 0);
  *r = (struct rx){0};
  if (len < HDR + ETH)
    return true;
  r->dst = copy + HDR;
  r->src = copy + HDR + 6;
  const uint8_t *p = copy + HDR + ETH;
  r->len = len - HDR - ETH;
  r->ours =
      copy[HDR + 12] == 0x88 && copy[HDR + 13] == 0xb5 && r->len >= 8 && !memcmp(p, "RVNT", 4);
  if (r->ours) {
    r->kind = p[4];
    r->flag = p[5];
    r->seq = p[6] | (unsigned)p[7] << 8;
    r->intact = true;
    for (unsigned j = 8; j < r->len && r->intact; j++)
      r->intact = p[j] == pattern(r->seq, j, r->src);
  }
  return true;
}

static uint8_t rxcopy[BUF];

static void print_mac(const char *what, const uint8_t *m) {
  guest_printf("%s%02x:%02x:%02x:%02x:%02x:%02x", what, m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void honest(void) {
  bool heard = false, heard_me = false, done_sent = false, peer_done = false, finished = false;
  unsigned sent = 0, acked = 0, bsent = 0, got = 0, bgot = 0, others = 0, hellos = 0;
  unsigned long last_hello = 0, deadline = ticks + 120 * TICKS_PER_S;
  int phase = 0;
  while (!finished || !peer_done) {
    if (ticks > deadline) {
      CHECK(false,
            "vnet: timed out: phase %d heard %d heard_me %d sent %u acked %u got %u bgot %u "
            "peer_done %d finished %d",
            phase, heard, heard_me, sent, acked, got, bgot, peer_done, finished);
      return;
    }
    struct rx r;
    while (rx_next(&r, rxcopy)) {
      if (!r.src)
        continue;
      bool from_peer = heard && !memcmp(r.src, peer, 6);
      if (r.ours && r.kind == K_HELLO && !heard && memcmp(r.src, mac, 6)) {
        memcpy(peer, r.src, 6);
        heard = from_peer = true;
      }
      if (!from_peer) {
        others++;
        if (r.ours && r.kind == K_FINISHED)
          finished = true;
        continue;
      }
      CHECK(r.ours && r.intact, "vnet: a frame from the peer's MAC that the peer did not send");
      if (!r.ours || !r.intact)
        continue;
      switch (r.kind) {
      case K_HELLO:
        hellos++;
        heard_me |= r.flag;
        break;
      case K_DATA:
        CHECK(!memcmp(r.dst, mac, 6), "vnet: peer's data not to our MAC");
        CHECK(r.seq == got, "vnet: data %u where %u was due", r.seq, got);
        CHECK(r.len == data_len(r.seq), "vnet: data %u: %u bytes, not %u", r.seq, r.len,
              data_len(r.seq));
        got = r.seq + 1;
        if (got % 16 == 0 || got == NDATA)
          send_wait(peer, mac, K_ACK, 0, got, 8);
        break;
      case K_BCAST:
        CHECK(!memcmp(r.dst, bcast, 6), "vnet: broadcast data not broadcast");
        CHECK(r.seq == bgot, "vnet: broadcast %u where %u was due", r.seq, bgot);
        bgot = r.seq + 1;
        break;
      case K_ACK:
        CHECK(r.seq <= sent && r.seq >= acked, "vnet: ack %u (sent %u, acked %u)", r.seq, sent,
              acked);
        acked = r.seq;
        break;
      case K_DONE: peer_done = true; break;
      default: CHECK(false, "vnet: peer sent kind %u", r.kind);
      }
    }
    if (phase == 0 && ticks - last_hello >= 10) {
      send_wait(bcast, mac, K_HELLO, heard, 0, 46);
      last_hello = ticks;
    }
    if (phase == 0 && heard && heard_me) {
      send_wait(bcast, mac, K_HELLO, 1, 0, 46); /* the peer may wait for this one */
      phase = 1;
      print_mac("vnet: switch learned both MACs, peer ", peer);
      guest_puts("\n");
    }
    if (phase == 1) {
      while (sent < NDATA && sent - acked < WINDOW &&
             send_frame(peer, mac, K_DATA, 0, sent, data_len(sent)))
        sent++;
      while (sent == NDATA && acked == NDATA && bsent < NBCAST &&
             send_frame(bcast, mac, K_BCAST, 0, bsent, 100 + bsent))
        bsent++;
      if (bsent == NBCAST && got == NDATA && bgot == NBCAST) {
        phase = 2;
        guest_printf("vnet: sent %u unicast frames (all acknowledged) and %u broadcasts\n", sent,
                     bsent);
        print_mac("vnet: received 200 unicast and 10 broadcast frames from ", peer);
        guest_puts(", in order and intact\n");
      }
    }
    if (phase == 2 && (!done_sent || ticks - last_hello >= 10)) {
      send_wait(bcast, mac, K_DONE, 0, 0, 46);
      done_sent = true;
      last_hello = ticks;
    }
    wait_event();
  }
  CHECK(got == NDATA && bgot == NBCAST, "vnet: got %u unicast and %u broadcasts", got, bgot);
  guest_printf("vnet: honest run over (%u frames from other ports)\n", others);
}

/* Notify a tx chain the device must refuse as broken: NEEDS_RESET, then
 * a reset and a fresh setup. */
static void expect_broken(const char *what) {
  unsigned long before = config_irqs, t0 = ticks;
  wr(R_QUEUE_NOTIFY, 1);
  while (config_irqs == before && ticks - t0 < 5 * TICKS_PER_S)
    __asm__ volatile("wfi");
  CHECK(rd(R_STATUS) & S_NEEDS_RESET, "vnet: %s: status 0x%x without DEVICE_NEEDS_RESET", what,
        rd(R_STATUS));
  CHECK(config_irqs != before, "vnet: %s: no configuration change interrupt", what);
  if (rd(R_STATUS) & S_NEEDS_RESET)
    guest_printf("vnet: %s: DEVICE_NEEDS_RESET\n", what);
  uint16_t mtu, st;
  CHECK(dev_setup(&mtu, &st), "vnet: %s: the device does not come back after a reset", what);
}

/* A raw tx chain of n buffers. */
static void send_raw(const struct virtq_buf *b, unsigned n) {
  uint16_t head;
  tx_reap();
  if (virtq_add_chain(&txq, b, n, &head) == VIRTQ_OK) {
    tx_slot_of[head] = tx_free[--ntx_free];
    wr(R_QUEUE_NOTIFY, 1);
  }
}

static void hostile(const void *fdt) {
  unsigned long va = 0, vb = 0;
  if (!guest_bootarg(fdt, "victim-a", &va) || !guest_bootarg(fdt, "victim-b", &vb)) {
    CHECK(false, "vnet: hostile without victim-a= and victim-b=");
    return;
  }
  uint8_t a[6], b[6];
  for (unsigned i = 0; i < 6; i++) {
    a[i] = (uint8_t)(va >> (40 - 8 * i));
    b[i] = (uint8_t)(vb >> (40 - 8 * i));
  }
  uint8_t *f = txbuf[TXQ_SIZE - 1]; /* raw frames; slots 0.. stay for send_frame */
  ntx_free--;                       /* ...so this one is not handed out */
  memset(f, 0, BUF);
  memcpy(f + HDR, bcast, 6);
  memcpy(f + HDR + 6, mac, 6);
  uint64_t fa = (uint64_t)(uintptr_t)f;
  /* Zero-length (the header alone), short and oversized frames. */
  for (unsigned i = 0; i < 5; i++) {
    struct virtq_buf z = {fa, HDR, false}, s = {fa, HDR + 13, false}, o = {fa, HDR + 1515, false};
    send_raw(&z, 1);
    send_raw(&s, 1);
    send_raw(&o, 1);
  }
  /* Bad headers: NEEDS_CSUM without CSUM. */
  for (unsigned i = 0; i < 5; i++) {
    f[0] = 1;
    struct virtq_buf h = {fa, HDR + 60, false};
    send_raw(&h, 1);
  }
  f[0] = 0;
  /* A tx chain with a buffer for the device to write. */
  for (unsigned i = 0; i < 3; i++) {
    struct virtq_buf w[2] = {{fa, HDR + 60, false}, {fa + 1600, 64, true}};
    send_raw(w, 2);
  }
  tx_reap();
  /* Spoofed: victim a's MAC as source, to victim b; and a multicast source. */
  for (unsigned i = 0; i < NSPOOF; i++)
    send_wait(b, a, K_DATA, 0, 0, data_len(0));
  uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
  send_wait(bcast, mcast, K_FLOOD, 0, 0, 46);
  /* The broadcast flood: batches of 128 chains, one notify each. */
  for (unsigned i = 0; i < NFLOOD;) {
    unsigned n = 0;
    while (i < NFLOOD && n < 128 && send_frame_n(bcast, mac, K_FLOOD, 0, i, 46, false))
      i++, n++;
    wr(R_QUEUE_NOTIFY, 1);
    tx_reap();
  }
  guest_printf("vnet: hostile: sent 15 bad-length, 5 bad-header, 3 device-writable, %u spoofed, 1 "
               "multicast-source frames and %u broadcasts\n",
               NSPOOF, NFLOOD);
  /* A descriptor outside RAM; a loop. */
  struct virtq_buf out = {0x4000000000ULL, 60, false};
  uint16_t head;
  virtq_add_chain(&txq, &out, 1, &head);
  expect_broken("descriptor outside RAM");
  struct virtq_buf two[2] = {{fa, HDR, false}, {fa + HDR, 60, false}};
  if (virtq_add_chain(&txq, two, 2, &head) == VIRTQ_OK) {
    uint16_t second = txq.desc[head].next;
    txq.desc[second].flags |= VIRTQ_DESC_F_NEXT;
    txq.desc[second].next = head;
    expect_broken("descriptor loop");
  }
  /* Now listen: the victims' "done"s, and no unicast between them. */
  rx_post_all();
  bool done_a = false, done_b = false;
  unsigned unicast = 0, frames = 0;
  unsigned long deadline = ticks + 120 * TICKS_PER_S;
  while ((!done_a || !done_b) && ticks < deadline) {
    struct rx r;
    while (rx_next(&r, rxcopy)) {
      frames++;
      if (!r.src || !r.ours)
        continue;
      if (r.kind == K_DATA || r.kind == K_ACK)
        unicast++;
      if (r.kind == K_DONE) {
        done_a |= !memcmp(r.src, a, 6);
        done_b |= !memcmp(r.src, b, 6);
      }
    }
    wait_event();
  }
  CHECK(done_a && done_b, "vnet: hostile: no done from %s", done_a ? "b" : "a");
  CHECK(unicast == 0, "vnet: hostile: %u unicast frames between the victims reached us", unicast);
  /* Tell them, at intervals (our flooding share is spent: it refills). */
  for (unsigned i = 0; i < 10; i++) {
    send_wait(bcast, mac, K_FINISHED, 0, i, 46);
    unsigned long t0 = ticks;
    while (ticks - t0 < 10)
      __asm__ volatile("wfi");
  }
  tx_reap();
  guest_printf("vnet: hostile: no unicast between the victims reached us (%u frames seen)\n",
               frames);
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  if (!read_fdt(fdt, hartid)) {
    CHECK(false, "vnet: no virtio-net virtio,mmio node, PLIC or S-mode context for hart %lu",
          hartid);
    guest_shutdown_fail();
  }
  guest_printf("vnet: virtio-net at 0x%lx on PLIC source %u\n", base, source);
  CHECK(rd(R_VERSION) == 2, "vnet: version %u", rd(R_VERSION));
  guest_irq_handler = on_irq;
  plic_wr(PLIC_PRIORITY(source), 1);
  plic_wr(PLIC_ENABLE(context, source),
          plic_rd(PLIC_ENABLE(context, source)) | 1U << (source % 32));
  plic_wr(PLIC_THRESHOLD(context), 0);
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + TICK, 0, 0, 0, 0, 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
  __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
  uint16_t mtu = 0, status = 0;
  if (!dev_setup(&mtu, &status)) {
    CHECK(false, "vnet: device setup failed (status 0x%x)", rd(R_STATUS));
    guest_shutdown_fail();
  }
  print_mac("vnet: MAC ", mac);
  guest_printf(", link %s, MTU %u\n", (status & 1) ? "up" : "down", mtu);
  CHECK(status & 1, "vnet: link down");
  if (guest_bootargs_have(fdt, "probe")) {
    /* Alone (no configuration): the device, its MAC and link, no peer. */
  } else if (guest_bootargs_have(fdt, "hostile")) {
    hostile(fdt);
  } else {
    rx_post_all();
    honest();
  }
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  CHECK(other_irqs == 0, "vnet: %lu unexpected interrupts", other_irqs);
  guest_puts(guest_failures ? "vnet: checks failed\n" : "vnet: all checks passed\n");
  guest_shutdown();
}
