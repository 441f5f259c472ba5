/* VM construction: guest RAM, G-stage mapping, image loading, guest FDT. */
#include "vm.h"
#include "../arch/riscv/csr.h"
#include "../lib/image.h"
#include "../lib/isa.h"
#include "../lib/printf.h"
#include "console.h"
#include "frame.h"
#include "hart.h"
#include "platform.h"
#include "vm_fdt.h"
#include <stdarg.h>
#include <string.h>

unsigned vm_live_count;
struct vm *vm_console_focus; /* the VM that receives console input */

/* A byte from the console (boot hart, host external interrupt). */
void vm_console_input(char c) {
  struct vm *vm = __atomic_load_n(&vm_console_focus, __ATOMIC_ACQUIRE);
  if (vm && vm->state == VM_RUNNING)
    vdev_console_input(vm, (uint8_t)c);
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len) {
  if (gpa < vm->ram_base || gpa - vm->ram_base >= vm->ram_size ||
      len > vm->ram_size - (gpa - vm->ram_base))
    return NULL;
  return (void *)(vm->ram_hpa + (gpa - vm->ram_base));
}

int vm_create(struct vm *vm, unsigned id, const struct vm_config *cfg, char *err, size_t errlen) {
  memset(vm, 0, sizeof(*vm));
  vm->id = id;
  rv_snprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
  vm->vmid = (id + 1) & ((1U << hv_vmid_bits) - 1);
  vm->ram_base = VM_RAM_BASE;
  vm->ram_size = cfg->ram_size;
  vm->nvcpus = cfg->nvcpus;
  vm->image = cfg->image;
  vm->image_size = cfg->image_size;
  vm->image_source = cfg->image_source;
  rv_snprintf(vm->bootargs, sizeof(vm->bootargs), "%s", cfg->bootargs ? cfg->bootargs : "");

  /* 2 MiB aligned, so the G-stage maps it with megapages. */
  vm->ram_hpa = (uintptr_t)frame_alloc(vm->ram_size, 2UL << 20);
  if (!vm->ram_hpa) {
    rv_snprintf(err, errlen, "cannot allocate %lu MiB of guest RAM (%lu MiB free)",
                (unsigned long)(vm->ram_size >> 20), (unsigned long)(frame_free_bytes() >> 20));
    return -1;
  }
  vm->gs.root = (uint64_t *)(uintptr_t)frame_alloc(GSTAGE_ROOT_SIZE, GSTAGE_ROOT_SIZE);
  vm->gs.alloc_table = frame_alloc_table;
  if (!vm->gs.root) {
    rv_snprintf(err, errlen, "cannot allocate the G-stage root table");
    return -1;
  }
  int r = gstage_map(&vm->gs, vm->ram_base, vm->ram_hpa, vm->ram_size, GSTAGE_RWX);
  if (r != GSTAGE_OK) {
    rv_snprintf(err, errlen, "G-stage mapping of guest RAM failed (%d)", r);
    return -1;
  }
  vm->hgatp = gstage_hgatp(&vm->gs, vm->vmid);
  hfence_gvma_vmid(vm->vmid);
  for (unsigned i = 0; i < vm->nvcpus; i++) {
    vm->vcpu[i].vm = vm;
    vm->vcpu[i].id = i;
  }
  if (vm_load(vm, err, errlen))
    return -1;
  __atomic_add_fetch(&vm_live_count, 1, __ATOMIC_SEQ_CST);
  for (unsigned i = 0; i < vm->nvcpus; i++)
    sched_place(&vm->vcpu[i]);
  return 0;
}

