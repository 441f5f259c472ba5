/* VM construction: guest RAM, G-stage mapping, image loading, guest FDT. */
#include "vm.h"
#include "../arch/riscv/csr.h"
#include "../lib/image.h"
#include "../lib/isa.h"
#include "../lib/printf.h"
#include "console.h"
#include "frame.h"
#include "hart.h"
#include "hostio.h"
#include "monitor.h"
#include "platform.h"
#include "sched.h"
#include "vm_fdt.h"
#include <stdarg.h>
#include <string.h>

static uint64_t vm_now(void) { return csr_read(CSR_TIME); }

uint64_t vm_now_us(void) {
  uint64_t t = csr_read(CSR_TIME), tb = plat.timebase ? plat.timebase : 10000000;
  return t / tb * 1000000u + t % tb * 1000000u / tb;
}

/* A disk's device state, in whole pages (zeroed by frame_alloc()). */
#define VM_BLK_STATE_BYTES ((sizeof(struct vdev_blk) + 4095) & ~(size_t)4095)
#define VM_VCON_STATE_BYTES ((sizeof(struct vdev_vcon) + 4095) & ~(size_t)4095)
/* A NIC's (transport, model, switch port and its queue). */
#define VM_NIC_STATE_BYTES ((sizeof(struct vdev_nic) + 4095) & ~(size_t)4095)

unsigned vm_live_count;
struct vm *vm_list[CFG_MAX_VMS];
unsigned vm_count;
static struct vm *console_focus; /* the VM that receives console input */
static struct conmux_input console_in;

/* With several VMs, a VM's output is line-buffered, so that whole lines of
 * different VMs follow each other; only the focused VM, while someone types
 * to it (a key in the last 2 s), shows partial lines at once: echo and
 * prompts. A VM alone (unlabelled) writes straight through. */
static inline bool console_live(struct vm *vm) {
  if (monitor_is_open()) /* its prompt line stays whole (conmux_set_prompt) */
    return false;
  if (!vm->con.label[0])
    return true;
  uint64_t key = __atomic_load_n(&vm->con_last_key, __ATOMIC_RELAXED); /* 0: never */
  return vm == __atomic_load_n(&console_focus, __ATOMIC_RELAXED) && key &&
         csr_read(CSR_TIME) - key < 2ULL * plat.timebase;
}

void vm_console_output(struct vm *vm, const char *s, size_t n) {
  console_vm_write(&vm->con, console_live(vm), s, n);
}

void vm_console_putc(struct vm *vm, char c) { console_vm_putc(&vm->con, console_live(vm), c); }

void vm_console_set_focus(struct vm *vm) {
  __atomic_store_n(&console_focus, vm, __ATOMIC_RELEASE);
  console_vm_flush(&vm->con); /* its unfinished line: a prompt, say */
  if (vm_count > 1)
    hv_log("console input goes to VM %u (%s) now", vm->id, vm->name);
}

static void console_help(void) {
  hv_log("console keys: Ctrl-\\ n: next VM, Ctrl-\\ 0-9: VM by number, Ctrl-\\ m: the monitor, "
         "Ctrl-\\ ?: this list, Ctrl-\\ Ctrl-\\: a Ctrl-\\ for the guest");
  static const char *const state[] = {"running", "stopping", "rebooting", "stopped", "paused"};
  for (unsigned i = 0; i < vm_count; i++)
    hv_log("  VM %u (%s): %s%s", i, vm_list[i]->name, state[vm_list[i]->state],
           vm_list[i] == console_focus ? ", has the console" : "");
}

/* A byte from the console (boot hart, host external interrupt): for the
 * focused VM, or a console key (lib/conmux.h). */
