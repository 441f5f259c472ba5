/* Device-tree reader. dt_open() walks the whole structure block once and
 * checks every token, name and property against the blob's bounds; after
 * that the accessors can walk tokens without re-checking lengths. */
#include "fdt.h"
#include <string.h>

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

uint32_t dt_be32(const void *p) {
  const uint8_t *b = p;
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t dt_be64(const void *p) {
  return (uint64_t)dt_be32(p) << 32 | dt_be32((const uint8_t *)p + 4);
}

static uint32_t align4(uint32_t x) { return (x + 3) & ~3U; }

static uint32_t tok(const struct dt *dt, uint32_t off) {
  return dt_be32(dt->blob + dt->off_struct + off);
}

const char *dt_strerror(int err) {
  switch (err) {
  case DT_OK: return "ok";
  case DT_ERR_TRUNCATED: return "truncated blob";
  case DT_ERR_BADMAGIC: return "bad magic";
  case DT_ERR_BADVERSION: return "unsupported version";
  case DT_ERR_BADLAYOUT: return "block outside the blob";
  case DT_ERR_BADSTRUCT: return "malformed structure block";
  case DT_ERR_NOTFOUND: return "not found";
  case DT_ERR_BADVALUE: return "bad property value";
  case DT_ERR_NOSPACE: return "no space";
  default: return "unknown error";
  }
}

/* Length of a NUL-terminated string at p, or -1 if no NUL before max. */
static long bounded_strlen(const uint8_t *p, uint32_t max) {
  const uint8_t *nul = memchr(p, 0, max);
  return nul ? nul - p : -1;
}

/* Walk the structure block from off; returns the offset after one token,
 * or a negative error. Only used by dt_open (the checking walk). */
static long check_token(const struct dt *dt, uint32_t off, uint32_t *t) {
  if (off > dt->size_struct || dt->size_struct - off < 4)
    return DT_ERR_BADSTRUCT;
  *t = tok(dt, off);
  off += 4;
  const uint8_t *s = dt->blob + dt->off_struct;
  switch (*t) {
  case FDT_BEGIN_NODE: {
    long n = bounded_strlen(s + off, dt->size_struct - off);
    if (n < 0)
      return DT_ERR_BADSTRUCT;
    return align4(off + (uint32_t)n + 1);
  }
  case FDT_PROP: {
    if (dt->size_struct - off < 8)
      return DT_ERR_BADSTRUCT;
    uint32_t len = dt_be32(s + off), nameoff = dt_be32(s + off + 4);
    off += 8;
    if (len > dt->size_struct - off || nameoff >= dt->size_strings)
      return DT_ERR_BADSTRUCT;
    if (bounded_strlen(dt->blob + dt->off_strings + nameoff, dt->size_strings - nameoff) < 0)
      return DT_ERR_BADSTRUCT;
    return align4(off + len);
  }
  case FDT_END_NODE:
  case FDT_NOP:
  case FDT_END: return off;
  default: return DT_ERR_BADSTRUCT;
  }
}

int dt_open(struct dt *dt, const void *blob, size_t max_size) {
  const uint8_t *b = blob;
  if (max_size < 40)
    return DT_ERR_TRUNCATED;
  if (dt_be32(b) != DT_MAGIC)
    return DT_ERR_BADMAGIC;
  uint32_t total = dt_be32(b + 4);
  if (total > max_size || total < 40)
    return DT_ERR_TRUNCATED;
  uint32_t version = dt_be32(b + 20), last_comp = dt_be32(b + 24);
  if (version < 16 || last_comp > 17)
    return DT_ERR_BADVERSION;
  dt->blob = b;
  dt->size = total;
  dt->off_struct = dt_be32(b + 8);
  dt->off_strings = dt_be32(b + 12);
  dt->off_rsvmap = dt_be32(b + 16);
  dt->size_strings = dt_be32(b + 32);
  /* Version 16 has no size_dt_struct: the block runs to the end of the blob,
   * whose size need not be a multiple of 4 (FDT_END bounds the walk). */
  dt->size_struct = version >= 17 ? dt_be32(b + 36) : (total - dt->off_struct) & ~3U;
  if (dt->off_struct > total || dt->size_struct > total - dt->off_struct || (dt->off_struct & 3) ||
      (dt->size_struct & 3))
    return DT_ERR_BADLAYOUT;
  if (dt->off_strings > total || dt->size_strings > total - dt->off_strings)
    return DT_ERR_BADLAYOUT;
  if (dt->off_rsvmap > total || (dt->off_rsvmap & 7) || dt->off_rsvmap < 40)
    return DT_ERR_BADLAYOUT;
  /* The reservation map ends with a zero entry, inside the blob. */
  for (uint32_t o = dt->off_rsvmap;; o += 16) {
    if (total - o < 16)
      return DT_ERR_BADLAYOUT;
    if (dt_be64(b + o) == 0 && dt_be64(b + o + 8) == 0)
      break;
  }
  uint32_t off = 0, t;
  int depth = 0, seen_root = 0;
  for (;;) {
    long next = check_token(dt, off, &t);
    if (next < 0)
      return (int)next;
    if (t == FDT_BEGIN_NODE) {
      if (depth == 0 && seen_root)
        return DT_ERR_BADSTRUCT; /* two roots */
      if (++depth > DT_MAX_DEPTH)
        return DT_ERR_BADSTRUCT;
      seen_root = 1;
    } else if (t == FDT_END_NODE) {
      if (--depth < 0)
        return DT_ERR_BADSTRUCT;
    } else if (t == FDT_PROP) {
      if (depth == 0)
        return DT_ERR_BADSTRUCT;
    } else if (t == FDT_END) {
      if (depth != 0 || !seen_root)
        return DT_ERR_BADSTRUCT;
      return DT_OK;
    }
    off = (uint32_t)next;
  }
}

/* Offset after the token at off (the blob was validated by dt_open). A
 * token that fails the check all the same reads as FDT_END at the end of
 * the structure block, which ends any walk. */
static uint32_t skip_token(const struct dt *dt, uint32_t off, uint32_t *t) {
  uint32_t dummy, *tp = t ? t : &dummy;
  long next = check_token(dt, off, tp);
  if (next < 0) {
    *tp = FDT_END;
    return dt->size_struct;
  }
  return (uint32_t)next;
}

int dt_root(const struct dt *dt) {
  uint32_t off = 0, t;
  for (;;) {
    uint32_t next = skip_token(dt, off, &t);
    if (t == FDT_BEGIN_NODE)
      return (int)off;
    if (t == FDT_END)
      return DT_ERR_BADSTRUCT;
    off = next;
  }
}

int dt_next_node(const struct dt *dt, int node, int *depth) {
  uint32_t t, off = skip_token(dt, (uint32_t)node, &t);
  for (;;) {
    uint32_t next = skip_token(dt, off, &t);
    if (t == FDT_BEGIN_NODE) {
      if (depth)
        (*depth)++;
      return (int)off;
    }
    if (t == FDT_END_NODE && depth)
      (*depth)--;
    if (t == FDT_END)
      return DT_ERR_NOTFOUND;
    off = next;
  }
}

int dt_first_child(const struct dt *dt, int node) {
  int depth = 0;
  int n = dt_next_node(dt, node, &depth);
  return (n >= 0 && depth == 1) ? n : DT_ERR_NOTFOUND;
}

int dt_next_sibling(const struct dt *dt, int node) {
  /* Depth is relative to node: its children are at 1, its siblings at 0. */
  int depth = 0;
  for (int n = dt_next_node(dt, node, &depth); n >= 0; n = dt_next_node(dt, n, &depth)) {
    if (depth == 0)
      return n;
    if (depth < 0)
      break;
  }
  return DT_ERR_NOTFOUND;
}

int dt_parent(const struct dt *dt, int node) {
  int stack[DT_MAX_DEPTH + 1];
  int depth = 0;
  int n = dt_root(dt);
  stack[0] = n;
  if (n == node)
    return DT_ERR_NOTFOUND;
  while ((n = dt_next_node(dt, n, &depth)) >= 0) {
    if (depth < 0 || depth > DT_MAX_DEPTH)
      break;
    stack[depth] = n;
    if (n == node)
      return depth > 0 ? stack[depth - 1] : DT_ERR_NOTFOUND;
  }
  return DT_ERR_NOTFOUND;
}

const char *dt_node_name(const struct dt *dt, int node) {
  return (const char *)dt->blob + dt->off_struct + (uint32_t)node + 4;
}

/* Does node name "cpu@0" match the path component comp[0..len)? A component
 * without a unit address matches a name with any unit address. */
static bool name_matches(const char *name, const char *comp, size_t len) {
  if (strncmp(name, comp, len) != 0)
    return false;
  return name[len] == '\0' || (name[len] == '@' && !memchr(comp, '@', len));
}

int dt_path(const struct dt *dt, const char *path) {
  int node = dt_root(dt);
  if (*path != '/')
    return DT_ERR_NOTFOUND;
  while (*path) {
    while (*path == '/')
      path++;
    if (!*path)
      break;
    const char *end = strchr(path, '/');
    size_t len = end ? (size_t)(end - path) : strlen(path);
    int c;
    for (c = dt_first_child(dt, node); c >= 0; c = dt_next_sibling(dt, c))
      if (name_matches(dt_node_name(dt, c), path, len))
        break;
    if (c < 0)
      return DT_ERR_NOTFOUND;
    node = c;
    path += len;
  }
  return node;
}

int dt_prop_next(const struct dt *dt, int node, int *cookie, const char **name, const void **val,
                 int *len) {
  uint32_t t, off = *cookie ? (uint32_t)*cookie : skip_token(dt, (uint32_t)node, &t);
  for (;;) {
    uint32_t next = skip_token(dt, off, &t);
    if (t == FDT_PROP) {
      const uint8_t *p = dt->blob + dt->off_struct + off + 4;
      *len = (int)dt_be32(p);
      *name = (const char *)dt->blob + dt->off_strings + dt_be32(p + 4);
      *val = p + 8;
      *cookie = (int)next;
      return DT_OK;
    }
    if (t != FDT_NOP)
      return DT_ERR_NOTFOUND;
    off = next;
  }
}

const void *dt_prop(const struct dt *dt, int node, const char *name, int *len) {
  int cookie = 0, l;
  const char *n;
  const void *v;
  while (dt_prop_next(dt, node, &cookie, &n, &v, &l) == DT_OK) {
    if (strcmp(n, name) == 0) {
      if (len)
        *len = l;
      return v;
    }
  }
  return NULL;
}

int dt_prop_u32(const struct dt *dt, int node, const char *name, uint32_t *out) {
  int len;
  const void *p = dt_prop(dt, node, name, &len);
  if (!p)
    return DT_ERR_NOTFOUND;
  if (len != 4)
    return DT_ERR_BADVALUE;
  *out = dt_be32(p);
  return DT_OK;
}

int dt_prop_u64(const struct dt *dt, int node, const char *name, uint64_t *out) {
  int len;
  const void *p = dt_prop(dt, node, name, &len);
  if (!p)
    return DT_ERR_NOTFOUND;
  if (len == 4)
    *out = dt_be32(p);
  else if (len == 8)
    *out = dt_be64(p);
  else
    return DT_ERR_BADVALUE;
  return DT_OK;
}

/* A string property: present, non-empty and NUL-terminated within its length. */
const char *dt_prop_str(const struct dt *dt, int node, const char *name) {
  int len;
  const char *p = dt_prop(dt, node, name, &len);
  if (!p || len < 1 || p[len - 1] != '\0')
    return NULL;
  return p;
}

bool dt_stringlist_contains(const char *list, int len, const char *s) {
  size_t slen = strlen(s);
  while (len > 0) {
    size_t n = strnlen(list, (size_t)len);
    if (n == slen && memcmp(list, s, n) == 0)
      return true;
    list += n + 1;
    len -= (int)n + 1;
  }
  return false;
}

bool dt_is_compatible(const struct dt *dt, int node, const char *compat) {
  int len;
  const char *p = dt_prop(dt, node, "compatible", &len);
  return p && dt_stringlist_contains(p, len, compat);
}

int dt_find_compatible(const struct dt *dt, int after, const char *compat) {
  int n = after < 0 ? dt_root(dt) : dt_next_node(dt, after, NULL);
  for (; n >= 0; n = dt_next_node(dt, n, NULL))
    if (dt_is_compatible(dt, n, compat))
      return n;
  return DT_ERR_NOTFOUND;
}

void dt_reg_cells(const struct dt *dt, int node, uint32_t *acells, uint32_t *scells) {
  int parent = dt_parent(dt, node);
  *acells = 2;
  *scells = 1;
  if (parent >= 0) {
    dt_prop_u32(dt, parent, "#address-cells", acells);
    dt_prop_u32(dt, parent, "#size-cells", scells);
  }
}

static uint64_t read_cells(const uint8_t *p, uint32_t n) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < n; i++)
    v = v << 32 | dt_be32(p + 4 * i);
  return v;
}

