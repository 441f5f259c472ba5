#include "hostio.h"
#include "../drivers/plic.h"
#include "../lib/fdt.h"
#include "../lib/gpt.h"
#include "../lib/printf.h"
#include "../lib/virtio_spec.h"
#include "console.h"
#include "frame.h"
#include "hart.h"
#include "platform.h"
#include "sched.h"
#include "vm.h"
#include <string.h>

/* ---- Host interrupts ---- */

/* Written by the boot hart before the other harts take interrupts. */
static struct hostirq {
  uint32_t src;
  void (*fn)(void *ctx);
  void *ctx;
} irqs[HOSTIRQ_MAX];
static unsigned nirqs;
static int plic_ctx[PLAT_MAX_HARTS]; /* per hart index: its PLIC context, -1: none */
static bool plic_ready;

/* The PLIC and every hart's context, once. */
static bool hostirq_setup(void) {
  if (plic_ready)
    return true;
  struct dt dt;
  if (dt_open(&dt, plat.fdt, 1U << 24) != DT_OK || !plic_host_probe(&dt))
    return false;
  for (unsigned i = 0; i < PLAT_MAX_HARTS; i++)
    plic_ctx[i] = i < hart_count ? plic_host_context_of(&dt, harts[i].hartid) : -1;
  plic_ready = true;
  return true;
}

bool hostirq_register(uint32_t src, bool boot_only, void (*fn)(void *ctx), void *ctx) {
  if (!src || src >= 1024 || nirqs >= HOSTIRQ_MAX || !hostirq_setup())
    return false;
  irqs[nirqs++] = (struct hostirq){src, fn, ctx};
  for (unsigned i = 0; i < hart_count; i++)
    if (plic_ctx[i] >= 0 && (!boot_only || i == 0))
      plic_host_enable_ctx((unsigned)plic_ctx[i], src);
  return true;
}

void hostirq_handle(void) {
  unsigned h = this_hart()->index;
  if (!plic_ready || plic_ctx[h] < 0) {
    console_handle_irq(); /* the UART's route, set up by the console alone */
    return;
  }
  unsigned ctx = (unsigned)plic_ctx[h];
  uint32_t src;
  while ((src = plic_host_claim_ctx(ctx)) != 0) {
    for (unsigned i = 0; i < nirqs; i++)
      if (irqs[i].src == src)
        irqs[i].fn(irqs[i].ctx);
    plic_host_complete_ctx(ctx, src);
  }
}

/* ---- Host disks ---- */

static struct hostdisk disks[HOSTDISK_MAX];
/* Per disk, found at boot: where it is, and its GPT (frames) if any. */
static struct hostdisk_info {
  unsigned slot;
  uint64_t base;
  uint32_t version, irq;
  bool open;
  char err[96]; /* why it could not be opened */
  bool has_gpt;
  struct gpt_header gpt;
  uint8_t *gpt_array;
  size_t gpt_bytes;
  const char *gpt_err; /* why the partition table was not usable */
} info[HOSTDISK_MAX];
static unsigned ndisks;

volatile uint64_t hostdisks_watch_at = UINT64_MAX;

static void disk_started(uint64_t deadline) {
  uint64_t w = __atomic_load_n(&hostdisks_watch_at, __ATOMIC_RELAXED);
  while (deadline < w)
    if (__atomic_compare_exchange_n(&hostdisks_watch_at, &w, deadline, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED)) {
      /* The boot hart's timer runs the watchdog: it must learn of it. */
      if (w == UINT64_MAX) {
        struct hart *h = this_hart();
        if (h == &harts[0])
          sched_timer_update(h);
        else
          hart_kick(&harts[0]);
      }
      return;
    }
}

static struct vblk_host disk_host = {.alloc = frame_alloc,
                                     .free = frame_free,
                                     .log = hv_log,
                                     .timebase = 0,
                                     .started = disk_started};

static void disk_irq(void *ctx) { hostdisk_handle_irq(ctx); }

/* Read the GPT of the disk in info i with the polled driver: LBA 1, then
 * the entry array. A disk without one is fine (whole-disk use only). */
static void read_gpt(struct hostdisk_info *in) {
  static struct vblk d; /* large (its slots): not on the stack; boot hart only */
  char err[120];
  if (vblk_init_at(&d, &disk_host, in->base, in->version, err, sizeof(err))) {
    in->gpt_err = "unreadable";
    return;
  }
  uint8_t *buf = (uint8_t *)(uintptr_t)frame_alloc(GPT_MAX_ARRAY_BYTES, 4096);
  if (!buf) {
    in->gpt_err = "no memory to read it";
    vblk_release(&d);
    return;
  }
  int r = vblk_read(&d, 1, buf, 1, err, sizeof(err));
  if (r == 0)
    r = gpt_parse_header(buf, d.capacity, &in->gpt);
  else
    r = GPT_ERR_HEADER;
  if (r == GPT_OK) {
    size_t bytes = gpt_array_bytes(&in->gpt);
    uint64_t sectors = (bytes + GPT_SECTOR - 1) / GPT_SECTOR;
    if (vblk_read(&d, in->gpt.entries_lba, buf, sectors, err, sizeof(err)) == 0) {
      in->has_gpt = true;
      in->gpt_array = buf;
      in->gpt_bytes = bytes;
    } else {
      r = GPT_ERR_ENTRIES;
    }
  }
  if (!in->has_gpt) {
    in->gpt_err = gpt_strerror(r);
    frame_free((uintptr_t)buf, GPT_MAX_ARRAY_BYTES);
  }
  vblk_release(&d);
}

