/* RFENCE extension (SBI spec v2.0, chapter 8). The guest has no H
 * extension, so the hfence functions are not supported. A ranged or ASID
 * sfence.vma is served by flushing all of the VM's VS-stage translations on
 * each target: more than asked, never less. */
#include "sbi_env.h"
#include "sbi_proxy.h"

struct sbi_ret sbi_rfence_handle(struct vcpu *v, const struct sbi_call *c) {
  int kind;
  switch (c->fid) {
  case SBI_RFENCE_FENCE_I: kind = SBI_ENV_FENCE_I; break;
  case SBI_RFENCE_SFENCE_VMA:
  case SBI_RFENCE_SFENCE_VMA_ASID: kind = SBI_ENV_SFENCE_VMA; break;
  default: return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  }
  uint64_t targets;
  long err = sbi_hartmask_decode(c->args[0], c->args[1], sbi_env_vcpu_count(v), &targets);
  if (err == SBI_SUCCESS)
    sbi_env_remote_fence(v, targets, kind);
  return sbi_ret(err, 0);
}
