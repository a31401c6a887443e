/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "utils.h"

int sk_sync_send(int sock, enum sk_sync_type type, const void *data, size_t len, int fd,
                 sk_err_t *err)
{
  unsigned char t = type;
  struct iovec iov[2] = {{.iov_base = &t, .iov_len = 1},
                         {.iov_base = (void *)data, .iov_len = len}};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cmsg = {0};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
  if (len > SK_SYNC_MAX)
    return sk_failx(err, "sync message too large (%zu bytes)", len);
  if (fd >= 0) {
    msg.msg_control = cmsg.buf;
    msg.msg_controllen = sizeof cmsg.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t r;
  do
    r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sk_failno(err, "send to the container init");
  return 0;
}

static const char *type_name(enum sk_sync_type t)
{
  switch (t) {
  case SK_SYNC_GO:
    return "go";
  case SK_SYNC_PID:
    return "pid";
  case SK_SYNC_HOOKS:
    return "hooks";
  case SK_SYNC_HOOKS_DONE:
    return "hooks-done";
  case SK_SYNC_PTY:
    return "pty";
  case SK_SYNC_READY:
    return "ready";
  case SK_SYNC_ERROR:
    return "error";
  }
  return "unknown";
}

int sk_sync_recv(int sock, enum sk_sync_type expect, enum sk_sync_type *type, void *data,
                 size_t *len, int *fd, sk_err_t *err)
{
  unsigned char buf[SK_SYNC_MAX + 1];
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cmsg;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cmsg.buf, .msg_controllen = sizeof cmsg.buf};
  if (fd)
    *fd = -1;
  ssize_t r;
  do
    r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sk_failno(err, "receive from the container init");
  if (r == 0) {
    sk_failx(err, "the container init exited unexpectedly");
    return SK_SYNC_EOF;
  }
  int passed = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy(&passed, CMSG_DATA(c), sizeof(int));
  enum sk_sync_type t = buf[0];
  size_t n = r - 1;
  if (t == SK_SYNC_ERROR) {
    if (passed >= 0)
      close(passed);
    sk_err_deserialize(err, (const char *)buf + 1, (int)n);
    return -1;
  }
  if (expect && t != expect) {
    if (passed >= 0)
      close(passed);
    return sk_failx(err, "protocol error: expected `%s` from the container init, got `%s`",
                    type_name(expect), type_name(t));
  }
  if (type)
    *type = t;
  if (data && len) {
    size_t cap = *len;
    if (n > cap)
      n = cap;
    memcpy(data, buf + 1, n);
    *len = n;
  }
  if (fd)
    *fd = passed;
  else if (passed >= 0)
    close(passed);
  return 0;
}

int sk_sync_send_error(int sock, sk_err_t *err)
{
  char buf[SK_SYNC_MAX];
  int n = sk_err_serialize(err ? *err : NULL, buf, sizeof buf);
  if (n < 0)
    return -1;
  return sk_sync_send(sock, SK_SYNC_ERROR, buf, n, -1, NULL);
}
