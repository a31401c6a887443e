/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Typed access to yajl trees, with errors that carry the JSON path. */
#include "config.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <yajl/yajl_parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "utils.h"

void sk_jpath_format(const struct sk_jpath *p, char *buf, size_t size)
{
  const struct sk_jpath *chain[64];
  size_t n = 0;
  for (; p && n < ARRAY_SIZE(chain); p = p->up)
    chain[n++] = p;
  size_t off = 0;
  buf[0] = '\0';
  while (n-- > 0 && off < size) {
    const struct sk_jpath *e = chain[n];
    int w;
    if (e->key)
      w = snprintf(buf + off, size - off, "%s%s", off ? "." : "", e->key);
    else
      w = snprintf(buf + off, size - off, "[%zu]", e->idx);
    if (w < 0)
      break;
    off += (size_t)w;
  }
}

int sk_jfail(struct sk_jctx *c, const struct sk_jpath *p, const char *fmt, ...)
{
  char path[512], msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sk_jpath_format(p, path, sizeof path);
  if (path[0])
    return sk_failx(c->err, "%s: %s: %s", c->name, path, msg);
  return sk_failx(c->err, "%s: %s", c->name, msg);
}

const char *sk_json_type_name(yajl_val v)
{
  if (!v || YAJL_IS_NULL(v))
    return "null";
  if (YAJL_IS_STRING(v))
    return "a string";
  if (YAJL_IS_NUMBER(v))
    return "a number";
  if (YAJL_IS_OBJECT(v))
    return "an object";
  if (YAJL_IS_ARRAY(v))
    return "an array";
  if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
    return "a boolean";
  return "something else";
}

yajl_val sk_json_member(yajl_val obj, const char *key)
{
  if (!obj || !YAJL_IS_OBJECT(obj))
    return NULL;
  size_t n = obj->u.object.len;
  for (size_t i = 0; i < n; i++)
    if (strcmp(obj->u.object.keys[i], key) == 0) {
      yajl_val v = obj->u.object.values[i];
      return v && YAJL_IS_NULL(v) ? NULL : v;
    }
  return NULL;
}

int sk_json_need_object(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v)
{
  if (!v || !YAJL_IS_OBJECT(v))
    return sk_jfail(c, p, "expected an object, got %s", sk_json_type_name(v));
  return 0;
}

int sk_json_need_array(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v)
{
  if (!v || !YAJL_IS_ARRAY(v))
    return sk_jfail(c, p, "expected an array, got %s", sk_json_type_name(v));
  return 0;
}

int sk_json_string(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, char **out)
{
  if (!v || !YAJL_IS_STRING(v))
    return sk_jfail(c, p, "expected a string, got %s", sk_json_type_name(v));
  free(*out);
  *out = xstrdup(v->u.string);
  return 0;
}

int sk_json_bool(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, bool *out)
{
  if (v && YAJL_IS_TRUE(v))
    *out = true;
  else if (v && YAJL_IS_FALSE(v))
    *out = false;
  else
    return sk_jfail(c, p, "expected a boolean, got %s", sk_json_type_name(v));
  return 0;
}

/* Numbers are read from yajl's text, so the full uint64 range survives (yajl's own integer is a
 * long long). */
int sk_json_i64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, int64_t *out)
{
  if (!v || !YAJL_IS_NUMBER(v))
    return sk_jfail(c, p, "expected an integer, got %s", sk_json_type_name(v));
  const char *s = v->u.number.r;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || *end)
    return sk_jfail(c, p, "expected an integer, got %s", s);
  *out = x;
  return 0;
}

int sk_json_u64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, uint64_t *out)
{
  if (!v || !YAJL_IS_NUMBER(v))
    return sk_jfail(c, p, "expected an unsigned integer, got %s", sk_json_type_name(v));
  const char *s = v->u.number.r;
  char *end;
  if (*s == '-')
    return sk_jfail(c, p, "expected an unsigned integer, got %s", s);
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || *end)
    return sk_jfail(c, p, "expected an unsigned integer, got %s", s);
  *out = x;
  return 0;
}

int sk_json_u32(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, uint32_t *out)
{
  uint64_t x;
  if (sk_json_u64(c, p, v, &x) < 0)
    return -1;
  if (x > UINT32_MAX)
    return sk_jfail(c, p, "%" PRIu64 " is out of range (at most %u)", x, UINT32_MAX);
  *out = (uint32_t)x;
  return 0;
}

int sk_json_strv(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, char ***out, size_t *len)
{
  if (sk_json_need_array(c, p, v) < 0)
    return -1;
  size_t n = v->u.array.len;
  char **r = xzalloc((n + 1) * sizeof *r);
  for (size_t i = 0; i < n; i++) {
    struct sk_jpath ip = SK_JIDX(p, i);
    if (sk_json_string(c, &ip, v->u.array.values[i], &r[i]) < 0) {
      sk_strv_free(r);
      return -1;
    }
  }
  sk_strv_free(*out);
  *out = r;
  if (len)
    *len = n;
  return 0;
}

