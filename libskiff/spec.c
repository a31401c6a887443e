/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json: the top level, process, mounts, hooks and annotations.  The linux section is in
 * spec_linux.c, linux.resources in spec_resources.c.
 *
 * The file is parsed once into a yajl tree and converted in one pass, validating as it goes; the
 * first problem stops the parse with its JSON path.  Unknown members are ignored (runtime-spec:
 * "implementations MUST NOT generate an error if they encounter an unknown property"). */
#include "config.h"
#include "spec.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "spec_internal.h"
#include "utils.h"

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int sk_cap_from_name(const char *name)
{
  if (!name)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
    if (strcasecmp(name, cap_names[i]) == 0)
      return (int)i;
  /* "SYS_ADMIN" without the prefix, as some tools write it */
  if (strncasecmp(name, "CAP_", 4) != 0)
    for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
      if (strcasecmp(name, cap_names[i] + 4) == 0)
        return (int)i;
  return -1;
}

const char *sk_cap_name(int cap)
{
  return cap >= 0 && (size_t)cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

static const struct {
  const char *name;
  int resource;
} rlimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/* ---- shared small parsers ---- */

int sk_spec_opt_u64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                    struct sk_opt_u64 *out)
{
  yajl_val v = sk_json_member(obj, key);
  if (!v)
    return 0;
  struct sk_jpath kp = SK_JKEY(p, key);
  if (sk_json_u64(c, &kp, v, &out->v) < 0)
    return -1;
  out->set = true;
  return 0;
}

int sk_spec_opt_i64(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                    struct sk_opt_i64 *out)
{
  yajl_val v = sk_json_member(obj, key);
  if (!v)
    return 0;
  struct sk_jpath kp = SK_JKEY(p, key);
  if (sk_json_i64(c, &kp, v, &out->v) < 0)
    return -1;
  out->set = true;
  return 0;
}

int sk_spec_opt_bool(struct sk_jctx *c, const struct sk_jpath *p, yajl_val obj, const char *key,
                     struct sk_opt_bool *out)
{
  yajl_val v = sk_json_member(obj, key);
  if (!v)
    return 0;
  struct sk_jpath kp = SK_JKEY(p, key);
  if (sk_json_bool(c, &kp, v, &out->v) < 0)
    return -1;
  out->set = true;
  return 0;
}

static int parse_idmap(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                       void *ud)
{
  struct sk_idmap *m = elem;
  static const char *const keys[] = {"containerID", "hostID", "size"};
  uint32_t *dst[] = {&m->container_id, &m->host_id, &m->size};
  for (int k = 0; k < 3; k++) {
    struct sk_jpath kp = SK_JKEY(ip, keys[k]);
    yajl_val f = sk_json_req_member(c, ip, e, keys[k]);
    if (!f || sk_json_u32(c, &kp, f, dst[k]) < 0)
      return -1;
  }
  if (m->size == 0) {
    struct sk_jpath kp = SK_JKEY(ip, "size");
    return sk_jfail(c, &kp, "must be at least 1");
  }
  return 0;
}

/* On failure *out holds the maps parsed so far: the owner frees it. */
int sk_spec_parse_idmaps(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                         struct sk_idmap **out, size_t *len)
{
  return sk_json_objects(c, p, v, out, len, parse_idmap, NULL);
}

/* ---- process ---- */

static int parse_caps(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                      struct sk_capabilities **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_capabilities *caps = xzalloc(sizeof *caps);
  static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                     "ambient"};
  uint64_t *masks[] = {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted,
                       &caps->ambient};
  bool *has[] = {&caps->has_bounding, &caps->has_effective, &caps->has_inheritable,
                 &caps->has_permitted, &caps->has_ambient};
  for (int s = 0; s < 5; s++) {
    yajl_val a = sk_json_member(v, sets[s]);
    if (!a)
      continue;
    struct sk_jpath sp = SK_JKEY(p, sets[s]);
    if (sk_json_need_array(c, &sp, a) < 0)
      goto fail;
    *has[s] = true;
    for (size_t i = 0; i < a->u.array.len; i++) {
      struct sk_jpath ip = SK_JIDX(&sp, i);
      yajl_val e = a->u.array.values[i];
      if (!YAJL_IS_STRING(e)) {
        sk_jfail(c, &ip, "expected a string, got %s", sk_json_type_name(e));
        goto fail;
      }
      int cap = sk_cap_from_name(e->u.string);
      if (cap < 0) {
        sk_jfail(c, &ip, "unknown capability \"%s\"", e->u.string);
        goto fail;
      }
      *masks[s] |= UINT64_C(1) << cap;
    }
  }
  *out = caps;
  return 0;