void hostdisks_init(const void *fdt) {
  struct vmmio_slot slots[16];
  unsigned n = vmmio_list_slots(fdt, slots, 16);
  disk_host.timebase = plat.timebase;
  for (unsigned i = 0; i < n && ndisks < HOSTDISK_MAX; i++) {
    if (slots[i].device_id != VIRTIO_ID_BLOCK || (slots[i].version != 1 && slots[i].version != 2))
      continue;
    struct hostdisk_info *in = &info[ndisks];
    *in = (struct hostdisk_info){
        .slot = i, .base = slots[i].base, .version = slots[i].version, .irq = slots[i].irq};
    read_gpt(in);
    struct hostdisk *hd = &disks[ndisks];
    if (hostdisk_open(hd, &disk_host, i, in->base, in->version, in->irq, in->err,
                      sizeof(in->err))) {
      hv_log("host disk %u: %s", i, in->err);
    } else if (!in->irq || !hostirq_register(in->irq, false, disk_irq, hd)) {
      rv_snprintf(in->err, sizeof(in->err), "no host interrupt route (PLIC source %u)", in->irq);
      hv_log("host disk %u: %s", i, in->err);
      vblk_release(&hd->dev);
    } else {
      in->open = true;
      hv_log("host disk %u: %lu sectors (%lu KiB)%s%s", i, (unsigned long)hd->dev.capacity,
             (unsigned long)(hd->dev.capacity >> 1), in->has_gpt ? ", GPT" : "",
             hd->dev.read_only ? ", read-only" : "");
    }
    ndisks++;
  }
}

static int find(unsigned slot) {
  for (unsigned i = 0; i < ndisks; i++)
    if (info[i].slot == slot)
      return (int)i;
  return -1;
}

struct hostdisk *hostdisk_get(unsigned slot, char *err, size_t errlen) {
  int i = find(slot);
  if (i < 0) {
    rv_snprintf(err, errlen, "host slot %u holds no virtio-blk disk", slot);
    return 0;
  }
  if (!info[i].open) {
    rv_snprintf(err, errlen, "host disk %u is not usable: %s", slot, info[i].err);
    return 0;
  }
  return &disks[i];
}

unsigned hostdisk_slots(unsigned *out, unsigned max) {
  unsigned n = 0;
  for (unsigned i = 0; i < ndisks && n < max; i++)
    if (info[i].open)
      out[n++] = info[i].slot;
  return n;
}

int hostdisk_range(struct hostdisk *hd, unsigned number, const char *name, uint64_t *start,
                   uint64_t *sectors, char *err, size_t errlen) {
  struct hostdisk_info *in = &info[hd - disks];
  if (!number && !name) {
    *start = 0;
    *sectors = hd->dev.capacity;
    return 0;
  }
  if (!in->has_gpt) {
    rv_snprintf(err, errlen, "host disk %u has no usable GPT (%s)", in->slot, in->gpt_err);
    return -1;
  }
  struct gpt_part p;
  int r = gpt_find(&in->gpt, in->gpt_array, in->gpt_bytes, hd->dev.capacity, number, name, &p);
  if (r) {
    if (number)
      rv_snprintf(err, errlen, "host disk %u: partition %u: %s", in->slot, number, gpt_strerror(r));
    else
      rv_snprintf(err, errlen, "host disk %u: partition '%s': %s", in->slot, name, gpt_strerror(r));
    return -1;
  }
  *start = p.first;
  *sectors = p.last - p.first + 1;
  return 0;
}

void hostdisks_watchdog(uint64_t now) {
  uint64_t next = UINT64_MAX;
  __atomic_store_n(&hostdisks_watch_at, UINT64_MAX, __ATOMIC_SEQ_CST);
  for (unsigned i = 0; i < ndisks; i++) {
    if (!info[i].open)
      continue;
    hostdisk_watchdog(&disks[i], now);
    uint64_t d = hostdisk_deadline(&disks[i]);
    if (d < next)
      next = d;
  }
  /* A request started since (disk_started) may have lowered it already. */
  uint64_t w = __atomic_load_n(&hostdisks_watch_at, __ATOMIC_RELAXED);
  while (next < w && !__atomic_compare_exchange_n(&hostdisks_watch_at, &w, next, false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
    ;
}

/* ---- Who has which sectors of which disk ---- */

/* Boot hart only, while VMs are created. */
static struct claim {
  const struct hostdisk *hd;
  uint64_t start, sectors;
  bool read_only;
  const char *vm;
} claims[HOSTDISK_MAX * HOSTDISK_PORTS_MAX];
static unsigned nclaims;
static unsigned planned[HOSTDISK_MAX];

void hostdisk_plan(unsigned slot) {
  int i = find(slot);
  if (i >= 0)
    planned[i]++;
}

int hostdisk_claim(struct hostdisk *hd, uint64_t start, uint64_t sectors, bool read_only,
                   const char *vm, char *err, size_t errlen) {
  for (unsigned i = 0; i < nclaims; i++) {
    const struct claim *c = &claims[i];
    if (c->hd != hd || start >= c->start + c->sectors || c->start >= start + sectors ||
        (read_only && c->read_only))
      continue;
    rv_snprintf(err, errlen,
                "host disk %u sectors %lu-%lu are already given to VM %s%s: a disk written by one "
                "VM is given to no other (read-only to several is fine)",
                hd->slot, (unsigned long)c->start, (unsigned long)(c->start + c->sectors - 1),
                c->vm, c->read_only ? " read-only" : "");
    return -1;
  }
  if (nclaims >= sizeof(claims) / sizeof(claims[0])) {
    rv_snprintf(err, errlen, "too many disks given out");
    return -1;
  }
  claims[nclaims++] = (struct claim){hd, start, sectors, read_only, vm};
  return 0;
}

unsigned hostdisk_share(const struct hostdisk *hd) {
  unsigned n = planned[hd - disks];
  return hd->dev.nslots / (n ? n : 1);
}
