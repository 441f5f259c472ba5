/* Virtual machines and their vCPUs. */
#ifndef RV_VM_H
#define RV_VM_H
#include "../arch/riscv/gstage.h"
#include "../arch/riscv/vcpu_arch.h"
#include "../dev/vdev.h"
#include "../lib/conmux.h"
#include "../lib/spinlock.h"
#include "config.h"
#include "options.h"
#include "runq.h"
#include "sbi_proxy.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_MAX_VCPUS OPT_VCPUS_MAX
#ifndef RV_GUEST_RAM_MB
#define RV_GUEST_RAM_MB 128
#endif
#define VM_DEFAULT_RAM ((uint64_t)RV_GUEST_RAM_MB << 20)
#define VM_FDT_MAX 0x10000UL /* room kept for the guest FDT at the top of RAM */

/* Exit counters by cause, per vCPU (written only by the hart running it),
 * summed per VM when it stops. */
struct vm_stats {
  uint64_t exits; /* other than SBI calls (those are counted in sbi[]) */
  uint64_t sbi[SBI_IDX_COUNT];
  uint64_t sbi_unsupported;
  uint64_t virtual_insn; /* virtual-instruction exits other than WFI */
  uint64_t wfi;
  uint64_t guest_page_faults;
  uint64_t faults_injected; /* access faults and illegal instructions */
  uint64_t irq_timer;       /* host timer interrupts taken while in the guest */
  uint64_t irq_ipi;         /* host software interrupts (kicks) */
  uint64_t irq_other;
  uint64_t timer_injected; /* VSTIP raised by the hypervisor (no Sstc) */
  uint64_t ipi_injected;   /* VSSIP raised for this vCPU */
  uint64_t eip_changes;    /* VSEIP raised or lowered by the virtual PLIC */
  uint64_t preempted;
  uint64_t harts_kicked; /* other harts its IPIs and remote fences kicked */
};

enum vm_state { VM_RUNNING, VM_STOPPING, VM_RESETTING, VM_STOPPED };

/* Cross-hart requests to a vCPU (atomic bits in vcpu.requests). */
#define REQ_VSSIP (1U << 0)
#define REQ_FENCE_I (1U << 1)
#define REQ_HFENCE_VVMA (1U << 2)
#define REQ_EIP (1U << 3) /* set hvip.VSEIP to vcpu.eip */
#define REQ_FENCES (REQ_FENCE_I | REQ_HFENCE_VVMA)

/* Why a started vCPU is not running guest code. */
enum vcpu_wait { WAIT_NONE, WAIT_WFI, WAIT_SUSPEND, WAIT_SUSPEND_NONRET, WAIT_SYSTEM_SUSPEND };

struct vm;
struct hart;

struct fp_state {
  uint64_t f[32];
  uint64_t fcsr;
};

/* A vCPU. Its register state is touched only by its hart (struct hart
 * `owner`), except while it is STOPPED and not loaded, when an HSM
 * hart_start from another vCPU may set it under the owner's lock. */
struct vcpu {
  struct vcpu_arch arch;
  struct vm *vm;
  unsigned id;
  struct hart *owner;
  struct runq_entry rq;
  volatile long hsm_state; /* SBI_HSM_STATE_* */
  enum vcpu_wait wait;
  unsigned long resume_addr, resume_opaque; /* non-retentive suspend */
  bool parked;                              /* VM not running: unloaded */
  volatile bool in_guest;                   /* in the inner run loop */
  bool preempt;
  bool exit_handled; /* the fast path answered the last exit already */
  uint32_t requests; /* REQ_*, set by any hart, taken by the owner */
  volatile bool eip; /* the PLIC's output line for this vCPU (REQ_EIP) */
  /* VS-mode CSRs, live in the hart while loaded. */
  unsigned long vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
  unsigned long hvip;
  uint64_t vstimecmp;
  /* S-mode CSRs that VS-mode reaches directly (the H extension banks no
   * VS copy of them): one VM's values must never be seen or changed by
   * another, so they are switched with the vCPU like the VS CSRs. */
  unsigned long scounteren, senvcfg;
  struct fp_state fp; /* valid while not loaded, if the guest used FP */
  /* Timer without Sstc: deadline emulated through the host timer. */
  uint64_t timer_deadline;
  bool timer_armed;
  /* Trap-storm detection: consecutive faults injected at the trap vector. */
  unsigned long storm_pc;
  unsigned storm_count;
  struct vm_stats stats;
};

