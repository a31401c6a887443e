/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* commit (an overlay upper dir as a new layer and image) and export (an OCI archive). */
#ifndef SKIFF_IMAGE_COMMIT_H
#define SKIFF_IMAGE_COMMIT_H

#include "error.h"
#include "image_store.h"

/* dir was made by mount/bundle (DIR/.skiff-image names the base manifest). */
int sk_image_commit(struct sk_store *s, const char *dir, const char *name, char **digest_out,
                    sk_err_t *err);
int sk_image_export(struct sk_store *s, const char *name, const char *file, sk_err_t *err);

#endif
