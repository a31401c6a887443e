/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Overlay mounts of an image and OCI bundles built from the image config. */
#ifndef SKIFF_IMAGE_MOUNT_H
#define SKIFF_IMAGE_MOUNT_H

#include <stdbool.h>
#include "error.h"
#include "image_store.h"

/* DIR/rootfs = overlay(lower: the image's layers, top first; upper DIR/upper; work DIR/work). */
int sk_image_mount(struct sk_store *s, const struct sk_image *img, const char *dir, sk_err_t *err);
/* Unmount DIR/rootfs and remove what mount/bundle created in DIR. */
int sk_image_umount(const char *dir, sk_err_t *err);

struct sk_bundle_opts {
  char **args;   /* replaces Entrypoint+Cmd when not NULL */
  bool rw;       /* root.readonly = false */
  bool terminal; /* process.terminal */
  const char *hostname;
};
/* Mount, then write DIR/config.json from the image config.  On failure DIR may still be mounted:
 * the caller undoes it with sk_image_umount (as it must after a failed sk_image_mount too). */
int sk_image_bundle(struct sk_store *s, const struct sk_image *img, const char *dir,
                    const struct sk_bundle_opts *o, sk_err_t *err);

#endif
