/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container lifecycle, runtime side.  See docs/design.md for how a `create` flows.
 *
 * create: parse + validate everything (nothing exists yet, so bad input leaves nothing) -> state
 * dir (locked) -> cgroup -> one clone3 with every new namespace (into the cgroup on v2) -> id maps,
 * cgroup join, oom_score_adj -> GO -> serve the init (pid, hooks, pty) until READY.  Any failure
 * after the state dir exists kills the init and removes cgroup and state dir.  state.json is
 * rewritten as soon as it learns something (cgroup, pid), so `delete --force` after a SIGKILLed
 * create finds everything to remove. */
#include "config.h"
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hooks.h"
#include "caps.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "selfexe.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static void seccomp_freep(struct sk_seccomp_filter **f)
{
  if (*f)
    sk_seccomp_filter_free(*f);
}

static void cgroup_freep(struct sk_cgroup **cg)
{
  if (*cg)
    sk_cgroup_free(*cg);
}

static void state_clearp(struct sk_state *st)
{
  sk_state_clear(st);
}

#define _cleanup_cgroup_ __attribute__((cleanup(cgroup_freep)))
#define _cleanup_state_ __attribute__((cleanup(state_clearp)))

int sk_container_load(const struct sk_global_opts *g, const char *id, int *rootfd, int *dirfd,
                      struct sk_state *st, struct sk_spec **spec, sk_err_t *err)
{
  _cleanup_close_ int rfd = -1;
  _cleanup_close_ int dfd = -1;
  if (sk_state_validate_id(id, err) < 0)
    return -1;
  if (sk_state_root_open(g->root, &rfd, err) < 0)
    return -1;
  if (sk_state_open(rfd, id, &dfd, err) < 0)
    return -1;
  if (sk_state_read(dfd, st, err) < 0)
    return -1;
  if (spec) {
    _cleanup_free_ char *data = NULL;
    size_t len;
    if (sk_read_file_at(dfd, "config.json", &data, &len, err) < 0)
      return sk_err_prefix(err, "container \"%s\"", id);
    if (sk_spec_parse(data, len, "config.json", spec, err) < 0)
      return -1;
  }
  if (rootfd)
    *rootfd = steal_fd(rfd);
  *dirfd = steal_fd(dfd);
  return 0;
}

/* ---- create ---- */

struct created {
  pid_t pid;      /* the container init */
  pid_t child;    /* our direct child (== pid unless a pid namespace needed a second fork) */
  int pty_master; /* kept for a foreground `run` without console socket */
};

static pid_t clone_init(uint64_t flags, int cgroup_fd, bool *into_cgroup)
{
  struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};
  *into_cgroup = false;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = cgroup_fd;
    pid_t pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) {
      *into_cgroup = true;
      return pid;
    }
    /* Older kernels, or a cgroup with a controller that refuses the placement: fall back to
     * writing cgroup.procs. */
    args.flags &= ~CLONE_INTO_CGROUP;
    args.cgroup = 0;
  }
  pid_t pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == ENOSYS)
    pid = syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0, 0, 0, 0);
  return pid;
}

static int write_pid_file(const char *path, pid_t pid, sk_err_t *err)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  _cleanup_free_ char *abs = NULL;
  if (path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
      return sk_failno(err, "getcwd");
    abs = xasprintf("%s/%s", cwd, path);
    path = abs;
  }
  if (sk_atomic_write_at(AT_FDCWD, path, buf, n, 0644, err) < 0)
    return sk_err_prefix(err, "--pid-file");
  return 0;
}

