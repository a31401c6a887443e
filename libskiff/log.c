/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1; /* -1: stderr */
static enum sk_log_format log_format = SK_LOG_TEXT;
static bool log_debug = false;
static bool log_closed = false;

static const char *level_names[] = {"error", "warning", "info", "debug"};

int sk_log_parse_format(const char *s, enum sk_log_format *out)
{
  if (strcmp(s, "text") == 0)
    *out = SK_LOG_TEXT;
  else if (strcmp(s, "json") == 0)
    *out = SK_LOG_JSON;
  else
    return -1;
  return 0;
}

int sk_log_init(const char *path, enum sk_log_format format, bool debug, sk_err_t *err)
{
  log_format = format;
  log_debug = debug;
  if (path != NULL && *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return sk_failno(err, "open log file `%s`", path);
    log_fd = fd;
  }
  return 0;
}

bool sk_log_debug_enabled(void)
{
  return log_debug;
}

int sk_log_fd(void)
{
  return log_fd;
}

void sk_log_close(void)
{
  if (log_fd >= 0)
    close(log_fd);
  log_fd = -1;
  log_closed = true;
}

/* JSON string escaping for the message. */
static size_t json_escape(char *out, size_t size, const char *in)
{
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 7 < size; p++) {
    switch (*p) {
    case '"':
    case '\\':
      out[o++] = '\\';
      out[o++] = *p;
      break;
    case '\n':
      out[o++] = '\\';
      out[o++] = 'n';
      break;
    case '\t':
      out[o++] = '\\';
      out[o++] = 't';
      break;
    default:
      if (*p < 0x20)
        o += snprintf(out + o, size - o, "\\u%04x", *p);
      else
        out[o++] = *p;
    }
  }
  out[o] = '\0';
  return o;
}

static void emit(int fd, enum sk_log_level level, const char *msg, bool json)
{
  char buf[8192];
  int n;
  if (json) {
    char esc[6144];
    struct timespec ts;
    struct tm tm;
    char tbuf[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
    json_escape(esc, sizeof esc, msg);
    n = snprintf(buf, sizeof buf, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
                 level_names[level], esc, tbuf, ts.tv_nsec);
  } else if (fd == STDERR_FILENO) {
    if (level == SK_LOG_ERROR)
      n = snprintf(buf, sizeof buf, "skiff: %s\n", msg);
    else
      n = snprintf(buf, sizeof buf, "skiff: %s: %s\n", level_names[level], msg);
  } else {
    n = snprintf(buf, sizeof buf, "%s: %s\n", level_names[level], msg);
  }
  if (n < 0)
    return;
  if ((size_t)n >= sizeof buf)
    n = sizeof buf - 1;
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    break;
  }
}

static void vlog(enum sk_log_level level, const char *fmt, va_list ap)
{
  if (level == SK_LOG_DEBUG && !log_debug)
    return;
  if (log_closed)
    return;
  int saved = errno;
  char msg[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (log_fd >= 0)
    emit(log_fd, level, msg, log_format == SK_LOG_JSON);
  else
    emit(STDERR_FILENO, level, msg, log_format == SK_LOG_JSON);
  errno = saved;
}

void sk_log(enum sk_log_level level, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

void sk_log_err(sk_err_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  sk_log(SK_LOG_ERROR, "%s", (*err)->msg);
  /* With --log FILE the user at a terminal still sees what failed; shims read the file. */
  if (log_fd >= 0 && !log_closed)
    emit(STDERR_FILENO, SK_LOG_ERROR, (*err)->msg, false);
  sk_err_free(err);
}
