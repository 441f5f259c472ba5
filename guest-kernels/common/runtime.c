#include "fdt.h"
#include "guest.h"
#include "printf.h"
#include <stdarg.h>
#include <string.h>

int guest_failures;
static bool have_dbcn;
/* Per hart (indexed by guest_hartid()): an exception the test provokes. */
static volatile bool expecting[GUEST_MAX_HARTS], took[GUEST_MAX_HARTS];
static volatile unsigned long took_cause[GUEST_MAX_HARTS], took_tval[GUEST_MAX_HARTS];
void (*guest_irq_handler)(unsigned long irq);

static unsigned slot(void) {
  unsigned long id = guest_hartid();
  return id < GUEST_MAX_HARTS ? (unsigned)id : GUEST_MAX_HARTS - 1;
}

__attribute__((weak)) void guest_secondary_main(unsigned long hartid, unsigned long opaque) {
  (void)hartid;
  (void)opaque;
  sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0, 0, 0);
}

struct sbiret sbi_ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  register unsigned long r0 __asm__("a0") = a0;
  register unsigned long r1 __asm__("a1") = a1;
  register unsigned long r2 __asm__("a2") = a2;
  register unsigned long r3 __asm__("a3") = a3;
  register unsigned long r4 __asm__("a4") = a4;
  register unsigned long r5 __asm__("a5") = a5;
  register unsigned long r6 __asm__("a6") = fid;
  register unsigned long r7 __asm__("a7") = ext;
  __asm__ volatile("ecall"
                   : "+r"(r0), "+r"(r1)
                   : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
                   : "memory");
  return (struct sbiret){(long)r0, (long)r1};
}

long sbi_legacy(unsigned long ext, unsigned long a0) {
  return sbi_ecall(ext, 0, a0, 0, 0, 0, 0, 0).error;
}

void guest_console_init(void) {
  have_dbcn = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_DBCN, 0, 0, 0, 0, 0).value > 0;
}

bool guest_has_dbcn(void) { return have_dbcn; }

static void put_buf(const char *s, unsigned long n) {
  if (have_dbcn) {
    while (n) {
      struct sbiret r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_WRITE, n, (unsigned long)s, 0, 0, 0, 0);
      if (r.error || r.value <= 0)
        break;
      s += r.value;
      n -= (unsigned long)r.value;
    }
    return;
  }
  for (unsigned long i = 0; i < n; i++)
    sbi_legacy(SBI_EXT_0_1_CONSOLE_PUTCHAR, (unsigned char)s[i]);
}

void guest_puts(const char *s) {
  unsigned long n = 0;
  while (s[n])
    n++;
  put_buf(s, n);
}

void guest_printf(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = rv_vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  put_buf(buf, n < (int)sizeof(buf) ? (unsigned long)n : sizeof(buf) - 1);
}

_Noreturn static void reset(unsigned long reason) {
  sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_SHUTDOWN, reason, 0, 0, 0, 0);
  sbi_legacy(SBI_EXT_0_1_SHUTDOWN, 0);
  for (;;)
    __asm__ volatile("wfi");
}

_Noreturn void guest_shutdown(void) {
  reset(guest_failures ? SBI_SRST_REASON_SYSFAIL : SBI_SRST_REASON_NONE);
}

_Noreturn void guest_shutdown_fail(void) {
  guest_puts("FAILED: guest_main returned\n");
  reset(SBI_SRST_REASON_SYSFAIL);
}

void guest_expect_exception(void) {
  took[slot()] = false;
  expecting[slot()] = true;
}

bool guest_took_exception(unsigned long *cause, unsigned long *tval) {
  unsigned s = slot();
  expecting[s] = false;
  if (cause)
    *cause = took_cause[s];
  if (tval)
    *tval = took_tval[s];
  return took[s];
}

void guest_trap(struct guest_frame *f) {
  unsigned long scause, stval;
  __asm__ volatile("csrr %0, scause" : "=r"(scause));
  __asm__ volatile("csrr %0, stval" : "=r"(stval));
  if ((long)scause < 0) {
    if (guest_irq_handler)
      guest_irq_handler(scause & ~(1UL << 63));
    return;
  }
  unsigned s = slot();
  if (expecting[s]) {
    took[s] = true;
    took_cause[s] = scause;
    took_tval[s] = stval;
    expecting[s] = false;
    uint16_t insn = *(volatile uint16_t *)f->sepc;
    f->sepc += (insn & 3) == 3 ? 4 : 2;
    return;
  }
  guest_printf("FAILED: unexpected exception scause=%lu sepc=0x%lx stval=0x%lx\n", scause, f->sepc,
               stval);
  reset(SBI_SRST_REASON_SYSFAIL);
}

