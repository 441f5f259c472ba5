/* Host tests of the SBI proxy (the sbi-proxy directory): the extension
 * table, hart-mask decoding and each extension, with
 * sbi-proxy/include/sbi_env.h implemented by fakes that record what the
 * proxy asked of the hypervisor. Guest RAM is an exactly sized allocation
 * at the pretend guest-physical address 0x80000000; guest-virtual addresses
 * (legacy hart masks) translate one to one. */
#include "check.h"
#include "sbi_env.h"
#include "sbi_proxy.h"
#include <stdlib.h>

#define RAM_GPA 0x80000000UL
#define RAM_SIZE 0x10000UL /* 64 KiB */
#define MAX_VCPUS 8

struct vcpu {
  unsigned long id, count;
  long hsm[MAX_VCPUS];
};

/* What the proxy did, through the environment. */
struct record {
  char console[16384];
  size_t console_len;
  int timer_calls;
  uint64_t timer_value;
  int reset_calls;
  unsigned long reset_type, reset_reason;
  int stop_calls;
  int start_calls;
  unsigned long start_hart, start_opaque;
  uint64_t start_addr;
  int suspend_calls, suspend_retentive;
  uint64_t suspend_addr;
  unsigned long suspend_opaque;
  int system_suspend_calls;
  uint64_t system_suspend_addr;
  unsigned long system_suspend_opaque;
  int ipi_calls, clear_ipi_calls, faults_redirected;
  long ipi_pending; /* what clear_ipi finds */
  uint64_t ipi_targets;
  int fence_calls, fence_kind;
  uint64_t fence_targets;
  int misuse; /* calls the proxy must never make */
};

static struct record rec;
static uint8_t *ram;
static const char *console_in;
static size_t console_in_pos;
static long start_result; /* what sbi_env_vcpu_start answers */
static struct vcpu vcpu0;

void *sbi_env_guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len) {
  (void)v;
  if (gpa < RAM_GPA || gpa - RAM_GPA >= RAM_SIZE || len > RAM_SIZE - (gpa - RAM_GPA))
    return NULL;
  return ram + (gpa - RAM_GPA);
}

int sbi_env_guest_read_ulong(struct vcpu *v, unsigned long gva, unsigned long *out) {
  const uint8_t *p = sbi_env_guest_ram(v, gva, sizeof(*out));
  if (!p) {
    rec.faults_redirected++; /* the core injects the fault into the guest */
    return -1;
  }
  memcpy(out, p, sizeof(*out));
  return 0;
}

void sbi_env_console_write(struct vcpu *v, const char *s, size_t n) {
  (void)v;
  if (n > sizeof(rec.console) - rec.console_len) {
    rec.misuse++;
    return;
  }
  memcpy(rec.console + rec.console_len, s, n);
  rec.console_len += n;
}

void sbi_env_console_putc(struct vcpu *v, char c) { sbi_env_console_write(v, &c, 1); }

int sbi_env_console_getc(struct vcpu *v) {
  (void)v;
  if (!console_in || !console_in[console_in_pos])
    return -1;
  return (unsigned char)console_in[console_in_pos++];
}

void sbi_env_set_timer(struct vcpu *v, uint64_t stime) {
  (void)v;
  rec.timer_calls++;
  rec.timer_value = stime;
}

unsigned long sbi_env_vcpu_id(struct vcpu *v) { return v->id; }
unsigned long sbi_env_vcpu_count(struct vcpu *v) { return v->count; }

long sbi_env_vcpu_hsm_state(struct vcpu *v, unsigned long vcpu_id) {
  if (vcpu_id >= v->count) { /* the proxy checks hart IDs first */
    rec.misuse++;
    return -1;
  }
  return v->hsm[vcpu_id];
}

long sbi_env_vcpu_start(struct vcpu *v, unsigned long vcpu_id, uint64_t addr,
                        unsigned long opaque) {
  if (vcpu_id >= v->count || !sbi_env_guest_ram(v, addr, 4))
    rec.misuse++;
  rec.start_calls++;
  rec.start_hart = vcpu_id;
  rec.start_addr = addr;
  rec.start_opaque = opaque;
  return start_result;
}

void sbi_env_vcpu_stop(struct vcpu *v) {
  rec.stop_calls++;
  v->hsm[v->id] = SBI_HSM_STATE_STOPPED;
}

void sbi_env_vcpu_suspend(struct vcpu *v, int retentive, uint64_t addr, unsigned long opaque) {
  if (!retentive && !sbi_env_guest_ram(v, addr, 4))
    rec.misuse++;
  rec.suspend_calls++;
  rec.suspend_retentive = retentive;
  rec.suspend_addr = addr;
  rec.suspend_opaque = opaque;
}

void sbi_env_system_suspend(struct vcpu *v, uint64_t addr, unsigned long opaque) {
  if (!sbi_env_guest_ram(v, addr, 4))
    rec.misuse++;
  rec.system_suspend_calls++;
  rec.system_suspend_addr = addr;
  rec.system_suspend_opaque = opaque;
}

void sbi_env_send_ipi(struct vcpu *v, uint64_t vcpus) {
  if (v->count < 64 && (vcpus >> v->count))
    rec.misuse++;
  rec.ipi_calls++;
  rec.ipi_targets = vcpus;
}

