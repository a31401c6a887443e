/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff delete [--force] ID... */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "skiff-cli.h"
#include "state.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff delete [OPTIONS] ID...\n"
    "Delete containers and everything they hold: state, cgroups, processes.  A running or\n"
    "paused container is refused unless --force is given.\n"
    "\n"
    "Options:\n"
    "  -f, --force  kill a running container first; a container that does not exist is\n"
    "               not an error\n"
    "  -h, --help   this help\n";

enum { OPT_FORCE = 256 };

/* After a failed `delete --force`: is the container gone anyway (never existed, or removed by a
 * concurrent delete)?  runc treats that as success, and the shims rely on it. */
static bool gone(const struct sk_global_opts *g, const char *id)
{
  sk_err_t e = NULL;
  if (sk_state_validate_id(id, &e) < 0) {
    sk_err_free(&e);
    return false;
  }
  _cleanup_close_ int rootfd = open(g->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT;
  struct stat sb;
  return fstatat(rootfd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

int cmd_delete(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"force", optional_argument, NULL, OPT_FORCE}, {"help", no_argument, NULL, 'h'}, {0}};
  bool force = false;
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":fh", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
    case OPT_FORCE:
      if ((r = cli_bool("delete", "force", c == 'f' ? NULL : optarg, &force)) != CLI_CONTINUE)
        return r;
      break;
    case 'h':
      return cli_help(usage);
    default:
      return cli_bad_option("delete", argv, c);
    }
  }
  if ((r = cli_nargs("delete", argc - optind, 1, -1, "container ID")) != CLI_CONTINUE)
    return r;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    sk_err_t err = NULL;
    if (sk_container_delete(g, argv[i], force, &err) == 0)
      continue;
    if (force && gone(g, argv[i])) {
      sk_err_free(&err);
      continue;
    }
    ret = cli_fail(&err);
  }
  return ret;
}
