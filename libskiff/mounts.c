/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One config mount, done with the fd-based mount API only:
 *
 *   bind:        open_tree(source, OPEN_TREE_CLONE) -> mount_setattr on the detached copy
 *                -> move_mount onto the target fd
 *   filesystem:  fsopen(type) -> fsconfig(options) -> fsmount(attributes) -> move_mount
 *
 * The target is an O_PATH fd resolved inside the rootfs (paths.c), so no path is looked up
 * twice and a symlink swapped in between cannot redirect the mount (CVE-2021-30465); the
 * attributes are set before the mount is attached, so there is no window where a read-only
 * bind is writable. */
#include "config.h"
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "paths.h"
#include "utils.h"

struct opt_def {
  const char *name;
  enum {
    O_SET,
    O_CLR,
    O_ATIME,
    O_PROP,
    O_RSET,
    O_RCLR,
    O_RATIME,
    O_BIND,
    O_SB,
    O_IDMAP,
    O_IGNORE
  } kind;
  uint64_t attr;
  unsigned long prop;
  bool rec;
};

static const struct opt_def opt_defs[] = {
    {"ro", O_SET, MOUNT_ATTR_RDONLY, 0, false},
    {"rw", O_CLR, MOUNT_ATTR_RDONLY, 0, false},
    {"nosuid", O_SET, MOUNT_ATTR_NOSUID, 0, false},
    {"suid", O_CLR, MOUNT_ATTR_NOSUID, 0, false},
    {"nodev", O_SET, MOUNT_ATTR_NODEV, 0, false},
    {"dev", O_CLR, MOUNT_ATTR_NODEV, 0, false},
    {"noexec", O_SET, MOUNT_ATTR_NOEXEC, 0, false},
    {"exec", O_CLR, MOUNT_ATTR_NOEXEC, 0, false},
    {"nodiratime", O_SET, MOUNT_ATTR_NODIRATIME, 0, false},
    {"diratime", O_CLR, MOUNT_ATTR_NODIRATIME, 0, false},
    {"nosymfollow", O_SET, MOUNT_ATTR_NOSYMFOLLOW, 0, false},
    {"symfollow", O_CLR, MOUNT_ATTR_NOSYMFOLLOW, 0, false},
    {"relatime", O_ATIME, MOUNT_ATTR_RELATIME, 0, false},
    {"norelatime", O_ATIME, MOUNT_ATTR_STRICTATIME, 0, false},
    {"noatime", O_ATIME, MOUNT_ATTR_NOATIME, 0, false},
    {"atime", O_ATIME, MOUNT_ATTR_RELATIME, 0, false},
    {"strictatime", O_ATIME, MOUNT_ATTR_STRICTATIME, 0, false},
    {"nostrictatime", O_ATIME, MOUNT_ATTR_RELATIME, 0, false},
    {"rro", O_RSET, MOUNT_ATTR_RDONLY, 0, true},
    {"rrw", O_RCLR, MOUNT_ATTR_RDONLY, 0, true},
    {"rnosuid", O_RSET, MOUNT_ATTR_NOSUID, 0, true},
    {"rsuid", O_RCLR, MOUNT_ATTR_NOSUID, 0, true},
    {"rnodev", O_RSET, MOUNT_ATTR_NODEV, 0, true},
    {"rdev", O_RCLR, MOUNT_ATTR_NODEV, 0, true},
    {"rnoexec", O_RSET, MOUNT_ATTR_NOEXEC, 0, true},
    {"rexec", O_RCLR, MOUNT_ATTR_NOEXEC, 0, true},
    {"rnodiratime", O_RSET, MOUNT_ATTR_NODIRATIME, 0, true},
    {"rdiratime", O_RCLR, MOUNT_ATTR_NODIRATIME, 0, true},
    {"rnosymfollow", O_RSET, MOUNT_ATTR_NOSYMFOLLOW, 0, true},
    {"rsymfollow", O_RCLR, MOUNT_ATTR_NOSYMFOLLOW, 0, true},
    {"rrelatime", O_RATIME, MOUNT_ATTR_RELATIME, 0, true},
    {"rnorelatime", O_RATIME, MOUNT_ATTR_STRICTATIME, 0, true},
    {"rnoatime", O_RATIME, MOUNT_ATTR_NOATIME, 0, true},
    {"ratime", O_RATIME, MOUNT_ATTR_RELATIME, 0, true},
    {"rstrictatime", O_RATIME, MOUNT_ATTR_STRICTATIME, 0, true},
    {"rnostrictatime", O_RATIME, MOUNT_ATTR_RELATIME, 0, true},
    {"private", O_PROP, 0, MS_PRIVATE, false},
    {"rprivate", O_PROP, 0, MS_PRIVATE, true},
    {"shared", O_PROP, 0, MS_SHARED, false},
    {"rshared", O_PROP, 0, MS_SHARED, true},
    {"slave", O_PROP, 0, MS_SLAVE, false},
    {"rslave", O_PROP, 0, MS_SLAVE, true},
    {"unbindable", O_PROP, 0, MS_UNBINDABLE, false},
    {"runbindable", O_PROP, 0, MS_UNBINDABLE, true},
    {"bind", O_BIND, 0, 0, false},
    {"rbind", O_BIND, 0, 0, true},
    {"sync", O_SB, 0, 0, false},
    {"dirsync", O_SB, 0, 0, false},
    {"lazytime", O_SB, 0, 0, false},
    {"mand", O_SB, 0, 0, false},
    {"async", O_IGNORE, 0, 0, false},
    {"nomand", O_IGNORE, 0, 0, false},
    {"nolazytime", O_IGNORE, 0, 0, false},
    {"defaults", O_IGNORE, 0, 0, false},
    {"tmpcopyup", O_IGNORE, 0, 0, false},
    {"remount", O_IGNORE, 0, 0, false},
    {"silent", O_IGNORE, 0, 0, false},
    {"loud", O_IGNORE, 0, 0, false},
    {"idmap", O_IDMAP, 0, 0, false},
    {"ridmap", O_IDMAP, 0, 0, true},
};

