/* libFuzzer target: the guests' SBI (sbi-proxy/) on a sequence of calls
 * decoded from the input (EIDs and FIDs near the implemented ones, argument
 * registers near guest RAM, vCPU counts and states), behind a fake of
 * sbi-proxy/include/sbi_env.h as tests/unit/test_sbi_proxy.c fakes it. Every
 * answer must be one the SBI specification (v2.0) allows for that function:
 * an error code it lists, a value in range, a legacy call's a1 untouched;
 * SBI_NO_RETURN exactly when the proxy handed the vCPU to the core (stopped,
 * suspended it non-retentively, reset it, or sent it a fault); and the proxy must never ask the
 * core for something outside the VM (the fakes abort). Guest RAM is an
 * exactly sized allocation, so ASan catches any access outside it. */
#include "fuzz_input.h"
#include "sbi_env.h"
#include "sbi_proxy.h"
#include <stdlib.h>
#include <string.h>

#define RAM_GPA 0x80000000UL
#define RAM_SIZE 0x4000UL
#define MAX_VCPUS 64

struct vcpu {
  unsigned long id, count;
  long hsm[MAX_VCPUS];
};

/* What the proxy asked of the core during one call. */
struct record {
  unsigned takeovers; /* stop, non-retentive suspend, system suspend, reset, fault sent */
  unsigned console_bytes, getc_calls, timer_calls, ipi_calls, fence_calls, start_calls;
  uint64_t console_from; /* host address of the first byte written */
  uint64_t targets;      /* of the last IPI or fence */
};

static struct record rec;
static uint8_t *ram;
static struct vcpu self;
static const uint8_t *console_in;
static size_t console_in_n;
static long start_answer;

void *sbi_env_guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len) {
  (void)v;
  if (gpa < RAM_GPA || gpa - RAM_GPA >= RAM_SIZE || len > RAM_SIZE - (gpa - RAM_GPA))
    return NULL;
  return ram + (gpa - RAM_GPA);
}

int sbi_env_guest_read_ulong(struct vcpu *v, unsigned long gva, unsigned long *out) {
  const uint8_t *p = sbi_env_guest_ram(v, gva, sizeof(*out));
  if (!p) {
    rec.takeovers++; /* the core sends the guest its fault */
    return -1;
  }
  memcpy(out, p, sizeof(*out));
  return 0;
}

void sbi_env_console_write(struct vcpu *v, const char *s, size_t n) {
  (void)v;
  /* Every byte handed out is guest RAM. */
  uintptr_t at = (uintptr_t)s, base = (uintptr_t)ram;
  if (at < base || at - base > RAM_SIZE || n > RAM_SIZE - (at - base))
    abort();
  volatile uint8_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += (uint8_t)s[i];
  (void)sum;
  if (!rec.console_bytes)
    rec.console_from = (uint64_t)(uintptr_t)s;
  rec.console_bytes += (unsigned)n;
}

void sbi_env_console_putc(struct vcpu *v, char c) {
  (void)v;
  (void)c;
  rec.console_bytes++;
}

int sbi_env_console_getc(struct vcpu *v) {
  (void)v;
  rec.getc_calls++;
  if (!console_in_n)
    return -1;
  console_in_n--;
  return *console_in++;
}

void sbi_env_set_timer(struct vcpu *v, uint64_t stime) {
  (void)v;
  (void)stime;
  rec.timer_calls++;
}

unsigned long sbi_env_vcpu_id(struct vcpu *v) { return v->id; }
unsigned long sbi_env_vcpu_count(struct vcpu *v) { return v->count; }

long sbi_env_vcpu_hsm_state(struct vcpu *v, unsigned long id) {
  if (id >= v->count)
    abort(); /* the proxy checks hart ids first */
  return v->hsm[id];
}

long sbi_env_vcpu_start(struct vcpu *v, unsigned long id, uint64_t addr, unsigned long opaque) {
  (void)opaque;
  if (id >= v->count || !sbi_env_guest_ram(v, addr, 4))
    abort();
  rec.start_calls++;
  return start_answer;
}

void sbi_env_vcpu_stop(struct vcpu *v) {
  (void)v;
  rec.takeovers++;
}

