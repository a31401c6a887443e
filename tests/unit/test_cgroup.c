/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the cgroup front end: v1->v2 conversions, the state.json description, the
 * device rule list, and the path checks (which refuse before touching any hierarchy). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "cgroup_internal.h"
#include "unit.h"
#include "utils.h"

static void test_shares_to_weight(void)
{
  CHECK(sk_cg_shares_to_weight(2) == 1);
  CHECK(sk_cg_shares_to_weight(512) == 20);
  CHECK(sk_cg_shares_to_weight(1024) == 39);
  CHECK(sk_cg_shares_to_weight(262144) == 10000);
  CHECK(sk_cg_shares_to_weight(1) == 1);           /* clamped */
  CHECK(sk_cg_shares_to_weight(1000000) == 10000); /* clamped */
}

static void test_save_load(void)
{
  const char *saved = "hybrid|memory=/a/b|cpu,cpuacct=/a/b|@unified=/a/b:2";
  struct sk_cgroup *cg = NULL;
  sk_err_t err = NULL;
  CHECK(sk_cgroup_load(saved, &cg, &err) == 0);
  if (!cg)
    return;
  CHECK(cg->mode == SK_CGROUP_MODE_HYBRID);
  CHECK(cg->n == 3 && cg->v2 == 2);
  CHECK(!strcmp(sk_cgroup_path(cg), "/a/b"));
  CHECK(sk_cg_v1(cg, "cpuacct") == &cg->h[1]);
  CHECK(sk_cg_v1(cg, "cpuset") == NULL);
  CHECK(cg->h[0].created == 2 && cg->h[2].created == 2);
  CHECK(cg->h[0].dirfd < 0); /* not on this host: skipped by every user */
  _cleanup_free_ char *again = sk_cgroup_save(cg);
  CHECK(!strcmp(again, saved));
  sk_cgroup_free(cg);

  cg = NULL;
  CHECK(sk_cgroup_load("v2|@=/x", &cg, &err) == 0);
  if (cg) {
    CHECK(cg->mode == SK_CGROUP_MODE_V2 && cg->n == 1 && cg->v2 == 0);
    _cleanup_free_ char *s = sk_cgroup_save(cg);
    CHECK(!strcmp(s, "v2|@=/x"));
    sk_cgroup_free(cg);
  }
  cg = NULL;
  CHECK(sk_cgroup_load("v1|nonsense", &cg, &err) < 0);
  CHECK(err && strstr(err->msg, "state.json"));
  sk_err_free(&err);
}

static void test_device_rules(void)
{
  struct sk_device_rule mine[] = {{true, 'b', 8, 0, "r"}};
  struct sk_resources r = {.devices = mine, .devices_len = 1};
  struct sk_device devs[] = {{.path = (char *)"/dev/fuse", .type = 'c', .major = 10, .minor = 229},
                             {.path = (char *)"/dev/p", .type = 'p'}};
  struct sk_cgroup cg = {.devices = devs, .devices_len = 2};
  size_t n = 0;
  _cleanup_free_ struct sk_device_rule *rules = sk_cg_device_rules(&cg, &r, &n);
  CHECK(n >= 4);
  /* deny all first, then the config's rules, the standard ones, linux.devices last */
  CHECK(!rules[0].allow && rules[0].type == 'a' && rules[0].major < 0);
  CHECK(rules[1].allow && rules[1].type == 'b' && rules[1].major == 8 &&
        !strcmp(rules[1].access, "r"));
  CHECK(rules[n - 1].allow && rules[n - 1].type == 'c' && rules[n - 1].major == 10 &&
        rules[n - 1].minor == 229 && !strcmp(rules[n - 1].access, "rwm"));
  bool null_dev = false;
  for (size_t i = 0; i < n; i++)
    null_dev |=
        rules[i].allow && rules[i].type == 'c' && rules[i].major == 1 && rules[i].minor == 3;
  CHECK(null_dev);
}

static void test_paths_refused(void)
{
  struct sk_cgroup *cg = (struct sk_cgroup *)1;
  sk_err_t err = NULL;
  struct sk_cgroup_config c = {.id = "x", .cgroups_path = "system.slice:skiff:x"};
  CHECK(sk_cgroup_create(&c, &cg, &err) < 0 && cg == NULL);
  CHECK(err && strstr(err->msg, "systemd"));
  sk_err_free(&err);
  c.cgroups_path = "/a/../../etc";
  CHECK(sk_cgroup_create(&c, &cg, &err) < 0);
  CHECK(err && strstr(err->msg, ".."));
  sk_err_free(&err);
  c.cgroups_path = "/";
  CHECK(sk_cgroup_create(&c, &cg, &err) < 0);
  sk_err_free(&err);
  c.manager = SK_CGROUP_MANAGER_DISABLED;
  cg = (struct sk_cgroup *)1;
  CHECK(sk_cgroup_create(&c, &cg, &err) == 0 && cg == NULL);
}

int main(void)
{
  test_shares_to_weight();
  test_save_load();
  test_device_rules();
  test_paths_refused();
  return UNIT_DONE();
}
