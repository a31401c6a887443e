/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"
#include "skiff-cli.h"
#include "log.h"

/* placeholder until the command lands */
int cmd_create(struct sk_global_opts *g, int argc, char **argv)
{
  sk_error_log("%s: not built yet", argv[0]);
  return 1;
}