int dt_reg(const struct dt *dt, int node, int index, uint64_t *addr, uint64_t *size) {
  uint32_t ac, sc;
  dt_reg_cells(dt, node, &ac, &sc);
  if (ac > 2 || sc > 2 || ac == 0)
    return DT_ERR_BADVALUE;
  int len;
  const uint8_t *p = dt_prop(dt, node, "reg", &len);
  if (!p)
    return DT_ERR_NOTFOUND;
  uint32_t entry = 4 * (ac + sc);
  if (index < 0 || ((uint64_t)index + 1) * entry > (uint64_t)len)
    return DT_ERR_NOTFOUND;
  p += (uint32_t)index * entry;
  *addr = read_cells(p, ac);
  *size = read_cells(p + 4 * ac, sc);
  return DT_OK;
}

int dt_memreserve(const struct dt *dt, int index, uint64_t *addr, uint64_t *size) {
  for (uint32_t o = dt->off_rsvmap, i = 0; dt->size - o >= 16; o += 16, i++) {
    uint64_t a = dt_be64(dt->blob + o), s = dt_be64(dt->blob + o + 8);
    if (a == 0 && s == 0)
      break;
    if ((int)i == index) {
      *addr = a;
      *size = s;
      return DT_OK;
    }
  }
  return DT_ERR_NOTFOUND;
}

int dt_stdout_node(const struct dt *dt) {
  int chosen = dt_path(dt, "/chosen");
  if (chosen < 0)
    return DT_ERR_NOTFOUND;
  const char *p = dt_prop_str(dt, chosen, "stdout-path");
  if (!p)
    p = dt_prop_str(dt, chosen, "linux,stdout-path");
  if (!p)
    return DT_ERR_NOTFOUND;
  /* Drop ":115200n8"-style options; resolve an alias name through /aliases. */
  char path[128];
  size_t n = 0;
  while (p[n] && p[n] != ':' && n < sizeof(path) - 1) {
    path[n] = p[n];
    n++;
  }
  path[n] = '\0';
  if (path[0] != '/') {
    int aliases = dt_path(dt, "/aliases");
    const char *target = aliases >= 0 ? dt_prop_str(dt, aliases, path) : NULL;
    return target ? dt_path(dt, target) : DT_ERR_NOTFOUND;
  }
  return dt_path(dt, path);
}