long sbi_env_clear_ipi(struct vcpu *v) {
  (void)v;
  rec.clear_ipi_calls++;
  long was = rec.ipi_pending;
  rec.ipi_pending = 0;
  return was;
}

void sbi_env_remote_fence(struct vcpu *v, uint64_t vcpus, int kind) {
  if ((v->count < 64 && (vcpus >> v->count)) ||
      (kind != SBI_ENV_FENCE_I && kind != SBI_ENV_SFENCE_VMA))
    rec.misuse++;
  rec.fence_calls++;
  rec.fence_targets = vcpus;
  rec.fence_kind = kind;
}

void sbi_env_vm_reset(struct vcpu *v, unsigned long type, unsigned long reason) {
  (void)v;
  rec.reset_calls++;
  rec.reset_type = type;
  rec.reset_reason = reason;
}

unsigned long sbi_env_machine_id(unsigned long base_fid) {
  if (base_fid < SBI_BASE_GET_MVENDORID || base_fid > SBI_BASE_GET_MIMPID)
    rec.misuse++;
  return 0x1000 + base_fid;
}

/* A fresh VM of n vCPUs, the caller (vCPU 0) started, the others stopped. */
static void reset_fakes(unsigned long n) {
  memset(&rec, 0, sizeof(rec));
  memset(ram, 0, RAM_SIZE);
  console_in = NULL;
  console_in_pos = 0;
  start_result = SBI_SUCCESS;
  memset(&vcpu0, 0, sizeof(vcpu0));
  vcpu0.count = n;
  for (unsigned long i = 0; i < MAX_VCPUS; i++)
    vcpu0.hsm[i] = i == 0 ? SBI_HSM_STATE_STARTED : SBI_HSM_STATE_STOPPED;
}

/* Nothing happened through the environment (besides console reads). */
static int quiet(void) {
  return rec.console_len == 0 && rec.timer_calls == 0 && rec.reset_calls == 0 &&
         rec.stop_calls == 0 && rec.start_calls == 0 && rec.suspend_calls == 0 &&
         rec.system_suspend_calls == 0 && rec.ipi_calls == 0 && rec.clear_ipi_calls == 0 &&
         rec.fence_calls == 0 && rec.misuse == 0;
}

/* What the guest sees of a call: what the hypervisor writes back (exit.c:
 * a0 and a1, a0 only for a legacy call, nothing for SBI_NO_RETURN). */
enum sbi_action { SBI_RET, SBI_RET_LEGACY, SBI_RET_NONE };
struct sbi_result {
  long error, value;
  enum sbi_action action;
};

static struct sbi_result call(unsigned long eid, unsigned long fid, unsigned long a0,
                              unsigned long a1, unsigned long a2) {
  struct sbi_call c = {.args = {a0, a1, a2, 0, 0, 0}, .fid = fid, .eid = eid};
  int idx = sbi_ext_index(eid);
  struct sbi_ret r = sbi_proxy_handle(&vcpu0, &c, idx);
  if (r.error == SBI_NO_RETURN)
    return (struct sbi_result){0, 0, SBI_RET_NONE};
  if (idx == SBI_IDX_LEGACY) {
    CHECK_EQ(r.value, a1); /* a legacy call leaves a1 as it was */
    return (struct sbi_result){r.error, 0, SBI_RET_LEGACY};
  }
  return (struct sbi_result){r.error, r.value, SBI_RET};
}

static void check_not_supported(unsigned long eid, unsigned long fid, const char *file, int line) {
  reset_fakes(2);
  struct sbi_result r = call(eid, fid, 1, 0, 0);
  if (!check_result(r.error == SBI_ERR_NOT_SUPPORTED && r.value == 0 && r.action == SBI_RET, file,
                    line))
    fprintf(stderr, "eid 0x%lx fid %lu: error %ld value %ld action %d\n", eid, fid, r.error,
            r.value, (int)r.action);
  if (!check_result(quiet(), file, line))
    fprintf(stderr, "eid 0x%lx fid %lu: an unsupported call did something\n", eid, fid);
}
#define NOT_SUPPORTED(eid, fid) check_not_supported((eid), (fid), __FILE__, __LINE__)

/* An extension's EIDs, as the SBI specification numbers them. */
static const unsigned long implemented[] = {
    SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,  SBI_EXT_RFENCE,
    SBI_EXT_HSM,  SBI_EXT_SRST, SBI_EXT_DBCN, SBI_EXT_SUSP,
};

/* The table's meaning, the slow way: the entry whose EID range holds eid. */
static int table_walk(unsigned long eid) {
  for (int i = 0; i < SBI_IDX_COUNT; i++)
    if (eid >= sbi_ext_table[i].eid_min && eid <= sbi_ext_table[i].eid_max)
      return i;
  return -1;
}

