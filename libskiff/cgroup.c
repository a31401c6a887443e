/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup front end: host mode detection, the container's path in every hierarchy, creation
 * and removal, placement, signals, freezing.  Resource files are written by the v1 and v2
 * backends (cgroup_v1.c, cgroup_v2.c); the lifecycle code only sees cgroup.h.
 *
 * Hosts: v1 (controllers mounted under /sys/fs/cgroup/<name>), hybrid (the same plus a cgroup2
 * mount at /sys/fs/cgroup/unified, which may hold controllers, e.g. hugetlb), and pure v2.
 * Hierarchies are found with one readdir and a statfs per entry: no mountinfo parsing. */
#include "config.h"
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include "cgroup_internal.h"
#include "log.h"
#include "utils.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

int sk_cgroup_mode_detect(enum sk_cgroup_mode *out, sk_err_t *err)
{
  struct statfs s;
  if (statfs(SK_CGROUP_ROOT, &s) < 0)
    return sk_failno(err, "statfs %s", SK_CGROUP_ROOT);
  if (s.f_type == CGROUP2_SUPER_MAGIC) {
    *out = SK_CGROUP_MODE_V2;
    return 0;
  }
  if (statfs(SK_CGROUP_ROOT "/unified", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
    *out = SK_CGROUP_MODE_HYBRID;
  else
    *out = SK_CGROUP_MODE_V1;
  return 0;
}

static void add_hier(struct sk_cgroup *cg, const char *name, bool v2)
{
  if (cg->n >= SK_CGROUP_MAX_HIER)
    return;
  struct sk_cg_hier *h = &cg->h[cg->n];
  memset(h, 0, sizeof *h);
  h->name = xstrdup(name);
  h->v2 = v2;
  h->dirfd = -1;
  if (v2)
    cg->v2 = cg->n;
  cg->n++;
}

/* Every mounted hierarchy of the host. */
static int discover(struct sk_cgroup *cg, sk_err_t *err)
{
  cg->v2 = -1;
  if (sk_cgroup_mode_detect(&cg->mode, err) < 0)
    return -1;
  if (cg->mode == SK_CGROUP_MODE_V2) {
    add_hier(cg, "", true);
    return 0;
  }
  _cleanup_closedir_ DIR *d = opendir(SK_CGROUP_ROOT);
  if (!d)
    return sk_failno(err, "open %s", SK_CGROUP_ROOT);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || e->d_type != DT_DIR)
      continue; /* "cpu" -> "cpu,cpuacct" links name the same hierarchy */
    char p[512];
    snprintf(p, sizeof p, SK_CGROUP_ROOT "/%s", e->d_name);
    struct statfs s;
    if (statfs(p, &s) < 0)
      continue;
    if (s.f_type == CGROUP_SUPER_MAGIC)
      add_hier(cg, e->d_name, false);
    else if (s.f_type == CGROUP2_SUPER_MAGIC)
      add_hier(cg, e->d_name, true);
  }
  if (!cg->n)
    return sk_failx(err, "no cgroup hierarchy is mounted under %s", SK_CGROUP_ROOT);
  return 0;
}

static char *hier_dir(const struct sk_cg_hier *h)
{
  return h->name[0] ? xasprintf(SK_CGROUP_ROOT "/%s%s", h->name, h->path)
                    : xasprintf(SK_CGROUP_ROOT "%s", h->path);
}

struct sk_cg_hier *sk_cg_v1(struct sk_cgroup *cg, const char *controller)
{
  size_t cl = strlen(controller);
  for (int i = 0; i < cg->n; i++) {
    if (cg->h[i].v2)
      continue;
    const char *s = cg->h[i].name;
    /* "cpu,cpuacct" holds cpu and cpuacct */
    while (*s) {
      const char *end = strchrnul(s, ',');
      if ((size_t)(end - s) == cl && !strncmp(s, controller, cl))
        return &cg->h[i];
      s = *end ? end + 1 : end;
    }
  }
  return NULL;
}

