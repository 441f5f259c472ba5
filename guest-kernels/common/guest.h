/* Runtime shared by the bare-metal test guests: SBI calls, console output
 * (DBCN when the SBI has it, the legacy console otherwise), traps, checks. */
#ifndef GUEST_H
#define GUEST_H
#include "sbi_defs.h"
#include <stdbool.h>
#include <stdint.h>

#define GUEST_MAX_HARTS 8 /* stacks in start.S */

struct sbiret {
  long error;
  long value;
};

struct sbiret sbi_ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
long sbi_legacy(unsigned long ext, unsigned long a0);

void guest_console_init(void); /* probes DBCN */
bool guest_has_dbcn(void);
void guest_puts(const char *s);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void guest_shutdown(void);
_Noreturn void guest_shutdown_fail(void);

/* Checks print "FAILED: ..." (a marker the boot tests fail on) and count. */
extern int guest_failures;
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      guest_failures++;                                                                            \
      guest_printf("FAILED: %s:%d: ", __FILE__, __LINE__);                                         \
      guest_printf(__VA_ARGS__);                                                                   \
      guest_puts("\n");                                                                            \
    }                                                                                              \
  } while (0)

/* Traps. The frame layout matches start.S: x1..x31 at 8*n, sepc at 256. */
struct guest_frame {
  unsigned long x[32];
  unsigned long sepc;
};
/* Exceptions the test provokes on purpose: the handler records the cause
 * and tval and steps over the faulting instruction. */
void guest_expect_exception(void);
bool guest_took_exception(unsigned long *cause, unsigned long *tval);
/* Interrupt handler hook (cause without the top bit). */
extern void (*guest_irq_handler)(unsigned long irq);

/* What the FDT the guest booted with says. */
unsigned long guest_fdt_harts(const void *fdt);           /* cpus under /cpus, at least 1 */
bool guest_fdt_isa_has(const void *fdt, const char *ext); /* a multi-letter extension of cpu@0 */
/* "key=N" in /chosen/bootargs (N decimal, or hex after 0x); false if absent. */
bool guest_bootarg(const void *fdt, const char *key, unsigned long *val);
/* Does /chosen/bootargs contain word (anywhere)? */
bool guest_bootargs_have(const void *fdt, const char *word);
struct dt;
/* The PLIC context (node plic of dt) of hart hartid's S-mode external
 * interrupt; false if the FDT names none. */
bool guest_plic_context(const struct dt *dt, int plic, unsigned long hartid,
                        unsigned long *context);

/* Entry point for harts started with HSM hart_start (start.S). */
void guest_secondary_entry(void);
/* What a started hart runs; the default stops the hart again. */
void guest_secondary_main(unsigned long hartid, unsigned long opaque);

static inline unsigned long guest_hartid(void) {
  unsigned long id;
  __asm__ volatile("mv %0, tp" : "=r"(id));
  return id;
}

static inline unsigned long csr_read_time(void) {
  unsigned long v;
  __asm__ volatile("rdtime %0" : "=r"(v));
  return v;
}
static inline unsigned long csr_read_cycle(void) {
  unsigned long v;
  __asm__ volatile("rdcycle %0" : "=r"(v));
  return v;
}
static inline unsigned long csr_read_instret(void) {
  unsigned long v;
  __asm__ volatile("rdinstret %0" : "=r"(v));
  return v;
}

#endif
