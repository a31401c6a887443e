/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container state on disk: <root>/<id>/state.json, exec.fifo, config.json, and the per-ID lock.
 *
 * Locking: every command that touches one container holds flock(LOCK_EX) on the fd of its
 * <root>/<id> directory.  Removal happens under that lock, so a command that was waiting for it
 * wakes up holding a lock on a directory that no longer has a name: st_nlink is then 0 and it
 * reports "does not exist" instead of working on a ghost. */
#include "config.h"
#include "state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "cgroup.h"
#include "utils.h"

#define SK_OCI_VERSION "1.2.0"

/* ---- IDs ---- */

static bool id_char_ok(unsigned char c)
{
  return isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-');
}

/* The ID as it can safely appear inside an error message: bounded, printable. */
static char *id_for_message(const char *id)
{
  size_t len = strlen(id);
  size_t shown = len > 64 ? 64 : len;
  char *s = xmalloc(shown + 4);
  for (size_t i = 0; i < shown; i++) {
    unsigned char c = id[i];
    s[i] = (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
  }
  strcpy(s + shown, len > shown ? "..." : "");
  return s;
}

int sk_state_validate_id(const char *id, sk_err_t *err)
{
  if (id == NULL || *id == '\0')
    return sk_failx(err, "invalid container ID \"\": it is empty");
  size_t len = strnlen(id, SK_ID_MAX + 1);
  _cleanup_free_ char *shown = NULL;
  if (len > SK_ID_MAX) {
    shown = id_for_message(id);
    return sk_failx(err, "invalid container ID \"%s\": longer than %d bytes", shown, SK_ID_MAX);
  }
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return sk_failx(err, "invalid container ID \"%s\": not a name", id);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = id[i];
    if (id_char_ok(c))
      continue;
    shown = id_for_message(id);
    if (c >= 0x20 && c < 0x7f)
      return sk_failx(err,
                      "invalid container ID \"%s\": character '%c' is not allowed (only "
                      "A-Z a-z 0-9 _ . + -)",
                      shown, c);
    return sk_failx(err,
                    "invalid container ID \"%s\": byte 0x%02x is not allowed (only A-Z a-z 0-9 "
                    "_ . + -)",
                    shown, c);
  }
  return 0;
}

/* ---- directories and locks ---- */

int sk_state_root_open(const char *root, int *out_fd, sk_err_t *err)
{
  if (root == NULL || *root == '\0')
    return sk_failx(err, "state root: empty path");
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (sk_mkdir_p(root, 0700, err) < 0)
      return sk_err_prefix(err, "state root");
    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0)
    return sk_failno(err, "open state root `%s`", root);
  *out_fd = fd;
  return 0;
}

/* Take the lock on an open state dir, then make sure it was not removed while we waited. */
static int lock_dir(int fd, const char *id, sk_err_t *err)
{
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR)
      return sk_failno(err, "container \"%s\": lock its state directory", id);
  }
  struct stat sb;
  if (fstat(fd, &sb) < 0)
    return sk_failno(err, "container \"%s\": stat its state directory", id);
  if (sb.st_nlink == 0)
    return sk_failx(err, "container \"%s\" does not exist", id);
  return 0;
}

int sk_state_create_dir(int rootfd, const char *id, int *out_dirfd, sk_err_t *err)
{
  /* callers validate too; here it keeps "../x" or "a/b" from ever naming a path outside root */
  if (sk_state_validate_id(id, err) < 0)
    return -1;
  if (mkdirat(rootfd, id, 0700) < 0) {
    if (errno == EEXIST)
      return sk_failx(err, "container \"%s\" already exists", id);
    if (errno == ENAMETOOLONG) {
      _cleanup_free_ char *shown = id_for_message(id);
      return sk_failx(err, "invalid container ID \"%s\": longer than this file system allows",
                      shown);
    }
    return sk_failno(err, "container \"%s\": create its state directory", id);
  }
  _cleanup_close_ int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    sk_failno(err, "container \"%s\": open its state directory", id);
    unlinkat(rootfd, id, AT_REMOVEDIR);
    return -1;
  }
  /* A `delete --force` of the same ID may slip in between mkdirat and flock: lock_dir sees it. */
  if (lock_dir(fd, id, err) < 0) {
    /* Do not leave the directory we made behind; sk_state_remove removes the name only while it
     * still is this directory (after a concurrent delete it may be someone else's). */
    sk_state_remove(rootfd, id, fd, NULL);
    return -1;
  }
  *out_dirfd = steal_fd(fd);
  return 0;
}

