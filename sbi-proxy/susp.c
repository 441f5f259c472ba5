/* System Suspend extension (SBI spec v2.0, chapter 13): the VM sleeps until
 * an interrupt is pending for the calling vCPU, then resumes at resume_addr
 * as after a hart start. */
#include "sbi_env.h"
#include "sbi_proxy.h"

#define SBI_SUSP_SLEEP_TYPE_SUSPEND_TO_RAM 0

struct sbi_ret sbi_susp_handle(struct vcpu *v, const struct sbi_call *c) {
  if (c->fid != 0)
    return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  if ((uint32_t)c->args[0] != SBI_SUSP_SLEEP_TYPE_SUSPEND_TO_RAM) /* 32 bits wide */
    return sbi_ret(SBI_ERR_INVALID_PARAM, 0);
  if (!sbi_env_guest_ram(v, c->args[1], 4))
    return sbi_ret(SBI_ERR_INVALID_ADDRESS, 0);
  unsigned long self = sbi_env_vcpu_id(v), n = sbi_env_vcpu_count(v);
  for (unsigned long i = 0; i < n; i++)
    if (i != self && sbi_env_vcpu_hsm_state(v, i) != SBI_HSM_STATE_STOPPED)
      return sbi_ret(SBI_ERR_DENIED, 0);
  sbi_env_system_suspend(v, c->args[1], c->args[2]);
  return sbi_ret(SBI_NO_RETURN, 0);
}
