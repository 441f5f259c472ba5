/* Sequential device-tree writer: header, an empty reservation map, the
 * structure block as the caller emits it, then the strings block. */
#include "fdt.h"
#include <string.h>

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_END 9
#define HDR_SIZE 40
#define RSVMAP_SIZE 16 /* the terminating zero entry */

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void dtw_init(struct dtw *w, void *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->pos = HDR_SIZE + RSVMAP_SIZE;
  w->depth = 0;
  w->err = cap < w->pos ? DT_ERR_NOSPACE : DT_OK;
  w->strings_len = 0;
  if (!w->err)
    memset(w->buf, 0, w->pos);
}

/* Reserve n bytes (padded to 4, padding zeroed) in the structure block. */
static uint8_t *room(struct dtw *w, size_t n) {
  size_t padded = (n + 3) & ~(size_t)3;
  if (w->err || padded > w->cap - w->pos) {
    w->err = w->err ? w->err : DT_ERR_NOSPACE;
    return NULL;
  }
  uint8_t *p = w->buf + w->pos;
  memset(p + n, 0, padded - n);
  w->pos += padded;
  return p;
}

static void token(struct dtw *w, uint32_t t) {
  uint8_t *p = room(w, 4);
  if (p)
    put32(p, t);
}

void dtw_begin_node(struct dtw *w, const char *name) {
  size_t len = strlen(name) + 1;
  token(w, FDT_BEGIN_NODE);
  uint8_t *p = room(w, len);
  if (p)
    memcpy(p, name, len);
  w->depth++;
}

void dtw_end_node(struct dtw *w) {
  if (w->depth <= 0) {
    w->err = w->err ? w->err : DT_ERR_BADSTRUCT;
    return;
  }
  token(w, FDT_END_NODE);
  w->depth--;
}

/* Offset of name in the strings block, adding it if it is new. */
static long string_offset(struct dtw *w, const char *name) {
  size_t len = strlen(name) + 1;
  for (size_t o = 0; o < w->strings_len; o += strlen(w->strings + o) + 1)
    if (strcmp(w->strings + o, name) == 0)
      return (long)o;
  if (len > DTW_STRINGS_MAX - w->strings_len) {
    w->err = w->err ? w->err : DT_ERR_NOSPACE;
    return -1;
  }
  memcpy(w->strings + w->strings_len, name, len);
  w->strings_len += len;
  return (long)(w->strings_len - len);
}

void dtw_prop(struct dtw *w, const char *name, const void *data, size_t len) {
  long off = string_offset(w, name);
  if (w->depth <= 0 && !w->err)
    w->err = DT_ERR_BADSTRUCT;
  if (len > UINT32_MAX && !w->err)
    w->err = DT_ERR_BADVALUE; /* the length field has 32 bits */
  if (off < 0 || len > UINT32_MAX)
    return;
  token(w, FDT_PROP);
  uint8_t *hdr = room(w, 8);
  if (!hdr)
    return;
  put32(hdr, (uint32_t)len);
  put32(hdr + 4, (uint32_t)off);
  uint8_t *p = room(w, len);
  if (p && len)
    memcpy(p, data, len);
}

void dtw_prop_empty(struct dtw *w, const char *name) { dtw_prop(w, name, NULL, 0); }

void dtw_prop_u32(struct dtw *w, const char *name, uint32_t v) { dtw_prop_cells(w, name, &v, 1); }

void dtw_prop_u64(struct dtw *w, const char *name, uint64_t v) {
  uint32_t cells[2] = {(uint32_t)(v >> 32), (uint32_t)v};
  dtw_prop_cells(w, name, cells, 2);
}

void dtw_prop_cells(struct dtw *w, const char *name, const uint32_t *cells, size_t n) {
  uint8_t be[4 * 16];
  if (n > 16) {
    w->err = w->err ? w->err : DT_ERR_BADVALUE;
    return;
  }
  for (size_t i = 0; i < n; i++)
    put32(be + 4 * i, cells[i]);
  dtw_prop(w, name, be, 4 * n);
}

void dtw_prop_str(struct dtw *w, const char *name, const char *s) {
  dtw_prop(w, name, s, strlen(s) + 1);
}

void dtw_prop_reg(struct dtw *w, uint64_t addr, uint64_t size) {
  uint32_t cells[4] = {(uint32_t)(addr >> 32), (uint32_t)addr, (uint32_t)(size >> 32),
                       (uint32_t)size};
  dtw_prop_cells(w, "reg", cells, 4);
}

int dtw_finish(struct dtw *w) {
  if (w->depth != 0 && !w->err)
    w->err = DT_ERR_BADSTRUCT;
  token(w, FDT_END);
  if (w->err)
    return w->err;
  size_t struct_size = w->pos - (HDR_SIZE + RSVMAP_SIZE);
  if (w->strings_len > w->cap - w->pos)
    return w->err = DT_ERR_NOSPACE;
  memcpy(w->buf + w->pos, w->strings, w->strings_len);
  size_t total = w->pos + w->strings_len;
  uint8_t *h = w->buf;
  put32(h + 0, DT_MAGIC);
  put32(h + 4, (uint32_t)total);
  put32(h + 8, HDR_SIZE + RSVMAP_SIZE);    /* off_dt_struct */
  put32(h + 12, (uint32_t)w->pos);         /* off_dt_strings */
  put32(h + 16, HDR_SIZE);                 /* off_mem_rsvmap */
  put32(h + 20, 17);                       /* version */
  put32(h + 24, 16);                       /* last_comp_version */
  put32(h + 28, 0);                        /* boot_cpuid_phys */
  put32(h + 32, (uint32_t)w->strings_len); /* size_dt_strings */
  put32(h + 36, (uint32_t)struct_size);    /* size_dt_struct */
  return (int)total;
}
