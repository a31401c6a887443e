/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources, in config.json and on its own (`update --resources FILE`). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "spec_internal.h"
#include "utils.h"

static int parse_device_rule(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                             void *ud)
{
  struct sk_device_rule *d = elem;
  yajl_val f = sk_json_req_member(c, ip, e, "allow");
  struct sk_jpath ap = SK_JKEY(ip, "allow");
  if (!f || sk_json_bool(c, &ap, f, &d->allow) < 0)
    return -1;
  d->type = 'a';
  if ((f = sk_json_member(e, "type"))) {
    struct sk_jpath tp = SK_JKEY(ip, "type");
    _cleanup_free_ char *t = NULL;
    if (sk_json_string(c, &tp, f, &t) < 0)
      return -1;
    if (strlen(t) != 1 || !strchr("acb", t[0]))
      return sk_jfail(c, &tp, "unknown device type \"%s\" (a, c or b)", t);
    d->type = t[0];
  }
  struct sk_opt_i64 maj = {0}, min = {0};
  if (sk_spec_opt_i64(c, ip, e, "major", &maj) < 0 || sk_spec_opt_i64(c, ip, e, "minor", &min) < 0)
    return -1;
  d->major = maj.set ? maj.v : -1;
  d->minor = min.set ? min.v : -1;
  strcpy(d->access, "rwm");
  if ((f = sk_json_member(e, "access"))) {
    struct sk_jpath xp = SK_JKEY(ip, "access");
    _cleanup_free_ char *a = NULL;
    if (sk_json_string(c, &xp, f, &a) < 0)
      return -1;
    if (!a[0] || strlen(a) > 3 || strspn(a, "rwm") != strlen(a))
      return sk_jfail(c, &xp, "\"%s\" is not a combination of r, w and m", a);
    strcpy(d->access, a);
  }
  return 0;
}

static int parse_memory(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                        struct sk_memory **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_memory *m = xzalloc(sizeof *m);
  *out = m;
  if (sk_spec_opt_i64(c, p, v, "limit", &m->limit) < 0 ||
      sk_spec_opt_i64(c, p, v, "reservation", &m->reservation) < 0 ||
      sk_spec_opt_i64(c, p, v, "swap", &m->swap) < 0 ||
      sk_spec_opt_i64(c, p, v, "kernel", &m->kernel) < 0 ||
      sk_spec_opt_i64(c, p, v, "kernelTCP", &m->kernel_tcp) < 0 ||
      sk_spec_opt_u64(c, p, v, "swappiness", &m->swappiness) < 0 ||
      sk_spec_opt_bool(c, p, v, "disableOOMKiller", &m->disable_oom_killer) < 0 ||
      sk_spec_opt_bool(c, p, v, "useHierarchy", &m->use_hierarchy) < 0 ||
      sk_spec_opt_bool(c, p, v, "checkBeforeUpdate", &m->check_before_update) < 0)
    return -1;
  if (m->swappiness.set && m->swappiness.v > 100) {
    struct sk_jpath sp = SK_JKEY(p, "swappiness");
    return sk_jfail(c, &sp, "%llu is above 100", (unsigned long long)m->swappiness.v);
  }
  const struct sk_opt_i64 *lims[] = {&m->limit, &m->reservation, &m->swap};
  static const char *const names[] = {"limit", "reservation", "swap"};
  for (int i = 0; i < 3; i++)
    if (lims[i]->set && lims[i]->v < -1) {
      struct sk_jpath lp = SK_JKEY(p, names[i]);
      return sk_jfail(c, &lp, "%lld is not a limit (bytes, or -1 for none)", (long long)lims[i]->v);
    }
  return 0;
}

static int parse_cpu(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, struct sk_cpu **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_cpu *cpu = xzalloc(sizeof *cpu);
  *out = cpu;
  if (sk_spec_opt_u64(c, p, v, "shares", &cpu->shares) < 0 ||
      sk_spec_opt_i64(c, p, v, "quota", &cpu->quota) < 0 ||
      sk_spec_opt_u64(c, p, v, "burst", &cpu->burst) < 0 ||
      sk_spec_opt_u64(c, p, v, "period", &cpu->period) < 0 ||
      sk_spec_opt_i64(c, p, v, "realtimeRuntime", &cpu->realtime_runtime) < 0 ||
      sk_spec_opt_u64(c, p, v, "realtimePeriod", &cpu->realtime_period) < 0 ||
      sk_json_opt_string(c, p, v, "cpus", &cpu->cpus) < 0 ||
      sk_json_opt_string(c, p, v, "mems", &cpu->mems) < 0 ||
      sk_spec_opt_i64(c, p, v, "idle", &cpu->idle) < 0)
    return -1;
  if (cpu->idle.set && cpu->idle.v != 0 && cpu->idle.v != 1) {
    struct sk_jpath ip = SK_JKEY(p, "idle");
    return sk_jfail(c, &ip, "must be 0 or 1");
  }
  return 0;
}

