/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runtime log: stderr by default, or --log FILE; text or json lines ({"level","msg","time"}) as
 * containerd's shim and conmon parse them.  The log fd is O_CLOEXEC and never reaches a container.
 */
#ifndef SKIFF_LOG_H
#define SKIFF_LOG_H

#include <stdbool.h>
#include "error.h"

enum sk_log_level { SK_LOG_ERROR = 0, SK_LOG_WARN, SK_LOG_INFO, SK_LOG_DEBUG };
enum sk_log_format { SK_LOG_TEXT = 0, SK_LOG_JSON };

/* path NULL: stderr.  Returns <0 with *err when the file cannot be opened. */
int sk_log_init(const char *path, enum sk_log_format format, bool debug, sk_err_t *err);
int sk_log_parse_format(const char *s, enum sk_log_format *out);
void sk_log(enum sk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define sk_error_log(...) sk_log(SK_LOG_ERROR, __VA_ARGS__)
#define sk_warn(...) sk_log(SK_LOG_WARN, __VA_ARGS__)
#define sk_info(...) sk_log(SK_LOG_INFO, __VA_ARGS__)
#define sk_debug(...) sk_log(SK_LOG_DEBUG, __VA_ARGS__)
bool sk_log_debug_enabled(void);
/* The log's fd (-1 for stderr), so code that closes fds before exec knows what it is. */
int sk_log_fd(void);
/* Close the log file (in a child that is about to exec). Later messages go nowhere. */
void sk_log_close(void);
/* Print an error (to the log, and to stderr too when the log is a file) and free it. */
void sk_log_err(sk_err_t *err);

#endif
