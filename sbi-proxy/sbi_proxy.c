/* SBI dispatch (SBI spec v2.0, chapter 3): the extension table, hot
 * extensions first, and one lookup by EID range. */
#include "sbi_proxy.h"
#include <stddef.h>

const struct sbi_ext sbi_ext_table[SBI_IDX_COUNT] = {
    [SBI_IDX_TIME] = {SBI_EXT_TIME, SBI_EXT_TIME, "TIME", sbi_time_handle},
    [SBI_IDX_IPI] = {SBI_EXT_IPI, SBI_EXT_IPI, "IPI", sbi_ipi_handle},
    [SBI_IDX_RFENCE] = {SBI_EXT_RFENCE, SBI_EXT_RFENCE, "RFENCE", sbi_rfence_handle},
    [SBI_IDX_BASE] = {SBI_EXT_BASE, SBI_EXT_BASE, "BASE", sbi_base_handle},
    [SBI_IDX_HSM] = {SBI_EXT_HSM, SBI_EXT_HSM, "HSM", sbi_hsm_handle},
    [SBI_IDX_SRST] = {SBI_EXT_SRST, SBI_EXT_SRST, "SRST", sbi_srst_handle},
    [SBI_IDX_DBCN] = {SBI_EXT_DBCN, SBI_EXT_DBCN, "DBCN", sbi_dbcn_handle},
    [SBI_IDX_SUSP] = {SBI_EXT_SUSP, SBI_EXT_SUSP, "SUSP", sbi_susp_handle},
    [SBI_IDX_LEGACY] = {SBI_EXT_0_1_SET_TIMER, SBI_EXT_0_1_SHUTDOWN, "legacy", sbi_legacy_handle},
};

const struct sbi_ext *sbi_ext_find(unsigned long eid, int *index) {
  for (int i = 0; i < SBI_IDX_COUNT; i++) {
    const struct sbi_ext *e = &sbi_ext_table[i];
    if (eid >= e->eid_min && eid <= e->eid_max && e->handle) {
      if (index)
        *index = i;
      return e;
    }
  }
  return NULL;
}

int sbi_proxy_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  r->error = SBI_ERR_NOT_SUPPORTED;
  r->value = 0;
  r->action = SBI_RET;
  int idx = -1;
  const struct sbi_ext *e = sbi_ext_find(c->eid, &idx);
  if (e)
    e->handle(v, c, r);
  return idx;
}

long sbi_hartmask_decode(unsigned long mask, unsigned long base, unsigned long nharts,
                         uint64_t *out) {
  uint64_t all = nharts >= 64 ? ~0ULL : (1ULL << nharts) - 1;
  if (base == (unsigned long)-1) {
    *out = all;
    return SBI_SUCCESS;
  }
  *out = 0;
  for (unsigned i = 0; i < 64 && mask >> i; i++) {
    if (!((mask >> i) & 1))
      continue;
    unsigned long hart = base + i;
    if (hart < base || hart >= nharts)
      return SBI_ERR_INVALID_PARAM;
    *out |= 1ULL << hart;
  }
  return SBI_SUCCESS;
}
