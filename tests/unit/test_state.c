/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for libskiff/state.c: ID validation, the state directory and its lock, state.json
 * round trip, status computation, the OCI state JSON, listing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>
#include "state.h"
#include "unit.h"
#include "utils.h"

static bool id_ok(const char *id)
{
  sk_err_t err = NULL;
  int r = sk_state_validate_id(id, &err);
  sk_err_free(&err);
  return r == 0;
}

static bool id_err_contains(const char *id, const char *needle)
{
  sk_err_t err = NULL;
  if (sk_state_validate_id(id, &err) == 0)
    return false;
  bool ok = strstr(err->msg, needle) != NULL;
  if (!ok)
    fprintf(stderr, "message: %s\n", err->msg);
  sk_err_free(&err);
  return ok;
}

static void test_ids(void)
{
  CHECK(id_ok("a"));
  CHECK(id_ok("abc-DEF_1.2+3"));
  CHECK(id_ok(".hidden"));
  CHECK(id_ok("a..b"));
  CHECK(!id_ok(""));
  CHECK(!id_ok(NULL));
  CHECK(!id_ok("."));
  CHECK(!id_ok(".."));
  CHECK(!id_ok("a/b"));
  CHECK(!id_ok("/abs"));
  CHECK(!id_ok("../x"));
  CHECK(!id_ok("a b"));
  CHECK(!id_ok("a\nb"));
  CHECK(!id_ok("caf\xc3\xa9"));
  CHECK(!id_ok("x:y"));
  CHECK(id_err_contains("a/b", "invalid container ID \"a/b\""));
  CHECK(id_err_contains("a/b", "'/'"));
  CHECK(id_err_contains("..", "invalid container ID \"..\""));
  CHECK(id_err_contains("", "empty"));
  CHECK(id_err_contains("a\nb", "0x0a"));

  char long_id[SK_ID_MAX + 2];
  memset(long_id, 'a', sizeof long_id);
  long_id[SK_ID_MAX] = '\0';
  CHECK(id_ok(long_id)); /* exactly the limit */
  long_id[SK_ID_MAX] = 'a';
  long_id[SK_ID_MAX + 1] = '\0';
  CHECK(!id_ok(long_id));
  CHECK(id_err_contains(long_id, "longer than 1024 bytes"));
  /* The message does not carry the whole ID. */
  sk_err_t err = NULL;
  sk_state_validate_id(long_id, &err);
  CHECK(err && strlen(err->msg) < 200);
  sk_err_free(&err);
}

static bool json_str_eq(yajl_val root, const char **path, const char *want)
{
  const char *got = YAJL_GET_STRING(yajl_tree_get(root, path, yajl_t_string));
  return got != NULL && strcmp(got, want) == 0;
}

static char *make_tmp(void)
{
  char tmpl[] = "/tmp/skiff-test-state-XXXXXX";
  char *d = mkdtemp(tmpl);
  return d ? xstrdup(d) : NULL;
}

static void fill(struct sk_state *st, const char *id)
{
  memset(st, 0, sizeof *st);
  st->id = xstrdup(id);
  st->bundle = xstrdup("/some/bundle");
  st->rootfs = xstrdup("/some/bundle/rootfs");
  st->created = xstrdup("2024-01-02T03:04:05.123456789Z");
  st->owner = 1234;
  st->pid = getpid();
  st->pid_start = sk_proc_starttime(getpid());
  st->ns_flags = 0x20020000;
  st->annotations_len = 2;
  st->annotations = xzalloc(2 * sizeof *st->annotations);
  st->annotations[0].key = xstrdup("org.example.a");
  st->annotations[0].value = xstrdup("quote \" and \\ backslash");
  st->annotations[1].key = xstrdup("b");
  st->annotations[1].value = xstrdup("");
}