static int parse_throttle(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                          void *ud)
{
  struct sk_throttle_device *t = elem;
  static const char *const req[] = {"major", "minor", "rate"};
  for (int k = 0; k < 3; k++)
    if (!sk_json_req_member(c, ip, e, req[k]))
      return -1;
  struct sk_jpath mp = SK_JKEY(ip, "major"), np = SK_JKEY(ip, "minor"), rp = SK_JKEY(ip, "rate");
  if (sk_json_i64(c, &mp, sk_json_member(e, "major"), &t->major) < 0 ||
      sk_json_i64(c, &np, sk_json_member(e, "minor"), &t->minor) < 0 ||
      sk_json_u64(c, &rp, sk_json_member(e, "rate"), &t->rate) < 0)
    return -1;
  return 0;
}

static int parse_weight_device(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                               void *ud)
{
  struct sk_weight_device *w = elem;
  if (!sk_json_member(e, "major") || !sk_json_member(e, "minor"))
    return sk_jfail(c, ip, "missing \"major\" or \"minor\"");
  struct sk_jpath mp = SK_JKEY(ip, "major"), np = SK_JKEY(ip, "minor");
  if (sk_json_i64(c, &mp, sk_json_member(e, "major"), &w->major) < 0 ||
      sk_json_i64(c, &np, sk_json_member(e, "minor"), &w->minor) < 0 ||
      sk_spec_opt_u64(c, ip, e, "weight", &w->weight) < 0 ||
      sk_spec_opt_u64(c, ip, e, "leafWeight", &w->leaf_weight) < 0)
    return -1;
  return 0;
}

static int parse_blkio(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                       struct sk_block_io **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_block_io *b = xzalloc(sizeof *b);
  *out = b;
  if (sk_spec_opt_u64(c, p, v, "weight", &b->weight) < 0 ||
      sk_spec_opt_u64(c, p, v, "leafWeight", &b->leaf_weight) < 0)
    return -1;
  yajl_val f;
  if ((f = sk_json_member(v, "weightDevice"))) {
    struct sk_jpath wp = SK_JKEY(p, "weightDevice");
    if (sk_json_objects(c, &wp, f, &b->weight_device, &b->weight_device_len, parse_weight_device,
                        NULL) < 0)
      return -1;
  }
  static const char *const keys[] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
                                     "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
  struct sk_throttle_device **lists[] = {&b->throttle_read_bps, &b->throttle_write_bps,
                                         &b->throttle_read_iops, &b->throttle_write_iops};
  size_t *lens[] = {&b->throttle_read_bps_len, &b->throttle_write_bps_len,
                    &b->throttle_read_iops_len, &b->throttle_write_iops_len};
  for (int k = 0; k < 4; k++)
    if ((f = sk_json_member(v, keys[k]))) {
      struct sk_jpath tp = SK_JKEY(p, keys[k]);
      if (sk_json_objects(c, &tp, f, lists[k], lens[k], parse_throttle, NULL) < 0)
        return -1;
    }
  return 0;
}

static int parse_hugepage(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                          void *ud)
{
  struct sk_hugepage_limit *h = elem;
  yajl_val ps = sk_json_req_member(c, ip, e, "pageSize"), lim = NULL;
  if (!ps || !(lim = sk_json_req_member(c, ip, e, "limit")))
    return -1;
  struct sk_jpath sp = SK_JKEY(ip, "pageSize"), lp = SK_JKEY(ip, "limit");
  if (sk_json_string(c, &sp, ps, &h->page_size) < 0 || sk_json_u64(c, &lp, lim, &h->limit) < 0)
    return -1;
  /* "2MB", "1GB", "64KB": the suffix names the hugetlb.<size>.* files */
  size_t dl = strspn(h->page_size, "0123456789");
  if (!dl || (strcmp(h->page_size + dl, "KB") && strcmp(h->page_size + dl, "MB") &&
              strcmp(h->page_size + dl, "GB")))
    return sk_jfail(c, &sp, "\"%s\" is not a page size such as 2MB or 1GB", h->page_size);
  return 0;
}

static int parse_net_priority(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                              void *ud)
{
  struct sk_net_priority *np = elem;
  if (!sk_json_member(e, "name") || !sk_json_member(e, "priority"))
    return sk_jfail(c, ip, "missing \"name\" or \"priority\"");
  struct sk_jpath nmp = SK_JKEY(ip, "name"), prp = SK_JKEY(ip, "priority");
  if (sk_json_string(c, &nmp, sk_json_member(e, "name"), &np->name) < 0 ||
      sk_json_u32(c, &prp, sk_json_member(e, "priority"), &np->priority) < 0)
    return -1;
  return 0;
}

static int parse_network(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                         struct sk_resources *r)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  if (sk_spec_opt_u64(c, p, v, "classID", &r->net_class_id) < 0)
    return -1;
  yajl_val f = sk_json_member(v, "priorities");
  if (!f)
    return 0;
  struct sk_jpath pp = SK_JKEY(p, "priorities");
  return sk_json_objects(c, &pp, f, &r->net_priorities, &r->net_priorities_len, parse_net_priority,
                         NULL);
}