fail:
  free(caps);
  return -1;
}

/* ud: the sk_process, whose earlier rlimits are checked for the same type. */
static int parse_rlimit(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                        void *ud)
{
  const struct sk_process *proc = ud;
  struct sk_rlimit *r = elem;
  _cleanup_free_ char *type = NULL;
  struct sk_jpath tp = SK_JKEY(ip, "type");
  if (sk_json_req_string(c, ip, e, "type", &type) < 0)
    return -1;
  int res = -1;
  for (size_t k = 0; k < ARRAY_SIZE(rlimits); k++)
    if (strcmp(type, rlimits[k].name) == 0)
      res = rlimits[k].resource;
  if (res < 0)
    return sk_jfail(c, &tp, "unknown rlimit \"%s\"", type);
  /* runtime-spec: a type given twice MUST be an error */
  for (size_t k = 0; k < ip->idx; k++)
    if (proc->rlimits[k].resource == res)
      return sk_jfail(c, &tp, "rlimit \"%s\" given twice", type);
  r->resource = res;
  static const char *const keys[] = {"soft", "hard"};
  uint64_t *dst[] = {&r->soft, &r->hard};
  for (int k = 0; k < 2; k++) {
    yajl_val f = sk_json_req_member(c, ip, e, keys[k]);
    struct sk_jpath kp = SK_JKEY(ip, keys[k]);
    if (!f || sk_json_u64(c, &kp, f, dst[k]) < 0)
      return -1;
  }
  if (r->soft > r->hard) {
    struct sk_jpath sp = SK_JKEY(ip, "soft");
    return sk_jfail(c, &sp, "%llu is above the hard limit %llu", (unsigned long long)r->soft,
                    (unsigned long long)r->hard);
  }
  return 0;
}

static int parse_user(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, struct sk_user *u)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  yajl_val f;
  if ((f = sk_json_member(v, "uid"))) {
    struct sk_jpath kp = SK_JKEY(p, "uid");
    if (sk_json_u32(c, &kp, f, &u->uid) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "gid"))) {
    struct sk_jpath kp = SK_JKEY(p, "gid");
    if (sk_json_u32(c, &kp, f, &u->gid) < 0)
      return -1;
  }
  if (sk_spec_opt_u64(c, p, v, "umask", &u->umask) < 0)
    return -1;
  if ((f = sk_json_member(v, "additionalGids"))) {
    struct sk_jpath ap = SK_JKEY(p, "additionalGids");
    if (sk_json_need_array(c, &ap, f) < 0)
      return -1;
    size_t n = f->u.array.len;
    u->additional_gids = xzalloc((n ? n : 1) * sizeof(uint32_t));
    u->additional_gids_len = n;
    for (size_t i = 0; i < n; i++) {
      struct sk_jpath ip = SK_JIDX(&ap, i);
      if (sk_json_u32(c, &ip, f->u.array.values[i], &u->additional_gids[i]) < 0)
        return -1;
    }
  }
  return 0;
}

static int lookup_name(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                       const char *const *names, const int *values, size_t n, int *out)
{
  _cleanup_free_ char *s = NULL;
  if (sk_json_string(c, p, v, &s) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = values[i];
      return 0;
    }
  return sk_jfail(c, p, "unknown value \"%s\"", s);
}

