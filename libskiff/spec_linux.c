/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json: the `linux` section (namespaces, id maps, devices, seccomp, sysctl, paths...). */
#include "config.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include "seccomp.h"
#include "spec_internal.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *name;
  int flag;
} ns_types[] = {
    {"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

/* ud: an int, the CLONE_* flags of the namespaces seen so far. */
static int parse_namespace(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                           void *ud)
{
  struct sk_namespace *ns = elem;
  int *seen = ud;
  struct sk_jpath tp = SK_JKEY(ip, "type");
  _cleanup_free_ char *type = NULL;
  if (sk_json_req_string(c, ip, e, "type", &type) < 0)
    return -1;
  int flag = 0;
  for (size_t k = 0; k < ARRAY_SIZE(ns_types); k++)
    if (strcmp(type, ns_types[k].name) == 0)
      flag = ns_types[k].flag;
  if (!flag)
    return sk_jfail(c, &tp, "unknown namespace type \"%s\"", type);
  if (*seen & flag)
    return sk_jfail(c, &tp, "namespace \"%s\" given twice", type);
  *seen |= flag;
  ns->type = flag;
  if (sk_json_opt_string(c, ip, e, "path", &ns->path) < 0)
    return -1;
  if (ns->path && !ns->path[0]) {
    free(ns->path);
    ns->path = NULL;
  }
  struct sk_jpath pp = SK_JKEY(ip, "path");
  return ns->path ? sk_json_check_abs_path(c, &pp, ns->path) : 0;
}

static int parse_time_offset(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                             struct sk_time_offset *o)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_opt_i64 secs = {0};
  struct sk_opt_u64 ns = {0};
  if (sk_spec_opt_i64(c, p, v, "secs", &secs) < 0 || sk_spec_opt_u64(c, p, v, "nanosecs", &ns) < 0)
    return -1;
  if (ns.v >= 1000000000) {
    struct sk_jpath np = SK_JKEY(p, "nanosecs");
    return sk_jfail(c, &np, "must be below 1000000000");
  }
  o->set = true;
  o->secs = secs.v;
  o->nanosecs = (uint32_t)ns.v;
  return 0;
}

static int parse_device(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                        void *ud)
{
  struct sk_device *d = elem;
  if (sk_json_req_abs_path(c, ip, e, "path", &d->path) < 0)
    return -1;
  struct sk_jpath tp = SK_JKEY(ip, "type");
  _cleanup_free_ char *type = NULL;
  if (sk_json_req_string(c, ip, e, "type", &type) < 0)
    return -1;
  if (strlen(type) != 1 || !strchr("cbup", type[0]))
    return sk_jfail(c, &tp, "unknown device type \"%s\" (c, b, u or p)", type);
  d->type = type[0];
  struct sk_opt_i64 maj = {0}, min = {0};
  if (sk_spec_opt_i64(c, ip, e, "major", &maj) < 0 || sk_spec_opt_i64(c, ip, e, "minor", &min) < 0)
    return -1;
  if (d->type != 'p' && (!maj.set || !min.set))
    return sk_jfail(c, ip, "missing \"major\" or \"minor\" (required for type %c)", d->type);
  d->major = maj.v;
  d->minor = min.v;
  if (sk_spec_opt_u64(c, ip, e, "fileMode", &d->file_mode) < 0 ||
      sk_spec_opt_u64(c, ip, e, "uid", &d->uid) < 0 ||
      sk_spec_opt_u64(c, ip, e, "gid", &d->gid) < 0)
    return -1;
  if (d->file_mode.set && d->file_mode.v > 07777) {
    struct sk_jpath mp = SK_JKEY(ip, "fileMode");
    return sk_jfail(c, &mp, "%#llo is not a file mode", (unsigned long long)d->file_mode.v);
  }
  return 0;
}

static int lookup(const char *const *names, const char *s)
{
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], s) == 0)
      return i;
  return -1;
}

