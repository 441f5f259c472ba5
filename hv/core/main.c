/* Boot flow of the boot hart: learn the machine from the FDT, check for the
 * H extension, set up the frame allocator and the hart's hypervisor CSRs,
 * build the VM and run it. */
#include "../arch/riscv/csr.h"
#include "../lib/printf.h"
#include "console.h"
#include "frame.h"
#include "guest_mem.h"
#include "hart.h"
#include "options.h"
#include "platform.h"
#include "sbi_call.h"
#include "vm.h"
#include <string.h>

#define RUSTYVISOR_VERSION "0.1.0"

bool hv_use_sstc;
unsigned hv_vmid_bits;

extern const uint8_t guest_image_start[], guest_image_end[];
void sbi_env_cache_machine_ids(void);

static struct vm vm0;

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

  struct vm_config cfg = {
      .name = "vm0",
      .ram_size = opt.mem ? opt.mem : VM_DEFAULT_RAM,
      .nvcpus = opt.vcpus ? opt.vcpus : 1,
      .bootargs = opt.have_guest_args ? opt.guest_args : "",
  };
  if (plat.initrd_end) {
    cfg.image = (const uint8_t *)(uintptr_t)plat.initrd_start;
    cfg.image_size = plat.initrd_end - plat.initrd_start;
    cfg.image_source = "initrd";
  } else {
    cfg.image = guest_image_start;
    cfg.image_size = (size_t)(guest_image_end - guest_image_start);
    cfg.image_source = "embedded";
  }
  if (!cfg.image_size) {
    hv_log("error: no guest image: embed one (-DRV_GUEST=file) or pass one with -initrd");
    power_off(SBI_SRST_REASON_SYSFAIL);
  }
  smp_boot_secondaries();
  hv_log("harts running the hypervisor: %u", hart_count);
  if (vm_create(&vm0, 0, &cfg, err, sizeof(err))) {
    hv_log("error: VM %s: %s", cfg.name, err);
    power_off(SBI_SRST_REASON_SYSFAIL);
  }
  vm_console_focus = &vm0;
  if (console_enable_rx_irq(fdt, hartid))
    csr_set(CSR_SIE, MIP_SEIP); /* the UART's interrupt comes to this hart */
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
  hv_panic("unexpected trap in the hypervisor: scause 0x%lx sepc 0x%lx stval 0x%lx "
           "htval 0x%lx ra 0x%lx sp 0x%lx",
           scause, f->sepc, csr_read(CSR_STVAL), csr_read(CSR_HTVAL), f->x[1], f->x[2]);
}