static int parse_scheduler(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                           struct sk_scheduler *s)
{
  static const char *const policies[] = {"SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
                                         "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
                                         "SCHED_DEADLINE"};
  static const int policy_values[] = {0, 1, 2, 3, 4, 5, 6};
  static const char *const flags[] = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
                                      "SCHED_FLAG_DL_OVERRUN",    "SCHED_FLAG_KEEP_POLICY",
                                      "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN",
                                      "SCHED_FLAG_UTIL_CLAMP_MAX"};
  static const int flag_values[] = {0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40};
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  yajl_val f = sk_json_req_member(c, p, v, "policy");
  struct sk_jpath pp = SK_JKEY(p, "policy");
  if (!f || lookup_name(c, &pp, f, policies, policy_values, ARRAY_SIZE(policies), &s->policy) < 0)
    return -1;
  struct sk_opt_i64 nice = {0}, prio = {0};
  struct sk_opt_u64 rt = {0}, dl = {0}, per = {0};
  if (sk_spec_opt_i64(c, p, v, "nice", &nice) < 0 ||
      sk_spec_opt_i64(c, p, v, "priority", &prio) < 0 ||
      sk_spec_opt_u64(c, p, v, "runtime", &rt) < 0 ||
      sk_spec_opt_u64(c, p, v, "deadline", &dl) < 0 || sk_spec_opt_u64(c, p, v, "period", &per) < 0)
    return -1;
  if (nice.set && (nice.v < -20 || nice.v > 19)) {
    struct sk_jpath np = SK_JKEY(p, "nice");
    return sk_jfail(c, &np, "%lld is outside -20..19", (long long)nice.v);
  }
  s->nice = (int)nice.v;
  s->priority = (int)prio.v;
  s->runtime = rt.v;
  s->deadline = dl.v;
  s->period = per.v;
  if ((f = sk_json_member(v, "flags"))) {
    struct sk_jpath fp = SK_JKEY(p, "flags");
    if (sk_json_need_array(c, &fp, f) < 0)
      return -1;
    for (size_t i = 0; i < f->u.array.len; i++) {
      struct sk_jpath ip = SK_JIDX(&fp, i);
      int bit = 0;
      if (lookup_name(c, &ip, f->u.array.values[i], flags, flag_values, ARRAY_SIZE(flags), &bit) <
          0)
        return -1;
      s->flags |= (uint32_t)bit;
    }
  }
  s->set = true;
  return 0;
}

