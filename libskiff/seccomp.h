/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp through libseccomp.  The filter is compiled by the runtime before clone (so an
 * error is reported with nothing to undo) and installed by the init as the last step before exec.
 */
#ifndef SKIFF_SECCOMP_H
#define SKIFF_SECCOMP_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

struct sk_seccomp_filter;

/* Compile (or find in the cache) the program of sc.  Compiling Docker's profile for the three x86
 * architectures takes libseccomp ~15 ms, so programs are cached, keyed by the whole profile, the
 * libseccomp version and the kernel, in /run/skiff-seccomp (root) or
 * $XDG_RUNTIME_DIR/skiff-seccomp: a hit costs a few syscalls. */
int sk_seccomp_prepare(const struct sk_seccomp *sc, struct sk_seccomp_filter **out, sk_err_t *err);
/* The same with an explicit cache directory ("@seccomp-<hash>" files); -1: no cache. */
int sk_seccomp_prepare_cached(const struct sk_seccomp *sc, int cache_dirfd,
                              struct sk_seccomp_filter **out, sk_err_t *err);
/* Connect to listenerPath (host path: call before pivot_root); -1 in *fd when there is none. */
int sk_seccomp_listener_connect(const struct sk_seccomp *sc, int *fd, sk_err_t *err);
/* Install; with SCMP_ACT_NOTIFY, send the notify fd and the state (listenerMetadata included) to
 * the listener as runc does. */
int sk_seccomp_install(struct sk_seccomp_filter *f, int listener_fd, const char *state_json,
                       sk_err_t *err);
void sk_seccomp_filter_free(struct sk_seccomp_filter *f);
/* For `features`: supported actions, operators, architectures, flags (NULL-terminated, static). */
const char *const *sk_seccomp_known_actions(void);
const char *const *sk_seccomp_known_operators(void);
const char *const *sk_seccomp_known_archs(void);
const char *const *sk_seccomp_known_flags(void);

#endif
