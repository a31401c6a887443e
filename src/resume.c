/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff resume ID...: thaw a paused container. */
#include "config.h"
#include "cli.h"
#include "skiff-cli.h"

static const char usage[] =
    "Usage: skiff resume [OPTIONS] ID...\n"
    "Resume every process of paused containers (thaw their cgroup freezer).\n"
    "then reports them \"paused\" until `skiff resume`.\n"
    "\n"
    "Options:\n"
    "  -h, --help   this help\n";

int cmd_resume(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(usage);
    return cli_bad_option("resume", argv, c);
  }
  if ((r = cli_nargs("resume", argc - optind, 1, -1, "container ID")) != CLI_CONTINUE)
    return r;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    sk_err_t err = NULL;
    if (sk_container_pause(g, argv[i], false, &err) < 0)
      ret = cli_fail(&err);
  }
  return ret;
}
