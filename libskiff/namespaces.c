/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  int type;
  const char *name;      /* config.json name */
  const char *proc_name; /* /proc/PID/ns entry */
} ns_table[] = {
    /* The user namespace comes first: joining it first gives the capabilities that joining the
     * others needs when they are owned by it. */
    {CLONE_NEWUSER, "user", "user"},  {CLONE_NEWPID, "pid", "pid"},
    {CLONE_NEWNET, "network", "net"}, {CLONE_NEWIPC, "ipc", "ipc"},
    {CLONE_NEWUTS, "uts", "uts"},     {CLONE_NEWCGROUP, "cgroup", "cgroup"},
    {CLONE_NEWTIME, "time", "time"},  {CLONE_NEWNS, "mount", "mnt"},
};

int sk_ns_type_from_name(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
    if (strcmp(ns_table[i].name, name) == 0)
      return ns_table[i].type;
  return 0;
}

const char *sk_ns_name(int type)
{
  for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
    if (ns_table[i].type == type)
      return ns_table[i].name;
  return "unknown";
}

const char *sk_ns_proc_name(int type)
{
  for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
    if (ns_table[i].type == type)
      return ns_table[i].proc_name;
  return "unknown";
}

void sk_ns_plan_close(struct sk_ns_plan *plan)
{
  for (int i = 0; i < plan->njoin; i++)
    if (plan->join_fds[i] >= 0)
      close(plan->join_fds[i]);
  plan->njoin = 0;
}

int sk_ns_plan(const struct sk_spec *spec, struct sk_ns_plan *plan, sk_err_t *err)
{
  memset(plan, 0, sizeof *plan);
  if (spec->linux_ == NULL)
    return 0;
  /* Walk in ns_table order so that join_fds end up user namespace first, mount last. */
  for (size_t t = 0; t < ARRAY_SIZE(ns_table); t++) {
    for (size_t i = 0; i < spec->linux_->namespaces_len; i++) {
      const struct sk_namespace *ns = &spec->linux_->namespaces[i];
      if (ns->type != ns_table[t].type)
        continue;
      if (ns->path == NULL) {
        plan->new_flags |= ns->type;
        continue;
      }
      int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        sk_failno(err, "config.json: linux.namespaces[%zu].path: open `%s`", i, ns->path);
        sk_ns_plan_close(plan);
        return -1;
      }
      int kind = ioctl(fd, NS_GET_NSTYPE);
      if (kind != ns->type) {
        close(fd);
        sk_failx(err, "config.json: linux.namespaces[%zu].path: `%s` is not a %s namespace", i,
                 ns->path, ns_table[t].name);
        sk_ns_plan_close(plan);
        return -1;
      }
      plan->join_fds[plan->njoin] = fd;
      plan->join_types[plan->njoin] = ns->type;
      plan->njoin++;
    }
  }
  return 0;
}

int sk_ns_join(const struct sk_ns_plan *plan, sk_err_t *err)
{
  for (int i = 0; i < plan->njoin; i++) {
    if (setns(plan->join_fds[i], plan->join_types[i]) < 0)
      return sk_failno(err, "join the %s namespace", sk_ns_name(plan->join_types[i]));
  }
  return 0;
}

static int write_map(pid_t pid, const char *file, const struct sk_idmap *m, size_t n, sk_err_t *err)
{
  char buf[4096];
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(buf + off, sizeof buf - off, "%u %u %u\n", m[i].container_id, m[i].host_id,
                     m[i].size);
    if (w < 0 || (size_t)w >= sizeof buf - off)
      return sk_failx(err, "%s: too many mappings", file);
    off += w;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open %s", path);
  if (write(fd, buf, off) != (ssize_t)off)
    return sk_failno(err, "write %s (config.json: linux.%s)", path,
                     strcmp(file, "uid_map") == 0 ? "uidMappings" : "gidMappings");
  return 0;
}

int sk_ns_write_idmaps(pid_t pid, const struct sk_spec *spec, sk_err_t *err)
{
  const struct sk_linux *l = spec->linux_;
  if (l == NULL)
    return 0;
  /* The runtime is root in the parent namespace, so it writes the maps directly (no newuidmap);
   * setgroups stays "allow" so the container can set additionalGids. */
  if (l->uid_mappings_len &&
      write_map(pid, "uid_map", l->uid_mappings, l->uid_mappings_len, err) < 0)
    return -1;
  if (l->gid_mappings_len &&
      write_map(pid, "gid_map", l->gid_mappings, l->gid_mappings_len, err) < 0)
    return -1;
  return 0;
}

int sk_ns_write_time_offsets(const struct sk_spec *spec, sk_err_t *err)
{
  const struct sk_linux *l = spec->linux_;
  char buf[128];
  int n = 0;
  if (l->time_monotonic.set)
    n += snprintf(buf + n, sizeof buf - n, "monotonic %lld %u\n", (long long)l->time_monotonic.secs,
                  l->time_monotonic.nanosecs);
  if (l->time_boottime.set)
    n += snprintf(buf + n, sizeof buf - n, "boottime %lld %u\n", (long long)l->time_boottime.secs,
                  l->time_boottime.nanosecs);
  if (n == 0)
    return 0;
  /* /proc/self/timens_offsets describes the namespace our children (and our next execve) enter:
   * it is writable until a process lives in it. */
  _cleanup_close_ int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open /proc/self/timens_offsets");
  /* One write per line: the kernel takes one clock per write. */
  for (char *line = buf; *line;) {
    char *nl = strchr(line, '\n');
    size_t len = nl - line + 1;
    if (write(fd, line, len) != (ssize_t)len)
      return sk_failno(err, "config.json: linux.timeOffsets: write `%.*s`", (int)len - 1, line);
    line = nl + 1;
  }
  return 0;
}