static int read_config(const struct sk_create_opts *o, char **bundle, char **data, size_t *len,
                       struct sk_spec **spec, char **rootfs, sk_err_t *err)
{
  char buf[PATH_MAX];
  const char *b = o->bundle ? o->bundle : ".";
  if (realpath(b, buf) == NULL)
    return sk_failno(err, "bundle \"%s\"", b);
  *bundle = xstrdup(buf);
  _cleanup_free_ char *cfg = o->config ? xstrdup(o->config) : xasprintf("%s/config.json", *bundle);
  if (sk_read_file_at(AT_FDCWD, cfg, data, len, err) < 0)
    return -1;
  const char *name = o->config ? o->config : "config.json";
  if (sk_spec_parse(*data, *len, name, spec, err) < 0)
    return -1;
  struct sk_spec *s = *spec;
  if (s->process == NULL)
    return sk_failx(err, "%s: process: required to create a container", name);
  if (s->process->args_len == 0)
    return sk_failx(err, "%s: process.args: must name the program to run", name);
  if (s->root_path == NULL)
    return sk_failx(err, "%s: root.path: required", name);
  _cleanup_free_ char *rp =
      s->root_path[0] == '/' ? xstrdup(s->root_path) : xasprintf("%s/%s", *bundle, s->root_path);
  if (realpath(rp, buf) == NULL)
    return sk_failno(err, "%s: root.path: rootfs \"%s\"", name, rp);
  struct stat st;
  if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
    return sk_failx(err, "%s: root.path: rootfs \"%s\" is not a directory", name, buf);
  *rootfs = xstrdup(buf);
  return 0;
}

static int validate(const struct sk_create_opts *o, const struct sk_spec *spec, bool foreground,
                    sk_err_t *err)
{
  if (sk_process_validate(spec->process, "config.json: process", err) < 0)
    return -1;
  if (sk_rootfs_validate(spec, err) < 0)
    return -1;
  if (sk_sysctl_validate(spec, err) < 0)
    return -1;
  if (sk_lsm_validate(spec, err) < 0)
    return -1;
  if (spec->process->capabilities && sk_caps_check(spec->process->capabilities, err) < 0)
    return -1;
  /* hostname and domainname would change the host's without a UTS namespace of our own */
  const struct sk_namespace *uts = sk_spec_namespace(spec, CLONE_NEWUTS);
  if ((spec->hostname || spec->domainname) && (!uts || uts->path))
    return sk_failx(err,
                    "config.json: %s is set but the container has no UTS namespace of its "
                    "own (linux.namespaces needs {\"type\": \"uts\"})",
                    spec->hostname ? "hostname" : "domainname");
  if (spec->process->terminal && o->console_socket == NULL && !foreground)
    return sk_failx(err, "config.json: process.terminal is true: a --console-socket is required "
                         "when the runtime does not stay in the foreground");
  if (!spec->process->terminal && o->console_socket)
    return sk_failx(err, "--console-socket given but config.json: process.terminal is false");
  for (int i = 0; i < o->preserve_fds; i++)
    if (fcntl(3 + i, F_GETFD) < 0)
      return sk_failx(err, "--preserve-fds %d: fd %d is not open", o->preserve_fds, 3 + i);
  return 0;
}

static void fill_state(struct sk_state *st, const char *id, const char *bundle, const char *rootfs,
                       const struct sk_spec *spec, int ns_flags)
{
  char created[64];
  sk_rfc3339_now(created, sizeof created);
  st->id = xstrdup(id);
  st->bundle = xstrdup(bundle);
  st->rootfs = xstrdup(rootfs);
  st->created = xstrdup(created);
  st->owner = geteuid();
  st->ns_flags = ns_flags;
  if (spec->annotations_len) {
    st->annotations = xzalloc(spec->annotations_len * sizeof *st->annotations);
    for (size_t i = 0; i < spec->annotations_len; i++) {
      st->annotations[i].key = xstrdup(spec->annotations[i].key);
      st->annotations[i].value = xstrdup(spec->annotations[i].value);
    }
    st->annotations_len = spec->annotations_len;
  }
}

