/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Statistics (`events --stats`, containerd's `ctr task metrics`) in runc's JSON shape, and OOM
 * notification, from v1 or v2 files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>
#include "cgroup_internal.h"
#include "container_cgroup.h"
#include "json.h"
#include "utils.h"

static uint64_t read_u64(struct sk_cg_hier *h, const char *file)
{
  _cleanup_free_ char *s = NULL;
  if (!h || h->dirfd < 0 || sk_cg_read(h, file, &s) < 0)
    return 0;
  if (!strncmp(s, "max", 3))
    return UINT64_MAX;
  return strtoull(s, NULL, 10);
}

/* "key value" lines (memory.stat, cpu.stat, pids.events...): the value of key. */
static uint64_t keyed(const char *text, const char *key)
{
  size_t kl = strlen(key);
  for (const char *s = text; s && *s;) {
    if (!strncmp(s, key, kl) && s[kl] == ' ')
      return strtoull(s + kl + 1, NULL, 10);
    s = strchr(s, '\n');
    if (s)
      s++;
  }
  return 0;
}

static void raw_object(struct sk_buf *b, const char *text)
{
  sk_buf_add(b, "{", 1);
  bool first = true;
  _cleanup_free_ char *copy = xstrdup(text ? text : "");
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *sp = strchr(line, ' ');
    if (!sp)
      continue;
    *sp = '\0';
    sk_buf_addf(b, "%s", first ? "" : ",");
    sk_buf_add_json_string(b, line);
    sk_buf_addf(b, ":%llu", strtoull(sp + 1, NULL, 10));
    first = false;
  }
  sk_buf_add(b, "}", 1);
}

static void cpu_v1(struct sk_buf *b, struct sk_cgroup *cg)
{
  struct sk_cg_hier *acct = sk_cg_v1(cg, "cpuacct"), *cpu = sk_cg_v1(cg, "cpu");
  _cleanup_free_ char *percpu = NULL, *stat = NULL, *thr = NULL;
  if (acct && acct->dirfd >= 0) {
    sk_cg_read(acct, "cpuacct.usage_percpu", &percpu);
    sk_cg_read(acct, "cpuacct.stat", &stat);
  }
  if (cpu && cpu->dirfd >= 0)
    sk_cg_read(cpu, "cpu.stat", &thr);
  long tick = sysconf(_SC_CLK_TCK);
  uint64_t ns_per_tick = tick > 0 ? 1000000000ULL / (uint64_t)tick : 10000000ULL;
  sk_buf_addf(b, "\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"percpu\":[",
              read_u64(acct, "cpuacct.usage"));
  bool first = true;
  for (char *s = percpu, *end; s && *s; s = end) {
    uint64_t v = strtoull(s, &end, 10);
    if (end == s)
      break;
    sk_buf_addf(b, "%s%" PRIu64, first ? "" : ",", v);
    first = false;
  }
  sk_buf_addf(b,
              "],\"kernel\":%" PRIu64 ",\"user\":%" PRIu64 "},\"throttling\":{\"periods\":%" PRIu64
              ",\"throttledPeriods\":%" PRIu64 ",\"throttledTime\":%" PRIu64 "}}",
              keyed(stat, "system") * ns_per_tick, keyed(stat, "user") * ns_per_tick,
              keyed(thr, "nr_periods"), keyed(thr, "nr_throttled"), keyed(thr, "throttled_time"));
}

static void cpu_v2(struct sk_buf *b, struct sk_cg_hier *h)
{
  _cleanup_free_ char *stat = NULL;
  sk_cg_read(h, "cpu.stat", &stat);
  sk_buf_addf(b,
              "\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"kernel\":%" PRIu64 ",\"user\":%" PRIu64
              "},\"throttling\":{\"periods\":%" PRIu64 ",\"throttledPeriods\":%" PRIu64
              ",\"throttledTime\":%" PRIu64 "}}",
              keyed(stat, "usage_usec") * 1000, keyed(stat, "system_usec") * 1000,
              keyed(stat, "user_usec") * 1000, keyed(stat, "nr_periods"),
              keyed(stat, "nr_throttled"), keyed(stat, "throttled_usec") * 1000);
}