static int parse_process(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                         struct sk_process **out)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  struct sk_process *proc = xzalloc(sizeof *proc);
  *out = proc; /* freed by the caller's sk_spec_free on failure */
  yajl_val f;
  if (sk_json_opt_bool(c, p, v, "terminal", &proc->terminal) < 0)
    return -1;
  if ((f = sk_json_member(v, "consoleSize"))) {
    struct sk_jpath cp = SK_JKEY(p, "consoleSize");
    if (sk_json_need_object(c, &cp, f) < 0)
      return -1;
    yajl_val h = NULL, w = NULL;
    struct sk_jpath hp = SK_JKEY(&cp, "height"), wp = SK_JKEY(&cp, "width");
    if (!(h = sk_json_req_member(c, &cp, f, "height")) ||
        !(w = sk_json_req_member(c, &cp, f, "width")) ||
        sk_json_u32(c, &hp, h, &proc->console_height) < 0 ||
        sk_json_u32(c, &wp, w, &proc->console_width) < 0)
      return -1;
    if (proc->console_height > 65535 || proc->console_width > 65535)
      return sk_jfail(c, &cp, "sizes above 65535 cannot be set on a terminal");
    proc->has_console_size = true;
  }
  if (sk_json_req_abs_path(c, p, v, "cwd", &proc->cwd) < 0)
    return -1;
  if ((f = sk_json_member(v, "env"))) {
    struct sk_jpath ep = SK_JKEY(p, "env");
    if (sk_json_strv(c, &ep, f, &proc->env, &proc->env_len) < 0)
      return -1;
  } else {
    proc->env = xzalloc(sizeof(char *));
  }
  struct sk_jpath ap = SK_JKEY(p, "args");
  if (!(f = sk_json_req_member(c, p, v, "args")) ||
      sk_json_strv(c, &ap, f, &proc->args, &proc->args_len) < 0)
    return -1;
  if (proc->args_len == 0)
    return sk_jfail(c, &ap, "must hold at least the program to run");
  if (sk_json_opt_string(c, p, v, "commandLine", &proc->command_line) < 0)
    return -1;
  if ((f = sk_json_member(v, "rlimits"))) {
    struct sk_jpath rp = SK_JKEY(p, "rlimits");
    if (sk_json_objects(c, &rp, f, &proc->rlimits, &proc->rlimits_len, parse_rlimit, proc) < 0)
      return -1;
  }
  if (sk_json_opt_string(c, p, v, "apparmorProfile", &proc->apparmor_profile) < 0 ||
      sk_json_opt_string(c, p, v, "selinuxLabel", &proc->selinux_label) < 0 ||
      sk_json_opt_bool(c, p, v, "noNewPrivileges", &proc->no_new_privileges) < 0 ||
      sk_spec_opt_i64(c, p, v, "oomScoreAdj", &proc->oom_score_adj) < 0)
    return -1;
  if ((f = sk_json_member(v, "capabilities"))) {
    struct sk_jpath kp = SK_JKEY(p, "capabilities");
    if (parse_caps(c, &kp, f, &proc->capabilities) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "user"))) {
    struct sk_jpath up = SK_JKEY(p, "user");
    if (parse_user(c, &up, f, &proc->user) < 0)
      return -1;
  }
  if ((f = sk_json_member(v, "ioPriority"))) {
    static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                          "IOPRIO_CLASS_IDLE"};
    static const int class_values[] = {1, 2, 3};
    struct sk_jpath ip = SK_JKEY(p, "ioPriority");
    if (sk_json_need_object(c, &ip, f) < 0)
      return -1;
    yajl_val k = sk_json_req_member(c, &ip, f, "class");
    struct sk_jpath kp = SK_JKEY(&ip, "class");
    if (!k || lookup_name(c, &kp, k, classes, class_values, 3, &proc->io_priority.klass) < 0)
      return -1;
    struct sk_opt_i64 prio = {0};
    if (sk_spec_opt_i64(c, &ip, f, "priority", &prio) < 0)
      return -1;
    if (prio.v < 0 || prio.v > 7) {
      struct sk_jpath pp = SK_JKEY(&ip, "priority");
      return sk_jfail(c, &pp, "%lld is outside 0..7", (long long)prio.v);
    }
    proc->io_priority.priority = (int)prio.v;
    proc->io_priority.set = true;
  }
  if ((f = sk_json_member(v, "scheduler"))) {
    struct sk_jpath sp = SK_JKEY(p, "scheduler");
    if (parse_scheduler(c, &sp, f, &proc->scheduler) < 0)
      return -1;
  }
  return 0;
}

static void free_process(struct sk_process *p)
{
  if (!p)
    return;
  free(p->cwd);
  sk_strv_free(p->env);
  sk_strv_free(p->args);
  free(p->command_line);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->capabilities);
  free(p->selinux_label);
  free(p->user.additional_gids);
  free(p);
}

/* ---- mounts ---- */

