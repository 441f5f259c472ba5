/* vblkabuse: a virtio-blk driver that breaks every rule it can (issue 12,
 * sections 2 and 7), and the honest neighbours it is tested beside.
 *
 * Bootargs "hostile": drive the VM's virtio-blk device (modern virtio-mmio,
 * virtio 1.2 4.2) wrongly, one case at a time, and check that each gets what
 * the spec says: a status byte of IOERR or UNSUPP where the request can be
 * answered; DEVICE_NEEDS_RESET (with a configuration change interrupt, the
 * used ring untouched, the status byte unwritten, later notifications
 * ignored) where it cannot; and after a reset (a write of 0 to Status) the
 * device back, a good request answered. Also the transport's registers
 * (4.2.2), the status state machine, the level-triggered interrupt line,
 * EVENT_IDX (avail_event written, interrupts only past used_event) and
 * INDIRECT_DESC honoured. With 2 vCPUs, vCPU 1 rewrites a request header
 * while vCPU 0 notifies it, over and over: every answer must be one the
 * spec allows for one of the two headers. With "rodisk" too, its second
 * disk (a read-only host disk) gets a write: IOERR, the disk unchanged.
 * Each case prints one line
 * "vblkabuse: <case>: <what it got>"; at the end "vblkabuse: N cases as
 * the spec says" and "vblkabuse: done".
 *
 * Bootargs "honest tag=N": write known data (seeded by tag and round) over
 * every sector from 8 on, read it back, round after round, until a 'g'
 * arrives on the console (the boot test types it once the hostile VM has
 * stopped), then read the whole disk once more and compare its checksum
 * with the one of what it wrote (sectors 0-7 keep the image's pattern of
 * tests/boot/make_pattern.py): "honest: disk intact after R rounds,
 * checksum 0x...".
 *
 * Every completion is taken by the PLIC interrupt, as in guest-kernels/vblk. */
#include "fdt.h"
#include "guest.h"
#include "virtq.h"
#include <string.h>

#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define SSTATUS_SIE (1UL << 1)
#define WAIT_TICKS 50000000UL /* 5 s at 10 MHz */
#define EXC_LOAD_ACCESS 5

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_PENDING(s) (0x1000UL + 4UL * ((s) / 32))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (c))
#define PLIC_CLAIM(c) (0x200004UL + 0x1000UL * (c))

/* 4.2.2 registers. */
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
#define R_SHM_SEL 0x0ac
#define R_SHM_LEN_LOW 0x0b0
#define R_SHM_LEN_HIGH 0x0b4
#define R_SHM_BASE_LOW 0x0b8
#define R_SHM_BASE_HIGH 0x0bc
#define R_CONFIG_GENERATION 0x0fc
#define R_CONFIG 0x100
#define BLK_CONFIG_LEN 60u /* 5.2.4, up to num_queues and its padding */

#define S_ACKNOWLEDGE 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u
#define S_NEEDS_RESET 64u
#define S_LIVE (S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)
/* Feature bits, low word. */
#define F_BLK_RO (1u << 5)
#define F_BLK_FLUSH (1u << 9)
#define F_INDIRECT_DESC (1u << 28)
#define F_EVENT_IDX (1u << 29)
/* High word: VERSION_1 is bit 32. */
#define F_VERSION_1_HI 1u

#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u
#define T_GET_ID 8u
#define ST_OK 0u
#define ST_IOERR 1u
#define ST_UNSUPP 2u
#define ST_NONE 0xeeu /* what the driver leaves in the status byte */

#define QSIZE 8u
#define SECTOR 512u
#define BUF_BYTES 4096u
#define FAR_AWAY 0x4000000000ULL /* no RAM, no device */

struct blk_hdr {
  uint32_t type, reserved;
  uint64_t sector;
};

static unsigned long base, plic, context, ram_base, ram_size;
static uint32_t source;
static volatile unsigned long vring_irqs, config_irqs, other_irqs;
static volatile bool timed_out;

static struct virtq q;
static uint8_t ring_mem[8192] __attribute__((aligned(4096)));
static struct blk_hdr hdr __attribute__((aligned(16)));
static volatile uint8_t status;
static uint8_t buf[BUF_BYTES] __attribute__((aligned(4096)));
static struct virtq_desc ind[2 * QSIZE] __attribute__((aligned(16)));
static uint64_t capacity;
static uint32_t drv_features_lo; /* what dev_setup negotiates, low word */

static uint32_t rd(unsigned off) { return *(volatile uint32_t *)(base + off); }
static void wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint32_t plic_rd(unsigned long off) { return *(volatile uint32_t *)(plic + off); }
static void plic_wr(unsigned long off, uint32_t v) { *(volatile uint32_t *)(plic + off) = v; }
static uint8_t pattern(uint64_t i) { return (uint8_t)((7 * i + 3) % 251); }
static uint64_t gpa(const volatile void *p) { return (uint64_t)(uintptr_t)p; }
static void irqs_off(void) { __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE)); }
static void irqs_on(void) { __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE)); }
static bool line_pending(void) { return (plic_rd(PLIC_PENDING(source)) >> (source % 32)) & 1; }

/* Claim, read InterruptStatus, acknowledge it, complete. */
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
      if (is & 2)
        config_irqs++;
      if (!(is & 3) && ++other_irqs == 100) {
        /* A line that stays up with nothing to acknowledge: an interrupt
         * storm. Mask it and say so, rather than spin here for good. */
        plic_wr(PLIC_ENABLE(context, source),
                plic_rd(PLIC_ENABLE(context, source)) & ~(1U << (source % 32)));
        CHECK(false, "vblkabuse: the line stays asserted with InterruptStatus 0");
      }
    } else {
      other_irqs++;
    }
    plic_wr(PLIC_CLAIM(context), s);
  }
}

/* The second disk (bootargs "rodisk": a read-only host disk, disk@0 of the
 * configuration), at the next virtio-mmio slot: 0 if there is none. */
static unsigned long ro_base;
static uint32_t ro_source;

/* The virtio-mmio nodes (the lowest, the VM's first disk, is the one the
 * cases drive; the one after it is ro_base), their sources, the PLIC, this
 * hart's S context, RAM. */
static bool read_fdt(const void *fdt, unsigned long hartid) {
  struct dt dt;
  uint64_t a, sz;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  int depth = 0;
  for (int n = dt_root(&dt); n >= 0; n = dt_next_node(&dt, n, &depth)) {
    const char *type = dt_prop_str(&dt, n, "device_type");
    if (type && !strcmp(type, "memory") && dt_reg(&dt, n, 0, &a, &sz) == DT_OK) {
      ram_base = a;
      ram_size = sz;
    }
  }
  for (int v = dt_find_compatible(&dt, -1, "virtio,mmio"); v >= 0;
       v = dt_find_compatible(&dt, v, "virtio,mmio")) {
    uint32_t irq;
    if (dt_reg(&dt, v, 0, &a, &sz) != DT_OK || dt_prop_u32(&dt, v, "interrupts", &irq) != DT_OK)
      return false;
    if (!base || a < base) {
      ro_base = base;
      ro_source = source;
      base = a;
      source = irq;
    } else if (!ro_base || a < ro_base) {
      ro_base = a;
      ro_source = irq;
    }
  }
  int p = dt_find_compatible(&dt, -1, "riscv,plic0");
  if (!ram_size || !base || p < 0 || dt_reg(&dt, p, 0, &a, &sz) != DT_OK)
    return false;
  plic = a;
  return guest_plic_context(&dt, p, hartid, &context);
}