void vm_console_input(char c) {
  if (monitor_input(c)) /* the prompt is open: the byte is the monitor's */
    return;
  char out[2];
  int n;
  unsigned idx = 0;
  struct vm *vm = console_focus;
  switch (conmux_input(&console_in, c, out, &n, &idx)) {
  case CONMUX_DELIVER:
    /* A paused VM keeps its keys for when it resumes (its device state
     * stays; an interrupt it raises waits as a request). */
    if (!vm || (vm->state != VM_RUNNING && vm->state != VM_PAUSED))
      break;
    __atomic_store_n(&vm->con_last_key, csr_read(CSR_TIME) | 1, __ATOMIC_RELAXED);
    console_vm_flush(&vm->con); /* the prompt the key answers */
    for (int i = 0; i < n; i++)
      vdev_console_input(&vm->dev, (uint8_t)out[i]);
    break;
  case CONMUX_NONE: break;
  case CONMUX_FOCUS_NEXT:
    if (vm_count)
      vm_console_set_focus(vm_list[vm ? (vm->id + 1) % vm_count : 0]);
    break;
  case CONMUX_FOCUS_VM:
    if (idx < vm_count)
      vm_console_set_focus(vm_list[idx]);
    else
      hv_log("console: there is no VM %u (VMs 0-%u)", idx, vm_count - 1);
    break;
  case CONMUX_HELP: console_help(); break;
  case CONMUX_MONITOR: monitor_open(); break;
  }
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len) {
  if (gpa < vm->ram_base || gpa - vm->ram_base >= vm->ram_size ||
      len > vm->ram_size - (gpa - vm->ram_base))
    return NULL;
  return (void *)(vm->ram_hpa + (gpa - vm->ram_base));
}

/* VMIDs 1..2^bits-1 in turn; VMs that share one (more VMs than VMIDs, or
 * none implemented) are told apart by a G-stage flush when a hart switches
 * between them (vcpu_load). */
static unsigned vmid_for(unsigned id) {
  unsigned n = (1U << hv_vmid_bits) - 1;
  return n ? 1 + id % n : 0;
}

/* The VM's host disks (its disk@ nodes): each a range of a host disk that
 * no other VM writes, opened as a port with its share of the disk's queue,
 * completing under the VM's device lock. A bad one fails the VM, naming
 * the node. (A port, once open, stays with its disk: a VM that fails
 * later leaves it unused.) */
static int vm_open_disks(struct vm *vm, const struct vm_spec *spec, char *err, size_t errlen) {
  for (unsigned i = 0; i < spec->ndisks; i++) {
    const struct cfg_disk *c = &spec->disk[i];
    char why[200];
    uint64_t start, sectors;
    struct hostdisk *hd = hostdisk_get(c->host_slot, why, sizeof(why));
    if (!hd ||
        hostdisk_range(hd, c->partition, c->partition_name[0] ? c->partition_name : 0, &start,
                       &sectors, why, sizeof(why)) ||
        hostdisk_claim(hd, start, sectors, c->read_only, vm->name, why, sizeof(why))) {
      rv_snprintf(err, errlen, "node '%s': %s", c->node, why);
      return -1;
    }
    struct vm_disk *k = &vm->disk[vm->ndisks];
    k->port =
        hostdisk_port_open(hd, start, sectors, c->read_only, hostdisk_share(hd), &vm->dev.lock);
    if (!k->port) {
      rv_snprintf(err, errlen, "node '%s': host disk %u has too many users", c->node, c->host_slot);
      return -1;
    }
    int n = rv_snprintf(k->what, sizeof(k->what), "host disk %u", c->host_slot);
    if (c->partition)
      rv_snprintf(k->what + n, sizeof(k->what) - (size_t)n, " partition %u", c->partition);
    else if (c->partition_name[0])
      rv_snprintf(k->what + n, sizeof(k->what) - (size_t)n, " partition '%s'", c->partition_name);
    if (c->serial[0])
      rv_snprintf(k->serial, sizeof(k->serial), "%s", c->serial);
    else if (c->partition)
      rv_snprintf(k->serial, sizeof(k->serial), "rustyvisor-host%u-p%u", c->host_slot,
                  c->partition);
    else
      rv_snprintf(k->serial, sizeof(k->serial), "rustyvisor-host%u", c->host_slot);
    vm->ndisks++;
  }
  return 0;
}

