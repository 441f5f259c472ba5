#include "isa.h"
#include <string.h>

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Length of the "rv64" prefix, or 0 if isa does not start with one. */
static size_t prefix_len(const char *isa) {
  if (lower(isa[0]) != 'r' || lower(isa[1]) != 'v')
    return 0;
  if ((isa[2] == '6' && isa[3] == '4') || (isa[2] == '3' && isa[3] == '2'))
    return 4;
  return 0;
}

static bool eq_nocase(const char *a, size_t alen, const char *b) {
  if (strlen(b) != alen)
    return false;
  for (size_t i = 0; i < alen; i++)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

static bool dropped(const char *tok, size_t len, const char *const *drop, size_t ndrop) {
  for (size_t i = 0; i < ndrop; i++)
    if (eq_nocase(tok, len, drop[i]))
      return true;
  return false;
}

bool isa_has_ext(const char *isa, const char *ext) {
  size_t p = prefix_len(isa);
  if (!p || !ext[0])
    return false;
  const char *s = isa + p;
  size_t single = strcspn(s, "_");
  if (ext[1] == '\0') {
    for (size_t i = 0; i < single; i++)
      if (lower(s[i]) == lower(ext[0]) || (lower(s[i]) == 'g' && strchr("imafd", lower(ext[0]))))
        return true;
    return false;
  }
  s += single;
  while (*s == '_') {
    s++;
    size_t len = strcspn(s, "_");
    if (eq_nocase(s, len, ext))
      return true;
    s += len;
  }
  return false;
}

int isa_without(const char *isa, const char *const *drop, size_t ndrop, char *out, size_t outlen) {
  size_t p = prefix_len(isa), o = 0;
  if (!p || outlen <= p)
    return -1;
  memcpy(out, isa, p);
  o = p;
  const char *s = isa + p;
  size_t single = strcspn(s, "_");
  for (size_t i = 0; i < single; i++) {
    char c[2] = {(char)lower(s[i]), 0};
    if (dropped(c, 1, drop, ndrop))
      continue;
    if (o + 1 >= outlen)
      return -1;
    out[o++] = s[i];
  }
  s += single;
  while (*s == '_') {
    s++;
    size_t len = strcspn(s, "_");
    if (len && !dropped(s, len, drop, ndrop)) {
      if (o + 1 + len >= outlen)
        return -1;
      out[o++] = '_';
      memcpy(out + o, s, len);
      o += len;
    }
    s += len;
  }
  out[o] = '\0';
  return 0;
}
