/* Host tests of the console multiplexer (hv/lib/conmux.c): labelled lines
 * never mix, the live stream shows partial lines, the escape key. */
#include "check.h"
#include "hv/lib/conmux.h"

static char screen[1 << 16];
static size_t screen_len;

static void emit(void *ctx, const char *s, size_t n) {
  (void)ctx;
  memcpy(screen + screen_len, s, n);
  screen_len += n;
  screen[screen_len] = '\0';
}

static struct conmux m;
static struct conmux_stream a, b;

static void reset(void) {
  memset(&m, 0, sizeof(m));
  m.emit = emit;
  screen_len = 0;
  screen[0] = '\0';
  conmux_stream_init(&a, "[a] ");
  conmux_stream_init(&b, "[b] ");
}

static void w(struct conmux_stream *s, bool live, const char *t) {
  conmux_write(&m, s, live, t, strlen(t));
}

static void test_lines_do_not_mix(void) {
  reset();
  w(&a, false, "hel");
  w(&b, false, "wor");
  CHECK_STR(screen, "");
  w(&a, false, "lo\n");
  w(&b, false, "ld\nsecond");
  CHECK_STR(screen, "[a] hello\n[b] world\n");
  conmux_write_line(&m, "rustyvisor: x\n", 14);
  w(&b, false, " line\n");
  CHECK_STR(screen, "[a] hello\n[b] world\nrustyvisor: x\n[b] second line\n");
}

static void test_live_stream(void) {
  reset();
  w(&a, true, "# ");
  CHECK_STR(screen, "[a] # ");
  w(&a, true, "l");
  w(&a, true, "s\n");
  CHECK_STR(screen, "[a] # ls\n");
  /* Another VM's complete line breaks the open one; the live stream's
   * next bytes start a fresh labelled line. */
  w(&a, true, "# ");
  w(&b, false, "tick\n");
  w(&a, true, "x");
  CHECK_STR(screen, "[a] # ls\n[a] # \n[b] tick\n[a] x");
  /* So does the hypervisor's line. */
  conmux_write_line(&m, "hv\n", 3);
  CHECK_STR(screen, "[a] # ls\n[a] # \n[b] tick\n[a] x\nhv\n");
  CHECK(m.open == NULL);
}

static void test_long_and_flush(void) {
  reset();
  char line[CONMUX_LINE_MAX * 2 + 10];
  memset(line, 'x', sizeof(line) - 1);
  line[sizeof(line) - 1] = '\0';
  w(&a, false, line);
  /* Two full buffers went out (one line continued), 10 bytes wait. */
  CHECK_EQ(screen_len, strlen("[a] ") + 2 * CONMUX_LINE_MAX);
  CHECK_EQ(a.len, 9);
  w(&b, false, "b\n");
  conmux_flush(&m, &a);
  CHECK(strstr(screen, "x\n[b] b\n[a] xxxxxxxxx") != NULL);
  CHECK(m.open == &a);
  conmux_flush(&m, &a); /* nothing buffered: nothing shown */
  CHECK(!strcmp(screen + screen_len - strlen("\n[a] xxxxxxxxx"), "\n[a] xxxxxxxxx"));
  /* Unlabelled (single VM): bytes pass straight through when live. */
  reset();
  conmux_stream_init(&a, "");
  w(&a, true, "abc");
  w(&a, true, "\n");
  CHECK_STR(screen, "abc\n");
  /* An over-long label is cut, never overflowed. */
  conmux_stream_init(&b, "[a label far longer than the room] ");
  CHECK_EQ(strlen(b.label), CONMUX_LABEL_MAX - 1);
}

/* The multiplexer as first written: every byte through the line buffer.
 * conmux_write() must put exactly the same on the screen. */
struct model_stream {
  const char *label;
  char buf[CONMUX_LINE_MAX];
  size_t len;
};
static const struct model_stream *model_open;
static char model_screen[1 << 16];
static size_t model_len;

static void model_emit(const char *s, size_t n) {
  memcpy(model_screen + model_len, s, n);
  model_len += n;
  model_screen[model_len] = '\0';
}

