/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capabilities (raw capset/prctl).  sk_cap_from_name / sk_cap_name are in spec.c (spec.h). */
#ifndef SKIFF_CAPS_H
#define SKIFF_CAPS_H

#include "error.h"
#include "spec.h"

/* Highest capability the running kernel knows (as cap_last_cap; probed with PR_CAPBSET_READ,
 * cached). */
int sk_cap_last_cap(void);
/* At create, in the runtime: warn about capabilities the running kernel does not know, and fail
 * when effective is not a subset of permitted (the init could only fail later, after start). */
int sk_caps_check(const struct sk_capabilities *caps, sk_err_t *err);
/* Drop from the bounding set everything not in caps->bounding (needs CAP_SETPCAP: call before
 * the uid change).  Capabilities above the kernel's last are skipped with a warning. */
int sk_caps_apply_bounding(const struct sk_capabilities *caps, sk_err_t *err);
/* After setresuid (with PR_SET_KEEPCAPS): set effective, permitted, inheritable exactly as given,
 * then the ambient set.  caps NULL: clear everything except what root keeps by default. */
int sk_caps_apply(const struct sk_capabilities *caps, sk_err_t *err);

#endif
