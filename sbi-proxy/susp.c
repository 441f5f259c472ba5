/* System Suspend extension (SBI spec v2.0, chapter 13): the VM sleeps until
 * an interrupt is pending for the calling vCPU, then resumes at resume_addr
 * as after a hart start. */
#include "sbi_env.h"
#include "sbi_proxy.h"

#define SBI_SUSP_SLEEP_TYPE_SUSPEND_TO_RAM 0

void sbi_susp_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  if (c->fid != 0)
    return;                                                         /* NOT_SUPPORTED */
  if ((uint32_t)c->args[0] != SBI_SUSP_SLEEP_TYPE_SUSPEND_TO_RAM) { /* 32 bits wide */
    r->error = SBI_ERR_INVALID_PARAM;
    return;
  }
  if (!sbi_env_guest_ram(v, c->args[1], 4)) {
    r->error = SBI_ERR_INVALID_ADDRESS;
    return;
  }
  unsigned long self = sbi_env_vcpu_id(v), n = sbi_env_vcpu_count(v);
  for (unsigned long i = 0; i < n; i++)
    if (i != self && sbi_env_vcpu_hsm_state(v, i) != SBI_HSM_STATE_STOPPED) {
      r->error = SBI_ERR_DENIED;
      return;
    }
  sbi_env_system_suspend(v, c->args[1], c->args[2]);
  r->action = SBI_RET_NONE;
}