bool sk_cg_v2_has(struct sk_cgroup *cg, const char *controller)
{
  if (cg->v2 < 0)
    return false;
  struct sk_cg_hier *h = &cg->h[cg->v2];
  if (h->dirfd < 0)
    return false;
  _cleanup_free_ char *c = NULL;
  if (sk_cg_read(h, "cgroup.controllers", &c) < 0)
    return false;
  size_t cl = strlen(controller);
  for (char *s = c; (s = strstr(s, controller)); s += cl)
    if ((s == c || s[-1] == ' ') && (s[cl] == ' ' || s[cl] == '\n' || !s[cl]))
      return true;
  return false;
}

int sk_cg_write(struct sk_cg_hier *h, const char *file, const char *value, const char *resource,
                sk_err_t *err)
{
  int fd = openat(h->dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT)
      return sk_fail(err, errno, "%s: this host has no %s in the %s cgroup hierarchy", resource,
                     file, h->name[0] ? h->name : "v2");
    return sk_failno(err, "%s: open %s", resource, file);
  }
  ssize_t n = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  if (n < 0)
    return sk_fail(err, e, "%s: write \"%s\" to %s%s", resource, value, file,
                   h->name[0] ? "" : " (cgroup v2)");
  return 0;
}

int sk_cg_writef(struct sk_cg_hier *h, const char *file, const char *resource, sk_err_t *err,
                 const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return sk_cg_write(h, file, buf, resource, err);
}

int sk_cg_read(struct sk_cg_hier *h, const char *file, char **out)
{
  size_t len;
  return sk_read_file_at(h->dirfd, file, out, &len, NULL);
}

int sk_cg_write_cpuset(struct sk_cg_hier *h, const struct sk_cpu *c, sk_err_t *err)
{
  if (c->cpus && *c->cpus &&
      sk_cg_write(h, "cpuset.cpus", c->cpus, "linux.resources.cpu.cpus", err) < 0)
    return -1;
  if (c->mems && *c->mems &&
      sk_cg_write(h, "cpuset.mems", c->mems, "linux.resources.cpu.mems", err) < 0)
    return -1;
  return 0;
}

int sk_cg_write_rdma(struct sk_cg_hier *h, const struct sk_resources *r, sk_err_t *err)
{
  for (size_t i = 0; i < r->rdma_len; i++) {
    const struct sk_rdma *d = &r->rdma[i];
    char hh[32] = "max", ho[32] = "max";
    if (d->hca_handles.set)
      snprintf(hh, sizeof hh, "%" PRIu64, d->hca_handles.v);
    if (d->hca_objects.set)
      snprintf(ho, sizeof ho, "%" PRIu64, d->hca_objects.v);
    if (sk_cg_writef(h, "rdma.max", "linux.resources.rdma", err, "%s hca_handle=%s hca_object=%s",
                     d->device, hh, ho) < 0)
      return -1;
  }
  return 0;
}

int sk_cg_write_hugetlb(struct sk_cg_hier *h, const struct sk_resources *r, const char *suffix,
                        sk_err_t *err)
{
  for (size_t i = 0; i < r->hugepage_limits_len; i++) {
    char file[64];
    snprintf(file, sizeof file, "hugetlb.%s.%s", r->hugepage_limits[i].page_size, suffix);
    if (sk_cg_writef(h, file, "linux.resources.hugepageLimits", err, "%" PRIu64,
                     r->hugepage_limits[i].limit) < 0)
      return -1;
  }
  return 0;
}

/* Our own cgroup in a hierarchy, from /proc/self/cgroup (for relative cgroupsPath). */
static char *own_path(const char *self, const struct sk_cg_hier *h)
{
  char *save = NULL;
  _cleanup_free_ char *copy = xstrdup(self);
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2)
      continue;
    *c2 = '\0';
    const char *ctrls = c1 + 1;
    bool match;
    if (h->v2)
      match = !*ctrls;
    else if (!strncmp(ctrls, "name=", 5))
      match = !strcmp(ctrls + 5, h->name);
    else
      match = !strcmp(ctrls, h->name);
    if (match)
      return xstrdup(strcmp(c2 + 1, "/") ? c2 + 1 : "");
  }
  return xstrdup("");
}

