#include "console.h"
#include "../arch/riscv/sbi_host.h"
#include "../drivers/plic.h"
#include "../drivers/uart8250.h"
#include "../lib/conmux.h"
#include "../lib/fdt.h"
#include "../lib/printf.h"
#include "../lib/spinlock.h"
#include <stdarg.h>

/* Guarded by console_lock: the backend, the multiplexer and every write. */
static spinlock_t console_lock = SPINLOCK_INIT;
static struct uart8250 uart;
static int have_uart;
static bool rx_irq;
static void emit(void *ctx, const char *s, size_t n);
static struct conmux mux = {.emit = emit};

void vm_console_input(char c); /* vm.c */

void console_use_uart(uintptr_t base, unsigned reg_shift, unsigned reg_width) {
  spin_lock(&console_lock);
  uart.base = base;
  uart.reg_shift = reg_shift;
  uart.reg_width = reg_width;
  uart8250_init(&uart);
  have_uart = 1;
  spin_unlock(&console_lock);
}

const char *console_backend(void) { return have_uart ? "ns16550a" : "SBI legacy putchar"; }

static void put_raw(char c) {
  if (have_uart)
    uart8250_putc(&uart, c);
  else
    sbi_host_putchar(c);
}

/* The multiplexer's output: a terminal wants "\r\n" (console_lock held). */
static void emit(void *ctx, const char *s, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n')
      put_raw('\r');
    put_raw(s[i]);
  }
}

void console_vm_write(struct conmux_stream *st, bool live, const char *s, size_t n) {
  spin_lock(&console_lock);
  conmux_write(&mux, st, live, s, n);
  spin_unlock(&console_lock);
}

/* One byte (a guest's legacy or DBCN putchar): straight to the UART when
 * the multiplexer lets it through, without the emit callback. */
void console_vm_putc(struct conmux_stream *st, bool live, char c) {
  spin_lock(&console_lock);
  if (have_uart && conmux_direct_byte(&mux, st, live, c)) {
    if (c == '\n')
      uart8250_putc_inline(&uart, '\r');
    uart8250_putc_inline(&uart, c);
  } else {
    conmux_write(&mux, st, live, &c, 1);
  }
  spin_unlock(&console_lock);
}

void console_vm_flush(struct conmux_stream *st) {
  spin_lock(&console_lock);
  conmux_flush(&mux, st);
  spin_unlock(&console_lock);
}

void console_set_prompt(const char *s, size_t n) {
  spin_lock(&console_lock);
  conmux_set_prompt(&mux, s, n);
  spin_unlock(&console_lock);
}

/* A line of the hypervisor's own. */
static void console_write_line(const char *s, size_t n) {
  spin_lock(&console_lock);
  conmux_write_line(&mux, s, n);
  spin_unlock(&console_lock);
}

int console_getc(void) {
  int c;
  spin_lock(&console_lock);
  c = have_uart ? uart8250_getc(&uart) : sbi_host_getchar();
  spin_unlock(&console_lock);
  return c < 0 ? -1 : c;
}

bool console_enable_rx_irq(const void *fdt, unsigned long boot_hartid) {
  struct dt dt;
  if (!have_uart || dt_open(&dt, fdt, 1U << 24) != DT_OK || !plic_host_init(&dt, boot_hartid))
    return false;
  spin_lock(&console_lock);
  uart8250_enable_rx_irq(&uart);
  rx_irq = true;
  spin_unlock(&console_lock);
  return true;
}

bool console_rx_irq_enabled(void) { return rx_irq; }

void console_uart_irq(void *ctx) {
  (void)ctx;
  int c;
  while ((c = console_getc()) >= 0)
    vm_console_input((char)c);
}

void console_handle_irq(void) {
  uint32_t src = plic_host_claim();
  if (!src)
    return;
  if (src == plic_host_uart_irq())
    console_uart_irq(0);
  plic_host_complete(src);
}

static void vprint(const char *prefix, const char *fmt, va_list ap, int newline) {
  char buf[320];
  int n = rv_snprintf(buf, sizeof(buf), "%s", prefix);
  n += rv_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
  if (n > (int)sizeof(buf) - 2)
    n = (int)sizeof(buf) - 2;
  if (newline)
    buf[n++] = '\n';
  console_write_line(buf, (size_t)n);
}

void hv_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint("", fmt, ap, 0);
  va_end(ap);
}

void hv_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint("rustyvisor: ", fmt, ap, 1);
  va_end(ap);
}

_Noreturn void hv_panic(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint("rustyvisor: panic: ", fmt, ap, 1);
  va_end(ap);
  sbi_host_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSFAIL);
}
