/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container init, from clone to execve:
 *
 *   wait GO (runtime wrote id maps, placed us in the cgroups)
 *   -> join namespaces by path (user first), unshare the rest, fork when a pid ns needs it
 *   -> become root of the user ns, hostname, keyring, private procfs
 *   -> rootfs setup (mounts, /dev) -> prestart/createRuntime hooks (runtime) -> createContainer
 * hooks
 *   -> seccomp listener connect -> pivot_root, masked/readonly paths -> sysctl -> pty
 *   -> READY -> block on exec.fifo until `start` -> startContainer hooks -> process settings, exec
 *
 * Everything before READY reports failures to the runtime over the sync socket, so `create` fails
 * with the real cause and cleans up.  The init is non-dumpable until execve: no process in the
 * container can open /proc/<init>/exe (the host skiff binary, CVE-2019-5736) or its fds. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hooks.h"
#include "log.h"
#include "paths.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

static bool has_hooks(const struct sk_spec *spec, enum sk_hook_kind k)
{
  return spec->hooks[k].len > 0;
}

/* Bind the pty slave onto /dev/console of the (pivoted) root: sk_rootfs_bind_console creates or
 * opens the mount point without following a symlink (CVE-2025-52565). */
static int bind_console(int slave, sk_err_t *err)
{
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return sk_failno(err, "open /");
  return sk_rootfs_bind_console(root, slave, err);
}

