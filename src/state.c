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
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(usage);
    return cli_bad_option("state", argv, c);
  }
  if ((r = cli_nargs("state", argc - optind, 1, 1, "container ID")) != CLI_CONTINUE)
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
