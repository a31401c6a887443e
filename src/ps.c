/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff ps [--format table|json] ID [-- PS-ARGS...]: the processes of a container, found through
 * its cgroup (so processes that left the pid namespace's init are listed too). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "container_cgroup.h"
#include "skiff-cli.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff ps [OPTIONS] ID [-- PS-ARGS...]\n"
    "List the processes of a container (host pids).\n"
    "\n"
    "  --format json prints a JSON array of pids (as runc).  The table lists UID, PID, PPID\n"
    "  and the command line; with PS-ARGS, ps(1) runs with them and only the lines of the\n"
    "  container's processes are kept (as runc, whose default is `ps -ef`).\n"
    "\n"
    "Options:\n"
    "  -f, --format table|json   output format (default table)\n"
    "  -h, --help                this help\n";

static bool has_pid(const pid_t *pids, size_t n, long p)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == p)
      return true;
  return false;
}

/* Our own table, from /proc: no ps(1) needed. */
static void table(const pid_t *pids, size_t n)
{
  printf("%-8s %8s %8s  %s\n", "UID", "PID", "PPID", "CMD");
  for (size_t i = 0; i < n; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)pids[i]);
    _cleanup_close_ int dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      continue; /* exited meanwhile */
    struct stat sb;
    _cleanup_free_ char *stat = NULL, *cmd = NULL;
    size_t len = 0, clen = 0;
    if (fstat(dfd, &sb) < 0 || sk_read_file_at(dfd, "stat", &stat, &len, NULL) < 0)
      continue;
    /* "pid (comm) S ppid ...": comm may hold spaces and parentheses */
    char *rp = strrchr(stat, ')');
    long ppid = 0;
    if (rp)
      sscanf(rp + 1, " %*c %ld", &ppid);
    if (sk_read_file_at(dfd, "cmdline", &cmd, &clen, NULL) < 0 || clen == 0) {
      free(cmd);
      char *lp = strchr(stat, '(');
      cmd = lp && rp ? xasprintf("[%.*s]", (int)(rp - lp - 1), lp + 1) : xstrdup("?");
    } else {
      for (size_t k = 0; k + 1 < clen; k++)
        if (!cmd[k])
          cmd[k] = ' ';
    }
    printf("%-8u %8d %8ld  %s\n", (unsigned)sb.st_uid, (int)pids[i], ppid, cmd);
  }
}

/* ps PS-ARGS, keeping the header and the lines whose PID column is one of ours. */
static int run_ps(char **args, int nargs, const pid_t *pids, size_t n)
{
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return cli_error("ps: pipe: %s", strerror(errno));
  pid_t child = fork();
  if (child < 0)
    return cli_error("ps: fork: %s", strerror(errno));
  if (child == 0) {
    char **av = xzalloc(((size_t)nargs + 2) * sizeof *av);
    av[0] = (char *)"ps";
    memcpy(av + 1, args, (size_t)nargs * sizeof *av);
    dup2(pfd[1], STDOUT_FILENO);
    execvp("ps", av);
    fprintf(stderr, "skiff ps: exec ps: %s\n", strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  FILE *f = fdopen(pfd[0], "r");
  if (!f) {
    close(pfd[0]);
    return cli_error("ps: fdopen: %s", strerror(errno));
  }
  char *line = NULL;
  size_t cap = 0;
  int pidcol = -1, ln = 0;
  while (getline(&line, &cap, f) > 0) {
    if (ln++ == 0) {
      /* which whitespace-separated column is PID */
      int col = 0;
      for (char *s = line; *s;) {
        s += strspn(s, " \t");
        size_t w = strcspn(s, " \t\n");
        if (w == 3 && !strncmp(s, "PID", 3))
          pidcol = col;
        if (!w)
          break;
        s += w;
        col++;
      }
      fputs(line, stdout);
      if (pidcol < 0) {
        free(line);
        fclose(f);
        waitpid(child, NULL, 0);
        return cli_error("ps: the output of ps has no PID column");
      }
      continue;
    }
    char *s = line;
    for (int col = 0; col < pidcol && *s; col++) {
      s += strspn(s, " \t");
      s += strcspn(s, " \t\n");
    }
    if (has_pid(pids, n, strtol(s, NULL, 10)))
      fputs(line, stdout);
  }
  free(line);
  fclose(f);
  int status;
  if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
    return cli_error("ps: ps exited with an error");
  return 0;
}

int cmd_ps(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
  const char *format = "table";
  int c;
  optind = 0;
  /* "+": stop at the ID, so `skiff ps ID -ef` passes -ef to ps (as runc) */
  while ((c = getopt_long_only(argc, argv, "+:f:h", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'h':
      return cli_help(usage);
    default:
      return cli_bad_option("ps", argv, c);
    }
  }
  if (optind >= argc)
    return cli_error("ps: expected a container ID");
  bool json = !strcmp(format, "json");
  if (!json && strcmp(format, "table"))
    return cli_error("ps: --format: \"%s\" is neither table nor json", format);
  const char *id = argv[optind++];
  if (optind < argc && !strcmp(argv[optind], "--"))
    optind++;
  if (json && optind < argc)
    return cli_error("ps: ps arguments cannot be used with --format json");
  pid_t *pids = NULL;
  size_t n = 0;
  sk_err_t err = NULL;
  if (sk_container_pids(g, id, &pids, &n, &err) < 0)
    return cli_fail(&err);
  int ret = 0;
  if (json) {
    fputc('[', stdout);
    for (size_t i = 0; i < n; i++)
      printf("%s%d", i ? "," : "", (int)pids[i]);
    fputs("]\n", stdout);
  } else if (optind < argc) {
    fflush(stdout);
    ret = run_ps(argv + optind, argc - optind, pids, n);
  } else {
    table(pids, n);
  }
  free(pids);
  return ret;
}