unsigned long guest_fdt_harts(const void *fdt) {
  struct dt dt;
  unsigned long n = 0;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return 1;
  int cpus = dt_path(&dt, "/cpus");
  for (int c = cpus >= 0 ? dt_first_child(&dt, cpus) : -1; c >= 0; c = dt_next_sibling(&dt, c)) {
    const char *type = dt_prop_str(&dt, c, "device_type");
    if (type && type[0] == 'c')
      n++;
  }
  return n ? n : 1;
}

bool guest_fdt_isa_has(const void *fdt, const char *ext) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return false;
  int cpu = dt_path(&dt, "/cpus/cpu@0");
  const char *isa = cpu >= 0 ? dt_prop_str(&dt, cpu, "riscv,isa") : 0;
  for (const char *p = isa ? strchr(isa, '_') : 0; p; p = strchr(p + 1, '_')) {
    size_t n = strlen(ext);
    if (strncmp(p + 1, ext, n) == 0 && (p[1 + n] == '_' || p[1 + n] == '\0'))
      return true;
  }
  return false;
}

/* /chosen/bootargs of the FDT the guest booted with, or NULL. */
static const char *bootargs_of(const void *fdt) {
  struct dt dt;
  if (dt_open(&dt, fdt, 1 << 20) != DT_OK)
    return NULL;
  int chosen = dt_path(&dt, "/chosen");
  return chosen >= 0 ? dt_prop_str(&dt, chosen, "bootargs") : NULL;
}

bool guest_bootargs_have(const void *fdt, const char *word) {
  for (const char *p = bootargs_of(fdt); p && *p; p++) {
    unsigned i = 0;
    while (word[i] && p[i] == word[i])
      i++;
    if (!word[i])
      return true;
  }
  return false;
}

/* "key=N" in /chosen/bootargs: N decimal, or hex after "0x". */
bool guest_bootarg(const void *fdt, const char *key, unsigned long *val) {
  const char *args = bootargs_of(fdt);
  size_t n = strlen(key);
  for (const char *p = args; p && *p; p++) {
    if ((p != args && p[-1] != ' ') || strncmp(p, key, n) || p[n] != '=')
      continue;
    p += n + 1;
    unsigned long v = 0, base = 10;
    if (p[0] == '0' && p[1] == 'x') {
      base = 16;
      p += 2;
    }
    for (;; p++) {
      unsigned d = *p >= '0' && *p <= '9'   ? (unsigned)(*p - '0')
                   : *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10)
                                            : 16;
      if (d >= base)
        break;
      v = v * base + d;
    }
    *val = v;
    return true;
  }
  return false;
}

/* The PLIC context of hart `hartid`'s S-mode external interrupt: the index,
 * in the PLIC node's interrupts-extended, of the pair (that hart's
 * riscv,cpu-intc phandle, 9). False if the FDT has none. */
bool guest_plic_context(const struct dt *dt, int plic, unsigned long hartid,
                        unsigned long *context) {
  uint32_t intc = 0;
  int cpus = dt_path(dt, "/cpus");
  for (int c = cpus >= 0 ? dt_first_child(dt, cpus) : -1; c >= 0; c = dt_next_sibling(dt, c)) {
    uint32_t id;
    if (dt_prop_u32(dt, c, "reg", &id) != DT_OK || id != hartid)
      continue;
    for (int i = dt_first_child(dt, c); i >= 0; i = dt_next_sibling(dt, i))
      if (dt_is_compatible(dt, i, "riscv,cpu-intc"))
        dt_prop_u32(dt, i, "phandle", &intc);
  }
  int n;
  const uint8_t *ext = dt_prop(dt, plic, "interrupts-extended", &n);
  for (int i = 0; ext && intc && i + 8 <= n; i += 8)
    if (dt_be32(ext + i) == intc && dt_be32(ext + i + 4) == 9 /* S-mode external */) {
      *context = (unsigned long)i / 8;
      return true;
    }
  return false;
}
