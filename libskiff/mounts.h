/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One config mount: option parsing and the fd-based mount itself. */
#ifndef SKIFF_MOUNTS_H
#define SKIFF_MOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "spec.h"

struct sk_mount_opts {
  bool bind, rec;    /* bind / rbind */
  uint64_t attr_set; /* MOUNT_ATTR_* for the mount itself */
  uint64_t attr_clr;
  uint64_t rattr_set; /* recursive attributes (rro, rnosuid, ...) */
  uint64_t rattr_clr;
  unsigned long propagation; /* MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE or 0 */
  bool propagation_rec;
  bool idmap, ridmap;
  char **sb_flags; /* superblock flags for fsconfig: sync, dirsync, lazytime, mand */
  char *data;      /* "k=v,k2" for the filesystem */
};

/* Parse m->options; errors name "mounts[i].options[j]". */
int sk_mount_opts_parse(const struct sk_mount *m, size_t i, struct sk_mount_opts *o, sk_err_t *err);
void sk_mount_opts_free(struct sk_mount_opts *o);
bool sk_mount_is_bind(const struct sk_mount *m);

/* Mount config entry i on the fd `target` (an O_PATH fd inside the rootfs).  bundle resolves
 * relative bind sources. */
int sk_mount_one(const struct sk_mount *m, size_t i, const char *bundle, int target,
                 const char *mount_label, sk_err_t *err);
/* A cgroup filesystem at `target`: cgroup2 on v2 hosts, the v1 hierarchies (and the unified
 * one on hybrid hosts) under a tmpfs otherwise. */
int sk_mount_cgroupfs(const struct sk_mount *m, size_t i, int target, bool ro, bool own_cgroupns,
                      sk_err_t *err);
/* A new filesystem of `type` with data options, as a detached mount fd. */
int sk_fs_new(const char *type, const char *source, const char *data, char *const *sb_flags,
              uint64_t attrs, sk_err_t *err);
/* Attach a detached mount (or open_tree clone) on an O_PATH target fd. */
int sk_move_mount_fd(int tree, int target, sk_err_t *err);
int sk_mount_setattr(int fd, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
                     sk_err_t *err);

#endif
