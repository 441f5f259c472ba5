/* libFuzzer target: dt_open on arbitrary bytes, then a full walk of every
 * node and property through every accessor. The blob is copied into an
 * exactly sized allocation so that any read past it is caught. Structural
 * invariants (parent/child/sibling agree, paths resolve) abort on failure. */
#include "hv/lib/fdt.h"
#include <stdlib.h>
#include <string.h>

static void walk_props(const struct dt *dt, int node) {
  int cookie = 0, len;
  const char *name;
  const void *val;
  int n = 0;
  while (dt_prop_next(dt, node, &cookie, &name, &val, &len) == DT_OK) {
    if (len < 0 || (const char *)val < (const char *)dt->blob ||
        (const char *)val + len > (const char *)dt->blob + dt->size)
      abort();
    volatile size_t sum = strlen(name);
    for (int i = 0; i < len; i++)
      sum += ((const unsigned char *)val)[i];
    /* The lookup by name finds a property of that name. */
    int l2;
    if (!dt_prop(dt, node, name, &l2))
      abort();
    uint32_t u32;
    uint64_t u64;
    dt_prop_u32(dt, node, name, &u32);
    dt_prop_u64(dt, node, name, &u64);
    const char *s = dt_prop_str(dt, node, name);
    if (s)
      sum += strlen(s);
    dt_stringlist_contains(val, len, "ns16550a");
    (void)sum;
    if (++n > 100000)
      abort();
  }
}

/* Does node name `found` answer the path component `comp`? */
static int name_matches_path(const char *found, const char *comp) {
  size_t len = strlen(comp);
  if (strncmp(found, comp, len) != 0)
    return 0;
  return found[len] == '\0' || (found[len] == '@' && !strchr(comp, '@'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *blob = malloc(size ? size : 1);
  memcpy(blob, data, size);
  struct dt dt;
  if (dt_open(&dt, blob, size) != DT_OK) {
    free(blob);
    return 0;
  }
  if (dt.size > size)
    abort();
  int root = dt_root(&dt), depth = 0, nodes = 0;
  if (root < 0 || dt_parent(&dt, root) != DT_ERR_NOTFOUND || dt_path(&dt, "/") != root)
    abort();
  for (int n = root; n >= 0; n = dt_next_node(&dt, n, &depth)) {
    if (depth < 0 || depth >= DT_MAX_DEPTH || ++nodes > 100000)
      abort();
    const char *name = dt_node_name(&dt, n);
    volatile size_t namelen = strlen(name);
    (void)namelen;
    walk_props(&dt, n);
    int parent = dt_parent(&dt, n);
    if ((n == root) != (parent < 0))
      abort();
    int child = dt_first_child(&dt, n);
    if (child >= 0 && dt_parent(&dt, child) != n)
      abort();
    int sib = dt_next_sibling(&dt, n);
    if (sib >= 0 && (n == root || dt_parent(&dt, sib) != parent))
      abort();
    if (parent >= 0) {
      /* A child of the root is found by its name: the first sibling whose
       * name is that name or, when the name has no unit address, that name
       * followed by one ("so" finds "so@" if it comes first, as in libfdt). */
      if (parent == root && name[0] && !strchr(name, '/') && strlen(name) < 200) {
        char path[256] = "/";
        strcat(path, name);
        int found = dt_path(&dt, path);
        if (found < 0 || found > n || !name_matches_path(dt_node_name(&dt, found), name))
          abort();
        for (int c = dt_first_child(&dt, root); c >= 0 && c != found; c = dt_next_sibling(&dt, c))
          if (name_matches_path(dt_node_name(&dt, c), name))
            abort(); /* an earlier sibling answers the name too */
      }
      uint64_t a, s;
      for (int i = 0; i < 4 && dt_reg(&dt, n, i, &a, &s) == DT_OK; i++)
        ;
    }
    dt_is_compatible(&dt, n, "virtio,mmio");
  }
  uint64_t a, s;
  for (int i = 0; dt_memreserve(&dt, i, &a, &s) == DT_OK; i++)
    if (i > 1000000)
      abort();
  dt_stdout_node(&dt);
  for (int n = dt_find_compatible(&dt, -1, "ns16550a"), k = 0; n >= 0;
       n = dt_find_compatible(&dt, n, "ns16550a"))
    if (++k > nodes)
      abort();
  dt_path(&dt, "/chosen");
  dt_path(&dt, "/cpus/cpu@0");
  dt_path(&dt, "//soc/serial");
  free(blob);
  return 0;
}
