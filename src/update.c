/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff update [OPTIONS] ID: change a live container's resource limits, from an OCI
 * LinuxResources JSON (--resources FILE, or - for stdin) and/or runc's flags (flags win). */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"
#include "skiff-cli.h"
#include "spec.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff update [OPTIONS] ID\n"
    "Update the resource limits of a running, created or paused container.\n"
    "\n"
    "Options:\n"
    "  -r, --resources FILE        OCI LinuxResources JSON (- reads stdin); the flags below\n"
    "                              override its values\n"
    "      --memory BYTES          memory limit (suffixes k, m, g, t; -1: unlimited)\n"
    "      --memory-reservation BYTES  soft memory limit\n"
    "      --memory-swap BYTES     memory+swap limit (-1: unlimited)\n"
    "      --kernel-memory BYTES   ignored (deprecated), with a warning\n"
    "      --kernel-memory-tcp BYTES  ignored (deprecated), with a warning\n"
    "      --cpu-shares N          CPU shares (cpu.weight on cgroup v2)\n"
    "      --cpu-quota USEC        CFS quota per period (-1: unlimited)\n"
    "      --cpu-period USEC       CFS period\n"
    "      --cpu-rt-runtime USEC   realtime runtime (cgroup v1)\n"
    "      --cpu-rt-period USEC    realtime period (cgroup v1)\n"
    "      --cpuset-cpus LIST      CPUs allowed (0-3, 0,1)\n"
    "      --cpuset-mems LIST      memory nodes allowed\n"
    "      --pids-limit N          maximum number of processes (-1 or 0: unlimited)\n"
    "      --blkio-weight N        block IO weight (10-1000)\n"
    "  -h, --help                  this help\n";

enum {
  OPT_RESOURCES = 256,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_RT_PERIOD,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
};

/* "512m", "1G", "1024", "-1": bytes (binary units, as runc's RAMInBytes). */
static int parse_bytes(const char *s, int64_t *out)
{
  if (!strcmp(s, "-1")) {
    *out = -1;
    return 0;
  }
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || v < 0)
    return -1;
  uint64_t mult = 1;
  switch (tolower((unsigned char)*end)) {
  case 'k':
    mult = 1ULL << 10;
    end++;
    break;
  case 'm':
    mult = 1ULL << 20;
    end++;
    break;
  case 'g':
    mult = 1ULL << 30;
    end++;
    break;
  case 't':
    mult = 1ULL << 40;
    end++;
    break;
  }
  if (mult > 1 && tolower((unsigned char)*end) == 'i')
    end++;
  if (tolower((unsigned char)*end) == 'b')
    end++;
  if (*end || v * (double)mult > (double)INT64_MAX)
    return -1;
  *out = (int64_t)(v * (double)mult);
  return 0;
}

static int read_all(const char *file, char **data, size_t *len, sk_err_t *err)
{
  if (strcmp(file, "-"))
    return sk_read_file_at(AT_FDCWD, file, data, len, err);
  size_t cap = 4096, n = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap)
      buf = xrealloc(buf, cap *= 2);
    ssize_t r = read(STDIN_FILENO, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      free(buf);
      return sk_failno(err, "read the resources from stdin");
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 0;
}

static struct sk_memory *mem(struct sk_resources *r)
{
  if (!r->memory)
    r->memory = xzalloc(sizeof *r->memory);
  return r->memory;
}

static struct sk_cpu *cpu(struct sk_resources *r)
{
  if (!r->cpu)
    r->cpu = xzalloc(sizeof *r->cpu);
  return r->cpu;
}

