/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff: the runc/crun-compatible command line.  Parses the global options, opens the log, and
 * hands the rest to the command.  Nothing else happens before dispatch: startup stays cheap. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "selfexe.h"
#include "skiff-cli.h"

#ifndef SKIFF_COMMIT
#define SKIFF_COMMIT "unknown"
#endif
#define SKIFF_SPEC_VERSION "1.2.0"

static void print_usage(FILE *out)
{
  fputs("Usage: skiff [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]\n"
        "skiff runs OCI containers from bundles (a drop-in for runc and crun).\n"
        "\n"
        "Commands:\n",
        out);
#define X(name, help) fprintf(out, "  %-10s %s\n", #name, help);
  SKIFF_COMMANDS(X)
#undef X
  fputs("  help       show this help, or a command's (skiff help COMMAND)\n"
        "\n"
        "Global options:\n"
        "      --root DIR               state directory (default " SKIFF_DEFAULT_ROOT ")\n"
        "      --log FILE               write the runtime's log to FILE (default stderr)\n"
        "      --log-format text|json   log line format (json: {\"level\",\"msg\",\"time\"})\n"
        "      --log-level LEVEL        error, warning, info or debug (debug = --debug)\n"
        "      --debug                  log debug messages\n"
        "      --systemd-cgroup         use the systemd cgroup manager (not supported yet)\n"
        "      --cgroup-manager MGR     cgroupfs (default), systemd or disabled\n"
        "      --rootless true|false|auto  accepted for runc compatibility\n"
        "  -v, --version                print the version and exit\n"
        "  -h, --help                   this help\n"
        "\n"
        "Each command has --help.  See skiff(1).\n",
        out);
}

static int print_version(void)
{
  const char *seccomp = cli_libseccomp_version();
  printf("skiff version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, SKIFF_COMMIT,
         SKIFF_SPEC_VERSION);
  if (seccomp)
    printf("libseccomp: %s\n", seccomp);
  return 0;
}

enum {
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_LOG_LEVEL,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CGROUP_MANAGER,
  OPT_ROOTLESS,
  OPT_CRIU,
};

struct globals {
  const char *log;
  const char *log_format;
  bool systemd_cgroup;
  const char *cgroup_manager;
};