static int parse_mount(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                       void *ud)
{
  struct sk_mount *m = elem;
  if (sk_json_req_abs_path(c, ip, e, "destination", &m->destination) < 0)
    return -1;
  if (sk_json_opt_string(c, ip, e, "type", &m->type) < 0 ||
      sk_json_opt_string(c, ip, e, "source", &m->source) < 0)
    return -1;
  yajl_val f;
  if ((f = sk_json_member(e, "options"))) {
    struct sk_jpath op = SK_JKEY(ip, "options");
    if (sk_json_strv(c, &op, f, &m->options, &m->options_len) < 0)
      return -1;
  } else {
    m->options = xzalloc(sizeof(char *));
  }
  if ((f = sk_json_member(e, "uidMappings"))) {
    struct sk_jpath mp = SK_JKEY(ip, "uidMappings");
    if (sk_spec_parse_idmaps(c, &mp, f, &m->uid_mappings, &m->uid_mappings_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(e, "gidMappings"))) {
    struct sk_jpath mp = SK_JKEY(ip, "gidMappings");
    if (sk_spec_parse_idmaps(c, &mp, f, &m->gid_mappings, &m->gid_mappings_len) < 0)
      return -1;
  }
  /* runtime-spec: each MUST be given along with the other */
  if (!m->uid_mappings != !m->gid_mappings)
    return sk_jfail(c, ip, "\"%s\" without \"%s\"", m->uid_mappings ? "uidMappings" : "gidMappings",
                    m->uid_mappings ? "gidMappings" : "uidMappings");
  return 0;
}

/* ---- hooks ---- */

const char *const sk_hook_kind_names[SK_HOOK_KINDS] = {
    [SK_HOOK_PRESTART] = "prestart",
    [SK_HOOK_CREATE_RUNTIME] = "createRuntime",
    [SK_HOOK_CREATE_CONTAINER] = "createContainer",
    [SK_HOOK_START_CONTAINER] = "startContainer",
    [SK_HOOK_POSTSTART] = "poststart",
    [SK_HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(struct sk_jctx *c, const struct sk_jpath *ip, yajl_val e, void *elem,
                      void *ud)
{
  struct sk_hook *h = elem;
  if (sk_json_req_abs_path(c, ip, e, "path", &h->path) < 0)
    return -1;
  yajl_val f;
  if ((f = sk_json_member(e, "args"))) {
    struct sk_jpath ap = SK_JKEY(ip, "args");
    if (sk_json_strv(c, &ap, f, &h->args, &h->args_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(e, "env"))) {
    struct sk_jpath ep = SK_JKEY(ip, "env");
    if (sk_json_strv(c, &ep, f, &h->env, &h->env_len) < 0)
      return -1;
  }
  if (sk_spec_opt_i64(c, ip, e, "timeout", &h->timeout) < 0)
    return -1;
  if (h->timeout.set && h->timeout.v <= 0) {
    struct sk_jpath tp = SK_JKEY(ip, "timeout");
    return sk_jfail(c, &tp, "must be greater than zero, got %lld", (long long)h->timeout.v);
  }
  return 0;
}

static int parse_hooks(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                       struct sk_spec *spec)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  for (int k = 0; k < SK_HOOK_KINDS; k++) {
    yajl_val a = sk_json_member(v, sk_hook_kind_names[k]);
    if (!a)
      continue;
    struct sk_jpath kp = SK_JKEY(p, sk_hook_kind_names[k]);
    struct sk_hook_list *l = &spec->hooks[k];
    if (sk_json_objects(c, &kp, a, &l->hooks, &l->len, parse_hook, NULL) < 0)
      return -1;
  }
  return 0;
}

static int parse_kv_object(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v,
                           struct sk_kv **out, size_t *len)
{
  if (sk_json_need_object(c, p, v) < 0)
    return -1;
  size_t n = v->u.object.len;
  struct sk_kv *kv = xzalloc((n ? n : 1) * sizeof *kv);
  *out = kv;
  for (size_t i = 0; i < n; i++) {
    struct sk_jpath kp = SK_JKEY(p, v->u.object.keys[i]);
    yajl_val e = v->u.object.values[i];
    if (!e || !YAJL_IS_STRING(e))
      return sk_jfail(c, &kp, "expected a string, got %s", sk_json_type_name(e));
    kv[i].key = xstrdup(v->u.object.keys[i]);
    kv[i].value = xstrdup(e->u.string);
    *len = i + 1;
  }
  return 0;
}

static void free_kv(struct sk_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

/* Also used for linux.sysctl and resources.unified. */
int sk_spec_parse_kv(struct sk_jctx *c, const struct sk_jpath *p, yajl_val v, struct sk_kv **out,
                     size_t *len)
{
  return parse_kv_object(c, p, v, out, len);
}

void sk_spec_free_kv(struct sk_kv *kv, size_t n)
{
  free_kv(kv, n);
}

/* ---- top level ---- */

/* "MAJOR.MINOR[.PATCH[-pre|+build]]" (suffixes such as "-rc.1" or "-dev" pass). */
static int check_version(struct sk_jctx *c, const struct sk_jpath *p, const char *v)
{
  unsigned long maj = 0, min = 0;
  const char *s = v;
  bool ok = *s >= '0' && *s <= '9';
  for (; ok && *s >= '0' && *s <= '9'; s++)
    maj = maj < 1000 ? maj * 10 + (unsigned long)(*s - '0') : maj;
  ok = ok && *s++ == '.' && *s >= '0' && *s <= '9';
  for (; ok && *s >= '0' && *s <= '9'; s++)
    min = min < 1000 ? min * 10 + (unsigned long)(*s - '0') : min;
  if (ok && *s == '.') { /* PATCH, then a pre-release or build suffix */
    ok = *++s >= '0' && *s <= '9';
    s += strspn(s, "0123456789");
    ok = ok && (*s == '\0' || *s == '-' || *s == '+');
  } else {
    ok = ok && *s == '\0';
  }
  if (!ok)
    return sk_jfail(c, p, "\"%s\" is not a version (MAJOR.MINOR.PATCH)", v);
  if (maj != 1 || min > 2)
    return sk_jfail(c, p, "version \"%s\" is not supported (1.0.0 to 1.2.x)", v);
  return 0;
}

/* runtime-spec: an "idmap"/"ridmap" mount without its own mappings takes the container's user
 * namespace mapping, so it is an error when the container has no user namespace. */
static int check_idmapped_mounts(struct sk_jctx *c, const struct sk_spec *spec)
{
  bool userns = sk_spec_namespace(spec, CLONE_NEWUSER) != NULL;
  for (size_t i = 0; i < spec->mounts_len && !userns; i++) {
    const struct sk_mount *m = &spec->mounts[i];
    if (m->uid_mappings)
      continue;
    for (size_t k = 0; k < m->options_len; k++)
      if (strcmp(m->options[k], "idmap") == 0 || strcmp(m->options[k], "ridmap") == 0) {
        struct sk_jpath mp = SK_JKEY(NULL, "mounts"), ip = SK_JIDX(&mp, i),
                        op = SK_JKEY(&ip, "options"), kp = SK_JIDX(&op, k);
        return sk_jfail(c, &kp, "\"%s\" needs uidMappings and gidMappings, or a user namespace",
                        m->options[k]);
      }
  }
  return 0;
}

static int parse_spec(struct sk_jctx *c, yajl_val root, struct sk_spec *spec)
{
  const struct sk_jpath *top = NULL;
  if (!YAJL_IS_OBJECT(root))
    return sk_jfail(c, top, "expected a JSON object, got %s", sk_json_type_name(root));
  struct sk_jpath vp = SK_JKEY(top, "ociVersion");
  if (sk_json_req_string(c, top, root, "ociVersion", &spec->oci_version) < 0 ||
      check_version(c, &vp, spec->oci_version) < 0)
    return -1;
  yajl_val f;
  if ((f = sk_json_member(root, "root"))) {
    struct sk_jpath rp = SK_JKEY(top, "root");
    if (sk_json_need_object(c, &rp, f) < 0)
      return -1;
    struct sk_jpath pp = SK_JKEY(&rp, "path");
    if (sk_json_req_string(c, &rp, f, "path", &spec->root_path) < 0)
      return -1;
    if (!spec->root_path[0])
      return sk_jfail(c, &pp, "must not be empty");
    if (sk_json_opt_bool(c, &rp, f, "readonly", &spec->root_readonly) < 0)
      return -1;
  }
  if (sk_json_opt_string(c, top, root, "hostname", &spec->hostname) < 0 ||
      sk_json_opt_string(c, top, root, "domainname", &spec->domainname) < 0)
    return -1;
  if ((f = sk_json_member(root, "mounts"))) {
    struct sk_jpath mp = SK_JKEY(top, "mounts");
    if (sk_json_objects(c, &mp, f, &spec->mounts, &spec->mounts_len, parse_mount, NULL) < 0)
      return -1;
  }
  if ((f = sk_json_member(root, "process"))) {
    struct sk_jpath pp = SK_JKEY(top, "process");
    if (parse_process(c, &pp, f, &spec->process) < 0)
      return -1;
  }
  if ((f = sk_json_member(root, "hooks"))) {
    struct sk_jpath hp = SK_JKEY(top, "hooks");
    if (parse_hooks(c, &hp, f, spec) < 0)
      return -1;
  }
  if ((f = sk_json_member(root, "annotations"))) {
    struct sk_jpath ap = SK_JKEY(top, "annotations");
    if (parse_kv_object(c, &ap, f, &spec->annotations, &spec->annotations_len) < 0)
      return -1;
  }
  if ((f = sk_json_member(root, "linux"))) {
    struct sk_jpath lp = SK_JKEY(top, "linux");
    if (sk_spec_parse_linux(c, &lp, f, &spec->linux_) < 0)
      return -1;
  }
  return check_idmapped_mounts(c, spec);
}

int sk_spec_parse(const char *data, size_t len, const char *name, struct sk_spec **out,
                  sk_err_t *err)
{
  struct sk_jctx c = {.name = name ? name : "config.json", .err = err};
  struct sk_jdoc doc;
  if (sk_json_parse(&c, data, len, &doc) < 0)
    return -1;
  struct sk_spec *spec = xzalloc(sizeof *spec);
  int r = parse_spec(&c, doc.root, spec);
  sk_json_doc_free(&doc);
  if (r < 0) {
    sk_spec_free(spec);
    return -1;
  }
  *out = spec;
  return 0;
}

int sk_spec_load(const char *path, struct sk_spec **out, sk_err_t *err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sk_read_file_at(AT_FDCWD, path, &data, &len, err) < 0)
    return -1;
  const char *base = strrchr(path, '/');
  return sk_spec_parse(data, len, base ? base + 1 : path, out, err);
}

void sk_spec_free(struct sk_spec *spec)
{
  if (!spec)
    return;
  free(spec->oci_version);
  free(spec->root_path);
  free(spec->hostname);
  free(spec->domainname);
  for (size_t i = 0; i < spec->mounts_len; i++) {
    struct sk_mount *m = &spec->mounts[i];
    free(m->destination);
    free(m->type);
    free(m->source);
    sk_strv_free(m->options);
    free(m->uid_mappings);
    free(m->gid_mappings);
  }
  free(spec->mounts);
  free_process(spec->process);
  for (int k = 0; k < SK_HOOK_KINDS; k++) {
    for (size_t i = 0; i < spec->hooks[k].len; i++) {
      struct sk_hook *h = &spec->hooks[k].hooks[i];
      free(h->path);
      sk_strv_free(h->args);
      sk_strv_free(h->env);
    }
    free(spec->hooks[k].hooks);
  }
  free_kv(spec->annotations, spec->annotations_len);
  sk_spec_free_linux(spec->linux_);
  free(spec);
}

void sk_spec_freep(struct sk_spec **spec)
{
  sk_spec_free(*spec);
  *spec = NULL;
}

const struct sk_namespace *sk_spec_namespace(const struct sk_spec *spec, int type)
{
  if (!spec->linux_)
    return NULL;
  for (size_t i = 0; i < spec->linux_->namespaces_len; i++)
    if (spec->linux_->namespaces[i].type == type)
      return &spec->linux_->namespaces[i];
  return NULL;
}

const char *sk_spec_annotation(const struct sk_spec *spec, const char *key)
{
  for (size_t i = 0; i < spec->annotations_len; i++)
    if (strcmp(spec->annotations[i].key, key) == 0)
      return spec->annotations[i].value;
  return NULL;
}