/* The loop serving the init until READY. */
static int serve_init(const struct sk_create_opts *o, const struct sk_spec *spec, int dirfd,
                      struct sk_state *st, int sock, struct created *out, sk_err_t *err)
{
  for (;;) {
    enum sk_sync_type type;
    int32_t pidbuf;
    size_t len = sizeof pidbuf;
    int fd = -1;
    if (sk_sync_recv(sock, 0, &type, &pidbuf, &len, &fd, err) < 0)
      return sk_err_prefix(err, "create container \"%s\"", st->id);
    switch (type) {
    case SK_SYNC_PID:
      if (len != sizeof pidbuf)
        return sk_failx(err, "protocol error: bad pid message");
      waitpid(out->child, NULL, 0); /* the intermediate process exits right after */
      out->pid = pidbuf;
      st->pid = out->pid;
      st->pid_start = sk_proc_starttime(out->pid);
      if (sk_state_write(dirfd, st, err) < 0)
        return -1;
      break;
    case SK_SYNC_HOOKS: {
      _cleanup_free_ char *json = sk_state_json(st, SK_STATUS_CREATING, false);
      if (sk_hooks_run(spec, SK_HOOK_PRESTART, json, err) < 0 ||
          sk_hooks_run(spec, SK_HOOK_CREATE_RUNTIME, json, err) < 0)
        return -1;
      if (sk_sync_send(sock, SK_SYNC_HOOKS_DONE, NULL, 0, -1, err) < 0)
        return -1;
      break;
    }
    case SK_SYNC_PTY:
      if (fd < 0)
        return sk_failx(err, "protocol error: pty message without a fd");
      if (o->console_socket) {
        int r = sk_console_socket_send(o->console_socket, fd, err);
        close(fd);
        if (r < 0)
          return sk_err_prefix(err, "--console-socket");
      } else {
        if (out->pty_master >= 0)
          close(out->pty_master);
        out->pty_master = fd;
      }
      break;
    case SK_SYNC_READY:
      return 0;
    default:
      if (fd >= 0)
        close(fd);
      return sk_failx(err, "protocol error: unexpected message %d from the container init", type);
    }
  }
}

static void kill_and_reap(pid_t child, pid_t pid)
{
  if (pid > 0)
    kill(pid, SIGKILL);
  if (child > 0 && child != pid)
    kill(child, SIGKILL);
  if (child > 0)
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
      ;
}

/* CVE-2019-5736: `create` and `exec` always run from a sealed copy of skiff, because the init
 * they leave waiting (or the exec'd child before its execve) is a skiff process that container
 * processes can see.  `run` needs the copy only when something in the container could see its
 * init before the init execs the user program:
 *   - a pid namespace of its own, created here: nothing else lives in it before that execve;
 *     without one, or joining one, other processes see the init (and the `run` process itself);
 *   - no createContainer or startContainer hook: those run inside the container, from paths
 *     that may resolve in the container's rootfs;
 *   - `exec` cannot slip in: `run` holds the container's lock from creation until the init's
 *     execve (start_locked with wait_exec) and `exec` takes that lock before joining.
 * The copy costs a file copy and an execve, about 2 ms of a 12 ms `run` on a 2-core VM. */
static bool run_needs_sealed_exe(const struct sk_spec *spec)
{
  const struct sk_namespace *pid = sk_spec_namespace(spec, CLONE_NEWPID);
  const struct sk_namespace *user = sk_spec_namespace(spec, CLONE_NEWUSER);
  return !pid || pid->path || (user && user->path) || spec->hooks[SK_HOOK_CREATE_CONTAINER].len ||
         spec->hooks[SK_HOOK_START_CONTAINER].len;
}

static int start_locked(const char *id, int dirfd, struct sk_state *st, const struct sk_spec *spec,
                        bool wait_exec, sk_err_t *err);

/* create, and with `start` (run) start while still holding the lock, returning once the init
 * has exec'd the user program. */
