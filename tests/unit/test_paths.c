/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for libskiff/paths.c: resolution inside a root against symlink tricks.
 *
 * A temp dir plays the container's rootfs; a sibling "host" dir plays the host.  Every symlink
 * in the root points at the host dir (absolute or with "..") and must resolve inside the root.
 * The magic-link and mount tests need root (a private mount namespace); they are skipped
 * otherwise. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "paths.h"
#include "unit.h"
#include "utils.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static char base[256], root[300], host[300];

static void mkfile(const char *dir, const char *name)
{
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd >= 0)
    close(fd);
}

static void mklink(const char *target, const char *name)
{
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/%s", root, name);
  if (symlink(target, p) < 0)
    perror(p);
}

static bool exists_in(const char *dir, const char *name)
{
  char p[PATH_MAX * 2];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return lstat(p, &st) == 0;
}

/* Is fd the same file as dir/name? */
static bool same_file(int fd, const char *dir, const char *name)
{
  char p[PATH_MAX * 2];
  struct stat a, b;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return fd >= 0 && fstat(fd, &a) == 0 && lstat(p, &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

static int open_in(int rootfd, const char *path, int flags)
{
  sk_err_t err = NULL;
  int fd = sk_open_in_root(rootfd, path, flags, 0644, &err);
  int e = err ? err->errnum : 0;
  sk_err_free(&err);
  errno = e;
  return fd;
}

static void setup(void)
{
  snprintf(base, sizeof base, "/tmp/skiff-test-paths-XXXXXX");
  if (!mkdtemp(base)) {
    perror("mkdtemp");
    exit(1);
  }
  snprintf(root, sizeof root, "%s/root", base);
  snprintf(host, sizeof host, "%s/host", base);
  mkdir(root, 0755);
  mkdir(host, 0755);
  mkfile(host, "secret");
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/etc", root);
  mkdir(p, 0755);
  mkfile(p, "passwd");
  mkfile(root, "secret"); /* the root's own file of the same name */
}

static void test_open(int rootfd)
{
  /* absolute link to the host dir: resolves to root/<host path>, which does not exist */
  mklink(host, "abs");
  mklink("../../../../../../..", "up");
  mklink("/", "slash");
  mklink("/etc/../../../..", "dotdot");

  int fd = open_in(rootfd, "/abs/secret", O_RDONLY);
  CHECK(fd < 0 && errno == ENOENT);
  /* ".." and absolute links stop at the root */
  fd = open_in(rootfd, "/up/secret", O_RDONLY);
  CHECK(same_file(fd, root, "secret"));
  if (fd >= 0)
    close(fd);
  fd = open_in(rootfd, "../../../secret", O_RDONLY);
  CHECK(same_file(fd, root, "secret"));
  if (fd >= 0)
    close(fd);
  fd = open_in(rootfd, "slash/etc/passwd", O_PATH);
  CHECK(same_file(fd, root, "etc/passwd"));
  if (fd >= 0)
    close(fd);
  fd = open_in(rootfd, "dotdot/secret", O_PATH);
  CHECK(same_file(fd, root, "secret"));
  if (fd >= 0)
    close(fd);
  /* "/" and "" are the root itself */
  fd = open_in(rootfd, "/", O_PATH | O_DIRECTORY);
  CHECK(same_file(fd, root, "."));
  if (fd >= 0)
    close(fd);

  /* creating through a link to a host file must not touch the host */
  char target[PATH_MAX * 2];
  snprintf(target, sizeof target, "%s/created", host);
  mklink(target, "create-link");
  fd = open_in(rootfd, "create-link", O_CREAT | O_WRONLY);
  if (fd >= 0)
    close(fd);
  CHECK(!exists_in(host, "created"));

  /* the error names the path */
  sk_err_t err = NULL;
  CHECK(sk_open_in_root(rootfd, "/nope/x", O_RDONLY, 0, &err) < 0);
  CHECK(err && strstr(err->msg, "/nope/x") && err->errnum == ENOENT);
  sk_err_free(&err);
}

static void test_mkdir(int rootfd)
{
  sk_err_t err = NULL;
  /* through an absolute link: the directories appear under the root, never in the host dir */
  int fd = sk_mkdir_in_root(rootfd, "/abs/sub/deeper", 0755, &err);
  CHECK(fd >= 0);
  char rel[PATH_MAX * 2];
  snprintf(rel, sizeof rel, "%s/sub/deeper", host + 1);
  CHECK(same_file(fd, root, rel));
  CHECK(!exists_in(host, "sub"));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* through a relative link climbing out */
  mklink("../../host", "rel");
  fd = sk_mkdir_in_root(rootfd, "rel/made", 0755, &err);
  CHECK(fd >= 0);
  CHECK(!exists_in(host, "made"));
  CHECK(same_file(fd, root, "host/made"));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* ".." components stay inside */
  fd = sk_mkdir_in_root(rootfd, "/a/../../../b/c", 0755, &err);
  CHECK(same_file(fd, root, "b/c"));
  CHECK(!exists_in(base, "b"));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* an existing directory: the fast path returns it, O_PATH */
  fd = sk_mkdir_in_root(rootfd, "/etc", 0755, &err);
  CHECK(same_file(fd, root, "etc"));
  CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_PATH));
  if (fd >= 0)
    close(fd);

  /* a file in the way is an error */
  CHECK(sk_mkdir_in_root(rootfd, "/etc/passwd/x", 0755, &err) < 0);
  CHECK(err && strstr(err->msg, "passwd"));
  sk_err_free(&err);
}

