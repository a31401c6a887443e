/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff-image run: an ephemeral bundle in STORE/tmp, `skiff run`, the exit status passed
 * through, and everything removed afterwards, also after SIGINT/SIGTERM/SIGHUP (forwarded to
 * skiff, which forwards them to the container). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image-cli.h"
#include "image_mount.h"
#include "image_store.h"
#include "utils.h"

static volatile pid_t child_pid;
static volatile sig_atomic_t got_signal, got_alarm;

static void forward(int sig)
{
  if (sig == SIGALRM) {
    got_alarm = 1;
    return;
  }
  got_signal = sig;
  if (child_pid > 0)
    kill(child_pid, sig);
}

/* The container ignored the forwarded signal (a pid 1 without a handler does): kill it. */
static void kill_container(const char *skiff, const char *id)
{
  pid_t p = fork();
  if (p == 0) {
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0)
      dup2(devnull, STDERR_FILENO);
    execlp(skiff, skiff, "kill", id, "KILL", (char *)NULL);
    _exit(127);
  }
  if (p > 0)
    while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
      ;
}

/* `skiff` next to this binary, else from PATH. */
static char *find_skiff(void)
{
  const char *env = getenv("SKIFF");
  if (env && *env)
    return xstrdup(env);
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = '\0';
      char *p = xasprintf("%s/skiff", self);
      if (access(p, X_OK) == 0)
        return p;
      free(p);
    }
  }
  return xstrdup("skiff");
}

int cmd_run(int argc, char **argv)
{
  char **cmd = NULL;
  int n = argc;
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      n = i;
      cmd = argv + i + 1;
      break;
    }
  struct sk_bundle_opts bo = {.args = cmd};
  const char *name = NULL;
  for (int i = 1; i < n; i++) {
    if (strcmp(argv[i], "--rw") == 0)
      bo.rw = true;
    else if (strcmp(argv[i], "--tty") == 0 || strcmp(argv[i], "-t") == 0)
      bo.terminal = true;
    else if (argv[i][0] == '-')
      return img_error("run: unknown option %s", argv[i]);
    else if (name == NULL)
      name = argv[i];
    else if (cmd == NULL) {
      cmd = argv + i; /* run NAME CMD... without "--" */
      bo.args = cmd;
      break;
    }
  }
  if (name == NULL)
    return img_error("run: need NAME");
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  struct sk_image img;
  if (sk_store_open(&s, img_g.store, false, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  if (sk_image_load(&s, name, &img, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  /* Signals arriving while the bundle is built must not leave it behind: block them until the
   * child runs, then forward. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &old);
  _cleanup_free_ char *dir = xasprintf("%s/tmp/run-XXXXXX", s.root);
  int status = 1;
  _cleanup_free_ char *skiff = NULL, *id = NULL;
  if (mkdtemp(dir) == NULL) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    sk_image_free(&img);
    sk_store_close(&s);
    return img_error("run: mkdtemp %s: %s", dir, strerror(errno));
  }
  if (sk_image_bundle(&s, &img, dir, &bo, &err) < 0) {
    status = img_fail(&err);
    goto cleanup;
  }
  skiff = find_skiff();
  id = xasprintf("skiff-image-%s", strrchr(dir, '-') + 1);
  struct sigaction sa = {.sa_handler = forward};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGALRM, &sa, NULL);
  pid_t pid = fork();
  if (pid < 0) {
    status = img_error("run: fork: %s", strerror(errno));
    goto cleanup;
  }
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    execlp(skiff, skiff, "run", "--bundle", dir, id, (char *)NULL);
    fprintf(stderr, "skiff-image: run: exec %s: %s\n", skiff, strerror(errno));
    _exit(127);
  }
  child_pid = pid;
  sigprocmask(SIG_SETMASK, &old, NULL);
  int ws;
  bool armed = false;
  while (waitpid(pid, &ws, 0) < 0) {
    if (errno != EINTR) {
      ws = 1 << 8;
      break;
    }
    if (got_signal && !armed) {
      armed = true;
      alarm(10); /* grace period, as docker stop gives */
    }
    if (got_alarm) {
      got_alarm = 0;
      kill_container(skiff, id);
    }
  }
  alarm(0);
  sigprocmask(SIG_BLOCK, &block, NULL);
  child_pid = 0;
  status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 1;
cleanup:
  /* A failed umount leaves rootfs mounted: never rm -rf through it, keep the directory. */
  if (sk_image_umount(dir, &err) < 0)
    img_fail(&err);
  else if (rmdir(dir) < 0) {
    /* leftovers (.skiff-image etc.): remove the whole directory */
    _cleanup_free_ char *tmp = xasprintf("%s/tmp", s.root);
    int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd >= 0) {
      sk_rm_rf_at(tfd, strrchr(dir, '/') + 1, &err);
      sk_err_free(&err);
      close(tfd);
    }
  }
  sk_image_free(&img);
  sk_store_close(&s);
  return status;
}
