/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SELinux (libselinux) and AppArmor labels. */
#ifndef SKIFF_LSM_H
#define SKIFF_LSM_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

/* At create: a label asked for on a host without that LSM is an error, named. */
int sk_lsm_validate(const struct sk_spec *spec, sk_err_t *err);
/* In the init or exec child, just before execve: the exec labels of SELinux / AppArmor, written
 * through procfd (a private procfs, see paths.h). */
int sk_lsm_set_exec_labels(const struct sk_process *p, int procfd, sk_err_t *err);
bool sk_selinux_enabled(void);
bool sk_apparmor_enabled(void);

#endif
