/* IPI extension (SBI spec v2.0, chapter 7). */
#include "sbi_env.h"
#include "sbi_proxy.h"

struct sbi_ret sbi_ipi_handle(struct vcpu *v, const struct sbi_call *c) {
  uint64_t targets;
  if (c->fid != SBI_IPI_SEND_IPI)
    return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  long err = sbi_hartmask_decode(c->args[0], c->args[1], sbi_env_vcpu_count(v), &targets);
  if (err == SBI_SUCCESS)
    sbi_env_send_ipi(v, targets);
  return sbi_ret(err, 0);
}
