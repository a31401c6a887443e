/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages between the runtime and the container init over a SOCK_SEQPACKET socketpair.  Each
 * message is one datagram: a type byte, an optional payload and optionally one fd (SCM_RIGHTS). */
#ifndef SKIFF_SYNC_H
#define SKIFF_SYNC_H

#include <stddef.h>
#include <sys/types.h>
#include "error.h"

enum sk_sync_type {
  SK_SYNC_GO = 1,     /* runtime -> init: ids mapped, cgroups joined; carry on */
  SK_SYNC_PID,        /* init -> runtime: the real init (after a pid-ns double fork) */
  SK_SYNC_HOOKS,      /* init -> runtime: mounts done; run prestart + createRuntime */
  SK_SYNC_HOOKS_DONE, /* runtime -> init */
  SK_SYNC_PTY,        /* init -> runtime: pty master fd */
  SK_SYNC_READY,      /* init -> runtime: waiting for start */
  SK_SYNC_ERROR,      /* either way: serialized sk_err */
};

#define SK_SYNC_MAX 4096
/* sk_sync_recv's result when the peer closed its end (err is set too). */
#define SK_SYNC_EOF (-2)

int sk_sync_send(int sock, enum sk_sync_type type, const void *data, size_t len, int fd,
                 sk_err_t *err);
/* Receive one message; *fd gets a passed fd or -1; an SK_SYNC_ERROR from the peer is turned into
 * *err and -1.  `expect` != 0: any other type is an error. */
int sk_sync_recv(int sock, enum sk_sync_type expect, enum sk_sync_type *type, void *data,
                 size_t *len, int *fd, sk_err_t *err);
int sk_sync_send_error(int sock, sk_err_t *err);

#endif
