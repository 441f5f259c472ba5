/* System Reset extension (SBI spec v2.0, chapter 10): resets the VM only. */
#include "sbi_env.h"
#include "sbi_proxy.h"

void sbi_srst_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  if (c->fid != SBI_SRST_SYSTEM_RESET)
    return; /* NOT_SUPPORTED */
  /* reset_type and reset_reason are 32 bits wide (SBI 3). */
  uint32_t type = (uint32_t)c->args[0], reason = (uint32_t)c->args[1];
  /* Reserved or unimplemented vendor types and reasons are invalid. */
  if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYSFAIL) {
    r->error = SBI_ERR_INVALID_PARAM;
    return;
  }
  sbi_env_vm_reset(v, type, reason);
  r->error = SBI_SUCCESS;
  r->action = SBI_RET_NONE;
}
