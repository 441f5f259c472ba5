/* Hart State Management extension (SBI spec v2.0, chapter 9). */
#include "sbi_env.h"
#include "sbi_proxy.h"

void sbi_hsm_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  unsigned long hart = c->args[0];
  switch (c->fid) {
  case SBI_HSM_HART_GET_STATUS:
    if (hart >= sbi_env_vcpu_count(v)) {
      r->error = SBI_ERR_INVALID_PARAM;
      return;
    }
    r->value = sbi_env_vcpu_hsm_state(v, hart);
    r->error = SBI_SUCCESS;
    break;
  case SBI_HSM_HART_START:
    if (hart >= sbi_env_vcpu_count(v)) {
      r->error = SBI_ERR_INVALID_PARAM;
      return;
    }
    if (sbi_env_vcpu_hsm_state(v, hart) != SBI_HSM_STATE_STOPPED) {
      r->error = SBI_ERR_ALREADY_AVAILABLE;
      return;
    }
    r->error = SBI_ERR_FAILED; /* only one vCPU for now: it cannot be stopped and running */
    break;
  case SBI_HSM_HART_STOP:
    sbi_env_vcpu_stop(v);
    r->action = SBI_RET_NONE;
    break;
  default: break; /* NOT_SUPPORTED */
  }
}
