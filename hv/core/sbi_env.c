/* The hypervisor's side of sbi-proxy/include/sbi_env.h. */
#include "sbi_env.h"
#include "../arch/riscv/csr.h"
#include "console.h"
#include "sbi_call.h"
#include "vm.h"

static unsigned long machine_ids[3]; /* mvendorid, marchid, mimpid */

void sbi_env_cache_machine_ids(void) {
  for (int i = 0; i < 3; i++) {
    struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MVENDORID + (unsigned long)i, 0, 0, 0);
    machine_ids[i] = r.error ? 0 : (unsigned long)r.value;
  }
}

unsigned long sbi_env_machine_id(unsigned long base_fid) {
  return machine_ids[base_fid - SBI_BASE_GET_MVENDORID];
}

void *sbi_env_guest_ram(struct vcpu *v, uint64_t gpa, uint64_t len) {
  return vm_gpa_to_hva(v->vm, gpa, len);
}

void sbi_env_console_write(struct vcpu *v, const char *s, size_t n) {
  (void)v;
  console_write(s, n);
}

int sbi_env_console_getc(struct vcpu *v) {
  (void)v;
  return console_getc();
}

void sbi_env_set_timer(struct vcpu *v, uint64_t stime) { vcpu_set_timer(v, stime); }

unsigned long sbi_env_vcpu_id(struct vcpu *v) { return v->id; }

unsigned long sbi_env_vcpu_count(struct vcpu *v) { return v->vm->nvcpus; }

long sbi_env_vcpu_hsm_state(struct vcpu *v, unsigned long vcpu_id) {
  return v->vm->vcpu[vcpu_id].hsm_state;
}

void sbi_env_vcpu_stop(struct vcpu *v) {
  v->hsm_state = SBI_HSM_STATE_STOPPED;
  for (unsigned i = 0; i < v->vm->nvcpus; i++)
    if (v->vm->vcpu[i].hsm_state != SBI_HSM_STATE_STOPPED)
      return;
  vm_stop(v->vm, SBI_SRST_REASON_NONE, "every vCPU stopped itself (HSM hart_stop)");
}

void sbi_env_vm_reset(struct vcpu *v, unsigned long type, unsigned long reason) {
  struct vm *vm = v->vm;
  const char *why = reason == SBI_SRST_REASON_SYSFAIL ? "system failure" : "no reason";
  if (type == SBI_SRST_TYPE_SHUTDOWN) {
    vm_stop(vm, reason, "shutdown requested by the guest (SBI SRST, reason: %s)", why);
    return;
  }
  char err[160];
  hv_log("VM %s: %s reboot requested by the guest (reason: %s): reloading", vm->name,
         type == SBI_SRST_TYPE_COLD_REBOOT ? "cold" : "warm", why);
  if (vm_load(vm, err, sizeof(err)))
    vm_stop(vm, SBI_SRST_REASON_SYSFAIL, "reboot failed: %s", err);
  /* The vCPU runs on: reload its VS-mode CSRs to their reset values. */
  csr_write(CSR_VSSTATUS, 0);
  csr_write(CSR_VSIE, 0);
  csr_write(CSR_VSATP, 0);
  csr_write(CSR_VSTVEC, 0);
  csr_write(CSR_HVIP, 0);
  if (hv_use_sstc)
    csr_write(CSR_VSTIMECMP, UINT64_MAX);
  hfence_gvma_vmid(vm->vmid);
  hfence_vvma_all();
}
