/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff state ID: the OCI state JSON. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "skiff-cli.h"

static const char usage[] =
    "Usage: skiff state ID\n"
    "Print the state of a container as OCI state JSON: ociVersion, id, pid, status (created,\n"
    "running, paused or stopped), bundle, rootfs, created, annotations, owner.\n"
    "\n"
    "Options:\n"
    "  -h, --help   this help\n";

int cmd_state(struct sk_global_opts *g, int argc, char **argv)
{
  int r = cli_parse_plain("state", usage, argc, argv, 1, 1, "container ID");
  if (r != CLI_CONTINUE)
    return r;
  sk_err_t err = NULL;
  char *json = NULL;
  if (sk_container_state(g, argv[optind], &json, &err) < 0)
    return cli_fail(&err);
  fputs(json, stdout);
  free(json);
  if (fflush(stdout) != 0)
    return cli_error("state: write to stdout failed");
  return 0;
}