int vm_load(struct vm *vm, char *err, size_t errlen) {
  struct image_plan plan;
  char why[96];
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
  /* A reload starts from clean RAM and devices: nothing of the previous
   * run survives. */
  vdev_init(vm, true);
  if (vm->reboots) /* frame_alloc() already zeroed it the first time */
    memset((void *)vm->ram_hpa, 0, vm->ram_size);
  for (int i = 0; i < plan.nseg; i++) {
    const struct image_segment *s = &plan.seg[i];
    memcpy(vm_gpa_to_hva(vm, s->gpa, s->memsz), vm->image + s->offset, s->filesz);
  }
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
  };
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
  hfence_gvma_vmid(vm->vmid);
  __atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_SEQ_CST);
  hv_log("VM %s: %s image from %s, %lu bytes, entry 0x%lx, %lu MiB RAM at 0x%lx, %u vCPU%s",
         vm->name, image_kind_name(plan.kind), vm->image_source, (unsigned long)vm->image_size,
         (unsigned long)vm->entry, (unsigned long)(vm->ram_size >> 20), (unsigned long)vm->ram_base,
         vm->nvcpus, vm->nvcpus == 1 ? "" : "s");
  return 0;
}

/* First caller wins: later stop or reboot requests of a VM that is already
 * going down are ignored. Every hart holding one of its vCPUs is kicked. */
void vm_request_stop(struct vm *vm, enum vm_state how, unsigned long reason, const char *fmt, ...) {
  spin_lock(&vm->lock);
  if (vm->state != VM_RUNNING) {
    spin_unlock(&vm->lock);
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  rv_vsnprintf(vm->stop_msg, sizeof(vm->stop_msg), fmt, ap);
  va_end(ap);
  vm->stop_reason = reason;
  __atomic_store_n(&vm->state, how, __ATOMIC_SEQ_CST);
  spin_unlock(&vm->lock);
  for (unsigned i = 0; i < vm->nvcpus; i++)
    hart_kick(vm->vcpu[i].owner);
}

void vm_print_stats(const struct vm *vm) {
  struct vm_stats sum = {0};
  const uint64_t *src;
  uint64_t *dst = (uint64_t *)&sum;
  for (unsigned v = 0; v < vm->nvcpus; v++) {
    src = (const uint64_t *)&vm->vcpu[v].stats;
    for (size_t i = 0; i < sizeof(sum) / sizeof(uint64_t); i++)
      dst[i] += src[i];
  }
  const struct vm_stats *s = &sum;
  char sbi[160];
  int n = 0;
  for (int i = 0; i < SBI_IDX_COUNT; i++)
    if (s->sbi[i])
      n += rv_snprintf(sbi + n, sizeof(sbi) - (size_t)n, " %s=%lu", sbi_ext_table[i].name,
                       (unsigned long)s->sbi[i]);
  if (s->sbi_unsupported)
    n += rv_snprintf(sbi + n, sizeof(sbi) - (size_t)n, " unsupported=%lu",
                     (unsigned long)s->sbi_unsupported);
  if (!n)
    rv_snprintf(sbi, sizeof(sbi), " none");
  hv_log("VM %s exits: %lu total; sbi:%s", vm->name, (unsigned long)s->exits, sbi);
  hv_log("VM %s exits: virtual-insn=%lu wfi=%lu guest-page-fault=%lu faults-injected=%lu", vm->name,
         (unsigned long)s->virtual_insn, (unsigned long)s->wfi, (unsigned long)s->guest_page_faults,
         (unsigned long)s->faults_injected);
  hv_log("VM %s exits: mmio: plic=%lu uart=%lu", vm->name, (unsigned long)s->mmio_plic,
         (unsigned long)s->mmio_uart);
  hv_log("VM %s exits: irq-timer=%lu irq-ipi=%lu irq-other=%lu; injected: timer=%lu ipi=%lu "
         "external=%lu; preempted=%lu reboots=%u",
         vm->name, (unsigned long)s->irq_timer, (unsigned long)s->irq_ipi,
         (unsigned long)s->irq_other, (unsigned long)s->timer_injected,
         (unsigned long)s->ipi_injected, (unsigned long)s->eip_changes, (unsigned long)s->preempted,
         vm->reboots);
}