static void fence(enum virtq_fence kind, void *ctx) {
  (void)kind, (void)ctx;
  __asm__ volatile("fence rw, rw" ::: "memory");
}

/* Sleep in WFI until *counter moves past before or 5 s pass. */
static bool wait_irq(volatile unsigned long *counter, unsigned long before) {
  timed_out = false;
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, csr_read_time() + WAIT_TICKS, 0, 0, 0, 0, 0);
  while (*counter == before && !timed_out)
    __asm__ volatile("wfi");
  sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0, 0, 0, 0);
  return *counter != before;
}

static void negotiate(uint32_t lo, uint32_t hi) {
  wr(R_DRIVER_FEATURES_SEL, 0);
  wr(R_DRIVER_FEATURES, lo);
  wr(R_DRIVER_FEATURES_SEL, 1);
  wr(R_DRIVER_FEATURES, hi);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
}

/* 3.1.1 driver initialisation: reset, ACKNOWLEDGE, DRIVER, the features
 * (VERSION_1, FLUSH and those of want that are offered), FEATURES_OK,
 * queue 0 of QSIZE, and DRIVER_OK unless live is false. */
static bool dev_setup(uint32_t want, bool live) {
  wr(R_STATUS, 0);
  CHECK(rd(R_STATUS) == 0, "vblkabuse: status not 0 after reset");
  CHECK(rd(R_INTERRUPT_STATUS) == 0, "vblkabuse: InterruptStatus not 0 after reset");
  wr(R_STATUS, S_ACKNOWLEDGE);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
  wr(R_DEVICE_FEATURES_SEL, 0);
  uint32_t lo = rd(R_DEVICE_FEATURES);
  wr(R_DEVICE_FEATURES_SEL, 1);
  uint32_t hi = rd(R_DEVICE_FEATURES);
  if (!(hi & F_VERSION_1_HI)) {
    CHECK(false, "vblkabuse: VERSION_1 not offered (features 0x%x%08x)", hi, lo);
    return false;
  }
  drv_features_lo = lo & (F_BLK_FLUSH | want);
  negotiate(drv_features_lo, F_VERSION_1_HI);
  if (!(rd(R_STATUS) & S_FEATURES_OK)) {
    CHECK(false, "vblkabuse: FEATURES_OK not accepted for 0x%x", drv_features_lo);
    return false;
  }
  capacity = rd(R_CONFIG) | (uint64_t)rd(R_CONFIG + 4) << 32;
  wr(R_QUEUE_SEL, 0);
  CHECK(rd(R_QUEUE_READY) == 0, "vblkabuse: queue 0 ready before setup");
  struct virtq_layout l;
  memset(ring_mem, 0, sizeof(ring_mem));
  if (rd(R_QUEUE_NUM_MAX) < QSIZE || virtq_layout_modern(QSIZE, &l) || l.total > sizeof(ring_mem) ||
      virtq_init(&q, &l, ring_mem, gpa(ring_mem), fence, NULL)) {
    CHECK(false, "vblkabuse: cannot set the queue up");
    return false;
  }
  wr(R_QUEUE_NUM, QSIZE);
  wr(R_QUEUE_DESC_LOW, (uint32_t)q.desc_addr);
  wr(R_QUEUE_DESC_HIGH, (uint32_t)(q.desc_addr >> 32));
  wr(R_QUEUE_DRIVER_LOW, (uint32_t)q.avail_addr);
  wr(R_QUEUE_DRIVER_HIGH, (uint32_t)(q.avail_addr >> 32));
  wr(R_QUEUE_DEVICE_LOW, (uint32_t)q.used_addr);
  wr(R_QUEUE_DEVICE_HIGH, (uint32_t)(q.used_addr >> 32));
  wr(R_QUEUE_READY, 1);
  if (rd(R_QUEUE_READY) != 1) {
    CHECK(false, "vblkabuse: QueueReady not taken");
    return false;
  }
  if (live)
    wr(R_STATUS, S_LIVE);
  return !live || rd(R_STATUS) == S_LIVE;
}

static volatile uint16_t *used_idx(void) { return (volatile uint16_t *)(q.used + 2); }
static volatile uint16_t *used_event(void) { return &q.avail[2 + QSIZE]; }
static volatile uint16_t *avail_event(void) {
  return (volatile uint16_t *)(q.used + 4 + 8 * QSIZE);
}
static bool event_idx(void) { return (drv_features_lo & F_EVENT_IDX) != 0; }

/* Make a request available (header at h, data of len bytes unless 0, the
 * status byte); *head gets its chain. Not notified. */
static bool post_at(struct blk_hdr *h, uint32_t type, uint64_t sector, void *data, uint32_t len,
                    bool device_writes, uint16_t *head) {
  *h = (struct blk_hdr){type, 0, sector};
  status = ST_NONE;
  struct virtq_buf b[3];
  unsigned n = 0;
  b[n++] = (struct virtq_buf){gpa(h), sizeof(*h), false};
  if (len)
    b[n++] = (struct virtq_buf){gpa(data), len, device_writes};
  b[n++] = (struct virtq_buf){gpa(&status), 1, true};
  if (virtq_add_chain(&q, b, n, head)) {
    CHECK(false, "vblkabuse: cannot add a chain");
    return false;
  }
  return true;
}
static bool post(uint32_t type, uint64_t sector, void *data, uint32_t len, bool device_writes,
                 uint16_t *head) {
  return post_at(&hdr, type, sector, data, len, device_writes, head);
}

/* Notify, wait for the used-buffer interrupt, take the completion: its
 * status byte, or -1. With EVENT_IDX, used_event asks for the next one. */
static int complete(uint16_t head, uint32_t *used_len) {
  if (event_idx())
    *used_event() = q.last_used;
  unsigned long before = vring_irqs;
  wr(R_QUEUE_NOTIFY, 0);
  if (!wait_irq(&vring_irqs, before)) {
    CHECK(false, "vblkabuse: no used-buffer interrupt within 5 s (status 0x%x)", rd(R_STATUS));
    return -1;
  }
  uint16_t h;
  uint32_t len = 0;
  int r = virtq_poll_used(&q, &h, &len);
  if (r != 1 || h != head) {
    CHECK(false, "vblkabuse: interrupt but no used buffer for head %u (%d, head %u)", head, r, h);
    return -1;
  }
  if (used_len)
    *used_len = len;
  return status;
}

