/* TIME extension (SBI spec v2.0, chapter 6). */
#include "sbi_env.h"
#include "sbi_proxy.h"

struct sbi_ret sbi_time_handle(struct vcpu *v, const struct sbi_call *c) {
  if (c->fid != SBI_TIME_SET_TIMER)
    return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  sbi_env_set_timer(v, c->args[0]);
  return sbi_ret(SBI_SUCCESS, 0);
}
