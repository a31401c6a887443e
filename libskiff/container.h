/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container lifecycle: what each CLI command asks of libskiff. */
#ifndef SKIFF_CONTAINER_H
#define SKIFF_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>
#include "cgroup.h"
#include "error.h"
#include "spec.h"
#include "state.h"

struct sk_global_opts {
  const char *root; /* state root, default /run/skiff */
  enum sk_cgroup_manager cgroup_manager;
  bool debug;
  /* The runtime's whole argv, for `run` to re-execute itself from a sealed copy when the config
   * needs one (CVE-2019-5736, libskiff/selfexe.c).  NULL: the caller took care of it. */
  char **argv;
};

struct sk_create_opts {
  const char *id;
  const char *bundle;         /* NULL: the current directory */
  const char *config;         /* NULL: <bundle>/config.json */
  const char *pid_file;       /* NULL: none */
  const char *console_socket; /* NULL: none */
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  /* run only */
  bool detach;
  bool keep;
};

struct sk_exec_opts {
  const char *id;
  const char *process_file; /* --process FILE: a whole process JSON */
  char **args;              /* NULL-terminated, when no --process */
  bool tty;
  const char *console_socket;
  bool detach;
  const char *pid_file;
  const char *cwd;
  char **env;       /* K=V additions */
  const char *user; /* "UID[:GID]" */
  char **additional_gids;
  char **caps; /* added capabilities */
  bool no_new_privs;
  int preserve_fds;
  const char *apparmor;
  const char *process_label;
};

int sk_container_create(const struct sk_global_opts *g, const struct sk_create_opts *o,
                        sk_err_t *err);
int sk_container_start(const struct sk_global_opts *g, const char *id, sk_err_t *err);
/* create + start; in the foreground, waits and returns the container's exit status in *status
 * (128+N for a signal), forwarding signals to the init; with a terminal and no console socket it
 * proxies a pty. */
int sk_container_run(const struct sk_global_opts *g, const struct sk_create_opts *o, int *status,
                     sk_err_t *err);
int sk_container_kill(const struct sk_global_opts *g, const char *id, int sig, bool all,
                      sk_err_t *err);
int sk_container_delete(const struct sk_global_opts *g, const char *id, bool force, sk_err_t *err);
/* The OCI state JSON of one container. */
int sk_container_state(const struct sk_global_opts *g, const char *id, char **json, sk_err_t *err);
int sk_container_exec(const struct sk_global_opts *g, const struct sk_exec_opts *o, int *status,
                      sk_err_t *err);
int sk_container_pause(const struct sk_global_opts *g, const char *id, bool pause, sk_err_t *err);
int sk_container_update(const struct sk_global_opts *g, const char *id,
                        const struct sk_resources *r, sk_err_t *err);

/* Open + lock a container's state and load it (helpers for the commands above and the CLI).
 * On success *dirfd is the locked state dir and *spec (when spec != NULL) the saved config. */
int sk_container_load(const struct sk_global_opts *g, const char *id, int *rootfd, int *dirfd,
                      struct sk_state *st, struct sk_spec **spec, sk_err_t *err);

#endif
