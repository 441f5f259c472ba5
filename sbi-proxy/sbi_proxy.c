/* SBI dispatch (SBI spec v2.0, chapter 3): the extension table and the
 * call of an extension's handler through it. */
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

struct sbi_ret sbi_proxy_handle(struct vcpu *v, const struct sbi_call *c, int idx) {
  if (idx < 0)
    return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  return sbi_ext_table[idx].handle(v, c);
}

long sbi_hartmask_decode(unsigned long mask, unsigned long base, unsigned long nharts,
                         uint64_t *out) {
  uint64_t all = nharts >= 64 ? ~0ULL : (1ULL << nharts) - 1;
  *out = 0;
  if (base == (unsigned long)-1) {
    *out = all;
    return SBI_SUCCESS;
  }
  if (!mask)
    return SBI_SUCCESS;
  /* Every set bit names hart base + i: all of them must exist. A bit
   * shifted out past hart 63 names a hart that cannot exist either. */
  uint64_t set = base < 64 ? (uint64_t)mask << base : 0;
  if (base >= nharts || set >> base != mask || (set & ~all))
    return SBI_ERR_INVALID_PARAM;
  *out = set;
  return SBI_SUCCESS;
}
