/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.capabilities, with raw capset/prctl: one capset for three sets, no allocation, no
 * libcap state (libcap's cap_set_proc costs more and brings nothing here). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "utils.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* The kernel's last capability, found with PR_CAPBSET_READ (EINVAL past the last one) rather
 * than /proc/sys/kernel/cap_last_cap: the init calls this after pivot_root, where /proc is the
 * container's and a file mounted over /proc/sys could lie and make us keep capabilities in the
 * bounding set.  A binary search costs 6 prctl calls; the result is cached (and inherited by the
 * init when the runtime called it before clone). */
int sk_cap_last_cap(void)
{
  static int last = -1;
  if (last >= 0)
    return last;
  int lo = 0, hi = SK_CAP_MAX; /* invariant: lo is valid, everything above hi is not */
  if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) < 0)
    return last = CAP_LAST_CAP; /* no bounding set at all: trust the headers */
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
      lo = mid;
    else
      hi = mid - 1;
  }
  return last = lo;
}

static uint64_t known_mask(void)
{
  int last = sk_cap_last_cap();
  return last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

static const char *cap_label(int cap, char *buf, size_t size)
{
  const char *n = sk_cap_name(cap);
  if (n)
    return n;
  snprintf(buf, size, "capability %d", cap);
  return buf;
}

int sk_caps_check(const struct sk_capabilities *caps, sk_err_t *err)
{
  if (!caps)
    return 0;
  uint64_t known = known_mask();
  uint64_t all =
      caps->bounding | caps->effective | caps->permitted | caps->inheritable | caps->ambient;
  char buf[32];
  for (int c = 0; c <= SK_CAP_MAX; c++)
    if ((all & ~known) & (UINT64_C(1) << c))
      sk_warn("capability %s is not known to the running kernel: skipped",
              cap_label(c, buf, sizeof buf));
  uint64_t extra = caps->effective & ~caps->permitted & known;
  for (int c = 0; c <= SK_CAP_MAX; c++)
    if (extra & (UINT64_C(1) << c))
      return sk_failx(err,
                      "config.json: process.capabilities.effective: %s is not in the permitted "
                      "set",
                      cap_label(c, buf, sizeof buf));
  return 0;
}

int sk_caps_apply_bounding(const struct sk_capabilities *caps, sk_err_t *err)
{
  if (!caps)
    return 0; /* no capabilities section: the bounding set stays as it is */
  int last = sk_cap_last_cap();
  uint64_t known = known_mask();
  char buf[32];
  uint64_t unknown =
      (caps->bounding | caps->effective | caps->permitted | caps->inheritable | caps->ambient) &
      ~known;
  for (int c = last + 1; c <= SK_CAP_MAX && unknown; c++)
    if (unknown & (UINT64_C(1) << c))
      sk_warn("capability %s is not known to the running kernel: skipped",
              cap_label(c, buf, sizeof buf));
  for (int c = 0; c <= last; c++) {
    if (caps->bounding & (UINT64_C(1) << c))
      continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return sk_failno(err, "drop %s from the bounding set", cap_label(c, buf, sizeof buf));
  }
  return 0;
}

static int capset_raw(uint64_t eff, uint64_t perm, uint64_t inh)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2] = {
      {.effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh},
      {.effective = (uint32_t)(eff >> 32),
       .permitted = (uint32_t)(perm >> 32),
       .inheritable = (uint32_t)(inh >> 32)},
  };
  return (int)syscall(SYS_capset, &hdr, d);
}

static int capget_raw(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &hdr, d) < 0)
    return -1;
  *eff = d[0].effective | (uint64_t)d[1].effective << 32;
  *perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
  *inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
  return 0;
}

int sk_caps_apply(const struct sk_capabilities *caps, sk_err_t *err)
{
  /* Ambient first: capset below then cannot leave a stale ambient bit behind.  EINVAL: a kernel
   * without ambient capabilities (< 4.3) has nothing to clear. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return sk_failno(err, "clear the ambient capabilities");

  if (!caps) {
    /* No capabilities section: keep what the user has (root keeps everything), but never pass
     * on the caller's inheritable set (CVE-2022-29162). */
    uint64_t eff, perm, inh;
    if (capget_raw(&eff, &perm, &inh) < 0)
      return sk_failno(err, "capget");
    if (inh && capset_raw(eff, perm, 0) < 0)
      return sk_failno(err, "clear the inheritable capabilities");
    return 0;
  }

  uint64_t known = known_mask();
  uint64_t eff = caps->effective & known, perm = caps->permitted & known;
  /* Inheritable is exactly what was asked for, empty when absent (CVE-2022-29162). */
  uint64_t inh = caps->inheritable & known;
  char buf[32];
  /* What skiff itself lacks (a runtime started with a reduced set, e.g. inside another
   * container) cannot be given: skipped with a warning rather than failing the container, the
   * way a capability unknown to the kernel is. */
  uint64_t cur_eff, cur_perm, cur_inh;
  if (capget_raw(&cur_eff, &cur_perm, &cur_inh) == 0) {
    uint64_t missing = (eff | perm | inh | caps->ambient) & known & ~cur_perm;
    for (int c = 0; c <= SK_CAP_MAX && missing; c++)
      if (missing & (UINT64_C(1) << c))
        sk_warn("capability %s is not held by skiff: skipped", cap_label(c, buf, sizeof buf));
    eff &= cur_perm;
    perm &= cur_perm;
    inh &= cur_perm | cur_inh;
  }
  if (capset_raw(eff, perm, inh) < 0) {
    int e = errno;
    for (int c = 0; c <= SK_CAP_MAX; c++)
      if ((eff & ~perm) & (UINT64_C(1) << c))
        return sk_failx(err, "process.capabilities.effective: %s is not in the permitted set",
                        cap_label(c, buf, sizeof buf));
    return sk_fail(err, e,
                   "set the capabilities (effective %#" PRIx64 ", permitted %#" PRIx64
                   ", inheritable %#" PRIx64 ")",
                   eff, perm, inh);
  }

  uint64_t amb = caps->ambient & known;
  for (int c = 0; c <= SK_CAP_MAX && amb; c++) {
    uint64_t bit = UINT64_C(1) << c;
    if (!(amb & bit))
      continue;
    /* The kernel raises an ambient capability only when it is both permitted and inheritable;
     * runc and crun skip it and go on, so do we (quietly: runc's own default spec asks for it). */
    if (!(perm & inh & bit)) {
      sk_debug("cannot raise ambient capability %s: it is not in both the permitted and the "
               "inheritable set",
               cap_label(c, buf, sizeof buf));
      continue;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
      if (errno == EINVAL)
        break; /* no ambient capabilities on this kernel */
      return sk_failno(err, "raise the ambient capability %s", cap_label(c, buf, sizeof buf));
    }
  }
  return 0;
}