bool sk_mount_is_bind(const struct sk_mount *m)
{
  if (m->type && strcmp(m->type, "bind") == 0)
    return true;
  for (size_t j = 0; j < m->options_len; j++)
    if (strcmp(m->options[j], "bind") == 0 || strcmp(m->options[j], "rbind") == 0)
      return true;
  return false;
}

int sk_mount_opts_parse(const struct sk_mount *m, size_t i, struct sk_mount_opts *o, sk_err_t *err)
{
  memset(o, 0, sizeof *o);
  size_t nsb = 0;
  o->sb_flags = xzalloc((m->options_len + 1) * sizeof(char *));
  for (size_t j = 0; j < m->options_len; j++) {
    const char *s = m->options[j];
    const struct opt_def *d = NULL;
    for (size_t k = 0; k < ARRAY_SIZE(opt_defs); k++)
      if (strcmp(s, opt_defs[k].name) == 0)
        d = &opt_defs[k];
    if (!d) {
      if (strncmp(s, "x-", 2) == 0)
        continue; /* userspace options (x-systemd.*) are for other tools */
      if (!*s)
        return sk_failx(err, "config.json: mounts[%zu].options[%zu]: empty option", i, j);
      /* anything else is filesystem data ("size=64k", "mode=755", "newinstance") */
      if (o->data) {
        char *d2 = xasprintf("%s,%s", o->data, s);
        free(o->data);
        o->data = d2;
      } else {
        o->data = xstrdup(s);
      }
      continue;
    }
    switch (d->kind) {
    case O_SET:
      o->attr_set |= d->attr;
      o->attr_clr &= ~d->attr;
      break;
    case O_CLR:
      o->attr_clr |= d->attr;
      o->attr_set &= ~d->attr;
      break;
    case O_ATIME:
      o->attr_clr |= MOUNT_ATTR__ATIME;
      o->attr_set = (o->attr_set & ~MOUNT_ATTR__ATIME) | d->attr;
      break;
    case O_RSET:
      o->rattr_set |= d->attr;
      o->rattr_clr &= ~d->attr;
      break;
    case O_RCLR:
      o->rattr_clr |= d->attr;
      o->rattr_set &= ~d->attr;
      break;
    case O_RATIME:
      o->rattr_clr |= MOUNT_ATTR__ATIME;
      o->rattr_set = (o->rattr_set & ~MOUNT_ATTR__ATIME) | d->attr;
      break;
    case O_PROP:
      o->propagation = d->prop;
      o->propagation_rec = d->rec;
      break;
    case O_BIND:
      o->bind = true;
      o->rec |= d->rec;
      break;
    case O_SB:
      o->sb_flags[nsb++] = xstrdup(s);
      break;
    case O_IDMAP:
      o->idmap = true;
      o->ridmap |= d->rec;
      break;
    case O_IGNORE:
      break;
    }
  }
  if (m->type && strcmp(m->type, "bind") == 0)
    o->bind = true;
  if (o->idmap && !o->bind)
    return sk_failx(err, "config.json: mounts[%zu]: idmap is only supported on bind mounts", i);
  if (o->idmap && (!m->uid_mappings_len || !m->gid_mappings_len))
    return sk_failx(err, "config.json: mounts[%zu]: idmap needs uidMappings and gidMappings", i);
  return 0;
}

