/* The hypervisor's console: the host UART named by the FDT's stdout-path,
 * or SBI legacy putchar until (or unless) there is one. The VMs' output
 * streams and the hypervisor's lines share it through a multiplexer
 * (lib/conmux.h) under one lock, so lines never mix mid-line. */
#ifndef RV_CONSOLE_H
#define RV_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void console_use_uart(uintptr_t base, unsigned reg_shift, unsigned reg_width);
const char *console_backend(void);
struct conmux_stream;
/* A VM's output (live: the VM has the keyboard, show partial lines). */
void console_vm_write(struct conmux_stream *st, bool live, const char *s, size_t n);
void console_vm_putc(struct conmux_stream *st, bool live, char c);
void console_vm_flush(struct conmux_stream *st);
int console_getc(void);
/* The monitor's prompt line, kept below the output (conmux_set_prompt);
 * NULL removes it. */
void console_set_prompt(const char *s, size_t n);
/* Interrupt-driven input: the UART raises its receive interrupt through the
 * host PLIC to the boot hart, which hands every byte to vm_console_input().
 * Returns false when the machine does not allow it (then input is polled). */
bool console_enable_rx_irq(const void *fdt, unsigned long boot_hartid);
bool console_rx_irq_enabled(void);
/* The host external interrupt fired (boot hart). */
void console_handle_irq(void);
/* The console UART interrupted: hand what it received to the VMs. */
void console_uart_irq(void *ctx);

/* Formatted output; hv_log prefixes "rustyvisor: " and ends the line. */
void hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void hv_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define HV_ASSERT(cond)                                                                            \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      hv_panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);                         \
  } while (0)

#endif
