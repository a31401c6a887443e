/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared option handling for the commands (see cli.h). */
#include "config.h"
#include "cli.h"

#include <limits.h>
#include <seccomp_lib.h> /* libseccomp's <seccomp.h> (shadowed by libskiff/seccomp.h) */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "utils.h"

int cli_error(const char *fmt, ...)
{
  sk_err_t err = NULL;
  va_list ap;
  va_start(ap, fmt);
  sk_failv(&err, 0, fmt, ap);
  va_end(ap);
  sk_log_err(&err);
  return 1;
}

int cli_fail(sk_err_t *err)
{
  sk_log_err(err);
  return 1;
}

int cli_bad_option(const char *cmd, char **argv, int c)
{
  const char *arg = optind > 0 && optind <= 1 + (int)sk_strv_len(argv) ? argv[optind - 1] : "?";
  char shortopt[3] = {'-', (char)optopt, '\0'};
  if (c == ':')
    return cli_error("%s: option \"%s\" needs a value (see skiff %s --help)", cmd, arg, cmd);
  /* An unknown short option may sit inside a cluster (-xq): name the letter. */
  if (optopt > 0 && optopt < 128)
    arg = shortopt;
  return cli_error("%s: unknown option \"%s\" (see skiff %s --help)", cmd, arg, cmd);
}

int cli_bool(const char *cmd, const char *name, const char *optarg, bool *out)
{
  if (optarg == NULL || strcmp(optarg, "true") == 0 || strcmp(optarg, "1") == 0 ||
      strcmp(optarg, "t") == 0 || strcmp(optarg, "TRUE") == 0 || strcmp(optarg, "True") == 0) {
    *out = true;
    return CLI_CONTINUE;
  }
  if (strcmp(optarg, "false") == 0 || strcmp(optarg, "0") == 0 || strcmp(optarg, "f") == 0 ||
      strcmp(optarg, "FALSE") == 0 || strcmp(optarg, "False") == 0) {
    *out = false;
    return CLI_CONTINUE;
  }
  return cli_error("%s: --%s=%s: expected true or false", cmd, name, optarg);
}

int cli_nargs(const char *cmd, int argc, int min, int max, const char *what)
{
  if (argc < min) {
    if (argc == 0)
      return cli_error("%s: missing %s (see skiff %s --help)", cmd, what, cmd);
    return cli_error("%s: expected at least %d arguments (%s), got %d", cmd, min, what, argc);
  }
  if (max >= 0 && argc > max) {
    if (max == 1)
      return cli_error("%s: expected one %s, got %d arguments", cmd, what, argc);
    return cli_error("%s: expected at most %d arguments (%s), got %d", cmd, max, what, argc);
  }
  return CLI_CONTINUE;
}

int cli_parse_plain(const char *cmd, const char *usage, int argc, char **argv, int min, int max,
                    const char *what)
{
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'h')
      return cli_help(usage);
    return cli_bad_option(cmd, argv, c);
  }
  return cli_nargs(cmd, argc - optind, min, max, what);
}

const char *cli_libseccomp_version(void)
{
  static char buf[48];
  const struct scmp_version *v = seccomp_version();
  if (v == NULL)
    return NULL;
  snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
  return buf;
}

int cli_help(const char *usage)
{
  fputs(usage, stdout);
  return 0;
}

/* ---- create / run ---- */

static const char create_usage[] =
    "Usage: skiff create [OPTIONS] ID\n"
    "Create a container from an OCI bundle.  Its init waits for `skiff start ID` before the\n"
    "user process runs; the container is then in the `created` state.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          the bundle directory (default: the current directory)\n"
    "  -f, --config FILE         the config to use (default: BUNDLE/config.json)\n"
    "      --pid-file FILE       write the container init's host pid to FILE\n"
    "      --console-socket SOCK send the pty master of a terminal container over the unix\n"
    "                            socket SOCK (process.terminal: true)\n"
    "      --preserve-fds N      pass fds 3 .. 3+N-1 into the container\n"
    "      --no-pivot            MS_MOVE + chroot instead of pivot_root (rootfs on a ramfs)\n"
    "      --no-new-keyring      keep the caller's session keyring\n"
    "  -h, --help                this help\n";