int sk_json_opt_string(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                       char **out)
{
  yajl_val v = sk_json_member(obj, key);
  if (!v)
    return 0;
  struct sk_jpath kp = SK_JKEY(p, key);
  return sk_json_string(c, &kp, v, out);
}

int sk_json_opt_bool(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                     bool *out)
{
  yajl_val v = sk_json_member(obj, key);
  if (!v)
    return 0;
  struct sk_jpath kp = SK_JKEY(p, key);
  return sk_json_bool(c, &kp, v, out);
}

yajl_val sk_json_req_member(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj,
                            const char *key)
{
  yajl_val v = sk_json_member(obj, key);
  if (!v)
    sk_jfail(c, p, "missing \"%s\"", key);
  return v;
}

int sk_json_req_string(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                       char **out)
{
  yajl_val v = sk_json_req_member(c, p, obj, key);
  if (!v)
    return -1;
  struct sk_jpath kp = SK_JKEY(p, key);
  return sk_json_string(c, &kp, v, out);
}

int sk_json_check_abs_path(struct sk_jctx *c, const struct sk_jpath *p, const char *s)
{
  if (s[0] != '/')
    return sk_jfail(c, p, "must be an absolute path, got \"%s\"", s);
  return 0;
}

int sk_json_req_abs_path(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                         char **out)
{
  if (sk_json_req_string(c, p, obj, key, out) < 0)
    return -1;
  struct sk_jpath kp = SK_JKEY(p, key);
  return sk_json_check_abs_path(c, &kp, *out);
}

int sk_json_objects_(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, void **out,
                     size_t *len, size_t size, sk_json_each_fn *each, void *ud)
{
  if (sk_json_need_array(c, p, v) < 0)
    return -1;
  size_t n = v->u.array.len;
  unsigned char *elems = xzalloc((n ? n : 1) * size);
  *out = elems;
  *len = 0;
  for (size_t i = 0; i < n; i++) {
    struct sk_jpath ip = SK_JIDX(p, i);
    yajl_val e = v->u.array.values[i];
    *len = i + 1;
    if (sk_json_need_object(c, &ip, e) < 0 || each(c, &ip, e, elems + i * size, ud) < 0)
      return -1;
  }
  return 0;
}

/* ---- the tree builder ----
 *
 * yajl_tree_parse makes a malloc per node, per key and per array growth, and frees recursively;
 * on a config that is most of the parse time.  Here yajl's event parser builds the same
 * yajl_val_s nodes in an arena: children are collected on a stack and copied into exact-size
 * arrays when their container closes, and the whole document is one free.  Numbers keep only
 * their text (u.number.r): the accessors above parse it with the range they need. */

struct sk_jchunk {
  struct sk_jchunk *next;
  size_t used, cap;
  _Alignas(max_align_t) unsigned char data[];
};

