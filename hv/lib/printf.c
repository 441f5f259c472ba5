#include "printf.h"
#include <stdint.h>

struct out {
  char *buf;
  size_t size, len;
};

static void out_c(struct out *o, char c) {
  if (o->len + 1 < o->size)
    o->buf[o->len] = c;
  o->len++;
}

static void out_num(struct out *o, unsigned long long v, unsigned base, int upper, int neg,
                    int width, char pad) {
  char tmp[24];
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v);
  if (neg)
    width--;
  if (neg && pad == '0')
    out_c(o, '-');
  for (int i = n; i < width; i++)
    out_c(o, pad);
  if (neg && pad != '0')
    out_c(o, '-');
  while (n)
    out_c(o, tmp[--n]);
}

int rv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = {buf, size, 0};
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      out_c(&o, *fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0, left = 0;
    if (*fmt == '-') {
      left = 1;
      fmt++;
    }
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    int prec = -1;
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') {
        prec = va_arg(ap, int);
        fmt++;
      }
      while (*fmt >= '0' && *fmt <= '9')
        prec = prec * 10 + (*fmt++ - '0');
    }
    while (*fmt == 'l' || *fmt == 'z') {
      lng++;
      fmt++;
    }
    unsigned long long u;
    long long s;
    switch (*fmt) {
    case 'c': out_c(&o, (char)va_arg(ap, int)); break;
    case 's': {
      const char *str = va_arg(ap, const char *);
      if (!str)
        str = "(null)";
      int n = 0;
      while ((prec < 0 || n < prec) && str[n])
        n++;
      if (!left)
        for (int i = n; i < width; i++)
          out_c(&o, ' ');
      for (int i = 0; i < n; i++)
        out_c(&o, str[i]);
      if (left)
        for (int i = n; i < width; i++)
          out_c(&o, ' ');
      break;
    }
    case 'd':
    case 'i':
      s = lng ? va_arg(ap, long long) : va_arg(ap, int);
      out_num(&o, s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s, 10, 0, s < 0, width,
              pad);
      break;
    case 'u':
    case 'x':
    case 'X':
      u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
      out_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, width, pad);
      break;
    case 'p':
      out_c(&o, '0');
      out_c(&o, 'x');
      out_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, width, pad);
      break;
    case '%': out_c(&o, '%'); break;
    case '\0': fmt--; break;
    default:
      out_c(&o, '%');
      out_c(&o, *fmt);
      break;
    }
  }
  if (size)
    buf[o.len < size ? o.len : size - 1] = '\0';
  return (int)o.len;
}

int rv_snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = rv_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
