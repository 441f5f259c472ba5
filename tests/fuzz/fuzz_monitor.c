/* libFuzzer target: bytes typed at the monitor's prompt (hv/core/monitor_cmd.c), as
 * hv/core/monitor.c takes them: each byte through the line editor, the prompt line
 * redrawn through the console multiplexer (conmux_set_prompt) on each edit, every
 * finished line parsed against a few VM names. The line holds printable ASCII only and
 * never overruns; a parse names a VM that exists or says why not in one line; what the
 * terminal is sent holds no control byte but CR, LF and BS. A byte 0xfe in the input
 * stands for a VM's line written meanwhile (the prompt is erased and drawn again). */
#include "hv/core/monitor_cmd.h"
#include "hv/lib/conmux.h"
#include <stdlib.h>
#include <string.h>

static void emit(void *ctx, const char *s, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\b') || c == 0x7f)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {"tk", "clock", "disk", "a-very-long-vm-n"};
  struct mon_line l;
  struct conmux m;
  struct conmux_stream vm;
  memset(&m, 0, sizeof(m));
  m.emit = emit;
  conmux_stream_init(&vm, "[tk] ");
  mon_line_clear(&l);
  char prompt[16 + MON_LINE_MAX] = "monitor> ";
  for (size_t i = 0; i < size; i++) {
    if (data[i] == 0xfe) {
      conmux_write(&m, &vm, false, "tick\n", 5);
      continue;
    }
    enum mon_key k = mon_line_key(&l, (char)data[i]);
    if (l.len >= sizeof(l.buf))
      abort();
    for (size_t j = 0; j < l.len; j++)
      if (l.buf[j] < 0x20 || l.buf[j] > 0x7e)
        abort();
    if (k == MON_KEY_EDIT) {
      memcpy(prompt + 9, l.buf, l.len);
      conmux_set_prompt(&m, prompt, 9 + l.len);
    } else if (k == MON_KEY_ENTER) {
      struct mon_parsed p;
      mon_parse(l.buf, l.len, names, 4, &p);
      if (!memchr(p.err, 0, sizeof(p.err)) || memchr(p.err, '\n', strlen(p.err)))
        abort();
      if (p.cmd == MON_CMD_BAD && !p.err[0])
        abort();
      if (p.cmd >= MON_CMD_STATS && p.vm >= 4)
        abort();
      if (p.cmd >= MON_CMD_STATS)
        (void)mon_state_refuses(p.cmd, (enum mon_vm_state)(data[i - (i > 0)] % 5));
      mon_line_clear(&l);
      conmux_set_prompt(&m, NULL, 0);
      conmux_set_prompt(&m, prompt, 9);
    } else if (k == MON_KEY_LEAVE) {
      conmux_set_prompt(&m, NULL, 0);
    }
    if (m.prompt_len > sizeof(m.prompt))
      abort();
  }
  return 0;
}
