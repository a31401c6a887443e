/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff features: the runtime-spec "Features structure" (features.md, features-linux.md of
 * runtime-spec 1.2.0): what this build recognises, for callers that adapt to the runtime. */
#include "config.h"
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include "cli.h"
#include "seccomp.h"
#include "skiff-cli.h"
#include "spec.h"

static const char usage[] = "Usage: skiff features\n"
                            "Print the OCI runtime features JSON of this build of skiff.\n"
                            "\n"
                            "Options:\n"
                            "  -h, --help   this help\n";

static const char *const hooks[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
    NULL};

/* Generic mount flags and propagation / recursive-attribute options the rootfs code recognises
 * (filesystem data options like mode= or size= are not listed, as the spec asks). */
static const char *const mount_options[] = {
    "async",       "atime",          "bind",        "defaults",
    "dev",         "diratime",       "dirsync",     "exec",
    "idmap",       "iversion",       "lazytime",    "loud",
    "mand",        "noatime",        "nodev",       "nodiratime",
    "noexec",      "noiversion",     "nolazytime",  "nomand",
    "norelatime",  "nostrictatime",  "nosuid",      "nosymfollow",
    "private",     "ratime",         "rbind",       "rdev",
    "rdiratime",   "relatime",       "remount",     "rexec",
    "rnoatime",    "rnodev",         "rnodiratime", "rnoexec",
    "rnorelatime", "rnostrictatime", "rnosuid",     "rnosymfollow",
    "ro",          "rprivate",       "rrelatime",   "rro",
    "rrw",         "rshared",        "rslave",      "rstrictatime",
    "rsuid",       "rsymfollow",     "runbindable", "rw",
    "shared",      "silent",         "slave",       "strictatime",
    "suid",        "symfollow",      "sync",        "unbindable",
    NULL};

static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                         "time",   "user", "uts",   NULL};

static void str(yajl_gen g, const char *s)
{
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void str_array(yajl_gen g, const char *key, const char *const *v)
{
  str(g, key);
  yajl_gen_array_open(g);
  for (; v && *v; v++)
    str(g, *v);
  yajl_gen_array_close(g);
}

static void kv_bool(yajl_gen g, const char *key, bool b)
{
  str(g, key);
  yajl_gen_bool(g, b);
}

static void enabled(yajl_gen g, const char *key, bool b)
{
  str(g, key);
  yajl_gen_map_open(g);
  kv_bool(g, "enabled", b);
  yajl_gen_map_close(g);
}

/* The kernel checks the flags of SECCOMP_SET_MODE_FILTER before it reads the program: with a
 * NULL program a known flag fails with EFAULT, an unknown one with EINVAL.  Nothing is installed.
 */
static bool seccomp_flag_supported(const char *name)
{
  static const struct {
    const char *name;
    unsigned long flag;
  } flags[] = {
      {"SECCOMP_FILTER_FLAG_TSYNC", 1UL << 0},
      {"SECCOMP_FILTER_FLAG_LOG", 1UL << 1},
      {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1UL << 2},
      {"SECCOMP_FILTER_FLAG_NEW_LISTENER", 1UL << 3},
      {"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", 1UL << 4},
      /* only valid together with NEW_LISTENER */
      {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", (1UL << 5) | (1UL << 3)},
  };
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (strcmp(flags[i].name, name) != 0)
      continue;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].flag, NULL);
    return r < 0 && errno == EFAULT;
  }
  return false;
}

int cmd_features(struct sk_global_opts *g_opts, int argc, char **argv)
{
  int r = cli_parse_plain("features", usage, argc, argv, 0, -1, "argument");
  if (r != CLI_CONTINUE)
    return r;
  if (optind < argc)
    return cli_error("features: unexpected argument \"%s\"", argv[optind]);

  yajl_gen g = yajl_gen_alloc(NULL);
  if (g == NULL)
    abort();
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_config(g, yajl_gen_indent_string, "    ");
  yajl_gen_map_open(g);
  str(g, "ociVersionMin");
  str(g, "1.0.0");
  str(g, "ociVersionMax");
  str(g, "1.2.0");
  str_array(g, "hooks", hooks);
  str_array(g, "mountOptions", mount_options);

  str(g, "linux");
  yajl_gen_map_open(g);
  str_array(g, "namespaces", namespaces);
  str(g, "capabilities");
  yajl_gen_array_open(g);
  for (int cap = 0; cap <= SK_CAP_MAX; cap++) {
    const char *name = sk_cap_name(cap);
    if (name)
      str(g, name);
  }
  yajl_gen_array_close(g);

  str(g, "cgroup");
  yajl_gen_map_open(g);
  kv_bool(g, "v1", true);
  kv_bool(g, "v2", true);
  kv_bool(g, "systemd", false);
  kv_bool(g, "systemdUser", false);
  kv_bool(g, "rdma", true);
  yajl_gen_map_close(g);

  str(g, "seccomp");
  yajl_gen_map_open(g);
  kv_bool(g, "enabled", true);
  str_array(g, "actions", sk_seccomp_known_actions());
  str_array(g, "operators", sk_seccomp_known_operators());
  str_array(g, "archs", sk_seccomp_known_archs());
  const char *const *known = sk_seccomp_known_flags();
  str_array(g, "knownFlags", known);
  str(g, "supportedFlags");
  yajl_gen_array_open(g);
  for (const char *const *f = known; f && *f; f++)
    if (seccomp_flag_supported(*f))
      str(g, *f);
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);

  /* Whether skiff implements them, not whether this host runs them (features-linux.md). */
  enabled(g, "apparmor", true);
  enabled(g, "selinux", true);
  enabled(g, "intelRdt", false);
  str(g, "mountExtensions");
  yajl_gen_map_open(g);
  enabled(g, "idmap", true);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g); /* linux */

  str(g, "annotations");
  yajl_gen_map_open(g);
  const char *seccomp = cli_libseccomp_version();
  if (seccomp) {
    str(g, "io.github.seccomp.libseccomp.version");
    str(g, seccomp);
  }
  str(g, "org.skiff.version");
  str(g, PACKAGE_VERSION);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);

  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  fwrite(buf, 1, len, stdout);
  if (len && buf[len - 1] != '\n')
    fputc('\n', stdout);
  yajl_gen_free(g);
  if (fflush(stdout) != 0)
    return cli_error("features: write to stdout failed");
  return 0;
}