static int request(uint32_t type, uint64_t sector, void *data, uint32_t len, bool device_writes) {
  uint16_t head;
  if (!post(type, sector, data, len, device_writes, &head))
    return -1;
  return complete(head, NULL);
}

/* A good read of sector 0 (the image's pattern): the device works. */
static bool good_read(const char *after) {
  memset(buf, 0, SECTOR);
  int st = request(T_IN, 0, buf, SECTOR, true);
  bool same = st == ST_OK;
  for (unsigned i = 0; same && i < SECTOR; i++)
    same = buf[i] == pattern(i);
  CHECK(same, "vblkabuse: %s: a good read then failed (status %d)", after, st);
  return same;
}

static int failures_at_start;
static unsigned cases;
static void case_begin(void) { failures_at_start = guest_failures; }
/* One line per case, and only when every check of the case held. */
static void case_end(const char *name, const char *got) {
  if (guest_failures == failures_at_start) {
    cases++;
    guest_printf("vblkabuse: %s: %s\n", name, got);
  }
}

/* A status byte answer: the request is used, with the status the spec
 * gives it, and the device stays live. */
static void expect_status(const char *name, int want, int st) {
  CHECK(st == want, "vblkabuse: %s: status %d, not %d", name, st, want);
  CHECK(rd(R_STATUS) == S_LIVE, "vblkabuse: %s: device status 0x%x", name, rd(R_STATUS));
}

static uint8_t used_before[6 + 8 * QSIZE + 2];

/* Notify a chain the device cannot use: DEVICE_NEEDS_RESET and a
 * configuration change interrupt; the used ring and the status byte as
 * they were; a later notify ignored. Then a reset brings it back and a
 * good request works. */
static void expect_broken(const char *name) {
  memcpy(used_before, (const void *)q.used, sizeof(used_before));
  unsigned long before = config_irqs, vr = vring_irqs;
  wr(R_QUEUE_NOTIFY, 0);
  bool irq = wait_irq(&config_irqs, before);
  CHECK(irq, "vblkabuse: %s: no configuration change interrupt", name);
  CHECK(rd(R_STATUS) == (S_LIVE | S_NEEDS_RESET), "vblkabuse: %s: status 0x%x, not NEEDS_RESET",
        name, rd(R_STATUS));
  CHECK(!memcmp(used_before, (const void *)q.used, sizeof(used_before)) && vring_irqs == vr,
        "vblkabuse: %s: the device wrote the used ring", name);
  CHECK(status == ST_NONE, "vblkabuse: %s: status byte written (%u)", name, status);
  /* Broken stays broken until the reset: a good request is not used. */
  uint16_t head;
  struct virtq_buf b[3] = {
      {gpa(&hdr), 16, false}, {gpa(buf), SECTOR, true}, {gpa(&status), 1, true}};
  hdr = (struct blk_hdr){T_IN, 0, 0};
  if (virtq_add_chain(&q, b, 3, &head) == 0) {
    wr(R_QUEUE_NOTIFY, 0);
    CHECK(!memcmp(used_before, (const void *)q.used, sizeof(used_before)) && vring_irqs == vr,
          "vblkabuse: %s: a request was used while the device needed a reset", name);
  }
  if (dev_setup(drv_features_lo, true))
    good_read(name);
}

/* The chain of the request just posted, as the device sees it. */
static volatile struct virtq_desc *desc_of(uint16_t head) { return &q.desc[head]; }

/* --- the cases --------------------------------------------------------- */

/* 4.2.2: the fixed registers, shared memory (none: all ones), generation,
 * config space bounds, feature negotiation and the status state machine. */
static void case_registers(void) {
  case_begin();
  CHECK(rd(R_MAGIC) == 0x74726976 && rd(R_VERSION) == 2 && rd(R_DEVICE_ID) == 2,
        "vblkabuse: magic 0x%x version %u device %u", rd(R_MAGIC), rd(R_VERSION), rd(R_DEVICE_ID));
  CHECK(rd(R_STATUS) == 0, "vblkabuse: status 0x%x at boot, not reset", rd(R_STATUS));
  for (uint32_t id = 0; id < 300; id += 255) {
    wr(R_SHM_SEL, id);
    CHECK(rd(R_SHM_LEN_LOW) == 0xffffffffu && rd(R_SHM_LEN_HIGH) == 0xffffffffu,
          "vblkabuse: SHMLen of region %u is not all ones", id);
    CHECK(rd(R_SHM_BASE_LOW) == 0xffffffffu && rd(R_SHM_BASE_HIGH) == 0xffffffffu,
          "vblkabuse: SHMBase of region %u is not all ones", id);
  }
  uint32_t gen = rd(R_CONFIG_GENERATION);
  uint64_t cap = rd(R_CONFIG) | (uint64_t)rd(R_CONFIG + 4) << 32;
  CHECK(rd(R_CONFIG_GENERATION) == gen, "vblkabuse: ConfigGeneration moved between reads");
  CHECK(cap > 16, "vblkabuse: capacity %lu", (unsigned long)cap);
  /* Config space: byte reads inside it are fine, a read past it faults. */
  CHECK((rd(R_CONFIG) & 0xff) == *(volatile uint8_t *)(base + R_CONFIG),
        "vblkabuse: byte read of the capacity differs");
  unsigned long cause = 0;
  guest_expect_exception();
  (void)*(volatile uint32_t *)(base + R_CONFIG + BLK_CONFIG_LEN);
  bool took = guest_took_exception(&cause, NULL);
  CHECK(took && cause == EXC_LOAD_ACCESS, "vblkabuse: read past the config space: %s (%lu)",
        took ? "trap" : "no trap", cause);
  /* Status: DRIVER needs ACKNOWLEDGE; FEATURES_OK needs VERSION_1 and
   * only offered bits; DRIVER_OK needs FEATURES_OK; NEEDS_RESET is the
   * device's. Queue 1 does not exist. */
  wr(R_STATUS, S_DRIVER);
  CHECK(rd(R_STATUS) == 0, "vblkabuse: DRIVER taken without ACKNOWLEDGE");
  wr(R_STATUS, S_ACKNOWLEDGE);
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
  negotiate(0, 0);
  CHECK(!(rd(R_STATUS) & S_FEATURES_OK), "vblkabuse: FEATURES_OK without VERSION_1");
  negotiate(0, F_VERSION_1_HI | 1u << 30);
  CHECK(!(rd(R_STATUS) & S_FEATURES_OK), "vblkabuse: FEATURES_OK with bit 62, not offered");
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_DRIVER_OK);
  CHECK(rd(R_STATUS) == (S_ACKNOWLEDGE | S_DRIVER), "vblkabuse: DRIVER_OK before FEATURES_OK");
  negotiate(0, F_VERSION_1_HI);
  CHECK(rd(R_STATUS) == (S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK),
        "vblkabuse: FEATURES_OK refused for VERSION_1 alone");
  wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_NEEDS_RESET);
  CHECK(!(rd(R_STATUS) & S_NEEDS_RESET), "vblkabuse: the driver set DEVICE_NEEDS_RESET");
  wr(R_QUEUE_SEL, 1);
  CHECK(rd(R_QUEUE_NUM_MAX) == 0 && rd(R_QUEUE_READY) == 0, "vblkabuse: queue 1 exists");
  wr(R_QUEUE_READY, 1);
  CHECK(rd(R_QUEUE_READY) == 0, "vblkabuse: queue 1 became ready");
  wr(R_STATUS, 0);
  CHECK(rd(R_STATUS) == 0, "vblkabuse: a write of 0 did not reset");
  case_end("registers", "as 4.2.2 says");
}