/* Returns CLI_CONTINUE or an exit status. */
static int parse_globals(int argc, char **argv, struct sk_global_opts *g, struct globals *o)
{
  static const struct option opts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
      {"debug", optional_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", optional_argument, NULL, OPT_SYSTEMD_CGROUP},
      {"cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER},
      {"rootless", optional_argument, NULL, OPT_ROOTLESS},
      {"criu", required_argument, NULL, OPT_CRIU},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  int c, r;
  /* "+": stop at the command name; what follows belongs to the command. */
  while ((c = getopt_long_only(argc, argv, "+:vh", opts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT:
      if (*optarg == '\0')
        return cli_error("--root: empty path");
      g->root = optarg;
      break;
    case OPT_LOG:
      o->log = optarg;
      break;
    case OPT_LOG_FORMAT:
      o->log_format = optarg;
      break;
    case OPT_LOG_LEVEL:
      if (strcmp(optarg, "debug") == 0)
        g->debug = true;
      else if (strcmp(optarg, "error") && strcmp(optarg, "warning") && strcmp(optarg, "warn") &&
               strcmp(optarg, "info"))
        return cli_error("--log-level \"%s\": expected error, warning, info or debug", optarg);
      break;
    case OPT_DEBUG:
      if ((r = cli_bool("skiff", "debug", optarg, &g->debug)) != CLI_CONTINUE)
        return r;
      break;
    case OPT_SYSTEMD_CGROUP:
      if ((r = cli_bool("skiff", "systemd-cgroup", optarg, &o->systemd_cgroup)) != CLI_CONTINUE)
        return r;
      break;
    case OPT_CGROUP_MANAGER:
      o->cgroup_manager = optarg;
      break;
    case OPT_ROOTLESS:
      /* runc: true, false or auto.  skiff decides from the config's user namespace. */
      if (optarg && strcmp(optarg, "true") && strcmp(optarg, "false") && strcmp(optarg, "auto"))
        return cli_error("--rootless=%s: expected true, false or auto", optarg);
      break;
    case OPT_CRIU: /* runc: path of criu, for checkpoint/restore (not supported): ignored */
      break;
    case 'v':
      return print_version();
    case 'h':
      print_usage(stdout);
      return 0;
    case ':':
      return cli_error("option \"%s\" needs a value (see skiff --help)", argv[optind - 1]);
    default:
      if (optopt > 0 && optopt < 128)
        return cli_error("unknown global option \"-%c\" (see skiff --help)", optopt);
      return cli_error("unknown global option \"%s\" (see skiff --help)", argv[optind - 1]);
    }
  }

  if (o->cgroup_manager) {
    if (strcmp(o->cgroup_manager, "cgroupfs") == 0)
      g->cgroup_manager = SK_CGROUP_MANAGER_CGROUPFS;
    else if (strcmp(o->cgroup_manager, "systemd") == 0)
      g->cgroup_manager = SK_CGROUP_MANAGER_SYSTEMD;
    else if (strcmp(o->cgroup_manager, "disabled") == 0)
      g->cgroup_manager = SK_CGROUP_MANAGER_DISABLED;
    else
      return cli_error("--cgroup-manager \"%s\": expected cgroupfs, systemd or disabled",
                       o->cgroup_manager);
  } else if (o->systemd_cgroup) {
    /* Refused by `create` (clearly), not here: podman and containerd pass it to every command. */
    g->cgroup_manager = SK_CGROUP_MANAGER_SYSTEMD;
  }
  return CLI_CONTINUE;
}

int main(int argc, char **argv)
{
  struct sk_global_opts g = {.root = SKIFF_DEFAULT_ROOT};
  struct globals o = {0};
  opterr = 0;
  int r = parse_globals(argc, argv, &g, &o);
  if (r != CLI_CONTINUE)
    return r;

  enum sk_log_format fmt = SK_LOG_TEXT;
  if (o.log_format && sk_log_parse_format(o.log_format, &fmt) < 0)
    return cli_error("--log-format \"%s\": expected text or json", o.log_format);
  sk_err_t err = NULL;
  if (sk_log_init(o.log, fmt, g.debug, &err) < 0)
    return cli_fail(&err);

  if (optind >= argc) {
    cli_error("missing command (see skiff --help)");
    return 1;
  }
  char *cmd = argv[optind];
  /* The commands that put a skiff process inside a container run from a sealed copy of the
   * binary (CVE-2019-5736, libskiff/selfexe.c).  `run` decides once it has read the config:
   * most containers do not need the copy (see run_needs_sealed_exe). */
  if (!strcmp(cmd, "create") || !strcmp(cmd, "exec")) {
    if (sk_selfexe_reexec_sealed(argv, &err) < 0)
      return cli_fail(&err);
  }
  g.argv = argv;
  int cargc = argc - optind;
  char **cargv = argv + optind;
  if (g.debug) {
    for (int i = 0; i < argc; i++)
      sk_debug("argv[%d] = \"%s\"", i, argv[i]);
  }

  if (strcmp(cmd, "help") == 0) {
    if (cargc < 2) {
      print_usage(stdout);
      return 0;
    }
    /* `skiff help CMD` = `skiff CMD --help` */
    static char help_flag[] = "--help";
    char *hargv[] = {cargv[1], help_flag, NULL};
    cmd = cargv[1];
    cargc = 2;
    cargv = hargv;
#define X(name, help)                                                                              \
  if (strcmp(cmd, #name) == 0)                                                                     \
    return cmd_##name(&g, cargc, cargv);
    SKIFF_COMMANDS(X)
#undef X
    return cli_error("unknown command \"%s\" (see skiff --help)", cmd);
  }

#define X(name, help)                                                                              \
  if (strcmp(cmd, #name) == 0)                                                                     \
    return cmd_##name(&g, cargc, cargv);
  SKIFF_COMMANDS(X)
#undef X
  return cli_error("unknown command \"%s\" (see skiff --help)", cmd);
}