static int create_container(const struct sk_global_opts *g, const struct sk_create_opts *o,
                            bool foreground, bool start, struct created *out, sk_err_t *err)
{
  /* Every cleanup variable is declared here, before the first goto (see exec.c). */
  _cleanup_free_ char *bundle = NULL, *data = NULL, *rootfs = NULL, *json = NULL;
  _cleanup_spec_ struct sk_spec *spec = NULL;
  __attribute__((cleanup(seccomp_freep))) struct sk_seccomp_filter *filter = NULL;
  _cleanup_cgroup_ struct sk_cgroup *cg = NULL;
  _cleanup_state_ struct sk_state st = {0};
  _cleanup_close_ int rootfd = -1, dirfd = -1, fifo = -1;
  int socks[2] = {-1, -1};
  struct sk_ns_plan plan = {0};
  size_t len = 0;
  int ret = -1;

  out->pid = out->child = 0;
  out->pty_master = -1;

  /* 1. Everything that can be checked before anything exists. */
  if (sk_state_validate_id(o->id, err) < 0)
    return -1;
  if (read_config(o, &bundle, &data, &len, &spec, &rootfs, err) < 0)
    return -1;
  if (validate(o, spec, foreground, err) < 0)
    return -1;
  /* Nothing exists yet: re-executing now loses nothing but the parse. */
  if (start && g->argv && run_needs_sealed_exe(spec) && sk_selfexe_reexec_sealed(g->argv, err) < 0)
    return -1;
  if (g->cgroup_manager == SK_CGROUP_MANAGER_SYSTEMD)
    return sk_failx(err, "the systemd cgroup manager is not supported yet: use --cgroup-manager "
                         "cgroupfs (the default)");
  if (spec->linux_ && spec->linux_->seccomp &&
      sk_seccomp_prepare(spec->linux_->seccomp, &filter, err) < 0)
    return -1;
  if (sk_ns_plan(spec, &plan, err) < 0)
    return -1;

  /* 2. The state directory: from here on, failure undoes what exists. */
  if (sk_state_root_open(g->root, &rootfd, err) < 0)
    goto out_plan;
  if (sk_state_create_dir(rootfd, o->id, &dirfd, err) < 0)
    goto out_plan;
  fill_state(&st, o->id, bundle, rootfs, spec, plan.new_flags);
  if (sk_write_file_at(dirfd, "config.json", data, len, 0600, err) < 0 ||
      sk_state_write(dirfd, &st, err) < 0)
    goto fail;
  if (mkfifoat(dirfd, "exec.fifo", 0622) < 0) {
    sk_failno(err, "mkfifo exec.fifo");
    goto fail;
  }
  /* mkfifo applies the umask; the init may run as a mapped (non-root) uid and reopens the fifo
   * through /proc/self/fd, so it needs the write bit for others.  The state directory is 0700:
   * nobody else can reach the fifo by its path. */
  if (fchmodat(dirfd, "exec.fifo", 0622, 0) < 0) {
    sk_failno(err, "chmod exec.fifo");
    goto fail;
  }
  fifo = openat(dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
  if (fifo < 0) {
    sk_failno(err, "open exec.fifo");
    goto fail;
  }

  /* 3. cgroups, before the init exists, so it never runs outside them. */
  struct sk_cgroup_config cgc = {
      .id = o->id,
      .cgroups_path = spec->linux_ ? spec->linux_->cgroups_path : NULL,
      .resources = spec->linux_ ? spec->linux_->resources : NULL,
      .devices = spec->linux_ ? spec->linux_->devices : NULL,
      .devices_len = spec->linux_ ? spec->linux_->devices_len : 0,
      .manager = g->cgroup_manager,
  };
  if (sk_cgroup_create(&cgc, &cg, err) < 0)
    goto fail;
  st.cgroup = cg ? sk_cgroup_save(cg) : NULL;
  if (sk_state_write(dirfd, &st, err) < 0)
    goto fail;

  /* 4. One clone with every namespace the container creates.  When a user namespace is joined by
   * path, the others must be created after joining it (so that it owns them): the init unshares
   * them itself.  The time namespace is always unshared by the init: its offsets can only be
   * written before a process lives in it. */
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
    sk_failno(err, "socketpair");
    goto fail;
  }
  bool join_user = false, join_pid = false;
  for (int i = 0; i < plan.njoin; i++) {
    join_user |= plan.join_types[i] == CLONE_NEWUSER;
    join_pid |= plan.join_types[i] == CLONE_NEWPID;
  }
  /* The cgroup namespace is unshared by the init too, after the runtime placed it in its
   * cgroups: a namespace created at clone time would be rooted at the runtime's cgroup on hosts
   * where clone3 cannot place the child (v1 hierarchies). */
  int clone_flags = join_user ? 0 : plan.new_flags & ~(CLONE_NEWTIME | CLONE_NEWCGROUP);
  struct sk_init_ctx ictx = {
      .spec = spec,
      .id = o->id,
      .bundle = bundle,
      .rootfs = rootfs,
      .ns = plan,
      .unshare_flags =
          join_user ? plan.new_flags : plan.new_flags & (CLONE_NEWTIME | CLONE_NEWCGROUP),
      .need_fork = join_pid || (join_user && (plan.new_flags & CLONE_NEWPID)),
      .new_userns = (clone_flags & CLONE_NEWUSER) != 0,
      .sync_fd = socks[1],
      .fifo_fd = fifo,
      .seccomp = filter,
      .preserve_fds = o->preserve_fds,
      .no_pivot = o->no_pivot,
      .no_new_keyring = o->no_new_keyring,
      .runtime_pid = getpid(),
  };
  bool into_cgroup = false;
  pid_t pid = clone_init(clone_flags, cg ? sk_cgroup_clone_fd(cg) : -1, &into_cgroup);
  if (pid < 0) {
    sk_failno(err, "clone the container init (namespaces: %#x)", clone_flags);
    goto fail;
  }
  if (pid == 0) {
    /* The state directory's flock belongs to the open file description: a copy held by the
     * init would keep `start` and `delete` waiting until it execs. */
    close(socks[0]);
    close(dirfd);
    close(rootfd);
    sk_init_main(&ictx);
  }
  close(socks[1]);
  socks[1] = -1;
  out->child = out->pid = pid;
  st.pid = pid;
  st.pid_start = sk_proc_starttime(pid);

  /* 5. What only the runtime can do for the init: id maps, cgroups, oom_score_adj. */
  if (clone_flags & CLONE_NEWUSER && sk_ns_write_idmaps(pid, spec, err) < 0)
    goto fail;
  if (cg && !into_cgroup && sk_cgroup_enter(cg, pid, err) < 0)
    goto fail;
  if (sk_process_set_oom_score_adj(pid, spec->process, err) < 0)
    goto fail;
  if (sk_state_write(dirfd, &st, err) < 0)
    goto fail;

  bool need_json = spec->hooks[SK_HOOK_CREATE_CONTAINER].len ||
                   spec->hooks[SK_HOOK_START_CONTAINER].len ||
                   (spec->linux_ && spec->linux_->seccomp && spec->linux_->seccomp->listener_path);
  if (need_json)
    json = sk_state_json(&st, SK_STATUS_CREATING, false);
  if (sk_sync_send(socks[0], SK_SYNC_GO, json, json ? strlen(json) : 0, -1, err) < 0)
    goto fail;
  if (serve_init(o, spec, dirfd, &st, socks[0], out, err) < 0)
    goto fail;

  /* 6. Ready: the init waits on exec.fifo. */
  if (o->pid_file && write_pid_file(o->pid_file, out->pid, err) < 0)
    goto fail;
  if (start && start_locked(o->id, dirfd, &st, spec, true, err) < 0)
    goto fail;
  ret = 0;
  goto out;

fail:
  kill_and_reap(out->child, out->pid);
  if (cg) {
    sk_err_t e = NULL;
    sk_cgroup_kill(cg, SIGKILL, &e);
    sk_err_free(&e);
    if (sk_cgroup_destroy(cg, &e) < 0)
      sk_log_err(&e);
  }
  {
    sk_err_t e = NULL;
    if (sk_state_remove(rootfd, o->id, dirfd, &e) < 0)
      sk_log_err(&e);
  }
  if (out->pty_master >= 0)
    close(out->pty_master);
  out->pty_master = -1;
  out->pid = out->child = 0;
out:
  if (socks[0] >= 0)
    close(socks[0]);
  if (socks[1] >= 0)
    close(socks[1]);
out_plan:
  sk_ns_plan_close(&plan);
  return ret;
}

