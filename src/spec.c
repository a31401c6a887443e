/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff spec [--bundle DIR] [--rootless]: write a default config.json. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "skiff-cli.h"
#include "spec.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff spec [OPTIONS]\n"
    "Write a default config.json (runc's shape: runs `sh` in a terminal, rootfs \"rootfs\") into\n"
    "the bundle directory.  An existing config.json is never overwritten.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR   where to write config.json (default: the current directory)\n"
    "      --rootless     a config for an unprivileged user: a user namespace mapping the\n"
    "                     caller's uid and gid to root, no network namespace, no cgroup limits\n"
    "  -h, --help         this help\n";

enum { OPT_ROOTLESS = 256 };

int cmd_spec(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {"rootless", optional_argument, NULL, OPT_ROOTLESS},
                                       {"help", no_argument, NULL, 'h'},
                                       {0}};
  const char *bundle = NULL;
  bool rootless = false;
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":b:h", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      bundle = optarg;
      break;
    case OPT_ROOTLESS:
      if ((r = cli_bool("spec", "rootless", optarg, &rootless)) != CLI_CONTINUE)
        return r;
      break;
    case 'h':
      return cli_help(usage);
    default:
      return cli_bad_option("spec", argv, c);
    }
  }
  if (optind < argc)
    return cli_error("spec: unexpected argument \"%s\" (use --bundle DIR)", argv[optind]);

  _cleanup_free_ char *path = bundle ? xasprintf("%s/config.json", bundle) : xstrdup("config.json");
  _cleanup_free_ char *json = sk_spec_default_json(rootless);
  if (json == NULL)
    return cli_error("spec: could not build the default config");
  /* O_EXCL: like runc, refuse to overwrite, and never follow a symlink planted there. */
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    if (errno == EEXIST)
      return cli_error("spec: File %s exists. Remove it first", path);
    return cli_error("spec: create %s: %s", path, strerror(errno));
  }
  size_t len = strlen(json);
  if (sk_write_all(fd, json, len) < 0 ||
      (len && json[len - 1] != '\n' && sk_write_all(fd, "\n", 1) < 0)) {
    int e = errno;
    unlink(path);
    return cli_error("spec: write %s: %s", path, strerror(e));
  }
  return 0;
}