static void test_mountpoint(int rootfd)
{
  sk_err_t err = NULL;
  char target[PATH_MAX * 2];
  /* a file mount point through a link to a host file: created inside the root */
  snprintf(target, sizeof target, "%s/mp-file", host);
  mklink(target, "mpf");
  int fd = sk_mountpoint_in_root(rootfd, "/mpf", true, &err);
  CHECK(!exists_in(host, "mp-file"));
  /* a dangling link: its target is created inside the root (an image's /etc/resolv.conf ->
   * /run/systemd/resolve/stub-resolv.conf works as with runc) */
  snprintf(target, sizeof target, "%s/mp-file", host + 1);
  struct stat st;
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
  CHECK(same_file(fd, root, target));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* a dangling relative link climbing out: created at the root */
  mklink("../../../../dangling-dir/x", "dd");
  fd = sk_mountpoint_in_root(rootfd, "/dd", false, &err);
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(same_file(fd, root, "dangling-dir/x"));
  CHECK(!exists_in(base, "dangling-dir") && !exists_in("/", "dangling-dir"));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* a link loop is an error, not a hang */
  mklink("loop2", "loop1");
  mklink("loop1", "loop2");
  CHECK(sk_mountpoint_in_root(rootfd, "/loop1", true, &err) < 0 && err && err->errnum == ELOOP);
  sk_err_free(&err);

  /* a directory mount point whose link goes to a host dir that exists */
  mklink(host, "mpd");
  fd = sk_mountpoint_in_root(rootfd, "/mpd/inner", false, &err);
  CHECK(fd >= 0);
  CHECK(!exists_in(host, "inner"));
  snprintf(target, sizeof target, "%s/inner", host + 1);
  CHECK(same_file(fd, root, target));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* a new file mount point: an empty regular file */
  fd = sk_mountpoint_in_root(rootfd, "/dev/console", true, &err);
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
  CHECK(same_file(fd, root, "dev/console"));
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);

  /* an existing one is returned as is (O_PATH) */
  fd = sk_mountpoint_in_root(rootfd, "/etc/passwd", true, &err);
  CHECK(same_file(fd, root, "etc/passwd"));
  if (fd >= 0)
    close(fd);

  /* a final symlink is resolved in the root: a link to /etc/passwd gives the root's file */
  mklink("/etc/passwd", "pw");
  fd = sk_mountpoint_in_root(rootfd, "/pw", true, &err);
  CHECK(same_file(fd, root, "etc/passwd"));
  if (fd >= 0)
    close(fd);

  CHECK(sk_mountpoint_in_root(rootfd, "/etc/..", false, &err) >= 0 || err != NULL);
  sk_err_free(&err);
}

/* As root, in a private mount namespace: a procfs inside the root must not be usable to jump
 * out through its magic links, and a mount on a resolved fd lands inside the root. */