/* 3.1.1: a request notified before DRIVER_OK is not used; after it is. */
static void case_notify_early(void) {
  case_begin();
  uint16_t head;
  if (!dev_setup(F_INDIRECT_DESC, false) || !post(T_IN, 0, buf, SECTOR, true, &head))
    return;
  memcpy(used_before, (const void *)q.used, sizeof(used_before));
  unsigned long before = vring_irqs;
  wr(R_QUEUE_NOTIFY, 0);
  CHECK(!memcmp(used_before, (const void *)q.used, sizeof(used_before)) && vring_irqs == before &&
            status == ST_NONE,
        "vblkabuse: a notify before DRIVER_OK was answered");
  wr(R_STATUS, S_LIVE);
  int st = complete(head, NULL);
  CHECK(st == ST_OK, "vblkabuse: the early request after DRIVER_OK: status %d", st);
  case_end("notify before DRIVER_OK", "ignored, then used after DRIVER_OK");
}

/* 4.2.2.1 InterruptStatus / InterruptACK and the vPLIC line, a level:
 * pending while any bit is set, claimed again after a completion while
 * not acknowledged, gone once acknowledged. Interrupts off meanwhile. */
static void case_level_irq(void) {
  case_begin();
  uint16_t head;
  if (!post(T_IN, 0, buf, SECTOR, true, &head))
    return;
  irqs_off();
  wr(R_QUEUE_NOTIFY, 0);
  uint32_t is = rd(R_INTERRUPT_STATUS);
  bool pend = line_pending();
  uint32_t c1 = plic_rd(PLIC_CLAIM(context));
  plic_wr(PLIC_CLAIM(context), c1);
  bool again = line_pending();
  uint32_t c2 = plic_rd(PLIC_CLAIM(context));
  plic_wr(PLIC_CLAIM(context), c2);
  wr(R_INTERRUPT_ACK, 1);
  uint32_t is_after = rd(R_INTERRUPT_STATUS);
  bool pend_after = line_pending();
  uint32_t c3 = plic_rd(PLIC_CLAIM(context));
  if (c3)
    plic_wr(PLIC_CLAIM(context), c3);
  irqs_on();
  CHECK(is == 1 && pend, "vblkabuse: after a completion InterruptStatus %u, line %d", is, pend);
  CHECK(c1 == source && again && c2 == source,
        "vblkabuse: the line is not a level: claims %u, %u (pending again: %d)", c1, c2, again);
  CHECK(is_after == 0 && !pend_after && c3 == 0,
        "vblkabuse: after InterruptACK status %u, line %d, claim %u", is_after, pend_after, c3);
  uint16_t h;
  uint32_t len;
  CHECK(virtq_poll_used(&q, &h, &len) == 1 && h == head && status == ST_OK,
        "vblkabuse: the request behind the level test");
  case_end("InterruptStatus", "a level line, held until InterruptACK");
}

/* Honest requests: the image, a write read back, FLUSH, GET_ID, INDIRECT. */
static void case_honest_io(void) {
  case_begin();
  good_read("boot");
  for (unsigned i = 0; i < 2 * SECTOR; i++)
    buf[i] = (uint8_t)(0x5a ^ i ^ (i >> 8));
  int st = request(T_OUT, 10, buf, 2 * SECTOR, false);
  CHECK(st == ST_OK, "vblkabuse: write of sectors 10-11: status %d", st);
  memset(buf, 0, 2 * SECTOR);
  st = request(T_IN, 10, buf, 2 * SECTOR, true);
  bool same = st == ST_OK;
  for (unsigned i = 0; same && i < 2 * SECTOR; i++)
    same = buf[i] == (uint8_t)(0x5a ^ i ^ (i >> 8));
  CHECK(same, "vblkabuse: sectors 10-11 read back differ (status %d)", st);
  if (drv_features_lo & F_BLK_FLUSH) {
    st = request(T_FLUSH, 0, NULL, 0, false);
    CHECK(st == ST_OK, "vblkabuse: FLUSH: status %d", st);
  }
  memset(buf, 0, 32);
  uint32_t len = 0;
  uint16_t head;
  if (post(T_GET_ID, 0, buf, 20, true, &head))
    st = complete(head, &len);
  CHECK(st == ST_OK && len >= 1 && len <= 21, "vblkabuse: GET_ID: status %d, used %u", st, len);
  /* INDIRECT_DESC: header, data and status in one indirect table. */
  ind[0] = (struct virtq_desc){gpa(&hdr), 16, VIRTQ_DESC_F_NEXT, 1};
  ind[1] = (struct virtq_desc){gpa(buf), SECTOR, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2};
  ind[2] = (struct virtq_desc){gpa(&status), 1, VIRTQ_DESC_F_WRITE, 0};
  hdr = (struct blk_hdr){T_IN, 0, 3};
  status = ST_NONE;
  memset(buf, 0, SECTOR);
  struct virtq_buf b = {gpa(ind), SECTOR + 1, true};
  if (virtq_add_chain(&q, &b, 1, &head) == 0) {
    desc_of(head)->flags = VIRTQ_DESC_F_INDIRECT;
    desc_of(head)->len = 3 * sizeof(struct virtq_desc);
    st = complete(head, &len);
    same = st == ST_OK && len == SECTOR + 1;
    for (unsigned i = 0; same && i < SECTOR; i++)
      same = buf[i] == pattern(3 * SECTOR + i);
    CHECK(same, "vblkabuse: indirect read of sector 3: status %d, used %u", st, len);
  }
  case_end("honest requests", "read, write, FLUSH, GET_ID, INDIRECT_DESC ok");
}

