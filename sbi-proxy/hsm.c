/* Hart State Management extension (SBI spec v2.0, chapter 9). */
#include "sbi_env.h"
#include "sbi_proxy.h"

static void hart_suspend(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  /* suspend_type is 32 bits wide (SBI 3: only the low 32 bits count). */
  uint32_t type = (uint32_t)c->args[0];
  unsigned long addr = c->args[1];
  /* Only the two default types exist here; reserved and platform-specific
   * types are invalid (the spec's "reserved or unimplemented"). */
  if (type != SBI_HSM_SUSPEND_RET_DEFAULT && type != SBI_HSM_SUSPEND_NON_RET_DEFAULT) {
    r->error = SBI_ERR_INVALID_PARAM;
    return;
  }
  int retentive = type == SBI_HSM_SUSPEND_RET_DEFAULT;
  if (!retentive && !sbi_env_guest_ram(v, addr, 4)) {
    r->error = SBI_ERR_INVALID_ADDRESS;
    return;
  }
  sbi_env_vcpu_suspend(v, retentive, addr, c->args[2]);
  r->action = SBI_RET_NONE;
}

void sbi_hsm_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  unsigned long hart = c->args[0];
  switch (c->fid) {
  case SBI_HSM_HART_START:
    if (hart >= sbi_env_vcpu_count(v)) {
      r->error = SBI_ERR_INVALID_PARAM;
      return;
    }
    if (!sbi_env_guest_ram(v, c->args[1], 4)) {
      r->error = SBI_ERR_INVALID_ADDRESS;
      return;
    }
    r->error = sbi_env_vcpu_start(v, hart, c->args[1], c->args[2]);
    break;
  case SBI_HSM_HART_STOP:
    sbi_env_vcpu_stop(v);
    r->action = SBI_RET_NONE;
    break;
  case SBI_HSM_HART_GET_STATUS:
    if (hart >= sbi_env_vcpu_count(v)) {
      r->error = SBI_ERR_INVALID_PARAM;
      return;
    }
    r->value = sbi_env_vcpu_hsm_state(v, hart);
    r->error = SBI_SUCCESS;
    break;
  case SBI_HSM_HART_SUSPEND: hart_suspend(v, c, r); break;
  default: break; /* NOT_SUPPORTED */
  }
}
