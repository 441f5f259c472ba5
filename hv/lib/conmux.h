/* The console multiplexer: several VMs and the hypervisor share one serial
 * line. Each VM's output is a stream, line-buffered and labelled ("[web] ")
 * so that lines of different VMs never mix mid-line; the stream that has
 * the keyboard ("live") shows partial lines at once, so prompts and echo
 * appear as typed. A labelled stream cannot forge another's lines: what
 * would move the terminal's cursor back or erase (CR, ESC and every other
 * control character, C1 controls, invalid UTF-8, a backspace over the
 * label) is shown escaped (^M, ^[, \x9b), so the label starts every line
 * the terminal shows. Input goes to the focused VM; an escape key (Ctrl-\)
 * followed by a command moves the focus. Pure: output goes through emit(),
 * the caller serialises calls (one lock). */
#ifndef RV_CONMUX_H
#define RV_CONMUX_H
#include <stdbool.h>
#include <stddef.h>

#define CONMUX_LINE_MAX 160
#define CONMUX_LABEL_MAX 24
#define CONMUX_ESC 0x1c /* Ctrl-\ */

struct conmux_stream {
  char label[CONMUX_LABEL_MAX]; /* put before each line; may be "" */
  char buf[CONMUX_LINE_MAX];    /* the part of the current line not shown yet */
  size_t len;
  /* A labelled stream's output is made safe as it is shown (conmux.c,
   * show_safe): what it holds back meanwhile. */
  bool cr;             /* a CR, dropped if a LF follows, else shown as ^M */
  unsigned char u8[4]; /* an incomplete UTF-8 sequence */
  unsigned u8_len, u8_need;
};

struct conmux {
  /* The stream whose line is shown unfinished (cursor mid-line), or NULL. */
  const struct conmux_stream *open;
  /* Cells shown of the open line after its label, at most: a backspace may
   * move back only over these, never into the label. */
  size_t col;
  void (*emit)(void *ctx, const char *s, size_t n);
  void *ctx;
  /* A prompt line (the monitor's, conmux_set_prompt), as shown: while
   * prompt_on, every line that ends is followed by it again, so it stays
   * the last line of the terminal. */
  bool prompt_on;
  char prompt[CONMUX_LINE_MAX];
  size_t prompt_len;
};

/* May byte c of a labelled stream go out as it is, whatever comes before
 * or after it? Printable ASCII and LF (a terminal shows them; nothing else
 * moves its cursor back or erases). */
static inline bool conmux_plain(char c) { return (c >= 0x20 && c < 0x7f) || c == '\n'; }

void conmux_stream_init(struct conmux_stream *s, const char *label);
/* Output of a stream. Complete lines (and lines that fill the buffer) go
 * out labelled; with live, so does what is left of an unfinished line. */
void conmux_write(struct conmux *m, struct conmux_stream *s, bool live, const char *data, size_t n);
/* One byte of s that may go straight out, with nothing in front of it:
 * s has nothing buffered, is live, and either continues the line open for
 * it or, unlabelled, starts one where no line is open. Then m is updated as
 * though the byte had been shown and true returned: the caller sends the
 * byte itself (no emit call). Otherwise false: use conmux_write. This is
 * conmux_write's own direct case for n == 1. */
static inline bool conmux_direct_byte(struct conmux *m, struct conmux_stream *s, bool live,
                                      char c) {
  if (!live || s->len || !(m->open == s || (!m->open && !s->label[0])))
    return false;
  if (s->label[0]) {
    if (!conmux_plain(c) || s->cr || s->u8_len)
      return false;
    m->col++;
  }
  m->open = c == '\n' ? NULL : s;
  return true;
}
/* Show what is buffered of s's unfinished line (it gets the keyboard). */
void conmux_flush(struct conmux *m, struct conmux_stream *s);
/* A whole line of the hypervisor's own (ending in '\n'): starts on a fresh
 * line. */
void conmux_write_line(struct conmux *m, const char *s, size_t n);

/* Set the prompt line to s[0..n) (printable ASCII: the caller's own text),
 * or remove it (s NULL: its line is ended, and stays as typed). While it
 * is set it is shown whenever no other line is open: at once, and again
 * after every line of a stream or of the hypervisor, which first erases
 * it (CR, blanks, CR) and takes its place; a change to a prompt on the
 * screen goes out as backspaces and the new tail (line editing). Callers pass live = false
 * for every stream while a prompt is set, so that no output takes the
 * direct paths, which do not redraw it. */
void conmux_set_prompt(struct conmux *m, const char *s, size_t n);

/* Input: what one received byte means. */
enum conmux_action {
  CONMUX_DELIVER,    /* out[0..nout) go to the focused VM */
  CONMUX_NONE,       /* swallowed (escape pending) */
  CONMUX_FOCUS_NEXT, /* Ctrl-\ n */
  CONMUX_FOCUS_VM,   /* Ctrl-\ 0..9: *vm_index */
  CONMUX_HELP,       /* Ctrl-\ ? */
  CONMUX_MONITOR,    /* Ctrl-\ m: the monitor's prompt */
};

struct conmux_input {
  bool esc; /* the escape key came last */
};

enum conmux_action conmux_input(struct conmux_input *in, char c, char out[2], int *nout,
                                unsigned *vm_index);

#endif
