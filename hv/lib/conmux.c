#include "conmux.h"
#include <string.h>

void conmux_stream_init(struct conmux_stream *s, const char *label) {
  size_t n = strlen(label);
  if (n >= sizeof(s->label))
    n = sizeof(s->label) - 1;
  memcpy(s->label, label, n);
  s->label[n] = '\0';
  s->len = 0;
  s->cr = false;
  s->u8_len = s->u8_need = 0;
}

/* Output being made safe: bytes collect here and go to emit() in chunks. */
struct safe_out {
  struct conmux *m;
  char b[64];
  size_t n;
};

static void out_bytes(struct safe_out *o, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (o->n == sizeof(o->b)) {
      o->m->emit(o->m->ctx, o->b, o->n);
      o->n = 0;
    }
    o->b[o->n++] = p[i];
  }
}

/* Byte c shown escaped: ^X for C0 controls and DEL, \xNN for the rest.
 * An escape does not count in the column: no backspace may erase it. */
static void out_escaped(struct safe_out *o, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char e[4];
  if (c < 0x20 || c == 0x7f) {
    e[0] = '^';
    e[1] = (char)(c ^ 0x40);
    out_bytes(o, e, 2);
  } else {
    e[0] = '\\';
    e[1] = 'x';
    e[2] = hex[c >> 4];
    e[3] = hex[c & 15];
    out_bytes(o, e, 4);
  }
}

/* The held bytes of an incomplete or invalid UTF-8 sequence, escaped. */
static void u8_drop(struct safe_out *o, struct conmux_stream *s) {
  for (unsigned i = 0; i < s->u8_len; i++)
    out_escaped(o, s->u8[i]);
  s->u8_len = s->u8_need = 0;
}

/* May c continue the UTF-8 sequence held in s? Continuation bytes, minus
 * the overlong forms, surrogates, code points past U+10FFFF, and U+0080 to
 * U+009F: the C1 controls (CSI among them), which a terminal obeys. */
static bool u8_continues(const struct conmux_stream *s, unsigned char c) {
  if ((c & 0xc0) != 0x80)
    return false;
  if (s->u8_len != 1)
    return true;
  switch (s->u8[0]) {
  case 0xc2: return c >= 0xa0;
  case 0xe0: return c >= 0xa0;
  case 0xed: return c < 0xa0;
  case 0xf0: return c >= 0x90;
  case 0xf4: return c < 0x90;
  default: return true;
  }
}

/* One byte of a labelled stream, made safe (rules in conmux.h). */
static void show_safe_byte(struct safe_out *o, struct conmux_stream *s, unsigned char c) {
  struct conmux *m = o->m;
  if (s->cr) {
    s->cr = false;
    if (c != '\n')
      out_escaped(o, '\r');
  }
  if (s->u8_len) {
    if (u8_continues(s, c)) {
      s->u8[s->u8_len++] = c;
      if (s->u8_len == s->u8_need + 1) {
        out_bytes(o, (const char *)s->u8, s->u8_len);
        m->col++;
        s->u8_len = s->u8_need = 0;
      }
      return;
    }
    u8_drop(o, s);
  }
  if (c == '\n') {
    out_bytes(o, "\n", 1);
    m->col = 0;
  } else if (c == '\r') {
    s->cr = true;
  } else if (c == '\t') {
    out_bytes(o, "\t", 1);
    m->col++; /* at least one cell: fewer backspaces allowed, never more */
  } else if (c == '\b' && m->col) {
    out_bytes(o, "\b", 1);
    m->col--;
  } else if (c < 0x20 || c == 0x7f) {
    out_escaped(o, c);
  } else if (c < 0x80) {
    out_bytes(o, (const char *)&c, 1);
    m->col++;
  } else if (c >= 0xc2 && c <= 0xf4) {
    s->u8[0] = c;
    s->u8_len = 1;
    s->u8_need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
  } else {
    out_escaped(o, c);
  }
}

/* Where m->open points while the prompt line is shown. */
static const struct conmux_stream prompt_line;

/* The prompt is on the screen and other output comes: erase it (CR,
 * blanks, CR), so that the output takes its place and the terminal's
 * history keeps no half-typed commands; it is drawn again below. */
static void prompt_hide(struct conmux *m) {
  static const char blanks[16] = "                ";
  if (m->open != &prompt_line)
    return;
  m->emit(m->ctx, "\r", 1);
  for (size_t left = m->prompt_len; left;) {
    size_t k = left < sizeof(blanks) ? left : sizeof(blanks);
    m->emit(m->ctx, blanks, k);
    left -= k;
  }
  m->emit(m->ctx, "\r", 1);
  m->open = NULL;
}

/* No line is open and a prompt is set: show it. */
static void prompt_redraw(struct conmux *m) {
  if (!m->prompt_on || m->open)
    return;
  m->emit(m->ctx, m->prompt, m->prompt_len);
  m->open = &prompt_line;
  m->col = 0;
}

