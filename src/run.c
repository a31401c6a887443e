/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff run [OPTIONS] ID: create + start; in the foreground, exits with the container's status. */
#include "config.h"
#include "cli.h"
#include "skiff-cli.h"

int cmd_run(struct sk_global_opts *g, int argc, char **argv)
{
  struct sk_create_opts o;
  int r = cli_parse_create("run", argc, argv, true, &o);
  if (r != CLI_CONTINUE)
    return r;
  sk_err_t err = NULL;
  int status = 0;
  if (sk_container_run(g, &o, &status, &err) < 0)
    return cli_fail(&err);
  return status;
}