/* A ".." component anywhere in p? */
static bool has_dotdot(const char *p)
{
  for (const char *s = p; (s = strstr(s, "..")); s += 2)
    if ((s == p || s[-1] == '/') && (s[2] == '/' || !s[2]))
      return true;
  return false;
}

static int resolve_paths(struct sk_cgroup *cg, const struct sk_cgroup_config *cfg, sk_err_t *err)
{
  const char *p = cfg->cgroups_path;
  _cleanup_free_ char *def = NULL;
  if (!p || !*p)
    p = def = xasprintf("/%s", cfg->id);
  if (strchr(p, ':'))
    return sk_failx(err,
                    "config.json: linux.cgroupsPath: \"%s\" is a systemd path (slice:prefix:name)"
                    "; the cgroupfs manager needs a path such as /machine/%s",
                    p, cfg->id);
  /* No ".." anywhere: the path must stay below the hierarchy's root (or our own cgroup). */
  if (has_dotdot(p))
    return sk_failx(err, "config.json: linux.cgroupsPath: \"%s\" must not contain \"..\"", p);
  /* '|' separates the hierarchies in the string sk_cgroup_save keeps in state.json: a path
   * holding "|@unified=/system.slice" would make a later kill/delete act on a host cgroup.
   * Control characters have no business in a directory name either. */
  for (const char *s = p; *s; s++)
    if (*s == '|' || (unsigned char)*s < 0x20 || *s == 0x7f)
      return sk_failx(err,
                      "config.json: linux.cgroupsPath: \"%s\" must not contain '|' or control "
                      "characters",
                      p);
  _cleanup_free_ char *self = NULL;
  if (p[0] != '/') {
    size_t len;
    if (sk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &self, &len, err) < 0)
      return -1;
  }
  for (int i = 0; i < cg->n; i++) {
    _cleanup_free_ char *base = p[0] == '/' ? xstrdup("") : own_path(self, &cg->h[i]);
    char *full = xasprintf("%s%s%s", base, p[0] == '/' ? "" : "/", p);
    /* squeeze "//" and a trailing "/" */
    char *w = full;
    for (char *r = full; *r; r++)
      if (!(r[0] == '/' && (r[1] == '/' || !r[1])) || w == full)
        *w++ = *r;
    *w = '\0';
    if (!strcmp(full, "/") || !*full) {
      free(full);
      return sk_failx(err, "config.json: linux.cgroupsPath: \"%s\" is a hierarchy's root", p);
    }
    /* Our own cgroup reads "/../.." when we run outside our cgroup namespace's root: a relative
     * path below it would leave the hierarchy. */
    if (has_dotdot(full) || full[0] != '/') {
      sk_failx(err,
               "config.json: linux.cgroupsPath: \"%s\" resolves to \"%s\", outside the %s "
               "hierarchy",
               p, full, cg->h[i].name[0] ? cg->h[i].name : "v2");
      free(full);
      return -1;
    }
    cg->h[i].path = full;
  }
  return 0;
}

/* v1 cpuset: a new cgroup starts with no cpus and no mems; take the parent's. */
static void cpuset_inherit(char *dir)
{
  char *slash = strrchr(dir, '/');
  *slash = '\0';
  _cleanup_free_ char *cpus = NULL, *mems = NULL;
  size_t l;
  _cleanup_close_ int pfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  *slash = '/';
  _cleanup_close_ int cfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (pfd >= 0 && cfd >= 0 && sk_read_file_at(pfd, "cpuset.cpus", &cpus, &l, NULL) == 0 &&
      sk_read_file_at(pfd, "cpuset.mems", &mems, &l, NULL) == 0) {
    sk_write_string_at(cfd, "cpuset.cpus", cpus, NULL);
    sk_write_string_at(cfd, "cpuset.mems", mems, NULL);
  }
}