void sk_mount_opts_free(struct sk_mount_opts *o)
{
  sk_strv_free(o->sb_flags);
  free(o->data);
  o->sb_flags = NULL;
  o->data = NULL;
}

int sk_mount_setattr(int fd, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
                     sk_err_t *err)
{
  if (!set && !clr && !prop)
    return 0;
  struct mount_attr a = {.attr_set = set, .attr_clr = clr, .propagation = prop};
  if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
    return sk_failno(err, "mount_setattr");
  return 0;
}

int sk_move_mount_fd(int tree, int target, sk_err_t *err)
{
  if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return sk_failno(err, "move_mount");
  return 0;
}

/* The kernel's own words about an fsconfig failure ("e tmpfs: Bad value for 'size'"). */
static void fs_log(int fs, char *buf, size_t size)
{
  buf[0] = '\0';
  ssize_t n = read(fs, buf, size - 1);
  if (n <= 2) {
    buf[0] = '\0';
    return;
  }
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  memmove(buf, buf + 2, strlen(buf + 2) + 1); /* drop the "e " */
}

int sk_fs_new(const char *type, const char *source, const char *data, char *const *sb_flags,
              uint64_t attrs, sk_err_t *err)
{
  _cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
  if (fs < 0) {
    if (errno == ENODEV)
      return sk_fail(err, errno, "filesystem type \"%s\" is not known to the kernel", type);
    return sk_failno(err, "fsopen(%s)", type);
  }
  char log[256];
  if (source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0) {
    int e = errno;
    fs_log(fs, log, sizeof log);
    return sk_fail(err, e, "%s: source \"%s\"%s%s", type, source, log[0] ? ": " : "", log);
  }
  for (size_t i = 0; sb_flags && sb_flags[i]; i++)
    if (fsconfig(fs, FSCONFIG_SET_FLAG, sb_flags[i], NULL, 0) < 0) {
      int e = errno;
      fs_log(fs, log, sizeof log);
      return sk_fail(err, e, "%s: option \"%s\"%s%s", type, sb_flags[i], log[0] ? ": " : "", log);
    }
  if (data) {
    _cleanup_free_ char *copy = xstrdup(data);
    char *save = NULL;
    for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
      char *eq = strchr(opt, '=');
      int r;
      if (eq) {
        *eq = '\0';
        r = fsconfig(fs, FSCONFIG_SET_STRING, opt, eq + 1, 0);
      } else {
        r = fsconfig(fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
      }
      if (r < 0) {
        int e = errno;
        fs_log(fs, log, sizeof log);
        if (eq)
          *eq = '=';
        return sk_fail(err, e, "%s: option \"%s\"%s%s", type, opt, log[0] ? ": " : "", log);
      }
    }
  }
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    int e = errno;
    fs_log(fs, log, sizeof log);
    return sk_fail(err, e, "create a %s filesystem%s%s", type, log[0] ? ": " : "", log);
  }
  int mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned int)attrs);
  if (mnt < 0)
    return sk_failno(err, "fsmount(%s)", type);
  return mnt;
}

/* A user namespace with the mount's mappings, for MOUNT_ATTR_IDMAP: a child that only exists to
 * own it. */
static int idmap_userns(const struct sk_mount *m, sk_err_t *err)
{
  /* go: the child waits on it and exits when we close it; back: the child's pid as the /proc
   * we can see numbers it.  The init usually runs in a new pid namespace with the host's /proc
   * still mounted, where our own pid numbers mean nothing: the child reads its name there
   * (readlink /proc/self) and tells us. */
  int go[2], back[2];
  if (pipe2(go, O_CLOEXEC) < 0)
    return sk_failno(err, "pipe");
  if (pipe2(back, O_CLOEXEC) < 0) {
    close(go[0]);
    close(go[1]);
    return sk_failno(err, "pipe");
  }
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    close(go[0]);
    close(go[1]);
    close(back[0]);
    close(back[1]);
    return sk_failno(err, "clone a user namespace for the idmap mount");
  }
  if (pid == 0) {
    char c, self[32];
    close(go[1]);
    close(back[0]);
    ssize_t n = readlink("/proc/self", self, sizeof self - 1);
    if (n > 0)
      (void)!write(back[1], self, (size_t)n);
    close(back[1]);
    (void)!read(go[0], &c, 1);
    _exit(0);
  }
  close(go[0]);
  close(back[1]);
  int ret = -1;
  char name[32] = "", path[96], buf[4096];
  ssize_t n = sk_read_all(back[0], name, sizeof name - 1);
  close(back[0]);
  if (n <= 0) {
    sk_failx(err, "idmap: the helper process of the user namespace died");
    goto out;
  }
  name[n] = '\0';
  for (int k = 0; k < 2; k++) {
    const struct sk_idmap *maps = k ? m->gid_mappings : m->uid_mappings;
    size_t nmaps = k ? m->gid_mappings_len : m->uid_mappings_len;
    size_t off = 0;
    for (size_t j = 0; j < nmaps && off < sizeof buf; j++)
      off += (size_t)snprintf(buf + off, sizeof buf - off, "%u %u %u\n", maps[j].container_id,
                              maps[j].host_id, maps[j].size);
    snprintf(path, sizeof path, "/proc/%s/%s", name, k ? "gid_map" : "uid_map");
    if (sk_write_string_at(AT_FDCWD, path, buf, err) < 0)
      goto out;
  }
  snprintf(path, sizeof path, "/proc/%s/ns/user", name);
  ret = open(path, O_RDONLY | O_CLOEXEC);
  if (ret < 0)
    sk_failno(err, "open %s", path);