void vm_dev_quiesce(struct vm *vm) {
  vdev_reset(&vm->dev);
  for (unsigned i = 0; i < vm->ndisks; i++)
    if (vm->disk[i].port)
      hostdisk_port_drain(vm->disk[i].port, vm_now);
}

/* A VM that is not created gives its NICs' state back (none is attached). */
static void vm_free_nics(struct vm *vm) {
  for (unsigned i = 0; i < vm->nnics; i++)
    if (vm->nic[i].state)
      frame_free((uintptr_t)vm->nic[i].state, VM_NIC_STATE_BYTES);
  vm->nnics = 0;
}

int vm_create(struct vm *vm, unsigned id, const struct vm_spec *spec, bool label, char *err,
              size_t errlen) {
  memset(vm, 0, sizeof(*vm));
  vm->id = id;
  rv_snprintf(vm->name, sizeof(vm->name), "%s", spec->name);
  vm->vmid = vmid_for(id);
  vm->ram_base = spec->mem_base;
  vm->ram_size = spec->mem_size;
  vm->nvcpus = spec->nvcpus;
  vm->image = spec->image;
  vm->image_size = spec->image_size;
  vm->image_source = config_kernel_name(spec->kernel);
  if (spec->has_initramfs) {
    vm->initramfs = spec->initramfs;
    vm->initramfs_size = spec->initramfs_size;
    vm->initramfs_source = config_kernel_name(spec->initramfs_src);
  }
  vm->print_stats = spec->stats;
  vm->devices = spec->devices;
  vm->affinity = spec->affinity;
  vm->weight = spec->weight;
  rv_snprintf(vm->bootargs, sizeof(vm->bootargs), "%s", spec->bootargs ? spec->bootargs : "");
  char lbl[CONMUX_LABEL_MAX];
  rv_snprintf(lbl, sizeof(lbl), "[%s] ", vm->name);
  conmux_stream_init(&vm->con, label ? lbl : "");

  vm->ramdisk_image = spec->ramdisk;
  vm->ramdisk_bytes = spec->ramdisk_size;
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    vm->vcpu[i].vm = vm;
    vm->vcpu[i].id = i;
  }
  /* Its disks, in guest slot order: the RAM disk first, then its host
   * disks (their ports stay with it for good, also while it is stopped). */
  if (vm->ramdisk_bytes) {
    struct vm_disk *k = &vm->disk[vm->ndisks++];
    rv_snprintf(k->serial, sizeof(k->serial), "rustyvisor-ramdisk");
    rv_snprintf(k->what, sizeof(k->what), "RAM disk");
  }
  /* Its NICs' state, once: each is a port of its switch for good (attached
   * below, after everything that can fail), so it stays while the VM is
   * stopped and its memory is given back. */
  for (unsigned i = 0; i < spec->nnics && i < VDEV_MAX_NICS; i++) {
    vm->nic[i].cfg = spec->nic[i];
    vm->nic[i].state = (struct vdev_nic *)(uintptr_t)frame_alloc(VM_NIC_STATE_BYTES, 4096);
    vm->nnics = i + 1;
    if (!vm->nic[i].state) {
      rv_snprintf(err, errlen, "cannot allocate its NICs' device state");
      vm_free_nics(vm);
      return -1;
    }
  }
  if (vm_open_disks(vm, spec, err, errlen) || vm_alloc_memory(vm, err, errlen)) {
    vm_free_nics(vm);
    return -1;
  }
  if (vm_load(vm, err, errlen)) {
    vm_release_memory(vm);
    vm_free_nics(vm);
    return -1;
  }
  /* Last, so that a VM that fails leaves no port behind (nothing runs yet:
   * a port taken off again was never used). */
  for (unsigned i = 0; i < vm->nnics; i++) {
    const struct cfg_nic *c = &vm->nic[i].cfg;
    if (vswitch_attach(c->sw, &vm->nic[i].state->port)) {
      rv_snprintf(err, errlen, "node '%s': switch '%s' is full (%u ports) or one too many (%u)",
                  c->node, c->sw, VSWITCH_PORTS, VSWITCH_MAX);
      for (unsigned j = 0; j < i; j++)
        vswitch_detach(&vm->nic[j].state->port);
      vm_release_memory(vm);
      vm_free_nics(vm);
      return -1;
    }
    const uint8_t *m = c->mac;
    hv_log("VM %s: virtio-net %02x:%02x:%02x:%02x:%02x:%02x on switch '%s' at 0x%lx (PLIC source "
           "%u), MTU %u%s",
           vm->name, m[0], m[1], m[2], m[3], m[4], m[5], c->sw,
           (unsigned long)(VDEV_VIRTIO_NET_BASE + i * VDEV_VIRTIO_NET_SIZE),
           VDEV_VIRTIO_NET_IRQ + i, c->mtu, c->any_source ? ", any source MAC" : "");
  }
  vm->started_at = vm->loaded_at;
  __atomic_add_fetch(&vm_live_count, 1, __ATOMIC_SEQ_CST);
  vm_list[vm_count++] = vm;
  /* Where each vCPU runs for good, for the tests to pin: "[0 1 0 1]". */
  char where[4 * VM_MAX_VCPUS + 1];
  int n = 0;
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    sched_place(&vm->vcpu[i]);
    n += rv_snprintf(where + n, sizeof(where) - (size_t)n, "%s%u", i ? " " : "",
                     (unsigned)(vm->vcpu[i].owner - harts));
  }
  hv_log("VM %s: vCPUs on harts [%s]", vm->name, where);
  return 0;
}