/* mkdir -p of the container's cgroup, counting the levels we made (destroy removes them).  On
 * failure the levels made here are removed again and h->created stays 0. */
static int make_dir(struct sk_cg_hier *h, sk_err_t *err)
{
  _cleanup_free_ char *dir = hier_dir(h);
  size_t base = strlen(dir) - strlen(h->path);
  int made = 0;
  for (char *s = dir + base + 1;; s++) {
    if (*s != '/' && *s)
      continue;
    char c = *s;
    *s = '\0';
    if (mkdir(dir, 0755) == 0) {
      made++;
      if (!h->v2 && strstr(h->name, "cpuset"))
        cpuset_inherit(dir);
    } else if (errno != EEXIST) {
      sk_failno(err, "create the cgroup %s", dir);
      goto undo; /* dir is the level that failed; the `made` above it are ours */
    }
    /* A leaf that existed before us is reused, as runc and crun do, but it is not ours to
     * remove when create fails (created stays 0). */
    if (!c)
      break;
    *s = c;
  }
  h->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (h->dirfd < 0) {
    sk_failno(err, "open the cgroup %s", dir);
    if (made && rmdir(dir) == 0)
      made--;
    goto undo;
  }
  h->created = made;
  return 0;
undo:
  /* Once one level is new, every deeper one is too: ours are the `made` levels just above. */
  for (; made > 0; made--) {
    char *slash = strrchr(dir, '/');
    if (!slash || slash < dir + base)
      break;
    *slash = '\0';
    if (rmdir(dir) < 0)
      break;
  }
  return -1;
}

static void v2_enable_in(const char *dir)
{
  _cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *avail = NULL;
  size_t l;
  if (fd < 0 || sk_read_file_at(fd, "cgroup.controllers", &avail, &l, NULL) < 0)
    return;
  char buf[512] = "";
  size_t off = 0;
  char *save = NULL;
  for (char *t = strtok_r(avail, " \n", &save); t && off < sizeof buf;
       t = strtok_r(NULL, " \n", &save))
    off += (size_t)snprintf(buf + off, sizeof buf - off, "%s+%s", off ? " " : "", t);
  if (!off)
    return;
  /* One write for all; if the kernel refuses one (e.g. cpu while realtime tasks exist), enable
   * them one by one and let the resource writes name what is missing. */
  if (sk_write_string_at(fd, "cgroup.subtree_control", buf, NULL) < 0) {
    char *s2 = NULL;
    for (char *t = strtok_r(buf, " ", &s2); t; t = strtok_r(NULL, " ", &s2))
      sk_write_string_at(fd, "cgroup.subtree_control", t, NULL);
  }
}

/* v2: the controllers must be enabled in the subtree_control of every ancestor of the leaf. */
static void v2_enable_controllers(struct sk_cg_hier *h)
{
  _cleanup_free_ char *dir =
      h->name[0] ? xasprintf(SK_CGROUP_ROOT "/%s", h->name) : xstrdup(SK_CGROUP_ROOT);
  const char *p = h->path;
  for (;;) {
    v2_enable_in(dir);
    while (*p == '/')
      p++;
    const char *end = strchr(p, '/');
    if (!end)
      break; /* the next component is the leaf */
    char *next = xasprintf("%s/%.*s", dir, (int)(end - p), p);
    free(dir);
    dir = next;
    p = end;
  }
}

static void rm_created(struct sk_cg_hier *h);
static struct sk_cg_hier *freezer(struct sk_cgroup *cg);
static int apply(struct sk_cgroup *cg, const struct sk_resources *r, bool update, sk_err_t *err);

