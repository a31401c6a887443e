/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process settings of the container (or of an `exec`), applied in an order that keeps each
 * step possible:
 *
 *   rlimits (raising a hard limit needs CAP_SYS_RESOURCE) -> personality, I/O priority, scheduler
 *   -> umask, cwd (inside the pivoted root) -> bounding set (needs CAP_SETPCAP)
 *   -> [seccomp here when noNewPrivileges is false: loading it then needs CAP_SYS_ADMIN]
 *   -> groups, gid, uid with PR_SET_KEEPCAPS -> capability sets -> LSM exec labels
 *   -> no_new_privs -> [seccomp here otherwise: the last step, nothing of ours is filtered]
 *   -> close-on-exec for every fd the process must not get -> execve.
 */
#include "config.h"
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"
#include "log.h"
#include "lsm.h"
#include "seccomp.h"
#include "utils.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *rlimit_name(int r)
{
  static const char *const names[] = {
      [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
      [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
      [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
      [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
      [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
      [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
      [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
      [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
  };
  return r >= 0 && (size_t)r < ARRAY_SIZE(names) && names[r] ? names[r] : "RLIMIT_?";
}

int sk_process_validate(const struct sk_process *p, const char *where, sk_err_t *err)
{
  if (!p)
    return sk_failx(err, "%s: missing (the container needs a process to run)", where);
  if (p->args_len == 0 || !p->args || !p->args[0] || !p->args[0][0])
    return sk_failx(err, "%s.args: must name the program to run", where);
  if (!p->cwd || p->cwd[0] != '/')
    return sk_failx(err, "%s.cwd: must be an absolute path, got \"%s\"", where,
                    p->cwd ? p->cwd : "");
  for (size_t i = 0; i < p->rlimits_len; i++) {
    const struct sk_rlimit *r = &p->rlimits[i];
    if (r->soft > r->hard)
      return sk_failx(err, "%s.rlimits[%zu]: %s: soft limit %llu is above the hard limit %llu",
                      where, i, rlimit_name(r->resource), (unsigned long long)r->soft,
                      (unsigned long long)r->hard);
    for (size_t j = 0; j < i; j++)
      if (p->rlimits[j].resource == r->resource)
        return sk_failx(err, "%s.rlimits[%zu]: %s given twice", where, i, rlimit_name(r->resource));
  }
  for (size_t i = 0; i < p->env_len; i++)
    if (!strchr(p->env[i], '='))
      return sk_failx(err, "%s.env[%zu]: \"%s\" is not of the form KEY=VALUE", where, i, p->env[i]);
  if (p->oom_score_adj.set && (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000))
    return sk_failx(err, "%s.oomScoreAdj: %lld is outside -1000..1000", where,
                    (long long)p->oom_score_adj.v);
  if (p->user.umask.set && p->user.umask.v > 0777)
    return sk_failx(err, "%s.user.umask: %#llo is not a file mode mask", where,
                    (unsigned long long)p->user.umask.v);
  if (p->apparmor_profile && p->apparmor_profile[0] && !sk_apparmor_enabled())
    return sk_failx(err,
                    "%s.apparmorProfile: \"%s\" asked for, but AppArmor is not enabled on this "
                    "host",
                    where, p->apparmor_profile);
  if (p->selinux_label && p->selinux_label[0] && !sk_selinux_enabled())
    return sk_failx(err,
                    "%s.selinuxLabel: \"%s\" asked for, but SELinux is not enabled on this host",
                    where, p->selinux_label);
  return 0;
}

int sk_process_set_names(const struct sk_spec *spec, sk_err_t *err)
{
  if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
    return sk_failno(err, "config.json: hostname: set \"%s\"", spec->hostname);
  if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
    return sk_failno(err, "config.json: domainname: set \"%s\"", spec->domainname);
  return 0;
}

int sk_process_set_oom_score_adj(pid_t pid, const struct sk_process *p, sk_err_t *err)
{
  if (!p || !p->oom_score_adj.set)
    return 0;
  /* The runtime's /proc is the host's: the container has no say over it yet. */
  char path[64], val[32];
  snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
  snprintf(val, sizeof val, "%lld", (long long)p->oom_score_adj.v);
  if (sk_write_string_at(AT_FDCWD, path, val, err) < 0)
    return sk_err_prefix(err, "process.oomScoreAdj");
  return 0;
}

static bool is_executable_file(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static const char *env_get(char *const *env, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
      return env[i] + kl + 1;
  return NULL;
}

int sk_process_find_exec(const char *arg0, char *const *env, char **out, sk_err_t *err)
{
  if (!arg0 || !*arg0)
    return sk_failx(err, "process.args[0]: empty");
  if (strchr(arg0, '/')) {
    struct stat st;
    if (stat(arg0, &st) < 0)
      return sk_failno(err, "exec \"%s\"", arg0);
    if (!S_ISREG(st.st_mode))
      return sk_failx(err, "exec \"%s\": not a regular file", arg0);
    if (!(st.st_mode & 0111))
      return sk_fail(err, EACCES, "exec \"%s\": not executable", arg0);
    *out = xstrdup(arg0);
    return 0;
  }
  const char *path = env_get(env, "PATH");
  if (!path)
    path = DEFAULT_PATH;
  const char *p = path;
  char buf[PATH_MAX];
  for (;;) {
    const char *end = strchrnul(p, ':');
    size_t dl = end - p;
    /* An empty element means the current directory, as in execvp. */
    int n = dl ? snprintf(buf, sizeof buf, "%.*s/%s", (int)dl, p, arg0)
               : snprintf(buf, sizeof buf, "%s", arg0);
    if (n > 0 && (size_t)n < sizeof buf && is_executable_file(buf)) {
      *out = xstrdup(buf);
      return 0;
    }
    if (!*end)
      break;
    p = end + 1;
  }
  return sk_fail(err, ENOENT, "exec: executable file \"%s\" not found in $PATH", arg0);
}

int sk_process_set_rlimits(const struct sk_process *p, sk_err_t *err)
{
  for (size_t i = 0; i < p->rlimits_len; i++) {
    const struct sk_rlimit *r = &p->rlimits[i];
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit(r->resource, &rl) == 0)
      continue;
    int e = errno;
    struct rlimit cur = {0};
    getrlimit(r->resource, &cur);
    if (e == EPERM && r->hard > cur.rlim_max)
      return sk_fail(err, e,
                     "process.rlimits[%zu]: %s: cannot raise the hard limit to %llu: the current "
                     "hard limit is %llu and raising it needs CAP_SYS_RESOURCE",
                     i, rlimit_name(r->resource), (unsigned long long)r->hard,
                     (unsigned long long)cur.rlim_max);
    return sk_fail(err, e, "process.rlimits[%zu]: %s: set soft %llu, hard %llu", i,
                   rlimit_name(r->resource), (unsigned long long)r->soft,
                   (unsigned long long)r->hard);
  }
  return 0;
}

#ifndef IOPRIO_WHO_PROCESS
#define IOPRIO_WHO_PROCESS 1
#endif
struct sk_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

static int apply_sched(const struct sk_process *p, sk_err_t *err)
{
  if (p->io_priority.set) {
    int prio = (p->io_priority.klass << 13) | p->io_priority.priority;
    if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
      return sk_failno(err, "process.ioPriority: ioprio_set class %d priority %d",
                       p->io_priority.klass, p->io_priority.priority);
  }
  if (p->scheduler.set) {
    struct sk_sched_attr a = {
        .size = sizeof a,
        .sched_policy = (uint32_t)p->scheduler.policy,
        .sched_flags = p->scheduler.flags,
        .sched_nice = p->scheduler.nice,
        .sched_priority = (uint32_t)p->scheduler.priority,
        .sched_runtime = p->scheduler.runtime,
        .sched_deadline = p->scheduler.deadline,
        .sched_period = p->scheduler.period,
    };
    if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
      return sk_failno(err, "process.scheduler: sched_setattr policy %d", p->scheduler.policy);
  }
  return 0;
}

static int enter_cwd(const char *cwd, sk_err_t *err)
{
  /* We are inside the pivoted root, so the lookup cannot leave it.  A cwd that is not reachable
   * from the root (an inherited directory fd, CVE-2024-21626) shows as "(unreachable)" to
   * getcwd: refuse it. */
  if (chdir(cwd) < 0) {
    /* A missing cwd is created, as runc does (we are root in the container here). */
    if (errno != ENOENT || sk_mkdir_p(cwd, 0755, err) < 0 || chdir(cwd) < 0)
      return sk_failno(err, "process.cwd: chdir to \"%s\"", cwd);
  }
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf) && errno != ENAMETOOLONG)
    return sk_failno(err, "process.cwd: \"%s\" is not inside the container's root", cwd);
  return 0;
}

static int set_user(const struct sk_exec_ctx *ctx, sk_err_t *err)
{
  const struct sk_user *u = &ctx->process->user;
  if (u->additional_gids_len || !ctx->in_new_userns) {
    gid_t *g = (gid_t *)u->additional_gids;
    if (setgroups(u->additional_gids_len, g) < 0 &&
        !(errno == EPERM && ctx->in_new_userns && !u->additional_gids_len))
      return sk_failno(err, "process.user.additionalGids: setgroups");
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return sk_failno(err, "prctl(PR_SET_KEEPCAPS)");
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return sk_failno(err, "process.user.gid: setresgid %u", u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return sk_failno(err, "process.user.uid: setresuid %u", u->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return sk_failno(err, "prctl(PR_SET_KEEPCAPS)");
  return 0;
}

/* HOME from the container's /etc/passwd when the environment has none, as runc does.  We are
 * inside the pivoted root: /etc/passwd is the container's. */
static char **env_with_home(char *const *env, uid_t uid)
{
  if (env_get(env, "HOME"))
    return NULL;
  const char *home = "/";
  char *line = NULL;
  size_t cap = 0;
  _cleanup_free_ char *found = NULL;
  FILE *f = fopen("/etc/passwd", "re");
  if (f) {
    while (getline(&line, &cap, f) > 0) {
      /* name:pw:uid:gid:gecos:home:shell */
      char *fields[7] = {0};
      char *s = line;
      int n = 0;
      for (; n < 7 && s; n++) {
        fields[n] = s;
        s = strchr(s, ':');
        if (s)
          *s++ = '\0';
      }
      if (n < 6)
        continue;
      uint64_t id;
      if (sk_parse_u64(fields[2], &id) == 0 && id == uid) {
        fields[5][strcspn(fields[5], "\n")] = '\0';
        found = xstrdup(fields[5]);
        break;
      }
    }
    fclose(f);
    free(line);
  }
  if (found && *found)
    home = found;
  size_t n = sk_strv_len(env);
  char **out = xzalloc((n + 2) * sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = env[i];
  out[n] = xasprintf("HOME=%s", home);
  return out;
}

int sk_process_exec(const struct sk_exec_ctx *ctx, sk_err_t *err)
{
  const struct sk_process *p = ctx->process;
  if (!p)
    return sk_failx(err, "no process to run");

  if (!ctx->rlimits_done && sk_process_set_rlimits(p, err) < 0)
    return -1;
  if (ctx->spec && ctx->spec->linux_ && ctx->spec->linux_->personality.set &&
      personality(ctx->spec->linux_->personality.domain) < 0)
    return sk_failno(err, "linux.personality: set domain %#lx",
                     ctx->spec->linux_->personality.domain);
  if (apply_sched(p, err) < 0)
    return -1;
  if (p->user.umask.set)
    umask((mode_t)p->user.umask.v);
  else
    umask(022);
  if (enter_cwd(p->cwd, err) < 0)
    return -1;

  char *const *env = p->env;
  char **env_home = env_with_home(p->env, p->user.uid);
  if (env_home)
    env = env_home;
  _cleanup_free_ char *exe = NULL;
  /* Found while we are still root: a user without access to some PATH directory still finds
   * what root would, as execvp in runc's init does the lookup before the switch too. */
  if (sk_process_find_exec(p->args[0], env, &exe, err) < 0)
    return -1;

  if (sk_caps_apply_bounding(p->capabilities, err) < 0)
    return -1;
  bool seccomp_early = !p->no_new_privileges && ctx->seccomp;
  if (seccomp_early &&
      sk_seccomp_install(ctx->seccomp, ctx->seccomp_listener_fd, ctx->state_json, err) < 0)
    return -1;
  if (set_user(ctx, err) < 0)
    return -1;
  if (sk_caps_apply(p->capabilities, err) < 0)
    return -1;
  if (sk_lsm_set_exec_labels(p, ctx->procfd, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sk_failno(err, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
  if (!seccomp_early && ctx->seccomp &&
      sk_seccomp_install(ctx->seccomp, ctx->seccomp_listener_fd, ctx->state_json, err) < 0)
    return -1;

  /* Nothing of the runtime's crosses execve: every fd above stdio and the preserved ones is
   * close-on-exec (the private procfs, the listener socket, anything inherited by accident). */
  int keep = ctx->preserve_fds > 0 ? ctx->preserve_fds : 0;
  sk_cloexec_fds_from(3 + keep);
  for (int fd = 3; fd < 3 + keep; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && (fl & FD_CLOEXEC))
      fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  execve(exe, p->args, env);
  return sk_failno(err, "exec \"%s\"", exe);
}