/* Guest RAM 2 MiB aligned (the G-stage maps it with megapages), its
 * G-stage tables, its RAM disk filled from its image, the disk's state, the
 * device bus. On failure everything taken goes back. */
int vm_alloc_memory(struct vm *vm, char *err, size_t errlen) {
  vm->ram_hpa = (uintptr_t)frame_alloc(vm->ram_size, 2UL << 20);
  if (!vm->ram_hpa) {
    rv_snprintf(err, errlen, "cannot allocate %lu MiB of guest RAM (%lu MiB free)",
                (unsigned long)(vm->ram_size >> 20), (unsigned long)(frame_free_bytes() >> 20));
    return -1;
  }
  vm->gs.root = (uint64_t *)(uintptr_t)frame_alloc(GSTAGE_ROOT_SIZE, GSTAGE_ROOT_SIZE);
  vm->gs.alloc_table = frame_alloc_table;
  int r = vm->gs.root ? gstage_map(&vm->gs, vm->ram_base, vm->ram_hpa, vm->ram_size, GSTAGE_RWX)
                      : GSTAGE_ERR_NOMEM;
  if (r != GSTAGE_OK) {
    rv_snprintf(err, errlen, "G-stage mapping of guest RAM failed (%d)", r);
    goto fail;
  }
  vm->hgatp = gstage_hgatp(&vm->gs, vm->vmid);
  hfence_gvma_vmid(vm->vmid);
  if (vm->ramdisk_bytes) {
    vm->ramdisk_hpa = (uintptr_t)frame_alloc((vm->ramdisk_bytes + 4095) & ~4095ULL, 4096);
    if (!vm->ramdisk_hpa) {
      rv_snprintf(err, errlen, "cannot allocate %lu KiB for its RAM disk (%lu KiB free)",
                  (unsigned long)(vm->ramdisk_bytes >> 10),
                  (unsigned long)(frame_free_bytes() >> 10));
      goto fail;
    }
    memcpy((void *)vm->ramdisk_hpa, vm->ramdisk_image, vm->ramdisk_bytes);
  }
  for (unsigned i = 0; i < vm->ndisks; i++) {
    vm->disk[i].state = (struct vdev_blk *)(uintptr_t)frame_alloc(VM_BLK_STATE_BYTES, 4096);
    if (!vm->disk[i].state) {
      rv_snprintf(err, errlen, "cannot allocate its disks' device state");
      goto fail;
    }
  }
  if (vm->devices & CFG_DEV_VCON) {
    vm->vcon = (struct vdev_vcon *)(uintptr_t)frame_alloc(VM_VCON_STATE_BYTES, 4096);
    if (!vm->vcon) {
      rv_snprintf(err, errlen, "cannot allocate its virtio-console's device state");
      goto fail;
    }
  }
  r = vm_dev_init(vm, vm->devices & CFG_DEV_UART);
  if (r) {
    rv_snprintf(err, errlen, "cannot build the device bus (%d)", r);
    goto fail;
  }
  return 0;
fail:
  vm_release_memory(vm);
  return -1;
}

