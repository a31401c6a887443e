/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the cgroup front end (cgroup.c) and its backends (cgroup_v1.c, cgroup_v2.c,
 * cgroup_devices.c, cgroup_stats.c). */
#ifndef SKIFF_CGROUP_INTERNAL_H
#define SKIFF_CGROUP_INTERNAL_H

#include <stdbool.h>
#include "cgroup.h"

#define SK_CGROUP_ROOT "/sys/fs/cgroup"
#define SK_CGROUP_MAX_HIER 16

/* One mounted hierarchy: a v1 controller set ("cpu,cpuacct", "name=systemd") or the v2 one. */
struct sk_cg_hier {
  char *name; /* directory under /sys/fs/cgroup ("memory", "unified"; "" on pure v2) */
  bool v2;
  char *path;  /* the container's cgroup inside it, "/a/b" */
  int dirfd;   /* the container's cgroup directory, -1 until created/opened */
  int created; /* how many trailing path levels we created (destroy removes only those) */
};

struct sk_cgroup {
  enum sk_cgroup_mode mode;
  struct sk_cg_hier h[SK_CGROUP_MAX_HIER];
  int n;
  int v2; /* index of the v2 hierarchy or -1 */
  /* during create only: linux.devices, allowed after the resources' rules */
  const struct sk_device *devices;
  size_t devices_len;
};

/* The hierarchy holding a v1 controller, or NULL. */
struct sk_cg_hier *sk_cg_v1(struct sk_cgroup *cg, const char *controller);
/* Is a controller available in the v2 hierarchy (cgroup.controllers of its parent)? */
bool sk_cg_v2_has(struct sk_cgroup *cg, const char *controller);
/* Write value to file in h's directory; errors name the resource and the file. */
int sk_cg_write(struct sk_cg_hier *h, const char *file, const char *value, const char *resource,
                sk_err_t *err);
int sk_cg_writef(struct sk_cg_hier *h, const char *file, const char *resource, sk_err_t *err,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int sk_cg_read(struct sk_cg_hier *h, const char *file, char **out);

/* Resource writes that are the same on v1 and v2, given the hierarchy that holds them. */
int sk_cg_write_cpuset(struct sk_cg_hier *h, const struct sk_cpu *c, sk_err_t *err);
int sk_cg_write_rdma(struct sk_cg_hier *h, const struct sk_resources *r, sk_err_t *err);
/* hugetlb.<size>.<suffix>: "limit_in_bytes" on v1, "max" on v2 */
int sk_cg_write_hugetlb(struct sk_cg_hier *h, const struct sk_resources *r, const char *suffix,
                        sk_err_t *err);

int sk_cg_v1_apply(struct sk_cgroup *cg, const struct sk_resources *r, bool update, sk_err_t *err);
int sk_cg_v2_apply(struct sk_cgroup *cg, const struct sk_resources *r, bool update, sk_err_t *err);
/* cpu.shares (2..262144) to cpu.weight (1..10000): 1 + ((shares - 2) * 9999) / 262142. */
uint64_t sk_cg_shares_to_weight(uint64_t shares);

/* v2 device control: an eBPF program attached to dirfd (replacing the one we attached before). */
int sk_cg_v2_devices(int dirfd, const struct sk_device_rule *rules, size_t n, sk_err_t *err);

/* The device rules to apply: the config's, in order, then the devices every container needs
 * (null, zero, full, random, urandom, tty, console, ptmx, the pts devices, and mknod of anything),
 * as runc adds them, and linux.devices during create.  All after a first "deny all".  Later rules
 * win. */
struct sk_device_rule *sk_cg_device_rules(const struct sk_cgroup *cg, const struct sk_resources *r,
                                          size_t *n);

#endif