/* 5.2.6.1: requests the device answers with a status byte. */
static void case_status_answers(void) {
  case_begin();
  expect_status("sector = capacity", ST_IOERR, request(T_IN, capacity, buf, SECTOR, true));
  expect_status("straddling the end", ST_IOERR, request(T_IN, capacity - 1, buf, 2 * SECTOR, true));
  expect_status("write past the end", ST_IOERR, request(T_OUT, capacity, buf, SECTOR, false));
  expect_status("sector 2^63", ST_IOERR, request(T_IN, 1ULL << 63, buf, SECTOR, true));
  expect_status("sector wrapping", ST_IOERR,
                request(T_OUT, UINT64_MAX / SECTOR, buf, 2 * SECTOR, false));
  case_end("sectors past the end", "IOERR");
  case_begin();
  expect_status("unknown type", ST_UNSUPP, request(0x7fff, 0, buf, SECTOR, false));
  expect_status("DISCARD (not offered)", ST_UNSUPP, request(11, 0, buf, 16, false));
  expect_status("read into readable data", ST_IOERR, request(T_IN, 0, buf, SECTOR, false));
  expect_status("write of writable data", ST_IOERR, request(T_OUT, 0, buf, SECTOR, true));
  expect_status("not whole sectors", ST_IOERR, request(T_IN, 0, buf, SECTOR - 1, true));
  /* A header of 8 bytes; readable data after writable data. */
  uint16_t head;
  struct virtq_buf s[4] = {{gpa(&hdr), 8, false}, {gpa(&status), 1, true}};
  hdr = (struct blk_hdr){T_IN, 0, 0};
  status = ST_NONE;
  if (virtq_add_chain(&q, s, 2, &head) == 0)
    expect_status("short header", ST_IOERR, complete(head, NULL));
  s[0] = (struct virtq_buf){gpa(&hdr), 16, false};
  s[1] = (struct virtq_buf){gpa(buf), SECTOR, true};
  s[2] = (struct virtq_buf){gpa(buf + SECTOR), SECTOR, false};
  s[3] = (struct virtq_buf){gpa(&status), 1, true};
  hdr = (struct blk_hdr){T_OUT, 0, 0};
  status = ST_NONE;
  if (virtq_add_chain(&q, s, 4, &head) == 0)
    expect_status("readable after writable", ST_IOERR, complete(head, NULL));
  case_end("malformed requests", "UNSUPP for unknown types, IOERR for the rest");
}

/* Chains the device cannot use at all. Each is posted as an honest read
 * (header, 512 bytes, status) and then rewritten. */
static bool post_read(uint16_t *head, uint16_t *data, uint16_t *st) {
  if (!post(T_IN, 0, buf, SECTOR, true, head))
    return false;
  *data = desc_of(*head)->next;
  *st = desc_of(*data)->next;
  return true;
}

static void broken_case(const char *name, int which) {
  uint16_t head, data, st;
  case_begin();
  if (!post_read(&head, &data, &st))
    return;
  volatile struct virtq_desc *d = desc_of(data), *s = desc_of(st);
  switch (which) {
  case 0: /* descriptor loop: status -> head */
    s->flags |= VIRTQ_DESC_F_NEXT;
    s->next = head;
    break;
  case 1: /* a descriptor chained to itself */ d->next = data; break;
  case 2: /* data outside RAM */ d->addr = FAR_AWAY; break;
  case 3: /* data straddling the end of RAM */ d->addr = ram_base + ram_size - 256; break;
  case 4: /* a length near 2^32 */ d->len = 0xfffffe00u; break;
  case 5: /* an address that wraps around 2^64 */ d->addr = 0xffffffffffffff00ULL; break;
  case 6: /* a next index outside the table */ d->next = 200; break;
  case 7: /* an avail ring entry outside the table */
    q.avail[2 + ((q.avail_idx - 1) & (QSIZE - 1))] = 999;
    break;
  case 8: /* the avail index jumping by more than the queue size */
    q.avail[1] = (uint16_t)(q.avail_idx + QSIZE + 1);
    break;
  case 9: /* no status byte: everything readable */
    d->flags &= (uint16_t)~VIRTQ_DESC_F_WRITE;
    s->flags &= (uint16_t)~VIRTQ_DESC_F_WRITE;
    break;
  case 10: /* an indirect table longer than the queue */
  case 11: /* an indirect descriptor inside an indirect table */
  case 12: /* an indirect table outside RAM */
  case 13: /* an indirect table straddling the end of RAM */
  case 14: /* the header and 8 indirect buffers: 9 > the queue's 8 */
    for (unsigned i = 0; i < 2 * QSIZE; i++)
      ind[i] = (struct virtq_desc){gpa(buf), 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
                                   (uint16_t)(i + 1)};
    ind[2 * QSIZE - 1].flags = VIRTQ_DESC_F_WRITE;
    d->flags = VIRTQ_DESC_F_INDIRECT;
    d->addr = gpa(ind);
    d->len = (QSIZE + 1) * sizeof(struct virtq_desc);
    if (which == 11) {
      /* data, then a table holding the status byte: a good request, if
       * tables could nest */
      d->len = 2 * sizeof(struct virtq_desc);
      ind[0] = (struct virtq_desc){gpa(buf), SECTOR, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1};
      ind[1] = (struct virtq_desc){gpa(ind + 4), 16, VIRTQ_DESC_F_INDIRECT, 0};
      ind[4] = (struct virtq_desc){gpa(&status), 1, VIRTQ_DESC_F_WRITE, 0};
    } else if (which == 12) {
      d->len = 2 * sizeof(struct virtq_desc);
      d->addr = FAR_AWAY;
    } else if (which == 13) {
      d->len = 4 * sizeof(struct virtq_desc);
      d->addr = ram_base + ram_size - 2 * sizeof(struct virtq_desc);
    } else if (which == 14) {
      d->len = QSIZE * sizeof(struct virtq_desc);
      ind[QSIZE - 1].flags = VIRTQ_DESC_F_WRITE;
    }
    break;
  case 15: /* INDIRECT_DESC used without being negotiated */
    ind[0] = (struct virtq_desc){gpa(buf), SECTOR, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1};
    ind[1] = (struct virtq_desc){gpa(&status), 1, VIRTQ_DESC_F_WRITE, 0};
    d->flags = VIRTQ_DESC_F_INDIRECT;
    d->addr = gpa(ind);
    d->len = 2 * sizeof(struct virtq_desc);
    break;
  }
  expect_broken(name);
  case_end(name, "DEVICE_NEEDS_RESET, used ring untouched, reset, a good read ok");
}

/* 4.2.3.2: the queue's registers rewritten while it runs change nothing;
 * QueueReady = 0 stops it (a notify then uses nothing) until a reset. */