static void memory_v1(struct sk_buf *b, struct sk_cg_hier *h)
{
  _cleanup_free_ char *stat = NULL;
  if (h)
    sk_cg_read(h, "memory.stat", &stat);
  sk_buf_addf(b,
              "\"memory\":{\"cache\":%" PRIu64 ",\"usage\":{\"usage\":%" PRIu64 ",\"max\":%" PRIu64
              ",\"failcnt\":%" PRIu64 ",\"limit\":%" PRIu64 "},\"swap\":{\"usage\":%" PRIu64
              ",\"max\":%" PRIu64 ",\"failcnt\":%" PRIu64 ",\"limit\":%" PRIu64
              "},\"kernel\":{\"usage\":%" PRIu64 ",\"max\":%" PRIu64 ",\"failcnt\":%" PRIu64
              ",\"limit\":%" PRIu64 "},\"raw\":",
              keyed(stat, "cache"), read_u64(h, "memory.usage_in_bytes"),
              read_u64(h, "memory.max_usage_in_bytes"), read_u64(h, "memory.failcnt"),
              read_u64(h, "memory.limit_in_bytes"), read_u64(h, "memory.memsw.usage_in_bytes"),
              read_u64(h, "memory.memsw.max_usage_in_bytes"), read_u64(h, "memory.memsw.failcnt"),
              read_u64(h, "memory.memsw.limit_in_bytes"), read_u64(h, "memory.kmem.usage_in_bytes"),
              read_u64(h, "memory.kmem.max_usage_in_bytes"), read_u64(h, "memory.kmem.failcnt"),
              read_u64(h, "memory.kmem.limit_in_bytes"));
  raw_object(b, stat);
  sk_buf_add(b, "}", 1);
}

static void memory_v2(struct sk_buf *b, struct sk_cg_hier *h)
{
  _cleanup_free_ char *stat = NULL, *events = NULL;
  sk_cg_read(h, "memory.stat", &stat);
  sk_cg_read(h, "memory.events", &events);
  sk_buf_addf(b,
              "\"memory\":{\"cache\":%" PRIu64 ",\"usage\":{\"usage\":%" PRIu64 ",\"max\":%" PRIu64
              ",\"failcnt\":%" PRIu64 ",\"limit\":%" PRIu64 "},\"swap\":{\"usage\":%" PRIu64
              ",\"limit\":%" PRIu64 "},\"raw\":",
              keyed(stat, "file"), read_u64(h, "memory.current"), read_u64(h, "memory.peak"),
              keyed(events, "max"), read_u64(h, "memory.max"), read_u64(h, "memory.swap.current"),
              read_u64(h, "memory.swap.max"));
  raw_object(b, stat);
  sk_buf_add(b, "}", 1);
}

static void blkio_v1(struct sk_buf *b, struct sk_cg_hier *h)
{
  _cleanup_free_ char *s = NULL;
  if (h)
    sk_cg_read(h, "blkio.throttle.io_service_bytes_recursive", &s);
  sk_buf_add(b, "\"blkio\":{\"ioServiceBytesRecursive\":[", 36);
  bool first = true;
  char *save = NULL;
  for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
    unsigned maj, min;
    char op[32];
    unsigned long long v;
    if (sscanf(line, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
      continue;
    sk_buf_addf(b, "%s{\"major\":%u,\"minor\":%u,\"op\":\"%s\",\"value\":%llu}", first ? "" : ",",
                maj, min, op, v);
    first = false;
  }
  sk_buf_add(b, "]}", 2);
}

static void blkio_v2(struct sk_buf *b, struct sk_cg_hier *h)
{
  _cleanup_free_ char *s = NULL;
  sk_cg_read(h, "io.stat", &s);
  sk_buf_add(b, "\"blkio\":{\"ioServiceBytesRecursive\":[", 36);
  bool first = true;
  char *save = NULL;
  for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
    unsigned maj, min;
    if (sscanf(line, "%u:%u", &maj, &min) != 2)
      continue;
    const char *r = strstr(line, "rbytes="), *w = strstr(line, "wbytes=");
    sk_buf_addf(b,
                "%s{\"major\":%u,\"minor\":%u,\"op\":\"Read\",\"value\":%llu},"
                "{\"major\":%u,\"minor\":%u,\"op\":\"Write\",\"value\":%llu}",
                first ? "" : ",", maj, min, r ? strtoull(r + 7, NULL, 10) : 0ULL, maj, min,
                w ? strtoull(w + 7, NULL, 10) : 0ULL);
    first = false;
  }
  sk_buf_add(b, "]}", 2);
}