static void test_dirs_and_roundtrip(void)
{
  _cleanup_free_ char *tmp = make_tmp();
  CHECK(tmp != NULL);
  if (tmp == NULL)
    return;
  _cleanup_free_ char *root = xasprintf("%s/deep/root", tmp);
  sk_err_t err = NULL;
  int rootfd = -1;
  CHECK(sk_state_root_open(root, &rootfd, &err) == 0);
  struct stat sb;
  CHECK(stat(root, &sb) == 0 && (sb.st_mode & 0777) == 0700);

  int dirfd = -1;
  CHECK(sk_state_create_dir(rootfd, "c1", &dirfd, &err) == 0);
  CHECK(dirfd >= 0);
  CHECK(fcntl(dirfd, F_GETFD) & FD_CLOEXEC);
  /* Locked: another open file description cannot take the lock. */
  int probe = openat(rootfd, "c1", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(probe >= 0 && flock(probe, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK);
  close(probe);

  int dup_fd = -1;
  CHECK(sk_state_create_dir(rootfd, "c1", &dup_fd, &err) < 0);
  CHECK(err && strcmp(err->msg, "container \"c1\" already exists") == 0);
  sk_err_free(&err);

  /* Valid by the ID rules but longer than NAME_MAX: a clear error, and nothing created. */
  char name300[301];
  memset(name300, 'n', 300);
  name300[300] = '\0';
  CHECK(sk_state_create_dir(rootfd, name300, &dup_fd, &err) < 0);
  CHECK(err && strstr(err->msg, "longer than this file system allows") && strlen(err->msg) < 200);
  sk_err_free(&err);
  CHECK(sk_state_open(rootfd, name300, &dup_fd, &err) < 0);
  CHECK(err && strstr(err->msg, "does not exist") != NULL);
  sk_err_free(&err);

  struct sk_state st, back;
  fill(&st, "c1");
  CHECK(sk_state_write(dirfd, &st, &err) == 0);
  CHECK(faccessat(dirfd, "state.json.tmp", F_OK, 0) < 0); /* renamed away */
  CHECK(fstatat(dirfd, "state.json", &sb, 0) == 0 && (sb.st_mode & 0777) == 0600);
  CHECK(sk_state_read(dirfd, &back, &err) == 0);
  CHECK(strcmp(back.id, "c1") == 0);
  CHECK(strcmp(back.bundle, st.bundle) == 0);
  CHECK(strcmp(back.rootfs, st.rootfs) == 0);
  CHECK(strcmp(back.created, st.created) == 0);
  CHECK(back.owner == 1234);
  CHECK(back.pid == st.pid && back.pid_start == st.pid_start && back.pid_start > 0);
  CHECK(back.ns_flags == st.ns_flags);
  CHECK(back.cgroup == NULL);
  CHECK(!back.started && !back.systemd_cgroup);
  CHECK(back.annotations_len == 2);
  CHECK(strcmp(back.annotations[0].key, "org.example.a") == 0);
  CHECK(strcmp(back.annotations[0].value, "quote \" and \\ backslash") == 0);
  CHECK(strcmp(back.annotations[1].key, "b") == 0 && back.annotations[1].value[0] == '\0');
  sk_state_clear(&back);

  /* Status: we are alive; exec.fifo -> created; started -> running; stale starttime -> stopped. */
  CHECK(mkfifoat(dirfd, "exec.fifo", 0622) == 0);
  CHECK(sk_state_init_alive(&st));
  CHECK(sk_state_status(dirfd, &st) == SK_STATUS_CREATED);
  st.started = true;
  CHECK(sk_state_status(dirfd, &st) == SK_STATUS_RUNNING);
  st.started = false;
  unlinkat(dirfd, "exec.fifo", 0);
  CHECK(sk_state_status(dirfd, &st) == SK_STATUS_RUNNING);
  st.pid_start++;
  CHECK(!sk_state_init_alive(&st));
  CHECK(sk_state_status(dirfd, &st) == SK_STATUS_STOPPED);
  st.pid_start--;

  /* A zombie is not alive. */
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  struct sk_state zs = {.pid = child, .pid_start = sk_proc_starttime(child)};
  siginfo_t si;
  waitid(P_PID, child, &si, WEXITED | WNOWAIT); /* exited, not reaped */
  CHECK(zs.pid_start != 0 && !sk_state_init_alive(&zs));
  waitpid(child, NULL, 0);
  CHECK(!sk_state_init_alive(&zs));
  CHECK(sk_proc_starttime(child) == 0);
  struct sk_state none = {0};
  CHECK(sk_state_status(dirfd, &none) == SK_STATUS_STOPPED);

  /* OCI state JSON. */
  _cleanup_free_ char *json = sk_state_json(&st, SK_STATUS_RUNNING, true);
  char ebuf[128];
  yajl_val v = yajl_tree_parse(json, ebuf, sizeof ebuf);
  CHECK(v != NULL);
  if (v) {
    const char *p_ver[] = {"ociVersion", NULL}, *p_id[] = {"id", NULL},
               *p_status[] = {"status", NULL}, *p_pid[] = {"pid", NULL},
               *p_bundle[] = {"bundle", NULL}, *p_created[] = {"created", NULL},
               *p_owner[] = {"owner", NULL}, *p_rootfs[] = {"rootfs", NULL},
               *p_ann[] = {"annotations", "org.example.a", NULL};
    CHECK(json_str_eq(v, p_ver, "1.2.0"));
    CHECK(json_str_eq(v, p_id, "c1"));
    CHECK(json_str_eq(v, p_status, "running"));
    CHECK(YAJL_GET_INTEGER(yajl_tree_get(v, p_pid, yajl_t_number)) == getpid());
    CHECK(json_str_eq(v, p_bundle, st.bundle));
    CHECK(json_str_eq(v, p_rootfs, st.rootfs));
    CHECK(json_str_eq(v, p_created, st.created));
    CHECK(yajl_tree_get(v, p_owner, yajl_t_string) != NULL);
    CHECK(json_str_eq(v, p_ann, st.annotations[0].value));
    yajl_tree_free(v);
  }
  CHECK(json[strlen(json) - 1] == '\n');
  _cleanup_free_ char *stopped = sk_state_json(&st, SK_STATUS_STOPPED, false);
  CHECK(strstr(stopped, "\"pid\":0,") != NULL);
  CHECK(strstr(stopped, "\"status\":\"stopped\"") != NULL);
  CHECK(strchr(stopped, '\n') == NULL);

  /* Listing: sorted, only valid IDs that are directories. */
  int d2 = -1, d3 = -1;
  CHECK(sk_state_create_dir(rootfd, "b2", &d2, &err) == 0);
  CHECK(sk_state_create_dir(rootfd, "a3", &d3, &err) == 0);
  CHECK(mkdirat(rootfd, "not:valid", 0700) == 0);
  int f = openat(rootfd, "plainfile", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  close(f);
  char **ids = NULL;
  CHECK(sk_state_list(rootfd, &ids, &err) == 0);
  CHECK(ids && sk_strv_len(ids) == 3);
  if (ids && sk_strv_len(ids) == 3)
    CHECK(strcmp(ids[0], "a3") == 0 && strcmp(ids[1], "b2") == 0 && strcmp(ids[2], "c1") == 0);
  sk_strv_free(ids);

  /* Remove while a second opener waits for the lock: it must see "does not exist". */
  pid_t waiter = fork();
  if (waiter == 0) {
    /* flock belongs to the open file description: an inherited copy of the locked fd would hold
     * the lock for us.  (The container init must likewise not keep the runtime's dirfd.) */
    close(dirfd);
    alarm(20);
    sk_err_t e = NULL;
    int fd = -1;
    int r = sk_state_open(rootfd, "c1", &fd, &e);
    _exit(r < 0 && strcmp(e->msg, "container \"c1\" does not exist") == 0 ? 0 : 1);
  }
  /* Give the child time to block in flock; the outcome is the same if it has not yet opened. */
  usleep(100000);
  CHECK(sk_state_remove(rootfd, "c1", dirfd, &err) == 0);
  close(dirfd);
  int wst = 0;
  waitpid(waiter, &wst, 0);
  CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  CHECK(faccessat(rootfd, "c1", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);

  int fd = -1;
  CHECK(sk_state_open(rootfd, "c1", &fd, &err) < 0);
  CHECK(err && strcmp(err->msg, "container \"c1\" does not exist") == 0);
  sk_err_free(&err);
  CHECK(sk_state_open_unlocked(rootfd, "nope", &fd, &err) < 0);
  sk_err_free(&err);

  /* Remove only the directory we hold: a name that now points elsewhere is left alone. */
  int r1 = -1;
  CHECK(sk_state_create_dir(rootfd, "r1", &r1, &err) == 0);
  CHECK(renameat(rootfd, "r1", rootfd, "r1-old") == 0);
  CHECK(mkdirat(rootfd, "r1", 0700) == 0);
  CHECK(sk_state_remove(rootfd, "r1", r1, &err) == 0);
  CHECK(faccessat(rootfd, "r1", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
  close(r1);

  /* A state.json that is not JSON is an error naming the file. */
  CHECK(sk_write_file_at(d2, "state.json", "{bad", 4, 0600, &err) == 0);
  CHECK(sk_state_read(d2, &back, &err) < 0);
  CHECK(err && strstr(err->msg, "state.json") != NULL);
  sk_err_free(&err);

  sk_state_clear(&st);
  close(d2);
  close(d3);
  close(rootfd);
  _cleanup_close_ int tfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(sk_rm_rf_at(tfd, tmp + 5, &err) == 0);
  sk_err_free(&err);
}

int main(void)
{
  test_ids();
  test_dirs_and_roundtrip();
  return UNIT_DONE();
}