/* Everything vm_alloc_memory took goes back to the pool. Its vCPUs are
 * parked or were never loaded, and its devices quiet (vm_dev_quiesce, or
 * never started): nothing uses it. Its host disks' ports stay open. */
void vm_release_memory(struct vm *vm) {
  if (vm->ram_hpa)
    frame_free(vm->ram_hpa, vm->ram_size);
  if (vm->gs.root) {
    gstage_destroy(&vm->gs, frame_free_table);
    frame_free((uintptr_t)vm->gs.root, GSTAGE_ROOT_SIZE);
  }
  if (vm->ramdisk_hpa)
    frame_free(vm->ramdisk_hpa, (vm->ramdisk_bytes + 4095) & ~4095ULL);
  for (unsigned i = 0; i < vm->ndisks; i++) {
    if (vm->disk[i].state)
      frame_free((uintptr_t)vm->disk[i].state, VM_BLK_STATE_BYTES);
    vm->disk[i].state = NULL;
  }
  if (vm->vcon)
    frame_free((uintptr_t)vm->vcon, VM_VCON_STATE_BYTES);
  vm->vcon = NULL;
  vm->ram_hpa = vm->ramdisk_hpa = 0;
  vm->gs.root = NULL;
  vm->hgatp = 0;
}

int vm_load(struct vm *vm, char *err, size_t errlen) {
  struct image_plan plan;
  char why[160];
  if (image_plan(vm->image, vm->image_size, vm->ram_base, vm->ram_size, &plan, why, sizeof(why))) {
    rv_snprintf(err, errlen, "guest image (%s): %s", vm->image_source, why);
    return -1;
  }
  vm->fdt_gpa = vm->ram_base + vm->ram_size - VM_FDT_MAX;
  for (int i = 0; i < plan.nseg; i++) {
    const struct image_segment *s = &plan.seg[i];
    if (s->gpa + s->memsz > vm->fdt_gpa) {
      rv_snprintf(err, errlen,
                  "guest image (%s): segment at 0x%lx..0x%lx reaches the guest FDT at 0x%lx "
                  "(give the VM more memory)",
                  vm->image_source, (unsigned long)s->gpa, (unsigned long)(s->gpa + s->memsz),
                  (unsigned long)vm->fdt_gpa);
      return -1;
    }
  }
  if (vm->initramfs && image_place_initramfs(&plan, vm->ram_base, vm->fdt_gpa, vm->initramfs_size,
                                             &vm->initramfs_gpa, why, sizeof(why))) {
    rv_snprintf(err, errlen, "initramfs (%s): %s", vm->initramfs_source, why);
    return -1;
  }
  /* A reload starts from clean RAM and devices: nothing of the previous
   * run survives, nor writes into the new one. */
  vm_dev_quiesce(vm);
  if (vm->reboots) /* frame_alloc() already zeroed it the first time */
    memset((void *)vm->ram_hpa, 0, vm->ram_size);
  for (int i = 0; i < plan.nseg; i++) {
    const struct image_segment *s = &plan.seg[i];
    memcpy(vm_gpa_to_hva(vm, s->gpa, s->memsz), vm->image + s->offset, s->filesz);
  }
  if (vm->initramfs)
    memcpy(vm_gpa_to_hva(vm, vm->initramfs_gpa, vm->initramfs_size), vm->initramfs,
           vm->initramfs_size);
  vm->entry = plan.entry;

  char isa[sizeof(plat.isa)];
  const char *drop[] = {"h", "sstc"};
  if (isa_without(plat.isa, drop, hv_use_sstc ? 1 : 2, isa, sizeof(isa))) {
    rv_snprintf(err, errlen, "cannot derive the guest ISA string from '%s'", plat.isa);
    return -1;
  }
  struct vm_fdt_params fp = {
      .name = vm->name,
      .ram_base = vm->ram_base,
      .ram_size = vm->ram_size,
      .nvcpus = vm->nvcpus,
      .isa = isa,
      .mmu_type = plat.mmu_type,
      .timebase = plat.timebase,
      .bootargs = vm->bootargs,
      .plic_base = VDEV_PLIC_BASE,
      .plic_size = VPLIC_WINDOW_SIZE,
      .plic_ndev = VDEV_PLIC_SOURCES - 1,
      .uart_base = vm->dev.has_uart ? VDEV_UART_BASE : 0,
      .uart_size = VDEV_UART_SIZE,
      .uart_irq = VDEV_UART_IRQ,
      .uart_clock = VDEV_UART_CLOCK,
      .initrd_start = vm->initramfs ? vm->initramfs_gpa : 0,
      .initrd_end = vm->initramfs ? vm->initramfs_gpa + vm->initramfs_size : 0,
  };
  /* Every virtio-mmio device on its bus, in address order. */
  for (unsigned i = 0; i < vdev_window_count && fp.nvirtio < VM_FDT_MAX_VIRTIO; i++) {
    const struct vdev_window *w = &vdev_windows[i];
    if (w->virtio_irq && (vm->dev.present & w->needs) == w->needs)
      fp.virtio[fp.nvirtio++] = (struct vm_fdt_virtio){w->base, w->size, w->virtio_irq};
  }
  int n = vm_fdt_build(&fp, vm_gpa_to_hva(vm, vm->fdt_gpa, VM_FDT_MAX), VM_FDT_MAX);
  if (n < 0) {
    rv_snprintf(err, errlen, "cannot build the guest FDT (%d)", n);
    return -1;
  }
  /* Every vCPU is parked or new here: none is loaded in any hart. */
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    struct vcpu *v = &vm->vcpu[i];
    vcpu_reset(v, vm->entry, i, vm->fdt_gpa);
    /* Nothing posted to the previous run survives it. */
    __atomic_store_n(&v->requests, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->eip, false, __ATOMIC_SEQ_CST);
    v->hsm_state = i == 0 ? SBI_HSM_STATE_START_PENDING : SBI_HSM_STATE_STOPPED;
    v->parked = false;
  }
  vm->unparked = vm->nvcpus;
  vm->loaded_at = csr_read(CSR_TIME);
  hfence_gvma_vmid(vm->vmid);
  __atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_SEQ_CST);
  hv_log("VM %s: %s image from %s, %lu bytes, entry 0x%lx, %lu MiB RAM at 0x%lx, %u vCPU%s",
         vm->name, image_kind_name(plan.kind), vm->image_source, (unsigned long)vm->image_size,
         (unsigned long)vm->entry, (unsigned long)(vm->ram_size >> 20), (unsigned long)vm->ram_base,
         vm->nvcpus, vm->nvcpus == 1 ? "" : "s");
  if (vm->initramfs)
    hv_log("VM %s: initramfs from %s, %lu bytes at 0x%lx-0x%lx", vm->name, vm->initramfs_source,
           (unsigned long)vm->initramfs_size, (unsigned long)vm->initramfs_gpa,
           (unsigned long)(vm->initramfs_gpa + vm->initramfs_size));
  for (unsigned i = 0; i < vm->ndisks; i++) {
    const struct vm_disk *k = &vm->disk[i];
    uint64_t sectors = k->port ? k->port->be.capacity : vm->ramdisk_bytes / 512;
    hv_log("VM %s: virtio-blk %s at 0x%lx (PLIC source %u), %lu sectors%s", vm->name, k->what,
           (unsigned long)(VDEV_VIRTIO_BLK_BASE + i * VDEV_VIRTIO_BLK_SIZE),
           VDEV_VIRTIO_BLK_IRQ + i, (unsigned long)sectors,
           k->port && k->port->be.read_only ? ", read-only" : "");
  }
  return 0;
}

