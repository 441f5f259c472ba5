/* What the SBI proxy needs from the hypervisor core. The core implements
 * these in hv/core/sbi_env.c; the unit tests implement them with fakes. */
#ifndef RV_SBI_ENV_H
#define RV_SBI_ENV_H
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* Host pointer to guest-physical [gpa, gpa+len) if all of it is the VM's
 * RAM, else NULL. len may be 0 (then gpa itself must be in RAM). */
void *sbi_env_guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len);
void sbi_env_console_write(struct vcpu *v, const char *s, size_t n);
int sbi_env_console_getc(struct vcpu *v); /* -1: nothing waiting */
void sbi_env_set_timer(struct vcpu *v, uint64_t stime);
unsigned long sbi_env_vcpu_id(struct vcpu *v);
unsigned long sbi_env_vcpu_count(struct vcpu *v);
/* HSM state of another vCPU of the same VM (SBI_HSM_STATE_*). */
long sbi_env_vcpu_hsm_state(struct vcpu *v, unsigned long vcpu_id);
/* Stop (SHUTDOWN) or restart (COLD/WARM_REBOOT) the VM v belongs to. */
void sbi_env_vm_reset(struct vcpu *v, unsigned long type, unsigned long reason);
/* The hart that stops itself through HSM. */
void sbi_env_vcpu_stop(struct vcpu *v);
/* Machine identity, cached from OpenSBI at boot. */
unsigned long sbi_env_machine_id(unsigned long base_fid);

#endif
