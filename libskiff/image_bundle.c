/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json from the image config.  The user is resolved through the image's own /etc/passwd
 * and /etc/group, read through openat2(RESOLVE_IN_ROOT) under the mounted rootfs so that a
 * symlinked /etc/passwd in the image can not make us read a host file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "image_mount.h"
#include "utils.h"

#define MAX_DB (4 << 20)

static char *read_in_root(int rootfd, const char *path)
{
  /* O_PATH first: the image may make /etc/passwd a FIFO (open would block) or a device node (the
   * rootfs overlay is not nodev: opening a watchdog or tape device has effects).  Only a regular
   * file is then opened for reading, through its O_PATH fd (same inode, no second lookup). */
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  _cleanup_close_ int pfd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
  struct stat st;
  if (pfd < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_DB)
    return NULL;
  char proc[64];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
  _cleanup_close_ int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return NULL;
  char *buf = NULL;
  size_t len;
  sk_err_t e = NULL;
  if (sk_read_fd(fd, &buf, &len, &e) < 0) {
    sk_err_free(&e);
    return NULL;
  }
  return buf;
}

/* Split a passwd/group line into at most n fields (in place). */
static int fields(char *line, char **f, int n)
{
  int k = 0;
  f[k++] = line;
  for (char *p = line; *p && k < n; p++)
    if (*p == ':') {
      *p = '\0';
      f[k++] = p + 1;
    }
  return k;
}

static bool numeric(const char *s, uint64_t *v)
{
  return *s && sk_parse_u64(s, v) == 0 && *v <= 0xfffffffeu;
}

struct user {
  uint32_t uid, gid;
  uint32_t *gids;
  size_t n_gids;
  char *home;
};

static int resolve_user(int rootfd, const char *spec, struct user *u, sk_err_t *err)
{
  memset(u, 0, sizeof(*u));
  if (spec == NULL || *spec == '\0')
    spec = "0";
  _cleanup_free_ char *copy = xstrdup(spec);
  char *grp = strchr(copy, ':');
  if (grp)
    *grp++ = '\0';
  _cleanup_free_ char *passwd = read_in_root(rootfd, "/etc/passwd");
  _cleanup_free_ char *group = read_in_root(rootfd, "/etc/group");
  _cleanup_free_ char *username = NULL;
  uint64_t v;
  bool found = false, uid_numeric = numeric(copy, &v);
  if (uid_numeric)
    u->uid = v;
  for (char *sv = NULL, *line = passwd ? strtok_r(passwd, "\n", &sv) : NULL; line;
       line = strtok_r(NULL, "\n", &sv)) {
    char *f[7];
    if (fields(line, f, 7) < 7)
      continue;
    uint64_t puid, pgid;
    if (!numeric(f[2], &puid) || !numeric(f[3], &pgid))
      continue;
    if (uid_numeric ? puid == u->uid : strcmp(f[0], copy) == 0) {
      u->uid = puid;
      u->gid = pgid;
      username = xstrdup(f[0]);
      u->home = xstrdup(f[5]);
      found = true;
      break;
    }
  }
  if (!found && !uid_numeric)
    return sk_failx(err, "user \"%s\": not found in the image's /etc/passwd", copy);
  if (grp) {
    if (numeric(grp, &v))
      u->gid = v;
    else {
      bool gfound = false;
      _cleanup_free_ char *g2 = group ? xstrdup(group) : NULL;
      for (char *sv = NULL, *line = g2 ? strtok_r(g2, "\n", &sv) : NULL; line;
           line = strtok_r(NULL, "\n", &sv)) {
        char *f[4];
        uint64_t gg;
        if (fields(line, f, 4) >= 3 && strcmp(f[0], grp) == 0 && numeric(f[2], &gg)) {
          u->gid = gg;
          gfound = true;
          break;
        }
      }
      if (!gfound) {
        free(u->home);
        u->home = NULL;
        return sk_failx(err, "group \"%s\": not found in the image's /etc/group", grp);
      }
    }
  } else if (username && group) {
    /* Supplementary groups: every group listing the user as a member. */
    for (char *sv = NULL, *line = strtok_r(group, "\n", &sv); line;
         line = strtok_r(NULL, "\n", &sv)) {
      char *f[4];
      uint64_t gg;
      if (fields(line, f, 4) < 4 || !numeric(f[2], &gg))
        continue;
      for (char *sv2 = NULL, *m = strtok_r(f[3], ",", &sv2); m; m = strtok_r(NULL, ",", &sv2))
        if (strcmp(m, username) == 0 && gg != u->gid) {
          u->gids = xrealloc(u->gids, (u->n_gids + 1) * sizeof(*u->gids));
          u->gids[u->n_gids++] = gg;
        }
    }
  }
  return 0;
}

