/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp: compile profiles with sk_seccomp_prepare and install them in forked children. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include "unit.h"

static char *names_personality[] = {"personality", NULL};
static char *names_getppid[] = {"getppid", NULL};
static char *names_unknown[] = {"no_such_syscall_xyz", "getppid", NULL};

/* Run fn in a child with the filter installed; returns the wait status. */
static int in_child(struct sk_seccomp_filter *f, int listener, int (*fn)(void))
{
  pid_t pid = fork();
  if (pid == 0) {
    sk_err_t err = NULL;
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (sk_seccomp_install(f, listener, "{\"ociVersion\":\"1.2.0\",\"pid\":4242}", &err) < 0) {
      fprintf(stderr, "install: %s\n", err->msg);
      _exit(100);
    }
    _exit(fn());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

static int try_personality(void)
{
  /* 0xffffffff only queries the persona */
  long a = syscall(SYS_personality, 0xffffffffUL);
  int ea = a < 0 ? errno : 0;
  long b = syscall(SYS_personality, 0x0400000UL | 0xffff0000UL); /* masked match */
  int eb = b < 0 ? errno : 0;
  return (ea == 0 ? 0 : ea == EPERM ? 1 : 9) | (eb == 0 ? 0 : eb == 38 ? 2 : 8) << 4;
}

static int try_getppid(void)
{
  long r = syscall(SYS_getppid);
  return r < 0 ? errno : 0;
}

static int prep(struct sk_seccomp *sc, struct sk_seccomp_filter **f, const char *expect_err)
{
  sk_err_t err = NULL;
  int r = sk_seccomp_prepare(sc, f, &err);
  if (expect_err) {
    CHECK(r < 0 && err && strstr(err->msg, expect_err));
    if (err && !strstr(err->msg, expect_err))
      fprintf(stderr, "got: %s\n", err->msg);
  } else {
    CHECK(r == 0);
    if (err)
      fprintf(stderr, "prepare: %s\n", err->msg);
  }
  sk_err_free(&err);
  return r;
}

int main(void)
{
  struct sk_seccomp_filter *f = NULL;

  /* ERRNO with args: EQ denies one value, MASKED_EQ another (two rules for one syscall). */
  struct sk_seccomp_arg eq = {.index = 0, .value = 0xffffffffUL, .op = SK_SCMP_CMP_EQ};
  struct sk_seccomp_arg masked = {
      .index = 0, .value = 0xffff0000UL, .value_two = 0xffff0000UL, .op = SK_SCMP_CMP_MASKED_EQ};
  struct sk_seccomp_syscall rules[] = {
      {.names = names_personality,
       .names_len = 1,
       .action = SK_SCMP_ACT_ERRNO,
       .args = &eq,
       .args_len = 1},
      {.names = names_personality,
       .names_len = 1,
       .action = SK_SCMP_ACT_ERRNO,
       .errno_ret = {true, 38},
       .args = &masked,
       .args_len = 1},
      /* equal to the default action: skipped, not an error */
      {.names = names_getppid, .names_len = 1, .action = SK_SCMP_ACT_ALLOW},
  };
  char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
  /* every flag; WAIT_KILLABLE_RECV is dropped without a listener (the kernel refuses it) */
  static char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                          "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
  struct sk_seccomp sc = {.default_action = SK_SCMP_ACT_ALLOW,
                          .architectures = archs,
                          .architectures_len = 3,
                          .flags = flags,
                          .flags_len = 4,
                          .syscalls = rules,
                          .syscalls_len = 3};
  if (prep(&sc, &f, NULL) == 0) {
    int st = in_child(f, -1, try_personality);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == (1 | 2 << 4));
    sk_seccomp_filter_free(f);
  }

  /* The cache: a miss writes "@seccomp-*", a hit gives a program that behaves the same; a
   * damaged entry is recompiled. */
  char dir[] = "/tmp/skiff-seccomp-test-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int round = 0; round < 3; round++) {
      sk_err_t err = NULL;
      CHECK(sk_seccomp_prepare_cached(&sc, dfd, &f, &err) == 0);
      if (!f)
        break;
      int st = in_child(f, -1, try_personality);
      CHECK(WIFEXITED(st) && WEXITSTATUS(st) == (1 | 2 << 4));
      sk_seccomp_filter_free(f);
      DIR *d = fdopendir(dup(dfd));
      rewinddir(d); /* the dup shares the offset of the last round */
      struct dirent *de;
      int entries = 0;
      while ((de = readdir(d)))
        if (strncmp(de->d_name, "@seccomp-", 9) == 0) {
          entries++;
          if (round == 1) { /* damage the stored key: the next round must not trust it */
            int fd = openat(dfd, de->d_name, O_WRONLY | O_CLOEXEC);
            CHECK(pwrite(fd, "X", 1, 12) == 1);
            close(fd);
          }
        } else if (de->d_name[0] != '.') {
          entries += 100; /* no temporary file left */
        }
      closedir(d);
      CHECK(entries == 1);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    close(dfd);
  }

  /* KILL: the child dies of SIGSYS; an unknown name is skipped. */
  struct sk_seccomp_syscall kill_rule = {
      .names = names_unknown, .names_len = 2, .action = SK_SCMP_ACT_KILL};
  struct sk_seccomp sk = {
      .default_action = SK_SCMP_ACT_ALLOW, .syscalls = &kill_rule, .syscalls_len = 1};
  if (prep(&sk, &f, NULL) == 0) {
    int st = in_child(f, -1, try_getppid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    sk_seccomp_filter_free(f);
  }

  /* Default ERRNO with defaultErrnoRet; ALLOW for what the child needs to exit. */
  static char *allowed[] = {"exit_group", "exit", NULL};
  struct sk_seccomp_syscall allow = {.names = allowed, .names_len = 2, .action = SK_SCMP_ACT_ALLOW};
  struct sk_seccomp sd = {.default_action = SK_SCMP_ACT_ERRNO,
                          .default_errno_ret = {true, 13},
                          .syscalls = &allow,
                          .syscalls_len = 1};
  if (prep(&sd, &f, NULL) == 0) {
    int st = in_child(f, -1, try_getppid);
#if defined(__SANITIZE_ADDRESS__)
    /* The sanitizer's exit path (leak check) needs syscalls this filter denies. */
    CHECK(WIFEXITED(st) || WIFSIGNALED(st));
#else
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 13);
#endif
    sk_seccomp_filter_free(f);
  }

  /* Validation names the JSON path. */
  struct sk_seccomp_arg bad = {.index = 7, .op = SK_SCMP_CMP_EQ};
  struct sk_seccomp_syscall bad_rule = {.names = names_getppid,
                                        .names_len = 1,
                                        .action = SK_SCMP_ACT_ERRNO,
                                        .args = &bad,
                                        .args_len = 1};
  struct sk_seccomp sb = {
      .default_action = SK_SCMP_ACT_ALLOW, .syscalls = &bad_rule, .syscalls_len = 1};
  prep(&sb, &f, "config.json: linux.seccomp.syscalls[0].args[0].index: 7 is out of range");
  bad_rule.args_len = 0;
  bad_rule.action = SK_SCMP_ACT_NOTIFY;
  prep(&sb, &f, "config.json: linux.seccomp.listenerPath: required");
  bad_rule.errno_ret = (struct sk_opt_u64){true, 70000};
  bad_rule.action = SK_SCMP_ACT_ERRNO;
  prep(&sb, &f, "linux.seccomp.syscalls[0].errnoRet: 70000 is out of range");
  sb.default_action = SK_SCMP_ACT_NOTIFY;
  prep(&sb, &f, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY");

  /* NOTIFY: the listener gets the fd and the ContainerProcessState. */
  struct sk_seccomp_syscall notify_rule = {
      .names = names_getppid, .names_len = 1, .action = SK_SCMP_ACT_NOTIFY};
  struct sk_seccomp sn = {.default_action = SK_SCMP_ACT_ALLOW,
                          .listener_path = "/unused",
                          .listener_metadata = "meta \"data\"",
                          .flags = flags,
                          .flags_len = 4,
                          .syscalls = &notify_rule,
                          .syscalls_len = 1};
  int sp[2];
  if (prep(&sn, &f, NULL) == 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      close(sp[0]);
      sk_err_t err = NULL;
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (sk_seccomp_install(f, sp[1], "{\"ociVersion\":\"1.2.0\",\"pid\":4242}", &err) < 0)
        _exit(100);
      close(sp[1]);
      _exit(try_getppid());
    }
    close(sp[1]);
    char buf[4096] = "";
    union {
      char b[CMSG_SPACE(sizeof(int))];
      struct cmsghdr a;
    } u;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    ssize_t n = recvmsg(sp[0], &mh, MSG_CMSG_CLOEXEC);
    CHECK(n > 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    CHECK(c && c->cmsg_type == SCM_RIGHTS);
    CHECK(strstr(buf, "\"fds\":[\"seccompFd\"]") != NULL);
    CHECK(strstr(buf, "\"pid\":4242") != NULL);
    CHECK(strstr(buf, "\"metadata\":\"meta \\\"data\\\"\"") != NULL);
    CHECK(strstr(buf, "\"state\":{\"ociVersion\"") != NULL);
    if (c && c->cmsg_type == SCM_RIGHTS) {
      int nfd;
      memcpy(&nfd, CMSG_DATA(c), sizeof nfd);
      /* Closing the listener's fd makes the waiting syscall fail with ENOSYS. */
      close(nfd);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == ENOSYS);
    close(sp[0]);
    sk_seccomp_filter_free(f);
  }
  return UNIT_DONE();
}
