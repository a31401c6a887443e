/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's root filesystem: mounts, /dev, pivot_root, masked and read-only paths.
 * Runs in the container init, in its new mount namespace, with full privileges there. */
#ifndef SKIFF_ROOTFS_H
#define SKIFF_ROOTFS_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

struct sk_rootfs_ctx {
  const struct sk_spec *spec;
  const char *rootfs; /* absolute host path of root.path */
  const char *bundle; /* absolute; relative mount sources resolve against it */
  bool no_pivot;      /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
  bool new_userns;    /* inside a new user namespace: device nodes are bind-mounted, not mknod'ed */
  int console_fd;     /* pty slave to bind on /dev/console (process.terminal), or -1 */
  const char *mount_label; /* SELinux context for tmpfs/devpts/mqueue, or NULL */
};

/* Mount propagation for the new namespace, the rootfs bind, every config mount in order,
 * /dev (default devices, linux.devices, /dev/pts, /dev/shm, fd links, /dev/console).
 * After it, everything is mounted under ctx->rootfs; nothing is pivoted yet. */
int sk_rootfs_setup(struct sk_rootfs_ctx *ctx, sk_err_t *err);
/* pivot_root (or move+chroot), detach the old root, chdir("/"), then masked paths, read-only
 * paths, a read-only root, and linux.rootfsPropagation. */
int sk_rootfs_pivot(struct sk_rootfs_ctx *ctx, sk_err_t *err);
/* Validate every mount and path option in the spec before anything is created
 * (so that bad input fails with nothing to undo).  Called in the runtime at create. */
int sk_rootfs_validate(const struct sk_spec *spec, sk_err_t *err);
/* Bind console_fd (the pty slave) onto /dev/console under rootfd, never through a symlink and
 * never onto a procfs/sysfs file; before the pivot (rootfd: the rootfs) or after it ("/"). */
int sk_rootfs_bind_console(int rootfd, int console_fd, sk_err_t *err);

#endif
