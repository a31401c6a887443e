/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's root filesystem, built by the init in its new mount namespace:
 *
 *   setup:  propagation of / (rslave unless linux.rootfsPropagation says otherwise)
 *           -> the rootfs bound onto itself (pivot_root needs a mount point)
 *           -> a tmpfs on /dev when the config has no /dev mount
 *           -> every config mount in order, targets resolved inside the rootfs (paths.c) and
 *              mounted on the resolved fd (mounts.c), never through a path looked up again
 *           -> /dev nodes and links (devices.c), the pty on /dev/console (console_fd)
 *   pivot:  masked paths, read-only paths (resolved inside the rootfs, no symlinks followed)
 *           -> pivot_root + detach the old root (or MS_MOVE + chroot for --no-pivot)
 *           -> read-only root, final propagation.
 *
 * Masking binds the host's /dev/null (checked to be 1:3), never the container's: an image whose
 * /dev/null is a symlink to, say, /proc/sys/kernel/core_pattern gets nothing writable out of
 * masking (CVE-2025-31133). */
#include "config.h"
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "devices.h"
#include "log.h"
#include "mounts.h"
#include "paths.h"
#include "utils.h"

static unsigned long propagation_flags(const char *p)
{
  if (!p)
    return 0;
  bool rec = p[0] == 'r';
  const char *b = rec ? p + 1 : p;
  unsigned long f = !strcmp(b, "private")      ? MS_PRIVATE
                    : !strcmp(b, "shared")     ? MS_SHARED
                    : !strcmp(b, "slave")      ? MS_SLAVE
                    : !strcmp(b, "unbindable") ? MS_UNBINDABLE
                                               : 0;
  return f | (rec ? MS_REC : 0);
}

