/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff exec [options] ID [--] COMMAND [ARGS...] */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "skiff-cli.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff exec [OPTIONS] ID [--] COMMAND [ARGS...]\n"
    "Run a new process inside a running container.\n\n"
    "  -p, --process FILE        the whole process as OCI process JSON (instead of COMMAND)\n"
    "  -t, --tty                 allocate a pseudo-terminal\n"
    "      --console-socket S    send the pty master to the unix socket S\n"
    "  -d, --detach              do not wait for the process\n"
    "      --pid-file F          write the process's host pid to F\n"
    "      --cwd DIR             working directory inside the container\n"
    "  -e, --env K=V             set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]      run as this user\n"
    "  -g, --additional-gids G   add a supplementary group (repeatable)\n"
    "  -c, --cap CAP             add a capability (repeatable)\n"
    "      --no-new-privs        set no_new_privs\n"
    "      --preserve-fds N      pass fds 3..3+N-1 through\n"
    "      --apparmor P          AppArmor profile\n"
    "      --process-label L     SELinux process label\n"
    "  -h, --help                this help\n";

enum {
  OPT_CONSOLE = 256,
  OPT_PIDFILE,
  OPT_CWD,
  OPT_NNP,
  OPT_PRESERVE,
  OPT_APPARMOR,
  OPT_LABEL,
  OPT_IGNORE_PAUSED
};

static void push(char ***v, size_t *n, const char *s)
{
  *v = xrealloc(*v, (*n + 2) * sizeof(char *));
  (*v)[(*n)++] = (char *)s;
  (*v)[*n] = NULL;
}

int cmd_exec(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"process", required_argument, NULL, 'p'},
      {"tty", no_argument, NULL, 't'},
      {"console-socket", required_argument, NULL, OPT_CONSOLE},
      {"detach", no_argument, NULL, 'd'},
      {"pid-file", required_argument, NULL, OPT_PIDFILE},
      {"cwd", required_argument, NULL, OPT_CWD},
      {"env", required_argument, NULL, 'e'},
      {"user", required_argument, NULL, 'u'},
      {"additional-gids", required_argument, NULL, 'g'},
      {"cap", required_argument, NULL, 'c'},
      {"no-new-privs", no_argument, NULL, OPT_NNP},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
      {"apparmor", required_argument, NULL, OPT_APPARMOR},
      {"process-label", required_argument, NULL, OPT_LABEL},
      {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  struct sk_exec_opts o = {0};
  size_t nenv = 0, ngids = 0, ncaps = 0;
  _cleanup_free_ char **env = NULL, **gids = NULL, **caps = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      o.process_file = optarg;
      break;
    case 't':
      o.tty = true;
      break;
    case OPT_CONSOLE:
      o.console_socket = optarg;
      break;
    case 'd':
      o.detach = true;
      break;
    case OPT_PIDFILE:
      o.pid_file = optarg;
      break;
    case OPT_CWD:
      o.cwd = optarg;
      break;
    case 'e':
      if (strchr(optarg, '=') == NULL) {
        sk_error_log("exec: --env `%s`: expected K=V", optarg);
        return 1;
      }
      push(&env, &nenv, optarg);
      break;
    case 'u':
      o.user = optarg;
      break;
    case 'g':
      push(&gids, &ngids, optarg);
      break;
    case 'c':
      push(&caps, &ncaps, optarg);
      break;
    case OPT_NNP:
      o.no_new_privs = true;
      break;
    case OPT_PRESERVE: {
      uint64_t n;
      if (sk_parse_u64(optarg, &n) < 0 || n > 1024) {
        sk_error_log("exec: --preserve-fds `%s`: not a count", optarg);
        return 1;
      }
      o.preserve_fds = (int)n;
      break;
    }
    case OPT_APPARMOR:
      o.apparmor = optarg;
      break;
    case OPT_LABEL:
      o.process_label = optarg;
      break;
    case OPT_IGNORE_PAUSED:
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      fputs(usage, stderr);
      return 1;
    }
  }
  if (optind >= argc) {
    sk_error_log("exec: missing container ID");
    return 1;
  }
  o.id = argv[optind++];
  if (optind < argc && strcmp(argv[optind], "--") == 0)
    optind++;
  if (optind < argc)
    o.args = argv + optind;
  else if (o.process_file == NULL) {
    sk_error_log("exec: missing the command to run (or --process FILE)");
    return 1;
  }
  o.env = env;
  o.additional_gids = gids;
  o.caps = caps;
  int status = 0;
  sk_err_t err = NULL;
  if (sk_container_exec(g, &o, &status, &err) < 0) {
    sk_log_err(&err);
    return 1;
  }
  return status;
}