static int parse_rdma(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                      struct sk_resources *r)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  size_t n = v->u.object.len;
  r->rdma = xzalloc((n ? n : 1) * sizeof *r->rdma);
  for (size_t i = 0; i < n; i++) {
    struct sk_jpath dp = SK_JKEY(p, v->u.object.keys[i]);
    yajl_val e = v->u.object.values[i];
    struct sk_rdma *d = &r->rdma[i];
    d->device = xstrdup(v->u.object.keys[i]);
    r->rdma_len = i + 1;
    if (sk_json_need_object(c, &dp, e) < 0)
      return -1;
    if (sk_spec_opt_u64(c, &dp, e, "hcaHandles", &d->hca_handles) < 0 ||
        sk_spec_opt_u64(c, &dp, e, "hcaObjects", &d->hca_objects) < 0)
      return -1;
  }
  return 0;
}

int sk_spec_parse_resources(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                            struct sk_resources **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_resources *r = xzalloc(sizeof *r);
  *out = r;
  yajl_val f;
  if ((f = sk_json_member(v, "devices"))) {
    struct sk_jpath dp = SK_JKEY(p, "devices");
    if (sk_json_objects(c, &dp, f, &r->devices, &r->devices_len, parse_device_rule, NULL) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "memory"))) {
    struct sk_jpath mp = SK_JKEY(p, "memory");
    if (parse_memory(c, &mp, f, &r->memory) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "cpu"))) {
    struct sk_jpath cp = SK_JKEY(p, "cpu");
    if (parse_cpu(c, &cp, f, &r->cpu) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "pids"))) {
    struct sk_jpath pp = SK_JKEY(p, "pids");
    if (sk_json_need_object(c, &pp, f) < 0)
      return -1;
    if (!sk_json_req_member(c, &pp, f, "limit") ||
        sk_spec_opt_i64(c, &pp, f, "limit", &r->pids_limit) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "blockIO"))) {
    struct sk_jpath bp = SK_JKEY(p, "blockIO");
    if (parse_blkio(c, &bp, f, &r->block_io) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "hugepageLimits"))) {
    struct sk_jpath hp = SK_JKEY(p, "hugepageLimits");
    if (sk_json_objects(c, &hp, f, &r->hugepage_limits, &r->hugepage_limits_len, parse_hugepage,
                        NULL) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "network"))) {
    struct sk_jpath np = SK_JKEY(p, "network");
    if (parse_network(c, &np, f, r) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "rdma"))) {
    struct sk_jpath rp = SK_JKEY(p, "rdma");
    if (parse_rdma(c, &rp, f, r) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "unified"))) {
    struct sk_jpath up = SK_JKEY(p, "unified");
    if (sk_spec_parse_kv(c, &up, f, &r->unified, &r->unified_len) < 0)
      return -1;
    for (size_t i = 0; i < r->unified_len; i++)
      if (strchr(r->unified[i].key, '/') || r->unified[i].key[0] == '.' ||
          !strchr(r->unified[i].key, '.')) {
        struct sk_jpath kp = SK_JKEY(&up, r->unified[i].key);
        return sk_jfail(c, &kp, "\"%s\" is not a cgroup v2 file name (controller.key)",
                        r->unified[i].key);
      }
  }
  return 0;
}

int sk_resources_parse(const char *data, size_t len, const char *name, struct sk_resources **out,
                       sk_err_t *err)
{
  struct sk_jctx c = {.name = name ? name : "resources", .err = err};
  struct sk_jdoc doc;
  if (sk_json_parse(&c, data, len, &doc) < 0)
    return -1;
  struct sk_resources *r = NULL;
  int ret = sk_spec_parse_resources(&c, NULL, doc.root, &r);
  sk_json_doc_free(&doc);
  if (ret < 0) {
    sk_resources_free(r);
    return -1;
  }
  *out = r;
  return 0;
}

void sk_resources_free(struct sk_resources *r)
{
  if (!r)
    return;
  free(r->devices);
  free(r->memory);
  if (r->cpu) {
    free(r->cpu->cpus);
    free(r->cpu->mems);
    free(r->cpu);
  }
  if (r->block_io) {
    free(r->block_io->weight_device);
    free(r->block_io->throttle_read_bps);
    free(r->block_io->throttle_write_bps);
    free(r->block_io->throttle_read_iops);
    free(r->block_io->throttle_write_iops);
    free(r->block_io);
  }
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  for (size_t i = 0; i < r->net_priorities_len; i++)
    free(r->net_priorities[i].name);
  free(r->net_priorities);
  for (size_t i = 0; i < r->rdma_len; i++)
    free(r->rdma[i].device);
  free(r->rdma);
  sk_spec_free_kv(r->unified, r->unified_len);
  free(r);
}
