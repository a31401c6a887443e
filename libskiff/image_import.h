/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Import an OCI image layout directory, an OCI archive or a docker-save archive into the store. */
#ifndef SKIFF_IMAGE_IMPORT_H
#define SKIFF_IMAGE_IMPORT_H

#include <stdint.h>
#include "error.h"
#include "image_store.h"

struct sk_import_progress {
  uint64_t bytes_done, bytes_total; /* compressed bytes read */
  unsigned layers_done, layers_total;
};

struct sk_import_opts {
  const char *name;     /* NAME[:TAG], or NULL: the name recorded in the source */
  const char *platform; /* os/arch[/variant], NULL: the host's */
  uint64_t limit;       /* most uncompressed bytes per layer, 0: unlimited */
  /* called from the importing thread about every 100 ms while layers unpack (may be NULL) */
  void (*progress)(const struct sk_import_progress *p, void *data);
  void *progress_data;
};

/* On success *name_out is the stored name and *digest_out the manifest digest (malloc'd). */
int sk_image_import(struct sk_store *s, const char *source, const struct sk_import_opts *o,
                    char **name_out, char **digest_out, sk_err_t *err);

/* Unpack one layer blob (fd range) into the store under its diff_id, verifying the blob digest
 * (when expected_digest is not NULL) and the diff_id.  *digest_out: the blob digest. */
int sk_layer_import(struct sk_store *s, int fd, off_t off, uint64_t size,
                    const char *expected_digest, const char *diff_id, uint64_t limit,
                    uint64_t *progress, char **digest_out, char **media_out, sk_err_t *err);

#endif