int sk_container_create(const struct sk_global_opts *g, const struct sk_create_opts *o,
                        sk_err_t *err)
{
  struct created c;
  return create_container(g, o, false, false, &c, err);
}

/* ---- start ---- */

/* wait_exec: return only once the init has exec'd the user program (or died): the init keeps
 * its close-on-exec end of exec.fifo open until then. */
static int start_locked(const char *id, int dirfd, struct sk_state *st, const struct sk_spec *spec,
                        bool wait_exec, sk_err_t *err)
{
  enum sk_status status = sk_state_status(dirfd, st);
  if (status != SK_STATUS_CREATED)
    return sk_failx(err, "cannot start container \"%s\": it is %s, not created", id,
                    sk_status_name(status));
  _cleanup_close_ int fd = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open exec.fifo of \"%s\"", id);
  /* The init is blocked opening the write side; it writes one byte once we are here. */
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, 100);
    if (r < 0 && errno != EINTR)
      return sk_failno(err, "poll exec.fifo");
    if (r > 0 && (p.revents & POLLIN)) {
      char c;
      if (read(fd, &c, 1) == 1)
        break;
    }
    if (!sk_state_init_alive(st))
      return sk_failx(err, "cannot start container \"%s\": its init exited", id);
  }
  while (wait_exec) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    if (poll(&p, 1, -1) < 0 && errno != EINTR)
      return sk_failno(err, "poll exec.fifo");
    ssize_t n = read(fd, &c, 1);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      break; /* no writer left: the init exec'd or exited */
  }
  unlinkat(dirfd, "exec.fifo", 0);
  st->started = true;
  if (sk_state_write(dirfd, st, err) < 0)
    return -1;
  if (spec->hooks[SK_HOOK_POSTSTART].len) {
    _cleanup_free_ char *json = sk_state_json(st, SK_STATUS_RUNNING, false);
    sk_err_t e = NULL;
    /* The spec: a failing poststart hook is a warning; the container keeps running. */
    if (sk_hooks_run(spec, SK_HOOK_POSTSTART, json, &e) < 0) {
      sk_warn("%s", e->msg);
      sk_err_free(&e);
    }
  }
  return 0;
}

