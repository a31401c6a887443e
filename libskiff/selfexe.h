/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running from a sealed memfd copy of the skiff binary (CVE-2019-5736; see selfexe.c). */
#ifndef SKIFF_SELFEXE_H
#define SKIFF_SELFEXE_H

#include <stdbool.h>
#include "error.h"

bool sk_selfexe_is_sealed(void);
/* Re-execute with argv from a sealed copy unless already running from one; returns only on
 * failure (or 0 when already sealed). */
int sk_selfexe_reexec_sealed(char **argv, sk_err_t *err);

#endif
