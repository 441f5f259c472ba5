/* Reads of guest memory through the guest's own translation (HLVX/HLV, as
 * VS-mode at hstatus.SPVP). A fault is not fatal: hv_trap_handler() finds
 * the faulting pc in hv_guest_access_fixups and resumes at its fixup,
 * which returns the -1 preloaded into a0. */
.section .text
.balign 4
/* long hv_guest_hlvx_hu(unsigned long gva): instruction halfword, or -1. */
.global hv_guest_hlvx_hu
hv_guest_hlvx_hu:
  mv t0, a0
  li a0, -1
1:
  .insn r 0x73, 0x4, 0x32, a0, t0, x3   /* hlvx.hu a0, (t0) */
2:
  ret

/* long hv_guest_hlvx_wu(unsigned long gva): instruction word (gva 4-byte
 * aligned, so within one page), or -1. */
.global hv_guest_hlvx_wu
hv_guest_hlvx_wu:
  mv t0, a0
  li a0, -1
5:
  .insn r 0x73, 0x4, 0x34, a0, t0, x3   /* hlvx.wu a0, (t0) */
6:
  ret

/* long hv_guest_hlv_d(unsigned long gva, unsigned long *out): 0, or -1. */
.global hv_guest_hlv_d
hv_guest_hlv_d:
  mv t0, a0
  li a0, -1
3:
  .insn r 0x73, 0x4, 0x36, t1, t0, x0   /* hlv.d t1, (t0) */
  sd t1, 0(a1)
  li a0, 0
4:
  ret

.section .rodata
.balign 8
.global hv_guest_access_fixups
hv_guest_access_fixups:
  .dword 1b, 2b
  .dword 3b, 4b
  .dword 5b, 6b
  .dword 0, 0