int sk_container_start(const struct sk_global_opts *g, const char *id, sk_err_t *err)
{
  _cleanup_close_ int dirfd = -1;
  _cleanup_state_ struct sk_state st = {0};
  _cleanup_spec_ struct sk_spec *spec = NULL;
  if (sk_container_load(g, id, NULL, &dirfd, &st, &spec, err) < 0)
    return -1;
  return start_locked(id, dirfd, &st, spec, false, err);
}

/* ---- kill ---- */

static int signal_init(const struct sk_state *st, int sig, sk_err_t *err)
{
  /* A pidfd pins the process: once it is open and the start time still matches, the signal
   * cannot reach a recycled pid. */
  _cleanup_close_ int pfd = syscall(SYS_pidfd_open, st->pid, 0);
  if (pfd < 0)
    return sk_failno(err, "container \"%s\": open pid %d", st->id, st->pid);
  if (!sk_state_init_alive(st))
    return sk_failx(err, "container \"%s\" is not running", st->id);
  if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
    return sk_failno(err, "container \"%s\": send signal %d", st->id, sig);
  return 0;
}

int sk_container_kill(const struct sk_global_opts *g, const char *id, int sig, bool all,
                      sk_err_t *err)
{
  _cleanup_close_ int dirfd = -1;
  _cleanup_state_ struct sk_state st = {0};
  if (sk_container_load(g, id, NULL, &dirfd, &st, NULL, err) < 0)
    return -1;
  enum sk_status status = sk_state_status(dirfd, &st);
  if (status == SK_STATUS_STOPPED)
    return sk_failx(err, "container \"%s\" is not running: it is stopped", id);
  if (all && st.cgroup) {
    _cleanup_cgroup_ struct sk_cgroup *cg = NULL;
    if (sk_cgroup_load(st.cgroup, &cg, err) < 0)
      return -1;
    if (sk_cgroup_kill(cg, sig, err) < 0)
      return -1;
    if (status == SK_STATUS_PAUSED && sig == SIGKILL)
      sk_cgroup_freeze(cg, false, NULL);
    return 0;
  }
  return signal_init(&st, sig, err);
}

/* ---- delete ---- */

