/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /dev inside the container.
 *
 * Every node is created with mknodat on an O_PATH-resolved parent directory inside the rootfs,
 * so an entry that the image made a symlink (to a host file, to /proc/...) is replaced, never
 * followed: a bind of the host's /dev/null never lands on something the image chose. */
#include "config.h"
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "paths.h"
#include "utils.h"

struct devnode {
  const char *path; /* absolute, in the container */
  char type;        /* c, b, p (u = c) */
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct devnode defaults[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static int split(const char *path, char *dir, size_t dsz, const char **name)
{
  const char *slash = strrchr(path, '/');
  if (!slash || !slash[1] || (size_t)(slash - path) >= dsz)
    return -1;
  memcpy(dir, path, (size_t)(slash - path));
  dir[slash - path] = '\0';
  if (!dir[0])
    strcpy(dir, "/");
  *name = slash + 1;
  return 0;
}

/* devfd: the container's /dev, already open (most nodes live there directly). */
static int make_node(int rootfd, int devfd, const struct devnode *d, bool new_userns, sk_err_t *err)
{
  char dir[4096];
  const char *name;
  if (split(d->path, dir, sizeof dir, &name) < 0 || !strcmp(name, "..") || !strcmp(name, "."))
    return sk_failx(err, "%s: not a device path", d->path);
  _cleanup_close_ int own = -1;
  int parent = devfd;
  if (strcmp(dir, "/dev") != 0) {
    parent = own = sk_mkdir_in_root(rootfd, dir, 0755, err);
    if (parent < 0)
      return -1;
  }
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  if (!new_userns || d->type == 'p') {
    /* The umask is 0 here (see sk_devices_setup): the mode is exact without a chmod.  Whatever
     * the image left at the path (a symlink, a file) is replaced, never followed; a directory
     * is an error. */
    int r = mknodat(parent, name, type | (d->mode & 07777), makedev(d->major, d->minor));
    if (r < 0 && errno == EEXIST) {
      if (unlinkat(parent, name, 0) < 0) {
        if (errno == EISDIR)
          return sk_failx(err, "%s: a directory is in the way", d->path);
        return sk_failno(err, "remove the old %s", d->path);
      }
      r = mknodat(parent, name, type | (d->mode & 07777), makedev(d->major, d->minor));
    }
    if (r < 0)
      return sk_failno(err, "mknod %s", d->path);
    /* fchownat on the parent fd with AT_SYMLINK_NOFOLLOW: we just created a node there. */
    if ((d->uid || d->gid) && fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
      return sk_failno(err, "set the owner of %s", d->path);
    return 0;
  }
  if (unlinkat(parent, name, 0) < 0 && errno != ENOENT) {
    if (errno == EISDIR)
      return sk_failx(err, "%s: a directory is in the way", d->path);
    return sk_failno(err, "remove the old %s", d->path);
  }
  /* In a user namespace: bind the host's node onto an empty file.  The host path is the same
   * as the container's, as for runc; it must be the device we were asked for. */
  /* The node is checked on the clone itself (fstat of the tree), not on a path looked up a
   * second time. */
  _cleanup_close_ int tree = open_tree(AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return sk_failno(err, "%s: not on the host, cannot bind it into a user namespace", d->path);
  struct stat st;
  if (fstat(tree, &st) < 0)
    return sk_failno(err, "stat the host's %s", d->path);
  if ((st.st_mode & S_IFMT) != type || major(st.st_rdev) != d->major ||
      minor(st.st_rdev) != d->minor)
    return sk_failx(err, "%s: the host's node is not %c %u:%u", d->path, d->type, d->major,
                    d->minor);
  int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0)
    return sk_failno(err, "create the mount point %s", d->path);
  close(f);
  _cleanup_close_ int target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return sk_failno(err, "open the mount point %s", d->path);
  if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return sk_failno(err, "bind %s", d->path);
  return 0;
}

static int make_link(int devfd, const char *target, const char *name, sk_err_t *err)
{
  if (symlinkat(target, devfd, name) == 0)
    return 0;
  if (errno != EEXIST)
    return sk_failno(err, "symlink /dev/%s", name);
  /* Something is there already: replace it unless it is a directory (pts stays pts). */
  if (unlinkat(devfd, name, 0) < 0)
    return 0;
  if (symlinkat(target, devfd, name) < 0)
    return sk_failno(err, "symlink /dev/%s", name);
  return 0;
}

static int devices_setup(int rootfd, int dev, const struct sk_spec *spec, bool new_userns,
                         sk_err_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
    /* linux.devices may override a default (same path): that entry wins. */
    bool overridden = false;
    for (size_t j = 0; spec->linux_ && j < spec->linux_->devices_len; j++)
      overridden |= strcmp(spec->linux_->devices[j].path, defaults[i].path) == 0;
    if (!overridden && make_node(rootfd, dev, &defaults[i], new_userns, err) < 0)
      return -1;
  }
  for (size_t j = 0; spec->linux_ && j < spec->linux_->devices_len; j++) {
    const struct sk_device *sd = &spec->linux_->devices[j];
    struct devnode d = {
        .path = sd->path,
        .type = sd->type == 'u' ? 'c' : sd->type,
        .major = (unsigned)sd->major,
        .minor = (unsigned)sd->minor,
        .mode = sd->file_mode.set ? (mode_t)sd->file_mode.v : 0666,
        .uid = sd->uid.set ? (uid_t)sd->uid.v : 0,
        .gid = sd->gid.set ? (gid_t)sd->gid.v : 0,
    };
    if (make_node(rootfd, dev, &d, new_userns, err) < 0)
      return sk_err_prefix(err, "config.json: linux.devices[%zu]", j);
  }
  static const char *const links[][2] = {
      {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(links); i++)
    if (make_link(dev, links[i][0], links[i][1], err) < 0)
      return -1;
  if (access("/proc/kcore", F_OK) == 0 && make_link(dev, "/proc/kcore", "core", err) < 0)
    return -1;
  return 0;
}

int sk_devices_setup(int rootfd, const struct sk_spec *spec, bool new_userns, sk_err_t *err)
{
  _cleanup_close_ int dev = sk_mkdir_in_root(rootfd, "/dev", 0755, err);
  if (dev < 0)
    return -1;
  /* Modes are given exactly: no umask, so no chmod after each mknod. */
  mode_t old = umask(0);
  int r = devices_setup(rootfd, dev, spec, new_userns, err);
  umask(old);
  return r;
}
