/* The guests' SBI: one table of extensions, each in a file of its own
 * (sbi-proxy/<ext>.c), found by EID with sbi_ext_index(). */
#ifndef RV_SBI_PROXY_H
#define RV_SBI_PROXY_H
#include "sbi_defs.h"
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* A call as the guest made it: its a0-a7, in register order, so that the
 * hypervisor hands handlers its saved registers without a copy. */
struct sbi_call {
  unsigned long args[6]; /* a0..a5 */
  unsigned long fid;     /* a6 */
  unsigned long eid;     /* a7 */
};

/* A handler's answer, returned in registers (a0/a1 of the C calling
 * convention): error goes to the guest's a0 and value to its a1, and the
 * ecall is stepped over. A legacy (v0.1) call returns only a0: its handler
 * gives back the guest's a1 as value. error == SBI_NO_RETURN: the handler
 * changed the vCPU itself (stopped it, reset it, suspended it, sent it a
 * fault), so nothing is written back. */
struct sbi_ret {
  long error;
  long value;
};

/* Not an SBI error code nor a legacy answer (those are small): in the range of
 * one addi, so that the exit path tests it in one instruction less than
 * LONG_MIN. */
#define SBI_NO_RETURN (-2048L)

static inline struct sbi_ret sbi_ret(long error, long value) {
  return (struct sbi_ret){error, value};
}

struct sbi_ext {
  unsigned long eid_min, eid_max;
  const char *name;
  struct sbi_ret (*handle)(struct vcpu *v, const struct sbi_call *c);
};

/* Index of each extension in sbi_ext_table, for per-extension counters. */
enum sbi_ext_index {
  SBI_IDX_TIME,
  SBI_IDX_IPI,
  SBI_IDX_RFENCE,
  SBI_IDX_BASE,
  SBI_IDX_HSM,
  SBI_IDX_SRST,
  SBI_IDX_DBCN,
  SBI_IDX_SUSP,
  SBI_IDX_LEGACY,
  SBI_IDX_COUNT
};

extern const struct sbi_ext sbi_ext_table[SBI_IDX_COUNT];

/* The index in sbi_ext_table of the extension serving eid, or -1. A switch
 * rather than a walk of the table: the compiler makes it a short compare
 * tree, inlined in the exit path (the unit test checks it against the
 * table's ranges). */
static inline int sbi_ext_index(unsigned long eid) {
  if (eid <= SBI_EXT_0_1_SHUTDOWN)
    return SBI_IDX_LEGACY;
  switch (eid) {
  case SBI_EXT_BASE: return SBI_IDX_BASE;
  case SBI_EXT_TIME: return SBI_IDX_TIME;
  case SBI_EXT_IPI: return SBI_IDX_IPI;
  case SBI_EXT_RFENCE: return SBI_IDX_RFENCE;
  case SBI_EXT_HSM: return SBI_IDX_HSM;
  case SBI_EXT_SRST: return SBI_IDX_SRST;
  case SBI_EXT_DBCN: return SBI_IDX_DBCN;
  case SBI_EXT_SUSP: return SBI_IDX_SUSP;
  default: return -1;
  }
}
/* Handle one call of extension idx (sbi_ext_index of its EID, -1 for
 * none); unknown EIDs and FIDs get SBI_ERR_NOT_SUPPORTED. */
struct sbi_ret sbi_proxy_handle(struct vcpu *v, const struct sbi_call *c, int idx);

/* Decode hart_mask/hart_mask_base (SBI spec v2.0, 3.1) over nharts harts
 * (at most 64) into a bit set. base == -1 means every hart. A bit naming a
 * hart that does not exist makes the call SBI_ERR_INVALID_PARAM. */
long sbi_hartmask_decode(unsigned long mask, unsigned long base, unsigned long nharts,
                         uint64_t *out);

/* The extensions (one file each). */
struct sbi_ret sbi_base_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_time_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_ipi_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_rfence_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_hsm_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_srst_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_dbcn_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_susp_handle(struct vcpu *v, const struct sbi_call *c);
struct sbi_ret sbi_legacy_handle(struct vcpu *v, const struct sbi_call *c);
/* Legacy console_putchar alone: its a0 (the rest of the guest's registers
 * stay). The hypervisor's ecall fast path calls it directly: it carries
 * early boot consoles (Linux's earlycon=sbi) a byte per call. */
long sbi_legacy_putchar(struct vcpu *v, const struct sbi_call *c);

#endif