static void test_dispatch(void) {
  NOT_SUPPORTED(0x12345678, 0);
  NOT_SUPPORTED(0x9, 0);  /* just above the legacy range */
  NOT_SUPPORTED(0xF, 0);  /* just below BASE */
  NOT_SUPPORTED(0x11, 0); /* just above BASE */
  NOT_SUPPORTED(SBI_EXT_PMU, 0);
  NOT_SUPPORTED(0x43505043, 0); /* CPPC */
  NOT_SUPPORTED(0x4E41434C, 0); /* NACL */
  NOT_SUPPORTED(0x535441, 0);   /* STA */
  NOT_SUPPORTED(SBI_EXT_TIME + 1, 0);
  NOT_SUPPORTED(0x08000000, 0); /* experimental range */
  NOT_SUPPORTED(0x09000000, 0);
  NOT_SUPPORTED(0xC0000000, 0); /* vendor range */
  NOT_SUPPORTED(0xFFFFFFFF, 0); /* firmware range */
  NOT_SUPPORTED(~0UL, 0);
  /* Unknown functions of known extensions. */
  NOT_SUPPORTED(SBI_EXT_BASE, 7);
  NOT_SUPPORTED(SBI_EXT_BASE, ~0UL);
  NOT_SUPPORTED(SBI_EXT_TIME, 1);
  NOT_SUPPORTED(SBI_EXT_IPI, 1);
  NOT_SUPPORTED(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_GVMA_VMID); /* the guest has no H */
  NOT_SUPPORTED(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_GVMA);
  NOT_SUPPORTED(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_VVMA_ASID);
  NOT_SUPPORTED(SBI_EXT_RFENCE, SBI_RFENCE_HFENCE_VVMA);
  NOT_SUPPORTED(SBI_EXT_RFENCE, 7);
  NOT_SUPPORTED(SBI_EXT_HSM, 4);
  NOT_SUPPORTED(SBI_EXT_HSM, ~0UL);
  NOT_SUPPORTED(SBI_EXT_SRST, 1);
  NOT_SUPPORTED(SBI_EXT_DBCN, 3);
  NOT_SUPPORTED(SBI_EXT_DBCN, ~0UL);
  NOT_SUPPORTED(SBI_EXT_SUSP, 1);

  /* sbi_ext_index agrees with the table's EID ranges, which do not
   * overlap and all have a handler: checked at both ends of every range,
   * just outside them, and against a walk of the table for EIDs around
   * every range and the unsupported ones above. */
  for (int i = 0; i < SBI_IDX_COUNT; i++) {
    const struct sbi_ext *e = &sbi_ext_table[i];
    CHECK(e->eid_min <= e->eid_max);
    CHECK(e->name != NULL);
    CHECK(e->handle != NULL);
    for (int j = 0; j < i; j++)
      CHECK(e->eid_max < sbi_ext_table[j].eid_min || sbi_ext_table[j].eid_max < e->eid_min);
    CHECK_EQ_INT(sbi_ext_index(e->eid_min), i);
    CHECK_EQ_INT(sbi_ext_index(e->eid_max), i);
    for (unsigned long d = 1; d <= 3; d++) {
      CHECK_EQ_INT(sbi_ext_index(e->eid_min - d), table_walk(e->eid_min - d));
      CHECK_EQ_INT(sbi_ext_index(e->eid_max + d), table_walk(e->eid_max + d));
    }
  }
  static const unsigned long others[] = {
      0x12345678, 0x9,        0xF,        0x11,       SBI_EXT_PMU, 0x43505043, 0x4E41434C,
      0x535441,   0x08000000, 0xC0000000, 0xFFFFFFFF, ~0UL,        1UL << 32,  SBI_EXT_HSM << 8};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
    CHECK_EQ_INT(sbi_ext_index(others[i]), -1);
  CHECK_EQ_INT(sbi_ext_index(SBI_EXT_0_1_CONSOLE_GETCHAR), SBI_IDX_LEGACY);
  CHECK_EQ_INT(sbi_ext_index(SBI_EXT_DBCN), SBI_IDX_DBCN);
}

static void test_base(void) {
  reset_fakes(1);
  struct sbi_result r = call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 0x2000000); /* 2.0: major in bits 30:24, minor in 23:0 */
  CHECK_EQ_INT(r.action, SBI_RET);
  r = call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, SBI_IMPL_ID_RUSTYVISOR);
  r = call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK(r.value > 0);
  for (unsigned long fid = SBI_BASE_GET_MVENDORID; fid <= SBI_BASE_GET_MIMPID; fid++) {
    r = call(SBI_EXT_BASE, fid, 0, 0, 0);
    CHECK_EQ_INT(r.error, SBI_SUCCESS);
    CHECK_EQ_INT(r.value, 0x1000 + fid);
  }

  /* probe_extension is truthful: 1 for the table's extensions, over each
   * one's whole EID range... */
  for (int i = 0; i < SBI_IDX_COUNT; i++) {
    const struct sbi_ext *e = &sbi_ext_table[i];
    for (unsigned long eid = e->eid_min;; eid++) {
      r = call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, eid, 0, 0);
      CHECK_EQ_INT(r.error, SBI_SUCCESS);
      CHECK_EQ_INT(r.value, 1);
      if (eid == e->eid_max) /* eid_max may be the largest EID */
        break;
    }
  }
  /* ... which are the ones the specification numbers so, and the legacy calls. */
  for (size_t i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++)
    CHECK_EQ_INT(call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, implemented[i], 0, 0).value, 1);
  for (unsigned long eid = SBI_EXT_0_1_SET_TIMER; eid <= SBI_EXT_0_1_SHUTDOWN; eid++)
    CHECK_EQ_INT(call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, eid, 0, 0).value, 1);
  static const unsigned long absent[] = {SBI_EXT_PMU, 0x43505043, 0x4E41434C, 0x535441,
                                         0x9,         0x12345678, ~0UL};
  for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
    r = call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, absent[i], 0, 0);
    CHECK_EQ_INT(r.error, SBI_SUCCESS);
    CHECK_EQ_INT(r.value, 0);
  }
  CHECK(quiet());
}

