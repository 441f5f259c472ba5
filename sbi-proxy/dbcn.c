/* Debug Console extension (SBI spec v2.0, chapter 12). Buffers are
 * guest-physical and must lie entirely in the VM's RAM; nothing outside the
 * VM is ever read or written. */
#include "sbi_env.h"
#include "sbi_proxy.h"

/* Bytes moved per call at most: the spec lets write and read be partial. */
#define DBCN_CHUNK 4096

struct sbi_ret sbi_dbcn_handle(struct vcpu *v, const struct sbi_call *c) {
  unsigned long num = c->args[0], lo = c->args[1], hi = c->args[2];
  switch (c->fid) {
  case SBI_DBCN_WRITE:
  case SBI_DBCN_READ: {
    /* On RV64 base_addr_hi holds address bits above 64: it must be zero. */
    uint64_t len = num > DBCN_CHUNK ? DBCN_CHUNK : num;
    char *buf = hi ? NULL : sbi_env_guest_ram(v, lo, len);
    if (!buf || (num > len && !sbi_env_guest_ram(v, lo, num)))
      return sbi_ret(SBI_ERR_INVALID_PARAM, 0);
    if (c->fid == SBI_DBCN_WRITE) {
      sbi_env_console_write(v, buf, len);
      return sbi_ret(SBI_SUCCESS, (long)len);
    }
    uint64_t n = 0;
    int ch;
    while (n < len && (ch = sbi_env_console_getc(v)) >= 0)
      buf[n++] = (char)ch;
    return sbi_ret(SBI_SUCCESS, (long)n);
  }
  case SBI_DBCN_WRITE_BYTE: {
    sbi_env_console_putc(v, (char)num);
    return sbi_ret(SBI_SUCCESS, 0);
  }
  default: return sbi_ret(SBI_ERR_NOT_SUPPORTED, 0);
  }
}
