/* Legacy extensions (SBI spec v2.0, chapter 5): SBI v0.1 calls, whose EID is
 * the function and which return only a0. Their hart masks are pointers to a
 * bit vector in guest-virtual memory. */
#include "sbi_env.h"
#include "sbi_proxy.h"

/* The vCPU set named by a legacy hart_mask pointer, or an error. A pointer
 * that faults has had its fault sent to the guest: SBI_NO_RETURN. */
static long legacy_mask(struct vcpu *v, unsigned long ptr, uint64_t *targets) {
  unsigned long mask;
  if (sbi_env_guest_read_ulong(v, ptr, &mask))
    return SBI_NO_RETURN;
  return sbi_hartmask_decode(mask, 0, sbi_env_vcpu_count(v), targets);
}

long sbi_legacy_putchar(struct vcpu *v, const struct sbi_call *c) {
  sbi_env_console_putc(v, (char)c->args[0]);
  return 0;
}

/* The answer goes to a0 only: a1 is given back as it was. */
struct sbi_ret sbi_legacy_handle(struct vcpu *v, const struct sbi_call *c) {
  uint64_t targets;
  long err = 0;
  switch (c->eid) {
  case SBI_EXT_0_1_SET_TIMER: sbi_env_set_timer(v, c->args[0]); break;
  case SBI_EXT_0_1_CONSOLE_PUTCHAR: err = sbi_legacy_putchar(v, c); break;
  case SBI_EXT_0_1_CONSOLE_GETCHAR: err = sbi_env_console_getc(v); break;
  case SBI_EXT_0_1_CLEAR_IPI: err = sbi_env_clear_ipi(v); break;
  case SBI_EXT_0_1_SEND_IPI:
    if ((err = legacy_mask(v, c->args[0], &targets)) == 0)
      sbi_env_send_ipi(v, targets);
    break;
  case SBI_EXT_0_1_REMOTE_FENCE_I:
    if ((err = legacy_mask(v, c->args[0], &targets)) == 0)
      sbi_env_remote_fence(v, targets, SBI_ENV_FENCE_I);
    break;
  case SBI_EXT_0_1_REMOTE_SFENCE_VMA:
  case SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID:
    if ((err = legacy_mask(v, c->args[0], &targets)) == 0)
      sbi_env_remote_fence(v, targets, SBI_ENV_SFENCE_VMA);
    break;
  case SBI_EXT_0_1_SHUTDOWN:
    sbi_env_vm_reset(v, SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE);
    err = SBI_NO_RETURN;
    break;
  }
  return sbi_ret(err, (long)c->args[1]);
}
