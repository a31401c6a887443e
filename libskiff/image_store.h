/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The skiff-image store:
 *   ROOT/lock                 flock: shared for readers/importers, exclusive for gc
 *   ROOT/blobs/sha256/HEX     manifests, configs and layer blobs as imported (content-addressed)
 *   ROOT/layers/HEX           one unpacked layer per diff_id (overlay whiteouts inside)
 *   ROOT/layers/HEX.lock      per-layer lock: a shared layer is unpacked once
 *   ROOT/images/NAME          "sha256:<manifest digest>\n" ('/' in NAME escaped as %2F)
 *   ROOT/tmp                  scratch (ephemeral run bundles)
 * Temporaries are ".tmp-*" names renamed into place when complete. */
#ifndef SKIFF_IMAGE_STORE_H
#define SKIFF_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>
#include "error.h"

struct sk_store {
  char *root;
  int dirfd;
  int lockfd;
};

int sk_store_open(struct sk_store *s, const char *root, bool exclusive, sk_err_t *err);
void sk_store_close(struct sk_store *s);

/* "name" -> "name:latest" when no tag is given (a ":" after the last "/"); malloc'd. */
char *sk_image_name_normalize(const char *name);

int sk_store_ref_get(struct sk_store *s, const char *name, char **digest, sk_err_t *err);
int sk_store_ref_set(struct sk_store *s, const char *name, const char *digest, sk_err_t *err);
int sk_store_ref_del(struct sk_store *s, const char *name, sk_err_t *err);
/* Parallel arrays of names and manifest digests, sorted by name. */
int sk_store_refs(struct sk_store *s, char ***names, char ***digests, sk_err_t *err);

char *sk_store_blob_path(struct sk_store *s, const char *digest);
char *sk_store_layer_path(struct sk_store *s, const char *diff_id);
bool sk_store_has_blob(struct sk_store *s, const char *digest);
int sk_store_blob_read(struct sk_store *s, const char *digest, char **data, size_t *len,
                       sk_err_t *err);
/* Store data as a blob; *digest (malloc'd) may be NULL. */
int sk_store_blob_put(struct sk_store *s, const void *data, size_t len, char **digest,
                      sk_err_t *err);

struct sk_image_layer {
  char *digest; /* blob */
  char *media_type;
  uint64_t size;
  char *diff_id; /* unpacked layer */
};

struct sk_image {
  char *manifest_digest;
  char *manifest_raw, *config_raw;
  size_t manifest_len, config_len;
  char *config_digest;
  yajl_val manifest, config;
  struct sk_image_layer *layers;
  size_t n_layers;
};
/* Load an image by name (or by "sha256:..." manifest digest). */
int sk_image_load(struct sk_store *s, const char *name, struct sk_image *img, sk_err_t *err);
/* Parse manifest + config bytes into img (used by load and commit). */
int sk_image_parse(struct sk_image *img, sk_err_t *err);
void sk_image_free(struct sk_image *img);

#endif