static void test_time(void) {
  reset_fakes(1);
  struct sbi_result r = call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, 0x123456789abcUL, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK_EQ_INT(rec.timer_calls, 1);
  CHECK_EQ(rec.timer_value, 0x123456789abcUL);
  r = call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, ~0UL, 0, 0); /* "never" */
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ(rec.timer_value, UINT64_MAX);
}

static struct sbi_result dbcn(unsigned long fid, unsigned long num, unsigned long lo,
                              unsigned long hi) {
  return call(SBI_EXT_DBCN, fid, num, lo, hi);
}

static void test_dbcn_write(void) {
  reset_fakes(1);
  memcpy(ram + 0x100, "hello, console", 14);
  struct sbi_result r = dbcn(SBI_DBCN_WRITE, 5, RAM_GPA + 0x100, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 5);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK_EQ(rec.console_len, 5);
  CHECK(memcmp(rec.console, "hello", 5) == 0);
  /* Zero bytes: nothing written, success. */
  r = dbcn(SBI_DBCN_WRITE, 0, RAM_GPA + 0x100, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 0);
  CHECK_EQ(rec.console_len, 5);
  /* The last bytes of RAM. */
  memcpy(ram + RAM_SIZE - 3, "end", 3);
  r = dbcn(SBI_DBCN_WRITE, 3, RAM_GPA + RAM_SIZE - 3, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 3);
  CHECK(memcmp(rec.console + 5, "end", 3) == 0);
  /* A long write may be partial, but what it reports is what it wrote. */
  for (size_t i = 0; i < RAM_SIZE; i++)
    ram[i] = (uint8_t)('a' + i % 26);
  rec.console_len = 0;
  r = dbcn(SBI_DBCN_WRITE, RAM_SIZE, RAM_GPA, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK(r.value > 0 && (unsigned long)r.value <= RAM_SIZE);
  CHECK_EQ(rec.console_len, (size_t)r.value);
  CHECK(memcmp(rec.console, ram, rec.console_len) == 0);

  /* write_byte: the low 8 bits of a0. */
  rec.console_len = 0;
  r = dbcn(SBI_DBCN_WRITE_BYTE, 0x12345678UL, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 0);
  CHECK_EQ(rec.console_len, 1);
  CHECK_EQ(rec.console[0], 0x78);
  CHECK_EQ_INT(rec.misuse, 0);
}

/* Buffers the proxy must refuse for write and read: nothing reaches the
 * console, no input is consumed and RAM is left alone. */
static void test_dbcn_bad_buffers(void) {
  static const struct {
    unsigned long num, lo, hi;
  } bad[] = {
      {1, RAM_GPA - 1, 0},                      /* below RAM */
      {16, RAM_GPA - 0x1000, 0},                /* below RAM */
      {2, RAM_GPA - 1, 0},                      /* straddling the start */
      {0, RAM_GPA - 1, 0},                      /* empty, but not in RAM */
      {5, RAM_GPA + RAM_SIZE - 2, 0},           /* straddling the end */
      {1, RAM_GPA + RAM_SIZE, 0},               /* just past the end */
      {0, RAM_GPA + RAM_SIZE, 0},               /* empty, just past the end */
      {5000, RAM_GPA + RAM_SIZE - 4096 + 1, 0}, /* the first chunk straddles the end */
      {RAM_SIZE + 1, RAM_GPA, 0},               /* longer than RAM */
      {0x100000, RAM_GPA + 0x100, 0},           /* far beyond the end */
      {5, RAM_GPA + 0x100, 1},                  /* base_hi != 0 */
      {5, RAM_GPA + 0x100, ~0UL},
      {0, RAM_GPA, 1},
      {~0UL, RAM_GPA + 0x100, 0},               /* len wrapping around 2^64 */
      {0UL - 0x100 + 0x10, RAM_GPA + 0x100, 0}, /* lo + num wraps to inside RAM */
      {0UL - RAM_GPA, RAM_GPA, 0},              /* lo + num wraps to exactly 0 */
      {16, ~0UL - 7, 0},                        /* lo + num wraps */
      {16, 0, 0},
  };
  for (int fid = SBI_DBCN_WRITE; fid <= SBI_DBCN_READ; fid++) {
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      reset_fakes(1);
      console_in = "input waiting";
      memset(ram, 0xEE, RAM_SIZE);
      struct sbi_result r = dbcn((unsigned long)fid, bad[i].num, bad[i].lo, bad[i].hi);
      if (!check_result(r.error == SBI_ERR_INVALID_PARAM && r.action == SBI_RET, __FILE__,
                        __LINE__))
        fprintf(stderr, "DBCN %s case %zu (num 0x%lx lo 0x%lx hi 0x%lx): error %ld\n",
                fid == SBI_DBCN_WRITE ? "write" : "read", i, bad[i].num, bad[i].lo, bad[i].hi,
                r.error);
      CHECK(quiet());
      CHECK_EQ(console_in_pos, 0);
      size_t touched = 0;
      for (size_t b = 0; b < RAM_SIZE; b++)
        touched += ram[b] != 0xEE;
      CHECK_EQ(touched, 0);
    }
  }
}

