/* Flattened device tree (Devicetree Specification v0.4, chapter 5): a reader
 * that validates the whole blob once in dt_open() and a sequential writer.
 * The reader never reads outside the blob, whatever the blob holds. */
#ifndef RV_FDT_H
#define RV_FDT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_MAGIC 0xd00dfeedU
#define DT_MAX_DEPTH 32

enum {
  DT_OK = 0,
  DT_ERR_TRUNCATED = -1, /* blob smaller than its header says */
  DT_ERR_BADMAGIC = -2,
  DT_ERR_BADVERSION = -3,
  DT_ERR_BADLAYOUT = -4, /* a block lies outside the blob or is misaligned */
  DT_ERR_BADSTRUCT = -5, /* malformed structure block */
  DT_ERR_NOTFOUND = -6,
  DT_ERR_BADVALUE = -7, /* property present but of the wrong size */
  DT_ERR_NOSPACE = -8,  /* writer: buffer full */
};

/* A validated blob. Nodes are named by the offset of their FDT_BEGIN_NODE
 * token inside the structure block; a negative node is "none". */
struct dt {
  const uint8_t *blob;
  uint32_t size;
  uint32_t off_struct, size_struct;
  uint32_t off_strings, size_strings;
  uint32_t off_rsvmap;
};

int dt_open(struct dt *dt, const void *blob, size_t max_size);
const char *dt_strerror(int err);
int dt_root(const struct dt *dt);
int dt_next_node(const struct dt *dt, int node, int *depth);
int dt_first_child(const struct dt *dt, int node);
int dt_next_sibling(const struct dt *dt, int node);
int dt_parent(const struct dt *dt, int node);
const char *dt_node_name(const struct dt *dt, int node);
int dt_path(const struct dt *dt, const char *path);
int dt_find_compatible(const struct dt *dt, int after, const char *compat);
const void *dt_prop(const struct dt *dt, int node, const char *name, int *len);
/* Iterate a node's properties: cookie starts at 0; returns 0 and fills the
 * outputs, or DT_ERR_NOTFOUND after the last. */
int dt_prop_next(const struct dt *dt, int node, int *cookie, const char **name, const void **val,
                 int *len);
int dt_prop_u32(const struct dt *dt, int node, const char *name, uint32_t *out);
int dt_prop_u64(const struct dt *dt, int node, const char *name, uint64_t *out);
const char *dt_prop_str(const struct dt *dt, int node, const char *name);
bool dt_is_compatible(const struct dt *dt, int node, const char *compat);
bool dt_stringlist_contains(const char *list, int len, const char *s);
/* #address-cells / #size-cells that apply to node's reg (from its parent). */
void dt_reg_cells(const struct dt *dt, int node, uint32_t *acells, uint32_t *scells);
int dt_reg(const struct dt *dt, int node, int index, uint64_t *addr, uint64_t *size);
int dt_memreserve(const struct dt *dt, int index, uint64_t *addr, uint64_t *size);
/* Follow /chosen/stdout-path (or an alias it names) to a node. */
int dt_stdout_node(const struct dt *dt);
uint32_t dt_be32(const void *p);
uint64_t dt_be64(const void *p);

/* Sequential writer. Call in document order; errors are sticky and reported
 * by dtw_finish(), which returns the blob's size or a DT_ERR_ value. */
#define DTW_STRINGS_MAX 1536
struct dtw {
  uint8_t *buf;
  size_t cap;
  size_t pos; /* end of the structure block written so far */
  int depth;
  int err;
  size_t strings_len;
  char strings[DTW_STRINGS_MAX];
};

void dtw_init(struct dtw *w, void *buf, size_t cap);
void dtw_begin_node(struct dtw *w, const char *name);
void dtw_end_node(struct dtw *w);
void dtw_prop(struct dtw *w, const char *name, const void *data, size_t len);
void dtw_prop_empty(struct dtw *w, const char *name);
void dtw_prop_u32(struct dtw *w, const char *name, uint32_t v);
void dtw_prop_u64(struct dtw *w, const char *name, uint64_t v);
void dtw_prop_cells(struct dtw *w, const char *name, const uint32_t *cells, size_t n);
void dtw_prop_str(struct dtw *w, const char *name, const char *s);
/* Two cells of address and two of size per entry. */
void dtw_prop_reg(struct dtw *w, uint64_t addr, uint64_t size);
int dtw_finish(struct dtw *w);

#endif