static int open_dir(int rootfd, const char *id, int *out_dirfd, sk_err_t *err)
{
  if (sk_state_validate_id(id, err) < 0)
    return -1;
  int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG) {
      _cleanup_free_ char *shown = id_for_message(id);
      return sk_failx(err, "container \"%s\" does not exist", shown);
    }
    return sk_failno(err, "container \"%s\": open its state directory", id);
  }
  *out_dirfd = fd;
  return 0;
}

int sk_state_open(int rootfd, const char *id, int *out_dirfd, sk_err_t *err)
{
  _cleanup_close_ int fd = -1;
  if (open_dir(rootfd, id, &fd, err) < 0)
    return -1;
  if (lock_dir(fd, id, err) < 0)
    return -1;
  *out_dirfd = steal_fd(fd);
  return 0;
}

int sk_state_open_unlocked(int rootfd, const char *id, int *out_dirfd, sk_err_t *err)
{
  return open_dir(rootfd, id, out_dirfd, err);
}

int sk_state_remove(int rootfd, const char *id, int dirfd, sk_err_t *err)
{
  /* The caller holds dirfd locked until after the name is gone.  Remove by name only while the
   * name still is that directory. */
  struct stat mine, named;
  if (dirfd >= 0 && fstat(dirfd, &mine) == 0) {
    if (fstatat(rootfd, id, &named, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT)
        return 0;
      return sk_failno(err, "container \"%s\": stat its state directory", id);
    }
    if (named.st_dev != mine.st_dev || named.st_ino != mine.st_ino)
      return 0;
  }
  if (sk_rm_rf_at(rootfd, id, err) < 0)
    return sk_err_prefix(err, "container \"%s\": remove its state directory", id);
  return 0;
}

/* ---- state.json ---- */

static void gen_str(yajl_gen g, const char *s)
{
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_kv_str(yajl_gen g, const char *k, const char *v)
{
  gen_str(g, k);
  if (v)
    gen_str(g, v);
  else
    yajl_gen_null(g);
}

static void gen_kv_int(yajl_gen g, const char *k, long long v)
{
  gen_str(g, k);
  yajl_gen_integer(g, v);
}

static void gen_annotations(yajl_gen g, const struct sk_state *st)
{
  gen_str(g, "annotations");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < st->annotations_len; i++)
    gen_kv_str(g, st->annotations[i].key, st->annotations[i].value);
  yajl_gen_map_close(g);
}

/* Finish a generator into a malloc'd NUL-terminated string (with a final newline when pretty). */
static char *gen_finish(yajl_gen g, bool newline)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char *out = xmalloc(len + 2);
  memcpy(out, buf, len);
  if (newline && (len == 0 || buf[len - 1] != '\n'))
    out[len++] = '\n';
  out[len] = '\0';
  yajl_gen_free(g);
  return out;
}

static yajl_gen gen_new(bool pretty)
{
  yajl_gen g = yajl_gen_alloc(NULL);
  if (g == NULL) {
    static const char msg[] = "skiff: out of memory\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    abort();
  }
  if (pretty) {
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");
  }
  return g;
}