static void case_queue_rewritten(void) {
  case_begin();
  wr(R_QUEUE_SEL, 0);
  wr(R_QUEUE_NUM, 2);
  wr(R_QUEUE_DESC_LOW, (uint32_t)FAR_AWAY);
  wr(R_QUEUE_DESC_HIGH, (uint32_t)(FAR_AWAY >> 32));
  wr(R_QUEUE_DRIVER_LOW, 0x1000);
  wr(R_QUEUE_DEVICE_LOW, (uint32_t)gpa(buf));
  wr(R_QUEUE_DEVICE_HIGH, 0);
  wr(R_QUEUE_READY, 1);
  CHECK(rd(R_QUEUE_READY) == 1, "vblkabuse: QueueReady dropped by a rewrite");
  memset(buf, 0xcc, BUF_BYTES);
  good_read("queue registers rewritten");
  CHECK(rd(R_STATUS) == S_LIVE, "vblkabuse: status 0x%x after the rewrite", rd(R_STATUS));
  /* Stopping the queue under the device. */
  wr(R_QUEUE_READY, 0);
  CHECK(rd(R_QUEUE_READY) == 0, "vblkabuse: QueueReady = 0 not taken");
  uint16_t head;
  if (post(T_IN, 0, buf, SECTOR, true, &head)) {
    memcpy(used_before, (const void *)q.used, sizeof(used_before));
    unsigned long before = vring_irqs;
    wr(R_QUEUE_NOTIFY, 0);
    CHECK(!memcmp(used_before, (const void *)q.used, sizeof(used_before)) && vring_irqs == before &&
              status == ST_NONE,
          "vblkabuse: a stopped queue was used");
  }
  if (dev_setup(drv_features_lo, true))
    good_read("queue stopped");
  case_end("queue registers rewritten while running", "ignored, QueueReady=0 stops it");
}

/* 2.7.10 EVENT_IDX: the device publishes avail_event, and interrupts only
 * when the used index passes the driver's used_event. */
static void case_event_idx(void) {
  case_begin();
  if (!dev_setup(F_INDIRECT_DESC | F_EVENT_IDX, true) || !event_idx()) {
    CHECK(false, "vblkabuse: EVENT_IDX not offered");
    return;
  }
  good_read("EVENT_IDX on");
  irqs_off();
  uint16_t start = *used_idx();
  *used_event() = (uint16_t)(start + 2); /* interrupt for the third, not before */
  uint32_t is[3] = {0};
  uint16_t ae[3] = {0}, ui[3] = {0};
  for (unsigned i = 0; i < 3; i++) {
    uint16_t head;
    if (!post(T_IN, i, buf, SECTOR, true, &head))
      break;
    wr(R_QUEUE_NOTIFY, 0);
    is[i] = rd(R_INTERRUPT_STATUS);
    ae[i] = *avail_event();
    ui[i] = *used_idx();
    uint16_t h;
    uint32_t len;
    virtq_poll_used(&q, &h, &len);
  }
  wr(R_INTERRUPT_ACK, rd(R_INTERRUPT_STATUS));
  irqs_on();
  for (unsigned i = 0; i < 3; i++) {
    CHECK(ui[i] == (uint16_t)(start + i + 1), "vblkabuse: EVENT_IDX: used idx %u after %u", ui[i],
          i + 1);
    CHECK(ae[i] == q.avail_idx - 2 + i, "vblkabuse: EVENT_IDX: avail_event %u, avail idx %u", ae[i],
          q.avail_idx - 2 + i);
    CHECK(is[i] == (i == 2 ? 1u : 0u), "vblkabuse: EVENT_IDX: InterruptStatus %u after %u", is[i],
          i + 1);
  }
  good_read("EVENT_IDX suppression");
  case_end("EVENT_IDX", "avail_event written, interrupts only past used_event");
}

/* A request header that vCPU 1 rewrites while vCPU 0 notifies it: each
 * answer must be one the spec gives a header the device may have read: a
 * read of sector 1 (OK with its data), a read of sector 2^62 or a write
 * with writable data (IOERR), or, as the device reads the header byte by
 * byte while it changes, a read of sector 0 (OK with its data) or of
 * 2^62 + 1 (IOERR). Never anything else, and the device stays live. */
static struct blk_hdr flip_hdr __attribute__((aligned(16)));
static volatile int flip_run;
static volatile unsigned long flips;

void guest_secondary_main(unsigned long hartid, unsigned long opaque) {
  (void)hartid, (void)opaque;
  volatile struct blk_hdr *h = &flip_hdr;
  flip_run = 1;
  while (flip_run != 2) {
    h->sector = 1;
    h->type = T_IN;
    h->sector = 1ULL << 62;
    h->type = flips & 1 ? T_OUT : T_IN;
    flips++;
  }
  flip_run = 3;
  sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0, 0, 0);
  for (;;)
    __asm__ volatile("wfi");
}

static void case_header_race(unsigned long vcpus) {
  case_begin();
  if (vcpus < 2) {
    CHECK(false, "vblkabuse: the header race needs vcpus=2");
    return;
  }
  struct sbiret r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, 1,
                              (unsigned long)guest_secondary_entry, 0, 0, 0, 0);
  CHECK(r.error == 0, "vblkabuse: hart_start of vCPU 1: %ld", r.error);
  unsigned long start = csr_read_time();
  while (r.error == 0 && !flip_run && csr_read_time() - start < WAIT_TICKS)
    ;
  unsigned ok = 0, ioerr = 0, other = 0;
  for (unsigned i = 0; flip_run == 1 && i < 3000 && !other; i++) {
    uint16_t head;
    struct virtq_buf b[3] = {
        {gpa(&flip_hdr), 16, false}, {gpa(buf), SECTOR, true}, {gpa(&status), 1, true}};
    memset(buf, 0, SECTOR);
    status = ST_NONE;
    if (virtq_add_chain(&q, b, 3, &head)) {
      other++;
      break;
    }
    uint32_t len = 0;
    int st = complete(head, &len);
    bool data = true, data0 = true;
    for (unsigned j = 0; data && j < SECTOR; j++)
      data = buf[j] == pattern(SECTOR + j);
    for (unsigned j = 0; data0 && j < SECTOR; j++)
      data0 = buf[j] == pattern(j);
    if (st == ST_OK && len == SECTOR + 1 && (data || data0))
      ok++;
    else if (st == ST_IOERR && len == 1)
      ioerr++;
    else {
      other++;
      CHECK(false, "vblkabuse: header race: status %d, used %u, data %s", st, len,
            data    ? "sector 1"
            : data0 ? "sector 0"
                    : "neither sector 0 nor 1");
    }
  }
  flip_run = 2;
  start = csr_read_time();
  while (flip_run != 3 && csr_read_time() - start < WAIT_TICKS)
    ;
  CHECK(flip_run == 3, "vblkabuse: vCPU 1 did not stop");
  CHECK(ok + ioerr == 3000, "vblkabuse: header race: %u answers of 3000", ok + ioerr);
  CHECK(rd(R_STATUS) == S_LIVE, "vblkabuse: header race: status 0x%x", rd(R_STATUS));
  if (guest_failures == failures_at_start)
    guest_printf("vblkabuse: header race: %u OK, %u IOERR, %lu rewrites\n", ok, ioerr, flips);
  case_end("header rewritten after the notify", "each answer one of the two headers'");
}

/* 5.2.6.2: a write to a read-only disk (VIRTIO_BLK_F_RO offered) gets
 * IOERR and changes nothing; reads work. The second disk (a host disk),
 * driven as the first with base and source switched over (the first stays
 * reset); then, on that disk's asynchronous backend, a reset in flight. */
