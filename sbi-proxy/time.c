/* TIME extension (SBI spec v2.0, chapter 6). */
#include "sbi_env.h"
#include "sbi_proxy.h"

void sbi_time_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  if (c->fid != SBI_TIME_SET_TIMER)
    return; /* NOT_SUPPORTED */
  sbi_env_set_timer(v, c->args[0]);
  r->error = SBI_SUCCESS;
}
