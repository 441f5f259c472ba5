/* What the SBI proxy needs from the hypervisor core. The core implements
 * these in hv/core/sbi_env.c; the unit tests implement them with fakes.
 * Hart numbers here are the guest's: vCPU ids of the caller's VM. */
#ifndef RV_SBI_ENV_H
#define RV_SBI_ENV_H
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* Host pointer to guest-physical [gpa, gpa+len) if all of it is the VM's
 * RAM, else NULL. len may be 0 (then gpa itself must be in RAM). */
void *sbi_env_guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len);
/* Read an unsigned long at a guest-virtual address (legacy hart masks):
 * 0, or -1 if the read faulted, in which case the core has already sent the
 * fault back to the guest with sepc at its ecall (SBI spec v2.0, 5). */
int sbi_env_guest_read_ulong(struct vcpu *v, unsigned long gva, unsigned long *out);
void sbi_env_console_write(struct vcpu *v, const char *s, size_t n);
void sbi_env_console_putc(struct vcpu *v, char c); /* one byte, the short way */
int sbi_env_console_getc(struct vcpu *v);          /* -1: nothing waiting */
void sbi_env_set_timer(struct vcpu *v, uint64_t stime);
unsigned long sbi_env_vcpu_id(struct vcpu *v);
unsigned long sbi_env_vcpu_count(struct vcpu *v);
/* HSM state of a vCPU of the same VM (SBI_HSM_STATE_*); id < count. */
long sbi_env_vcpu_hsm_state(struct vcpu *v, unsigned long vcpu_id);
/* Start a stopped vCPU at addr (checked by the caller); SBI error code. */
long sbi_env_vcpu_start(struct vcpu *v, unsigned long vcpu_id, uint64_t addr, unsigned long opaque);
/* The calling vCPU stops itself. */
void sbi_env_vcpu_stop(struct vcpu *v);
/* The calling vCPU waits for an interrupt; non-retentive resumes at addr,
 * retentive after its ecall (the proxy answers it SBI_SUCCESS). */
void sbi_env_vcpu_suspend(struct vcpu *v, int retentive, uint64_t addr, unsigned long opaque);
/* The calling vCPU suspends the VM (every other vCPU is stopped). */
void sbi_env_system_suspend(struct vcpu *v, uint64_t addr, unsigned long opaque);
/* Software interrupt to each vCPU in the bit set; clear the caller's own. */
void sbi_env_send_ipi(struct vcpu *v, uint64_t vcpus);
/* Returns 1 if a software interrupt was pending, else 0. */
long sbi_env_clear_ipi(struct vcpu *v);
/* Remote fences on each vCPU in the set, complete when this returns. */
#define SBI_ENV_FENCE_I 1
#define SBI_ENV_SFENCE_VMA 2
void sbi_env_remote_fence(struct vcpu *v, uint64_t vcpus, int kind);
/* Stop (SHUTDOWN) or restart (COLD/WARM_REBOOT) the VM v belongs to. */
void sbi_env_vm_reset(struct vcpu *v, unsigned long type, unsigned long reason);
/* Machine identity, cached from OpenSBI at boot. */
unsigned long sbi_env_machine_id(unsigned long base_fid);

#endif
