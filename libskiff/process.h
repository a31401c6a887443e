/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process settings, applied by the container init (and by `exec`) up to execve. */
#ifndef SKIFF_PROCESS_H
#define SKIFF_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

struct sk_seccomp_filter;

/* Validate the process section at create (rlimit names, cwd absolute, args present...). */
int sk_process_validate(const struct sk_process *p, const char *where, sk_err_t *err);
/* In the init after the UTS namespace exists: hostname, domainname. */
int sk_process_set_names(const struct sk_spec *spec, sk_err_t *err);
/* linux.sysctl through a private procfs (procfd); refuses keys that are not namespaced. */
int sk_sysctl_apply(const struct sk_spec *spec, int procfd, sk_err_t *err);
/* Validate linux.sysctl keys at create: namespaced keys only, and only those whose namespace the
 * container has its own of. */
int sk_sysctl_validate(const struct sk_spec *spec, sk_err_t *err);
/* Runtime side: oom_score_adj of a child, written through /proc/<pid> of the host. */
int sk_process_set_oom_score_adj(pid_t pid, const struct sk_process *p, sk_err_t *err);

struct sk_exec_ctx {
  const struct sk_process *process;
  const struct sk_spec *spec;        /* for linux.personality; may be NULL */
  struct sk_seccomp_filter *seccomp; /* compiled filter or NULL */
  int seccomp_listener_fd;           /* connected listener socket or -1 */
  int procfd;                        /* private procfs (paths.h) for LSM writes */
  const char *state_json;            /* for the seccomp listener */
  int preserve_fds;                  /* fds 3..3+N-1 pass through */
  bool in_new_userns;
  bool rlimits_done; /* the container init applied them before READY (so create fails) */
};
/* process.rlimits, as sk_process_exec applies them (errors name the limit and the cause). */
int sk_process_set_rlimits(const struct sk_process *p, sk_err_t *err);

/* The last steps, in order: rlimits, personality, cwd, user + groups with capabilities kept,
 * capability sets, LSM exec label, no_new_privs, seccomp, PATH lookup of args[0], execve.
 * Returns only on failure. */
int sk_process_exec(const struct sk_exec_ctx *ctx, sk_err_t *err);
/* Find args[0] through the PATH of env (the container's), as execvpe would, but reporting
 * "executable file `x` not found in $PATH". */
int sk_process_find_exec(const char *arg0, char *const *env, char **out, sk_err_t *err);

#endif
