/* System Reset extension (SBI spec v2.0, chapter 10): resets the VM only. */
#include "sbi_env.h"
#include "sbi_proxy.h"

struct sbi_ret sbi_srst_handle(struct vcpu *v, const struct sbi_call *c) {
  if (c->fid != SBI_SRST_SYSTEM_RESET)
    return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  /* reset_type and reset_reason are 32 bits wide (SBI 3). */
  uint32_t type = (uint32_t)c->args[0], reason = (uint32_t)c->args[1];
  /* Reserved or unimplemented vendor types and reasons are invalid. */
  if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYSFAIL)
    return sbi_ret(SBI_ERR_INVALID_PARAM, 0);
  sbi_env_vm_reset(v, type, reason);
  return sbi_ret(SBI_NO_RETURN, 0);
}
