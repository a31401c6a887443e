/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff pause ID...: freeze every process of a container (v1 freezer, v2 cgroup.freeze). */
#include "config.h"
#include "cli.h"
#include "skiff-cli.h"

static const char usage[] =
    "Usage: skiff pause [OPTIONS] ID...\n"
    "Suspend every process of the containers through their cgroup freezer; `skiff state`\n"
    "then reports them \"paused\" until `skiff resume`.\n"
    "\n"
    "Options:\n"
    "  -h, --help   this help\n";

int cmd_pause(struct sk_global_opts *g, int argc, char **argv)
{
  int r = cli_parse_plain("pause", usage, argc, argv, 1, -1, "container ID");
  if (r != CLI_CONTINUE)
    return r;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    sk_err_t err = NULL;
    if (sk_container_pause(g, argv[i], true, &err) < 0)
      ret = cli_fail(&err);
  }
  return ret;
}
