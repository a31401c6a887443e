/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving attacker-controlled paths inside a container rootfs.
 *
 * The rootfs, the image and config.json are untrusted: a path such as "/etc/../../x" or a symlink
 * "/dev/null -> /host/file" must never make the privileged runtime touch a host file.  Every path
 * is resolved relative to an O_PATH fd of the rootfs with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) (falling back to a component-by-component O_NOFOLLOW walk on old kernels),
 * and mounts target the resulting fd through /proc/self/fd/N or move_mount(), so a concurrent
 * symlink swap cannot redirect them. */
#ifndef SKIFF_PATHS_H
#define SKIFF_PATHS_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

/* Open `path` (absolute or relative; always taken as inside the root) under rootfd. */
int sk_open_in_root(int rootfd, const char *path, int flags, mode_t mode, sk_err_t *err);
/* The same without openat2: a component-by-component O_NOFOLLOW walk that reads every symlink
 * and resolves its target inside the root.  sk_open_in_root falls back to it on old kernels. */
int sk_walk_in_root(int rootfd, const char *path, int flags, mode_t mode, sk_err_t *err);
/* mkdir -p inside the root; returns an O_PATH|O_DIRECTORY fd of the last component. */
int sk_mkdir_in_root(int rootfd, const char *path, mode_t mode, sk_err_t *err);
/* Make sure a mount point exists: a directory, or (is_file) an empty regular file, creating the
 * parents; returns an O_PATH fd of it, resolved inside the root. */
int sk_mountpoint_in_root(int rootfd, const char *path, bool is_file, sk_err_t *err);
/* "/proc/self/fd/N" for an fd (buffer of at least 32 bytes). */
const char *sk_fd_path(int fd, char *buf);
/* A private, never-attached procfs instance of the caller's pid namespace (fsopen/fsmount), for
 * writes that must reach the real procfs (sysctl, oom_score_adj, attr files) and not a file a
 * container mounted over /proc.  Returns a directory fd. */
int sk_open_private_procfs(sk_err_t *err);

#endif
