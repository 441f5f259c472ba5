/* BASE extension (SBI spec v2.0, chapter 4). */
#include "sbi_env.h"
#include "sbi_proxy.h"

#define RUSTYVISOR_IMPL_VERSION 0x000100 /* 0.1.0: major << 16 | minor << 8 | patch */

void sbi_base_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  (void)v;
  r->error = SBI_SUCCESS;
  switch (c->fid) {
  case SBI_BASE_GET_SPEC_VERSION: r->value = (long)SBI_SPEC_VERSION(2, 0); break;
  case SBI_BASE_GET_IMPL_ID: r->value = SBI_IMPL_ID_RUSTYVISOR; break;
  case SBI_BASE_GET_IMPL_VERSION: r->value = RUSTYVISOR_IMPL_VERSION; break;
  case SBI_BASE_PROBE_EXT: r->value = sbi_ext_find(c->args[0], NULL) != NULL; break;
  case SBI_BASE_GET_MVENDORID:
  case SBI_BASE_GET_MARCHID:
  case SBI_BASE_GET_MIMPID: r->value = (long)sbi_env_machine_id(c->fid); break;
  default: r->error = SBI_ERR_NOT_SUPPORTED;
  }
}