void conmux_set_prompt(struct conmux *m, const char *s, size_t n) {
  if (!s) {
    if (m->open == &prompt_line) {
      m->emit(m->ctx, "\n", 1);
      m->open = NULL;
    }
    m->prompt_on = false;
    m->prompt_len = 0;
    return;
  }
  if (n > sizeof(m->prompt))
    n = sizeof(m->prompt);
  if (m->open == &prompt_line) {
    /* On the screen: erase back to the common prefix, then the new tail. */
    size_t same = 0;
    while (same < n && same < m->prompt_len && m->prompt[same] == s[same])
      same++;
    for (size_t i = same; i < m->prompt_len; i++)
      m->emit(m->ctx, "\b \b", 3);
    if (n > same)
      m->emit(m->ctx, s + same, n - same);
    memcpy(m->prompt, s, n);
    m->prompt_len = n;
    return;
  }
  memcpy(m->prompt, s, n);
  m->prompt_len = n;
  m->prompt_on = true;
  if (m->open) /* another stream's unfinished line: the prompt starts a new one */
    m->emit(m->ctx, "\n", 1);
  m->open = NULL;
  prompt_redraw(m);
}

/* Show s's buffered bytes: after its label unless they continue the line
 * already open for s; a line of another stream left open is ended first.
 * A labelled stream's bytes are made safe on the way. */
static void show(struct conmux *m, struct conmux_stream *s) {
  prompt_hide(m);
  if (m->open != s) {
    if (m->open)
      m->emit(m->ctx, "\n", 1);
    if (s->label[0])
      m->emit(m->ctx, s->label, strlen(s->label));
    m->col = 0;
  }
  bool ends_line = s->len && s->buf[s->len - 1] == '\n';
  if (s->label[0]) {
    struct safe_out o = {.m = m};
    for (size_t i = 0; i < s->len; i++)
      show_safe_byte(&o, s, (unsigned char)s->buf[i]);
    if (o.n)
      m->emit(m->ctx, o.b, o.n);
  } else {
    m->emit(m->ctx, s->buf, s->len);
  }
  m->open = ends_line ? NULL : s;
  s->len = 0;
  prompt_redraw(m);
}

/* Would every byte of data go out as it is (conmux_plain)? */
static bool all_plain(const char *data, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!conmux_plain(data[i]))
      return false;
  return true;
}

/* Through the line buffer. Out of line, so that the direct case below
 * needs no registers saved. */
static __attribute__((noinline)) void write_buffered(struct conmux *m, struct conmux_stream *s,
                                                     bool live, const char *data, size_t n) {
  for (size_t i = 0; i < n; i++) {
    s->buf[s->len++] = data[i];
    if (data[i] == '\n' || s->len == sizeof(s->buf))
      show(m, s);
  }
  if (live && s->len)
    show(m, s);
}

void conmux_write(struct conmux *m, struct conmux_stream *s, bool live, const char *data,
                  size_t n) {
  /* Live bytes that need no label on the way (an unlabelled stream, or
   * one line continuing the line open for s): straight out, as show()
   * would put them, without the copy (a VM alone writing its console a
   * byte at a time). */
  if (live && n && !s->len && (m->open == s || !m->open) &&
      (!s->label[0] || (m->open == s && !memchr(data, '\n', n - 1) && !s->cr && !s->u8_len &&
                        all_plain(data, n)))) {
    m->emit(m->ctx, data, n);
    m->open = data[n - 1] == '\n' ? NULL : s;
    m->col = m->open ? m->col + n : 0;
    return;
  }
  write_buffered(m, s, live, data, n);
}

void conmux_flush(struct conmux *m, struct conmux_stream *s) {
  if (s->len)
    show(m, s);
}

void conmux_write_line(struct conmux *m, const char *s, size_t n) {
  prompt_hide(m);
  if (m->open)
    m->emit(m->ctx, "\n", 1);
  m->open = NULL;
  m->emit(m->ctx, s, n);
  prompt_redraw(m);
}

enum conmux_action conmux_input(struct conmux_input *in, char c, char out[2], int *nout,
                                unsigned *vm_index) {
  *nout = 0;
  if (!in->esc) {
    if (c == CONMUX_ESC) {
      in->esc = true;
      return CONMUX_NONE;
    }
    out[(*nout)++] = c;
    return CONMUX_DELIVER;
  }
  in->esc = false;
  if (c >= '0' && c <= '9') {
    *vm_index = (unsigned)(c - '0');
    return CONMUX_FOCUS_VM;
  }
  if (c == 'n')
    return CONMUX_FOCUS_NEXT;
  if (c == '?')
    return CONMUX_HELP;
  if (c == 'm')
    return CONMUX_MONITOR;
  /* Ctrl-\ Ctrl-\ sends one; anything else goes through with the escape. */
  out[(*nout)++] = CONMUX_ESC;
  if (c != CONMUX_ESC)
    out[(*nout)++] = c;
  return CONMUX_DELIVER;
}
