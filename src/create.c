/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff create [OPTIONS] ID */
#include "config.h"
#include "cli.h"
#include "skiff-cli.h"

int cmd_create(struct sk_global_opts *g, int argc, char **argv)
{
  struct sk_create_opts o;
  int r = cli_parse_create("create", argc, argv, false, &o);
  if (r != CLI_CONTINUE)
    return r;
  sk_err_t err = NULL;
  if (sk_container_create(g, &o, &err) < 0)
    return cli_fail(&err);
  return 0;
}
