/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff kill [--all] ID [SIGNAL] */
#include "config.h"
#include <signal.h>
#include "cli.h"
#include "skiff-cli.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff kill [OPTIONS] ID [SIGNAL]\n"
    "Send SIGNAL (default SIGTERM) to the container's init process.  SIGNAL is a name (KILL,\n"
    "SIGKILL, RTMIN+3) or a number.\n"
    "\n"
    "Options:\n"
    "  -a, --all    send it to every process of the container (through its cgroup)\n"
    "  -h, --help   this help\n";

enum { OPT_ALL = 256 };

int cmd_kill(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"all", optional_argument, NULL, OPT_ALL}, {"help", no_argument, NULL, 'h'}, {0}};
  bool all = false;
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":ah", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
    case OPT_ALL:
      if ((r = cli_bool("kill", "all", c == 'a' ? NULL : optarg, &all)) != CLI_CONTINUE)
        return r;
      break;
    case 'h':
      return cli_help(usage);
    default:
      return cli_bad_option("kill", argv, c);
    }
  }
  if (argc - optind > 2)
    return cli_error("kill: expected a container ID and at most one signal, got %d arguments",
                     argc - optind);
  if ((r = cli_nargs("kill", argc - optind, 1, 2, "container ID")) != CLI_CONTINUE)
    return r;
  const char *id = argv[optind];
  int sig = SIGTERM;
  if (argc - optind == 2) {
    sig = sk_signal_parse(argv[optind + 1]);
    if (sig < 0)
      return cli_error("kill: unknown signal \"%s\"", argv[optind + 1]);
  }
  sk_err_t err = NULL;
  if (sk_container_kill(g, id, sig, all, &err) < 0)
    return cli_fail(&err);
  return 0;
}