void sbi_env_vcpu_suspend(struct vcpu *v, int retentive, uint64_t addr, unsigned long opaque) {
  (void)opaque;
  if (!retentive && !sbi_env_guest_ram(v, addr, 4))
    abort();
  if (!retentive) /* a retentive suspend is answered (SBI_SUCCESS) */
    rec.takeovers++;
}

void sbi_env_system_suspend(struct vcpu *v, uint64_t addr, unsigned long opaque) {
  (void)opaque;
  if (!sbi_env_guest_ram(v, addr, 4))
    abort();
  for (unsigned long i = 0; i < v->count; i++)
    if (i != v->id && v->hsm[i] != SBI_HSM_STATE_STOPPED)
      abort(); /* only a VM whose other vCPUs are stopped suspends */
  rec.takeovers++;
}

static void check_set(const struct vcpu *v, uint64_t set) {
  if (v->count < 64 && (set >> v->count))
    abort();
}

void sbi_env_send_ipi(struct vcpu *v, uint64_t vcpus) {
  check_set(v, vcpus);
  rec.ipi_calls++;
  rec.targets = vcpus;
}

long sbi_env_clear_ipi(struct vcpu *v) {
  (void)v;
  return rec.ipi_calls & 1;
}

void sbi_env_remote_fence(struct vcpu *v, uint64_t vcpus, int kind) {
  check_set(v, vcpus);
  if (kind != SBI_ENV_FENCE_I && kind != SBI_ENV_SFENCE_VMA)
    abort();
  rec.fence_calls++;
  rec.targets = vcpus;
}

void sbi_env_vm_reset(struct vcpu *v, unsigned long type, unsigned long reason) {
  (void)v;
  if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYSFAIL)
    abort();
  rec.takeovers++;
}

unsigned long sbi_env_machine_id(unsigned long base_fid) {
  if (base_fid < SBI_BASE_GET_MVENDORID || base_fid > SBI_BASE_GET_MIMPID)
    abort();
  return 0x1000 + base_fid;
}

static const unsigned long eids[] = {
    SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,  SBI_EXT_RFENCE, SBI_EXT_HSM,
    SBI_EXT_SRST, SBI_EXT_DBCN, SBI_EXT_SUSP, SBI_EXT_PMU,    0x9,
};

/* An argument register: near RAM, a small number, a vCPU id, or anything. */
static unsigned long pick_arg(struct input *in) {
  unsigned kind = (unsigned)take(in, 1);
  switch (kind & 7) {
  case 0: return RAM_GPA + (take(in, 2) % (RAM_SIZE + 64));
  case 1: return RAM_GPA + RAM_SIZE - (take(in, 1) % 16);
  case 2: return take(in, 1);
  case 3: return (unsigned long)-(long)(take(in, 1) % 4);
  case 4: return 1UL << (take(in, 1) % 64);
  case 5: return 0x80000000UL | take(in, 1); /* HSM suspend types */
  default: return take(in, 8);
  }
}

#define E(x) (1U << -(x)) /* an SBI error code as a bit of an allowed set */
#define OK E(SBI_SUCCESS)
#define NO_RETURN (1U << 31)

/* The answers SBI v2.0 lists for a function (and SBI_NO_RETURN where the
 * call may end the vCPU's flow). */