static void hugetlb(struct sk_buf *b, struct sk_cg_hier *h, bool v2)
{
  sk_buf_add(b, "\"hugetlb\":{", 11);
  if (h && h->dirfd >= 0) {
    bool first = true;
    static const char *const sizes[] = {"64KB", "2MB", "32MB", "512MB", "1GB"};
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
      char f[64];
      snprintf(f, sizeof f, v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", sizes[i]);
      if (faccessat(h->dirfd, f, F_OK, 0) < 0)
        continue;
      uint64_t usage = read_u64(h, f);
      snprintf(f, sizeof f, v2 ? "hugetlb.%s.max" : "hugetlb.%s.max_usage_in_bytes", sizes[i]);
      uint64_t max = read_u64(h, f);
      uint64_t fail = 0;
      if (v2) {
        _cleanup_free_ char *ev = NULL;
        snprintf(f, sizeof f, "hugetlb.%s.events", sizes[i]);
        if (sk_cg_read(h, f, &ev) == 0)
          fail = keyed(ev, "max");
      } else {
        snprintf(f, sizeof f, "hugetlb.%s.failcnt", sizes[i]);
        fail = read_u64(h, f);
      }
      sk_buf_addf(b, "%s\"%s\":{\"usage\":%" PRIu64 ",\"max\":%" PRIu64 ",\"failcnt\":%" PRIu64 "}",
                  first ? "" : ",", sizes[i], usage, max, fail);
      first = false;
    }
  }
  sk_buf_add(b, "}", 1);
}

int sk_cgroup_stats_json(struct sk_cgroup *cg, char **json, sk_err_t *err)
{
  (void)err;
  struct sk_buf b = {0};
  sk_buf_add(&b, "{", 1);
  bool v2 = cg->mode == SK_CGROUP_MODE_V2;
  struct sk_cg_hier *u = cg->v2 >= 0 ? &cg->h[cg->v2] : NULL;
  if (v2) {
    cpu_v2(&b, u);
    sk_buf_add(&b, ",", 1);
    memory_v2(&b, u);
    sk_buf_addf(&b, ",\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "},",
                read_u64(u, "pids.current"),
                read_u64(u, "pids.max") == UINT64_MAX ? 0 : read_u64(u, "pids.max"));
    blkio_v2(&b, u);
    sk_buf_add(&b, ",", 1);
    hugetlb(&b, u, true);
  } else {
    cpu_v1(&b, cg);
    sk_buf_add(&b, ",", 1);
    memory_v1(&b, sk_cg_v1(cg, "memory"));
    struct sk_cg_hier *p = sk_cg_v1(cg, "pids");
    uint64_t lim = read_u64(p, "pids.max");
    sk_buf_addf(&b, ",\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "},",
                read_u64(p, "pids.current"), lim == UINT64_MAX ? 0 : lim);
    blkio_v1(&b, sk_cg_v1(cg, "blkio"));
    sk_buf_add(&b, ",", 1);
    struct sk_cg_hier *hv1 = sk_cg_v1(cg, "hugetlb");
    if (hv1 && hv1->dirfd >= 0)
      hugetlb(&b, hv1, false);
    else
      hugetlb(&b, u && sk_cg_v2_has(cg, "hugetlb") ? u : NULL, true);
  }
  sk_buf_add(&b, "}", 1);
  *json = b.data;
  return 0;
}

int sk_cgroup_oom_fd(struct sk_cgroup *cg, sk_err_t *err)
{
  if (cg->mode == SK_CGROUP_MODE_V2) {
    struct sk_cg_hier *h = &cg->h[cg->v2];
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0)
      return sk_failno(err, "inotify_init");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d/memory.events", h->dirfd);
    if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
      close(fd);
      return sk_failno(err, "watch memory.events");
    }
    return fd;
  }
  struct sk_cg_hier *h = sk_cg_v1(cg, "memory");
  if (!h || h->dirfd < 0)
    return sk_failx(err, "no memory cgroup: OOM events are not available");
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    return sk_failno(err, "eventfd");
  _cleanup_close_ int ofd = openat(h->dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int cfd = openat(h->dirfd, "cgroup.event_control", O_WRONLY | O_CLOEXEC);
  char buf[64];
  if (ofd < 0 || cfd < 0) {
    close(efd);
    return sk_failno(err, "open memory.oom_control");
  }
  int n = snprintf(buf, sizeof buf, "%d %d", efd, ofd);
  if (write(cfd, buf, (size_t)n) < 0) {
    close(efd);
    return sk_failno(err, "register for OOM notifications");
  }
  return efd;
}

int sk_cgroup_oom_read(struct sk_cgroup *cg, int fd)
{
  if (cg->mode == SK_CGROUP_MODE_V2) {
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0)
      ;
    static uint64_t last;
    _cleanup_free_ char *ev = NULL;
    if (sk_cg_read(&cg->h[cg->v2], "memory.events", &ev) < 0)
      return 0;
    uint64_t now = keyed(ev, "oom_kill");
    int d = (int)(now - last);
    last = now;
    return d > 0 ? d : 0;
  }
  uint64_t v = 0;
  if (read(fd, &v, sizeof v) != sizeof v)
    return 0;
  return (int)v;
}
