/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ps, events: a container's processes and its cgroup (pause and update are in container.h). */
#ifndef SKIFF_CONTAINER_CGROUP_H
#define SKIFF_CONTAINER_CGROUP_H

#include <sys/types.h>
#include "cgroup.h"
#include "container.h"

/* Host pids of every process in the container's cgroup. */
int sk_container_pids(const struct sk_global_opts *g, const char *id, pid_t **pids, size_t *n,
                      sk_err_t *err);
/* The cgroup of a live container (the state lock is released before returning). */
int sk_container_open_cgroup(const struct sk_global_opts *g, const char *id, struct sk_cgroup **cg,
                             pid_t *init, sk_err_t *err);
/* An eventfd that becomes readable on each OOM kill in the cgroup (v1 memory.oom_control,
 * v2 memory.events via inotify), and a function telling how many happened since the last call. */
int sk_cgroup_oom_fd(struct sk_cgroup *cg, sk_err_t *err);
int sk_cgroup_oom_read(struct sk_cgroup *cg, int fd);

#endif
