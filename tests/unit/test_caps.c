/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capabilities: apply the sets in forked children (as root) and read them back from
 * /proc/self/status before exec. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "unit.h"

/* spec.c has the real table; this stand-in only matters when the test is linked without it. */
__attribute__((weak)) const char *sk_cap_name(int cap)
{
  return NULL;
}

#define BIT(n) (UINT64_C(1) << (n))
enum { CHOWN = 0, KILL = 5, SETPCAP = 8, NET_BIND = 10, NET_RAW = 13, SYS_ADMIN = 21 };

static uint64_t status_field(const char *name)
{
  FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  uint64_t v = UINT64_MAX;
  size_t n = strlen(name);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':')
      v = strtoull(line + n + 1, NULL, 16);
  if (f)
    fclose(f);
  return v;
}

/* Exit code: a bit per mismatching field, 64 for an error. */
static int child_nonroot(void)
{
  struct sk_capabilities c = {
      .bounding = BIT(CHOWN) | BIT(KILL) | BIT(NET_BIND),
      .effective = BIT(CHOWN) | BIT(NET_BIND),
      .permitted = BIT(CHOWN) | BIT(KILL) | BIT(NET_BIND),
      .inheritable = BIT(NET_BIND),
      .ambient = BIT(NET_BIND) | BIT(KILL), /* KILL is not inheritable: skipped */
  };
  sk_err_t err = NULL;
  if (sk_caps_apply_bounding(&c, &err) < 0)
    return 64;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(1000, 1000, 1000) < 0 ||
      setresuid(1000, 1000, 1000) < 0)
    return 65;
  if (sk_caps_apply(&c, &err) < 0) {
    fprintf(stderr, "%s\n", err->msg);
    return 66;
  }
  int bad = 0;
  bad |= (status_field("CapBnd") != c.bounding) << 0;
  bad |= (status_field("CapEff") != c.effective) << 1;
  bad |= (status_field("CapPrm") != c.permitted) << 2;
  bad |= (status_field("CapInh") != c.inheritable) << 3;
  bad |= (status_field("CapAmb") != BIT(NET_BIND)) << 4;
  return bad;
}

static int child_no_section(void)
{
  /* A caller with inheritable capabilities: none may reach the container (CVE-2022-29162). */
  uint64_t prm = status_field("CapPrm"); /* not always everything (this host lacks some) */
  struct sk_capabilities inh = {
      .effective = prm, .permitted = prm, .inheritable = (BIT(CHOWN) | BIT(NET_RAW)) & prm};
  sk_err_t err = NULL;
  uint64_t eff = status_field("CapEff");
  if (sk_caps_apply(&inh, &err) < 0) {
    fprintf(stderr, "%s\n", err->msg);
    return 64;
  }
  if (status_field("CapInh") != inh.inheritable)
    return 67;
  if (sk_caps_apply(NULL, &err) < 0)
    return 65;
  int bad = 0;
  bad |= (status_field("CapInh") != 0) << 0;
  bad |= (status_field("CapEff") != eff) << 1;
  bad |= (status_field("CapAmb") != 0) << 2;
  return bad;
}

static int child_effective_not_permitted(void)
{
  struct sk_capabilities c = {.effective = BIT(SYS_ADMIN), .permitted = BIT(CHOWN)};
  sk_err_t err = NULL;
  if (sk_caps_apply(&c, &err) == 0)
    return 1;
  return strstr(err->msg, "effective") && strstr(err->msg, "21") ? 0 : 2;
}

static int run(int (*fn)(void))
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(fn());
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    fprintf(stderr, "child status %#x\n", st);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  int last = -1;
  if (f) {
    CHECK(fscanf(f, "%d", &last) == 1);
    fclose(f);
  }
  CHECK(sk_cap_last_cap() == last);
  if (geteuid() != 0) {
    printf("not root: only cap_last_cap checked\n");
    return UNIT_DONE();
  }
  CHECK(run(child_nonroot) == 0);
  CHECK(run(child_no_section) == 0);
  CHECK(run(child_effective_not_permitted) == 0);
  return UNIT_DONE();
}
