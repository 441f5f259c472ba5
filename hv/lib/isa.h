/* RISC-V ISA strings as found in the device tree's riscv,isa
 * (e.g. "rv64imafdch_zicsr_zifencei_sstc"): query and rewrite. */
#ifndef RV_ISA_H
#define RV_ISA_H
#include <stdbool.h>
#include <stddef.h>

/* ext is one lower-case letter ("h") or a multi-letter name ("sstc"). */
bool isa_has_ext(const char *isa, const char *ext);
/* Copy isa to out without the named extensions (each a letter or a name).
 * Returns 0, or -1 if out is too small or isa is not an rv32/rv64 string. */
int isa_without(const char *isa, const char *const *drop, size_t ndrop, char *out, size_t outlen);

#endif