static bool known_fs_type(const char *type)
{
  static const char *const common[] = {
      "proc", "sysfs",   "tmpfs", "devpts", "mqueue",     "cgroup",    "cgroup2", "bind",
      "none", "overlay", "ramfs", "shm",    "securityfs", "hugetlbfs", "fuse",    NULL};
  for (int i = 0; common[i]; i++)
    if (!strcmp(type, common[i]))
      return true;
  /* Anything else must be a filesystem this kernel has. */
  _cleanup_free_ char *fs = NULL;
  size_t len;
  if (sk_read_file_at(AT_FDCWD, "/proc/filesystems", &fs, &len, NULL) < 0)
    return true; /* cannot tell: let the mount say */
  char *save = NULL;
  for (char *line = strtok_r(fs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *name = strrchr(line, '\t');
    name = name ? name + 1 : line;
    if (!strcmp(name, type))
      return true;
  }
  return false;
}

/* "/dev", "//dev/", "/dev/." */
static bool is_dev(const char *dest)
{
  char buf[64];
  size_t n = 0;
  const char *p = dest;
  for (; *p && n < sizeof buf - 1; p++)
    if (!(*p == '/' && n && buf[n - 1] == '/'))
      buf[n++] = *p;
  /* Too long to be "/dev" padded with "/" and "/.": a cut-off "/dev/./././.../x" must not be
   * taken for /dev (no tmpfs of our own would be put there). */
  if (*p)
    return false;
  buf[n] = '\0';
  while (n > 1 && (buf[n - 1] == '/' || (n > 2 && buf[n - 1] == '.' && buf[n - 2] == '/')))
    buf[--n] = '\0';
  return !strcmp(buf, "/dev");
}

int sk_rootfs_validate(const struct sk_spec *spec, sk_err_t *err)
{
  for (size_t i = 0; i < spec->mounts_len; i++) {
    const struct sk_mount *m = &spec->mounts[i];
    struct sk_mount_opts o;
    int r = sk_mount_opts_parse(m, i, &o, err);
    bool bind = o.bind;
    sk_mount_opts_free(&o);
    if (r < 0)
      return -1;
    if (!strcmp(m->destination, "/") || strstr(m->destination, "/../") ||
        (strlen(m->destination) >= 3 &&
         !strcmp(m->destination + strlen(m->destination) - 3, "/..")))
      return sk_failx(err,
                      "config.json: mounts[%zu].destination: \"%s\" is not a mount point "
                      "the container can have",
                      i, m->destination);
    if (m->destination[0] != '/')
      return sk_failx(err, "config.json: mounts[%zu].destination: \"%s\" is not absolute", i,
                      m->destination);
    if (bind) {
      if (!m->source || !*m->source)
        return sk_failx(err, "config.json: mounts[%zu]: a bind mount needs a source", i);
      /* relative sources are checked when the bundle is known (in the init) */
      struct stat st;
      if (m->source[0] == '/' && stat(m->source, &st) < 0)
        return sk_failno(err, "config.json: mounts[%zu].source: bind source %s", i, m->source);
      continue;
    }
    if (!m->type || !*m->type)
      return sk_failx(err, "config.json: mounts[%zu]: missing \"type\" (and not a bind mount)", i);
    if (!known_fs_type(m->type))
      return sk_failx(err,
                      "config.json: mounts[%zu].type: filesystem \"%s\" is not known to this "
                      "kernel (mounting %s)",
                      i, m->type, m->destination);
  }
  return 0;
}

static int sysfs_rbind(const struct sk_mount *m, size_t i, int target, sk_err_t *err)
{
  struct sk_mount_opts o;
  int r = sk_mount_opts_parse(m, i, &o, err);
  uint64_t set = o.attr_set | o.rattr_set, clr = (o.attr_clr | o.rattr_clr) & ~set;
  sk_mount_opts_free(&o);
  if (r < 0)
    return -1;
  _cleanup_close_ int tree =
      open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return sk_failno(err, "mounts[%zu]: bind the host's /sys on %s", i, m->destination);
  if (sk_mount_setattr(tree, true, set, clr, 0, err) < 0 || sk_move_mount_fd(tree, target, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: bind the host's /sys on %s", i, m->destination);
  return 0;
}

static int mount_entry(struct sk_rootfs_ctx *ctx, int rootfd, size_t i, sk_err_t *err)
{
  const struct sk_mount *m = &ctx->spec->mounts[i];
  const char *type = m->type ? m->type : "";
  bool bind = sk_mount_is_bind(m);
  bool is_file = false;
  if (bind) {
    _cleanup_free_ char *src = m->source && m->source[0] == '/'
                                   ? xstrdup(m->source)
                                   : xasprintf("%s/%s", ctx->bundle, m->source ? m->source : "");
    struct stat st;
    if (stat(src, &st) < 0)
      return sk_failno(err, "config.json: mounts[%zu]: bind source %s", i, src);
    is_file = !S_ISDIR(st.st_mode);
  }
  bool procfs = !bind && (!strcmp(type, "proc") || !strcmp(type, "sysfs"));
  _cleanup_close_ int target = -1;
  if (procfs) {
    /* procfs and sysfs go on a real directory of the rootfs, never through a symlink: a
     * container that could move them would defeat masking and the runtime's own checks
     * (CVE-2019-19921).  Checked before anything is created. */
    struct open_how how = {.flags = O_PATH | O_CLOEXEC | O_DIRECTORY,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
    const char *rel = m->destination;
    while (*rel == '/')
      rel++;
    target = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
    if (target < 0 && errno == ENOENT) {
      int fd = sk_mountpoint_in_root(rootfd, m->destination, false, err);
      if (fd < 0)
        return sk_err_prefix(err, "config.json: mounts[%zu]", i);
      close(fd);
      target = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
    }
    if (target < 0)
      return sk_fail(err, errno,
                     "config.json: mounts[%zu]: %s must be a directory of the rootfs, not a "
                     "symlink: refusing to mount %s through it",
                     i, m->destination, type);
  } else {
    target = sk_mountpoint_in_root(rootfd, m->destination, is_file, err);
    if (target < 0)
      return sk_err_prefix(err, "config.json: mounts[%zu]", i);
  }
  if (!bind && (!strcmp(type, "cgroup") || !strcmp(type, "cgroup2"))) {
    bool ro = false;
    for (size_t j = 0; j < m->options_len; j++)
      ro = !strcmp(m->options[j], "ro") ? true : !strcmp(m->options[j], "rw") ? false : ro;
    bool own_ns = sk_spec_namespace(ctx->spec, CLONE_NEWCGROUP) != NULL;
    return sk_mount_cgroupfs(m, i, target, ro, own_ns, err);
  }
  if (!bind && !strcmp(type, "sysfs") && ctx->new_userns) {
    /* A sysfs instance belongs to a network namespace: a container in a user namespace that
     * does not own its network namespace may not mount one (EPERM).  Bind the host's /sys
     * instead, as runc, with the entry's attributes on every mount below it. */
    const struct sk_namespace *net = sk_spec_namespace(ctx->spec, CLONE_NEWNET);
    if (!net)
      return sysfs_rbind(m, i, target, err);
    if (sk_mount_one(m, i, ctx->bundle, target, ctx->mount_label, err) == 0)
      return 0;
    if (!err || !*err || (*err)->errnum != EPERM)
      return -1;
    sk_err_free(err);
    return sysfs_rbind(m, i, target, err);
  }
  if (sk_mount_one(m, i, ctx->bundle, target, ctx->mount_label, err) < 0)
    return -1;
  return 0;
}

/* The pty slave on /dev/console.  /dev is resolved inside the root, but the last component is
 * never followed: sk_mountpoint_in_root would follow an image's /dev/console -> /proc/sysrq-trigger
 * to the container's procfs (still "inside the root", and a regular file).  Anything already there
 * that is not a regular file or char device (a symlink, dangling or not) is refused rather than
 * mounted over, and so is a file of procfs or sysfs (/dev itself a link into /proc)
 * (CVE-2025-52565).  Usable before the pivot (rootfd: the rootfs) or after it (rootfd: "/"). */
int sk_rootfs_bind_console(int rootfd, int console_fd, sk_err_t *err)
{
  _cleanup_close_ int dev = sk_mkdir_in_root(rootfd, "/dev", 0755, err);
  if (dev < 0)
    return sk_err_prefix(err, "/dev/console");
  /* O_EXCL | O_NOFOLLOW: creates nothing through a symlink; EEXIST for whatever is there. */
  int f = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0 && errno != EEXIST)
    return sk_failno(err, "create /dev/console");
  if (f >= 0)
    close(f);
  _cleanup_close_ int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return sk_failno(err, "open /dev/console");
  struct stat st;
  struct statfs sfs;
  if (fstat(target, &st) < 0 || fstatfs(target, &sfs) < 0)
    return sk_failno(err, "stat /dev/console");
  if ((!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) || sfs.f_type == PROC_SUPER_MAGIC ||
      sfs.f_type == SYSFS_MAGIC)
    return sk_failx(err, "/dev/console: not a regular file or character device: refusing to "
                         "mount on it");
  _cleanup_close_ int tree =
      open_tree(console_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return sk_failno(err, "/dev/console: clone the pty");
  if (sk_move_mount_fd(tree, target, err) < 0)
    return sk_err_prefix(err, "mount the pty on /dev/console");
  return 0;
}

int sk_rootfs_setup(struct sk_rootfs_ctx *ctx, sk_err_t *err)
{
  const struct sk_spec *spec = ctx->spec;
  const char *prop = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;
  /* Nothing we mount or unmount may propagate back to the host: the whole tree becomes rslave
   * (rprivate when asked), always recursively, since the old root is detached recursively
   * after the pivot.  "shared" and "unbindable" (which would forbid binding the rootfs onto
   * itself) are applied to the container's root after the pivot. */
  unsigned long pf = propagation_flags(prop) & MS_PRIVATE ? MS_PRIVATE | MS_REC : MS_SLAVE | MS_REC;
  if (mount(NULL, "/", NULL, pf, NULL) < 0)
    return sk_failno(err, "set the propagation of / in the container's mount namespace");

  /* The rootfs as a mount point of its own, for pivot_root. */
  if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == EACCES && ctx->new_userns)
      return sk_failno(err,
                       "bind the rootfs %s onto itself: the container's root user (a mapped "
                       "uid) cannot reach it: every parent directory must be searchable by it",
                       ctx->rootfs);
    return sk_failno(err, "bind the rootfs %s onto itself", ctx->rootfs);
  }
  /* Its parent must not be shared for pivot_root; make the bind private to our namespace. */
  if (mount(NULL, ctx->rootfs, NULL, MS_PRIVATE, NULL) < 0)
    return sk_failno(err, "make the rootfs mount private");

  _cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return sk_failno(err, "open the rootfs %s", ctx->rootfs);

  /* No /dev in the config: a tmpfs of our own, so device nodes never land on the image. */
  const struct sk_mount *devm = NULL;
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (is_dev(spec->mounts[i].destination))
      devm = &spec->mounts[i];
  if (!devm) {
    _cleanup_close_ int target = sk_mountpoint_in_root(rootfd, "/dev", false, err);
    if (target < 0)
      return sk_err_prefix(err, "/dev");
    _cleanup_close_ int tmp = sk_fs_new("tmpfs", "tmpfs", "mode=755,size=65536k", NULL,
                                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME, err);
    if (tmp < 0 || sk_move_mount_fd(tmp, target, err) < 0)
      return sk_err_prefix(err, "mount a tmpfs on /dev");
  }

  for (size_t i = 0; i < spec->mounts_len; i++)
    if (mount_entry(ctx, rootfd, i, err) < 0)
      return -1;

  /* A /dev bound from elsewhere (the host's) is used as it is. */
  if ((!devm || !sk_mount_is_bind(devm)) &&
      sk_devices_setup(rootfd, spec, ctx->new_userns, err) < 0)
    return -1;

  if (ctx->console_fd >= 0 && sk_rootfs_bind_console(rootfd, ctx->console_fd, err) < 0)
    return -1;

  return 0;
}

static int open_existing(int rootfd, const char *path, int flags, int *out, sk_err_t *err)
{
  /* Inside the rootfs, without following any symlink: a masked or read-only path that the
   * image made a symlink is not what the config meant, and is skipped. */
  struct open_how how = {.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC | O_NOFOLLOW),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
  while (*path == '/')
    path++;
  int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
      return *out = -1, 0;
    return sk_failno(err, "open /%s", path);
  }
  *out = fd;
  return 0;
}

static int mask_path(int rootfd, const char *path, sk_err_t *err)
{
  _cleanup_close_ int fd = -1;
  if (open_existing(rootfd, path, 0, &fd, err) < 0)
    return -1;
  if (fd < 0)
    return 0;
  struct stat st;
  if (fstat(fd, &st) < 0)
    return sk_failno(err, "stat %s", path);
  _cleanup_close_ int tree = -1;
  if (S_ISDIR(st.st_mode)) {
    tree = sk_fs_new("tmpfs", "tmpfs", "size=0,mode=555", NULL,
                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                     err);
    if (tree < 0)
      return sk_err_prefix(err, "mask %s", path);
  } else {
    /* The host's /dev/null (we are not pivoted yet), never the container's, and checked to be
     * the null device before it is bound anywhere. */
    tree = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
      return sk_failno(err, "mask %s: clone /dev/null", path);
    struct stat dn;
    if (fstat(tree, &dn) < 0 || !S_ISCHR(dn.st_mode) || dn.st_rdev != makedev(1, 3))
      return sk_failx(err, "mask %s: the host's /dev/null is not the null device (1:3)", path);
  }
  if (sk_move_mount_fd(tree, fd, err) < 0)
    return sk_err_prefix(err, "mask %s", path);
  return 0;
}

static int readonly_path(int rootfd, const char *path, sk_err_t *err)
{
  _cleanup_close_ int fd = -1;
  if (open_existing(rootfd, path, 0, &fd, err) < 0)
    return -1;
  if (fd < 0)
    return 0;
  _cleanup_close_ int tree =
      open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0)
    return sk_failno(err, "read-only %s: bind", path);
  if (sk_mount_setattr(tree, true, MOUNT_ATTR_RDONLY, 0, 0, err) < 0 ||
      sk_move_mount_fd(tree, fd, err) < 0)
    return sk_err_prefix(err, "make %s read-only", path);
  return 0;
}