int sk_state_write(int dirfd, const struct sk_state *st, sk_err_t *err)
{
  yajl_gen g = gen_new(false);
  yajl_gen_map_open(g);
  gen_kv_str(g, "id", st->id);
  gen_kv_str(g, "bundle", st->bundle);
  gen_kv_str(g, "rootfs", st->rootfs);
  gen_kv_int(g, "pid", st->pid);
  gen_kv_int(g, "pid_start", (long long)st->pid_start);
  gen_kv_str(g, "created", st->created);
  gen_kv_int(g, "owner", st->owner);
  gen_kv_str(g, "cgroup", st->cgroup);
  gen_kv_int(g, "ns_flags", st->ns_flags);
  gen_str(g, "started");
  yajl_gen_bool(g, st->started);
  gen_str(g, "systemd_cgroup");
  yajl_gen_bool(g, st->systemd_cgroup);
  gen_annotations(g, st);
  yajl_gen_map_close(g);
  _cleanup_free_ char *json = gen_finish(g, false);
  /* No fsync: state describes processes, which do not survive a crash either. */
  if (sk_atomic_write_at(dirfd, "state.json", json, strlen(json), 0600, err) < 0)
    return sk_err_prefix(err, "container \"%s\": write state", st->id ? st->id : "?");
  return 0;
}

static char *tree_str(yajl_val root, const char *key)
{
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(root, path, yajl_t_string);
  return v ? xstrdup(YAJL_GET_STRING(v)) : NULL;
}

static long long tree_int(yajl_val root, const char *key)
{
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(root, path, yajl_t_number);
  return YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static bool tree_bool(yajl_val root, const char *key)
{
  const char *path[] = {key, NULL};
  return YAJL_IS_TRUE(yajl_tree_get(root, path, yajl_t_true));
}

int sk_state_read(int dirfd, struct sk_state *st, sk_err_t *err)
{
  _cleanup_free_ char *data = NULL;
  if (sk_read_file_at(dirfd, "state.json", &data, NULL, err) < 0)
    return -1;
  char ebuf[256];
  yajl_val root = yajl_tree_parse(data, ebuf, sizeof ebuf);
  if (root == NULL || !YAJL_IS_OBJECT(root)) {
    if (root)
      yajl_tree_free(root);
    else
      ebuf[strcspn(ebuf, "\n")] = '\0';
    return sk_failx(err, "state.json: %s", root ? "not a JSON object" : ebuf);
  }
  memset(st, 0, sizeof *st);
  st->id = tree_str(root, "id");
  st->bundle = tree_str(root, "bundle");
  st->rootfs = tree_str(root, "rootfs");
  st->pid = (pid_t)tree_int(root, "pid");
  st->pid_start = (unsigned long long)tree_int(root, "pid_start");
  st->created = tree_str(root, "created");
  st->owner = (uid_t)tree_int(root, "owner");
  st->cgroup = tree_str(root, "cgroup");
  st->ns_flags = (int)tree_int(root, "ns_flags");
  st->started = tree_bool(root, "started");
  st->systemd_cgroup = tree_bool(root, "systemd_cgroup");
  const char *apath[] = {"annotations", NULL};
  yajl_val ann = yajl_tree_get(root, apath, yajl_t_object);
  if (ann && ann->u.object.len) {
    st->annotations = xzalloc(ann->u.object.len * sizeof *st->annotations);
    for (size_t i = 0; i < ann->u.object.len; i++) {
      const char *v = YAJL_GET_STRING(ann->u.object.values[i]);
      st->annotations[st->annotations_len].key = xstrdup(ann->u.object.keys[i]);
      st->annotations[st->annotations_len].value = xstrdup(v ? v : "");
      st->annotations_len++;
    }
  }
  yajl_tree_free(root);
  if (st->id == NULL) {
    sk_state_clear(st);
    return sk_failx(err, "state.json: no \"id\"");
  }
  return 0;
}

void sk_state_clear(struct sk_state *st)
{
  if (st == NULL)
    return;
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->created);
  free(st->cgroup);
  for (size_t i = 0; i < st->annotations_len; i++) {
    free(st->annotations[i].key);
    free(st->annotations[i].value);
  }
  free(st->annotations);
  memset(st, 0, sizeof *st);
}

/* ---- liveness and status ---- */