/* First caller wins: later stop or reboot requests of a VM that is already
 * going down are ignored. Every hart holding one of its vCPUs is told. A
 * paused VM whose vCPUs are all parked already is stopped or reloaded here
 * and now (no hart has one left to park). Returns false if ignored. */
static bool request_stop(struct vm *vm, enum vm_state how, unsigned long reason, bool monitor,
                         const char *fmt, va_list ap) {
  spin_lock(&vm->lock);
  if (vm->state != VM_RUNNING && vm->state != VM_PAUSED) {
    spin_unlock(&vm->lock);
    return false;
  }
  rv_vsnprintf(vm->stop_msg, sizeof(vm->stop_msg), fmt, ap);
  vm->stop_reason = reason;
  vm->monitor_stop = monitor && how == VM_STOPPING;
  __atomic_store_n(&vm->state, how, __ATOMIC_SEQ_CST);
  bool parked = vm->unparked == 0, reloaded = false;
  if (parked)
    reloaded = sched_park_done_locked(vm);
  spin_unlock(&vm->lock);
  if (parked) {
    sched_park_done(vm, reloaded);
    return true;
  }
  /* A guest's request comes from one of the VM's vCPUs, which sees the new
   * state as it leaves its exit; the monitor's from this hart may find
   * another VM's vCPU running here, which must make way for a look. */
  for (unsigned i = 0; i < vm->nvcpus; i++)
    monitor ? sched_kick(vm->vcpu[i].owner) : hart_kick(vm->vcpu[i].owner);
  return true;
}

