/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI hooks: each runs with the state JSON on stdin, its args and env, killed after `timeout`. */
#ifndef SKIFF_HOOKS_H
#define SKIFF_HOOKS_H

#include "error.h"
#include "spec.h"

/* Run every hook of the list in order; the first failure stops and is returned
 * ("hooks.prestart[1]: `/usr/bin/x` exited with status 3"). */
int sk_hooks_run(const struct sk_spec *spec, enum sk_hook_kind kind, const char *state_json,
                 sk_err_t *err);
const char *sk_hook_kind_name(enum sk_hook_kind kind); /* "prestart", ... */

#endif
