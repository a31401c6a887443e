/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void sk_freep(void *p)
{
  free(*(void **)p);
}

void sk_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
  *fd = -1;
}

void sk_fclosep(FILE **f)
{
  if (*f)
    fclose(*f);
  *f = NULL;
}

void sk_closedirp(DIR **d)
{
  if (*d)
    closedir(*d);
  *d = NULL;
}

void sk_strv_free(char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

void sk_strvfreep(char ***v)
{
  sk_strv_free(*v);
  *v = NULL;
}

size_t sk_strv_len(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void oom(void)
{
  static const char msg[] = "skiff: out of memory\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  abort();
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

void *xzalloc(size_t n)
{
  void *p = calloc(1, n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

char *xstrdup(const char *s)
{
  if (s == NULL)
    return NULL;
  char *r = strdup(s);
  if (r == NULL)
    oom();
  return r;
}

char *xstrndup(const char *s, size_t n)
{
  char *r = strndup(s, n);
  if (r == NULL)
    oom();
  return r;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0)
    oom();
  return s;
}

ssize_t sk_write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, p + done, len - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    done += w;
  }
  return done;
}

ssize_t sk_read_all(int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t r = read(fd, p + done, len - done);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0)
      break;
    done += r;
  }
  return done;
}

int sk_read_fd(int fd, char **out, size_t *len, sk_err_t *err)
{
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = xmalloc(cap + 1);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      buf = xrealloc(buf, cap + 1);
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return sk_failno(err, "read");
    }
    if (r == 0)
      break;
    n += r;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr(buf);
  return 0;
}

int sk_read_file_at(int dirfd, const char *path, char **out, size_t *len, sk_err_t *err)
{
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open `%s`", path);
  if (sk_read_fd(fd, out, len, err) < 0)
    return sk_err_prefix(err, "`%s`", path);
  return 0;
}

int sk_write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                     sk_err_t *err)
{
  _cleanup_close_ int fd =
      openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return sk_failno(err, "open `%s` for writing", path);
  if (sk_write_all(fd, data, len) < 0)
    return sk_failno(err, "write `%s`", path);
  return 0;
}

int sk_atomic_write_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                       sk_err_t *err)
{
  _cleanup_free_ char *tmp = xasprintf("%s.tmp", name);
  if (sk_write_file_at(dirfd, tmp, data, len, mode, err) < 0)
    return -1;
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return sk_fail(err, e, "rename `%s` to `%s`", tmp, name);
  }
  return 0;
}

int sk_write_string_at(int dirfd, const char *path, const char *value, sk_err_t *err)
{
  _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open `%s`", path);
  size_t len = strlen(value);
  ssize_t w;
  do
    w = write(fd, value, len);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return sk_failno(err, "write `%s` to `%s`", value, path);
  return 0;
}

int sk_mkdir_p(const char *path, mode_t mode, sk_err_t *err)
{
  _cleanup_free_ char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return sk_failno(err, "mkdir `%s`", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return sk_failno(err, "mkdir `%s`", p);
  return 0;
}

static int rm_rf_fd(int dfd, dev_t dev, sk_err_t *err)
{
  _cleanup_closedir_ DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return sk_failno(err, "fdopendir");
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno == ENOENT)
      continue;
    if (errno != EISDIR && errno != EPERM)
      return sk_failno(err, "unlink `%s`", de->d_name);
    int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
      return sk_failno(err, "open `%s`", de->d_name);
    struct stat st;
    if (fstat(sub, &st) < 0 || st.st_dev != dev) {
      close(sub);
      return sk_failx(err, "`%s` is a mount point: not removing across it", de->d_name);
    }
    if (rm_rf_fd(sub, dev, err) < 0)
      return sk_err_prefix(err, "%s", de->d_name);
    if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
      return sk_failno(err, "rmdir `%s`", de->d_name);
  }
  return 0;
}

int sk_rm_rf_at(int dirfd, const char *name, sk_err_t *err)
{
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open `%s`", name);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    close(fd);
    return sk_failno(err, "stat `%s`", name);
  }
  if (rm_rf_fd(fd, st.st_dev, err) < 0)
    return sk_err_prefix(err, "remove `%s`", name);
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sk_failno(err, "rmdir `%s`", name);
  return 0;
}

int sk_parse_u64(const char *s, uint64_t *out)
{
  if (s == NULL || *s == '\0' || *s == '-')
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int sk_parse_i64(const char *s, int64_t *out)
{
  if (s == NULL || *s == '\0')
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

static const struct {
  const char *name;
  int num;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int sk_signal_parse(const char *s)
{
  uint64_t n;
  if (s == NULL || *s == '\0')
    return -1;
  if (sk_parse_u64(s, &n) == 0)
    return (n >= 1 && n <= (uint64_t)SIGRTMAX) ? (int)n : -1;
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
    if (strcasecmp(s, signals[i].name) == 0)
      return signals[i].num;
  if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
    bool min = strncasecmp(s, "RTMIN", 5) == 0;
    int64_t off = 0;
    if (s[5] != '\0' && sk_parse_i64(s + 5, &off) < 0)
      return -1;
    int sig = (min ? SIGRTMIN : SIGRTMAX) + (int)off;
    return (sig >= SIGRTMIN && sig <= SIGRTMAX) ? sig : -1;
  }
  return -1;
}

const char *sk_signal_name(int sig)
{
  for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
    if (signals[i].num == sig)
      return signals[i].name;
  return NULL;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int cmp_int(const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

void sk_reset_signals(void)
{
  /* The raw system call: libc refuses to touch the signals it reserves for itself (32 and 33 in
   * glibc), yet an ignored disposition of theirs is inherited like any other. */
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
  } dfl = {.handler = SIG_DFL};
  for (int sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

int sk_close_fds_from(int from, const int *keep, size_t nkeep)
{
  int sorted[64];
  if (nkeep > ARRAY_SIZE(sorted))
    nkeep = ARRAY_SIZE(sorted);
  if (nkeep) {
    memcpy(sorted, keep, nkeep * sizeof(int));
    qsort(sorted, nkeep, sizeof(int), cmp_int);
  }
  unsigned int lo = from;
  for (size_t i = 0; i < nkeep; i++) {
    if (sorted[i] < (int)lo)
      continue;
    if ((unsigned)sorted[i] > lo && syscall(SYS_close_range, lo, sorted[i] - 1, 0) < 0)
      return -1;
    lo = sorted[i] + 1;
  }
  return syscall(SYS_close_range, lo, ~0U, 0) < 0 ? -1 : 0;
}

int sk_cloexec_fds_from(int from)
{
  return syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ? -1 : 0;
}

void sk_rfc3339_now(char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  char tbuf[40];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, size, "%s.%09ldZ", tbuf, ts.tv_nsec);
}