void vm_request_stop(struct vm *vm, enum vm_state how, unsigned long reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  request_stop(vm, how, reason, false, fmt, ap);
  va_end(ap);
}

bool vm_monitor_request_stop(struct vm *vm, enum vm_state how, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bool r = request_stop(vm, how, SBI_SRST_REASON_NONE, true, fmt, ap);
  va_end(ap);
  return r;
}

_Static_assert(sizeof(struct vm_stats) % sizeof(uint64_t) == 0, "vm_stats: counters only");

/* The VM's counters: the sum over its vCPUs. */
static void stats_sum(const struct vm *vm, struct vm_stats *sum) {
  /* Every field is a uint64_t counter: sum them as words, copied in and
   * out (no aliasing of the struct as an array). */
  uint64_t words[sizeof(struct vm_stats) / sizeof(uint64_t)] = {0}, w[sizeof(words) / 8];
  for (unsigned v = 0; v < vm->nvcpus; v++) {
    memcpy(w, &vm->vcpu[v].stats, sizeof(w));
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
      words[i] += w[i];
  }
  memcpy(sum, words, sizeof(*sum));
}

static uint64_t exits_of(const struct vm_stats *s) {
  uint64_t total = s->exits + s->sbi_unsupported;
  for (int i = 0; i < SBI_IDX_COUNT; i++)
    total += s->sbi[i];
  return total;
}

uint64_t vm_exit_total(const struct vm *vm) {
  struct vm_stats s;
  stats_sum(vm, &s);
  return exits_of(&s);
}

/* A slice that is running counts up to now (read before the finished
 * ones: a slice that ends meanwhile is counted at most twice, never lost). */