out:
  close(go[1]);
  waitpid(pid, NULL, 0);
  return ret;
}

static int bind_one(const struct sk_mount *m, size_t i, const char *bundle, int target,
                    const struct sk_mount_opts *o, sk_err_t *err)
{
  if (!m->source || !*m->source)
    return sk_failx(err, "config.json: mounts[%zu]: a bind mount needs a source", i);
  _cleanup_free_ char *src =
      m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
  _cleanup_close_ int tree =
      open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->rec ? AT_RECURSIVE : 0));
  if (tree < 0)
    return sk_failno(err, "mounts[%zu]: bind %s", i, src);
  if (sk_mount_setattr(tree, false, o->attr_set, o->attr_clr, 0, err) < 0 ||
      sk_mount_setattr(tree, true, o->rattr_set, o->rattr_clr, 0, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: bind %s on %s: set its options", i, src,
                         m->destination);
  if (o->idmap) {
    _cleanup_close_ int userns = idmap_userns(m, err);
    if (userns < 0)
      return sk_err_prefix(err, "mounts[%zu]", i);
    struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
    if (mount_setattr(tree, "", AT_EMPTY_PATH | (o->ridmap ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
      return sk_failno(err, "mounts[%zu]: idmap %s (does its filesystem support idmapped mounts?)",
                       i, src);
  }
  if (sk_move_mount_fd(tree, target, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: bind %s on %s", i, src, m->destination);
  if (o->propagation && sk_mount_setattr(tree, o->propagation_rec, 0, 0, o->propagation, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: propagation of %s", i, m->destination);
  return 0;
}

static int fs_one(const struct sk_mount *m, size_t i, int target, const char *mount_label,
                  const struct sk_mount_opts *o, sk_err_t *err)
{
  const char *type = m->type && *m->type ? m->type : NULL;
  if (!type)
    return sk_failx(err, "config.json: mounts[%zu]: no type (and not a bind mount)", i);
  _cleanup_free_ char *data = NULL;
  if (mount_label && *mount_label &&
      (!strcmp(type, "tmpfs") || !strcmp(type, "devpts") || !strcmp(type, "mqueue") ||
       !strcmp(type, "shm")))
    data = o->data ? xasprintf("%s,context=\"%s\"", o->data, mount_label)
                   : xasprintf("context=\"%s\"", mount_label);
  /* devpts: every fsopen is a new instance already; "newinstance" is accepted and ignored. */
  _cleanup_close_ int mnt =
      sk_fs_new(type, m->source, data ? data : o->data, o->sb_flags, o->attr_set, err);
  if (mnt < 0)
    return sk_err_prefix(err, "mounts[%zu]: mount %s on %s", i, type, m->destination);
  if (sk_mount_setattr(mnt, true, o->rattr_set, o->rattr_clr, 0, err) < 0 ||
      sk_move_mount_fd(mnt, target, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: mount %s on %s", i, type, m->destination);
  if (o->propagation && sk_mount_setattr(mnt, o->propagation_rec, 0, 0, o->propagation, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: propagation of %s", i, m->destination);
  return 0;
}

int sk_mount_one(const struct sk_mount *m, size_t i, const char *bundle, int target,
                 const char *mount_label, sk_err_t *err)
{
  struct sk_mount_opts o;
  int ret = sk_mount_opts_parse(m, i, &o, err);
  if (ret == 0)
    ret = o.bind ? bind_one(m, i, bundle, target, &o, err)
                 : fs_one(m, i, target, mount_label, &o, err);
  sk_mount_opts_free(&o);
  return ret;
}

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Mount `type` (cgroup or cgroup2, with data) or, without a cgroup namespace, bind the host's
 * hierarchy directory of our own cgroup, onto dir inside parentfd. */
static int cgroup_one(int parentfd, const char *dir, const char *type, const char *data,
                      const char *host_path, bool own_ns, uint64_t attrs, sk_err_t *err)
{
  if (mkdirat(parentfd, dir, 0755) < 0 && errno != EEXIST)
    return sk_failno(err, "mkdir %s", dir);
  _cleanup_close_ int target = openat(parentfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return sk_failno(err, "open %s", dir);
  _cleanup_close_ int mnt = -1;
  if (own_ns) {
    mnt = sk_fs_new(type, "cgroup", data, NULL, attrs, err);
  } else {
    mnt = open_tree(AT_FDCWD, host_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (mnt < 0)
      sk_failno(err, "bind %s", host_path);
    else if (sk_mount_setattr(mnt, false, attrs, 0, 0, err) < 0)
      return -1;
  }
  if (mnt < 0)
    return -1;
  return sk_move_mount_fd(mnt, target, err);
}

int sk_mount_cgroupfs(const struct sk_mount *m, size_t i, int target, bool ro, bool own_ns,
                      sk_err_t *err)
{
  uint64_t attrs =
      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (ro ? MOUNT_ATTR_RDONLY : 0);
  struct statfs sfs;
  /* Still in the host's view of /sys/fs/cgroup: the container's is not mounted yet. */
  bool v2 = statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
  _cleanup_free_ char *self = NULL;
  size_t len;
  if (sk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &self, &len, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]", i);

  if (v2) {
    const char *path = strstr(self, "0::");
    path = path ? path + 3 : "/";
    _cleanup_free_ char *p = xstrndup(path, strcspn(path, "\n"));
    _cleanup_free_ char *host = xasprintf("/sys/fs/cgroup%s", p);
    _cleanup_close_ int mnt = -1;
    if (own_ns)
      mnt = sk_fs_new("cgroup2", "cgroup", NULL, NULL, attrs, err);
    else if ((mnt = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0)
      sk_failno(err, "bind %s", host);
    else if (sk_mount_setattr(mnt, false, attrs, 0, 0, err) < 0)
      return sk_err_prefix(err, "mounts[%zu]", i);
    if (mnt < 0 || sk_move_mount_fd(mnt, target, err) < 0)
      return sk_err_prefix(err, "mounts[%zu]: cgroup2 on %s", i, m->destination);
    return 0;
  }

  /* v1 or hybrid: a tmpfs holding one mount per hierarchy the init belongs to. */
  _cleanup_close_ int tmp =
      sk_fs_new("tmpfs", "cgroup", "mode=755", NULL,
                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
  if (tmp < 0 || sk_move_mount_fd(tmp, target, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: tmpfs on %s", i, m->destination);
  char *save = NULL;
  for (char *line = strtok_r(self, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2)
      continue;
    *c1 = *c2 = '\0';
    const char *ctrls = c1 + 1, *path = c2 + 1;
    int r;
    if (!*ctrls) {
      _cleanup_free_ char *host = xasprintf("/sys/fs/cgroup/unified%s", path);
      r = cgroup_one(tmp, "unified", "cgroup2", NULL, host, own_ns, attrs, err);
    } else {
      const char *dir = strncmp(ctrls, "name=", 5) == 0 ? ctrls + 5 : ctrls;
      _cleanup_free_ char *data =
          strncmp(ctrls, "name=", 5) == 0 ? xasprintf("none,%s", ctrls) : xstrdup(ctrls);
      _cleanup_free_ char *host = xasprintf("/sys/fs/cgroup/%s%s", dir, path);
      r = cgroup_one(tmp, dir, "cgroup", data, host, own_ns, attrs, err);
      /* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host */
      if (r == 0 && strchr(dir, ',')) {
        _cleanup_free_ char *copy = xstrdup(dir);
        char *s2 = NULL;
        for (char *c = strtok_r(copy, ",", &s2); c; c = strtok_r(NULL, ",", &s2))
          symlinkat(dir, tmp, c);
      }
    }
    if (r < 0)
      return sk_err_prefix(err, "mounts[%zu]: cgroup hierarchy %s", i, *ctrls ? ctrls : "unified");
  }
  if (ro && sk_mount_setattr(tmp, false, MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
    return sk_err_prefix(err, "mounts[%zu]: make %s read-only", i, m->destination);
  return 0;
}
