/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container init: the child the runtime clones.  It shares nothing with the runtime but the
 * copy-on-write image of this context and the sync socket. */
#ifndef SKIFF_INIT_H
#define SKIFF_INIT_H

#include <stdbool.h>
#include <sys/types.h>
#include "namespaces.h"
#include "spec.h"

struct sk_seccomp_filter;

struct sk_init_ctx {
  const struct sk_spec *spec;
  const char *id;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute */
  struct sk_ns_plan ns;
  int unshare_flags; /* namespaces the init creates itself, after joining (time, or all when a
                        user namespace is joined by path) */
  bool need_fork;    /* joined/created pid namespace only takes effect for a child */
  bool new_userns;   /* the init lives in a user namespace it did not join by path */
  int sync_fd;       /* init's end of the socketpair */
  int fifo_fd;       /* O_PATH fd of <state>/exec.fifo */
  struct sk_seccomp_filter *seccomp;
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  pid_t runtime_pid;
};

/* Runs in the cloned child; never returns. */
__attribute__((noreturn)) void sk_init_main(struct sk_init_ctx *ctx);

#endif
