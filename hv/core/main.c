/* Boot flow of the boot hart: learn the machine from the FDT, check for the
 * H extension, set up the frame allocator and the hart's hypervisor CSRs,
 * build the VM and run it. */
#include "../arch/riscv/csr.h"
#include "../arch/riscv/sbi_host.h"
#include "../dev/vdev.h"
#include "../drivers/plic.h"
#include "../lib/printf.h"
#include "config.h"
#include "console.h"
#include "disk.h"
#include "frame.h"
#include "guest_mem.h"
#include "hart.h"
#include "hostio.h"
#include "options.h"
#include "platform.h"
#include "sched.h"
#include "vm.h"
#include <string.h>

#define RUSTYVISOR_VERSION "0.1.0"

bool hv_use_sstc;
unsigned hv_vmid_bits;

extern const uint8_t guest_image_start[], guest_image_end[];
extern const uint8_t config_blob_start[], config_blob_end[];
void sbi_env_cache_machine_ids(void);

static struct vm vms[CFG_MAX_VMS];
static struct hv_config config;

/* Per-hart hypervisor CSRs (priv spec, H extension): which guest traps and
 * interrupts go straight to VS-mode, which counters the guest may read. */
void hart_init_hyp(void) {
  csr_write(CSR_HEDELEG, (1UL << EXC_INST_MISALIGNED) | (1UL << EXC_LOAD_MISALIGNED) |
                             (1UL << EXC_STORE_MISALIGNED) | (1UL << EXC_ILLEGAL_INST) |
                             (1UL << EXC_BREAKPOINT) | (1UL << EXC_ECALL_U) |
                             (1UL << EXC_INST_PAGE_FAULT) | (1UL << EXC_LOAD_PAGE_FAULT) |
                             (1UL << EXC_STORE_PAGE_FAULT));
  csr_write(CSR_HIDELEG, MIP_VSSIP | MIP_VSTIP | MIP_VSEIP);
  csr_write(CSR_HCOUNTEREN, HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR);
  csr_write(CSR_HENVCFG, hv_use_sstc ? HENVCFG_STCE : 0);
  csr_write(CSR_HVIP, 0);
  csr_write(CSR_HGEIE, 0);
  /* FP on at HS level so that guests may enable it (V=1 needs both FS). */
  csr_set(CSR_SSTATUS, SSTATUS_FS_INITIAL);
  /* No host timer until the scheduler asks for one. */
  if (hv_use_sstc)
    csr_write(CSR_STIMECMP, UINT64_MAX);
  else
    sbi_host_set_timer(UINT64_MAX);
  this_hart()->timer_programmed = UINT64_MAX;
  csr_write(CSR_SIE, MIP_SSIP | MIP_STIP);
}

static unsigned probe_vmid_bits(void) {
  csr_write(CSR_HGATP, HGATP_VMID_MASK << HGATP_VMID_SHIFT);
  unsigned long v = (csr_read(CSR_HGATP) >> HGATP_VMID_SHIFT) & HGATP_VMID_MASK;
  csr_write(CSR_HGATP, 0);
  unsigned bits = 0;
  while (v & 1) {
    bits++;
    v >>= 1;
  }
  return bits;
}

_Noreturn static void power_off(unsigned long reason) {
  hv_log("powering off");
  sbi_host_reset(SBI_SRST_TYPE_SHUTDOWN, reason);
}

static void print_banner(void) {
  hv_printf("\nrustyvisor %s: RISC-V hypervisor in HS-mode\n", RUSTYVISOR_VERSION);
  for (int i = 0; i < plat.nmem; i++)
    hv_log("memory: 0x%lx-0x%lx (%lu MiB)", (unsigned long)plat.mem[i].start,
           (unsigned long)plat.mem[i].end,
           (unsigned long)((plat.mem[i].end - plat.mem[i].start) >> 20));
  hv_log("harts: %u (boot hart %lu), timebase %u Hz", plat.nharts, plat.boot_hartid, plat.timebase);
  hv_log("isa: %s", plat.isa);
  hv_log("features: H %s, Sstc %s", plat.has_h ? "yes" : "no",
         plat.has_sstc ? "yes (guest timers without exits)" : "no (timer trap-and-inject)");
  hv_log("console: %s", console_backend());
}