static void model_show(struct model_stream *s) {
  if (model_open != s) {
    if (model_open)
      model_emit("\n", 1);
    model_emit(s->label, strlen(s->label));
  }
  model_emit(s->buf, s->len);
  model_open = s->len && s->buf[s->len - 1] == '\n' ? NULL : s;
  s->len = 0;
}

static void model_write(struct model_stream *s, bool live, const char *d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    s->buf[s->len++] = d[i];
    if (d[i] == '\n' || s->len == sizeof(s->buf))
      model_show(s);
  }
  if (live && s->len)
    model_show(s);
}

static void test_same_as_buffered(void) {
  static char big[1 << 16];
  uint64_t seed = 12345;
  for (int round = 0; round < 200; round++) {
    reset();
    screen_len = 0;
    model_len = 0;
    model_screen[0] = '\0';
    model_open = NULL;
    static const char *const labels[] = {"", "[a] ", "[b] "};
    struct conmux_stream st[3];
    struct model_stream ms[3];
    for (int i = 0; i < 3; i++) {
      conmux_stream_init(&st[i], labels[i]);
      ms[i] = (struct model_stream){.label = labels[i]};
    }
    for (int op = 0; op < 60 && model_len < sizeof(model_screen) - 2 * CONMUX_LINE_MAX; op++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      unsigned r = (unsigned)(seed >> 33);
      int i = (int)(r % 3);
      bool live = (r >> 2) & 1;
      size_t n = (r >> 3) % 7 == 0 ? (r >> 6) % (2 * CONMUX_LINE_MAX) : (r >> 6) % 4;
      for (size_t k = 0; k < n; k++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        big[k] = (seed >> 60) < 3 ? '\n' : (char)('a' + (seed >> 59) % 26);
      }
      if ((r >> 12) % 23 == 0) {
        conmux_write_line(&m, "hv\n", 3);
        if (model_open)
          model_emit("\n", 1);
        model_open = NULL;
        model_emit("hv\n", 3);
      } else if ((r >> 12) % 19 == 0) {
        conmux_flush(&m, &st[i]);
        if (ms[i].len)
          model_show(&ms[i]);
      } else if (n == 1 && (r >> 12) % 2) {
        /* One byte the way console_vm_putc() sends it. */
        if (conmux_direct_byte(&m, &st[i], live, big[0]))
          emit(NULL, big, 1);
        else
          conmux_write(&m, &st[i], live, big, 1);
        model_write(&ms[i], live, big, 1);
      } else {
        conmux_write(&m, &st[i], live, big, n);
        model_write(&ms[i], live, big, n);
      }
      if (screen_len != model_len || memcmp(screen, model_screen, model_len)) {
        CHECK(!"conmux output differs from the buffered model");
        return;
      }
    }
  }
}

static void test_input(void) {
  struct conmux_input in = {0};
  char out[2];
  int n;
  unsigned vm = 99;
  CHECK_EQ(conmux_input(&in, 'x', out, &n, &vm), CONMUX_DELIVER);
  CHECK(n == 1 && out[0] == 'x');
  CHECK_EQ(conmux_input(&in, CONMUX_ESC, out, &n, &vm), CONMUX_NONE);
  CHECK_EQ(n, 0);
  CHECK_EQ(conmux_input(&in, '3', out, &n, &vm), CONMUX_FOCUS_VM);
  CHECK_EQ(vm, 3);
  CHECK_EQ(conmux_input(&in, '3', out, &n, &vm), CONMUX_DELIVER); /* escape consumed */
  CHECK(n == 1 && out[0] == '3');
  conmux_input(&in, CONMUX_ESC, out, &n, &vm);
  CHECK_EQ(conmux_input(&in, 'n', out, &n, &vm), CONMUX_FOCUS_NEXT);
  conmux_input(&in, CONMUX_ESC, out, &n, &vm);
  CHECK_EQ(conmux_input(&in, '?', out, &n, &vm), CONMUX_HELP);
  conmux_input(&in, CONMUX_ESC, out, &n, &vm);
  CHECK_EQ(conmux_input(&in, 'm', out, &n, &vm), CONMUX_MONITOR);
  CHECK_EQ(n, 0);
  conmux_input(&in, CONMUX_ESC, out, &n, &vm);
  CHECK_EQ(conmux_input(&in, CONMUX_ESC, out, &n, &vm), CONMUX_DELIVER);
  CHECK(n == 1 && out[0] == CONMUX_ESC);
  conmux_input(&in, CONMUX_ESC, out, &n, &vm);
  CHECK_EQ(conmux_input(&in, 'q', out, &n, &vm), CONMUX_DELIVER);
  CHECK(n == 2 && out[0] == CONMUX_ESC && out[1] == 'q');
  CHECK(!in.esc);
}

