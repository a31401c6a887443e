/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `exec`: a new process in a running container.
 *
 * The runtime joins the container's pid namespace for its children (setns on CLONE_NEWPID only
 * changes pid_for_children), then forks once.  The child joins the user namespace first, then the
 * others, is placed in the container's cgroup, applies the process spec and execs.  Until execve
 * it is non-dumpable, so container processes cannot open /proc/<it>/exe (the host binary).  Its
 * errors come back over a CLOEXEC socket: EOF there means execve succeeded. */
#include "config.h"
#include "container.h"

#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "namespaces.h"
#include "paths.h"
#include "process.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_order[] = {CLONE_NEWUSER,   CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWNET,
                               CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS};

/* Namespaces of the init that differ from ours, opened as fds (user first). */
struct exec_ns {
  int fds[8];
  int types[8];
  int n;
  int pidns;
};

static void exec_ns_close(struct exec_ns *ns)
{
  for (int i = 0; i < ns->n; i++)
    close(ns->fds[i]);
  ns->n = 0;
  if (ns->pidns >= 0)
    close(ns->pidns);
  ns->pidns = -1;
}

static int open_ns(pid_t pid, int type, int *out, sk_err_t *err)
{
  char path[64], self[64];
  struct stat a, b;
  *out = -1;
  snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, sk_ns_proc_name(type));
  snprintf(self, sizeof self, "/proc/self/ns/%s", sk_ns_proc_name(type));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && type == CLONE_NEWTIME)
      return 0;
    return sk_failno(err, "open %s", path);
  }
  if (fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
    close(fd); /* same as ours: nothing to join */
    return 0;
  }
  *out = fd;
  return 0;
}

static int exec_ns_open(pid_t pid, struct exec_ns *ns, sk_err_t *err)
{
  ns->n = 0;
  ns->pidns = -1;
  for (size_t i = 0; i < ARRAY_SIZE(ns_order); i++) {
    int fd;
    if (open_ns(pid, ns_order[i], &fd, err) < 0)
      return -1;
    if (fd >= 0) {
      ns->fds[ns->n] = fd;
      ns->types[ns->n++] = ns_order[i];
    }
  }
  return open_ns(pid, CLONE_NEWPID, &ns->pidns, err);
}

static void append_str(char ***v, size_t *len, const char *s)
{
  *v = xrealloc(*v, (*len + 2) * sizeof(char *));
  (*v)[(*len)++] = xstrdup(s);
  (*v)[*len] = NULL;
}

/* Replace or add K=V in a NULL-terminated env. */
static void env_set(char ***env, size_t *len, const char *kv)
{
  const char *eq = strchr(kv, '=');
  size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
  for (size_t i = 0; i < *len; i++)
    if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
      free((*env)[i]);
      (*env)[i] = xstrdup(kv);
      return;
    }
  append_str(env, len, kv);
}

