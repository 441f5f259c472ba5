#include "conmux.h"
#include <string.h>

void conmux_stream_init(struct conmux_stream *s, const char *label) {
  size_t n = strlen(label);
  if (n >= sizeof(s->label))
    n = sizeof(s->label) - 1;
  memcpy(s->label, label, n);
  s->label[n] = '\0';
  s->len = 0;
}

/* Show s's buffered bytes: after its label unless they continue the line
 * already open for s; a line of another stream left open is ended first. */
static void show(struct conmux *m, struct conmux_stream *s) {
  if (m->open != s) {
    if (m->open)
      m->emit(m->ctx, "\n", 1);
    if (s->label[0])
      m->emit(m->ctx, s->label, strlen(s->label));
  }
  m->emit(m->ctx, s->buf, s->len);
  m->open = s->len && s->buf[s->len - 1] == '\n' ? NULL : s;
  s->len = 0;
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
      (!s->label[0] || (m->open == s && !memchr(data, '\n', n - 1)))) {
    m->emit(m->ctx, data, n);
    m->open = data[n - 1] == '\n' ? NULL : s;
    return;
  }
  write_buffered(m, s, live, data, n);
}

void conmux_flush(struct conmux *m, struct conmux_stream *s) {
  if (s->len)
    show(m, s);
}

void conmux_write_line(struct conmux *m, const char *s, size_t n) {
  if (m->open)
    m->emit(m->ctx, "\n", 1);
  m->open = NULL;
  m->emit(m->ctx, s, n);
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
  /* Ctrl-\ Ctrl-\ sends one; anything else goes through with the escape. */
  out[(*nout)++] = CONMUX_ESC;
  if (c != CONMUX_ESC)
    out[(*nout)++] = c;
  return CONMUX_DELIVER;
}
