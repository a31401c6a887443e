/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources on cgroup v1 hierarchies (v1 hosts and the v1 side of hybrid hosts). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_internal.h"
#include "log.h"
#include "utils.h"

static struct sk_cg_hier *need(struct sk_cgroup *cg, const char *ctrl, const char *resource,
                               sk_err_t *err)
{
  struct sk_cg_hier *h = sk_cg_v1(cg, ctrl);
  if (!h || h->dirfd < 0) {
    sk_failx(err, "%s: this host has no %s cgroup hierarchy", resource, ctrl);
    return NULL;
  }
  return h;
}

static void fmt_limit(char *buf, size_t size, int64_t v)
{
  snprintf(buf, size, "%" PRId64, v < 0 ? (int64_t)-1 : v);
}

static int apply_memory(struct sk_cgroup *cg, const struct sk_memory *m, sk_err_t *err)
{
  struct sk_cg_hier *h = need(cg, "memory", "linux.resources.memory", err);
  if (!h)
    return -1;
  char lim[32], sw[32];
  if (m->limit.set)
    fmt_limit(lim, sizeof lim, m->limit.v);
  if (m->swap.set)
    fmt_limit(sw, sizeof sw, m->swap.v);
  if (m->check_before_update.set && m->check_before_update.v && m->limit.set && m->limit.v > 0) {
    _cleanup_free_ char *usage = NULL;
    if (sk_cg_read(h, "memory.usage_in_bytes", &usage) == 0 &&
        strtoll(usage, NULL, 10) > m->limit.v)
      return sk_failx(
          err, "linux.resources.memory.limit: %" PRId64 " is below the current usage (%lld bytes)",
          m->limit.v, strtoll(usage, NULL, 10));
  }
  if (m->limit.set) {
    /* memsw must stay >= limit: when raising, raise memsw first; when lowering, limit first. */
    if (sk_cg_write(h, "memory.limit_in_bytes", lim, "linux.resources.memory.limit", NULL) < 0) {
      if (!m->swap.set)
        return sk_cg_write(h, "memory.limit_in_bytes", lim, "linux.resources.memory.limit", err);
      if (sk_cg_write(h, "memory.memsw.limit_in_bytes", sw, "linux.resources.memory.swap", err) <
              0 ||
          sk_cg_write(h, "memory.limit_in_bytes", lim, "linux.resources.memory.limit", err) < 0)
        return -1;
    } else if (m->swap.set && sk_cg_write(h, "memory.memsw.limit_in_bytes", sw,
                                          "linux.resources.memory.swap", err) < 0) {
      return -1;
    }
  } else if (m->swap.set && sk_cg_write(h, "memory.memsw.limit_in_bytes", sw,
                                        "linux.resources.memory.swap", err) < 0) {
    return -1;
  }
  if (m->reservation.set) {
    char r[32];
    fmt_limit(r, sizeof r, m->reservation.v);
    if (sk_cg_write(h, "memory.soft_limit_in_bytes", r, "linux.resources.memory.reservation", err) <
        0)
      return -1;
  }
  if (m->kernel.set && m->kernel.v != 0)
    sk_warn("linux.resources.memory.kernel is deprecated and ignored (kernel memory is "
            "accounted with the rest)");
  if (m->kernel_tcp.set &&
      sk_cg_writef(h, "memory.kmem.tcp.limit_in_bytes", "linux.resources.memory.kernelTCP", err,
                   "%" PRId64, m->kernel_tcp.v < 0 ? (int64_t)-1 : m->kernel_tcp.v) < 0)
    return -1;
  if (m->swappiness.set && sk_cg_writef(h, "memory.swappiness", "linux.resources.memory.swappiness",
                                        err, "%" PRIu64, m->swappiness.v) < 0)
    return -1;
  if (m->disable_oom_killer.set &&
      sk_cg_write(h, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0",
                  "linux.resources.memory.disableOOMKiller", err) < 0)
    return -1;
  if (m->use_hierarchy.set && sk_cg_write(h, "memory.use_hierarchy", m->use_hierarchy.v ? "1" : "0",
                                          "linux.resources.memory.useHierarchy", NULL) < 0)
    sk_debug("memory.use_hierarchy cannot be changed here (always 1 on recent kernels)");
  return 0;
}