int sk_cgroup_create(const struct sk_cgroup_config *cfg, struct sk_cgroup **out, sk_err_t *err)
{
  *out = NULL;
  if (cfg->manager == SK_CGROUP_MANAGER_DISABLED)
    return 0;
  struct sk_cgroup *cg = xzalloc(sizeof *cg);
  if (discover(cg, err) < 0 || resolve_paths(cg, cfg, err) < 0)
    goto fail;
  for (int i = 0; i < cg->n; i++) {
    if (cg->h[i].v2)
      v2_enable_controllers(&cg->h[i]);
    /* cfg->join_existing: an existing leaf is always reused (see make_dir) */
    if (make_dir(&cg->h[i], err) < 0)
      goto fail;
  }
  static const struct sk_resources none;
  cg->devices = cfg->devices;
  cg->devices_len = cfg->devices_len;
  int r = apply(cg, cfg->resources ? cfg->resources : &none, false, err);
  cg->devices = NULL;
  cg->devices_len = 0;
  if (r < 0)
    goto fail;
  *out = cg;
  return 0;
fail:
  for (int i = 0; i < cg->n; i++)
    if (cg->h[i].created)
      rm_created(&cg->h[i]);
  sk_cgroup_free(cg);
  return -1;
}

/* update: only what r sets.  create: also the device rules when r has none (deny all but the
 * devices every container needs), as runc does. */
static int apply(struct sk_cgroup *cg, const struct sk_resources *r, bool update, sk_err_t *err)
{
  if (cg->mode != SK_CGROUP_MODE_V2 && sk_cg_v1_apply(cg, r, update, err) < 0)
    return -1;
  if (cg->v2 >= 0 && sk_cg_v2_apply(cg, r, update, err) < 0)
    return -1;
  return 0;
}

int sk_cgroup_update(struct sk_cgroup *cg, const struct sk_resources *r, sk_err_t *err)
{
  if (!cg || !r)
    return 0;
  return apply(cg, r, true, err);
}

int sk_cgroup_clone_fd(struct sk_cgroup *cg)
{
  /* Only when one write places the child everywhere: pure v2. */
  if (!cg || cg->mode != SK_CGROUP_MODE_V2 || cg->v2 < 0)
    return -1;
  return cg->h[cg->v2].dirfd;
}

int sk_cgroup_enter(struct sk_cgroup *cg, pid_t pid, sk_err_t *err)
{
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  for (int i = 0; i < cg->n; i++) {
    struct sk_cg_hier *h = &cg->h[i];
    if (sk_write_string_at(h->dirfd, "cgroup.procs", buf, err) < 0)
      return sk_err_prefix(err, "join the cgroup %s%s%s", h->name, h->name[0] ? ":" : "", h->path);
  }
  return 0;
}

/* "v1|memory=/a/b|cpu,cpuacct=/a/b|..." : enough to find every directory again. */
char *sk_cgroup_save(const struct sk_cgroup *cg)
{
  size_t cap = 64;
  for (int i = 0; i < cg->n; i++)
    cap += strlen(cg->h[i].name) + strlen(cg->h[i].path) + 8;
  char *s = xmalloc(cap);
  size_t off = (size_t)snprintf(s, cap, "%s",
                                cg->mode == SK_CGROUP_MODE_V2       ? "v2"
                                : cg->mode == SK_CGROUP_MODE_HYBRID ? "hybrid"
                                                                    : "v1");
  for (int i = 0; i < cg->n; i++)
    off += (size_t)snprintf(s + off, cap - off, "|%s%s=%s", cg->h[i].v2 ? "@" : "", cg->h[i].name,
                            cg->h[i].path);
  /* how many levels of the path we made, so that delete removes them all (and no more); a
   * cgroupfs path holds no ':' (resolve_paths refuses it) */
  int created = cg->n ? cg->h[0].created : 0;
  for (int i = 1; i < cg->n; i++)
    if (cg->h[i].created < created)
      created = cg->h[i].created;
  if (created > 1)
    snprintf(s + off, cap - off, ":%d", created);
  return s;
}

