/* Hart State Management extension (SBI spec v2.0, chapter 9). */
#include "sbi_env.h"
#include "sbi_proxy.h"

static struct sbi_ret hart_suspend(struct vcpu *v, const struct sbi_call *c) {
  /* suspend_type is 32 bits wide (SBI 3: only the low 32 bits count). */
  uint32_t type = (uint32_t)c->args[0];
  unsigned long addr = c->args[1];
  /* Only the two default types exist here; reserved and platform-specific
   * types are invalid (the spec's "reserved or unimplemented"). */
  if (type != SBI_HSM_SUSPEND_RET_DEFAULT && type != SBI_HSM_SUSPEND_NON_RET_DEFAULT)
    return sbi_ret(SBI_ERR_INVALID_PARAM, 0);
  int retentive = type == SBI_HSM_SUSPEND_RET_DEFAULT;
  if (!retentive && !sbi_env_guest_ram(v, addr, 4))
    return sbi_ret(SBI_ERR_INVALID_ADDRESS, 0);
  sbi_env_vcpu_suspend(v, retentive, addr, c->args[2]);
  /* Retentive: the call returns SBI_SUCCESS once the vCPU is resumed (the
   * core steps over the ecall as for any answer); non-retentive: it resumes
   * at addr, nothing is returned. */
  return sbi_ret(retentive ? SBI_SUCCESS : SBI_NO_RETURN, 0);
}

struct sbi_ret sbi_hsm_handle(struct vcpu *v, const struct sbi_call *c) {
  unsigned long hart = c->args[0];
  switch (c->fid) {
  case SBI_HSM_HART_START:
    if (hart >= sbi_env_vcpu_count(v))
      return sbi_ret(SBI_ERR_INVALID_PARAM, 0);
    if (!sbi_env_guest_ram(v, c->args[1], 4))
      return sbi_ret(SBI_ERR_INVALID_ADDRESS, 0);
    return sbi_ret(sbi_env_vcpu_start(v, hart, c->args[1], c->args[2]), 0);
  case SBI_HSM_HART_STOP: sbi_env_vcpu_stop(v); return sbi_ret(SBI_NO_RETURN, 0);
  case SBI_HSM_HART_GET_STATUS:
    if (hart >= sbi_env_vcpu_count(v))
      return sbi_ret(SBI_ERR_INVALID_PARAM, 0);
    return sbi_ret(SBI_SUCCESS, sbi_env_vcpu_hsm_state(v, hart));
  case SBI_HSM_HART_SUSPEND: return hart_suspend(v, c);
  default: return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  }
}
