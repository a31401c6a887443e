/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One error convention for all of libskiff.
 *
 * A function that can fail takes `sk_err_t *err` as its last argument and returns a negative value
 * on failure after filling *err (with sk_fail/sk_failx); callers that add context wrap it with
 * sk_err_prefix() and return it up the stack.  The CLI prints it once at the top.  Nothing below
 * the CLI prints an error itself.
 */
#ifndef SKIFF_ERROR_H
#define SKIFF_ERROR_H

#include <stdarg.h>

struct sk_error {
  int errnum; /* errno of the cause, 0 when none */
  char *msg;  /* complete message, strerror already appended */
};
typedef struct sk_error *sk_err_t;

/* Set *err to "fmt...: strerror(errnum)" (no suffix when errnum is 0); returns -1.
 * Replaces (frees) an earlier error in *err. */
int sk_fail(sk_err_t *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* sk_fail(err, errno, ...) with errno read before anything else runs. */
#define sk_failno(err, ...) sk_fail((err), errno, __VA_ARGS__)
/* Same without an errno suffix. */
#define sk_failx(err, ...) sk_fail((err), 0, __VA_ARGS__)
int sk_failv(sk_err_t *err, int errnum, const char *fmt, va_list ap);

/* Prefix the message in *err with "fmt...: "; returns -1.  A no-op prefix when *err is NULL
 * creates a plain error from the prefix. */
int sk_err_prefix(sk_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void sk_err_free(sk_err_t *err);
/* Frees on scope exit: `sk_err_t err _cleanup_err_ = NULL;` */
#define _cleanup_err_ __attribute__((cleanup(sk_err_free)))

/* Errors cross process boundaries (container init -> runtime) as "errnum\0message". */
int sk_err_serialize(const sk_err_t err, char *buf, int size);
int sk_err_deserialize(sk_err_t *err, const char *buf, int size);

#endif
