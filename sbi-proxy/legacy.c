/* Legacy extensions (SBI spec v2.0, chapter 5): SBI v0.1 calls, whose EID is
 * the function and which return only a0. */
#include "sbi_env.h"
#include "sbi_proxy.h"

void sbi_legacy_handle(struct vcpu *v, const struct sbi_call *c, struct sbi_result *r) {
  r->action = SBI_RET_LEGACY;
  r->error = 0;
  switch (c->eid) {
  case SBI_EXT_0_1_SET_TIMER: sbi_env_set_timer(v, c->args[0]); break;
  case SBI_EXT_0_1_CONSOLE_PUTCHAR: {
    char ch = (char)(c->args[0] & 0xff);
    sbi_env_console_write(v, &ch, 1);
    break;
  }
  case SBI_EXT_0_1_CONSOLE_GETCHAR: r->error = sbi_env_console_getc(v); break;
  case SBI_EXT_0_1_SHUTDOWN:
    sbi_env_vm_reset(v, 0 /* shutdown */, 0);
    r->action = SBI_RET_NONE;
    break;
  default: r->error = SBI_ERR_NOT_SUPPORTED; break;
  }
}
