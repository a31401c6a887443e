/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the parts of the config parser (spec.c, spec_linux.c, spec_resources.c). */
#ifndef SKIFF_SPEC_INTERNAL_H
#define SKIFF_SPEC_INTERNAL_H

#include "json.h"
#include "spec.h"

int sk_spec_parse_linux(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                        struct sk_linux **out);
void sk_spec_free_linux(struct sk_linux *l);
int sk_spec_parse_resources(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                            struct sk_resources **out);
int sk_spec_parse_idmaps(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                         struct sk_idmap **out, size_t *len);
/* Members of an optional object: every member must exist with the given type. */
int sk_spec_opt_u64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                    struct sk_opt_u64 *out);
int sk_spec_opt_i64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                    struct sk_opt_i64 *out);
int sk_spec_opt_bool(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                     struct sk_opt_bool *out);

int sk_spec_parse_kv(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, struct sk_kv **out,
                     size_t *len);
void sk_spec_free_kv(struct sk_kv *kv, size_t n);

#endif