static void use_dev(unsigned long b, uint32_t src);
static void case_reset_in_flight(void);
static void case_read_only(void) {
  case_begin();
  if (!ro_base) {
    CHECK(false, "vblkabuse: rodisk: no second virtio-mmio device");
    return;
  }
  wr(R_STATUS, 0);
  unsigned long first = base;
  uint32_t first_source = source;
  use_dev(ro_base, ro_source);
  wr(R_DEVICE_FEATURES_SEL, 0);
  CHECK(rd(R_DEVICE_FEATURES) & F_BLK_RO, "vblkabuse: rodisk: VIRTIO_BLK_F_RO not offered");
  if (dev_setup(F_INDIRECT_DESC | F_BLK_RO, true)) {
    good_read("read-only disk");
    for (unsigned i = 0; i < SECTOR; i++)
      buf[i] = (uint8_t)~pattern(i);
    expect_status("write to a read-only disk", ST_IOERR, request(T_OUT, 0, buf, SECTOR, false));
    expect_status("write past the end of a read-only disk", ST_IOERR,
                  request(T_OUT, capacity, buf, SECTOR, false));
    good_read("a refused write"); /* sector 0 still the image's */
  }
  case_end("writes to a read-only disk", "IOERR, the disk unchanged, reads ok");
  case_reset_in_flight();
  wr(R_STATUS, 0);
  plic_wr(PLIC_ENABLE(context, source),
          plic_rd(PLIC_ENABLE(context, source)) & ~(1U << (source % 32)));
  base = first;
  source = first_source;
}

/* Switch the cases to the device at b (source src): the other stays as it
 * is (reset, by the caller). */
static void use_dev(unsigned long b, uint32_t src) {
  base = b;
  source = src;
  plic_wr(PLIC_PRIORITY(source), 1);
  plic_wr(PLIC_ENABLE(context, source),
          plic_rd(PLIC_ENABLE(context, source)) | 1U << (source % 32));
}

/* 2.4 / 2.1.2: a device reset while requests are in flight on a backend
 * that completes them later (a host disk, from its interrupt): none of them
 * may complete into the instance the driver sets up next over the same
 * rings. Each round: eight reads of the whole 64 KiB disk (one indirect
 * descriptor each), one notify, at once a reset (waiting for Status to
 * read 0, as 2.4.2 asks of a driver). Those the old used ring then holds completed before the reset
 * (their status bytes are written); the others were in flight, and their
 * status bytes must never be. A new instance over the same ring memory,
 * and 16 good reads on it: each the only used element it finds. */
#define OLD_REQS QSIZE
#define OLD_BYTES (128u * SECTOR) /* the whole host disk of vms.vblkabuse.hostdisk */
#define OLD_ROUNDS 8u
#define SLOW_TICKS 20000000UL /* 2 s */
static unsigned slow_reads;
static struct virtq_desc old_ind[OLD_REQS][3] __attribute__((aligned(16)));
static struct blk_hdr old_hdr[OLD_REQS] __attribute__((aligned(16)));
static volatile uint8_t old_status[OLD_REQS];
static uint8_t old_buf[OLD_REQS][OLD_BYTES] __attribute__((aligned(16)));

static unsigned reset_round(void) {
  uint16_t heads[OLD_REQS];
  bool before_reset[OLD_REQS] = {false};
  unsigned posted = 0;
  for (unsigned i = 0; i < OLD_REQS; i++) {
    old_hdr[i] = (struct blk_hdr){T_IN, 0, 0};
    old_status[i] = ST_NONE;
    old_ind[i][0] = (struct virtq_desc){gpa(&old_hdr[i]), 16, VIRTQ_DESC_F_NEXT, 1};
    old_ind[i][1] =
        (struct virtq_desc){gpa(old_buf[i]), OLD_BYTES, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2};
    old_ind[i][2] = (struct virtq_desc){gpa(&old_status[i]), 1, VIRTQ_DESC_F_WRITE, 0};
    struct virtq_buf b = {gpa(old_ind[i]), OLD_BYTES + 1, true};
    if (virtq_add_chain(&q, &b, 1, &heads[i]))
      break;
    desc_of(heads[i])->flags = VIRTQ_DESC_F_INDIRECT;
    desc_of(heads[i])->len = sizeof(old_ind[i]);
    posted++;
  }
  CHECK(posted == OLD_REQS, "vblkabuse: reset in flight: %u requests posted", posted);
  wr(R_QUEUE_NOTIFY, 0);
  wr(R_STATUS, 0);
  unsigned long start = csr_read_time();
  while (rd(R_STATUS) != 0 && csr_read_time() - start < WAIT_TICKS)
    ;
  CHECK(rd(R_STATUS) == 0, "vblkabuse: reset in flight: Status 0x%x 5 s after a write of 0",
        rd(R_STATUS));
  /* What the old instance answered before the reset. */
  uint16_t n_old = *used_idx();
  for (uint16_t u = 0; u < n_old && u < QSIZE; u++) {
    uint32_t id = *(volatile uint32_t *)(q.used + 4 + 8 * u);
    for (unsigned i = 0; i < posted; i++)
      before_reset[i] |= heads[i] == id;
  }
  unsigned in_flight = 0;
  for (unsigned i = 0; i < posted; i++)
    in_flight += !before_reset[i];
  if (!dev_setup(F_INDIRECT_DESC, true))
    return in_flight;
  for (unsigned i = 0; i < 16 && guest_failures == failures_at_start; i++) {
    uint16_t head;
    memset(buf, 0, SECTOR);
    if (!post(T_IN, i % 4, buf, SECTOR, true, &head))
      break;
    uint16_t before = *used_idx();
    unsigned long t0 = csr_read_time();
    int st = complete(head, NULL);
    unsigned long took = csr_read_time() - t0;
    bool same = st == ST_OK;
    for (unsigned j = 0; same && j < SECTOR; j++)
      same = buf[j] == pattern((i % 4) * SECTOR + j);
    CHECK(same && *used_idx() == (uint16_t)(before + 1),
          "vblkabuse: reset in flight: new read %u: status %d, used idx %u after %u", i, st,
          *used_idx(), before);
    /* A read of the host's page cache takes milliseconds: one that takes
     * seconds waited in WFI for something else (its own timer) to wake it.
     * Counted, and judged by the boot test (a rare one is still seen). */
    if (took >= SLOW_TICKS) {
      slow_reads++;
      guest_printf("vblkabuse: reset in flight: new read %u took %lu ms\n", i, took / 10000);
    }
  }
  for (unsigned i = 0; i < posted; i++)
    CHECK(before_reset[i] || old_status[i] == ST_NONE,
          "vblkabuse: reset in flight: request %u, in flight at the reset, answered (%u)", i,
          old_status[i]);
  return in_flight;
}

static void case_reset_in_flight(void) {
  case_begin();
  if (!dev_setup(F_INDIRECT_DESC, true) || !good_read("host disk"))
    return;
  unsigned in_flight = 0;
  for (unsigned r = 0; r < OLD_ROUNDS && guest_failures == failures_at_start; r++)
    in_flight += reset_round();
  if (guest_failures == failures_at_start)
    guest_printf("vblkabuse: reset in flight: %u of %u requests were in flight at their reset, "
                 "%u of %u new reads took over 2 s\n",
                 in_flight, OLD_ROUNDS * OLD_REQS, slow_reads, OLD_ROUNDS * 16);
  case_end("reset with requests in flight", "none completed into the new instance");
}

