/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving attacker-controlled paths inside a container rootfs (see paths.h for why).
 *
 * Lookups go through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) relative to an O_PATH fd
 * of the root: ".." stops at the root, absolute symlinks resolve against it, and /proc magic
 * links cannot be used to jump out.  That is one syscall for the common case (the path exists).
 *
 * When something must be created, or openat2 is missing (Linux < 5.6), walk() resolves the path
 * one component at a time with openat(O_PATH | O_NOFOLLOW): the kernel never follows a symlink
 * for us; each one is read and its target resolved again from the root (absolute) or from the
 * directory holding it (relative).  ".." pops a stack of directory fds we hold, so it cannot
 * climb above the root even if the container renames directories meanwhile.  Missing components
 * are created with mkdirat/openat(O_EXCL) on the parent's fd, which never follow a final symlink;
 * if one appears in between we simply look again.  A dangling symlink (an image's
 * /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf) gets its target created inside the
 * root, as runc does, never on the host. */
#include "config.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "utils.h"

#define MAX_SYMLINKS 40
#define MAX_DEPTH 256

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      /* O_TMPFILE includes O_DIRECTORY: test all its bits */
      .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  /* An absolute path is taken relative to the root too. */
  while (*path == '/')
    path++;
  if (!*path)
    path = ".";
  int fd;
  do
    fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  return fd;
}

enum walk_mode {
  WALK_LOOKUP, /* create nothing (but honour O_CREAT on the last component) */
  WALK_MKDIR,  /* create every missing component as a directory */
  WALK_MKFILE, /* directories, and the last component as an empty regular file */
};

struct walk {
  int rootfd;
  int stack[MAX_DEPTH]; /* fds of the directories below the root we are in */
  int depth;
};

static int walk_cur(const struct walk *w)
{
  return w->depth ? w->stack[w->depth - 1] : w->rootfd;
}

static void walk_pop_all(struct walk *w)
{
  while (w->depth)
    close(w->stack[--w->depth]);
}

/* rest = prefix + "/" + rest, in place (rest has room for PATH_MAX * 2). */
static int prepend(char *rest, size_t size, const char *prefix)
{
  size_t pl = strlen(prefix), rl = strlen(rest);
  if (pl + rl + 2 > size)
    return -1;
  memmove(rest + pl + 1, rest, rl + 1);
  memcpy(rest, prefix, pl);
  rest[pl] = '/';
  return 0;
}

static int walk(int rootfd, const char *path, int flags, mode_t mode, enum walk_mode wm,
                sk_err_t *err)
{
  struct walk w = {.rootfd = rootfd};
  _cleanup_free_ char *rest = xmalloc(PATH_MAX * 2);
  int links = 0, ret = -1;
  bool made_dir = false; /* the component was just created as a directory by us */
  if (strlen(path) >= PATH_MAX) {
    errno = ENAMETOOLONG;
    sk_failno(err, "%s", path);
    goto out;
  }
  strcpy(rest, path);
  for (;;) {
    char *p = rest;
    while (*p == '/')
      p++;
    if (!*p)
      break;
    size_t clen = strcspn(p, "/");
    char comp[NAME_MAX + 1];
    if (clen > NAME_MAX) {
      errno = ENAMETOOLONG;
      sk_failno(err, "%s", path);
      goto out;
    }
    memcpy(comp, p, clen);
    comp[clen] = '\0';
    memmove(rest, p + clen, strlen(p + clen) + 1);
    bool last = rest[strspn(rest, "/")] == '\0';
    if (!strcmp(comp, "."))
      continue;
    if (!strcmp(comp, "..")) {
      if (w.depth) /* ".." at the root is the root */
        close(w.stack[--w.depth]);
      continue;
    }
    int cur = walk_cur(&w);
    /* A directory in the middle of the path: O_DIRECTORY saves the fstat (a symlink fails
     * with ENOTDIR and is looked at again below). */
    int fd = -1;
    if (!last || made_dir) {
      fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0 && last) { /* the directory we just made (wm is MKDIR or MKFILE) */
        ret = fd;
        goto out;
      }
      made_dir = false;
      if (fd >= 0) {
        if (w.depth == MAX_DEPTH) {
          close(fd);
          errno = ENAMETOOLONG;
          sk_failno(err, "%s", path);
          goto out;
        }
        w.stack[w.depth++] = fd;
        continue;
      }
    }
    if (fd < 0 && (last || errno == ENOTDIR))
      fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      int r;
      if (wm == WALK_LOOKUP) {
        if (!last || !(flags & O_CREAT)) {
          sk_failno(err, "%s: %s", path, comp);
          goto out;
        }
        /* O_NOFOLLOW: if a symlink appears at comp meanwhile, we fail and look again */
        r = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (r >= 0) {
          ret = r;
          goto out;
        }
      } else if (wm == WALK_MKFILE && last) {
        r = openat(cur, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0)
          close(r);
      } else {
        r = mkdirat(cur, comp, mode);
        made_dir = r == 0;
      }
      if (r < 0 && errno != EEXIST && errno != ELOOP) {
        sk_failno(err, "create %s in %s", comp, path);
        goto out;
      }
      if (r < 0 && ++links > MAX_SYMLINKS) {
        sk_failno(err, "%s: %s keeps changing", path, comp);
        goto out;
      }
      /* created (or raced): look at it again */
      if (prepend(rest, PATH_MAX * 2, comp) < 0) {
        errno = ENAMETOOLONG;
        sk_failno(err, "%s", path);
        goto out;
      }
      continue;
    }
    if (fd < 0) {
      sk_failno(err, "%s: %s", path, comp);
      goto out;
    }
    if (last && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
      close(fd);
      errno = EEXIST;
      sk_failno(err, "%s", path);
      goto out;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
      sk_failno(err, "%s: stat %s", path, comp);
      close(fd);
      goto out;
    }
    if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
      /* Read the link and resolve its target ourselves, inside the root.  Magic links of
       * /proc read as paths too ("/" for /proc/self/root) and resolve inside the root. */
      char target[PATH_MAX];
      ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
      close(fd);
      if (n < 0) {
        sk_failno(err, "%s: readlink %s", path, comp);
        goto out;
      }
      target[n] = '\0';
      if (++links > MAX_SYMLINKS) {
        errno = ELOOP;
        sk_failno(err, "%s", path);
        goto out;
      }
      if (prepend(rest, PATH_MAX * 2, target) < 0) {
        errno = ENAMETOOLONG;
        sk_failno(err, "%s", path);
        goto out;
      }
      if (target[0] == '/')
        walk_pop_all(&w);
      continue;
    }
    if (last) {
      if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
        close(fd);
        errno = ENOTDIR;
        sk_failno(err, "%s", path);
        goto out;
      }
      if ((flags & O_PATH) || wm != WALK_LOOKUP) {
        ret = fd;
        goto out;
      }
      close(fd);
      /* Reopen for real from the parent; O_NOFOLLOW: a symlink swapped in fails (ELOOP). */
      ret = openat(cur, comp, (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC);
      if (ret < 0)
        sk_failno(err, "open %s", path);
      goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
      close(fd);
      errno = ENOTDIR;
      sk_failno(err, "%s: %s", path, comp);
      goto out;
    }
    if (w.depth == MAX_DEPTH) {
      close(fd);
      errno = ENAMETOOLONG;
      sk_failno(err, "%s", path);
      goto out;
    }
    w.stack[w.depth++] = fd;
  }
  /* The path ended on a directory already in hand ("/", "a/..", "a/."). */
  if (flags & O_PATH)
    ret = fcntl(walk_cur(&w), F_DUPFD_CLOEXEC, 3);
  else
    ret = openat(walk_cur(&w), ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
  if (ret < 0)
    sk_failno(err, "open %s", path);
out:
  walk_pop_all(&w);
  return ret;
}