const char *const sk_seccomp_action_names[] = {
    [SK_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
    [SK_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SK_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [SK_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
    [SK_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [SK_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
    [SK_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [SK_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
    [SK_SCMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
    NULL,
};

const char *const sk_seccomp_operator_names[] = {
    [SK_SCMP_CMP_NE] = "SCMP_CMP_NE",
    [SK_SCMP_CMP_LT] = "SCMP_CMP_LT",
    [SK_SCMP_CMP_LE] = "SCMP_CMP_LE",
    [SK_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [SK_SCMP_CMP_GE] = "SCMP_CMP_GE",
    [SK_SCMP_CMP_GT] = "SCMP_CMP_GT",
    [SK_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
    NULL,
};

static int parse_action(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                        enum sk_seccomp_action *out)
{
  _cleanup_free_ char *s = NULL;
  if (sk_json_string(c, p, v, &s) < 0)
    return -1;
  int a = lookup(sk_seccomp_action_names, s);
  if (a < 0)
    return sk_jfail(c, p, "unknown seccomp action \"%s\"", s);
  *out = (enum sk_seccomp_action)a;
  return 0;
}

static int parse_syscall_arg(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                             void *ud)
{
  struct sk_seccomp_arg *a = elem;
  static const char *const req[] = {"index", "value", "op"};
  for (int k = 0; k < 3; k++)
    if (!sk_json_req_member(c, ip, e, req[k]))
      return -1;
  struct sk_jpath xp = SK_JKEY(ip, "index"), vp = SK_JKEY(ip, "value"), op = SK_JKEY(ip, "op");
  if (sk_json_u32(c, &xp, sk_json_member(e, "index"), &a->index) < 0 ||
      sk_json_u64(c, &vp, sk_json_member(e, "value"), &a->value) < 0)
    return -1;
  if (a->index > 5)
    return sk_jfail(c, &xp, "%u is not a syscall argument index (0..5)", a->index);
  struct sk_opt_u64 two = {0};
  if (sk_spec_opt_u64(c, ip, e, "valueTwo", &two) < 0)
    return -1;
  a->value_two = two.v;
  _cleanup_free_ char *ops = NULL;
  if (sk_json_string(c, &op, sk_json_member(e, "op"), &ops) < 0)
    return -1;
  int o = lookup(sk_seccomp_operator_names, ops);
  if (o < 0)
    return sk_jfail(c, &op, "unknown seccomp operator \"%s\"", ops);
  a->op = (enum sk_seccomp_op)o;
  return 0;
}

static int parse_syscall(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                         void *ud)
{
  struct sk_seccomp_syscall *s = elem;
  yajl_val names = sk_json_req_member(c, ip, e, "names");
  struct sk_jpath np = SK_JKEY(ip, "names");
  if (!names || sk_json_strv(c, &np, names, &s->names, &s->names_len) < 0)
    return -1;
  yajl_val a = sk_json_req_member(c, ip, e, "action");
  struct sk_jpath acp = SK_JKEY(ip, "action");
  if (!a || parse_action(c, &acp, a, &s->action) < 0)
    return -1;
  if (sk_spec_opt_u64(c, ip, e, "errnoRet", &s->errno_ret) < 0)
    return -1;
  if ((a = sk_json_member(e, "args"))) {
    struct sk_jpath arp = SK_JKEY(ip, "args");
    if (sk_json_objects(c, &arp, a, &s->args, &s->args_len, parse_syscall_arg, NULL) < 0)
      return -1;
  }
  return 0;
}

static int parse_seccomp(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                         struct sk_seccomp **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_seccomp *sc = xzalloc(sizeof *sc);
  *out = sc;
  yajl_val f = sk_json_req_member(c, p, v, "defaultAction");
  struct sk_jpath dp = SK_JKEY(p, "defaultAction");
  if (!f || parse_action(c, &dp, f, &sc->default_action) < 0)
    return -1;
  if (sk_spec_opt_u64(c, p, v, "defaultErrnoRet", &sc->default_errno_ret) < 0)
    return -1;
  if ((f = sk_json_member(v, "architectures"))) {
    struct sk_jpath ap = SK_JKEY(p, "architectures");
    if (sk_json_strv(c, &ap, f, &sc->architectures, &sc->architectures_len) < 0)
      return -1;
    const char *const *known = sk_seccomp_known_archs();
    for (size_t i = 0; i < sc->architectures_len; i++)
      if (lookup((const char *const *)known, sc->architectures[i]) < 0) {
        struct sk_jpath ip = SK_JIDX(&ap, i);
        return sk_jfail(c, &ip, "unknown seccomp architecture \"%s\"", sc->architectures[i]);
      }
  }
  if ((f = sk_json_member(v, "flags"))) {
    struct sk_jpath fp = SK_JKEY(p, "flags");
    if (sk_json_strv(c, &fp, f, &sc->flags, &sc->flags_len) < 0)
      return -1;
    const char *const *known = sk_seccomp_known_flags();
    for (size_t i = 0; i < sc->flags_len; i++)
      if (lookup((const char *const *)known, sc->flags[i]) < 0) {
        struct sk_jpath ip = SK_JIDX(&fp, i);
        return sk_jfail(c, &ip, "unknown seccomp flag \"%s\"", sc->flags[i]);
      }
  }
  if (sk_json_opt_string(c, p, v, "listenerPath", &sc->listener_path) < 0 ||
      sk_json_opt_string(c, p, v, "listenerMetadata", &sc->listener_metadata) < 0)
    return -1;
  if ((f = sk_json_member(v, "syscalls"))) {
    struct sk_jpath sp = SK_JKEY(p, "syscalls");
    if (sk_json_objects(c, &sp, f, &sc->syscalls, &sc->syscalls_len, parse_syscall, NULL) < 0)
      return -1;
  }
  struct sk_jpath lp = SK_JKEY(p, "listenerPath");
  return sc->listener_path ? sk_json_check_abs_path(c, &lp, sc->listener_path) : 0;
}

static void free_seccomp(struct sk_seccomp *sc)
{
  if (!sc)
    return;
  sk_strv_free(sc->architectures);
  sk_strv_free(sc->flags);
  free(sc->listener_path);
  free(sc->listener_metadata);
  for (size_t i = 0; i < sc->syscalls_len; i++) {
    sk_strv_free(sc->syscalls[i].names);
    free(sc->syscalls[i].args);
  }
  free(sc->syscalls);
  free(sc);
}

static int parse_abs_paths(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, char ***out,
                           size_t *len)
{
  if (sk_json_strv(c, p, v, out, len) < 0)
    return -1;
  for (size_t i = 0; i < *len; i++) {
    struct sk_jpath ip = SK_JIDX(p, i);
    if (sk_json_check_abs_path(c, &ip, (*out)[i]) < 0)
      return -1;
  }
  return 0;
}

int sk_spec_parse_linux(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                        struct sk_linux **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_linux *l = xzalloc(sizeof *l);
  *out = l;
  yajl_val f;
  if ((f = sk_json_member(v, "namespaces"))) {
    struct sk_jpath np = SK_JKEY(p, "namespaces");
    int seen = 0;
    if (sk_json_objects(c, &np, f, &l->namespaces, &l->namespaces_len, parse_namespace, &seen) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "uidMappings"))) {
    struct sk_jpath mp = SK_JKEY(p, "uidMappings");
    if (sk_spec_parse_idmaps(c, &mp, f, &l->uid_mappings, &l->uid_mappings_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "gidMappings"))) {
    struct sk_jpath mp = SK_JKEY(p, "gidMappings");
    if (sk_spec_parse_idmaps(c, &mp, f, &l->gid_mappings, &l->gid_mappings_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "timeOffsets"))) {
    struct sk_jpath tp = SK_JKEY(p, "timeOffsets");
    if (sk_json_need_object(c, &tp, f) < 0)
      return -1;
    yajl_val o;
    if ((o = sk_json_member(f, "monotonic"))) {
      struct sk_jpath op = SK_JKEY(&tp, "monotonic");
      if (parse_time_offset(c, &op, o, &l->time_monotonic) < 0)
        return -1;
    }
    if ((o = sk_json_member(f, "boottime"))) {
      struct sk_jpath op = SK_JKEY(&tp, "boottime");
      if (parse_time_offset(c, &op, o, &l->time_boottime) < 0)
        return -1;
    }
  }
  if ((f = sk_json_member(v, "devices"))) {
    struct sk_jpath dp = SK_JKEY(p, "devices");
    if (sk_json_objects(c, &dp, f, &l->devices, &l->devices_len, parse_device, NULL) < 0)
      return -1;
  }
  if (sk_json_opt_string(c, p, v, "cgroupsPath", &l->cgroups_path) < 0)
    return -1;
  if ((f = sk_json_member(v, "resources"))) {
    struct sk_jpath rp = SK_JKEY(p, "resources");
    if (sk_spec_parse_resources(c, &rp, f, &l->resources) < 0)
      return -1;
  }
  if (sk_json_opt_string(c, p, v, "rootfsPropagation", &l->rootfs_propagation) < 0)
    return -1;
  if (l->rootfs_propagation) {
    static const char *const props[] = {"",      "private", "rprivate",   "shared",      "rshared",
                                        "slave", "rslave",  "unbindable", "runbindable", NULL};
    if (lookup(props, l->rootfs_propagation) < 0) {
      struct sk_jpath pp = SK_JKEY(p, "rootfsPropagation");
      return sk_jfail(c, &pp, "unknown propagation \"%s\"", l->rootfs_propagation);
    }
    if (!l->rootfs_propagation[0]) {
      free(l->rootfs_propagation);
      l->rootfs_propagation = NULL;
    }
  }
  if ((f = sk_json_member(v, "seccomp"))) {
    struct sk_jpath sp = SK_JKEY(p, "seccomp");
    if (parse_seccomp(c, &sp, f, &l->seccomp) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "sysctl"))) {
    struct sk_jpath sp = SK_JKEY(p, "sysctl");
    if (sk_spec_parse_kv(c, &sp, f, &l->sysctl, &l->sysctl_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "maskedPaths"))) {
    struct sk_jpath mp = SK_JKEY(p, "maskedPaths");
    if (parse_abs_paths(c, &mp, f, &l->masked_paths, &l->masked_paths_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "readonlyPaths"))) {
    struct sk_jpath rp = SK_JKEY(p, "readonlyPaths");
    if (parse_abs_paths(c, &rp, f, &l->readonly_paths, &l->readonly_paths_len) < 0)
      return -1;
  }
  if (sk_json_opt_string(c, p, v, "mountLabel", &l->mount_label) < 0)
    return -1;
  if ((f = sk_json_member(v, "personality"))) {
    struct sk_jpath pp = SK_JKEY(p, "personality");
    if (sk_json_need_object(c, &pp, f) < 0)
      return -1;
    struct sk_jpath dp = SK_JKEY(&pp, "domain");
    _cleanup_free_ char *dom = NULL;
    if (sk_json_req_string(c, &pp, f, "domain", &dom) < 0)
      return -1;
    if (strcmp(dom, "LINUX") == 0)
      l->personality.domain = PER_LINUX;
    else if (strcmp(dom, "LINUX32") == 0)
      l->personality.domain = PER_LINUX32;
    else
      return sk_jfail(c, &dp, "unknown personality domain \"%s\" (LINUX or LINUX32)", dom);
    yajl_val d;
    if ((d = sk_json_member(f, "flags"))) {
      struct sk_jpath fp = SK_JKEY(&pp, "flags");
      if (sk_json_strv(c, &fp, d, &l->personality.flags, &l->personality.flags_len) < 0)
        return -1;
    }
    l->personality.set = true;
  }
  return 0;
}

void sk_spec_free_linux(struct sk_linux *l)
{
  if (!l)
    return;
  for (size_t i = 0; i < l->namespaces_len; i++)
    free(l->namespaces[i].path);
  free(l->namespaces);
  free(l->uid_mappings);
  free(l->gid_mappings);
  for (size_t i = 0; i < l->devices_len; i++)
    free(l->devices[i].path);
  free(l->devices);
  free(l->cgroups_path);
  sk_resources_free(l->resources);
  free(l->rootfs_propagation);
  free_seccomp(l->seccomp);
  sk_spec_free_kv(l->sysctl, l->sysctl_len);
  sk_strv_free(l->masked_paths);
  sk_strv_free(l->readonly_paths);
  free(l->mount_label);
  sk_strv_free(l->personality.flags);
  free(l);
}