static void S(yajl_gen g, const char *s)
{
  if (s == NULL)
    s = "";
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_strs(yajl_gen g, const char *const *v)
{
  yajl_gen_array_open(g);
  for (; *v; v++)
    S(g, *v);
  yajl_gen_array_close(g);
}

static void gen_mount(yajl_gen g, const char *dst, const char *type, const char *src,
                      const char *const *opts)
{
  yajl_gen_map_open(g);
  S(g, "destination");
  S(g, dst);
  S(g, "type");
  S(g, type);
  S(g, "source");
  S(g, src);
  if (opts) {
    S(g, "options");
    gen_strs(g, opts);
  }
  yajl_gen_map_close(g);
}

static yajl_val cfg_get(yajl_val cfg, const char *key, yajl_type t)
{
  const char *p[] = {"config", key, NULL};
  return yajl_tree_get(cfg, p, t);
}

static const char *const caps[] = {"CAP_CHOWN",
                                   "CAP_DAC_OVERRIDE",
                                   "CAP_FSETID",
                                   "CAP_FOWNER",
                                   "CAP_MKNOD",
                                   "CAP_NET_RAW",
                                   "CAP_SETGID",
                                   "CAP_SETUID",
                                   "CAP_SETFCAP",
                                   "CAP_SETPCAP",
                                   "CAP_NET_BIND_SERVICE",
                                   "CAP_SYS_CHROOT",
                                   "CAP_KILL",
                                   "CAP_AUDIT_WRITE",
                                   NULL};

int sk_image_bundle(struct sk_store *s, const struct sk_image *img, const char *dir,
                    const struct sk_bundle_opts *o, sk_err_t *err)
{
  if (sk_image_mount(s, img, dir, err) < 0)
    return -1;
  _cleanup_free_ char *rootpath = xasprintf("%s/rootfs", dir);
  _cleanup_close_ int rootfd = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return sk_failno(err, "open %s", rootpath);
  yajl_val cfg = img->config;
  yajl_val user = cfg_get(cfg, "User", yajl_t_string);
  struct user u;
  if (resolve_user(rootfd, user ? YAJL_GET_STRING(user) : NULL, &u, err) < 0)
    return sk_err_prefix(err, "image %s", img->manifest_digest);

  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_map_open(g);
  S(g, "ociVersion");
  S(g, "1.2.0");
  S(g, "process");
  yajl_gen_map_open(g);
  S(g, "terminal");
  yajl_gen_bool(g, o->terminal);
  S(g, "user");
  yajl_gen_map_open(g);
  S(g, "uid");
  yajl_gen_integer(g, u.uid);
  S(g, "gid");
  yajl_gen_integer(g, u.gid);
  if (u.n_gids) {
    S(g, "additionalGids");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < u.n_gids; i++)
      yajl_gen_integer(g, u.gids[i]);
    yajl_gen_array_close(g);
  }
  yajl_gen_map_close(g);
  S(g, "args");
  yajl_gen_array_open(g);
  size_t nargs = 0;
  if (o->args && o->args[0]) {
    for (char **a = o->args; *a; a++, nargs++)
      S(g, *a);
  } else {
    static const char *const keys[] = {"Entrypoint", "Cmd"};
    for (int k = 0; k < 2; k++) {
      yajl_val v = cfg_get(cfg, keys[k], yajl_t_array);
      for (size_t i = 0; v && i < YAJL_GET_ARRAY(v)->len; i++)
        if (YAJL_IS_STRING(YAJL_GET_ARRAY(v)->values[i])) {
          S(g, YAJL_GET_STRING(YAJL_GET_ARRAY(v)->values[i]));
          nargs++;
        }
    }
  }
  if (nargs == 0)
    S(g, "/bin/sh");
  yajl_gen_array_close(g);
  S(g, "env");
  yajl_gen_array_open(g);
  yajl_val env = cfg_get(cfg, "Env", yajl_t_array);
  bool has_path = false, has_home = false, has_term = false;
  for (size_t i = 0; env && i < YAJL_GET_ARRAY(env)->len; i++) {
    yajl_val e = YAJL_GET_ARRAY(env)->values[i];
    if (!YAJL_IS_STRING(e))
      continue;
    const char *str = YAJL_GET_STRING(e);
    has_path |= strncmp(str, "PATH=", 5) == 0;
    has_home |= strncmp(str, "HOME=", 5) == 0;
    has_term |= strncmp(str, "TERM=", 5) == 0;
    S(g, str);
  }
  if (!has_path)
    S(g, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!has_home) {
    _cleanup_free_ char *h = xasprintf("HOME=%s", u.home && *u.home ? u.home : "/");
    S(g, h);
  }
  if (o->terminal && !has_term)
    S(g, "TERM=xterm");
  yajl_gen_array_close(g);
  yajl_val wd = cfg_get(cfg, "WorkingDir", yajl_t_string);
  S(g, "cwd");
  S(g, wd && YAJL_GET_STRING(wd)[0] == '/' ? YAJL_GET_STRING(wd) : "/");
  S(g, "capabilities");
  yajl_gen_map_open(g);
  static const char *const sets[] = {"bounding", "effective", "permitted"};
  for (int i = 0; i < 3; i++) {
    S(g, sets[i]);
    gen_strs(g, caps);
  }
  yajl_gen_map_close(g);
  S(g, "rlimits");
  yajl_gen_array_open(g);
  yajl_gen_map_open(g);
  S(g, "type");
  S(g, "RLIMIT_NOFILE");
  S(g, "hard");
  yajl_gen_integer(g, 1024);
  S(g, "soft");
  yajl_gen_integer(g, 1024);
  yajl_gen_map_close(g);
  yajl_gen_array_close(g);
  S(g, "noNewPrivileges");
  yajl_gen_bool(g, false);
  yajl_gen_map_close(g); /* process */

  S(g, "root");
  yajl_gen_map_open(g);
  S(g, "path");
  S(g, "rootfs");
  S(g, "readonly");
  yajl_gen_bool(g, !o->rw);
  yajl_gen_map_close(g);
  S(g, "hostname");
  S(g, o->hostname ? o->hostname : "skiff");

  S(g, "mounts");
  yajl_gen_array_open(g);
  gen_mount(g, "/proc", "proc", "proc", NULL);
  gen_mount(g, "/dev", "tmpfs", "tmpfs",
            (const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
  gen_mount(g, "/dev/pts", "devpts", "devpts",
            (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                             "gid=5", NULL});
  gen_mount(g, "/dev/shm", "tmpfs", "shm",
            (const char *[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
  gen_mount(g, "/dev/mqueue", "mqueue", "mqueue",
            (const char *[]){"nosuid", "noexec", "nodev", NULL});
  gen_mount(g, "/sys", "sysfs", "sysfs", (const char *[]){"nosuid", "noexec", "nodev", "ro", NULL});
  gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup",
            (const char *[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
  if (!o->rw)
    gen_mount(g, "/tmp", "tmpfs", "tmpfs", (const char *[]){"nosuid", "nodev", "mode=1777", NULL});
  /* Volumes: bundle-local directories bind-mounted in. */
  const char *vp[] = {"config", "Volumes", NULL};
  yajl_val vols = yajl_tree_get(cfg, vp, yajl_t_object);
  for (size_t i = 0; vols && i < YAJL_GET_OBJECT(vols)->len; i++) {
    const char *dst = YAJL_GET_OBJECT(vols)->keys[i];
    if (dst[0] != '/' || strstr(dst, "..") || strcmp(dst, "/") == 0)
      continue;
    _cleanup_free_ char *src = xasprintf("%s/volumes/%zu", dir, i);
    _cleanup_free_ char *vd = xasprintf("%s/volumes", dir);
    if ((mkdir(vd, 0755) < 0 && errno != EEXIST) || (mkdir(src, 0755) < 0 && errno != EEXIST)) {
      yajl_gen_free(g);
      free(u.gids);
      free(u.home);
      return sk_failno(err, "create volume directory %s", src);
    }
    /* Best effort: the container user owns its volume where we may chown (not unprivileged). */
    (void)!chown(src, u.uid, u.gid);
    gen_mount(g, dst, "bind", src, (const char *[]){"rbind", "rw", NULL});
  }
  yajl_gen_array_close(g);

  S(g, "annotations");
  yajl_gen_map_open(g);
  const char *lp[] = {"config", "Labels", NULL};
  yajl_val labels = yajl_tree_get(cfg, lp, yajl_t_object);
  for (size_t i = 0; labels && i < YAJL_GET_OBJECT(labels)->len; i++) {
    yajl_val v = YAJL_GET_OBJECT(labels)->values[i];
    if (!YAJL_IS_STRING(v))
      continue;
    S(g, YAJL_GET_OBJECT(labels)->keys[i]);
    S(g, YAJL_GET_STRING(v));
  }
  yajl_val ss = cfg_get(cfg, "StopSignal", yajl_t_string);
  if (ss) {
    S(g, "org.opencontainers.image.stopSignal");
    S(g, YAJL_GET_STRING(ss));
  }
  yajl_gen_map_close(g);

  S(g, "linux");
  yajl_gen_map_open(g);
  S(g, "resources");
  yajl_gen_map_open(g);
  S(g, "devices");
  yajl_gen_array_open(g);
  yajl_gen_map_open(g);
  S(g, "allow");
  yajl_gen_bool(g, false);
  S(g, "access");
  S(g, "rwm");
  yajl_gen_map_close(g);
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  S(g, "namespaces");
  yajl_gen_array_open(g);
  static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
  for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
    yajl_gen_map_open(g);
    S(g, "type");
    S(g, ns[i]);
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  S(g, "maskedPaths");
  gen_strs(g, (const char *[]){"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                               "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                               "/proc/sched_debug", "/sys/firmware", "/proc/scsi", NULL});
  S(g, "readonlyPaths");
  gen_strs(g, (const char *[]){"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                               "/proc/sysrq-trigger", NULL});
  yajl_gen_map_close(g); /* linux */
  yajl_gen_map_close(g);
  free(u.gids);
  free(u.home);

  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r = dfd < 0 ? sk_failno(err, "open %s", dir)
                  : sk_atomic_write_at(dfd, "config.json", buf, len, 0644, err);
  yajl_gen_free(g);
  return r;
}