/* One flag into r; returns 0, or 1 after reporting a bad value. */
static int apply_flag(struct sk_resources *r, int opt, const char *name, const char *val)
{
  int64_t i = 0;
  uint64_t u = 0;
  bool bytes = opt == OPT_MEMORY || opt == OPT_MEMORY_RESERVATION || opt == OPT_MEMORY_SWAP ||
               opt == OPT_KERNEL_MEMORY || opt == OPT_KERNEL_MEMORY_TCP;
  bool is_signed = opt == OPT_CPU_QUOTA || opt == OPT_CPU_RT_RUNTIME || opt == OPT_PIDS_LIMIT;
  bool is_unsigned = opt == OPT_CPU_SHARES || opt == OPT_CPU_PERIOD || opt == OPT_CPU_RT_PERIOD ||
                     opt == OPT_BLKIO_WEIGHT;
  if ((bytes && parse_bytes(val, &i) < 0) || (is_signed && sk_parse_i64(val, &i) < 0) ||
      (is_unsigned && sk_parse_u64(val, &u) < 0))
    return cli_error("update: --%s: invalid value \"%s\"", name, val);
  switch (opt) {
  case OPT_MEMORY:
    mem(r)->limit = (struct sk_opt_i64){.set = true, .v = i};
    break;
  case OPT_MEMORY_RESERVATION:
    mem(r)->reservation = (struct sk_opt_i64){.set = true, .v = i};
    break;
  case OPT_MEMORY_SWAP:
    mem(r)->swap = (struct sk_opt_i64){.set = true, .v = i};
    break;
  case OPT_KERNEL_MEMORY:
  case OPT_KERNEL_MEMORY_TCP:
    sk_warn("update: --%s is deprecated and ignored", name);
    break;
  case OPT_CPU_SHARES:
    cpu(r)->shares = (struct sk_opt_u64){.set = true, .v = u};
    break;
  case OPT_CPU_QUOTA:
    cpu(r)->quota = (struct sk_opt_i64){.set = true, .v = i};
    break;
  case OPT_CPU_PERIOD:
    cpu(r)->period = (struct sk_opt_u64){.set = true, .v = u};
    break;
  case OPT_CPU_RT_RUNTIME:
    cpu(r)->realtime_runtime = (struct sk_opt_i64){.set = true, .v = i};
    break;
  case OPT_CPU_RT_PERIOD:
    cpu(r)->realtime_period = (struct sk_opt_u64){.set = true, .v = u};
    break;
  case OPT_CPUSET_CPUS:
    free(cpu(r)->cpus);
    r->cpu->cpus = xstrdup(val);
    break;
  case OPT_CPUSET_MEMS:
    free(cpu(r)->mems);
    r->cpu->mems = xstrdup(val);
    break;
  case OPT_PIDS_LIMIT:
    r->pids_limit = (struct sk_opt_i64){.set = true, .v = i};
    break;
  case OPT_BLKIO_WEIGHT:
    if (u && (u < 10 || u > 1000))
      return cli_error("update: --blkio-weight: %" PRIu64 " is not in 10..1000", u);
    if (!r->block_io)
      r->block_io = xzalloc(sizeof *r->block_io);
    r->block_io->weight = (struct sk_opt_u64){.set = true, .v = u};
    break;
  }
  return 0;
}

struct flag {
  int opt;
  const char *name;
  const char *val;
};

int cmd_update(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"resources", required_argument, NULL, OPT_RESOURCES},
      {"memory", required_argument, NULL, OPT_MEMORY},
      {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
      {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
      {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
      {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
      {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
      {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
      {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
      {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
      {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
      {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
      {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
      {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
      {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
      {"help", no_argument, NULL, 'h'},
      {0}};
  const char *resources = NULL;
  struct flag flags[32];
  size_t nflags = 0;
  int c, r, idx;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":hr:", opts, &idx)) != -1) {
    switch (c) {
    case 'r':
    case OPT_RESOURCES:
      resources = optarg;
      break;
    case 'h':
      return cli_help(usage);
    default:
      if (c < OPT_MEMORY || c > OPT_BLKIO_WEIGHT)
        return cli_bad_option("update", argv, c);
      if (nflags == ARRAY_SIZE(flags))
        return cli_error("update: too many options");
      flags[nflags++] = (struct flag){c, opts[idx].name, optarg};
    }
  }
  if ((r = cli_nargs("update", argc - optind, 1, 1, "container ID")) != CLI_CONTINUE)
    return r;
  const char *id = argv[optind];
  sk_err_t err = NULL;
  struct sk_resources *res = NULL;
  if (resources) {
    _cleanup_free_ char *data = NULL;
    size_t len;
    if (read_all(resources, &data, &len, &err) < 0 ||
        sk_resources_parse(data, len, strcmp(resources, "-") ? resources : "stdin", &res, &err) < 0)
      return cli_fail(&err);
  } else {
    res = xzalloc(sizeof *res);
  }
  int ret = 0;
  for (size_t i = 0; i < nflags && !ret; i++)
    ret = apply_flag(res, flags[i].opt, flags[i].name, flags[i].val);
  if (!ret && sk_container_update(g, id, res, &err) < 0)
    ret = cli_fail(&err);
  sk_resources_free(res);
  return ret;
}