static int apply_cpu(struct sk_cgroup *cg, const struct sk_cpu *c, sk_err_t *err)
{
  if (c->shares.set || c->quota.set || c->period.set || c->burst.set || c->realtime_runtime.set ||
      c->realtime_period.set || c->idle.set) {
    struct sk_cg_hier *h = need(cg, "cpu", "linux.resources.cpu", err);
    if (!h)
      return -1;
    if (c->shares.set && c->shares.v &&
        sk_cg_writef(h, "cpu.shares", "linux.resources.cpu.shares", err, "%" PRIu64, c->shares.v) <
            0)
      return -1;
    if (c->period.set && c->period.v &&
        sk_cg_writef(h, "cpu.cfs_period_us", "linux.resources.cpu.period", err, "%" PRIu64,
                     c->period.v) < 0)
      return -1;
    if (c->quota.set && sk_cg_writef(h, "cpu.cfs_quota_us", "linux.resources.cpu.quota", err,
                                     "%" PRId64, c->quota.v <= 0 ? (int64_t)-1 : c->quota.v) < 0)
      return -1;
    if (c->burst.set && sk_cg_writef(h, "cpu.cfs_burst_us", "linux.resources.cpu.burst", err,
                                     "%" PRIu64, c->burst.v) < 0)
      return -1;
    if (c->realtime_period.set &&
        sk_cg_writef(h, "cpu.rt_period_us", "linux.resources.cpu.realtimePeriod", err, "%" PRIu64,
                     c->realtime_period.v) < 0)
      return -1;
    if (c->realtime_runtime.set &&
        sk_cg_writef(h, "cpu.rt_runtime_us", "linux.resources.cpu.realtimeRuntime", err, "%" PRId64,
                     c->realtime_runtime.v) < 0)
      return -1;
    if (c->idle.set &&
        sk_cg_writef(h, "cpu.idle", "linux.resources.cpu.idle", err, "%" PRId64, c->idle.v) < 0)
      return -1;
  }
  if (c->cpus || c->mems) {
    struct sk_cg_hier *h = need(cg, "cpuset", "linux.resources.cpu.cpus", err);
    if (!h)
      return -1;
    if (sk_cg_write_cpuset(h, c, err) < 0)
      return -1;
  }
  return 0;
}

static int throttle(struct sk_cg_hier *h, const char *file, const char *what,
                    const struct sk_throttle_device *t, size_t n, sk_err_t *err)
{
  for (size_t i = 0; i < n; i++)
    if (sk_cg_writef(h, file, what, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                     t[i].rate) < 0)
      return -1;
  return 0;
}