static unsigned allowed(unsigned long eid, unsigned long fid) {
  switch (sbi_ext_index(eid)) {
  case SBI_IDX_BASE: return fid <= SBI_BASE_GET_MIMPID ? OK : E(SBI_ERR_NOT_SUPPORTED);
  case SBI_IDX_TIME: return fid == SBI_TIME_SET_TIMER ? OK : E(SBI_ERR_NOT_SUPPORTED);
  case SBI_IDX_IPI:
    return fid == SBI_IPI_SEND_IPI ? OK | E(SBI_ERR_INVALID_PARAM) | E(SBI_ERR_FAILED)
                                   : E(SBI_ERR_NOT_SUPPORTED);
  case SBI_IDX_RFENCE:
    return fid <= SBI_RFENCE_HFENCE_VVMA
               ? OK | E(SBI_ERR_NOT_SUPPORTED) | E(SBI_ERR_INVALID_ADDRESS) |
                     E(SBI_ERR_INVALID_PARAM) | E(SBI_ERR_FAILED)
               : E(SBI_ERR_NOT_SUPPORTED);
  case SBI_IDX_HSM:
    switch (fid) {
    case SBI_HSM_HART_START:
      return OK | E(SBI_ERR_INVALID_ADDRESS) | E(SBI_ERR_INVALID_PARAM) |
             E(SBI_ERR_ALREADY_AVAILABLE) | E(SBI_ERR_FAILED);
    case SBI_HSM_HART_STOP: return E(SBI_ERR_FAILED) | NO_RETURN;
    case SBI_HSM_HART_GET_STATUS: return OK | E(SBI_ERR_INVALID_PARAM);
    case SBI_HSM_HART_SUSPEND:
      return OK | E(SBI_ERR_NOT_SUPPORTED) | E(SBI_ERR_INVALID_PARAM) | E(SBI_ERR_INVALID_ADDRESS) |
             E(SBI_ERR_FAILED) | NO_RETURN;
    default: return E(SBI_ERR_NOT_SUPPORTED);
    }
  case SBI_IDX_SRST:
    return fid == SBI_SRST_SYSTEM_RESET
               ? E(SBI_ERR_INVALID_PARAM) | E(SBI_ERR_NOT_SUPPORTED) | E(SBI_ERR_FAILED) | NO_RETURN
               : E(SBI_ERR_NOT_SUPPORTED);
  case SBI_IDX_DBCN:
    switch (fid) {
    case SBI_DBCN_WRITE:
    case SBI_DBCN_READ:
      return OK | E(SBI_ERR_INVALID_PARAM) | E(SBI_ERR_DENIED) | E(SBI_ERR_FAILED);
    case SBI_DBCN_WRITE_BYTE: return OK | E(SBI_ERR_DENIED) | E(SBI_ERR_FAILED);
    default: return E(SBI_ERR_NOT_SUPPORTED);
    }
  case SBI_IDX_SUSP:
    return fid == 0
               ? OK | E(SBI_ERR_NOT_SUPPORTED) | E(SBI_ERR_INVALID_PARAM) |
                     E(SBI_ERR_INVALID_ADDRESS) | E(SBI_ERR_DENIED) | E(SBI_ERR_FAILED) | NO_RETURN
               : E(SBI_ERR_NOT_SUPPORTED);
  default: return E(SBI_ERR_NOT_SUPPORTED);
  }
}

/* hart_mask/hart_mask_base (SBI v2.0, 3.1) the long way: false when some
 * bit names a hart that does not exist, else the set. */
static bool ref_harts(unsigned long mask, unsigned long base, unsigned long n, uint64_t *set) {
  *set = 0;
  if (base == (unsigned long)-1) {
    *set = n >= 64 ? ~0ULL : (1ULL << n) - 1;
    return true;
  }
  for (unsigned i = 0; i < 64; i++) {
    if (!((mask >> i) & 1))
      continue;
    if (base >= n || i >= n - base)
      return false;
    *set |= 1ULL << (base + i);
  }
  return true;
}

