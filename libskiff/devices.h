/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /dev inside the container: default devices, linux.devices and the standard links. */
#ifndef SKIFF_DEVICES_H
#define SKIFF_DEVICES_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

/* Create the default devices (null zero full random urandom tty), linux.devices, and the
 * links fd, stdin, stdout, stderr, ptmx (and core when the host has /proc/kcore), all resolved
 * inside rootfd.  In a new user namespace device nodes cannot be created: the host's are
 * bind-mounted instead. */
int sk_devices_setup(int rootfd, const struct sk_spec *spec, bool new_userns, sk_err_t *err);

#endif