uint64_t vm_run_ticks(const struct vm *vm) {
  uint64_t t = csr_read(CSR_TIME), sum = 0;
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    uint64_t since = __atomic_load_n(&vm->vcpu[i].run_since, __ATOMIC_ACQUIRE);
    sum += __atomic_load_n(&vm->vcpu[i].run_ticks, __ATOMIC_RELAXED);
    if (since && t > since)
      sum += t - since;
  }
  return sum;
}

void vm_print_stats(const struct vm *vm) {
  struct vm_stats sum;
  stats_sum(vm, &sum);
  const struct vm_stats *s = &sum;
  char sbi[160];
  int n = 0;
  uint64_t total = exits_of(s);
  for (int i = 0; i < SBI_IDX_COUNT; i++)
    if (s->sbi[i])
      n += rv_snprintf(sbi + n, sizeof(sbi) - (size_t)n, " %s=%lu", sbi_ext_table[i].name,
                       (unsigned long)s->sbi[i]);
  if (s->sbi_unsupported)
    n += rv_snprintf(sbi + n, sizeof(sbi) - (size_t)n, " unsupported=%lu",
                     (unsigned long)s->sbi_unsupported);
  if (!n)
    rv_snprintf(sbi, sizeof(sbi), " none");
  hv_log("VM %s exits: %lu total; sbi:%s", vm->name, (unsigned long)total, sbi);
  hv_log("VM %s exits: faults-injected=%lu virtual-insn=%lu wfi=%lu guest-page-fault=%lu", vm->name,
         (unsigned long)s->faults_injected, (unsigned long)s->virtual_insn, (unsigned long)s->wfi,
         (unsigned long)s->guest_page_faults);
  /* One counter per region of the bus (under its device lock). */
  char mmio[160] = "";
  n = 0;
  const struct bus *bus = &vm->dev.bus;
  for (const struct bus_region *r = bus_first(bus); r; r = bus_next(bus, r))
    n += rv_snprintf(mmio + n, sizeof(mmio) - (size_t)n, " %s=%lu", r->name,
                     (unsigned long)r->accesses);
  hv_log("VM %s exits: mmio:%s", vm->name, n ? mmio : " none");
  for (unsigned i = 0; i < vm->nnics; i++) {
    const struct vdev_nic *vn = vm->nic[i].state;
    struct net_port_stats ps;
    net_port_stats(&vn->port, &ps);
    const struct net_stats *ns = &vn->net.st;
    hv_log("VM %s net%u: tx=%lu rx=%lu, tx dropped: spoofed=%lu bad-length=%lu bad-header=%lu "
           "bad-chain=%lu flood-limited=%lu queue-full=%lu filtered=%lu, rx dropped: no-buffer=%lu "
           "too-small=%lu not-ready=%lu, queue-errors=%lu",
           vm->name, i, (unsigned long)ps.tx, (unsigned long)ps.rx, (unsigned long)ps.tx_spoofed,
           (unsigned long)(ns->tx_bad_len + ps.tx_bad_len), (unsigned long)ns->tx_bad_hdr,
           (unsigned long)ns->tx_bad_chain, (unsigned long)ps.tx_flood_limited,
           (unsigned long)ps.tx_queue_full, (unsigned long)ps.tx_filtered,
           (unsigned long)ns->rx_no_buffer, (unsigned long)ns->rx_too_small,
           (unsigned long)ns->rx_not_ready, (unsigned long)ns->queue_errors);
  }
  hv_log("VM %s exits: irq-timer=%lu irq-ipi=%lu irq-other=%lu; injected: timer=%lu ipi=%lu "
         "external=%lu; preempted=%lu reboots=%u harts-kicked=%lu",
         vm->name, (unsigned long)s->irq_timer, (unsigned long)s->irq_ipi,
         (unsigned long)s->irq_other, (unsigned long)s->timer_injected,
         (unsigned long)s->ipi_injected, (unsigned long)s->eip_changes, (unsigned long)s->preempted,
         vm->reboots, (unsigned long)s->harts_kicked);
}
