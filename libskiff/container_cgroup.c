/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lifecycle commands that act on a container's cgroup: pause/resume, update, ps, stats. */
#include "config.h"
#include "container.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "container_cgroup.h"
#include "log.h"
#include "utils.h"

/* Load a container and its cgroup; the state directory stays locked in *dirfd. */
static int load_cg(const struct sk_global_opts *g, const char *id, int *dirfd, struct sk_state *st,
                   struct sk_cgroup **cg, sk_err_t *err)
{
  if (sk_container_load(g, id, NULL, dirfd, st, NULL, err) < 0)
    return -1;
  if (!st->cgroup)
    return sk_failx(err, "container \"%s\" has no cgroup (created with --cgroup-manager disabled)",
                    id);
  return sk_cgroup_load(st->cgroup, cg, err);
}

int sk_container_pause(const struct sk_global_opts *g, const char *id, bool pause, sk_err_t *err)
{
  int dirfd = -1;
  struct sk_state st = {0};
  struct sk_cgroup *cg = NULL;
  int ret = -1;
  if (load_cg(g, id, &dirfd, &st, &cg, err) < 0)
    goto out;
  enum sk_status s = sk_state_status(dirfd, &st);
  if (pause && s != SK_STATUS_RUNNING && s != SK_STATUS_CREATED) {
    sk_failx(err, "container \"%s\" is %s: only a running container can be paused", id,
             sk_status_name(s));
    goto out;
  }
  if (!pause && s != SK_STATUS_PAUSED) {
    sk_failx(err, "container \"%s\" is %s, not paused", id, sk_status_name(s));
    goto out;
  }
  ret = sk_cgroup_freeze(cg, pause, err);
out:
  sk_cgroup_free(cg);
  sk_state_clear(&st);
  if (dirfd >= 0)
    close(dirfd);
  return ret;
}

int sk_container_update(const struct sk_global_opts *g, const char *id,
                        const struct sk_resources *r, sk_err_t *err)
{
  int dirfd = -1;
  struct sk_state st = {0};
  struct sk_cgroup *cg = NULL;
  int ret = -1;
  if (load_cg(g, id, &dirfd, &st, &cg, err) < 0)
    goto out;
  enum sk_status s = sk_state_status(dirfd, &st);
  if (s == SK_STATUS_STOPPED) {
    sk_failx(err, "container \"%s\" is stopped: nothing to update", id);
    goto out;
  }
  ret = sk_cgroup_update(cg, r, err);
out:
  sk_cgroup_free(cg);
  sk_state_clear(&st);
  if (dirfd >= 0)
    close(dirfd);
  return ret;
}

int sk_container_pids(const struct sk_global_opts *g, const char *id, pid_t **pids, size_t *n,
                      sk_err_t *err)
{
  int dirfd = -1;
  struct sk_state st = {0};
  struct sk_cgroup *cg = NULL;
  int ret = -1;
  if (load_cg(g, id, &dirfd, &st, &cg, err) < 0)
    goto out;
  ret = sk_cgroup_pids(cg, pids, n, err);
out:
  sk_cgroup_free(cg);
  sk_state_clear(&st);
  if (dirfd >= 0)
    close(dirfd);
  return ret;
}

int sk_container_open_cgroup(const struct sk_global_opts *g, const char *id, struct sk_cgroup **cg,
                             pid_t *init, sk_err_t *err)
{
  int dirfd = -1;
  struct sk_state st = {0};
  int ret = load_cg(g, id, &dirfd, &st, cg, err);
  if (ret == 0 && sk_state_status(dirfd, &st) == SK_STATUS_STOPPED) {
    sk_cgroup_free(*cg);
    *cg = NULL;
    ret = sk_failx(err, "container \"%s\" is stopped", id);
  }
  if (init)
    *init = st.pid;
  sk_state_clear(&st);
  if (dirfd >= 0)
    close(dirfd); /* events runs for long: it must not hold the lock */
  return ret;
}
