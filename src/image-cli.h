/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff-image: shared state of the commands. */
#ifndef SKIFF_IMAGE_CLI_H
#define SKIFF_IMAGE_CLI_H

#include <stdbool.h>
#include "error.h"

struct img_global {
  const char *store;
  bool json;
};
extern struct img_global img_g;

int img_fail(sk_err_t *err);
int img_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_run(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