int sk_cgroup_load(const char *saved, struct sk_cgroup **out, sk_err_t *err)
{
  struct sk_cgroup *cg = xzalloc(sizeof *cg);
  cg->v2 = -1;
  _cleanup_free_ char *copy = xstrdup(saved);
  char *save = NULL;
  int created = 0;
  char *colon = strrchr(copy, ':');
  if (colon) {
    created = atoi(colon + 1);
    *colon = '\0';
  }
  char *tok = strtok_r(copy, "|", &save);
  if (!tok)
    goto bad;
  cg->mode = !strcmp(tok, "v2")       ? SK_CGROUP_MODE_V2
             : !strcmp(tok, "hybrid") ? SK_CGROUP_MODE_HYBRID
                                      : SK_CGROUP_MODE_V1;
  while ((tok = strtok_r(NULL, "|", &save))) {
    bool v2 = tok[0] == '@';
    char *eq = strchr(tok, '=');
    if (!eq)
      goto bad;
    *eq = '\0';
    const char *name = tok + (v2 ? 1 : 0);
    /* state.json is ours, but never let it point outside /sys/fs/cgroup */
    if (strchr(name, '/') || has_dotdot(name) || eq[1] != '/' || has_dotdot(eq + 1) ||
        cg->n >= SK_CGROUP_MAX_HIER)
      goto bad;
    add_hier(cg, name, v2);
    struct sk_cg_hier *h = &cg->h[cg->n - 1];
    h->path = xstrdup(eq + 1);
    h->created = created;
    _cleanup_free_ char *dir = hier_dir(h);
    h->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* a hierarchy whose directory is gone (removed meanwhile) is skipped by every user */
  }
  *out = cg;
  return 0;
bad:
  sk_cgroup_free(cg);
  return sk_failx(err, "state.json: cgroup \"%s\" is not understood", saved);
}

const char *sk_cgroup_path(const struct sk_cgroup *cg)
{
  return cg->n ? cg->h[0].path : "";
}

/* The hierarchy whose cgroup.procs lists every process of the container: v2, else pids, else
 * freezer, else the first. */
static struct sk_cg_hier *procs_hier(struct sk_cgroup *cg)
{
  if (cg->v2 >= 0 && cg->mode == SK_CGROUP_MODE_V2)
    return &cg->h[cg->v2];
  struct sk_cg_hier *h = sk_cg_v1(cg, "pids");
  if (!h || h->dirfd < 0)
    h = sk_cg_v1(cg, "freezer");
  if (!h || h->dirfd < 0)
    h = sk_cg_v1(cg, "memory");
  for (int i = 0; (!h || h->dirfd < 0) && i < cg->n; i++)
    h = &cg->h[i];
  return h && h->dirfd >= 0 ? h : NULL;
}

static int collect_pids(int dirfd, pid_t **pids, size_t *n, size_t *cap, int depth)
{
  _cleanup_free_ char *data = NULL;
  size_t len;
  if (sk_read_file_at(dirfd, "cgroup.procs", &data, &len, NULL) == 0) {
    char *save = NULL;
    for (char *t = strtok_r(data, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
      if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *pids = xrealloc(*pids, *cap * sizeof **pids);
      }
      (*pids)[(*n)++] = (pid_t)atoi(t);
    }
  }
  if (depth > 32)
    return 0;
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return 0;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_type == DT_DIR && e->d_name[0] != '.') {
      _cleanup_close_ int sub = openat(dirfd, e->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (sub >= 0)
        collect_pids(sub, pids, n, cap, depth + 1);
    }
  return 0;
}

int sk_cgroup_pids(struct sk_cgroup *cg, pid_t **pids, size_t *n, sk_err_t *err)
{
  *pids = NULL;
  *n = 0;
  struct sk_cg_hier *h = procs_hier(cg);
  if (!h)
    return sk_failx(err, "the container's cgroup is gone");
  size_t cap = 0;
  return collect_pids(h->dirfd, pids, n, &cap, 0);
}

