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

/* A container loaded with its cgroup; the state directory stays locked until unload_cg. */
struct loaded {
  int dirfd;
  struct sk_state st;
  struct sk_cgroup *cg;
};

static int load_cg(const struct sk_global_opts *g, const char *id, struct loaded *l, sk_err_t *err)
{
  l->dirfd = -1;
  memset(&l->st, 0, sizeof l->st);
  l->cg = NULL;
  if (sk_container_load(g, id, NULL, &l->dirfd, &l->st, NULL, err) < 0)
    return -1;
  if (!l->st.cgroup)
    return sk_failx(err, "container \"%s\" has no cgroup (created with --cgroup-manager disabled)",
                    id);
  return sk_cgroup_load(l->st.cgroup, &l->cg, err);
}

static void unload_cg(struct loaded *l)
{
  sk_cgroup_free(l->cg);
  l->cg = NULL;
  sk_state_clear(&l->st);
  if (l->dirfd >= 0)
    close(l->dirfd);
  l->dirfd = -1;
}

int sk_container_pause(const struct sk_global_opts *g, const char *id, bool pause, sk_err_t *err)
{
  struct loaded l;
  int ret = -1;
  if (load_cg(g, id, &l, err) < 0)
    goto out;
  enum sk_status s = sk_state_status(l.dirfd, &l.st);
  if (pause && s != SK_STATUS_RUNNING && s != SK_STATUS_CREATED)
    sk_failx(err, "container \"%s\" is %s: only a running container can be paused", id,
             sk_status_name(s));
  else if (!pause && s != SK_STATUS_PAUSED)
    sk_failx(err, "container \"%s\" is %s, not paused", id, sk_status_name(s));
  else
    ret = sk_cgroup_freeze(l.cg, pause, err);
out:
  unload_cg(&l);
  return ret;
}

int sk_container_update(const struct sk_global_opts *g, const char *id,
                        const struct sk_resources *r, sk_err_t *err)
{
  struct loaded l;
  int ret = -1;
  if (load_cg(g, id, &l, err) < 0)
    goto out;
  if (sk_state_status(l.dirfd, &l.st) == SK_STATUS_STOPPED)
    sk_failx(err, "container \"%s\" is stopped: nothing to update", id);
  else
    ret = sk_cgroup_update(l.cg, r, err);
out:
  unload_cg(&l);
  return ret;
}

int sk_container_pids(const struct sk_global_opts *g, const char *id, pid_t **pids, size_t *n,
                      sk_err_t *err)
{
  struct loaded l;
  int ret = load_cg(g, id, &l, err);
  if (ret == 0)
    ret = sk_cgroup_pids(l.cg, pids, n, err);
  unload_cg(&l);
  return ret;
}

int sk_container_open_cgroup(const struct sk_global_opts *g, const char *id, struct sk_cgroup **cg,
                             pid_t *init, sk_err_t *err)
{
  struct loaded l;
  *cg = NULL;
  int ret = load_cg(g, id, &l, err);
  if (ret == 0 && sk_state_status(l.dirfd, &l.st) == SK_STATUS_STOPPED)
    ret = sk_failx(err, "container \"%s\" is stopped", id);
  else if (ret == 0)
    *cg = steal_ptr(l.cg);
  if (init)
    *init = l.st.pid;
  unload_cg(&l); /* events runs for long: it must not hold the lock */
  return ret;
}
