/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminals: the container's pty, runc's --console-socket protocol, and the foreground proxy. */
#ifndef SKIFF_TERMINAL_H
#define SKIFF_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

/* Open a new pty pair from the devpts instance at /dev/pts (call inside the container's mount
 * namespace, after /dev/pts is mounted); both fds O_CLOEXEC. */
int sk_pty_open(const char *ptmx_path, int *master, int *slave, sk_err_t *err);
int sk_pty_set_size(int fd, uint16_t rows, uint16_t cols, sk_err_t *err);
/* Make fd the controlling terminal and stdio of the calling process (after setsid). */
int sk_pty_become_console(int slave, sk_err_t *err);
/* Connect to the unix socket at path and send master with SCM_RIGHTS (runc's protocol). */
int sk_console_socket_send(const char *socket_path, int master, sk_err_t *err);
/* Foreground proxy pieces, driven by the runtime's own poll loop (which also watches signals
 * and the container's exit): raw mode on our terminal and its restore, and one copy step. */
struct sk_tty_saved {
  int fd;
  bool saved;
  unsigned char termios[64]; /* struct termios, opaque here */
};
int sk_tty_make_raw(int fd, struct sk_tty_saved *saved, sk_err_t *err);
void sk_tty_restore(struct sk_tty_saved *saved);
/* Copy what is available from `from` to `to` (blocking write).  Returns bytes copied, 0 on EOF or
 * hangup, <0 on error. */
ssize_t sk_tty_pump(int from, int to);
/* Copy our terminal's window size to fd. */
void sk_tty_copy_size(int from_tty, int to_pty);

#endif