static void report_config(void *ctx, const char *vm, const char *msg) {
  if (vm)
    hv_log("config (%s): VM %s rejected: %s", (const char *)ctx, vm, msg);
  else
    hv_log("config (%s): error: %s", (const char *)ctx, msg);
}

/* Without a configuration: one VM, "vm0", shaped by the -append options,
 * running the -initrd image, else the kernel on the first virtio-blk disk,
 * else the embedded one. initramfs=disk or initramfs=initrd gives it an
 * initramfs from that source, which then holds no kernel. */
static int default_config(const struct hv_options *opt, struct hv_config *c) {
  struct vm_spec *s = &c->vm[0];
  memset(c, 0, sizeof(*c));
  c->nvms = 1;
  config_spec_defaults(s);
  rv_snprintf(s->name, sizeof(s->name), "vm0");
  config_default_nic(s); /* on switch "lan", with the host's first NIC */
  s->mem_size = opt->mem ? opt->mem : VM_DEFAULT_RAM;
  s->nvcpus = opt->vcpus ? opt->vcpus : 1;
  if (opt->have_guest_args)
    s->bootargs = opt->guest_args;
  char err[160];
  int r = 1;
  if (opt->initramfs == OPT_INITRAMFS_INITRD) {
    if (!plat.initrd_end) {
      hv_log("error: -append initramfs=initrd: no -initrd was given");
      return -1;
    }
    s->has_initramfs = true;
    s->initramfs_src = CFG_KERNEL_INITRD;
  } else if (opt->initramfs == OPT_INITRAMFS_DISK) {
    s->has_initramfs = true;
    s->initramfs_src = CFG_KERNEL_DISK;
  }
  if (plat.initrd_end && opt->initramfs != OPT_INITRAMFS_INITRD) {
    s->kernel = CFG_KERNEL_INITRD;
  } else if (opt->initramfs != OPT_INITRAMFS_DISK &&
             (r = disk_kernel(plat.fdt, &s->image, &s->image_size, err, sizeof(err))) == 0) {
    s->kernel = CFG_KERNEL_DISK;
  } else {
    if (r < 0 || (opt->initramfs != OPT_INITRAMFS_DISK && strcmp(err, "no virtio-blk disk")))
      hv_log("%s %s: booting the embedded guest", r < 0 ? "error:" : "note:", err);
    s->kernel = CFG_KERNEL_EMBEDDED;
    s->image = guest_image_start;
    s->image_size = (size_t)(guest_image_end - guest_image_start);
  }
  if (s->kernel == CFG_KERNEL_EMBEDDED && !s->image_size) {
    hv_log("error: no guest image: embed one (-DRV_GUEST=file) or pass one with -initrd");
    return -1;
  }
  return 0;
}

/* The configuration: embedded at build time (-DRV_CONFIG=file.dts), else
 * an -initrd that is one, else the default single VM. */
static int setup_config(const struct hv_options *opt, struct hv_config *c, bool *configured) {
  const void *blob = NULL;
  size_t size = 0;
  const char *src = NULL;
  const void *initrd = (const void *)(uintptr_t)plat.initrd_start;
  size_t initrd_size = plat.initrd_end - plat.initrd_start;
  if ((size_t)(config_blob_end - config_blob_start) > 0) {
    blob = config_blob_start;
    size = (size_t)(config_blob_end - config_blob_start);
    src = "embedded";
  } else if (initrd_size && config_is_config(initrd, initrd_size)) {
    blob = initrd;
    size = initrd_size;
    src = "initrd";
  }
  if (!blob)
    return default_config(opt, c);
  *configured = true;
  if (opt->mem || opt->vcpus || opt->initramfs || opt->have_guest_args) {
    hv_log("error: -append mem=, vcpus=, initramfs= and -- shape the default VM only; with a "
           "configuration (%s), say it there",
           src);
    return -1;
  }
  /* Every window of the device table, whether a VM has that device or not:
   * no VM's memory may lie there. */
  struct region busy[BUS_MAX_REGIONS];
  unsigned nbusy = 0;
  for (unsigned i = 0; i < vdev_window_count && nbusy < BUS_MAX_REGIONS; i++, nbusy++)
    busy[nbusy] =
        (struct region){vdev_windows[i].base, vdev_windows[i].base + vdev_windows[i].size};
  struct cfg_limits lim = {
      .nharts = hart_count,
      .host_mem = frame_free_bytes(),
      .busy = busy,
      .nbusy = nbusy,
  };
  hv_log("config: %s, %lu bytes", src, (unsigned long)size);
  if (config_parse(blob, size, &lim, c, report_config, (void *)src))
    return -1;
  if (src[0] == 'i') /* the initrd is the configuration, not a kernel */
    plat.initrd_start = plat.initrd_end = 0;
  return 0;
}

