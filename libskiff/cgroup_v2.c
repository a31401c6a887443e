/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources on the cgroup v2 hierarchy: all of them on pure v2 hosts; on hybrid hosts only
 * what the unified mount holds (hugetlb here) and `unified` keys.
 *
 * The v1 values of the spec are converted with the published rules, so one config behaves the
 * same on both: cpu.shares 2..262144 -> cpu.weight 1..10000, blkio weight 10..1000 -> io.weight
 * 1..10000, memory -1 -> "max", swap (memory+swap in v1) -> memory.swap.max = swap - limit. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_internal.h"
#include "log.h"
#include "utils.h"

static void fmt_max(char *buf, size_t size, int64_t v)
{
  if (v < 0)
    snprintf(buf, size, "max");
  else
    snprintf(buf, size, "%" PRId64, v);
}

uint64_t sk_cg_shares_to_weight(uint64_t shares)
{
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

static uint64_t blkio_to_io_weight(uint64_t w)
{
  if (w < 10)
    w = 10;
  if (w > 1000)
    w = 1000;
  return 1 + (w - 10) * 9999 / 990;
}

static int apply_memory(struct sk_cg_hier *h, const struct sk_memory *m, sk_err_t *err)
{
  char v[32];
  if (m->check_before_update.set && m->check_before_update.v && m->limit.set && m->limit.v > 0) {
    _cleanup_free_ char *cur = NULL;
    if (sk_cg_read(h, "memory.current", &cur) == 0 && strtoll(cur, NULL, 10) > m->limit.v)
      return sk_failx(
          err, "linux.resources.memory.limit: %" PRId64 " is below the current usage (%lld bytes)",
          m->limit.v, strtoll(cur, NULL, 10));
  }
  if (m->limit.set) {
    fmt_max(v, sizeof v, m->limit.v);
    if (sk_cg_write(h, "memory.max", v, "linux.resources.memory.limit", err) < 0)
      return -1;
  }
  if (m->swap.set) {
    /* v1 swap is memory+swap; v2 swap is swap alone. */
    int64_t sw;
    if (m->swap.v < 0)
      sw = -1;
    else if (m->limit.set && m->limit.v >= 0) {
      if (m->swap.v < m->limit.v)
        return sk_failx(err,
                        "linux.resources.memory.swap: %" PRId64
                        " is below the memory limit %" PRId64 " (swap counts memory+swap)",
                        m->swap.v, m->limit.v);
      sw = m->swap.v - m->limit.v;
    } else
      return sk_failx(err, "linux.resources.memory.swap: needs memory.limit on cgroup v2");
    fmt_max(v, sizeof v, sw);
    if (sk_cg_write(h, "memory.swap.max", v, "linux.resources.memory.swap", err) < 0)
      return -1;
  }
  if (m->reservation.set) {
    fmt_max(v, sizeof v, m->reservation.v);
    if (sk_cg_write(h, "memory.low", v, "linux.resources.memory.reservation", err) < 0)
      return -1;
  }
  if (m->swappiness.set && m->swappiness.v != 60)
    sk_warn("linux.resources.memory.swappiness has no cgroup v2 equivalent: ignored");
  if (m->disable_oom_killer.set && m->disable_oom_killer.v)
    sk_warn("linux.resources.memory.disableOOMKiller has no cgroup v2 equivalent: ignored");
  if ((m->kernel.set && m->kernel.v) || (m->kernel_tcp.set && m->kernel_tcp.v))
    sk_warn("linux.resources.memory.kernel/kernelTCP: kernel memory is accounted with the rest "
            "on cgroup v2: ignored");
  return 0;
}

static int apply_cpu(struct sk_cg_hier *h, const struct sk_cpu *c, sk_err_t *err)
{
  if (c->shares.set && c->shares.v &&
      sk_cg_writef(h, "cpu.weight", "linux.resources.cpu.shares", err, "%" PRIu64,
                   sk_cg_shares_to_weight(c->shares.v)) < 0)
    return -1;
  if (c->quota.set || c->period.set) {
    char q[32] = "max";
    uint64_t period = c->period.set && c->period.v ? c->period.v : 100000;
    if (c->quota.set && c->quota.v > 0)
      snprintf(q, sizeof q, "%" PRId64, c->quota.v);
    else if (!c->quota.set) {
      /* keep the current quota when only the period changes */
      _cleanup_free_ char *cur = NULL;
      if (sk_cg_read(h, "cpu.max", &cur) == 0)
        snprintf(q, sizeof q, "%.*s", (int)strcspn(cur, " \n"), cur);
    }
    if (sk_cg_writef(h, "cpu.max", "linux.resources.cpu.quota", err, "%s %" PRIu64, q, period) < 0)
      return -1;
  }
  if (c->burst.set && sk_cg_writef(h, "cpu.max.burst", "linux.resources.cpu.burst", err, "%" PRIu64,
                                   c->burst.v) < 0)
    return -1;
  if (c->idle.set &&
      sk_cg_writef(h, "cpu.idle", "linux.resources.cpu.idle", err, "%" PRId64, c->idle.v) < 0)
    return -1;
  if ((c->realtime_runtime.set && c->realtime_runtime.v) ||
      (c->realtime_period.set && c->realtime_period.v))
    return sk_failx(err, "linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on "
                         "cgroup v2");
  return sk_cg_write_cpuset(h, c, err);
}

static int io_max(struct sk_cg_hier *h, const char *key, const char *what,
                  const struct sk_throttle_device *t, size_t n, sk_err_t *err)
{
  for (size_t i = 0; i < n; i++)
    if (sk_cg_writef(h, "io.max", what, err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
                     t[i].minor, key, t[i].rate) < 0)
      return -1;
  return 0;
}

static int apply_io(struct sk_cg_hier *h, const struct sk_block_io *b, sk_err_t *err)
{
  if (b->weight.set && b->weight.v) { /* 0: not set (Docker sends it) */
    if (sk_cg_writef(h, "io.weight", "linux.resources.blockIO.weight", NULL, "default %" PRIu64,
                     blkio_to_io_weight(b->weight.v)) < 0 &&
        sk_cg_writef(h, "io.bfq.weight", "linux.resources.blockIO.weight", err, "%" PRIu64,
                     b->weight.v) < 0)
      return sk_err_prefix(err, "neither io.weight nor io.bfq.weight works");
  }
  for (size_t i = 0; i < b->weight_device_len; i++) {
    const struct sk_weight_device *w = &b->weight_device[i];
    if (w->weight.set && sk_cg_writef(h, "io.weight", "linux.resources.blockIO.weightDevice", err,
                                      "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                                      blkio_to_io_weight(w->weight.v)) < 0)
      return -1;
  }
  if (io_max(h, "rbps", "linux.resources.blockIO.throttleReadBpsDevice", b->throttle_read_bps,
             b->throttle_read_bps_len, err) < 0 ||
      io_max(h, "wbps", "linux.resources.blockIO.throttleWriteBpsDevice", b->throttle_write_bps,
             b->throttle_write_bps_len, err) < 0 ||
      io_max(h, "riops", "linux.resources.blockIO.throttleReadIOPSDevice", b->throttle_read_iops,
             b->throttle_read_iops_len, err) < 0 ||
      io_max(h, "wiops", "linux.resources.blockIO.throttleWriteIOPSDevice", b->throttle_write_iops,
             b->throttle_write_iops_len, err) < 0)
    return -1;
  return 0;
}

int sk_cg_v2_apply(struct sk_cgroup *cg, const struct sk_resources *r, bool update, sk_err_t *err)
{
  struct sk_cg_hier *h = &cg->h[cg->v2];
  if (h->dirfd < 0)
    return sk_failx(err, "the container's cgroup v2 directory is gone");
  bool pure = cg->mode == SK_CGROUP_MODE_V2;
  if (pure) {
    if (r->memory && apply_memory(h, r->memory, err) < 0)
      return -1;
    if (r->cpu && apply_cpu(h, r->cpu, err) < 0)
      return -1;
    if (r->pids_limit.set) {
      char v[32];
      fmt_max(v, sizeof v, r->pids_limit.v <= 0 ? -1 : r->pids_limit.v);
      if (sk_cg_write(h, "pids.max", v, "linux.resources.pids.limit", err) < 0)
        return -1;
    }
    if (r->block_io && apply_io(h, r->block_io, err) < 0)
      return -1;
    if (r->devices_len || !update) {
      size_t n;
      _cleanup_free_ struct sk_device_rule *rules = sk_cg_device_rules(cg, r, &n);
      if (sk_cg_v2_devices(h->dirfd, rules, n, err) < 0)
        return sk_err_prefix(err, "linux.resources.devices");
    }
    if (r->net_class_id.set || r->net_priorities_len)
      return sk_failx(err, "linux.resources.network: net_cls and net_prio are cgroup v1 only");
  }
  if (r->hugepage_limits_len && (pure || sk_cg_v2_has(cg, "hugetlb")) &&
      sk_cg_write_hugetlb(h, r, "max", err) < 0)
    return -1;
  if (r->rdma_len && (pure || sk_cg_v2_has(cg, "rdma")) && sk_cg_write_rdma(h, r, err) < 0)
    return -1;
  for (size_t i = 0; i < r->unified_len; i++) {
    char what[300];
    snprintf(what, sizeof what, "linux.resources.unified[\"%s\"]", r->unified[i].key);
    /* a file of this cgroup: no path, no hidden or control files of the parent */
    const char *k = r->unified[i].key;
    if (!*k || strchr(k, '/') || k[0] == '.' || !strchr(k, '.'))
      return sk_failx(err, "%s: not a cgroup v2 file name", what);
    if (sk_cg_write(h, r->unified[i].key, r->unified[i].value, what, err) < 0)
      return -1;
  }
  return 0;
}