static void *arena_alloc(struct sk_jdoc *d, size_t n)
{
  n = (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
  struct sk_jchunk *c = d->chunks;
  if (!c || c->cap - c->used < n) {
    size_t cap = c ? c->cap * 2 : d->hint;
    if (cap < n)
      cap = n;
    c = xmalloc(sizeof *c + cap);
    c->next = d->chunks;
    c->used = 0;
    c->cap = cap;
    d->chunks = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  return p;
}

struct jentry {
  const char *key; /* in an object; NULL in an array */
  yajl_val v;
};

struct jframe {
  yajl_val node;
  size_t first;    /* index of its first child in the entry stack */
  const char *key; /* the last map key seen, waiting for its value */
};

struct jbuild {
  struct sk_jdoc *doc;
  struct jentry *ents;
  size_t nents, cents;
  struct jframe *frames;
  size_t nframes, cframes;
  bool too_deep;
};

static yajl_val new_node(struct jbuild *b, yajl_type t)
{
  yajl_val v = arena_alloc(b->doc, sizeof *v);
  memset(v, 0, sizeof *v);
  v->type = t;
  return v;
}

static char *arena_str(struct jbuild *b, const void *s, size_t len)
{
  char *r = arena_alloc(b->doc, len + 1);
  memcpy(r, s, len);
  r[len] = '\0';
  return r;
}

/* A finished value goes to the open container, or becomes the root. */
static int add_value(struct jbuild *b, yajl_val v)
{
  if (b->nframes == 0) {
    b->doc->root = v;
    return 1;
  }
  struct jframe *f = &b->frames[b->nframes - 1];
  if (b->nents == b->cents) {
    b->cents = b->cents ? b->cents * 2 : 64;
    b->ents = xrealloc(b->ents, b->cents * sizeof *b->ents);
  }
  b->ents[b->nents++] = (struct jentry){.key = f->key, .v = v};
  f->key = NULL;
  return 1;
}

static int cb_null(void *ctx)
{
  return add_value(ctx, new_node(ctx, yajl_t_null));
}

static int cb_bool(void *ctx, int v)
{
  return add_value(ctx, new_node(ctx, v ? yajl_t_true : yajl_t_false));
}

static int cb_number(void *ctx, const char *s, size_t len)
{
  struct jbuild *b = ctx;
  yajl_val v = new_node(b, yajl_t_number);
  v->u.number.r = arena_str(b, s, len);
  return add_value(b, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
  struct jbuild *b = ctx;
  yajl_val v = new_node(b, yajl_t_string);
  v->u.string = arena_str(b, s, len);
  return add_value(b, v);
}

static int cb_key(void *ctx, const unsigned char *s, size_t len)
{
  struct jbuild *b = ctx;
  b->frames[b->nframes - 1].key = arena_str(b, s, len);
  return 1;
}

static int open_container(struct jbuild *b, yajl_type t)
{
  if (b->nframes >= SK_JSON_MAX_DEPTH) {
    b->too_deep = true;
    return 0;
  }
  if (b->nframes == b->cframes) {
    b->cframes = b->cframes ? b->cframes * 2 : 16;
    b->frames = xrealloc(b->frames, b->cframes * sizeof *b->frames);
  }
  b->frames[b->nframes++] = (struct jframe){.node = new_node(b, t), .first = b->nents};
  return 1;
}

static int cb_start_map(void *ctx)
{
  return open_container(ctx, yajl_t_object);
}

static int cb_start_array(void *ctx)
{
  return open_container(ctx, yajl_t_array);
}

static int close_container(void *ctx)
{
  struct jbuild *b = ctx;
  struct jframe f = b->frames[--b->nframes];
  size_t n = b->nents - f.first;
  const struct jentry *e = n ? b->ents + f.first : NULL; /* ents is NULL until a child */
  yajl_val *vals = arena_alloc(b->doc, (n ? n : 1) * sizeof *vals);
  for (size_t i = 0; i < n; i++)
    vals[i] = e[i].v;
  if (f.node->type == yajl_t_object) {
    const char **keys = arena_alloc(b->doc, (n ? n : 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++)
      keys[i] = e[i].key;
    f.node->u.object.keys = keys;
    f.node->u.object.values = vals;
    f.node->u.object.len = n;
  } else {
    f.node->u.array.values = vals;
    f.node->u.array.len = n;
  }
  b->nents = f.first;
  return add_value(b, f.node);
}

static const yajl_callbacks tree_callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_key,
    .yajl_end_map = close_container,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = close_container,
};

int sk_json_parse(struct sk_jctx *c, const char *data, size_t len, struct sk_jdoc *doc)
{
  *doc = (struct sk_jdoc){.hint = len * 3 + 1024};
  struct jbuild b = {.doc = doc};
  yajl_handle h = yajl_alloc(&tree_callbacks, NULL, &b);
  if (!h)
    abort();
  yajl_config(h, yajl_allow_comments, 1); /* as yajl_tree_parse */
  yajl_status st = yajl_parse(h, (const unsigned char *)data, len);
  bool at_end = false;
  if (st == yajl_status_ok) {
    st = yajl_complete_parse(h);
    at_end = true;
  }
  int r = 0;
  if (b.too_deep) {
    r = sk_failx(c->err, "%s: invalid JSON: nested more than %d levels deep", c->name,
                 SK_JSON_MAX_DEPTH);
  } else if (st != yajl_status_ok || !doc->root) {
    unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)data, len);
    const char *m = msg ? (const char *)msg : "parse error";
    int mlen = (int)strcspn(m, "\n");
    if (at_end) {
      r = sk_failx(c->err, "%s: invalid JSON at the end: %.*s", c->name, mlen, m);
    } else {
      /* The text went to yajl_parse in one piece: its count ends at the offending byte. */
      size_t off = yajl_get_bytes_consumed(h), line = 1, col = 1;
      for (size_t i = 0; i + 1 < off && i < len; i++, col++)
        if (data[i] == '\n') {
          line++;
          col = 0;
        }
      r = sk_failx(c->err, "%s: invalid JSON at line %zu, column %zu: %.*s", c->name, line, col,
                   mlen, m);
    }
    if (msg)
      yajl_free_error(h, msg);
  }
  yajl_free(h);
  free(b.ents);
  free(b.frames);
  if (r < 0)
    sk_json_doc_free(doc);
  return r;
}

void sk_json_doc_free(struct sk_jdoc *doc)
{
  for (struct sk_jchunk *c = doc->chunks, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  doc->chunks = NULL;
  doc->root = NULL;
}

void sk_buf_add(struct sk_buf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = xrealloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void sk_buf_addf(struct sk_buf *b, const char *fmt, ...)
{
  char *s;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0)
    abort();
  sk_buf_add(b, s, (size_t)n);
  free(s);
}

void sk_buf_add_json_string(struct sk_buf *b, const char *s)
{
  sk_buf_add(b, "\"", 1);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') {
      char e[2] = {'\\', (char)ch};
      sk_buf_add(b, e, 2);
    } else if (ch < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", ch);
      sk_buf_add(b, e, 6);
    } else {
      sk_buf_add(b, s, 1);
    }
  }
  sk_buf_add(b, "\"", 1);
}