/* The image a VM's kernel-source or initramfs-source names: the -initrd
 * or the disk (kernel_only: only a disk that holds a kernel). 0, or -1 with
 * err. */
static int find_image(enum cfg_kernel src, bool kernel_only, const uint8_t **image, size_t *size,
                      char *err, size_t errlen) {
  if (src == CFG_KERNEL_INITRD) {
    if (!plat.initrd_end) {
      rv_snprintf(err, errlen, "no image was given with -initrd");
      return -1;
    }
    *image = (const uint8_t *)(uintptr_t)plat.initrd_start;
    *size = plat.initrd_end - plat.initrd_start;
    return 0;
  }
  if (src == CFG_KERNEL_DISK) {
    int r = kernel_only ? disk_kernel(plat.fdt, image, size, err, errlen)
                        : disk_contents(plat.fdt, image, size, err, errlen);
    return r ? -1 : 0;
  }
  return 0; /* embedded: already in the spec */
}

/* With no configuration, the single VM gets every host disk the hypervisor
 * did not read its kernel or initramfs from, in slot order, whole and
 * writable: QEMU's -drive ... bus=virtio-mmio-bus.N works as it would
 * without a hypervisor. */
static void give_default_disks(struct vm_spec *s) {
  unsigned slots[HOSTDISK_MAX];
  unsigned n = hostdisk_slots(slots, HOSTDISK_MAX);
  uint64_t boot_disk = disk_read_base();
  for (unsigned i = 0; i < n && s->ndisks < CFG_DISKS_MAX; i++) {
    char err[96];
    struct hostdisk *hd = hostdisk_get(slots[i], err, sizeof(err));
    if (!hd || (boot_disk && hd->dev.base == boot_disk))
      continue;
    struct cfg_disk *k = &s->disk[s->ndisks++];
    memset(k, 0, sizeof(*k));
    k->host_slot = slots[i];
    rv_snprintf(k->node, sizeof(k->node), "disk@%u", slots[i]);
  }
}

/* Create every configured VM whose kernel (and initramfs) can be found; a
 * VM that fails is reported and the others go on. -append stats=on/off
 * sets every VM's stop report. */
static void create_vms(struct hv_config *c, const struct hv_options *opt, bool configured) {
  char err[256];
  bool ok[CFG_MAX_VMS] = {false};
  /* First every image from the first disk (its polled driver), then the
   * host disks are driven for the VMs (interrupt-driven), then the VMs. */
  for (unsigned i = 0; i < c->nvms; i++) {
    struct vm_spec *s = &c->vm[i];
    ok[i] = false;
    if (s->kernel != CFG_KERNEL_EMBEDDED &&
        find_image(s->kernel, true, &s->image, &s->image_size, err, sizeof(err))) {
      hv_log("error: VM %s: property 'kernel-source': %s", s->name, err);
      continue;
    }
    if (s->has_initramfs && s->initramfs_src != CFG_KERNEL_EMBEDDED &&
        find_image(s->initramfs_src, false, &s->initramfs, &s->initramfs_size, err, sizeof(err))) {
      hv_log("error: VM %s: %s: %s", s->name,
             opt->initramfs ? "-append initramfs=" : "property 'initramfs-source'", err);
      continue;
    }
    ok[i] = true;
  }
  hostdisks_init(plat.fdt);
  if (!configured && c->nvms == 1)
    give_default_disks(&c->vm[0]);
  for (unsigned i = 0; i < c->nvms; i++)
    for (unsigned k = 0; ok[i] && k < c->vm[i].ndisks; k++)
      hostdisk_plan(c->vm[i].disk[k].host_slot);
  for (unsigned i = 0; i < c->nvms; i++) {
    struct vm_spec *s = &c->vm[i];
    if (!ok[i])
      continue;
    if (opt->stats >= 0)
      s->stats = opt->stats;
    if (vm_create(&vms[vm_count], vm_count, s, c->nvms > 1, err, sizeof(err)))
      hv_log("error: VM %s: %s", s->name, err);
  }
}

