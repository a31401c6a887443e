/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI hooks.  Each hook runs with the container state on stdin, its own args and env (nothing of
 * the runtime's environment), and is killed when its timeout expires.  Its output is collected
 * so that a failing hook's own words end up in the error the caller sees. */
#include "config.h"
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "utils.h"

#define HOOK_OUTPUT_MAX 2048

const char *sk_hook_kind_name(enum sk_hook_kind kind)
{
  return kind < SK_HOOK_KINDS ? sk_hook_kind_names[kind] : "unknown";
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The state on stdin: a sealed memfd rather than a pipe, so a hook that never reads stdin can
 * neither block us nor be blocked. */
static int state_memfd(const char *state_json, sk_err_t *err)
{
  _cleanup_close_ int fd = memfd_create("skiff-hook-state", MFD_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "memfd_create");
  size_t len = strlen(state_json);
  if (sk_write_all(fd, state_json, len) < 0 || lseek(fd, 0, SEEK_SET) < 0)
    return sk_failno(err, "write the state for the hook");
  return steal_fd(fd);
}

static void trim(char *s)
{
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
    s[--n] = '\0';
}

static int run_one(const struct sk_hook *h, const char *where, const char *state_json,
                   sk_err_t *err)
{
  _cleanup_close_ int in = state_memfd(state_json, err);
  if (in < 0)
    return -1;
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0)
    return sk_failno(err, "%s: pipe", where);
  char *empty[] = {NULL};
  char *argv_default[] = {h->path, NULL};
  char *const *argv = h->args_len ? h->args : argv_default;
  char *const *envp = h->env ? h->env : empty;

  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return sk_failno(err, "%s: fork", where);
  }
  if (pid == 0) {
    /* Only stdin (the state), stdout and stderr (the collector) reach the hook. */
    sk_reset_signals();
    if (dup2(in, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
      _exit(127);
    sk_close_fds_from(3, NULL, 0);
    execve(h->path, argv, envp);
    dprintf(2, "exec %s: %s", h->path, strerror(errno));
    _exit(127);
  }
  close(out[1]);
  _cleanup_close_ int rd = out[0];

  int64_t deadline = h->timeout.set ? now_ms() + h->timeout.v * 1000 : -1;
  char buf[HOOK_OUTPUT_MAX + 1];
  size_t used = 0;
  bool timed_out = false;
  _cleanup_close_ int pidfd = syscall(SYS_pidfd_open, pid, 0);
  /* Read the output until the hook (and whatever it left holding the pipe) closes it, or the
   * timeout. */
  while (rd >= 0) {
    int timeout = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      timeout = left > 1000000 ? 1000000 : (int)left;
    }
    struct pollfd p = {.fd = rd, .events = POLLIN};
    int r = poll(&p, 1, timeout);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      break;
    if (r == 0)
      continue;
    char tmp[4096];
    ssize_t n = read(rd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    size_t take = (size_t)n > HOOK_OUTPUT_MAX - used ? HOOK_OUTPUT_MAX - used : (size_t)n;
    memcpy(buf + used, tmp, take);
    used += take;
  }
  buf[used] = '\0';
  trim(buf);

  int status = 0;
  if (!timed_out && deadline >= 0 && pidfd >= 0) {
    int64_t left = deadline - now_ms();
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    if (left <= 0 || poll(&p, 1, (int)left) == 0)
      timed_out = true;
  }
  if (timed_out)
    kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return sk_failno(err, "%s: wait for `%s`", where, h->path);

  if (timed_out)
    return sk_failx(err, "%s: `%s` timed out after %lld s%s%s", where, h->path,
                    (long long)h->timeout.v, used ? ": " : "", buf);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (used)
      sk_debug("%s: %s", where, buf);
    return 0;
  }
  if (WIFSIGNALED(status))
    return sk_failx(err, "%s: `%s` killed by signal %d%s%s", where, h->path, WTERMSIG(status),
                    used ? ": " : "", buf);
  return sk_failx(err, "%s: `%s` exited with status %d%s%s", where, h->path, WEXITSTATUS(status),
                  used ? ": " : "", buf);
}

int sk_hooks_run(const struct sk_spec *spec, enum sk_hook_kind kind, const char *state_json,
                 sk_err_t *err)
{
  if (kind >= SK_HOOK_KINDS)
    return sk_failx(err, "unknown hook kind %d", (int)kind);
  const struct sk_hook_list *l = &spec->hooks[kind];
  for (size_t i = 0; i < l->len; i++) {
    char where[64];
    snprintf(where, sizeof where, "hooks.%s[%zu]", sk_hook_kind_names[kind], i);
    sk_debug("running %s: %s", where, l->hooks[i].path);
    if (run_one(&l->hooks[i], where, state_json ? state_json : "{}", err) < 0)
      return -1;
  }
  return 0;
}
