/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SKIFF_NAMESPACES_H
#define SKIFF_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

/* Namespace type from its config name ("pid", "network", ...); 0 if unknown. */
int sk_ns_type_from_name(const char *name);
const char *sk_ns_name(int type);      /* "pid" */
const char *sk_ns_proc_name(int type); /* "pid", "net", "mnt", ... as in /proc/PID/ns */

/* Namespaces to create (paths NULL), and fds of those to join (opened in the runtime so that a
 * bad path fails before anything is created). */
struct sk_ns_plan {
  int new_flags;
  int join_fds[8];
  int join_types[8];
  int njoin;
};
int sk_ns_plan(const struct sk_spec *spec, struct sk_ns_plan *plan, sk_err_t *err);
void sk_ns_plan_close(struct sk_ns_plan *plan);
/* In the child: setns() into each joined namespace, user namespace first. */
int sk_ns_join(const struct sk_ns_plan *plan, sk_err_t *err);
/* Runtime side: write uid_map/gid_map of pid (as root, directly; setgroups first when needed). */
int sk_ns_write_idmaps(pid_t pid, const struct sk_spec *spec, sk_err_t *err);
/* In the child, for a new time namespace: write the offsets. */
int sk_ns_write_time_offsets(const struct sk_spec *spec, sk_err_t *err);

#endif
