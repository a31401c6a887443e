/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Typed access to a yajl tree with JSON-path error messages.
 *
 * Every accessor takes the path of the value (a chain of sk_jpath nodes on the stack) so that a
 * wrong type or value is reported where it is: `config.json: mounts[3].options[1]: expected a
 * string, got a number`.  Absent keys are not errors here: callers decide what is required. */
#ifndef SKIFF_JSON_H
#define SKIFF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>
#include "error.h"

struct sk_jpath {
  const struct sk_jpath *up;
  const char *key; /* NULL: an array index */
  size_t idx;
};

struct sk_jctx {
  const char *name; /* "config.json" */
  sk_err_t *err;
};

#define SK_JKEY(parent, k) ((struct sk_jpath){.up = (parent), .key = (k)})
#define SK_JIDX(parent, i) ((struct sk_jpath){.up = (parent), .idx = (i)})

/* "a.b[2].c" into buf. */
void sk_jpath_format(const struct sk_jpath *p, char *buf, size_t size);
/* Fail with "NAME: PATH: message". Returns -1. */
int sk_jfail(struct sk_jctx *c, const struct sk_jpath *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *sk_json_type_name(yajl_val v);
/* The member `key` of an object, NULL when absent (or JSON null). */
yajl_val sk_json_member(yajl_val obj, const char *key);

int sk_json_need_object(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v);
int sk_json_need_array(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v);
/* Scalars: v must be non-NULL. */
int sk_json_string(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, char **out);
int sk_json_bool(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, bool *out);
int sk_json_i64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, int64_t *out);
int sk_json_u64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, uint64_t *out);
int sk_json_u32(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, uint32_t *out);
/* An array of strings into a NULL-terminated vector. */
int sk_json_strv(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, char ***out, size_t *len);

/* Optional members: absent leaves *out untouched and returns 0. */
int sk_json_opt_string(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                       char **out);
int sk_json_opt_bool(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                     bool *out);

/* Required members of the object obj at p: absent fails with `missing "KEY"` at p.
 * sk_json_req_member returns NULL then (and the member otherwise). */
yajl_val sk_json_req_member(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj,
                            const char *key);
int sk_json_req_string(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                       char **out);
/* A string that must start with '/'. */
int sk_json_req_abs_path(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                         char **out);
/* Fails with `must be an absolute path, got "S"` at p unless s starts with '/'. */
int sk_json_check_abs_path(struct sk_jctx *c, const struct sk_jpath *p, const char *s);

/* An array of objects into a zeroed array of elements of `size` bytes, stored in *out (which must
 * hold nothing yet) before the first element is looked at.  *len is the count of elements begun:
 * it is set before each one is parsed, so on failure the owner's free function, which frees what
 * the first *len elements hold, frees a partial result.  each() gets the element's path (its
 * index is ip->idx), the JSON object, the element to fill and ud. */
typedef int sk_json_each_fn(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                            void *ud);
int sk_json_objects_(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, void **out,
                     size_t *len, size_t size, sk_json_each_fn *each, void *ud);
/* out: a pointer to the element array pointer (T **), so the size comes from the type. */
#define sk_json_objects(c, p, v, out, len, each, ud)                                               \
  sk_json_objects_((c), (p), (v), (void **)(out), (len), sizeof **(out), (each), (ud))

/* Parse text into a tree of yajl_val_s nodes, all held by `doc` (one arena): free it with
 * sk_json_doc_free.  Syntax errors are reported with the file name; documents nested deeper than
 * SK_JSON_MAX_DEPTH are refused.  Number nodes carry only their text (u.number.r), so read them
 * with sk_json_i64/u64/u32, not YAJL_GET_INTEGER. */
#define SK_JSON_MAX_DEPTH 512
struct sk_jchunk;
struct sk_jdoc {
  yajl_val root;
  struct sk_jchunk *chunks;
  size_t hint; /* size of the first arena chunk */
};
int sk_json_parse(struct sk_jctx *c, const char *data, size_t len, struct sk_jdoc *doc);
void sk_json_doc_free(struct sk_jdoc *doc);

/* Append s to a growing buffer as a JSON string literal (quotes and escapes). */
struct sk_buf {
  char *data;
  size_t len, cap;
};
void sk_buf_add(struct sk_buf *b, const char *s, size_t n);
void sk_buf_addf(struct sk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sk_buf_add_json_string(struct sk_buf *b, const char *s);

#endif