int sk_cgroup_kill(struct sk_cgroup *cg, int sig, sk_err_t *err)
{
  /* v2 cgroup.kill: one write, no race with forking processes. */
  if (sig == SIGKILL && cg->v2 >= 0 && cg->mode == SK_CGROUP_MODE_V2 && cg->h[cg->v2].dirfd >= 0 &&
      sk_write_string_at(cg->h[cg->v2].dirfd, "cgroup.kill", "1", NULL) == 0)
    return 0;
  /* Otherwise freeze, signal everything, thaw: nothing forks in between. */
  bool froze = sig == SIGKILL && sk_cgroup_freeze(cg, true, NULL) == 0;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int ret = sk_cgroup_pids(cg, &pids, &n, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH) {
      ret = sk_failno(err, "signal %d to pid %d", sig, (int)pids[i]);
    }
  if (froze)
    sk_cgroup_freeze(cg, false, NULL);
  return ret;
}

static void rm_tree_at(int parentfd, const char *name, int depth)
{
  int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    DIR *d = fdopendir(fd);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)))
        if (e->d_type == DT_DIR && e->d_name[0] != '.' && depth < 32)
          rm_tree_at(fd, e->d_name, depth + 1);
      closedir(d);
    } else {
      close(fd);
    }
  }
  /* Dying tasks keep a cgroup busy for a moment after SIGKILL. */
  for (int i = 0; i < 200; i++) {
    if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
      return;
    if (errno != EBUSY)
      return;
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static void rm_created(struct sk_cg_hier *h)
{
  if (!h->path)
    return;
  _cleanup_free_ char *dir = hier_dir(h);
  /* Never climb above the hierarchy's root, whatever count state.json holds. */
  size_t base = strlen(dir) - strlen(h->path);
  for (int lvl = 0; lvl < (h->created ? h->created : 1); lvl++) {
    char *slash = strrchr(dir, '/');
    if (!slash || slash < dir + base)
      return;
    *slash = '\0';
    _cleanup_close_ int parent = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0)
      return;
    /* the leaf with its children; the parents we made only while empty: a sibling
     * container may have been created in them meanwhile */
    if (lvl == 0)
      rm_tree_at(parent, slash + 1, 0);
    else if (unlinkat(parent, slash + 1, AT_REMOVEDIR) < 0)
      return;
  }
}

int sk_cgroup_destroy(struct sk_cgroup *cg, sk_err_t *err)
{
  int ret = 0;
  /* Processes the init left behind (no pid namespace, or it was shared) keep the cgroup busy:
   * a deleted container has none, as with runc. */
  _cleanup_free_ pid_t *left = NULL;
  size_t nleft = 0;
  if (procs_hier(cg) && sk_cgroup_pids(cg, &left, &nleft, NULL) == 0 && nleft) {
    sk_cgroup_kill(cg, SIGKILL, NULL);
    if (sk_cgroup_is_frozen(cg))
      sk_cgroup_freeze(cg, false, NULL); /* frozen tasks cannot die */
  }
  for (int i = 0; i < cg->n; i++) {
    struct sk_cg_hier *h = &cg->h[i];
    if (!h->path)
      continue;
    /* Only the leaf on load (we do not know what we created then); what we created on a failed
     * create. */
    rm_created(h);
    _cleanup_free_ char *dir = hier_dir(h);
    if (access(dir, F_OK) == 0 && ret == 0)
      ret = sk_fail(err, EBUSY, "remove the cgroup %s: still in use", dir);
  }
  return ret;
}

static struct sk_cg_hier *freezer(struct sk_cgroup *cg)
{
  if (cg->mode == SK_CGROUP_MODE_V2)
    return cg->v2 >= 0 ? &cg->h[cg->v2] : NULL;
  return sk_cg_v1(cg, "freezer");
}

