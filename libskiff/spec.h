/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OCI runtime-spec config (1.0.x - 1.2.x) as C structures.
 *
 * config.json is parsed once (sk_spec_load) into these structures, validating types, enums and
 * required fields as it goes; errors carry the JSON path ("config.json: mounts[3].destination:
 * ..."). Unknown fields are ignored, as the spec requires.  Every list is a pointer plus a count;
 * every optional scalar is an sk_opt_* with a `set` flag, so "absent" and "zero" stay different.
 * Strings are NUL-terminated, owned by the struct, freed by sk_spec_free.
 */
#ifndef SKIFF_SPEC_H
#define SKIFF_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

struct sk_opt_i64 {
  bool set;
  int64_t v;
};
struct sk_opt_u64 {
  bool set;
  uint64_t v;
};
struct sk_opt_bool {
  bool set;
  bool v;
};

struct sk_kv {
  char *key;
  char *value;
};

struct sk_idmap {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

/* ---- process ---- */

struct sk_rlimit {
  int resource; /* RLIMIT_* number, parsed from "RLIMIT_NOFILE" */
  uint64_t soft;
  uint64_t hard;
};

/* Capability sets as bitmasks (bit N = capability N).  `set` false: the field was absent. */
struct sk_capabilities {
  uint64_t bounding, effective, inheritable, permitted, ambient;
  bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};

struct sk_user {
  uint32_t uid;
  uint32_t gid;
  struct sk_opt_u64 umask;
  uint32_t *additional_gids;
  size_t additional_gids_len;
};

struct sk_io_priority {
  bool set;
  int klass; /* IOPRIO_CLASS_RT/BE/IDLE */
  int priority;
};

struct sk_scheduler {
  bool set;
  int policy; /* SCHED_* */
  int nice;
  int priority;
  uint32_t flags; /* SCHED_FLAG_* */
  uint64_t runtime, deadline, period;
};

struct sk_process {
  bool terminal;
  bool has_console_size;
  uint32_t console_height, console_width;
  char *cwd;  /* required, absolute */
  char **env; /* NULL-terminated, "K=V" */
  size_t env_len;
  char **args; /* NULL-terminated; args[0] required for start */
  size_t args_len;
  char *command_line; /* windows only; ignored */
  struct sk_rlimit *rlimits;
  size_t rlimits_len;
  char *apparmor_profile;
  struct sk_capabilities *capabilities; /* NULL: field absent */
  bool no_new_privileges;
  struct sk_opt_i64 oom_score_adj;
  char *selinux_label;
  struct sk_user user;
  struct sk_io_priority io_priority;
  struct sk_scheduler scheduler;
};

/* ---- mounts ---- */

struct sk_mount {
  char *destination; /* required; absolute in the container */
  char *type;        /* may be NULL (bind mounts) */
  char *source;
  char **options; /* NULL-terminated raw option strings; mounts.c interprets them */
  size_t options_len;
  struct sk_idmap *uid_mappings; /* for "idmap"/"ridmap" mounts */
  size_t uid_mappings_len;
  struct sk_idmap *gid_mappings;
  size_t gid_mappings_len;
};

/* ---- hooks ---- */

struct sk_hook {
  char *path;
  char **args; /* NULL-terminated */
  size_t args_len;
  char **env; /* NULL-terminated */
  size_t env_len;
  struct sk_opt_i64 timeout; /* seconds; > 0 when set */
};

struct sk_hook_list {
  struct sk_hook *hooks;
  size_t len;
};

enum sk_hook_kind {
  SK_HOOK_PRESTART = 0,
  SK_HOOK_CREATE_RUNTIME,
  SK_HOOK_CREATE_CONTAINER,
  SK_HOOK_START_CONTAINER,
  SK_HOOK_POSTSTART,
  SK_HOOK_POSTSTOP,
  SK_HOOK_KINDS
};
/* The config.json keys ("prestart", "createRuntime", ...), indexed by sk_hook_kind. */
extern const char *const sk_hook_kind_names[SK_HOOK_KINDS];

/* ---- linux ---- */

struct sk_namespace {
  int type;   /* CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWUSER,
                 CLONE_NEWCGROUP, CLONE_NEWTIME */
  char *path; /* NULL: create a new one; else join it */
};

struct sk_time_offset {
  bool set;
  int64_t secs;
  uint32_t nanosecs;
};

struct sk_device {
  char *path; /* required, absolute */
  char type;  /* 'c', 'b', 'u', 'p' */
  int64_t major, minor;
  struct sk_opt_u64 file_mode;
  struct sk_opt_u64 uid;
  struct sk_opt_u64 gid;
};

/* linux.resources */
struct sk_device_rule {
  bool allow;
  char type;      /* 'a', 'c', 'b'; 'a' when absent */
  int64_t major;  /* -1 = wildcard (absent) */
  int64_t minor;  /* -1 = wildcard */
  char access[4]; /* subset of "rwm"; "rwm" when absent */
};

struct sk_memory {
  struct sk_opt_i64 limit;
  struct sk_opt_i64 reservation;
  struct sk_opt_i64 swap;
  struct sk_opt_i64 kernel;
  struct sk_opt_i64 kernel_tcp;
  struct sk_opt_u64 swappiness;
  struct sk_opt_bool disable_oom_killer;
  struct sk_opt_bool use_hierarchy;
  struct sk_opt_bool check_before_update;
};

struct sk_cpu {
  struct sk_opt_u64 shares;
  struct sk_opt_i64 quota;
  struct sk_opt_u64 burst;
  struct sk_opt_u64 period;
  struct sk_opt_i64 realtime_runtime;
  struct sk_opt_u64 realtime_period;
  char *cpus;
  char *mems;
  struct sk_opt_i64 idle;
};

struct sk_weight_device {
  int64_t major, minor;
  struct sk_opt_u64 weight;
  struct sk_opt_u64 leaf_weight;
};

struct sk_throttle_device {
  int64_t major, minor;
  uint64_t rate;
};

struct sk_block_io {
  struct sk_opt_u64 weight;
  struct sk_opt_u64 leaf_weight;
  struct sk_weight_device *weight_device;
  size_t weight_device_len;
  struct sk_throttle_device *throttle_read_bps;
  size_t throttle_read_bps_len;
  struct sk_throttle_device *throttle_write_bps;
  size_t throttle_write_bps_len;
  struct sk_throttle_device *throttle_read_iops;
  size_t throttle_read_iops_len;
  struct sk_throttle_device *throttle_write_iops;
  size_t throttle_write_iops_len;
};

struct sk_hugepage_limit {
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct sk_net_priority {
  char *name;
  uint32_t priority;
};

struct sk_rdma {
  char *device;
  struct sk_opt_u64 hca_handles;
  struct sk_opt_u64 hca_objects;
};

struct sk_resources {
  struct sk_device_rule *devices;
  size_t devices_len;
  struct sk_memory *memory; /* NULL when absent, likewise below */
  struct sk_cpu *cpu;
  struct sk_opt_i64 pids_limit;
  struct sk_block_io *block_io;
  struct sk_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct sk_opt_u64 net_class_id;
  struct sk_net_priority *net_priorities;
  size_t net_priorities_len;
  struct sk_rdma *rdma;
  size_t rdma_len;
  struct sk_kv *unified;
  size_t unified_len;
};

enum sk_seccomp_action {
  SK_SCMP_ACT_KILL = 0, /* SCMP_ACT_KILL == KILL_THREAD */
  SK_SCMP_ACT_KILL_PROCESS,
  SK_SCMP_ACT_KILL_THREAD,
  SK_SCMP_ACT_TRAP,
  SK_SCMP_ACT_ERRNO,
  SK_SCMP_ACT_TRACE,
  SK_SCMP_ACT_ALLOW,
  SK_SCMP_ACT_LOG,
  SK_SCMP_ACT_NOTIFY,
};

enum sk_seccomp_op {
  SK_SCMP_CMP_NE = 0,
  SK_SCMP_CMP_LT,
  SK_SCMP_CMP_LE,
  SK_SCMP_CMP_EQ,
  SK_SCMP_CMP_GE,
  SK_SCMP_CMP_GT,
  SK_SCMP_CMP_MASKED_EQ,
};

/* The OCI names, indexed by the enums above; NULL-terminated.  One table for the parser, the
 * seccomp layer and `features`. */
extern const char *const sk_seccomp_action_names[];
extern const char *const sk_seccomp_operator_names[];

struct sk_seccomp_arg {
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  enum sk_seccomp_op op;
};

struct sk_seccomp_syscall {
  char **names; /* NULL-terminated */
  size_t names_len;
  enum sk_seccomp_action action;
  struct sk_opt_u64 errno_ret;
  struct sk_seccomp_arg *args;
  size_t args_len;
};

struct sk_seccomp {
  enum sk_seccomp_action default_action;
  struct sk_opt_u64 default_errno_ret;
  char **architectures; /* raw "SCMP_ARCH_X86_64" strings, validated by the parser */
  size_t architectures_len;
  char **flags; /* raw "SECCOMP_FILTER_FLAG_*" strings, validated by the parser */
  size_t flags_len;
  char *listener_path;
  char *listener_metadata;
  struct sk_seccomp_syscall *syscalls;
  size_t syscalls_len;
};

struct sk_personality {
  bool set;
  unsigned long domain; /* PER_LINUX or PER_LINUX32 */
  char **flags;         /* raw; currently no flag is defined by the spec */
  size_t flags_len;
};

struct sk_linux {
  struct sk_namespace *namespaces;
  size_t namespaces_len;
  struct sk_idmap *uid_mappings;
  size_t uid_mappings_len;
  struct sk_idmap *gid_mappings;
  size_t gid_mappings_len;
  struct sk_time_offset time_monotonic;
  struct sk_time_offset time_boottime;
  struct sk_device *devices;
  size_t devices_len;
  char *cgroups_path;
  struct sk_resources *resources; /* NULL when absent */
  char *rootfs_propagation;       /* NULL, "private", "shared", "slave", "unbindable" (+ r*) */
  struct sk_seccomp *seccomp;     /* NULL when absent */
  struct sk_kv *sysctl;
  size_t sysctl_len;
  char **masked_paths; /* NULL-terminated */
  size_t masked_paths_len;
  char **readonly_paths; /* NULL-terminated */
  size_t readonly_paths_len;
  char *mount_label;
  struct sk_personality personality;
};

struct sk_spec {
  char *oci_version;
  char *root_path; /* root.path as written (may be relative to the bundle) */
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct sk_mount *mounts;
  size_t mounts_len;
  struct sk_process *process; /* NULL when absent */
  struct sk_hook_list hooks[SK_HOOK_KINDS];
  struct sk_kv *annotations;
  size_t annotations_len;
  struct sk_linux *linux_; /* NULL when absent ("linux" is a predefined macro in GNU C) */
};

/* Parse a config from memory.  `name` prefixes error paths ("config.json"). */
int sk_spec_parse(const char *data, size_t len, const char *name, struct sk_spec **out,
                  sk_err_t *err);
/* Read and parse a file. */
int sk_spec_load(const char *path, struct sk_spec **out, sk_err_t *err);
void sk_spec_free(struct sk_spec *spec);
#define _cleanup_spec_ __attribute__((cleanup(sk_spec_freep)))
void sk_spec_freep(struct sk_spec **spec);

/* Parse an OCI LinuxResources JSON object on its own (`update --resources FILE`). */
int sk_resources_parse(const char *data, size_t len, const char *name, struct sk_resources **out,
                       sk_err_t *err);
void sk_resources_free(struct sk_resources *r);

/* Returns the namespace entry of `type` (a CLONE_NEW* flag), or NULL. */
const struct sk_namespace *sk_spec_namespace(const struct sk_spec *spec, int type);
/* Annotation lookup; NULL when absent. */
const char *sk_spec_annotation(const struct sk_spec *spec, const char *key);

/* The default config.json `skiff spec` writes (runc's shape); rootless adapts it for a user
 * namespace owned by the calling user.  Returns malloc'd, pretty-printed JSON. */
char *sk_spec_default_json(bool rootless);

/* Capability names: "CAP_CHOWN" -> 0.  -1 when the name is not a capability at all. */
int sk_cap_from_name(const char *name);
const char *sk_cap_name(int cap);
#define SK_CAP_MAX 63

#endif
