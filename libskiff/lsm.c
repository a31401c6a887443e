/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SELinux and AppArmor exec labels.
 *
 * Both are a write to the calling thread's attr file in procfs; doing it ourselves (instead of
 * libselinux's setexeccon) lets the write go through a private procfs instance (procfd) that a
 * container cannot have mounted over, and keeps libselinux (and its constructor, which probes
 * mounts at every start) out of the binary. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "log.h"
#include "lsm.h"
#include "utils.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* As libselinux's is_selinux_enabled(): selinuxfs is mounted (at /sys/fs/selinux, or the legacy
 * /selinux). */
bool sk_selinux_enabled(void)
{
  static int cached = -1;
  if (cached < 0) {
    struct statfs sfs;
    cached = (statfs("/sys/fs/selinux", &sfs) == 0 && (uint32_t)sfs.f_type == SELINUX_MAGIC) ||
             (statfs("/selinux", &sfs) == 0 && (uint32_t)sfs.f_type == SELINUX_MAGIC);
  }
  return cached;
}

bool sk_apparmor_enabled(void)
{
  static int cached = -1;
  if (cached < 0) {
    char buf[4] = "";
    int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, buf, sizeof buf - 1);
      close(fd);
      buf[n > 0 ? n : 0] = '\0';
    }
    cached = buf[0] == 'Y' && access("/sys/kernel/security/apparmor", F_OK) == 0;
  }
  return cached;
}

/* The process's labels are checked by sk_process_validate (for create and exec alike). */
int sk_lsm_validate(const struct sk_spec *spec, sk_err_t *err)
{
  if (spec->linux_ && spec->linux_->mount_label && *spec->linux_->mount_label &&
      !sk_selinux_enabled())
    return sk_failx(err,
                    "config.json: linux.mountLabel: \"%s\" asked for, but SELinux is not enabled "
                    "on this host",
                    spec->linux_->mount_label);
  return 0;
}

/* Open an attr file of the calling thread for writing, under procfd, and make sure it is procfs:
 * the label must reach the kernel, not a file that happens to sit there. */
static int open_attr(int procfd, const char *path, sk_err_t *err)
{
  int fd = openat(procfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return sk_failno(err, "open /proc/%s", path);
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    close(fd);
    return sk_failx(err, "/proc/%s is not on procfs", path);
  }
  return fd;
}

static int write_attr(int fd, const char *value, const char *what, sk_err_t *err)
{
  size_t len = strlen(value);
  ssize_t n;
  do
    n = write(fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return sk_failno(err, "set the %s", what);
  if ((size_t)n != len)
    return sk_failx(err, "set the %s: short write", what);
  return 0;
}

int sk_lsm_set_exec_labels(const struct sk_process *p, int procfd, sk_err_t *err)
{
  if (!p)
    return 0;
  bool selinux = p->selinux_label && *p->selinux_label;
  bool apparmor = p->apparmor_profile && *p->apparmor_profile;
  if (!selinux && !apparmor)
    return 0;
  if (procfd < 0)
    return sk_failx(err, "set the LSM exec label: no procfs");

  if (selinux) {
    _cleanup_close_ int fd = open_attr(procfd, "thread-self/attr/exec", err);
    if (fd < 0)
      return sk_err_prefix(err, "process.selinuxLabel");
    if (write_attr(fd, p->selinux_label, "SELinux exec label", err) < 0)
      return sk_err_prefix(err, "process.selinuxLabel \"%s\"", p->selinux_label);
  }
  if (apparmor) {
    /* Since Linux 5.1 AppArmor has its own directory; attr/exec is the shared legacy file. */
    int fd = openat(procfd, "thread-self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
      fd = open_attr(procfd, "thread-self/attr/exec", err);
    else if (fd < 0)
      return sk_failno(err, "process.apparmorProfile: open /proc/thread-self/attr/apparmor/exec");
    if (fd < 0)
      return sk_err_prefix(err, "process.apparmorProfile");
    _cleanup_free_ char *cmd = xasprintf("exec %s", p->apparmor_profile);
    int r = write_attr(fd, cmd, "AppArmor exec profile", err);
    close(fd);
    if (r < 0)
      return sk_err_prefix(err, "process.apparmorProfile \"%s\"", p->apparmor_profile);
  }
  return 0;
}