static void test_privileged(void)
{
  if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    printf("skipping the privileged tests\n");
    return;
  }
  /* an fd of the root opened in the new namespace: lookups from an older fd see the old
   * namespace's mounts */
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  sk_err_t err = NULL;
  char p[PATH_MAX * 2];
  snprintf(p, sizeof p, "%s/proc", root);
  mkdir(p, 0555);
  CHECK(mount("proc", p, "proc", 0, NULL) == 0);
  /* /proc/self/root is a magic link to the host's / */
  int fd = open_in(rootfd, "/proc/self/root/etc", O_PATH);
  CHECK(fd < 0 && errno == ELOOP);
  if (fd >= 0)
    close(fd);
  mklink("/proc/self/cwd", "magic");
  fd = open_in(rootfd, "/magic", O_PATH);
  CHECK(fd < 0 && errno == ELOOP);
  if (fd >= 0)
    close(fd);
  CHECK(sk_mkdir_in_root(rootfd, "/proc/self/root/tmp/escaped", 0755, &err) < 0);
  CHECK(!exists_in("/tmp", "escaped"));
  sk_err_free(&err);
  umount2(p, MNT_DETACH);

  /* A mount through the fd of a symlinked destination lands inside the root; swapping the
   * link after resolution changes nothing (the fd is what gets mounted on). */
  mklink(host, "evil");
  fd = sk_mountpoint_in_root(rootfd, "/evil", false, &err);
  CHECK(fd >= 0);
  if (fd >= 0) {
    char lp[PATH_MAX * 2];
    snprintf(lp, sizeof lp, "%s/evil", root);
    unlink(lp);
    if (symlink(host, lp) < 0)
      perror(lp);
    char fdp[32];
    CHECK(mount("tmpfs", sk_fd_path(fd, fdp), "tmpfs", 0, "size=16k") == 0);
    struct statfs sfs;
    CHECK(statfs(host, &sfs) == 0 && sfs.f_type != 0x01021994 /* TMPFS_MAGIC */);
    snprintf(p, sizeof p, "%s%s", root, host);
    CHECK(statfs(p, &sfs) == 0 && sfs.f_type == 0x01021994);
    umount2(p, MNT_DETACH);
    close(fd);
  }
  sk_err_free(&err);
}

/* The openat2-less walk (old kernels) must give the same answers. */
static int walk_in(int rootfd, const char *path, int flags)
{
  sk_err_t err = NULL;
  int fd = sk_walk_in_root(rootfd, path, flags, 0644, &err);
  int e = err ? err->errnum : 0;
  sk_err_free(&err);
  errno = e;
  return fd;
}

static void test_walk(int rootfd)
{
  static const char *const to_secret[] = {"/up/secret", "../../../secret", "dotdot/secret",
                                          "./etc/../secret", "slash/slash/secret"};
  for (size_t i = 0; i < ARRAY_SIZE(to_secret); i++) {
    int fd = walk_in(rootfd, to_secret[i], O_RDONLY);
    CHECK(same_file(fd, root, "secret"));
    if (fd >= 0)
      close(fd);
  }
  int fd = walk_in(rootfd, "/abs/secret", O_RDONLY);
  CHECK(fd < 0 && errno == ENOENT);
  fd = walk_in(rootfd, "/", O_PATH | O_DIRECTORY);
  CHECK(same_file(fd, root, "."));
  if (fd >= 0)
    close(fd);
  fd = walk_in(rootfd, "/etc/passwd/", O_PATH | O_DIRECTORY);
  CHECK(fd < 0 && errno == ENOTDIR);
  fd = walk_in(rootfd, "/loop1", O_PATH);
  CHECK(fd < 0 && errno == ELOOP);
  /* O_NOFOLLOW on the last component opens the link itself */
  fd = walk_in(rootfd, "/abs", O_PATH | O_NOFOLLOW);
  struct stat st;
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode));
  if (fd >= 0)
    close(fd);
  /* O_CREAT through a link to the host creates nothing on the host */
  fd = walk_in(rootfd, "create-link", O_CREAT | O_WRONLY);
  if (fd >= 0)
    close(fd);
  CHECK(!exists_in(host, "created"));
  fd = walk_in(rootfd, "/etc/passwd", O_CREAT | O_EXCL | O_WRONLY);
  CHECK(fd < 0 && errno == EEXIST);
  fd = walk_in(rootfd, "/etc/newfile", O_CREAT | O_WRONLY);
  CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY);
  CHECK(same_file(fd, root, "etc/newfile"));
  if (fd >= 0)
    close(fd);
}

static void test_misc(void)
{
  char buf[32];
  CHECK(strcmp(sk_fd_path(7, buf), "/proc/self/fd/7") == 0);
  CHECK(strcmp(sk_fd_path(2147483647, buf), "/proc/self/fd/2147483647") == 0);

  sk_err_t err = NULL;
  int fd = sk_open_private_procfs(&err);
  if (geteuid() == 0) {
    struct statfs sfs;
    CHECK(fd >= 0 && fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
    int st = fd >= 0 ? openat(fd, "self/status", O_RDONLY | O_CLOEXEC) : -1;
    CHECK(st >= 0);
    if (st >= 0)
      close(st);
  }
  if (fd >= 0)
    close(fd);
  sk_err_free(&err);
}

int main(void)
{
  setup();
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    perror(root);
    return 1;
  }
  test_open(rootfd);
  test_mkdir(rootfd);
  test_mountpoint(rootfd);
  test_walk(rootfd);
  test_misc();
  close(rootfd);
  test_privileged();
  sk_err_t err = NULL;
  sk_rm_rf_at(AT_FDCWD, base, &err);
  sk_err_free(&err);
  return UNIT_DONE();
}