/* A labelled stream cannot forge lines: controls that move the cursor or
 * erase show escaped, CR LF is a newline, backspaces stop at the label. */
static void test_forgery(void) {
  reset();
  w(&a, false, "\r\033[2K[b] login: \n");
  CHECK_STR(screen, "[a] ^M^[[2K[b] login: \n");
  reset();
  w(&a, false, "ok\r\n");
  w(&a, false, "cr\r");
  w(&a, false, "\nx\ry\n");
  CHECK_STR(screen, "[a] ok\n[a] cr\n[a] x^My\n");
  reset();
  /* Two within the text, two more back to the label, then beyond it (and
   * no backspace erases an escape). */
  w(&a, false, "abc\b\bX\b\b\b\b\n");
  CHECK_STR(screen, "[a] abc\b\bX\b\b^H^H\n");
  reset();
  /* 8-bit CSI, UTF-8 CSI (C1), an overlong ESC, valid two- to four-byte letters. */
  w(&a, false,
    "\x9b"
    "2K \xc2\x9b \xc0\x9b \xe0\x81\x9b \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n");
  CHECK_STR(screen, "[a] \\x9b2K \\xc2\\x9b \\xc0\\x9b \\xe0\\x81\\x9b "
                    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n");
  reset();
  w(&a, false, "bel\a del\x7f tab\tend\n");
  CHECK_STR(screen, "[a] bel^G del^? tab\tend\n");
  /* A sequence split over writes, and one cut by the end of a line. */
  reset();
  w(&a, false, "\xc3");
  w(&a, false, "\xa9 \xe2\x82");
  w(&a, false, "\n");
  CHECK_STR(screen, "[a] \xc3\xa9 \\xe2\\x82\n");
  /* Live: a backspace may erase what the line shows, not the label, also
   * when another stream broke the line in between. */
  reset();
  w(&a, true, "ab");
  w(&a, true, "\b");
  w(&b, false, "x\n");
  w(&a, true, "\b\bc");
  CHECK_STR(screen, "[a] ab\b\n[b] x\n[a] ^H^Hc");
  /* The one-byte direct path takes only plain bytes. */
  reset();
  w(&a, true, "p");
  CHECK(conmux_direct_byte(&m, &a, true, 'q'));
  CHECK(!conmux_direct_byte(&m, &a, true, '\r'));
  CHECK(!conmux_direct_byte(&m, &a, true, '\033'));
  CHECK(!conmux_direct_byte(&m, &a, true, (char)0x9b));
  /* Unlabelled (one VM alone), the guest's terminal is its own: raw. */
  struct conmux_stream u;
  reset();
  conmux_stream_init(&u, "");
  conmux_write(&m, &u, true, "\r\033[2Kx\b", 7);
  CHECK_STR(screen, "\r\033[2Kx\b");
}

/* Random bytes from a labelled stream beside another, on a simulated
 * terminal: no raw CR, ESC or C1 reaches it, and every line it shows
 * starts with a label that no backspace moved back into. */
static void test_forgery_random(void) {
  uint64_t seed = 777;
  static const char pool[] = "ab\r\n\b\t\033\x7f\x9b\xc2\xc3\xe2\xa9\x82\xac\x80\x07[";
  for (int round = 0; round < 300; round++) {
    reset();
    char data[24];
    for (int op = 0; op < 40 && screen_len < sizeof(screen) - 4096; op++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      unsigned r = (unsigned)(seed >> 33);
      size_t n = r % sizeof(data);
      for (size_t k = 0; k < n; k++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        data[k] = pool[(seed >> 40) % (sizeof(pool) - 1)];
      }
      struct conmux_stream *st = (r >> 8) % 3 ? &a : &b;
      bool live = (r >> 10) & 1;
      if ((r >> 11) % 5 == 0 && n) {
        if (conmux_direct_byte(&m, st, live, data[0]))
          emit(NULL, data, 1);
        else
          conmux_write(&m, st, live, data, 1);
      } else {
        conmux_write(&m, st, live, data, n);
      }
    }
    size_t col = 0, label_end = 0;
    bool line_start = true;
    for (size_t i = 0; i < screen_len; i++) {
      unsigned char c = (unsigned char)screen[i];
      if (c == '\r' || c == 0x1b ||
          (c >= 0x80 && c < 0xa0 && i && (unsigned char)screen[i - 1] == 0xc2)) {
        CHECK(!"a raw CR, ESC or C1 control reached the terminal");
        return;
      }
      if (line_start) {
        if (strncmp(screen + i, "[a] ", 4) && strncmp(screen + i, "[b] ", 4)) {
          CHECK(!"a line without its label");
          return;
        }
        label_end = 4;
        col = 4;
        i += 3;
        line_start = false;
        continue;
      }
      if (c == '\n') {
        line_start = true;
      } else if (c == '\b') {
        if (col <= label_end) {
          CHECK(!"a backspace moved into the label");
          return;
        }
        col--;
      } else if ((c & 0xc0) != 0x80) {
        col++;
      }
    }
  }
}

static void clear_screen(void) {
  screen_len = 0;
  screen[0] = '\0';
}

static void p(const char *t) { conmux_set_prompt(&m, t, strlen(t)); }

/* The monitor's prompt line stays the last line: output erases it, takes
 * its place, and it is drawn again; edits go out as backspaces and the new
 * tail; removing it ends its line, which stays as typed. */
static void test_prompt(void) {
  reset();
  p("> ");
  CHECK_STR(screen, "> ");
  p("> ls");
  CHECK_STR(screen, "> ls");
  p("> l");
  CHECK_STR(screen, "> ls\b \b");
  clear_screen();
  w(&a, false, "tick\n");
  CHECK_STR(screen, "\r   \r[a] tick\n> l");
  clear_screen();
  w(&a, false, "part"); /* a partial line waits in its buffer: nothing shows */
  CHECK_STR(screen, "");
  conmux_write_line(&m, "hv: x\n", 6);
  CHECK_STR(screen, "\r   \rhv: x\n> l");
  clear_screen();
  conmux_set_prompt(&m, NULL, 0);
  CHECK_STR(screen, "\n");
  CHECK(!m.prompt_on && !m.open);
  /* Not shown while another line is open: a new line for it. */
  clear_screen();
  w(&b, true, "# ");
  p(">");
  CHECK_STR(screen, "[b] # \n>");
  /* A line that fills a stream's buffer without its end leaves that
   * stream's line open: the prompt waits until a line ends. */
  clear_screen();
  char full[CONMUX_LINE_MAX + 1];
  memset(full, 'x', CONMUX_LINE_MAX);
  full[CONMUX_LINE_MAX] = '\0';
  w(&a, false, full);
  CHECK(m.open == &a);
  w(&a, false, "\n");
  CHECK(screen_len > 0 && screen[screen_len - 1] == '>');
  /* A prompt longer than its copy is cut, never overrun. */
  char big[2 * CONMUX_LINE_MAX];
  memset(big, 'y', sizeof(big));
  conmux_set_prompt(&m, big, sizeof(big));
  CHECK_EQ(m.prompt_len, CONMUX_LINE_MAX);
}

int main(void) {
  test_lines_do_not_mix();
  test_live_stream();
  test_long_and_flush();
  test_same_as_buffered();
  test_input();
  test_forgery();
  test_forgery_random();
  test_prompt();
  return check_report("conmux");
}