static int wait_for_start(struct sk_init_ctx *ctx, int procfd, sk_err_t *err)
{
  /* Reopen the fifo through our private procfs: blocks until `start` opens the read side.  The
   * container's own /proc may be absent or anything the rootfs made it. */
  char path[64];
  snprintf(path, sizeof path, "self/fd/%d", ctx->fifo_fd);
  int fd;
  do
    fd = openat(procfd, path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return sk_failno(err, "open exec.fifo");
  if (write(fd, "0", 1) != 1) {
    close(fd);
    return sk_failno(err, "write exec.fifo");
  }
  /* fd stays open (close-on-exec): `run` learns from its closing that the user program has been
   * exec'd, and holds the container's lock until then (container.c, run_needs_sealed_exe). */
  close(ctx->fifo_fd);
  ctx->fifo_fd = -1;
  return 0;
}

/* Everything up to READY; failures go back to the runtime. */
static int init_setup(struct sk_init_ctx *ctx, int *procfd, int *pty_slave, int *listener,
                      char **state_json, sk_err_t *err)
{
  const struct sk_spec *spec = ctx->spec;
  char buf[SK_SYNC_MAX];
  size_t len = sizeof buf - 1;

  if (sk_sync_recv(ctx->sync_fd, SK_SYNC_GO, NULL, buf, &len, NULL, err) < 0)
    return -1;
  buf[len] = '\0';
  *state_json = len ? xstrdup(buf) : NULL;

  if (sk_ns_join(&ctx->ns, err) < 0)
    return -1;
  sk_ns_plan_close(&ctx->ns);
  if (ctx->unshare_flags && unshare(ctx->unshare_flags & ~CLONE_NEWTIME) < 0)
    return sk_failno(err, "unshare namespaces");

  if (ctx->need_fork) {
    /* setns/unshare of a pid namespace applies to children only: the real init is our child.
     * We report its pid (as the runtime sees it: we share its pid namespace) and leave. */
    pid_t child = fork();
    if (child < 0)
      return sk_failno(err, "fork into the pid namespace");
    if (child > 0) {
      sk_err_t e = NULL;
      int32_t p = child;
      if (sk_sync_send(ctx->sync_fd, SK_SYNC_PID, &p, sizeof p, -1, &e) < 0)
        _exit(1);
      _exit(0);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
  }

  if (ctx->new_userns || (ctx->unshare_flags & CLONE_NEWUSER)) {
    /* Become root of the user namespace (the maps are written): setresuid keeps the full
     * capability set of the namespace's owner. */
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
      return sk_failno(err, "become root in the user namespace (is uid/gid 0 mapped?)");
  }

  if (ctx->unshare_flags & CLONE_NEWTIME) {
    if (unshare(CLONE_NEWTIME) < 0)
      return sk_failno(err, "unshare the time namespace");
    if (sk_ns_write_time_offsets(spec, err) < 0)
      return -1;
    /* unshare() put the new time namespace in time_for_children only; enter it ourselves (some
     * kernels switch at execve, 6.1 does not). */
    _cleanup_close_ int tfd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (tfd < 0 || setns(tfd, CLONE_NEWTIME) < 0)
      return sk_failno(err, "enter the new time namespace");
  }

  if (!ctx->no_new_keyring) {
    /* A session keyring of the container's own, so it cannot see the host's keys. */
    _cleanup_free_ char *name = xasprintf("_ses.%s", ctx->id);
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS)
      sk_debug("join session keyring: %s", strerror(errno));
  }

  if (sk_process_set_names(spec, err) < 0)
    return -1;

  /* A procfs of our own pid namespace, never attached anywhere: exec.fifo reopening, sysctl and
   * LSM writes go through it, not through whatever the container mounts at /proc. */
  *procfd = sk_open_private_procfs(err);
  if (*procfd < 0)
    return -1;

  struct sk_rootfs_ctx rctx = {
      .spec = spec,
      .rootfs = ctx->rootfs,
      .bundle = ctx->bundle,
      .no_pivot = ctx->no_pivot,
      .new_userns = ctx->new_userns || (ctx->unshare_flags & CLONE_NEWUSER),
      .console_fd = -1,
      .mount_label = spec->linux_ ? spec->linux_->mount_label : NULL,
  };
  if (sk_rootfs_setup(&rctx, err) < 0)
    return -1;

  if (has_hooks(spec, SK_HOOK_PRESTART) || has_hooks(spec, SK_HOOK_CREATE_RUNTIME)) {
    if (sk_sync_send(ctx->sync_fd, SK_SYNC_HOOKS, NULL, 0, -1, err) < 0)
      return -1;
    if (sk_sync_recv(ctx->sync_fd, SK_SYNC_HOOKS_DONE, NULL, NULL, NULL, NULL, err) < 0)
      return -1;
  }
  if (has_hooks(spec, SK_HOOK_CREATE_CONTAINER) &&
      sk_hooks_run(spec, SK_HOOK_CREATE_CONTAINER, *state_json ? *state_json : "{}", err) < 0)
    return -1;

  if (spec->linux_ && spec->linux_->seccomp &&
      sk_seccomp_listener_connect(spec->linux_->seccomp, listener, err) < 0)
    return -1;

  if (sk_rootfs_pivot(&rctx, err) < 0)
    return -1;

  if (sk_sysctl_apply(spec, *procfd, err) < 0)
    return -1;

  if (spec->process && spec->process->terminal) {
    _cleanup_close_ int master = -1;
    if (sk_pty_open("/dev/pts/ptmx", &master, pty_slave, err) < 0)
      return sk_err_prefix(err, "process.terminal");
    if (spec->process->has_console_size && sk_pty_set_size(master, spec->process->console_height,
                                                           spec->process->console_width, err) < 0)
      return -1;
    if (bind_console(*pty_slave, err) < 0)
      return -1;
    if (sk_sync_send(ctx->sync_fd, SK_SYNC_PTY, NULL, 0, master, err) < 0)
      return -1;
    /* The pty becomes our stdio now, not at start: the caller's stdio (a shim's pipes) must not
     * stay open in a container that has a terminal, or a caller that waits for their EOF
     * (containerd's shim waits for `create`'s output to close) waits forever. */
    if (sk_pty_become_console(*pty_slave, err) < 0)
      return -1;
    close(*pty_slave);
    *pty_slave = -1;
  }

  /* rlimits now, not at exec: a limit the host does not allow fails `create` with its cause
   * rather than the container after `start`. */
  if (spec->process && sk_process_set_rlimits(spec->process, err) < 0)
    return -1;

  /* Resolve the executable now, so a typo fails `create` rather than the later `start`. */
  if (spec->process) {
    _cleanup_free_ char *exe = NULL;
    if (sk_process_find_exec(spec->process->args[0], spec->process->env, &exe, err) < 0)
      return -1;
  }
  return 0;
}

void sk_init_main(struct sk_init_ctx *ctx)
{
  sk_err_t err = NULL;
  int procfd = -1, pty_slave = -1, listener = -1;
  char *state_json = NULL;

  /* Die with the runtime until READY: a killed `create` must not leave an orphan init. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* The runtime may have died before PDEATHSIG was armed.  In a new pid namespace getppid()
   * is 0 (the parent is outside it): the sync socket's EOF tells us instead. */
  pid_t parent = getppid();
  if (parent != ctx->runtime_pid && parent != 0)
    _exit(1);
  prctl(PR_SET_DUMPABLE, 0);
  /* Nothing the runtime's caller left open (a shim's sockets, an inherited pipe) stays with the
   * init while it waits for `start`: only what it needs, and the preserved fds. */
  {
    int keep[16];
    size_t nkeep = 0;
    keep[nkeep++] = ctx->sync_fd;
    keep[nkeep++] = ctx->fifo_fd;
    if (sk_log_fd() >= 0)
      keep[nkeep++] = sk_log_fd();
    for (int i = 0; i < ctx->ns.njoin && nkeep < ARRAY_SIZE(keep); i++)
      keep[nkeep++] = ctx->ns.join_fds[i];
    sk_close_fds_from(3 + (ctx->preserve_fds > 0 ? ctx->preserve_fds : 0), keep, nkeep);
  }
  /* `run` blocks every signal for its signalfd, and whoever started skiff may have ignored some
   * (nohup): the container starts with default dispositions and nothing blocked. */
  sk_reset_signals();

  if (init_setup(ctx, &procfd, &pty_slave, &listener, &state_json, &err) < 0) {
    sk_sync_send_error(ctx->sync_fd, &err);
    _exit(1);
  }
  prctl(PR_SET_PDEATHSIG, 0);
  if (sk_sync_send(ctx->sync_fd, SK_SYNC_READY, NULL, 0, -1, &err) < 0)
    _exit(1);
  close(ctx->sync_fd);
  ctx->sync_fd = -1;

  /* From here on nobody listens on the sync socket: errors go to the container's stderr. */
  sk_log_close();
  if (wait_for_start(ctx, procfd, &err) < 0)
    goto fail;
  if (has_hooks(ctx->spec, SK_HOOK_START_CONTAINER) &&
      sk_hooks_run(ctx->spec, SK_HOOK_START_CONTAINER, state_json ? state_json : "{}", &err) < 0)
    goto fail;
  {
    struct sk_exec_ctx ectx = {
        .process = ctx->spec->process,
        .spec = ctx->spec,
        .seccomp = ctx->seccomp,
        .seccomp_listener_fd = listener,
        .procfd = procfd,
        .state_json = state_json,
        .preserve_fds = ctx->preserve_fds,
        .in_new_userns = ctx->new_userns || (ctx->unshare_flags & CLONE_NEWUSER),
        .rlimits_done = true,
    };
    sk_process_exec(&ectx, &err);
  }
fail:
  if (err) {
    char msg[4200];
    int n = snprintf(msg, sizeof msg, "skiff: container init: %s\n", err->msg);
    if (n > 0)
      (void)!write(STDERR_FILENO, msg, n);
  }
  _exit(127);
}