void hv_main(unsigned long hartid, const void *fdt) {
  char err[192];
  if (platform_probe(fdt, hartid, err, sizeof(err)))
    hv_panic("%s", err);
  if (plat.has_uart)
    console_use_uart((uintptr_t)plat.uart_base, plat.uart_shift, plat.uart_width);
  print_banner();
  if (!plat.has_h) {
    hv_log("error: this CPU lacks the H extension (riscv,isa = %s); rustyvisor needs it: "
           "run QEMU with -cpu rv64 (H is on by default) and drop h=false",
           plat.isa);
    sbi_host_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSFAIL);
  }

  struct hv_options opt;
  if (options_parse(plat.bootargs, &opt, err, sizeof(err))) {
    hv_log("error: -append \"%s\": %s", plat.bootargs, err);
    power_off(SBI_SRST_REASON_SYSFAIL);
  }

  frame_init();
  hv_use_sstc = plat.has_sstc;
  hv_vmid_bits = probe_vmid_bits();
  sbi_env_cache_machine_ids();
  hart_init_hyp();
  hv_log("free memory: %lu MiB, VMID bits: %u", (unsigned long)(frame_free_bytes() >> 20),
         hv_vmid_bits);

  smp_boot_secondaries();
  hv_log("harts running the hypervisor: %u", hart_count);
  bool configured = false;
  if (setup_config(&opt, &config, &configured))
    power_off(SBI_SRST_REASON_SYSFAIL);
  create_vms(&config, &opt, configured);
  if (!vm_count) {
    hv_log("error: no VM could be created");
    power_off(SBI_SRST_REASON_SYSFAIL);
  }
  vm_console_set_focus(vm_list[0]);
  if (vm_count > 1)
    hv_log("console: %u VMs; Ctrl-\\ n gives the keyboard to the next one, Ctrl-\\ ? lists "
           "them",
           vm_count);
  if (console_enable_rx_irq(fdt, hartid))
    hostirq_register(plic_host_uart_irq(), true, console_uart_irq, 0); /* to this hart only */
  else
    hv_log("console input: polled (no PLIC route for the UART)");
  for (unsigned i = 1; i < hart_count; i++)
    hart_kick(&harts[i]);
  sched_run();
}

/* Frame saved by hv_trap_entry: x1..x31 at 8*n, sepc at 256. */
struct hv_trap_frame {
  unsigned long x[32];
  unsigned long sepc;
};

/* A trap taken in HS-mode. Only a fault of a guest-memory access that
 * expects one is recoverable; anything else is a hypervisor bug. */
void hv_trap_handler(struct hv_trap_frame *f) {
  unsigned long scause = csr_read(CSR_SCAUSE);
  unsigned long fixup = scause & SCAUSE_INTERRUPT ? 0 : guest_access_fixup(f->sepc);
  if (fixup) {
    this_hart()->access_fault_cause = scause;
    f->sepc = fixup;
    return;
  }
  /* An overflow is the likelier story: say so first (tp may not name a
   * hart yet this early). */
  struct hart *h = this_hart();
  if (h >= harts && h < harts + PLAT_MAX_HARTS)
    hart_guard_check(h, true);
  hv_panic("unexpected trap in the hypervisor: scause 0x%lx sepc 0x%lx stval 0x%lx "
           "htval 0x%lx ra 0x%lx sp 0x%lx",
           scause, f->sepc, csr_read(CSR_STVAL), csr_read(CSR_HTVAL), f->x[1], f->x[2]);
}
