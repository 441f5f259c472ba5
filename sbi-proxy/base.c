/* BASE extension (SBI spec v2.0, chapter 4). */
#include "sbi_env.h"
#include "sbi_proxy.h"

#define RUSTYVISOR_IMPL_VERSION 0x000100 /* 0.1.0: major << 16 | minor << 8 | patch */

struct sbi_ret sbi_base_handle(struct vcpu *v, const struct sbi_call *c) {
  (void)v;
  switch (c->fid) {
  case SBI_BASE_GET_SPEC_VERSION: return sbi_ret(SBI_SUCCESS, (long)SBI_SPEC_VERSION(2, 0));
  case SBI_BASE_GET_IMPL_ID: return sbi_ret(SBI_SUCCESS, SBI_IMPL_ID_RUSTYVISOR);
  case SBI_BASE_GET_IMPL_VERSION: return sbi_ret(SBI_SUCCESS, RUSTYVISOR_IMPL_VERSION);
  case SBI_BASE_PROBE_EXT: return sbi_ret(SBI_SUCCESS, sbi_ext_index(c->args[0]) >= 0);
  case SBI_BASE_GET_MVENDORID:
  case SBI_BASE_GET_MARCHID:
  case SBI_BASE_GET_MIMPID: return sbi_ret(SBI_SUCCESS, (long)sbi_env_machine_id(c->fid));
  default: return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  }
}