int sk_cgroup_freeze(struct sk_cgroup *cg, bool freeze, sk_err_t *err)
{
  struct sk_cg_hier *h = freezer(cg);
  if (!h || h->dirfd < 0)
    return sk_failx(err, "this host has no cgroup freezer");
  bool v2 = cg->mode == SK_CGROUP_MODE_V2;
  const char *file = v2 ? "cgroup.freeze" : "freezer.state";
  const char *val = v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
  if (sk_cg_write(h, file, val, freeze ? "pause" : "resume", err) < 0)
    return -1;
  /* Wait until the kernel says it is done: FREEZING turns FROZEN, cgroup.events frozen 1. */
  for (int i = 0; i < 2000; i++) {
    _cleanup_free_ char *s = NULL;
    const char *want;
    if (v2) {
      if (sk_cg_read(h, "cgroup.events", &s) < 0)
        break;
      want = freeze ? "frozen 1" : "frozen 0";
    } else {
      if (sk_cg_read(h, "freezer.state", &s) < 0)
        break;
      want = freeze ? "FROZEN" : "THAWED";
    }
    if (strstr(s, want))
      return 0;
    if (!v2 && freeze && i % 50 == 49)
      sk_cg_write(h, file, val, "pause", NULL); /* v1 can stall in FREEZING: ask again */
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return sk_failx(err, "%s: the cgroup did not become %s", freeze ? "pause" : "resume",
                  freeze ? "frozen" : "thawed");
}

bool sk_cgroup_is_frozen(struct sk_cgroup *cg)
{
  struct sk_cg_hier *h = freezer(cg);
  if (!h || h->dirfd < 0)
    return false;
  _cleanup_free_ char *s = NULL;
  if (cg->mode == SK_CGROUP_MODE_V2)
    return sk_cg_read(h, "cgroup.events", &s) == 0 && strstr(s, "frozen 1");
  return sk_cg_read(h, "freezer.state", &s) == 0 && strncmp(s, "THAWED", 6) != 0;
}

void sk_cgroup_free(struct sk_cgroup *cg)
{
  if (!cg)
    return;
  for (int i = 0; i < cg->n; i++) {
    free(cg->h[i].name);
    free(cg->h[i].path);
    if (cg->h[i].dirfd >= 0)
      close(cg->h[i].dirfd);
  }
  free(cg);
}

struct sk_device_rule *sk_cg_device_rules(const struct sk_cgroup *cg, const struct sk_resources *r,
                                          size_t *n)
{
  static const struct sk_device_rule defaults[] = {
      {true, 'c', -1, -1, "m"},    {true, 'b', -1, -1, "m"}, {true, 'c', 1, 3, "rwm"},
      {true, 'c', 1, 8, "rwm"},    {true, 'c', 1, 7, "rwm"}, {true, 'c', 5, 0, "rwm"},
      {true, 'c', 1, 5, "rwm"},    {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 1, "rwm"},
      {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
  };
  /* deny everything first (v1: devices.deny "a"), so that only what the rules allow is */
  static const struct sk_device_rule deny_all = {false, 'a', -1, -1, "rwm"};
  size_t total = 1 + r->devices_len + ARRAY_SIZE(defaults) + cg->devices_len;
  struct sk_device_rule *out = xmalloc(total * sizeof *out);
  out[0] = deny_all;
  if (r->devices_len)
    memcpy(out + 1, r->devices, r->devices_len * sizeof *out);
  memcpy(out + 1 + r->devices_len, defaults, sizeof defaults);
  size_t k = 1 + r->devices_len + ARRAY_SIZE(defaults);
  for (size_t i = 0; i < cg->devices_len; i++) {
    const struct sk_device *d = &cg->devices[i];
    if (d->type != 'c' && d->type != 'b' && d->type != 'u')
      continue; /* fifos need no device access */
    out[k++] = (struct sk_device_rule){true, d->type == 'b' ? 'b' : 'c', d->major, d->minor, "rwm"};
  }
  total = k;
  *n = total;
  return out;
}
