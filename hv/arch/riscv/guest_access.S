/* Reads of guest memory with the guest's own translation (HLVX). A fault is
 * not fatal: hv_trap_handler() sees sepc == hv_hlvx_fault_pc and skips the
 * instruction, leaving the -1 preloaded into a0. */
.section .text
.balign 4
.global hv_guest_hlvx_hu
hv_guest_hlvx_hu:
  mv t0, a0
  li a0, -1
.global hv_hlvx_fault_pc
hv_hlvx_fault_pc:
  .insn r 0x73, 0x4, 0x32, a0, t0, x3   /* hlvx.hu a0, (t0) */
  ret
