/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container state on disk: <root>/<id>/ holds state.json (written atomically), exec.fifo (exists
 * while the container is `created`), config.json (the config as parsed at create).  Every command
 * on one ID holds an exclusive flock on the <root>/<id> directory fd for its duration. */
#ifndef SKIFF_STATE_H
#define SKIFF_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

#define SK_ID_MAX 1024

enum sk_status {
  SK_STATUS_CREATING = 0,
  SK_STATUS_CREATED,
  SK_STATUS_RUNNING,
  SK_STATUS_PAUSED,
  SK_STATUS_STOPPED,
};

struct sk_state {
  char *id;
  char *bundle;                 /* absolute */
  char *rootfs;                 /* absolute host path of the rootfs */
  pid_t pid;                    /* host pid of the container init, 0 before it exists */
  unsigned long long pid_start; /* /proc/<pid>/stat starttime: tells a reused pid apart */
  char *created;                /* RFC 3339 */
  uid_t owner;
  char *cgroup; /* the cgroup backend's saved description (sk_cgroup_save), NULL: none */
  int ns_flags; /* CLONE_NEW* namespaces the container created (exec joins these via /proc/pid/ns)
                 */
  bool started; /* `start` ran (kept for hosts where the fifo is gone but init never exec'd) */
  bool systemd_cgroup;
  struct sk_kv *annotations;
  size_t annotations_len;
};

/* Validate a container ID: 1..SK_ID_MAX bytes of [A-Za-z0-9_.+-], not "." or "..". */
int sk_state_validate_id(const char *id, sk_err_t *err);
/* Open (creating with mode 0700 when missing) the state root. */
int sk_state_root_open(const char *root, int *out_fd, sk_err_t *err);
/* Create <root>/<id> (fails with `container "ID" already exists`) and lock it. */
int sk_state_create_dir(int rootfd, const char *id, int *out_dirfd, sk_err_t *err);
/* Open and lock <root>/<id>; `container "ID" does not exist` when absent or deleted meanwhile. */
int sk_state_open(int rootfd, const char *id, int *out_dirfd, sk_err_t *err);
/* Open <root>/<id> without the lock: for readers that only look (`list`).  state.json is replaced
 * atomically, so an unlocked read sees a whole old or new state. */
int sk_state_open_unlocked(int rootfd, const char *id, int *out_dirfd, sk_err_t *err);
int sk_state_write(int dirfd, const struct sk_state *st, sk_err_t *err);
int sk_state_read(int dirfd, struct sk_state *st, sk_err_t *err);
void sk_state_clear(struct sk_state *st);
/* Remove <root>/<id> and everything in it (the caller holds the lock). */
int sk_state_remove(int rootfd, const char *id, int dirfd, sk_err_t *err);

/* Is st->pid still the process we started (alive, not a zombie, same starttime)? */
bool sk_state_init_alive(const struct sk_state *st);
unsigned long long sk_proc_starttime(pid_t pid); /* 0 when gone */
/* created / running / paused / stopped, from the init's liveness, exec.fifo and the freezer. */
enum sk_status sk_state_status(int dirfd, const struct sk_state *st);
const char *sk_status_name(enum sk_status s);

/* The OCI state JSON (ociVersion, id, status, pid, bundle, annotations, created, owner, rootfs). */
char *sk_state_json(const struct sk_state *st, enum sk_status status, bool pretty);
/* IDs under the root, sorted; NULL-terminated. */
int sk_state_list(int rootfd, char ***ids, sk_err_t *err);

#endif