static void hostile_main(const void *fdt) {
  unsigned long vcpus = guest_fdt_harts(fdt);
  case_registers();
  case_notify_early();
  case_level_irq();
  case_honest_io();
  case_status_answers();
  static const char *const broken[] = {
      "descriptor loop",
      "descriptor chained to itself",
      "buffer outside RAM",
      "buffer straddling the end of RAM",
      "length near 2^32",
      "address wrapping 2^64",
      "next outside the table",
      "avail entry outside the table",
      "avail index jump",
      "no status byte",
      "indirect table longer than the queue",
      "nested indirect",
      "indirect table outside RAM",
      "indirect table straddling the end of RAM",
      "chain longer than the queue",
  };
  for (unsigned i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
    broken_case(broken[i], (int)i);
  case_queue_rewritten();
  /* Without INDIRECT_DESC an indirect descriptor is a driver error. */
  if (dev_setup(0, true))
    broken_case("indirect not negotiated", 15);
  case_event_idx();
  case_header_race(vcpus);
  if (guest_bootargs_have(fdt, "rodisk"))
    case_read_only();
  dev_setup(F_INDIRECT_DESC, true);
  good_read("the end");
  CHECK(other_irqs == 0, "vblkabuse: %lu unexpected interrupts", other_irqs);
  guest_printf("vblkabuse: %u cases as the spec says, %lu used-buffer and %lu config interrupts\n",
               cases, vring_irqs, config_irqs);
}

/* --- the honest neighbour ---------------------------------------------- */

#define HONEST_FIRST 8u                  /* sectors below keep the image's pattern */
#define HONEST_WAIT (600UL * 10000000UL) /* 10 min for the 'g' */

static uint8_t honest_byte(unsigned long tag, unsigned long round, uint64_t off) {
  uint64_t x = off * 0x9e3779b97f4a7c15ULL ^ (tag << 40) ^ (round << 20);
  x ^= x >> 29;
  return (uint8_t)(x * 0xbf58476d1ce4e5b9ULL >> 56);
}

/* FNV-1a over the whole disk as read (or as it should be). */
static uint64_t fnv(uint64_t h, const uint8_t *p, unsigned n) {
  for (unsigned i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static void expected_block(unsigned long tag, unsigned long round, uint64_t sector) {
  for (unsigned i = 0; i < BUF_BYTES; i++) {
    uint64_t off = sector * SECTOR + i;
    buf[i] = sector < HONEST_FIRST ? pattern(off) : honest_byte(tag, round, off);
  }
}

static bool got_go(void) {
  long ch = sbi_legacy(SBI_EXT_0_1_CONSOLE_GETCHAR, 0);
  return ch == 'g';
}

static void honest_main(unsigned long tag) {
  if (!dev_setup(F_INDIRECT_DESC, true))
    return;
  const unsigned per = BUF_BYTES / SECTOR;
  uint64_t n = capacity / per * per;
  CHECK(n > HONEST_FIRST && capacity % per == 0, "vblkabuse: honest: capacity %lu",
        (unsigned long)capacity);
  unsigned long round = 0, start = csr_read_time();
  bool go = false;
  while (!go && !guest_failures) {
    round++;
    for (uint64_t s = HONEST_FIRST; s < n && !guest_failures; s += per) {
      expected_block(tag, round, s);
      int st = request(T_OUT, s, buf, BUF_BYTES, false);
      CHECK(st == ST_OK, "vblkabuse: honest: write of sector %lu: status %d", (unsigned long)s, st);
      go = go || got_go();
    }
    for (uint64_t s = HONEST_FIRST; s < n && !guest_failures; s += per) {
      memset(buf, 0, BUF_BYTES);
      int st = request(T_IN, s, buf, BUF_BYTES, true);
      bool same = st == ST_OK;
      for (unsigned i = 0; same && i < BUF_BYTES; i++)
        same = buf[i] == honest_byte(tag, round, s * SECTOR + i);
      CHECK(same, "vblkabuse: honest: round %lu: sector %lu read back differs (status %d)", round,
            (unsigned long)s, st);
      go = go || got_go();
    }
    if (round == 1)
      guest_printf("honest: round 1 written and read back\n");
    CHECK(go || csr_read_time() - start < HONEST_WAIT, "vblkabuse: honest: no 'g' typed");
  }
  /* The whole disk, after the hostile VM stopped, against what it holds. */
  uint64_t want = 0xcbf29ce484222325ULL, got = want;
  for (uint64_t s = 0; s < n && !guest_failures; s += per) {
    expected_block(tag, round, s);
    want = fnv(want, buf, BUF_BYTES);
    memset(buf, 0, BUF_BYTES);
    int st = request(T_IN, s, buf, BUF_BYTES, true);
    CHECK(st == ST_OK, "vblkabuse: honest: final read of sector %lu: status %d", (unsigned long)s,
          st);
    got = fnv(got, buf, BUF_BYTES);
  }
  CHECK(got == want, "vblkabuse: honest: disk checksum 0x%lx, expected 0x%lx", (unsigned long)got,
        (unsigned long)want);
  if (!guest_failures)
    guest_printf("honest: disk intact after %lu rounds, checksum 0x%lx over %lu sectors\n", round,
                 (unsigned long)got, (unsigned long)n);
}

void guest_main(unsigned long hartid, const void *fdt) {
  guest_console_init();
  if (!read_fdt(fdt, hartid)) {
    CHECK(false, "vblkabuse: no virtio,mmio node, PLIC, S-mode context or memory");
    guest_shutdown_fail();
  }
  guest_printf("vblkabuse: virtio-mmio at 0x%lx on PLIC source %u, RAM 0x%lx+0x%lx\n", base, source,
               ram_base, ram_size);
  guest_irq_handler = on_irq;
  plic_wr(PLIC_PRIORITY(source), 1);
  plic_wr(PLIC_ENABLE(context, source),
          plic_rd(PLIC_ENABLE(context, source)) | 1U << (source % 32));
  plic_wr(PLIC_THRESHOLD(context), 0);
  __asm__ volatile("csrs sie, %0" ::"r"(SIE_SEIE | SIE_STIE));
  irqs_on();
  unsigned long tag = 0;
  if (guest_bootargs_have(fdt, "hostile"))
    hostile_main(fdt);
  else if (guest_bootargs_have(fdt, "honest") && guest_bootarg(fdt, "tag", &tag))
    honest_main(tag);
  else
    CHECK(false, "vblkabuse: bootargs name no role (hostile, or honest tag=N)");
  guest_puts(guest_failures ? "vblkabuse: checks failed\n" : "vblkabuse: done\n");
  guest_shutdown();
}