static char **strv_dup(char *const *v, size_t n)
{
  char **r = xzalloc((n + 1) * sizeof(char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup(v[i]);
  return r;
}

/* Build the process to run: --process FILE, or the container's process with the CLI's changes.
 * The result is owned by *holder (a spec whose `process` is replaced). */
static int build_process(const struct sk_exec_opts *o, struct sk_spec *spec, sk_err_t *err)
{
  if (o->process_file) {
    _cleanup_free_ char *data = NULL;
    size_t len;
    if (sk_read_file_at(AT_FDCWD, o->process_file, &data, &len, err) < 0)
      return sk_err_prefix(err, "--process");
    /* A process object is parsed as the `process` of a minimal config, so it gets exactly the
     * validation a config's process gets. */
    _cleanup_free_ char *wrapped =
        xasprintf("{\"ociVersion\":\"1.2.0\",\"process\":%.*s}", (int)len, data);
    struct sk_spec *tmp = NULL;
    if (sk_spec_parse(wrapped, strlen(wrapped), o->process_file, &tmp, err) < 0)
      return -1;
    if (tmp->process == NULL) {
      sk_spec_free(tmp);
      return sk_failx(err, "%s: not a process object", o->process_file);
    }
    struct sk_process *p = spec->process;
    spec->process = tmp->process;
    tmp->process = p;
    sk_spec_free(tmp);
    return 0;
  }
  struct sk_process *p = spec->process;
  if (o->args == NULL || o->args[0] == NULL)
    return sk_failx(err, "exec: no command given");
  sk_strv_free(p->args);
  p->args_len = sk_strv_len(o->args);
  p->args = strv_dup(o->args, p->args_len);
  p->terminal = o->tty;
  p->has_console_size = false;
  for (char **e = o->env; e && *e; e++)
    env_set(&p->env, &p->env_len, *e);
  if (o->cwd) {
    free(p->cwd);
    p->cwd = xstrdup(o->cwd);
  }
  if (o->user) {
    uint64_t uid, gid;
    _cleanup_free_ char *u = xstrdup(o->user);
    char *colon = strchr(u, ':');
    if (colon)
      *colon = '\0';
    if (sk_parse_u64(u, &uid) < 0 || uid > UINT32_MAX ||
        (colon && (sk_parse_u64(colon + 1, &gid) < 0 || gid > UINT32_MAX)))
      return sk_failx(err, "--user \"%s\": expected UID[:GID] (numbers)", o->user);
    p->user.uid = uid;
    if (colon)
      p->user.gid = gid;
  }
  for (char **g = o->additional_gids; g && *g; g++) {
    uint64_t gid;
    if (sk_parse_u64(*g, &gid) < 0 || gid > UINT32_MAX)
      return sk_failx(err, "--additional-gids \"%s\": not a group id", *g);
    p->user.additional_gids =
        xrealloc(p->user.additional_gids, (p->user.additional_gids_len + 1) * sizeof(uint32_t));
    p->user.additional_gids[p->user.additional_gids_len++] = gid;
  }
  for (char **c = o->caps; c && *c; c++) {
    int cap = sk_cap_from_name(*c);
    if (cap < 0)
      return sk_failx(err, "--cap: unknown capability \"%s\"", *c);
    if (p->capabilities == NULL)
      p->capabilities = xzalloc(sizeof *p->capabilities);
    uint64_t bit = 1ULL << cap;
    struct sk_capabilities *k = p->capabilities;
    k->bounding |= bit;
    k->effective |= bit;
    k->permitted |= bit;
    k->has_bounding = k->has_effective = k->has_permitted = true;
  }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor) {
    free(p->apparmor_profile);
    p->apparmor_profile = xstrdup(o->apparmor);
  }
  if (o->process_label) {
    free(p->selinux_label);
    p->selinux_label = xstrdup(o->process_label);
  }
  return 0;
}

struct exec_child {
  const struct sk_exec_opts *o;
  const struct sk_spec *spec;
  struct exec_ns *ns;
  struct sk_seccomp_filter *filter;
  int sock;
  bool userns;
};

/* The exec'd process, from fork to execve; returns only on failure. */
static int exec_child(struct exec_child *c, sk_err_t *err)
{
  const struct sk_process *p = c->spec->process;
  prctl(PR_SET_DUMPABLE, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sk_reset_signals();
  /* Wait until the runtime has put us in the container's cgroup. */
  if (sk_sync_recv(c->sock, SK_SYNC_GO, NULL, NULL, NULL, NULL, err) < 0)
    return -1;
  /* Detached, the process outlives `skiff exec`, which waits only until our execve (the sync
   * socket's EOF): from here on its death must not take us with it. */
  if (c->o->detach)
    prctl(PR_SET_PDEATHSIG, 0);
  for (int i = 0; i < c->ns->n; i++)
    if (setns(c->ns->fds[i], c->ns->types[i]) < 0)
      return sk_failno(err, "join the container's %s namespace", sk_ns_name(c->ns->types[i]));
  if (c->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
    return sk_failno(err, "become root in the container's user namespace");
  /* setns(mnt) put us at the container's root; chdir to be explicit about it. */
  if (chdir("/") < 0)
    return sk_failno(err, "chdir /");
  int procfd = sk_open_private_procfs(err);
  if (procfd < 0)
    return -1;
  int slave = -1;
  if (p->terminal) {
    int master;
    if (sk_pty_open("/dev/pts/ptmx", &master, &slave, err) < 0)
      return sk_err_prefix(err, "exec --tty");
    int r = sk_sync_send(c->sock, SK_SYNC_PTY, NULL, 0, master, err);
    close(master);
    if (r < 0)
      return -1;
    if (sk_pty_become_console(slave, err) < 0)
      return -1;
    close(slave);
  }
  int listener = -1;
  struct sk_exec_ctx ectx = {
      .process = p,
      .spec = c->spec,
      .seccomp = c->filter,
      .seccomp_listener_fd = listener,
      .procfd = procfd,
      .state_json = NULL,
      .preserve_fds = c->o->preserve_fds,
      .in_new_userns = c->userns,
  };
  sk_log_close();
  return sk_process_exec(&ectx, err);
}

/* Wait for the exec'd process, forwarding signals and proxying a pty. */
static int exec_wait(pid_t pid, int sigfd, int master, int *status, sk_err_t *err)
{
  struct sk_tty_saved saved = {.fd = -1};
  if (master >= 0 && isatty(STDIN_FILENO)) {
    sk_tty_copy_size(STDIN_FILENO, master);
    sk_err_t e = NULL;
    if (sk_tty_make_raw(STDIN_FILENO, &saved, &e) < 0)
      sk_err_free(&e);
  }
  bool in_open = master >= 0;
  int ret = -1;
  for (;;) {
    struct pollfd pf[3] = {{.fd = sigfd, .events = POLLIN},
                           {.fd = master, .events = POLLIN},
                           {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN}};
    if (poll(pf, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      sk_failno(err, "poll");
      break;
    }
    if (pf[1].revents & (POLLIN | POLLHUP | POLLERR) && sk_tty_pump(master, STDOUT_FILENO) <= 0)
      master = -1;
    if (pf[2].revents & (POLLIN | POLLHUP) &&
        (master < 0 || sk_tty_pump(STDIN_FILENO, master) <= 0))
      in_open = false;
    if (!(pf[0].revents & POLLIN))
      continue;
    struct signalfd_siginfo si;
    if (read(sigfd, &si, sizeof si) != sizeof si)
      continue;
    if (si.ssi_signo == SIGCHLD) {
      int ws;
      if (waitpid(pid, &ws, WNOHANG) == pid) {
        while (master >= 0) {
          struct pollfd d = {.fd = master, .events = POLLIN};
          if (poll(&d, 1, 0) <= 0 || sk_tty_pump(master, STDOUT_FILENO) <= 0)
            break;
        }
        *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
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
  sk_tty_restore(&saved);
  return ret;
}

int sk_container_exec(const struct sk_global_opts *g, const struct sk_exec_opts *o, int *status,
                      sk_err_t *err)
{
  _cleanup_close_ int dirfd = -1;
  struct sk_state st = {0};
  struct sk_spec *spec = NULL;
  struct sk_seccomp_filter *filter = NULL;
  struct sk_cgroup *cg = NULL;
  struct exec_ns ns = {.n = 0, .pidns = -1};
  int socks[2] = {-1, -1};
  int ret = -1;
  /* Declared before the first goto: a jump past a cleanup variable's initialisation would run
   * the cleanup on an indeterminate value (clang refuses such code; gcc accepts it). */
  _cleanup_close_ int own_pidns = -1, sigfd = -1, master = -1;
  *status = 0;

  if (sk_container_load(g, o->id, NULL, &dirfd, &st, &spec, err) < 0)
    return -1;
  enum sk_status s = sk_state_status(dirfd, &st);
  if (s != SK_STATUS_RUNNING && s != SK_STATUS_CREATED) {
    sk_failx(err, "cannot exec in container \"%s\": it is %s", o->id, sk_status_name(s));
    goto out;
  }
  if (build_process(o, spec, err) < 0)
    goto out;
  if (sk_process_validate(spec->process, o->process_file ? o->process_file : "exec", err) < 0)
    goto out;
  if (spec->process->terminal && o->console_socket == NULL && o->detach) {
    sk_failx(err, "exec --tty --detach needs a --console-socket");
    goto out;
  }
  if (spec->linux_ && spec->linux_->seccomp &&
      sk_seccomp_prepare(spec->linux_->seccomp, &filter, err) < 0)
    goto out;
  if (st.cgroup && sk_cgroup_load(st.cgroup, &cg, err) < 0)
    goto out;
  if (exec_ns_open(st.pid, &ns, err) < 0)
    goto out;
  /* The lock is not needed past this point: the namespaces are pinned by their fds. */
  close(steal_fd(dirfd));
  /* Remember our own pid namespace: once the child is forked, pid_for_children goes back to it,
   * so nothing this process forks later (a sanitizer's tracer at exit, a helper) lands in the
   * container's pid namespace, where it could not see us. */
  if (ns.pidns >= 0) {
    own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own_pidns < 0) {
      sk_failno(err, "open /proc/self/ns/pid");
      goto out;
    }
    if (setns(ns.pidns, CLONE_NEWPID) < 0) {
      sk_failno(err, "join the container's pid namespace");
      goto out;
    }
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
    sk_failno(err, "socketpair");
    goto out;
  }

  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  if (!o->detach)
    sigfd = signalfd(-1, &all, SFD_CLOEXEC);
  bool userns = false;
  for (int i = 0; i < ns.n; i++)
    userns |= ns.types[i] == CLONE_NEWUSER;
  pid_t pid = fork();
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    sk_failno(err, "fork");
    goto out;
  }
  if (pid == 0) {
    close(socks[0]);
    struct exec_child c = {o, spec, &ns, filter, socks[1], userns};
    sk_err_t e = NULL;
    exec_child(&c, &e);
    sk_sync_send_error(socks[1], &e);
    _exit(127);
  }
  if (own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0)
    sk_warn("exec: cannot restore pid_for_children: %m");
  close(socks[1]);
  socks[1] = -1;
  if (cg && sk_cgroup_enter(cg, pid, err) < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    goto out;
  }

  if (sk_sync_send(socks[0], SK_SYNC_GO, NULL, 0, -1, err) < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    goto out;
  }

  /* Until EOF: a pty to hand over, or the child's error. */
  for (;;) {
    enum sk_sync_type type;
    int fd = -1;
    sk_err_t e = NULL;
    int r = sk_sync_recv(socks[0], 0, &type, NULL, NULL, &fd, &e);
    if (r < 0) {
      if (r == SK_SYNC_EOF) { /* the socket is CLOEXEC: EOF means execve happened */
        sk_err_free(&e);
        break;
      }
      *err = e;
      waitpid(pid, NULL, 0);
      sigprocmask(SIG_SETMASK, &old, NULL);
      goto out;
    }
    if (type == SK_SYNC_PTY && fd >= 0) {
      if (o->console_socket) {
        int r = sk_console_socket_send(o->console_socket, fd, err);
        close(fd);
        if (r < 0) {
          kill(pid, SIGKILL);
          waitpid(pid, NULL, 0);
          sigprocmask(SIG_SETMASK, &old, NULL);
          goto out;
        }
      } else {
        master = fd;
      }
    } else if (fd >= 0) {
      close(fd);
    }
  }
  if (o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", pid);
    if (sk_atomic_write_at(AT_FDCWD, o->pid_file, buf, n, 0644, err) < 0) {
      /* a caller that cannot learn the pid cannot manage the process: do not leave it behind */
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      sigprocmask(SIG_SETMASK, &old, NULL);
      goto out;
    }
  }
  if (o->detach)
    ret = 0;
  else
    ret = exec_wait(pid, sigfd, master, status, err);
  sigprocmask(SIG_SETMASK, &old, NULL);

out:
  if (socks[0] >= 0)
    close(socks[0]);
  if (socks[1] >= 0)
    close(socks[1]);
  exec_ns_close(&ns);
  if (cg)
    sk_cgroup_free(cg);
  if (filter)
    sk_seccomp_filter_free(filter);
  sk_spec_free(spec);
  sk_state_clear(&st);
  return ret;
}
