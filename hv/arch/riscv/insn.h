/* Decoding of the guest load/store that trapped on an emulated MMIO region
 * (guest-page fault, scause 21/23). Pure: no CSR access, no guest memory; the
 * caller fetches the instruction (or takes it from htinst) and does the
 * access. Every input is treated as untrusted. */
#ifndef RV_INSN_H
#define RV_INSN_H
#include <stdbool.h>
#include <stdint.h>

struct mmio_insn {
  bool store;       /* else load */
  unsigned width;   /* 1, 2, 4 or 8 bytes */
  bool sign_extend; /* loads: LB/LH/LW sign-extend; LBU/LHU/LWU and LD don't */
  unsigned reg;     /* rd for loads, rs2 for stores (x0..x31); a load to x0 is valid */
  unsigned len;     /* length of the original instruction: 2 or 4 */
};

/* Decodes a raw instruction: if bits 1:0 are not 11 it is a 16-bit compressed
 * instruction in the low half (the upper half is ignored), else a 32-bit one.
 * Returns 0 for an integer load/store of RV64I/RV64C (LB LH LW LD LBU LHU LWU
 * SB SH SW SD, C.LW C.LD C.SW C.SD C.LWSP C.LDSP C.SWSP C.SDSP), -1 for
 * anything else (FP loads/stores, AMOs, reserved encodings, non-memory
 * instructions); *out is written only on success. */
int insn_decode_mmio(uint32_t insn, struct mmio_insn *out);

/* From htinst (privileged spec, H extension, "Transformed Instruction or
 * Pseudoinstruction for mtinst or htinst"): if htinst holds a transformed
 * load/store (bit 0 set), stores in *insn a 32-bit instruction that
 * insn_decode_mmio() decodes (bit 1 forced to 1; the "Addr. Offset" field in
 * rs1 is kept) and in *len the original length (4, or 2 if bit 1 was clear).
 * Returns 0, or -1 (outputs untouched) if htinst is 0, a pseudoinstruction,
 * wider than 32 bits, or not an integer load/store. Decoding *insn gives
 * len == 4; the caller replaces it with *len to step over the original. */
int insn_from_htinst(unsigned long htinst, uint32_t *insn, unsigned *len);

#endif
