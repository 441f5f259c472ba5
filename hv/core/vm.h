/* Virtual machines (vm.c, vm_dev.c): their memory, devices, vCPUs and
 * console streams. */
#ifndef RV_VM_H
#define RV_VM_H
#include "../arch/riscv/gstage.h"
#include "../dev/vdev.h"
#include "../lib/conmux.h"
#include "../lib/spinlock.h"
#include "config.h"
#include "options.h"
#include "vcpu.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_MAX_VCPUS OPT_VCPUS_MAX
#ifndef RV_GUEST_RAM_MB
#define RV_GUEST_RAM_MB 128
#endif
#define VM_DEFAULT_RAM ((uint64_t)RV_GUEST_RAM_MB << 20)
#define VM_FDT_MAX 0x10000UL /* room kept for the guest FDT at the top of RAM */

/* VM_PAUSED: its vCPUs are parked (the monitor's pause) until it resumes. */
enum vm_state { VM_RUNNING, VM_STOPPING, VM_RESETTING, VM_STOPPED, VM_PAUSED };

struct hostdisk_port;

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
  /* Its disks in guest slot order (disk i: VDEV_VIRTIO_BLK_BASE + i * 0x1000,
   * vPLIC source 1 + i): the RAM disk first, if it has one, then its host
   * disks (a port each, hv/backend/hostdisk.h). Their device state comes
   * from the frame allocator. */
  unsigned ndisks;
  struct vm_disk {
    struct vdev_blk *state;
    struct hostdisk_port *port; /* NULL: the RAM disk */
    char serial[CFG_SERIAL_MAX + 1];
    char what[64]; /* for its log line: "host disk 1 partition 2" */
  } disk[VDEV_MAX_DISKS];
  struct vdev_vcon *vcon; /* its virtio-console's state (frame allocator), or NULL */
  /* Its NICs in guest slot order (NIC i: VDEV_VIRTIO_NET_BASE + i * 0x1000,
   * vPLIC source 5 + i), each a port of a switch; their device state comes
   * from the frame allocator and stays attached to the switch. */
  unsigned nnics;
  struct vm_nic {
    struct vdev_nic *state;
    struct cfg_nic cfg;
  } nic[VDEV_MAX_NICS];
  bool print_stats; /* exit counters in its stop report */
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
  /* The monitor's stop and start (vm_ctl.h). The RAM disk's image, which a
   * start copies again; when it was loaded (uptime) and started (its
   * counters begin); the monitor stopped it (its stop does not power the
   * machine off). Under lock. */
  const uint8_t *ramdisk_image;
  uint64_t loaded_at, started_at;
  unsigned starts;
  bool monitor_stop;
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
/* Reset the VM's devices and wait for what its host disks still have in
 * flight for it, so that no device writes into its RAM afterwards: before
 * a reload, and for a stopped VM whose RAM is to be given back. */
void vm_dev_quiesce(struct vm *vm);
/* Ask every vCPU of the VM to stop (VM_STOPPING) or to reboot (VM_RESETTING). */
void vm_request_stop(struct vm *vm, enum vm_state how, unsigned long reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same from the monitor (the reason: none); such a stop never powers
 * the machine off. False if the VM was going down already. */
bool vm_monitor_request_stop(struct vm *vm, enum vm_state how, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vm_print_stats(const struct vm *vm);
/* Its exits of every kind and the time its vCPUs ran, so far (any hart:
 * counters read while the vCPUs run). */
uint64_t vm_exit_total(const struct vm *vm);
uint64_t vm_run_ticks(const struct vm *vm);
/* Its RAM, G-stage tables, RAM disk and disk state from the frame pool,
 * the RAM disk filled from its image, and its device bus built; or freed
 * back (a stopped VM). */
int vm_alloc_memory(struct vm *vm, char *err, size_t errlen);
void vm_release_memory(struct vm *vm);
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
/* The time in microseconds (the switches' clock). */
uint64_t vm_now_us(void);
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

/* VMIDs the hart implements (hgatp.VMID bits, probed at boot, main.c). */
extern unsigned hv_vmid_bits;

#endif