/* /proc/<pid>/stat: the state letter (field 3) and starttime (field 22).  0 when unreadable. */
static unsigned long long proc_stat(pid_t pid, char *state)
{
  char path[32], buf[1024];
  *state = '?';
  if (pid <= 0)
    return 0;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = sk_read_all(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* comm (field 2) may hold spaces and parentheses: the fields resume after the last ')'. */
  char *p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ')
    return 0;
  p += 2;
  *state = *p;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (p == NULL)
      return 0;
    p++;
  }
  return strtoull(p, NULL, 10);
}

unsigned long long sk_proc_starttime(pid_t pid)
{
  char state;
  return proc_stat(pid, &state);
}

bool sk_state_init_alive(const struct sk_state *st)
{
  if (st->pid <= 0)
    return false;
  char state;
  unsigned long long start = proc_stat(st->pid, &state);
  if (start == 0 || start != st->pid_start)
    return false;
  return state != 'Z' && state != 'X' && state != 'x';
}

enum sk_status sk_state_status(int dirfd, const struct sk_state *st)
{
  if (!sk_state_init_alive(st))
    return SK_STATUS_STOPPED;
  /* The init blocks on exec.fifo until `start` reads it and removes it. */
  if (!st->started && faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return SK_STATUS_CREATED;
  if (st->cgroup) {
    struct sk_cgroup *cg = NULL;
    sk_err_t e = NULL;
    bool frozen = false;
    if (sk_cgroup_load(st->cgroup, &cg, &e) == 0)
      frozen = sk_cgroup_is_frozen(cg);
    else
      sk_err_free(&e);
    sk_cgroup_free(cg);
    if (frozen)
      return SK_STATUS_PAUSED;
  }
  return SK_STATUS_RUNNING;
}

const char *sk_status_name(enum sk_status s)
{
  switch (s) {
  case SK_STATUS_CREATING:
    return "creating";
  case SK_STATUS_CREATED:
    return "created";
  case SK_STATUS_RUNNING:
    return "running";
  case SK_STATUS_PAUSED:
    return "paused";
  case SK_STATUS_STOPPED:
    return "stopped";
  }
  return "unknown";
}

/* The OCI state, with runc's extra fields (rootfs, created, owner) in runc's order. */
char *sk_state_json(const struct sk_state *st, enum sk_status status, bool pretty)
{
  yajl_gen g = gen_new(pretty);
  yajl_gen_map_open(g);
  gen_kv_str(g, "ociVersion", SK_OCI_VERSION);
  gen_kv_str(g, "id", st->id ? st->id : "");
  gen_kv_int(g, "pid", status == SK_STATUS_STOPPED ? 0 : st->pid);
  gen_kv_str(g, "status", sk_status_name(status));
  gen_kv_str(g, "bundle", st->bundle ? st->bundle : "");
  gen_kv_str(g, "rootfs", st->rootfs ? st->rootfs : "");
  gen_kv_str(g, "created", st->created ? st->created : "");
  if (st->annotations_len)
    gen_annotations(g, st);
  gen_kv_str(g, "owner", "");
  yajl_gen_map_close(g);
  return gen_finish(g, pretty);
}

/* ---- listing ---- */

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_state_list(int rootfd, char ***ids, sk_err_t *err)
{
  int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open state root");
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return sk_failno(err, "read state root");
  }
  size_t n = 0, cap = 8;
  _cleanup_strv_ char **v = xzalloc(cap * sizeof(char *));
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(d);
    if (de == NULL)
      break;
    if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
      continue;
    if (de->d_type == DT_UNKNOWN) {
      struct stat sb;
      if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
        continue;
    }
    sk_err_t e = NULL;
    if (sk_state_validate_id(de->d_name, &e) < 0) { /* ".", "..", strays */
      sk_err_free(&e);
      continue;
    }
    if (n + 1 >= cap) {
      cap *= 2;
      v = xrealloc(v, cap * sizeof(char *));
    }
    v[n++] = xstrdup(de->d_name);
    v[n] = NULL;
  }
  if (errno)
    return sk_failno(err, "read state root");
  qsort(v, n, sizeof(char *), cmp_str);
  *ids = steal_ptr(v);
  return 0;
}
