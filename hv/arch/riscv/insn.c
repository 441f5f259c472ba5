/* Load/store decoding for MMIO emulation: RV64I base loads/stores (unprivileged
 * spec, "RV32I Base Integer Instruction Set", "Load and Store Instructions",
 * and "RV64I", LD/SD/LWU) and the RV64C stack-pointer- and register-based
 * forms ("C" Standard Extension, "Load and Store Instructions"). */
#include "insn.h"

#define OPCODE_LOAD 0x03U
#define OPCODE_STORE 0x23U

/* funct3 of LOAD: width is 1 << (funct3 & 3), bit 2 means unsigned. */
#define F3_LD 3U
#define F3_LDU 7U /* RV128 only: reserved in RV64 */

/* funct3 (bits 15:13) of the compressed forms we accept. */
#define C_Q0 0U
#define C_Q2 2U
#define C_F3_LW 2U
#define C_F3_LD 3U
#define C_F3_SW 6U
#define C_F3_SD 7U

static uint32_t bits(uint32_t x, unsigned hi, unsigned lo) {
  return (x >> lo) & ((1U << (hi - lo + 1)) - 1);
}

static void set(struct mmio_insn *out, bool store, unsigned width, bool sign_extend, unsigned reg,
                unsigned len) {
  out->store = store;
  out->width = width;
  out->sign_extend = sign_extend;
  out->reg = reg;
  out->len = len;
}

/* Quadrant 0: C.LW/C.LD/C.SW/C.SD use rd'/rs2' in bits 4:2, naming x8..x15. */
static int decode_c_q0(uint32_t insn, struct mmio_insn *out) {
  unsigned reg = 8 + bits(insn, 4, 2);
  switch (bits(insn, 15, 13)) {
  case C_F3_LW: set(out, false, 4, true, reg, 2); return 0;
  case C_F3_LD: set(out, false, 8, false, reg, 2); return 0;
  case C_F3_SW: set(out, true, 4, false, reg, 2); return 0;
  case C_F3_SD: set(out, true, 8, false, reg, 2); return 0;
  default: return -1; /* C.ADDI4SPN, C.FLD, C.FSD, reserved */
  }
}

/* Quadrant 2: C.LWSP/C.LDSP (rd in 11:7, rd == 0 reserved), C.SWSP/C.SDSP
 * (rs2 in 6:2). */
static int decode_c_q2(uint32_t insn, struct mmio_insn *out) {
  unsigned rd = bits(insn, 11, 7), rs2 = bits(insn, 6, 2);
  switch (bits(insn, 15, 13)) {
  case C_F3_LW:
    if (rd == 0)
      return -1;
    set(out, false, 4, true, rd, 2);
    return 0;
  case C_F3_LD:
    if (rd == 0)
      return -1;
    set(out, false, 8, false, rd, 2);
    return 0;
  case C_F3_SW: set(out, true, 4, false, rs2, 2); return 0;
  case C_F3_SD: set(out, true, 8, false, rs2, 2); return 0;
  default: return -1; /* C.SLLI, C.FLDSP, C.JR/C.MV/C.ADD..., C.FSDSP */
  }
}

int insn_decode_mmio(uint32_t insn, struct mmio_insn *out) {
  unsigned quadrant = insn & 3U;
  if (quadrant == 3U) { /* 32-bit, the common case first */
    unsigned funct3 = bits(insn, 14, 12);
    switch (insn & 0x7FU) {
    case OPCODE_LOAD:
      if (funct3 == F3_LDU)
        return -1;
      set(out, false, 1U << (funct3 & 3U), funct3 < F3_LD, bits(insn, 11, 7), 4);
      return 0;
    case OPCODE_STORE:
      if (funct3 > F3_LD)
        return -1; /* SQ (RV128) and reserved */
      set(out, true, 1U << funct3, false, bits(insn, 24, 20), 4);
      return 0;
    default: return -1;
    }
  }
  if (quadrant == C_Q0)
    return decode_c_q0(insn & 0xFFFFU, out);
  if (quadrant == C_Q2)
    return decode_c_q2(insn & 0xFFFFU, out);
  return -1; /* quadrant 1: no memory accesses */
}

/* A transformed instruction has bit 0 set; bit 1 tells the original length.
 * Pseudoinstructions (0x00002000, 0x00002020, 0x00003000, 0x00003020: the
 * implicit VS-stage page-table accesses) have bit 0 clear. */
int insn_from_htinst(unsigned long htinst, uint32_t *insn, unsigned *len) {
  uint64_t v = htinst;
  struct mmio_insn m;
  if ((v >> 32) != 0 || (v & 1U) == 0)
    return -1;
  uint32_t raw = (uint32_t)v | 2U;
  if (insn_decode_mmio(raw, &m) != 0)
    return -1;
  *insn = raw;
  *len = (v & 2U) ? 4 : 2;
  return 0;
}
