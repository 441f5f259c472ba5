/* IPI extension (SBI spec v2.0, chapter 7). */
#include "sbi_env.h"
#include "sbi_proxy.h"

void sbi_ipi_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  uint64_t targets;
  if (c->fid != SBI_IPI_SEND_IPI)
    return; /* NOT_SUPPORTED */
  r->error = sbi_hartmask_decode(c->args[0], c->args[1], sbi_env_vcpu_count(v), &targets);
  if (r->error == SBI_SUCCESS)
    sbi_env_send_ipi(v, targets);
}
