/* The guests' SBI: one table of extensions, looked up by EID range, each
 * extension in a file of its own (sbi-proxy/<ext>.c). */
#ifndef RV_SBI_PROXY_H
#define RV_SBI_PROXY_H
#include "sbi_defs.h"
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct sbi_call {
  unsigned long eid, fid; /* a7, a6 */
  unsigned long args[6];  /* a0..a5 */
};

enum sbi_action {
  SBI_RET,        /* write error to a0 and value to a1, step over the ecall */
  SBI_RET_LEGACY, /* v0.1 call: write error to a0 only, step over the ecall */
  SBI_RET_NONE,   /* the handler changed the vCPU itself (stopped, reset...) */
};

struct sbi_result {
  long error;
  long value;
  enum sbi_action action;
};

struct sbi_ext {
  unsigned long eid_min, eid_max;
  const char *name;
  void (*handle)(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
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

/* The extension serving eid, or NULL; *index gets its table index. */
const struct sbi_ext *sbi_ext_find(unsigned long eid, int *index);
/* Handle one call; unknown EIDs and FIDs get SBI_ERR_NOT_SUPPORTED.
 * Returns the extension's index in sbi_ext_table, or -1 for none. */
int sbi_proxy_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);

/* Decode hart_mask/hart_mask_base (SBI spec v2.0, 3.1) over nharts harts
 * (at most 64) into a bit set. base == -1 means every hart. A bit naming a
 * hart that does not exist makes the call SBI_ERR_INVALID_PARAM. */
long sbi_hartmask_decode(unsigned long mask, unsigned long base, unsigned long nharts,
                         uint64_t *out);

/* The extensions (one file each). */
void sbi_base_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_time_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_ipi_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_rfence_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_hsm_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_srst_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_dbcn_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_susp_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);
void sbi_legacy_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r);

#endif
