/* libFuzzer target: the MMIO instruction decoder (hv/arch/riscv/insn.c) on
 * every 32-bit word and htinst value the input names (4 or 8 bytes each).
 * Its answers are checked against a decoder written here from the tables
 * of the unprivileged spec (RV64I loads/stores, RV64C's integer forms),
 * and insn_from_htinst() against the H extension's rule for transformed
 * instructions: the transform of every load/store the decoder accepts must
 * decode, from htinst, to the same access with the original's length. */
#include "hv/arch/riscv/insn.h"
#include <stdlib.h>
#include <string.h>

struct access {
  bool ok, store, sign;
  unsigned width, reg, len;
};

static unsigned field(uint32_t x, unsigned hi, unsigned lo) {
  return (x >> lo) & ((1U << (hi - lo + 1)) - 1);
}

/* Independent reference: the encodings spelled out one by one. */
static struct access reference(uint32_t insn) {
  struct access a = {0};
  if ((insn & 3) == 3) {
    static const struct {
      unsigned width;
      bool sign;
    } loads[8] = {{1, true},  {2, true},  {4, true},  {8, false},
                  {1, false}, {2, false}, {4, false}, {0, false}};
    unsigned f3 = field(insn, 14, 12), opcode = field(insn, 6, 0);
    if (opcode == 0x03 && loads[f3].width)
      a = (struct access){true, false, loads[f3].sign, loads[f3].width, field(insn, 11, 7), 4};
    else if (opcode == 0x23 && f3 <= 3)
      a = (struct access){true, true, false, 1U << f3, field(insn, 24, 20), 4};
    return a;
  }
  unsigned op = insn & 3, f3 = field(insn, 15, 13);
  unsigned rdp = 8 + field(insn, 4, 2), rd = field(insn, 11, 7), rs2 = field(insn, 6, 2);
  if (op == 0) {
    if (f3 == 2) /* C.LW */
      a = (struct access){true, false, true, 4, rdp, 2};
    else if (f3 == 3) /* C.LD */
      a = (struct access){true, false, false, 8, rdp, 2};
    else if (f3 == 6) /* C.SW */
      a = (struct access){true, true, false, 4, rdp, 2};
    else if (f3 == 7) /* C.SD */
      a = (struct access){true, true, false, 8, rdp, 2};
  } else if (op == 2) {
    if (f3 == 2 && rd) /* C.LWSP */
      a = (struct access){true, false, true, 4, rd, 2};
    else if (f3 == 3 && rd) /* C.LDSP */
      a = (struct access){true, false, false, 8, rd, 2};
    else if (f3 == 6) /* C.SWSP */
      a = (struct access){true, true, false, 4, rs2, 2};
    else if (f3 == 7) /* C.SDSP */
      a = (struct access){true, true, false, 8, rs2, 2};
  }
  return a;
}

static struct access decode(uint32_t insn) {
  struct mmio_insn m;
  memset(&m, 0x5A, sizeof(m));
  struct mmio_insn before = m;
  int r = insn_decode_mmio(insn, &m);
  if (r != 0 && r != -1)
    abort();
  if (r) {
    if (memcmp(&m, &before, sizeof(m))) /* written only on success */
      abort();
    return (struct access){0};
  }
  return (struct access){true, m.store, m.sign_extend, m.width, m.reg, m.len};
}

static bool same(struct access a, struct access b) {
  return a.ok == b.ok && (!a.ok || (a.store == b.store && a.sign == b.sign && a.width == b.width &&
                                    a.reg == b.reg && a.len == b.len));
}

/* The transformed instruction the hardware writes to htinst for a trapping
 * load/store (H extension, "Transformed Instruction or Pseudoinstruction"):
 * the 32-bit equivalent with its immediate zeroed, rs1 the address offset
 * (here `offset`), and bit 1 clear when the original was compressed. */
static uint32_t transform(const struct access *a, unsigned offset) {
  uint32_t f3 = a->width == 1 ? 0 : a->width == 2 ? 1 : a->width == 4 ? 2 : 3;
  if (!a->store && !a->sign && a->width < 8)
    f3 |= 4;
  uint32_t t =
      a->store ? 0x23 | f3 << 12 | (uint32_t)a->reg << 20 : 0x03 | f3 << 12 | (uint32_t)a->reg << 7;
  t |= (offset & 31) << 15;
  return a->len == 2 ? t & ~2U : t;
}

static void check_htinst(uint64_t h) {
  uint32_t insn = 0x12345678;
  unsigned len = 99;
  int r = insn_from_htinst((unsigned long)h, &insn, &len);
  if (r == 0) {
    /* Only a transformed integer load/store of at most 32 bits. */
    if ((h >> 32) || !(h & 1) || insn != ((uint32_t)h | 2) || len != ((h & 2) ? 4 : 2))
      abort();
    struct access a = decode(insn);
    if (!a.ok || a.len != 4)
      abort();
  } else if (r != -1 || insn != 0x12345678 || len != 99) {
    abort();
  } else if (!(h >> 32) && (h & 1) && decode((uint32_t)h | 2).ok) {
    abort(); /* a transformed load/store refused */
  }
}

static void check_insn(uint32_t insn, unsigned offset) {
  struct access a = decode(insn), ref = reference(insn);
  if (!same(a, ref))
    abort();
  if (a.ok) {
    if (a.reg > 31 || (a.width != 1 && a.width != 2 && a.width != 4 && a.width != 8) ||
        (a.len != 2 && a.len != 4) || (a.len == 2) != ((insn & 3) != 3) ||
        (a.sign && (a.store || a.width == 8)))
      abort();
    /* From htinst, the same access with the original's length. */
    uint32_t t = transform(&a, offset), got;
    unsigned len;
    if (insn_from_htinst(t, &got, &len) || len != a.len)
      abort();
    struct access b = decode(got);
    b.len = len;
    if (!same(a, b))
      abort();
  }
  /* A compressed instruction is its low half: the upper half is ignored. */
  if ((insn & 3) != 3 && !same(a, decode((insn & 0xFFFF) | (~insn & 0xFFFF0000))))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  while (size >= 4) {
    uint32_t w;
    memcpy(&w, data, 4);
    check_insn(w, data[0] >> 3);
    check_htinst(w);
    if (size >= 8) {
      uint64_t h;
      memcpy(&h, data, 8);
      check_htinst(h);
    }
    data += 4;
    size -= 4;
  }
  return 0;
}