int sk_walk_in_root(int rootfd, const char *path, int flags, mode_t mode, sk_err_t *err)
{
  return walk(rootfd, path, flags, mode, WALK_LOOKUP, err);
}

int sk_open_in_root(int rootfd, const char *path, int flags, mode_t mode, sk_err_t *err)
{
  int fd = openat2_in_root(rootfd, path, flags, mode);
  if (fd >= 0)
    return fd;
  if (errno == ENOSYS) {
    fd = sk_walk_in_root(rootfd, path, flags, mode, err);
    return fd < 0 ? sk_err_prefix(err, "open inside the container's root") : fd;
  }
  return sk_failno(err, "open %s inside the container's root", path);
}

int sk_mkdir_in_root(int rootfd, const char *path, mode_t mode, sk_err_t *err)
{
  /* Fast path: it exists. */
  int fd = openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT && errno != ENOSYS)
    return sk_failno(err, "open directory %s inside the container's root", path);
  fd = walk(rootfd, path, O_PATH | O_DIRECTORY, mode, WALK_MKDIR, err);
  if (fd < 0)
    return sk_err_prefix(err, "mkdir inside the container's root");
  return fd;
}

int sk_mountpoint_in_root(int rootfd, const char *path, bool is_file, sk_err_t *err)
{
  int fd = openat2_in_root(rootfd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT && errno != ENOSYS)
    return sk_failno(err, "open %s inside the container's root", path);
  fd = walk(rootfd, path, O_PATH, 0755, is_file ? WALK_MKFILE : WALK_MKDIR, err);
  if (fd < 0)
    return sk_err_prefix(err, "create the mount point inside the container's root");
  return fd;
}

const char *sk_fd_path(int fd, char *buf)
{
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

/* Without fsopen (Linux < 5.2): mount a procfs on a fresh private directory, keep an fd of it
 * and detach the mount at once; the fd holds the instance, no path leads to it. */
static int private_procfs_fallback(sk_err_t *err)
{
  char dir[] = "/tmp/.skiff-proc-XXXXXX";
  if (!mkdtemp(dir))
    return sk_failno(err, "create a directory for a private procfs");
  int fd = -1;
  if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
    sk_failno(err, "mount a private procfs");
  } else {
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      sk_failno(err, "open the private procfs");
    umount2(dir, MNT_DETACH);
  }
  rmdir(dir);
  return fd;
}

int sk_open_private_procfs(sk_err_t *err)
{
  /* A new procfs instance (of the caller's pid namespace), mounted nowhere: nothing the
   * container does to its /proc can redirect writes made through this fd. */
  _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
  if (fs < 0 && errno == ENOSYS)
    return private_procfs_fallback(err);
  if (fs < 0)
    return sk_failno(err, "fsopen(proc)");
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return sk_failno(err, "create a private procfs");
  int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0)
    return sk_failno(err, "mount a private procfs");
  return mnt;
}
