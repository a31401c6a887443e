/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff start ID */
#include "config.h"
#include "cli.h"
#include "skiff-cli.h"

static const char usage[] = "Usage: skiff start ID\n"
                            "Start a created container: its user process runs.\n"
                            "\n"
                            "Options:\n"
                            "  -h, --help   this help\n";

int cmd_start(struct sk_global_opts *g, int argc, char **argv)
{
  int r = cli_parse_plain("start", usage, argc, argv, 1, 1, "container ID");
  if (r != CLI_CONTINUE)
    return r;
  sk_err_t err = NULL;
  if (sk_container_start(g, argv[optind], &err) < 0)
    return cli_fail(&err);
  return 0;
}
