/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by all of libskiff: scope cleanup, allocation, whole-file I/O. */
#ifndef SKIFF_UTILS_H
#define SKIFF_UTILS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "error.h"

/* Scope-exit cleanup: every error path releases what it holds. */
void sk_freep(void *p);
void sk_closep(int *fd);
void sk_fclosep(FILE **f);
void sk_closedirp(DIR **d);
void sk_strvfreep(char ***v);
#define _cleanup_free_ __attribute__((cleanup(sk_freep)))
#define _cleanup_close_ __attribute__((cleanup(sk_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(sk_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(sk_closedirp)))
#define _cleanup_strv_ __attribute__((cleanup(sk_strvfreep)))

/* Hand ownership out of a cleanup variable: return steal_ptr(p); */
#define steal_ptr(p)                                                                               \
  ({                                                                                               \
    __typeof__(p) _tmp = (p);                                                                      \
    (p) = NULL;                                                                                    \
    _tmp;                                                                                          \
  })
#define steal_fd(fd)                                                                               \
  ({                                                                                               \
    int _tmp = (fd);                                                                               \
    (fd) = -1;                                                                                     \
    _tmp;                                                                                          \
  })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts on OOM: a runtime that cannot allocate a few bytes cannot continue. */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sk_strv_free(char **v);
size_t sk_strv_len(char *const *v);

/* I/O that retries EINTR and short transfers. */
ssize_t sk_write_all(int fd, const void *buf, size_t len);
ssize_t sk_read_all(int fd, void *buf, size_t len);

/* Whole files.  The *_at forms take a directory fd (AT_FDCWD allowed) and never follow a final
 * symlink when writing.  Read results are NUL-terminated. */
int sk_read_file_at(int dirfd, const char *path, char **out, size_t *len, sk_err_t *err);
int sk_read_fd(int fd, char **out, size_t *len, sk_err_t *err);
int sk_write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                     sk_err_t *err);
/* Write to "name.tmp" then rename over name: readers see the old or the new file, never half. */
int sk_atomic_write_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                       sk_err_t *err);
/* Write a string to an existing (proc/sys/cgroup) file: open O_WRONLY|O_CLOEXEC, one write. */
int sk_write_string_at(int dirfd, const char *path, const char *value, sk_err_t *err);

/* mkdir -p of a host path (not inside a container rootfs: see paths.h for that). */
int sk_mkdir_p(const char *path, mode_t mode, sk_err_t *err);
/* rm -rf below dirfd/name without following symlinks or crossing mount points. */
int sk_rm_rf_at(int dirfd, const char *name, sk_err_t *err);

/* Parse helpers: return -1 on junk or overflow. */
int sk_parse_u64(const char *s, uint64_t *out);
int sk_parse_i64(const char *s, int64_t *out);

/* Signal names and numbers: "KILL", "SIGKILL", "9", "SIGRTMIN+3".  -1 if unknown. */
int sk_signal_parse(const char *s);
const char *sk_signal_name(int sig);
/* Give a process that is about to exec container code a clean signal state: every disposition
 * back to SIG_DFL and nothing blocked.  Ignored dispositions survive execve, so without this a
 * container started from `nohup` (SIGHUP ignored) could never trap or receive SIGHUP. */
void sk_reset_signals(void);

/* Close every fd >= from except those in keep[0..nkeep) (close_range where available). */
int sk_close_fds_from(int from, const int *keep, size_t nkeep);
/* Mark every fd >= from close-on-exec. */
int sk_cloexec_fds_from(int from);

/* RFC 3339 timestamp with nanoseconds, UTC, as runc prints "created". */
void sk_rfc3339_now(char *buf, size_t size);

#endif