static void test_dbcn_read(void) {
  reset_fakes(1);
  /* Only the bytes the console has; the rest of the buffer is untouched. */
  console_in = "abc";
  memset(ram, 0xEE, 64);
  struct sbi_result r = dbcn(SBI_DBCN_READ, 10, RAM_GPA + 16, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 3);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK(memcmp(ram + 16, "abc", 3) == 0);
  CHECK_EQ(ram[19], 0xEE);
  CHECK_EQ(ram[15], 0xEE);
  /* Nothing waiting: zero bytes. */
  r = dbcn(SBI_DBCN_READ, 10, RAM_GPA + 16, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 0);
  CHECK_EQ(ram[19], 0xEE);
  /* A short buffer takes what fits; the rest stays for the next read. */
  console_in = "wxyz";
  console_in_pos = 0;
  r = dbcn(SBI_DBCN_READ, 2, RAM_GPA + RAM_SIZE - 2, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 2);
  CHECK(memcmp(ram + RAM_SIZE - 2, "wx", 2) == 0);
  r = dbcn(SBI_DBCN_READ, 10, RAM_GPA, 0);
  CHECK_EQ_INT(r.value, 2);
  CHECK(memcmp(ram, "yz", 2) == 0);
  r = dbcn(SBI_DBCN_READ, 0, RAM_GPA, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, 0);
  CHECK(quiet()); /* reading echoes nothing */
}

