/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff list [--format table|json] [--quiet] */
#include "config.h"
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include "cli.h"
#include "log.h"
#include "skiff-cli.h"
#include "state.h"
#include "utils.h"

static const char usage[] =
    "Usage: skiff list [OPTIONS]\n"
    "List the containers under the state root.\n"
    "\n"
    "Options:\n"
    "  -f, --format table|json  output format (default table: ID PID STATUS BUNDLE CREATED\n"
    "                           OWNER; json: an array of state objects)\n"
    "  -q, --quiet              print only the IDs\n"
    "  -h, --help               this help\n";

struct entry {
  struct sk_state st;
  enum sk_status status;
  char owner[64];
};

/* runc prints the owner's user name, or "#UID" when it has none.  Read from /etc/passwd directly:
 * skiff is a static binary, and glibc's NSS would want shared libraries for getpwuid. */
static void owner_name(uid_t uid, char *buf, size_t size)
{
  snprintf(buf, size, "#%u", (unsigned)uid);
  FILE *f = fopen("/etc/passwd", "re");
  if (!f)
    return;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2)
      continue;
    if ((uid_t)strtoul(c2 + 1, NULL, 10) == uid && c2[1] >= '0' && c2[1] <= '9') {
      *c1 = '\0';
      snprintf(buf, size, "%.63s", line);
      break;
    }
  }
  fclose(f);
}

/* Read one container without taking its lock: list must not wait behind a long command.
 * Returns false for entries that cannot be read (a create that has not written its state yet). */
static bool load(int rootfd, const char *id, struct entry *e)
{
  _cleanup_close_ int dirfd = -1;
  sk_err_t err = NULL;
  if (sk_state_open_unlocked(rootfd, id, &dirfd, &err) < 0 ||
      sk_state_read(dirfd, &e->st, &err) < 0) {
    sk_debug("list: skipping \"%s\": %s", id, err->msg);
    sk_err_free(&err);
    return false;
  }
  e->status = sk_state_status(dirfd, &e->st);
  owner_name(e->st.owner, e->owner, sizeof e->owner);
  return true;
}

static void gen_str(yajl_gen g, const char *s)
{
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void print_json(struct entry *v, size_t n)
{
  yajl_gen g = yajl_gen_alloc(NULL);
  if (g == NULL)
    abort();
  yajl_gen_array_open(g);
  for (size_t i = 0; i < n; i++) {
    const struct sk_state *st = &v[i].st;
    yajl_gen_map_open(g);
    gen_str(g, "ociVersion");
    gen_str(g, "1.2.0");
    gen_str(g, "id");
    gen_str(g, st->id);
    gen_str(g, "pid");
    yajl_gen_integer(g, v[i].status == SK_STATUS_STOPPED ? 0 : st->pid);
    gen_str(g, "status");
    gen_str(g, sk_status_name(v[i].status));
    gen_str(g, "bundle");
    gen_str(g, st->bundle ? st->bundle : "");
    gen_str(g, "rootfs");
    gen_str(g, st->rootfs ? st->rootfs : "");
    gen_str(g, "created");
    gen_str(g, st->created ? st->created : "");
    if (st->annotations_len) {
      gen_str(g, "annotations");
      yajl_gen_map_open(g);
      for (size_t j = 0; j < st->annotations_len; j++) {
        gen_str(g, st->annotations[j].key);
        gen_str(g, st->annotations[j].value);
      }
      yajl_gen_map_close(g);
    }
    gen_str(g, "owner");
    gen_str(g, v[i].owner);
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  fwrite(buf, 1, len, stdout);
  fputc('\n', stdout);
  yajl_gen_free(g);
}

/* Like runc (Go's tabwriter: minimum width 12, padding 3); the last column is not padded. */
static void print_table(struct entry *v, size_t n)
{
  enum { NCOL = 6 };
  static const char *const head[NCOL] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  size_t w[NCOL];
  char pid[24];
  for (int c = 0; c < NCOL; c++)
    w[c] = strlen(head[c]);
  for (size_t i = 0; i < n; i++) {
    const char *cell[NCOL] = {v[i].st.id,
                              pid,
                              sk_status_name(v[i].status),
                              v[i].st.bundle ? v[i].st.bundle : "",
                              v[i].st.created ? v[i].st.created : "",
                              v[i].owner};
    snprintf(pid, sizeof pid, "%d", v[i].status == SK_STATUS_STOPPED ? 0 : (int)v[i].st.pid);
    for (int c = 0; c < NCOL; c++)
      if (strlen(cell[c]) > w[c])
        w[c] = strlen(cell[c]);
  }
  for (int c = 0; c < NCOL - 1; c++)
    w[c] = w[c] + 3 < 12 ? 12 : w[c] + 3;
  for (size_t i = 0; i <= n; i++) {
    const char *cell[NCOL];
    if (i == 0) {
      memcpy(cell, head, sizeof cell);
    } else {
      const struct entry *e = &v[i - 1];
      snprintf(pid, sizeof pid, "%d", e->status == SK_STATUS_STOPPED ? 0 : (int)e->st.pid);
      const char *row[NCOL] = {e->st.id,
                               pid,
                               sk_status_name(e->status),
                               e->st.bundle ? e->st.bundle : "",
                               e->st.created ? e->st.created : "",
                               e->owner};
      memcpy(cell, row, sizeof cell);
    }
    for (int c = 0; c < NCOL - 1; c++)
      printf("%-*s", (int)w[c], cell[c]);
    printf("%s\n", cell[NCOL - 1]);
  }
}

enum { OPT_QUIET = 256 };

int cmd_list(struct sk_global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"quiet", optional_argument, NULL, OPT_QUIET},
                                       {"help", no_argument, NULL, 'h'},
                                       {0}};
  const char *format = "table";
  bool quiet = false;
  int c, r;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, ":f:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'q':
    case OPT_QUIET:
      if ((r = cli_bool("list", "quiet", c == 'q' ? NULL : optarg, &quiet)) != CLI_CONTINUE)
        return r;
      break;
    case 'h':
      return cli_help(usage);
    default:
      return cli_bad_option("list", argv, c);
    }
  }
  bool json = strcmp(format, "json") == 0;
  if (!json && strcmp(format, "table") != 0)
    return cli_error("list: --format \"%s\": expected table or json", format);
  if (optind < argc)
    return cli_error("list: unexpected argument \"%s\" (list takes none)", argv[optind]);

  sk_err_t err = NULL;
  _cleanup_close_ int rootfd = -1;
  _cleanup_strv_ char **ids = NULL;
  if (sk_state_root_open(g->root, &rootfd, &err) < 0 || sk_state_list(rootfd, &ids, &err) < 0)
    return cli_fail(&err);

  size_t n = 0, total = sk_strv_len(ids);
  struct entry *v = xzalloc((total ? total : 1) * sizeof *v);
  for (size_t i = 0; i < total; i++)
    if (load(rootfd, ids[i], &v[n]))
      n++;
  if (quiet) {
    for (size_t i = 0; i < n; i++)
      printf("%s\n", v[i].st.id);
  } else if (json) {
    print_json(v, n);
  } else {
    print_table(v, n);
  }
  for (size_t i = 0; i < n; i++)
    sk_state_clear(&v[i].st);
  free(v);
  if (fflush(stdout) != 0)
    return cli_error("list: write to stdout failed");
  return 0;
}