struct vm {
  unsigned id;
  char name[16];
  unsigned vmid;
  spinlock_t lock; /* orders stop/reboot requests (state, stop_msg) */
  volatile enum vm_state state;
  uint64_t ram_base, ram_size;
  uintptr_t ram_hpa; /* host address of guest RAM (contiguous) */
  struct gstage gs;
  uint64_t hgatp;
  /* Near the front: every emulated access reaches it, and an offset under
   * 2 KiB is one load or store's immediate. */
  struct vdev dev;
  const uint8_t *image;
  size_t image_size;
  const char *image_source; /* "embedded", "initrd", "disk" */
  const uint8_t *initramfs; /* NULL: none */
  size_t initramfs_size;
  const char *initramfs_source; /* "embedded", "initrd", "disk" */
  uint64_t initramfs_gpa;       /* where vm_load put it */
  /* Its RAM disk (virtio-blk at VDEV_VIRTIO_BLK_BASE), or ramdisk_hpa 0:
   * host memory from the frame allocator, filled from the configuration's
   * image when the VM is created; a reboot keeps what the guest wrote. */
  uintptr_t ramdisk_hpa;
  uint64_t ramdisk_bytes;
  struct vdev_blk *blk; /* its device's state (frame allocator), with the disk */
  bool print_stats;     /* exit counters in its stop report */
  char bootargs[CFG_BOOTARGS_MAX];
  unsigned devices;  /* CFG_DEV_* */
  uint32_t affinity; /* hart indices its vCPUs may be placed on; 0: any */
  unsigned weight;   /* scheduling weight (CFG_WEIGHT_DEFAULT is 1x) */
  uint64_t entry, fdt_gpa;
  unsigned nvcpus;
  struct vcpu vcpu[VM_MAX_VCPUS];
  unsigned unparked;         /* atomic: vCPUs not yet parked after a stop */
  char stop_msg[128];        /* written by the vCPU that stops the VM */
  unsigned long stop_reason; /* SRST reason of the stop */
  unsigned reboots;
  struct conmux_stream con; /* its console output (console_lock) */
  uint64_t con_last_key;    /* time of the last key it was given */
};

/* vm_dev.c */
/* Builds the VM's devices and its bus (vdev_init()), wired to its vCPUs and
 * its console; 0 or a BUS_ERR_*. */
int vm_dev_init(struct vm *vm, bool with_uart);

/* vm.c */
/* Build VM `id` from its configuration; spec->image holds its kernel,
 * whatever the source. `label`: prefix its console lines with its name. */
int vm_create(struct vm *vm, unsigned id, const struct vm_spec *spec, bool label, char *err,
              size_t errlen);
int vm_load(struct vm *vm, char *err, size_t errlen);
/* Ask every vCPU of the VM to stop (VM_STOPPING) or to reboot (VM_RESETTING). */
void vm_request_stop(struct vm *vm, enum vm_state how, unsigned long reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vm_print_stats(const struct vm *vm);
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
extern unsigned vm_live_count; /* atomic: VMs not yet stopped */
/* Every VM created, by id; written by the boot hart before the others run. */
extern struct vm *vm_list[CFG_MAX_VMS];
extern unsigned vm_count;
/* Console: output of a VM; input from the keyboard (boot hart). */
void vm_console_output(struct vm *vm, const char *s, size_t n);
void vm_console_putc(struct vm *vm, char c); /* one byte: the short way */
void vm_console_input(char c);
void vm_console_set_focus(struct vm *vm);

/* May v go on running guest code: not preempted, not blocked, started, and
 * its VM running? (The run loop's test, and the fast paths' before they
 * resume the guest.) */
static inline bool vcpu_may_continue(const struct vcpu *v) {
  return !v->preempt && v->wait == WAIT_NONE && v->hsm_state == SBI_HSM_STATE_STARTED &&
         v->vm->state == VM_RUNNING;
}

/* vcpu.c */
void vcpu_reset(struct vcpu *v, uint64_t entry, unsigned long a0, unsigned long a1);
void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);
void vcpu_redirect_trap(struct vcpu *v, unsigned long cause, unsigned long tval);
void vcpu_set_timer(struct vcpu *v, uint64_t stime);
bool vcpu_irq_pending(struct vcpu *v, bool ignore_enable);
void vcpu_request(struct vcpu *v, uint32_t req);
void vcpu_post(struct vcpu *v, uint32_t req); /* request, then its hart looks */
void vcpu_take_requests(struct vcpu *v);
void vcpu_handle_exit(struct vcpu *v);             /* exit.c */
struct vcpu_arch *vcpu_fast_exit(struct vcpu *v);  /* exit.c, called by trap.S */
struct vcpu_arch *vcpu_fast_fault(struct vcpu *v); /* exit.c, called by trap.S */

/* sched.c */
void sched_place(struct vcpu *v); /* by vm->affinity and vm->weight */
_Noreturn void sched_run(void);
/* Set this hart's timer to `when` (UINT64_MAX: off), as h records it. */
void sched_program_timer(struct hart *h, uint64_t when);
void sched_timer_update(struct hart *h);
/* A vCPU of h moved its emulated timer (no Sstc) from `was` to `to`
 * (UINT64_MAX: not armed); reprogram h's timer if that changes it. */
void sched_timer_moved(struct hart *h, uint64_t was, uint64_t to);
void sched_timer_tick(struct hart *h);
void sched_wake_check(struct hart *h);
void sched_block(struct vcpu *v, enum vcpu_wait why);
bool sched_alone(struct vcpu *v);
int sched_start_vcpu(struct vcpu *target, uint64_t addr, unsigned long opaque);
void sched_stop_self(struct vcpu *v);
uint64_t sched_slice_ticks(void);

/* Features the hypervisor uses, set at boot. */
extern bool hv_use_sstc;
extern unsigned hv_vmid_bits;

#endif