/* Wait (up to ~10 s) until the init is gone. */
static void wait_gone(const struct sk_state *st)
{
  _cleanup_close_ int pfd = syscall(SYS_pidfd_open, st->pid, 0);
  if (pfd < 0)
    return;
  if (sk_proc_starttime(st->pid) != st->pid_start)
    return;
  struct pollfd p = {.fd = pfd, .events = POLLIN};
  while (poll(&p, 1, 10000) < 0 && errno == EINTR)
    ;
}

static int delete_locked(const struct sk_global_opts *g, const char *id, int rootfd, int dirfd,
                         struct sk_state *st, const struct sk_spec *spec, bool force, sk_err_t *err)
{
  enum sk_status status = sk_state_status(dirfd, st);
  if ((status == SK_STATUS_RUNNING || status == SK_STATUS_PAUSED) && !force)
    return sk_failx(err, "cannot delete container \"%s\": it is %s (use --force to kill it)", id,
                    sk_status_name(status));

  _cleanup_cgroup_ struct sk_cgroup *cg = NULL;
  if (st->cgroup) {
    if (sk_cgroup_load(st->cgroup, &cg, err) < 0)
      return -1;
  } else if (st->pid == 0 && spec && g->cgroup_manager != SK_CGROUP_MANAGER_DISABLED) {
    /* A create killed before it recorded its cgroup: find the cgroup from the config. */
    struct sk_cgroup_config cgc = {
        .id = id,
        .cgroups_path = spec->linux_ ? spec->linux_->cgroups_path : NULL,
        .manager = g->cgroup_manager,
        .join_existing = true,
    };
    sk_err_t e = NULL;
    if (sk_cgroup_create(&cgc, &cg, &e) < 0)
      sk_err_free(&e);
  }

  if (status != SK_STATUS_STOPPED && st->pid > 0) {
    if (cg) {
      sk_err_t e = NULL;
      if (sk_cgroup_kill(cg, SIGKILL, &e) < 0)
        sk_err_free(&e);
      if (status == SK_STATUS_PAUSED)
        sk_cgroup_freeze(cg, false, NULL);
    }
    sk_err_t e = NULL;
    if (signal_init(st, SIGKILL, &e) < 0)
      sk_err_free(&e);
    wait_gone(st);
  }

  if (spec && spec->hooks[SK_HOOK_POSTSTOP].len) {
    _cleanup_free_ char *json = sk_state_json(st, SK_STATUS_STOPPED, false);
    sk_err_t e = NULL;
    /* The spec: a failing poststop hook is a warning; delete carries on. */
    if (sk_hooks_run(spec, SK_HOOK_POSTSTOP, json, &e) < 0) {
      sk_warn("%s", e->msg);
      sk_err_free(&e);
    }
  }
  if (cg && sk_cgroup_destroy(cg, err) < 0)
    return sk_err_prefix(err, "delete container \"%s\"", id);
  return sk_state_remove(rootfd, id, dirfd, err);
}

int sk_container_delete(const struct sk_global_opts *g, const char *id, bool force, sk_err_t *err)
{
  _cleanup_close_ int rootfd = -1, dirfd = -1;
  _cleanup_state_ struct sk_state st = {0};
  _cleanup_spec_ struct sk_spec *spec = NULL;
  if (sk_state_validate_id(id, err) < 0)
    return -1;
  if (sk_state_root_open(g->root, &rootfd, err) < 0)
    return -1;
  if (sk_state_open(rootfd, id, &dirfd, err) < 0)
    return -1;
  if (sk_state_read(dirfd, &st, err) < 0) {
    /* A create killed before its first state write: nothing ran, only the directory exists. */
    if (!force)
      return -1;
    sk_err_free(err);
    return sk_state_remove(rootfd, id, dirfd, err);
  }
  _cleanup_free_ char *data = NULL;
  size_t len;
  sk_err_t e = NULL;
  if (sk_read_file_at(dirfd, "config.json", &data, &len, &e) < 0 ||
      sk_spec_parse(data, len, "config.json", &spec, &e) < 0) {
    sk_debug("container \"%s\": saved config unreadable: %s", id, e->msg);
    sk_err_free(&e);
  }
  return delete_locked(g, id, rootfd, dirfd, &st, spec, force, err);
}