static void test_srst(void) {
  static const unsigned long ok[][2] = {
      {SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE},
      {SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_SYSFAIL},
      {SBI_SRST_TYPE_WARM_REBOOT, SBI_SRST_REASON_NONE},
  };
  for (size_t i = 0; i < 3; i++) {
    reset_fakes(1);
    struct sbi_result r = call(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, ok[i][0], ok[i][1], 0);
    CHECK_EQ_INT(r.action, SBI_RET_NONE);
    CHECK_EQ_INT(rec.reset_calls, 1);
    CHECK_EQ(rec.reset_type, ok[i][0]);
    CHECK_EQ(rec.reset_reason, ok[i][1]);
  }
  /* Reserved, vendor and platform-specific values are refused; nothing resets. */
  static const unsigned long bad[][2] = {
      {3, 0}, {0x1000, 0},     {0xEFFFFFFF, 0}, {0xF0000000, 0}, {0xFFFFFFFF, 0}, {~0UL, 0},
      {0, 2}, {0, 0xEFFFFFFF}, {0, 0xF0000000}, {1, 0xFFFFFFFF}, {~0UL, ~0UL},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    reset_fakes(1);
    struct sbi_result r = call(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, bad[i][0], bad[i][1], 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
    CHECK_EQ_INT(r.action, SBI_RET);
    CHECK(quiet());
  }
}

/* hart_mask decoding as the SBI spec words it, one bit at a time. */
static long hartmask_reference(unsigned long mask, unsigned long base, unsigned long nharts,
                               uint64_t *out) {
  uint64_t all = nharts >= 64 ? ~0ULL : (1ULL << nharts) - 1;
  *out = 0;
  if (base == (unsigned long)-1) {
    *out = all;
    return SBI_SUCCESS;
  }
  for (unsigned i = 0; i < 64; i++) {
    if (!((mask >> i) & 1))
      continue;
    unsigned long hart = base + i;
    if (hart < base || hart >= nharts)
      return SBI_ERR_INVALID_PARAM;
    *out |= 1ULL << hart;
  }
  return SBI_SUCCESS;
}

static void test_hartmask(void) {
  uint64_t out = 0x5555;
  /* base == -1: every hart, whatever the mask. */
  CHECK_EQ_INT(sbi_hartmask_decode(0, ~0UL, 3, &out), SBI_SUCCESS);
  CHECK_EQ(out, 0x7);
  CHECK_EQ_INT(sbi_hartmask_decode(~0UL, ~0UL, 1, &out), SBI_SUCCESS);
  CHECK_EQ(out, 0x1);
  CHECK_EQ_INT(sbi_hartmask_decode(0, ~0UL, 64, &out), SBI_SUCCESS);
  CHECK_EQ(out, ~0ULL);
  /* Bits relative to base. */
  CHECK_EQ_INT(sbi_hartmask_decode(0x5, 0, 3, &out), SBI_SUCCESS);
  CHECK_EQ(out, 0x5);
  CHECK_EQ_INT(sbi_hartmask_decode(0x3, 2, 8, &out), SBI_SUCCESS);
  CHECK_EQ(out, 0xC);
  CHECK_EQ_INT(sbi_hartmask_decode(0x1, 7, 8, &out), SBI_SUCCESS);
  CHECK_EQ(out, 0x80);
  CHECK_EQ_INT(sbi_hartmask_decode(0, 0, 8, &out), SBI_SUCCESS);
  CHECK_EQ(out, 0);
  CHECK_EQ_INT(sbi_hartmask_decode(1UL << 63, 0, 64, &out), SBI_SUCCESS);
  CHECK_EQ(out, 1ULL << 63);
  CHECK_EQ_INT(sbi_hartmask_decode(~0UL, 0, 64, &out), SBI_SUCCESS);
  CHECK_EQ(out, ~0ULL);
  /* A bit naming a hart that does not exist. */
  CHECK_EQ_INT(sbi_hartmask_decode(0x8, 0, 3, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(0x1, 3, 3, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(0x3, 7, 8, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(1UL << 63, 1, 64, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(0x1, 64, 64, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(0x1, 1UL << 40, 8, &out), SBI_ERR_INVALID_PARAM);
  /* base + bit wrapping around to a valid hart number. */
  CHECK_EQ_INT(sbi_hartmask_decode(0x4, ~0UL - 1, 8, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(1UL << 63, 1UL << 63, 8, &out), SBI_ERR_INVALID_PARAM);
  CHECK_EQ_INT(sbi_hartmask_decode(0x2, ~0UL - 1, 8, &out), SBI_ERR_INVALID_PARAM);

  /* The same as the bit-by-bit reading for random masks, bases near and
   * far from the harts, and every machine size. */
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  for (int n = 0; n < 200000; n++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    unsigned long r = (unsigned long)(seed >> 11);
    unsigned long nharts = 1 + r % 64;
    unsigned long mask = (r >> 8) & 7 ? (r >> 16) & ((1UL << (r >> 6 & 63)) - 1) : ~0UL << (r & 63);
    unsigned long base = (r >> 12) & 1 ? (r >> 20) % 70 : ~0UL - (r >> 24) % 66;
    uint64_t want, got = 0x5555;
    long ew = hartmask_reference(mask, base, nharts, &want);
    long eg = sbi_hartmask_decode(mask, base, nharts, &got);
    CHECK_EQ_INT(eg, ew);
    if (ew == SBI_SUCCESS)
      CHECK_EQ(got, want);
  }
}

static void test_ipi_rfence(void) {
  reset_fakes(4);
  struct sbi_result r = call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0x5, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK_EQ_INT(rec.ipi_calls, 1);
  CHECK_EQ(rec.ipi_targets, 0x5);
  r = call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0x3, 2, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ(rec.ipi_targets, 0xC);
  r = call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, ~0UL, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ(rec.ipi_targets, 0xF);
  CHECK_EQ_INT(rec.ipi_calls, 3);
  static const unsigned long bad[][2] = {
      {0x10, 0}, {0x1, 4}, {0x3, 3}, {0x1, ~0UL - 1}, {0x4, ~0UL - 1}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    reset_fakes(4);
    r = call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, bad[i][0], bad[i][1], 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
    CHECK(quiet());
    static const unsigned long fids[] = {SBI_RFENCE_FENCE_I, SBI_RFENCE_SFENCE_VMA,
                                         SBI_RFENCE_SFENCE_VMA_ASID};
    for (size_t f = 0; f < 3; f++) {
      r = call(SBI_EXT_RFENCE, fids[f], bad[i][0], bad[i][1], 0);
      CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
      CHECK(quiet());
    }
  }

  reset_fakes(4);
  r = call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0x6, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(rec.fence_calls, 1);
  CHECK_EQ(rec.fence_targets, 0x6);
  CHECK_EQ_INT(rec.fence_kind, SBI_ENV_FENCE_I);
  r = call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 0x1, 3, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ(rec.fence_targets, 0x8);
  CHECK_EQ_INT(rec.fence_kind, SBI_ENV_SFENCE_VMA);
  struct sbi_call c = {.args = {0, ~0UL, 0x1000, 0x2000, 7, 0},
                       .fid = SBI_RFENCE_SFENCE_VMA_ASID,
                       .eid = SBI_EXT_RFENCE};
  CHECK_EQ_INT(sbi_proxy_handle(&vcpu0, &c, SBI_IDX_RFENCE).error, SBI_SUCCESS);
  CHECK_EQ(rec.fence_targets, 0xF);
  CHECK_EQ_INT(rec.fence_kind, SBI_ENV_SFENCE_VMA); /* at least what was asked */
  CHECK_EQ_INT(rec.fence_calls, 3);
  CHECK_EQ_INT(rec.misuse, 0);
}

static void test_legacy(void) {
  reset_fakes(3);
  struct sbi_result r = call(SBI_EXT_0_1_CONSOLE_PUTCHAR, 0, 'A', 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
  CHECK_EQ_INT(r.error, 0);
  r = call(SBI_EXT_0_1_CONSOLE_PUTCHAR, 0, 0x100 | 'B', 0xa1a1a1a1UL, 0); /* a1 kept (call()) */
  CHECK_EQ_INT(r.error, 0);
  CHECK_EQ(rec.console_len, 2);
  CHECK(memcmp(rec.console, "AB", 2) == 0);

  console_in = "z\xff";
  r = call(SBI_EXT_0_1_CONSOLE_GETCHAR, 0, 0, 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
  CHECK_EQ_INT(r.error, 'z');
  r = call(SBI_EXT_0_1_CONSOLE_GETCHAR, 0, 0, ~0UL, 0);
  CHECK_EQ_INT(r.error, 0xff); /* a byte, not -1 */
  r = call(SBI_EXT_0_1_CONSOLE_GETCHAR, 0, 0, 0, 0);
  CHECK_EQ_INT(r.error, -1); /* nothing waiting */

  r = call(SBI_EXT_0_1_SET_TIMER, 0, 0xabcdef012345UL, 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
  CHECK_EQ_INT(r.error, 0);
  CHECK_EQ_INT(rec.timer_calls, 1);
  CHECK_EQ(rec.timer_value, 0xabcdef012345UL);

  r = call(SBI_EXT_0_1_CLEAR_IPI, 0, 0, 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
  CHECK_EQ_INT(r.error, 0); /* none was pending */
  CHECK_EQ_INT(rec.clear_ipi_calls, 1);
  rec.ipi_pending = 1;
  r = call(SBI_EXT_0_1_CLEAR_IPI, 0, 0, 0, 0);
  CHECK_EQ_INT(r.error, 1); /* one was pending (SBI 5.4: a positive value) */
  rec.clear_ipi_calls = 0;
  r = call(SBI_EXT_0_1_CLEAR_IPI, 0, 0, 0, 0);

  /* Hart masks are read from guest memory. */
  unsigned long mask = 0x6;
  memcpy(ram + 0x800, &mask, sizeof(mask));
  r = call(SBI_EXT_0_1_SEND_IPI, 0, RAM_GPA + 0x800, 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
  CHECK_EQ_INT(r.error, 0);
  CHECK_EQ_INT(rec.ipi_calls, 1);
  CHECK_EQ(rec.ipi_targets, 0x6);
  r = call(SBI_EXT_0_1_REMOTE_FENCE_I, 0, RAM_GPA + 0x800, 0, 0);
  CHECK_EQ_INT(r.error, 0);
  CHECK_EQ(rec.fence_targets, 0x6);
  CHECK_EQ_INT(rec.fence_kind, SBI_ENV_FENCE_I);
  for (unsigned long eid = SBI_EXT_0_1_REMOTE_SFENCE_VMA; eid <= SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID;
       eid++) {
    rec.fence_kind = 0;
    r = call(eid, 0, RAM_GPA + 0x800, 0x1000, 0x1000);
    CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
    CHECK_EQ_INT(r.error, 0);
    CHECK_EQ_INT(rec.fence_kind, SBI_ENV_SFENCE_VMA);
  }
  CHECK_EQ_INT(rec.fence_calls, 3);
  /* A mask naming a hart that does not exist, or a pointer outside RAM. */
  mask = 0x8;
  memcpy(ram + 0x800, &mask, sizeof(mask));
  static const unsigned long eids[] = {SBI_EXT_0_1_SEND_IPI, SBI_EXT_0_1_REMOTE_FENCE_I,
                                       SBI_EXT_0_1_REMOTE_SFENCE_VMA,
                                       SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID};
  for (size_t i = 0; i < 4; i++) {
    r = call(eids[i], 0, RAM_GPA + 0x800, 0, 0);
    CHECK_EQ_INT(r.action, SBI_RET_LEGACY);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
    static const unsigned long ptrs[] = {0, RAM_GPA - 8, RAM_GPA + RAM_SIZE - 4, ~0UL - 3};
    /* SBI 5: a fault taken while reading the mask goes back to the guest,
     * at the ecall: nothing is returned in a0. */
    for (size_t p = 0; p < 4; p++) {
      int before = rec.faults_redirected;
      r = call(eids[i], 0, ptrs[p], 0, 0);
      CHECK_EQ_INT(r.action, SBI_RET_NONE);
      CHECK_EQ_INT(rec.faults_redirected, before + 1);
    }
  }
  CHECK_EQ_INT(rec.ipi_calls, 1);
  CHECK_EQ_INT(rec.fence_calls, 3);

  CHECK_EQ_INT(rec.reset_calls, 0);
  r = call(SBI_EXT_0_1_SHUTDOWN, 0, 0, 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_NONE);
  CHECK_EQ_INT(rec.reset_calls, 1);
  CHECK_EQ(rec.reset_type, SBI_SRST_TYPE_SHUTDOWN);
  CHECK_EQ(rec.reset_reason, SBI_SRST_REASON_NONE);
  CHECK_EQ_INT(rec.misuse, 0);
}

static void test_hsm(void) {
  reset_fakes(2);
  struct sbi_result r = call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, SBI_HSM_STATE_STARTED);
  CHECK_EQ_INT(r.action, SBI_RET);
  r = call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 1, 0, 0);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.value, SBI_HSM_STATE_STOPPED);
  /* Harts that do not exist. */
  static const unsigned long harts[] = {2, 3, 1000, ~0UL, 0x8000000000000000UL};
  for (size_t i = 0; i < sizeof(harts) / sizeof(harts[0]); i++) {
    r = call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, harts[i], 0, 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
    r = call(SBI_EXT_HSM, SBI_HSM_HART_START, harts[i], RAM_GPA, 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
  }
  CHECK(quiet()); /* in particular, never asked about a hart that does not exist */

  /* hart_start: the start address must be in RAM. */
  static const unsigned long bad_addr[] = {0, RAM_GPA - 4, RAM_GPA + RAM_SIZE - 2,
                                           RAM_GPA + RAM_SIZE, ~0UL - 1};
  for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
    r = call(SBI_EXT_HSM, SBI_HSM_HART_START, 1, bad_addr[i], 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_ADDRESS);
    CHECK_EQ_INT(r.action, SBI_RET);
  }
  CHECK(quiet());
  r = call(SBI_EXT_HSM, SBI_HSM_HART_START, 1, RAM_GPA + RAM_SIZE - 4, 0xfeed);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK_EQ_INT(rec.start_calls, 1);
  CHECK_EQ(rec.start_hart, 1);
  CHECK_EQ(rec.start_addr, RAM_GPA + RAM_SIZE - 4);
  CHECK_EQ(rec.start_opaque, 0xfeed);
  /* The environment's answer (e.g. already started) is passed on. */
  start_result = SBI_ERR_ALREADY_AVAILABLE;
  r = call(SBI_EXT_HSM, SBI_HSM_HART_START, 0, RAM_GPA, 0);
  CHECK_EQ_INT(r.error, SBI_ERR_ALREADY_AVAILABLE);
  CHECK_EQ_INT(rec.start_calls, 2);

  /* hart_stop stops the caller, which does not return to the guest. */
  r = call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0);
  CHECK_EQ_INT(r.action, SBI_RET_NONE);
  CHECK_EQ_INT(rec.stop_calls, 1);
  CHECK_EQ_INT(vcpu0.hsm[0], SBI_HSM_STATE_STOPPED);

  /* hart_suspend: the two default types. */
  reset_fakes(2);
  /* Retentive: answered SBI_SUCCESS, which the guest sees once resumed. */
  r = call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_RET_DEFAULT, 0xdead, 0x1);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(rec.suspend_calls, 1);
  CHECK_EQ_INT(rec.suspend_retentive, 1); /* resume_addr is ignored */
  r = call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_NON_RET_DEFAULT, RAM_GPA + 0x40, 0x2);
  CHECK_EQ_INT(r.action, SBI_RET_NONE);
  CHECK_EQ_INT(rec.suspend_calls, 2);
  CHECK_EQ_INT(rec.suspend_retentive, 0);
  CHECK_EQ(rec.suspend_addr, RAM_GPA + 0x40);
  CHECK_EQ(rec.suspend_opaque, 0x2);
  reset_fakes(2);
  static const unsigned long bad_types[] = {
      1,          0x0FFFFFFF, 0x10000000, 0x7FFFFFFF,    0x80000001,
      0x8FFFFFFF, 0x90000000, 0xFFFFFFFF, 0x100000001UL, ~0UL};
  for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
    r = call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, bad_types[i], RAM_GPA, 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
    CHECK_EQ_INT(r.action, SBI_RET);
  }
  /* suspend_type is 32 bits wide: only the low half counts (SBI 3). */
  r = call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0xFFFFFFFF00000000UL, RAM_GPA, 0);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK_EQ_INT(r.error, SBI_SUCCESS);
  CHECK_EQ_INT(rec.suspend_retentive, 1);
  reset_fakes(2);
  for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
    r = call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_NON_RET_DEFAULT, bad_addr[i], 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_ADDRESS);
    CHECK_EQ_INT(r.action, SBI_RET);
  }
  CHECK(quiet());
}

static void test_susp(void) {
  /* Allowed only when every other vCPU is stopped. */
  reset_fakes(3);
  struct sbi_result r = call(SBI_EXT_SUSP, 0, 0, RAM_GPA + 0x100, 0x77);
  CHECK_EQ_INT(r.action, SBI_RET_NONE);
  CHECK_EQ_INT(rec.system_suspend_calls, 1);
  CHECK_EQ(rec.system_suspend_addr, RAM_GPA + 0x100);
  CHECK_EQ(rec.system_suspend_opaque, 0x77);
  reset_fakes(3);
  vcpu0.hsm[2] = SBI_HSM_STATE_SUSPENDED;
  r = call(SBI_EXT_SUSP, 0, 0, RAM_GPA + 0x100, 0);
  CHECK_EQ_INT(r.error, SBI_ERR_DENIED);
  CHECK_EQ_INT(r.action, SBI_RET);
  CHECK(quiet());
  /* The caller need not be vCPU 0. */
  reset_fakes(2);
  vcpu0.id = 1;
  vcpu0.hsm[0] = SBI_HSM_STATE_STOPPED;
  vcpu0.hsm[1] = SBI_HSM_STATE_STARTED;
  r = call(SBI_EXT_SUSP, 0, 0, RAM_GPA, 0);
  CHECK_EQ_INT(r.action, SBI_RET_NONE);
  CHECK_EQ_INT(rec.system_suspend_calls, 1);
  /* Reserved and platform-specific sleep types; resume addresses outside RAM. */
  reset_fakes(1);
  static const unsigned long types[] = {1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, ~0UL};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    r = call(SBI_EXT_SUSP, 0, types[i], RAM_GPA, 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_PARAM);
  }
  static const unsigned long addrs[] = {0, RAM_GPA - 4, RAM_GPA + RAM_SIZE - 3, ~0UL};
  for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
    r = call(SBI_EXT_SUSP, 0, 0, addrs[i], 0);
    CHECK_EQ_INT(r.error, SBI_ERR_INVALID_ADDRESS);
  }
  CHECK(quiet());
}

int main(void) {
  ram = malloc(RAM_SIZE);
  test_dispatch();
  test_base();
  test_time();
  test_dbcn_write();
  test_dbcn_bad_buffers();
  test_dbcn_read();
  test_srst();
  test_hartmask();
  test_ipi_rfence();
  test_legacy();
  test_hsm();
  test_susp();
  free(ram);
  return check_report("sbi_proxy");
}