static int apply_blkio(struct sk_cgroup *cg, const struct sk_block_io *b, sk_err_t *err)
{
  struct sk_cg_hier *h = need(cg, "blkio", "linux.resources.blockIO", err);
  if (!h)
    return -1;
  if (b->weight.set && b->weight.v) { /* 0: not set (Docker sends it) */
    /* CFQ's blkio.weight, or BFQ's on kernels without CFQ. */
    if (sk_cg_writef(h, "blkio.weight", "linux.resources.blockIO.weight", NULL, "%" PRIu64,
                     b->weight.v) < 0 &&
        sk_cg_writef(h, "blkio.bfq.weight", "linux.resources.blockIO.weight", err, "%" PRIu64,
                     b->weight.v) < 0)
      return sk_err_prefix(err, "neither blkio.weight nor blkio.bfq.weight works");
  }
  if (b->leaf_weight.set && b->leaf_weight.v &&
      sk_cg_writef(h, "blkio.leaf_weight", "linux.resources.blockIO.leafWeight", err, "%" PRIu64,
                   b->leaf_weight.v) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++) {
    const struct sk_weight_device *w = &b->weight_device[i];
    if (w->weight.set &&
        sk_cg_writef(h, "blkio.weight_device", "linux.resources.blockIO.weightDevice", err,
                     "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, w->weight.v) < 0)
      return -1;
    if (w->leaf_weight.set &&
        sk_cg_writef(h, "blkio.leaf_weight_device", "linux.resources.blockIO.weightDevice", err,
                     "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, w->leaf_weight.v) < 0)
      return -1;
  }
  return throttle(h, "blkio.throttle.read_bps_device",
                  "linux.resources.blockIO.throttleReadBpsDevice", b->throttle_read_bps,
                  b->throttle_read_bps_len, err) < 0 ||
                 throttle(h, "blkio.throttle.write_bps_device",
                          "linux.resources.blockIO.throttleWriteBpsDevice", b->throttle_write_bps,
                          b->throttle_write_bps_len, err) < 0 ||
                 throttle(h, "blkio.throttle.read_iops_device",
                          "linux.resources.blockIO.throttleReadIOPSDevice", b->throttle_read_iops,
                          b->throttle_read_iops_len, err) < 0 ||
                 throttle(h, "blkio.throttle.write_iops_device",
                          "linux.resources.blockIO.throttleWriteIOPSDevice", b->throttle_write_iops,
                          b->throttle_write_iops_len, err) < 0
             ? -1
             : 0;
}

static int apply_devices(struct sk_cgroup *cg, const struct sk_resources *r, sk_err_t *err)
{
  struct sk_cg_hier *h = need(cg, "devices", "linux.resources.devices", err);
  if (!h)
    return -1;
  size_t n;
  _cleanup_free_ struct sk_device_rule *rules = sk_cg_device_rules(cg, r, &n);
  for (size_t i = 0; i < n; i++) {
    const struct sk_device_rule *d = &rules[i];
    char rule[64], maj[24], min[24];
    if (d->major < 0)
      strcpy(maj, "*");
    else
      snprintf(maj, sizeof maj, "%" PRId64, d->major);
    if (d->minor < 0)
      strcpy(min, "*");
    else
      snprintf(min, sizeof min, "%" PRId64, d->minor);
    if (d->type == 'a' && d->major < 0 && d->minor < 0)
      snprintf(rule, sizeof rule, "a");
    else
      snprintf(rule, sizeof rule, "%c %s:%s %s", d->type, maj, min, d->access);
    if (sk_cg_write(h, d->allow ? "devices.allow" : "devices.deny", rule, "linux.resources.devices",
                    err) < 0)
      return -1;
  }
  return 0;
}

int sk_cg_v1_apply(struct sk_cgroup *cg, const struct sk_resources *r, bool update, sk_err_t *err)
{
  if (r->memory && apply_memory(cg, r->memory, err) < 0)
    return -1;
  if (r->cpu && apply_cpu(cg, r->cpu, err) < 0)
    return -1;
  if (r->pids_limit.set) {
    struct sk_cg_hier *h = need(cg, "pids", "linux.resources.pids.limit", err);
    if (!h)
      return -1;
    char v[32];
    if (r->pids_limit.v <= 0)
      strcpy(v, "max");
    else
      snprintf(v, sizeof v, "%" PRId64, r->pids_limit.v);
    if (sk_cg_write(h, "pids.max", v, "linux.resources.pids.limit", err) < 0)
      return -1;
  }
  if (r->block_io && apply_blkio(cg, r->block_io, err) < 0)
    return -1;
  if ((r->devices_len || !update) && apply_devices(cg, r, err) < 0)
    return -1;
  if (r->hugepage_limits_len) {
    struct sk_cg_hier *h = sk_cg_v1(cg, "hugetlb");
    if (h && h->dirfd >= 0) {
      if (sk_cg_write_hugetlb(h, r, "limit_in_bytes", err) < 0)
        return -1;
    } else if (!sk_cg_v2_has(cg, "hugetlb")) {
      return sk_failx(err, "linux.resources.hugepageLimits: this host has no hugetlb cgroup "
                           "controller");
    } /* else: the unified hierarchy holds hugetlb (hybrid hosts); cgroup_v2.c writes it */
  }
  if (r->net_class_id.set) {
    struct sk_cg_hier *h = need(cg, "net_cls", "linux.resources.network.classID", err);
    if (!h || sk_cg_writef(h, "net_cls.classid", "linux.resources.network.classID", err, "%" PRIu64,
                           r->net_class_id.v) < 0)
      return -1;
  }
  if (r->net_priorities_len) {
    struct sk_cg_hier *h = need(cg, "net_prio", "linux.resources.network.priorities", err);
    if (!h)
      return -1;
    for (size_t i = 0; i < r->net_priorities_len; i++)
      if (sk_cg_writef(h, "net_prio.ifpriomap", "linux.resources.network.priorities", err, "%s %u",
                       r->net_priorities[i].name, r->net_priorities[i].priority) < 0)
        return -1;
  }
  if (r->rdma_len && !sk_cg_v2_has(cg, "rdma")) {
    struct sk_cg_hier *h = need(cg, "rdma", "linux.resources.rdma", err);
    if (!h || sk_cg_write_rdma(h, r, err) < 0)
      return -1;
  }
  if (r->unified_len && cg->v2 < 0)
    return sk_failx(err, "linux.resources.unified: cgroup v2 keys cannot be set on a cgroup v1 "
                         "host");
  return 0;
}
