/* Virtual machines and their vCPUs. */
#ifndef RV_VM_H
#define RV_VM_H
#include "../arch/riscv/gstage.h"
#include "../arch/riscv/vcpu_arch.h"
#include "options.h"
#include "sbi_proxy.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_MAX_VCPUS OPT_VCPUS_MAX
#define VM_RAM_BASE 0x80000000UL
#ifndef RV_GUEST_RAM_MB
#define RV_GUEST_RAM_MB 128
#endif
#define VM_DEFAULT_RAM ((uint64_t)RV_GUEST_RAM_MB << 20)
#define VM_FDT_MAX 0x10000UL /* room kept for the guest FDT at the top of RAM */

/* Exit counters, by cause. Written only by the hart running the vCPU
 * (single writer per VM for now); read when the VM stops. */
struct vm_stats {
  uint64_t exits;
  uint64_t sbi[SBI_IDX_COUNT];
  uint64_t sbi_unsupported;
  uint64_t virtual_insn; /* virtual-instruction exits other than WFI */
  uint64_t wfi;
  uint64_t guest_page_faults;
  uint64_t faults_injected; /* access faults and illegal instructions */
  uint64_t irq_timer;       /* host timer interrupts taken while in the guest */
  uint64_t irq_other;
  uint64_t timer_injected; /* VSTIP raised by the hypervisor (no Sstc) */
};

enum vm_state { VM_RUNNING, VM_STOPPED };

struct vm;

struct vcpu {
  struct vcpu_arch arch;
  struct vm *vm;
  unsigned id;
  long hsm_state;
  /* VS-mode CSRs, live in the hart while the vCPU runs. */
  unsigned long vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
  unsigned long hvip;
  uint64_t vstimecmp;
  /* Timer emulation without Sstc: deadline armed on the host timer. */
  uint64_t timer_deadline;
  bool timer_armed;
};

struct vm {
  unsigned id;
  char name[16];
  unsigned vmid;
  enum vm_state state;
  uint64_t ram_base, ram_size;
  uintptr_t ram_hpa; /* host address of guest RAM (contiguous) */
  struct gstage gs;
  uint64_t hgatp;
  const uint8_t *image;
  size_t image_size;
  const char *image_source; /* "embedded", "initrd" */
  char bootargs[OPT_GUEST_ARGS_MAX];
  uint64_t entry, fdt_gpa;
  unsigned nvcpus;
  struct vcpu vcpu[VM_MAX_VCPUS];
  char stop_msg[128];
  unsigned long stop_reason; /* SRST reason of the last stop */
  struct vm_stats stats;
};

struct vm_config {
  const char *name;
  uint64_t ram_size;
  unsigned nvcpus;
  const uint8_t *image;
  size_t image_size;
  const char *image_source;
  const char *bootargs;
};

/* Build a VM: RAM, G-stage tables, image, FDT, vCPUs. Returns 0, or -1 with
 * a reason in err (nothing is left allocated that matters at boot). */
int vm_create(struct vm *vm, unsigned id, const struct vm_config *cfg, char *err, size_t errlen);
/* (Re)load the image and FDT and reset every vCPU to its boot state. */
int vm_load(struct vm *vm, char *err, size_t errlen);
void vm_stop(struct vm *vm, unsigned long reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vm_print_stats(const struct vm *vm);
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* vCPU execution (vcpu.c). */
void vcpu_reset(struct vcpu *v, uint64_t entry, unsigned long a0, unsigned long a1);
void vcpu_run(struct vcpu *v);
void vcpu_redirect_trap(struct vcpu *v, unsigned long cause, unsigned long tval);
void vcpu_set_timer(struct vcpu *v, uint64_t stime);
void vcpu_timer_expired(struct vcpu *v);
bool vcpu_irq_pending(struct vcpu *v);
void vcpu_handle_exit(struct vcpu *v); /* exit.c */

/* Features the hypervisor uses, set at boot. */
extern bool hv_use_sstc;
extern unsigned hv_vmid_bits;

#endif