int sk_rootfs_pivot(struct sk_rootfs_ctx *ctx, sk_err_t *err)
{
  const struct sk_spec *spec = ctx->spec;
  /* Masked and read-only paths before the pivot: resolved inside the rootfs all the same, and
   * the host's /dev/null is still reachable as an attached mount to clone (cloning a detached
   * one needs a newer kernel than Debian 12's). */
  if (spec->linux_) {
    _cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      return sk_failno(err, "open the rootfs %s", ctx->rootfs);
    for (size_t i = 0; i < spec->linux_->masked_paths_len; i++)
      if (mask_path(rootfd, spec->linux_->masked_paths[i], err) < 0)
        return sk_err_prefix(err, "linux.maskedPaths[%zu]", i);
    for (size_t i = 0; i < spec->linux_->readonly_paths_len; i++)
      if (readonly_path(rootfd, spec->linux_->readonly_paths[i], err) < 0)
        return sk_err_prefix(err, "linux.readonlyPaths[%zu]", i);
  }
  if (chdir(ctx->rootfs) < 0)
    return sk_failno(err, "chdir to the rootfs");
  if (ctx->no_pivot) {
    if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
      return sk_failno(err, "move the rootfs to / (--no-pivot)");
    if (chroot(".") < 0)
      return sk_failno(err, "chroot (--no-pivot)");
  } else {
    /* pivot_root(".", "."): the old root ends up stacked on the new one; detach it.  Its
     * unmount cannot propagate to the host: setup made the whole old tree rslave (or
     * rprivate) first.  No mount(".", MS_SLAVE | MS_REC) here: "." is the new root, not the
     * old one on top of it, and that would turn the container's "shared" mounts into
     * private ones. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      return sk_failno(err, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
      return sk_failno(err, "detach the old root");
  }
  if (chdir("/") < 0)
    return sk_failno(err, "chdir /");

  if (spec->root_readonly) {
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", 0, &a, sizeof a) < 0)
      return sk_failno(err, "make the root read-only (root.readonly)");
  }
  const char *prop = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;
  unsigned long pf = propagation_flags(prop);
  if (pf && mount(NULL, "/", NULL, pf, NULL) < 0)
    return sk_failno(err, "linux.rootfsPropagation: set \"%s\" on /", prop);
  return 0;
}
