/* Minimal formatted output: %c %s %d %i %u %x %X %p %%, with '0', '-', width, precision
 * for strings (%.*s) and the l/ll/z length modifiers. Used by the hypervisor and the guests. */
#ifndef RV_PRINTF_H
#define RV_PRINTF_H
#include <stdarg.h>
#include <stddef.h>

int rv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rv_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
