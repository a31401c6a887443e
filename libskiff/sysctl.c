/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.sysctl: only keys that belong to a namespace the container has its own of. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "process.h"
#include "utils.h"

/* The namespace a key belongs to (CLONE_NEW*), or 0 when it is not namespaced. */
static int key_namespace(const char *key)
{
  /* IPC: kernel.shm*, kernel.msg*, kernel.sem and kernel.sem_next_id, fs.mqueue.* */
  if (strncmp(key, "kernel.shm", 10) == 0 || strncmp(key, "kernel.msg", 10) == 0 ||
      strcmp(key, "kernel.sem") == 0 || strcmp(key, "kernel.sem_next_id") == 0)
    return CLONE_NEWIPC;
  if (strncmp(key, "fs.mqueue.", 10) == 0)
    return CLONE_NEWIPC;
  if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
    return CLONE_NEWUTS;
  if (strncmp(key, "net.", 4) == 0)
    return CLONE_NEWNET;
  return 0;
}

/* The container has a namespace of `type` that is not the runtime's (the host's): a new one,
 * or one joined by path (a pod's shared network namespace, as Kubernetes does). */
static bool own_namespace(const struct sk_spec *spec, int type)
{
  const struct sk_namespace *ns = sk_spec_namespace(spec, type);
  if (!ns)
    return false;
  if (!ns->path)
    return true;
  const char *self = type == CLONE_NEWIPC   ? "/proc/self/ns/ipc"
                     : type == CLONE_NEWUTS ? "/proc/self/ns/uts"
                                            : "/proc/self/ns/net";
  struct stat a, b;
  if (stat(ns->path, &a) < 0 || stat(self, &b) < 0)
    return true; /* the join itself reports a bad path */
  return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

/* "sys/<key>" under procfs, as sysctl(8) maps names: '.' separates components and '/' stands
 * for a '.' inside one (net.ipv4.conf.eth0/100.forwarding is .../eth0.100/forwarding).  Every
 * component must be a plain name: "net.//.kernel.core_pattern" would otherwise climb out of
 * net/ to a host-wide key.  Returns -1 on a bad or too long name. */
static int sysctl_path(const char *key, char *buf, size_t size)
{
  size_t n = strlen(key);
  if (!n || n + 5 > size)
    return -1;
  memcpy(buf, "sys/", 4);
  for (size_t i = 0; i <= n; i++)
    buf[4 + i] = key[i] == '.' ? '/' : key[i] == '/' ? '.' : key[i];
  for (const char *c = buf + 4; *c;) {
    size_t len = strcspn(c, "/");
    if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
      return -1;
    c += len;
    if (*c == '/' && !*++c)
      return -1; /* a trailing separator */
  }
  return 0;
}

int sk_sysctl_validate(const struct sk_spec *spec, sk_err_t *err)
{
  if (!spec->linux_)
    return 0;
  for (size_t i = 0; i < spec->linux_->sysctl_len; i++) {
    const char *key = spec->linux_->sysctl[i].key;
    char path[512];
    if (sysctl_path(key, path, sizeof path) < 0)
      return sk_failx(err, "config.json: linux.sysctl: \"%s\" is not a sysctl name", key);
    int ns = key_namespace(key);
    if (!ns)
      return sk_failx(err,
                      "config.json: linux.sysctl: \"%s\" is not namespaced: setting it would "
                      "change the host",
                      key);
    if (!own_namespace(spec, ns))
      return sk_failx(
          err, "config.json: linux.sysctl: \"%s\" needs the container's own %s namespace", key,
          ns == CLONE_NEWIPC   ? "ipc"
          : ns == CLONE_NEWUTS ? "uts"
                               : "network");
  }
  return 0;
}

int sk_sysctl_apply(const struct sk_spec *spec, int procfd, sk_err_t *err)
{
  if (!spec->linux_ || !spec->linux_->sysctl_len)
    return 0;
  for (size_t i = 0; i < spec->linux_->sysctl_len; i++) {
    const struct sk_kv *kv = &spec->linux_->sysctl[i];
    char path[512];
    if (sysctl_path(kv->key, path, sizeof path) < 0)
      return sk_failx(err, "linux.sysctl: \"%s\" is not a sysctl name", kv->key);
    /* Through the private procfs (procfd), never the container's /proc: a bind mount over
     * /proc/sys set up by the container cannot catch this write (CVE-2025-52881).  Beneath
     * it, without symlinks. */
    struct open_how how = {.flags = O_WRONLY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
    _cleanup_close_ int fd = (int)syscall(SYS_openat2, procfd, path, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS)
      fd = openat(procfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
      return sk_failno(err, "linux.sysctl: \"%s\"", kv->key);
    if (sk_write_all(fd, kv->value, strlen(kv->value)) < 0)
      return sk_failno(err, "linux.sysctl: set \"%s\" to \"%s\"", kv->key, kv->value);
  }
  return 0;
}
