/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    return NULL;
  return s;
}

int sk_failv(sk_err_t *err, int errnum, const char *fmt, va_list ap)
{
  char *msg = vformat(fmt, ap);
  if (err == NULL) {
    free(msg);
    return -1;
  }
  sk_err_free(err);
  struct sk_error *e = calloc(1, sizeof *e);
  if (e == NULL) {
    free(msg);
    return -1;
  }
  e->errnum = errnum;
  if (errnum != 0 && msg != NULL) {
    char *full = NULL;
    if (asprintf(&full, "%s: %s", msg, strerror(errnum)) >= 0) {
      free(msg);
      msg = full;
    }
  }
  e->msg = msg ? msg : strdup("out of memory");
  *err = e;
  return -1;
}

int sk_fail(sk_err_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  sk_failv(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int sk_err_prefix(sk_err_t *err, const char *fmt, ...)
{
  va_list ap;
  if (err == NULL)
    return -1;
  va_start(ap, fmt);
  char *prefix = vformat(fmt, ap);
  va_end(ap);
  if (prefix == NULL)
    return -1;
  if (*err == NULL) {
    sk_failx(err, "%s", prefix);
    free(prefix);
    return -1;
  }
  char *full = NULL;
  if (asprintf(&full, "%s: %s", prefix, (*err)->msg) >= 0) {
    free((*err)->msg);
    (*err)->msg = full;
  }
  free(prefix);
  return -1;
}

void sk_err_free(sk_err_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}

int sk_err_serialize(const sk_err_t err, char *buf, int size)
{
  if (size < 8)
    return -1;
  int n = snprintf(buf, size, "%d", err ? err->errnum : 0);
  if (n < 0 || n + 1 >= size)
    return -1;
  buf[n++] = '\0';
  const char *msg = err && err->msg ? err->msg : "unknown error";
  size_t len = strlen(msg);
  if (len > (size_t)(size - n - 1))
    len = size - n - 1;
  memcpy(buf + n, msg, len);
  buf[n + len] = '\0';
  return n + (int)len + 1;
}

int sk_err_deserialize(sk_err_t *err, const char *buf, int size)
{
  const char *end = memchr(buf, '\0', size);
  if (end == NULL || end + 1 >= buf + size)
    return sk_failx(err, "malformed error message from the container");
  int errnum = atoi(buf);
  int msglen = (int)(buf + size - (end + 1));
  sk_fail(err, 0, "%.*s", msglen, end + 1);
  (*err)->errnum = errnum;
  return -1;
}
