/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One cgroup interface over three host layouts: legacy v1, hybrid (v1 controllers + a cgroup2
 * mount at /sys/fs/cgroup/unified) and pure v2.  The lifecycle code never knows which it talks to.
 */
#ifndef SKIFF_CGROUP_H
#define SKIFF_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

enum sk_cgroup_mode { SK_CGROUP_MODE_V1 = 1, SK_CGROUP_MODE_HYBRID, SK_CGROUP_MODE_V2 };
enum sk_cgroup_manager {
  SK_CGROUP_MANAGER_CGROUPFS = 0,
  SK_CGROUP_MANAGER_SYSTEMD,
  SK_CGROUP_MANAGER_DISABLED
};

struct sk_cgroup; /* opaque */

struct sk_cgroup_config {
  const char *id;
  const char *cgroups_path;             /* linux.cgroupsPath or NULL (default "/<id>") */
  const struct sk_resources *resources; /* may be NULL */
  enum sk_cgroup_manager manager;
  bool join_existing; /* reuse (not create) when the path exists */
  /* linux.devices: the devices created in the container's /dev are allowed (rwm) too */
  const struct sk_device *devices;
  size_t devices_len;
};

int sk_cgroup_mode_detect(enum sk_cgroup_mode *out, sk_err_t *err);

/* Resolve the path, create the cgroup in every hierarchy, apply resources.  On failure nothing
 * is left behind.  With SK_CGROUP_MANAGER_DISABLED, *out is NULL and 0 is returned. */
int sk_cgroup_create(const struct sk_cgroup_config *cfg, struct sk_cgroup **out, sk_err_t *err);
/* An O_DIRECTORY fd of the v2 leaf for clone3(CLONE_INTO_CGROUP), or -1 when not applicable
 * (v1 host, or controllers that must be joined by writing cgroup.procs). */
int sk_cgroup_clone_fd(struct sk_cgroup *cg);
/* Put pid into the cgroup in every hierarchy (skips those already joined via clone3). */
int sk_cgroup_enter(struct sk_cgroup *cg, pid_t pid, sk_err_t *err);
/* Apply (again) a set of resources: create and `update`. */
int sk_cgroup_update(struct sk_cgroup *cg, const struct sk_resources *r, sk_err_t *err);

/* Persist / restore through state.json: a single string. */
char *sk_cgroup_save(const struct sk_cgroup *cg);
int sk_cgroup_load(const char *saved, struct sk_cgroup **out, sk_err_t *err);
/* The path inside the hierarchies, e.g. "/mycontainer". */
const char *sk_cgroup_path(const struct sk_cgroup *cg);

/* Signal every process in the cgroup (v2 cgroup.kill for SIGKILL where present). */
int sk_cgroup_kill(struct sk_cgroup *cg, int sig, sk_err_t *err);
/* Remove the cgroup (children first) in every hierarchy; waits briefly for dying tasks. */
int sk_cgroup_destroy(struct sk_cgroup *cg, sk_err_t *err);
int sk_cgroup_freeze(struct sk_cgroup *cg, bool freeze, sk_err_t *err);
bool sk_cgroup_is_frozen(struct sk_cgroup *cg);
/* Host pids in the cgroup (and its children). */
int sk_cgroup_pids(struct sk_cgroup *cg, pid_t **pids, size_t *n, sk_err_t *err);
/* runc-compatible stats JSON object ({"cpu":...,"memory":...,"pids":...,"blkio":...,"hugetlb":...})
 */
int sk_cgroup_stats_json(struct sk_cgroup *cg, char **json, sk_err_t *err);
void sk_cgroup_free(struct sk_cgroup *cg);

#endif