static const char run_usage[] =
    "Usage: skiff run [OPTIONS] ID\n"
    "Create and start a container.  In the foreground, skiff waits for it, forwards signals to\n"
    "it and exits with its status (128+N when it died of signal N), then deletes it.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          the bundle directory (default: the current directory)\n"
    "  -f, --config FILE         the config to use (default: BUNDLE/config.json)\n"
    "  -d, --detach              return once the container runs; do not wait for it\n"
    "      --keep                do not delete the container after it exits\n"
    "      --pid-file FILE       write the container init's host pid to FILE\n"
    "      --console-socket SOCK send the pty master of a terminal container over the unix\n"
    "                            socket SOCK (process.terminal: true)\n"
    "      --preserve-fds N      pass fds 3 .. 3+N-1 into the container\n"
    "      --no-pivot            MS_MOVE + chroot instead of pivot_root (rootfs on a ramfs)\n"
    "      --no-new-keyring      keep the caller's session keyring\n"
    "  -h, --help                this help\n";

enum {
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_PRESERVE_FDS,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
  OPT_DETACH,
};

int cli_parse_create(const char *cmd, int argc, char **argv, bool run, struct sk_create_opts *o)
{
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"config", required_argument, NULL, 'f'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
      {"no-pivot", optional_argument, NULL, OPT_NO_PIVOT},
      {"no-new-keyring", optional_argument, NULL, OPT_NO_NEW_KEYRING},
      {"detach", optional_argument, NULL, OPT_DETACH},
      {"keep", optional_argument, NULL, OPT_KEEP},
      {"no-subreaper", optional_argument, NULL, OPT_NO_SUBREAPER},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  int c, r;
  bool b;
  memset(o, 0, sizeof *o);
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":b:f:dh", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      o->bundle = optarg;
      break;
    case 'f':
      o->config = optarg;
      break;
    case OPT_PID_FILE:
      o->pid_file = optarg;
      break;
    case OPT_CONSOLE_SOCKET:
      o->console_socket = optarg;
      break;
    case OPT_PRESERVE_FDS: {
      uint64_t n;
      if (sk_parse_u64(optarg, &n) < 0 || n > INT_MAX - 3)
        return cli_error("%s: --preserve-fds \"%s\": expected a count of fds", cmd, optarg);
      o->preserve_fds = (int)n;
      break;
    }
    case OPT_NO_PIVOT:
      if ((r = cli_bool(cmd, "no-pivot", optarg, &o->no_pivot)) != CLI_CONTINUE)
        return r;
      break;
    case OPT_NO_NEW_KEYRING:
      if ((r = cli_bool(cmd, "no-new-keyring", optarg, &o->no_new_keyring)) != CLI_CONTINUE)
        return r;
      break;
    case 'd':
    case OPT_DETACH:
      /* go-runc passes --detach to create too; there it changes nothing. */
      if ((r = cli_bool(cmd, "detach", c == 'd' ? NULL : optarg, &b)) != CLI_CONTINUE)
        return r;
      o->detach = run && b;
      break;
    case OPT_KEEP:
      if (!run)
        return cli_error("%s: unknown option \"--keep\" (see skiff %s --help)", cmd, cmd);
      if ((r = cli_bool(cmd, "keep", optarg, &o->keep)) != CLI_CONTINUE)
        return r;
      break;
    case OPT_NO_SUBREAPER: /* runc: deprecated, no effect */
      if ((r = cli_bool(cmd, "no-subreaper", optarg, &b)) != CLI_CONTINUE)
        return r;
      break;
    case 'h':
      return cli_help(run ? run_usage : create_usage);
    default:
      return cli_bad_option(cmd, argv, c);
    }
  }
  if ((r = cli_nargs(cmd, argc - optind, 1, 1, "container ID")) != CLI_CONTINUE)
    return r;
  o->id = argv[optind];
  return CLI_CONTINUE;
}
