/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminals: the container's pty pair, runc's --console-socket protocol and the pieces of the
 * foreground proxy `run` drives from its poll loop. */
#include "config.h"
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "utils.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

_Static_assert(sizeof(struct termios) <= sizeof(((struct sk_tty_saved *)0)->termios),
               "struct termios does not fit sk_tty_saved");

int sk_pty_open(const char *ptmx_path, int *master, int *slave, sk_err_t *err)
{
  _cleanup_close_ int m = open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return sk_failno(err, "open %s", ptmx_path);
  int unlock = 0;
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
    return sk_failno(err, "unlock the pty");
  /* The peer is opened from the master itself: no lookup of /dev/pts/N, which the container's
   * /dev could have replaced by anything. */
  int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0)
    return sk_failno(err, "open the pty peer");
  *master = steal_fd(m);
  *slave = s;
  return 0;
}

int sk_pty_set_size(int fd, uint16_t rows, uint16_t cols, sk_err_t *err)
{
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
    return sk_failno(err, "set the console size");
  return 0;
}

int sk_pty_become_console(int slave, sk_err_t *err)
{
  if (setsid() < 0 && errno != EPERM)
    return sk_failno(err, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return sk_failno(err, "make the pty the controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0)
      return sk_failno(err, "dup the pty to fd %d", i);
  return 0;
}

int sk_console_socket_send(const char *socket_path, int master, sk_err_t *err)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof sa.sun_path)
    return sk_failx(err, "console socket path too long: %s", socket_path);
  strcpy(sa.sun_path, socket_path);
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return sk_failno(err, "socket");
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
    return sk_failno(err, "connect to the console socket %s", socket_path);
  /* runc sends the pty's name as the payload and the master in SCM_RIGHTS. */
  static const char name[] = "/dev/ptmx";
  struct iovec iov = {.iov_base = (void *)name, .iov_len = sizeof name - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  ssize_t n;
  do
    n = sendmsg(s, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return sk_failno(err, "send the pty to the console socket %s", socket_path);
  return 0;
}

int sk_tty_make_raw(int fd, struct sk_tty_saved *saved, sk_err_t *err)
{
  struct termios t;
  saved->fd = fd;
  saved->saved = false;
  if (tcgetattr(fd, &t) < 0)
    return sk_failno(err, "tcgetattr");
  memcpy(saved->termios, &t, sizeof t);
  saved->saved = true;
  cfmakeraw(&t);
  /* Keep output post-processing off as cfmakeraw does; the container's pty does its own. */
  if (tcsetattr(fd, TCSANOW, &t) < 0)
    return sk_failno(err, "tcsetattr");
  return 0;
}

void sk_tty_restore(struct sk_tty_saved *saved)
{
  if (!saved || !saved->saved)
    return;
  struct termios t;
  memcpy(&t, saved->termios, sizeof t);
  tcsetattr(saved->fd, TCSANOW, &t);
  saved->saved = false;
}

ssize_t sk_tty_pump(int from, int to)
{
  char buf[16384];
  ssize_t n;
  do
    n = read(from, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return (errno == EIO || errno == EAGAIN) ? (errno == EIO ? 0 : 1) : -1;
  if (n == 0)
    return 0;
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = write(to, buf + off, n - off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        continue;
      }
      return -1;
    }
    off += w;
  }
  return n;
}

void sk_tty_copy_size(int from_tty, int to_pty)
{
  struct winsize ws;
  if (ioctl(from_tty, TIOCGWINSZ, &ws) == 0)
    ioctl(to_pty, TIOCSWINSZ, &ws);
}
