/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff events [--stats] [--interval DURATION] ID: runc-compatible JSON, one object a line:
 * {"type":"stats","id":ID,"data":{cpu,memory,pids,blkio,hugetlb}} every interval and
 * {"type":"oom","id":ID} on each OOM kill, until the container stops. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "container_cgroup.h"
#include "skiff-cli.h"
#include "state.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff events [OPTIONS] ID\n"
    "Print the container's resource statistics every interval and its OOM events, as JSON\n"
    "lines, until it stops.\n"
    "\n"
    "Options:\n"
    "      --stats             print the statistics once and exit\n"
    "      --interval DURATION how often to print statistics (default 5s; 500ms, 1m30s...)\n"
    "  -h, --help              this help\n";

enum { OPT_STATS = 256, OPT_INTERVAL };

/* A Go duration ("5s", "1m30s", "250ms", "1.5h"), in milliseconds. */
static int parse_duration(const char *s, long long *ms)
{
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3},  {"ms", 1},
               {"s", 1000},  {"m", 60000}, {"h", 3600000}};
  double total = 0;
  if (!*s)
    return -1;
  while (*s) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
      return -1;
    size_t best = 0, bl = 0;
    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
      size_t l = strlen(units[i].unit);
      if (!strncmp(end, units[i].unit, l) && l > bl)
        best = i, bl = l;
    }
    if (!bl)
      return -1;
    total += v * units[best].ms;
    s = end + bl;
  }
  *ms = (long long)total;
  return 0;
}

static int print_stats(struct sk_cgroup *cg, const char *id, sk_err_t *err)
{
  _cleanup_free_ char *json = NULL;
  if (sk_cgroup_stats_json(cg, &json, err) < 0)
    return -1;
  printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}\n", id, json);
  fflush(stdout);
  return 0;
}

/* Does the cgroup still hold a process? */
static bool alive(struct sk_cgroup *cg)
{
  pid_t *pids = NULL;
  size_t n = 0;
  sk_err_t e = NULL;
  if (sk_cgroup_pids(cg, &pids, &n, &e) < 0)
    sk_err_free(&e);
  free(pids);
  return n > 0;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_events(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {{"stats", optional_argument, NULL, OPT_STATS},
                                       {"interval", required_argument, NULL, OPT_INTERVAL},
                                       {"help", no_argument, NULL, 'h'},
                                       {0}};
  bool stats = false;
  long long interval = 5000;
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_STATS:
      if ((r = cli_bool("events", "stats", optarg, &stats)) != CLI_CONTINUE)
        return r;
      break;
    case OPT_INTERVAL:
      if (parse_duration(optarg, &interval) < 0 || interval <= 0)
        return cli_error("events: --interval: \"%s\" is not a positive duration (5s, 500ms)",
                         optarg);
      break;
    case 'h':
      return cli_help(usage);
    default:
      return cli_bad_option("events", argv, c);
    }
  }
  if ((r = cli_nargs("events", argc - optind, 1, 1, "container ID")) != CLI_CONTINUE)
    return r;
  const char *id = argv[optind];
  sk_err_t err = NULL;
  struct sk_cgroup *cg = NULL;
  pid_t init = 0;
  if (sk_container_open_cgroup(g, id, &cg, &init, &err) < 0)
    return cli_fail(&err);
  int ret = 0;
  if (stats) {
    if (print_stats(cg, id, &err) < 0)
      ret = cli_fail(&err);
    sk_cgroup_free(cg);
    return ret;
  }
  signal(SIGPIPE, SIG_DFL);
  /* OOM events where the host offers them; stats alone otherwise. */
  sk_err_t oerr = NULL;
  int oomfd = sk_cgroup_oom_fd(cg, &oerr);
  if (oomfd < 0)
    sk_err_free(&oerr);
  else
    sk_cgroup_oom_read(cg, oomfd); /* what happened before we started is not an event */
  long long next = now_ms();
  for (;;) {
    if (now_ms() >= next) {
      /* The cgroup goes away with the container: stop then, quietly. */
      if (!alive(cg))
        break;
      if (print_stats(cg, id, &err) < 0) {
        ret = cli_fail(&err);
        break;
      }
      next = now_ms() + interval;
    }
    long long wait = next - now_ms();
    struct pollfd p = {.fd = oomfd, .events = POLLIN};
    int n = poll(&p, oomfd >= 0 ? 1 : 0, wait < 0 ? 0 : (int)(wait > 1000 ? 1000 : wait));
    if (n < 0 && errno != EINTR) {
      ret = cli_error("events: poll: %s", strerror(errno));
      break;
    }
    if (n > 0 && (p.revents & POLLIN)) {
      for (int k = sk_cgroup_oom_read(cg, oomfd); k > 0; k--)
        printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
      fflush(stdout);
    }
    if (init > 0 && kill(init, 0) < 0 && errno == ESRCH && !alive(cg))
      break;
  }
  if (oomfd >= 0)
    close(oomfd);
  sk_cgroup_free(cg);
  return ret;
}