/* ---- state ---- */

int sk_container_state(const struct sk_global_opts *g, const char *id, char **json, sk_err_t *err)
{
  _cleanup_close_ int dirfd = -1;
  _cleanup_state_ struct sk_state st = {0};
  if (sk_container_load(g, id, NULL, &dirfd, &st, NULL, err) < 0)
    return -1;
  *json = sk_state_json(&st, sk_state_status(dirfd, &st), true);
  return 0;
}

/* ---- run ---- */

static int exit_status(int wstatus)
{
  if (WIFEXITED(wstatus))
    return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus))
    return 128 + WTERMSIG(wstatus);
  return 255;
}

/* Forward signals to the init, proxy the pty, and wait for the init to exit. */
static int foreground_wait(pid_t pid, int sigfd, int master, int *status, sk_err_t *err)
{
  struct sk_tty_saved saved = {.fd = -1};
  bool stdin_open = master >= 0;
  if (master >= 0 && isatty(STDIN_FILENO)) {
    sk_tty_copy_size(STDIN_FILENO, master);
    sk_err_t e = NULL;
    if (sk_tty_make_raw(STDIN_FILENO, &saved, &e) < 0)
      sk_err_free(&e);
  }
  int ret = -1;
  for (;;) {
    struct pollfd p[3] = {{.fd = sigfd, .events = POLLIN},
                          {.fd = master, .events = POLLIN},
                          {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};
    int r = poll(p, 3, -1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      sk_failno(err, "poll");
      break;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (sk_tty_pump(master, STDOUT_FILENO) <= 0) {
        p[1].fd = -1;
        master = -1;
      }
    }
    if (p[2].revents & (POLLIN | POLLHUP)) {
      if (master < 0 || sk_tty_pump(STDIN_FILENO, master) <= 0)
        stdin_open = false;
    }
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sigfd, &si, sizeof si) != sizeof si)
        continue;
      if (si.ssi_signo == SIGCHLD) {
        int ws;
        pid_t w;
        bool done = false;
        while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
          if (w == pid) {
            *status = exit_status(ws);
            done = true;
          }
        if (done) {
          /* Drain what the container wrote before it exited. */
          while (master >= 0) {
            struct pollfd d = {.fd = master, .events = POLLIN};
            if (poll(&d, 1, 0) <= 0 || sk_tty_pump(master, STDOUT_FILENO) <= 0)
              break;
          }
          ret = 0;
          break;
        }
      } else if (si.ssi_signo == SIGWINCH) {
        if (master >= 0)
          sk_tty_copy_size(STDIN_FILENO, master);
      } else {
        kill(pid, si.ssi_signo);
      }
    }
  }
  sk_tty_restore(&saved);
  return ret;
}

int sk_container_run(const struct sk_global_opts *g, const struct sk_create_opts *o, int *status,
                     sk_err_t *err)
{
  struct created c;
  *status = 0;
  if (o->detach)
    return create_container(g, o, false, true, &c, err);

  /* Foreground: every signal we can catch goes to the container; we are its parent (or its
   * subreaper, when a pid namespace needed a second fork) and collect its status. */
  sigset_t all, old;
  sigfillset(&all);
  sigdelset(&all, SIGSEGV);
  sigdelset(&all, SIGBUS);
  sigdelset(&all, SIGILL);
  sigdelset(&all, SIGFPE);
  sigprocmask(SIG_BLOCK, &all, &old);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  _cleanup_close_ int sigfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sigfd < 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    return sk_failno(err, "signalfd");
  }
  if (create_container(g, o, true, true, &c, err) < 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    return -1;
  }
  _cleanup_close_ int master = c.pty_master;
  int ret = foreground_wait(c.pid, sigfd, master, status, err);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (ret < 0 || !o->keep) {
    sk_err_t e = NULL;
    if (sk_container_delete(g, o->id, true, &e) < 0) {
      if (ret == 0) {
        *err = e;
        return -1;
      }
      sk_log_err(&e);
    }
  }
  return ret;
}