static void check_call(const struct sbi_call *c) {
  int idx = sbi_ext_index(c->eid);
  memset(&rec, 0, sizeof(rec));
  struct sbi_ret r = sbi_proxy_handle(&self, c, idx);
  if ((r.error == SBI_NO_RETURN) != (rec.takeovers != 0) || rec.takeovers > 1)
    abort(); /* the vCPU handed over exactly when nothing is written back */
  if (idx == SBI_IDX_LEGACY) {
    /* a0 only: a legacy call leaves a1 as it was. */
    if (r.error != SBI_NO_RETURN && r.value != (long)c->args[1])
      abort();
    if (c->eid == SBI_EXT_0_1_CONSOLE_GETCHAR && r.error != SBI_NO_RETURN &&
        (r.error < -1 || r.error > 255))
      abort();
    return;
  }
  if (r.error == SBI_NO_RETURN) {
    if (!(allowed(c->eid, c->fid) & NO_RETURN))
      abort();
    return;
  }
  if (r.error > 0 || r.error < SBI_ERR_NO_SHMEM || !(allowed(c->eid, c->fid) & E(r.error)))
    abort();
  uint64_t set;
  if (r.error != SBI_SUCCESS) {
    /* A refused call does nothing (DBCN read may have asked for input). */
    if (rec.console_bytes || rec.timer_calls || rec.ipi_calls || rec.fence_calls ||
        (rec.start_calls && c->eid != SBI_EXT_HSM))
      abort();
    if (r.value != 0)
      abort();
    if ((idx == SBI_IDX_IPI || (idx == SBI_IDX_RFENCE && c->fid <= SBI_RFENCE_SFENCE_VMA_ASID)) &&
        r.error == SBI_ERR_INVALID_PARAM && ref_harts(c->args[0], c->args[1], self.count, &set))
      abort(); /* a valid mask refused */
    return;
  }
  switch (idx) {
  case SBI_IDX_BASE:
    if (c->fid == SBI_BASE_PROBE_EXT && r.value != (sbi_ext_index(c->args[0]) >= 0))
      abort();
    break;
  case SBI_IDX_HSM:
    if (c->fid == SBI_HSM_HART_GET_STATUS &&
        (r.value < SBI_HSM_STATE_STARTED || r.value > SBI_HSM_STATE_RESUME_PENDING))
      abort();
    if (c->fid == SBI_HSM_HART_START && rec.start_calls != 1)
      abort();
    break;
  case SBI_IDX_DBCN:
    /* Never more than asked; a write writes what it says, from the
     * buffer the guest named. */
    if (c->fid != SBI_DBCN_WRITE_BYTE) {
      /* The whole buffer the guest named is its RAM, not just what moved. */
      if (r.value < 0 || (unsigned long)r.value > c->args[0] || c->args[2] ||
          !sbi_env_guest_ram(&self, c->args[1], c->args[0]))
        abort();
      if (c->fid == SBI_DBCN_WRITE &&
          (rec.console_bytes != (unsigned long)r.value ||
           (r.value && rec.console_from != (uint64_t)(uintptr_t)(ram + (c->args[1] - RAM_GPA)))))
        abort();
    } else if (r.value != 0 || rec.console_bytes != 1) {
      abort();
    }
    break;
  case SBI_IDX_IPI:
  case SBI_IDX_RFENCE: {
    /* One request, to exactly the harts the mask names. */
    if (rec.ipi_calls + rec.fence_calls != 1 ||
        !ref_harts(c->args[0], c->args[1], self.count, &set) || rec.targets != set)
      abort();
    break;
  }
  default: break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ram)
    ram = malloc(RAM_SIZE);
  struct input in = {data, size};
  memset(&self, 0, sizeof(self));
  self.count = 1 + take(&in, 1) % MAX_VCPUS;
  self.id = take(&in, 1) % self.count;
  for (unsigned long i = 0; i < self.count; i++)
    self.hsm[i] = i == self.id ? SBI_HSM_STATE_STARTED : (long)(take(&in, 1) % 7);
  static const long start_answers[] = {SBI_SUCCESS, SBI_ERR_ALREADY_AVAILABLE};
  start_answer = start_answers[take(&in, 1) & 1];
  size_t n_in = take(&in, 1) % 16;
  console_in = in.p;
  console_in_n = n_in < in.n ? n_in : in.n;
  in.p += console_in_n;
  in.n -= console_in_n;
  memset(ram, 0x41, RAM_SIZE);
  unsigned calls = 0;
  while (in.n && calls++ < 256) {
    unsigned sel = (unsigned)take(&in, 1);
    struct sbi_call c;
    memset(&c, 0, sizeof(c));
    if (sel < 0xE0)
      c.eid = eids[sel % (sizeof(eids) / sizeof(eids[0]))];
    else if (sel < 0xF0)
      c.eid = sel % (SBI_EXT_0_1_SHUTDOWN + 1); /* legacy */
    else
      c.eid = (unsigned long)take(&in, 8);
    unsigned f = (unsigned)take(&in, 1);
    c.fid = f < 0xF0 ? f % 8 : (unsigned long)take(&in, 8);
    for (int i = 0; i < 3; i++)
      c.args[i] = pick_arg(&in);
    check_call(&c);
  }
  return 0;
}
