/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff resume ID...: thaw a paused container. */
#include "config.h"
#include "cli.h"
#include "skiff-cli.h"

static const char usage[] =
    "Usage: skiff resume [OPTIONS] ID...\n"
    "Resume every process of paused containers (thaw their cgroup freezer); `skiff state`\n"
    "then reports them \"running\" again.\n"
    "\n"
    "Options:\n"
    "  -h, --help   this help\n";

int cmd_resume(struct sk_global_opts *g, int argc, char **argv)
{
  int r = cli_parse_plain("resume", usage, argc, argv, 1, -1, "container ID");
  if (r != CLI_CONTINUE)
    return r;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    sk_err_t err = NULL;
    if (sk_container_pause(g, argv[i], false, &err) < 0)
      ret = cli_fail(&err);
  }
  return ret;
}
