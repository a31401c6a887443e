/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp: compiled to classic BPF by the runtime, installed by the init with seccomp(2).
 *
 * libseccomp does all the work in sk_seccomp_prepare, before clone: the program is exported
 * (seccomp_export_bpf into a memfd) and kept as plain memory, which the init inherits.  The init
 * then needs one seccomp() call: no libseccomp state, no allocation, no /proc probing in the
 * container, and a bad profile fails `create` before anything exists.
 *
 * Because the runtime installs the program itself, the seccomp(2) flags (TSYNC, LOG, SPEC_ALLOW,
 * WAIT_KILLABLE_RECV, NEW_LISTENER) are passed directly rather than through libseccomp attributes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp_lib.h> /* libseccomp (see there) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "log.h"
#include "seccomp.h"
#include "utils.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

#define WHERE "config.json: linux.seccomp"
/* The OCI runtime-spec name of the notify fd in ContainerProcessState.fds. */
#define SECCOMP_FD_NAME "seccompFd"
#define SK_SECCOMP_OCI_VERSION "1.2.0"

struct sk_seccomp_filter {
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags; /* seccomp(2) SECCOMP_FILTER_FLAG_* */
  bool notify;        /* some rule uses SCMP_ACT_NOTIFY */
  char *metadata;     /* listenerMetadata */
};

/* The architectures libseccomp 2.5 knows; the OCI name is "SCMP_ARCH_" + upper-case of
 * libseccomp's own name. */
static const char *const arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     NULL,
};

static const struct {
  const char *name;
  unsigned int flag;
} flag_table[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const char *const flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};

const char *const *sk_seccomp_known_actions(void)
{
  return sk_seccomp_action_names;
}

const char *const *sk_seccomp_known_operators(void)
{
  return sk_seccomp_operator_names;
}

const char *const *sk_seccomp_known_archs(void)
{
  return arch_names;
}

const char *const *sk_seccomp_known_flags(void)
{
  return flag_names;
}

static const char *action_name(enum sk_seccomp_action a)
{
  return (unsigned)a <= SK_SCMP_ACT_NOTIFY ? sk_seccomp_action_names[a] : "?";
}

/* The libseccomp action value.  errnoRet is the errno of ERRNO and the message number of TRACE
 * (EPERM when absent, as runc); other actions ignore it. */
static int action_value(enum sk_seccomp_action a, const struct sk_opt_u64 *ret, uint32_t *out,
                        const char *where, sk_err_t *err)
{
  uint64_t data = ret->set ? ret->v : EPERM;
  if ((a == SK_SCMP_ACT_ERRNO || a == SK_SCMP_ACT_TRACE) && data > 0xffff)
    return sk_failx(err, "%s: %" PRIu64 " is out of range (0-65535)", where, data);
  switch (a) {
  case SK_SCMP_ACT_KILL:
  case SK_SCMP_ACT_KILL_THREAD:
    *out = SCMP_ACT_KILL_THREAD;
    return 0;
  case SK_SCMP_ACT_KILL_PROCESS:
    *out = SCMP_ACT_KILL_PROCESS;
    return 0;
  case SK_SCMP_ACT_TRAP:
    *out = SCMP_ACT_TRAP;
    return 0;
  case SK_SCMP_ACT_ERRNO:
    *out = SCMP_ACT_ERRNO((uint32_t)data);
    return 0;
  case SK_SCMP_ACT_TRACE:
    *out = SCMP_ACT_TRACE((uint32_t)data);
    return 0;
  case SK_SCMP_ACT_ALLOW:
    *out = SCMP_ACT_ALLOW;
    return 0;
  case SK_SCMP_ACT_LOG:
    *out = SCMP_ACT_LOG;
    return 0;
  case SK_SCMP_ACT_NOTIFY:
    *out = SCMP_ACT_NOTIFY;
    return 0;
  }
  return sk_failx(err, "%s: unknown action %d", where, (int)a);
}

static enum scmp_compare op_value(enum sk_seccomp_op op)
{
  switch (op) {
  case SK_SCMP_CMP_NE:
    return SCMP_CMP_NE;
  case SK_SCMP_CMP_LT:
    return SCMP_CMP_LT;
  case SK_SCMP_CMP_LE:
    return SCMP_CMP_LE;
  case SK_SCMP_CMP_EQ:
    return SCMP_CMP_EQ;
  case SK_SCMP_CMP_GE:
    return SCMP_CMP_GE;
  case SK_SCMP_CMP_GT:
    return SCMP_CMP_GT;
  case SK_SCMP_CMP_MASKED_EQ:
    return SCMP_CMP_MASKED_EQ;
  }
  return _SCMP_CMP_MIN; /* invalid: libseccomp rejects it */
}

static bool uses_notify(const struct sk_seccomp *sc)
{
  if (sc->default_action == SK_SCMP_ACT_NOTIFY)
    return true;
  for (size_t i = 0; i < sc->syscalls_len; i++)
    if (sc->syscalls[i].action == SK_SCMP_ACT_NOTIFY)
      return true;
  return false;
}

/* "SCMP_ARCH_X86_64" -> libseccomp token, 0 when libseccomp does not know it. */
static uint32_t arch_token(const char *name)
{
  char low[32];
  const char *s = name;
  if (strncmp(s, "SCMP_ARCH_", 10) != 0 || strlen(s + 10) >= sizeof low)
    return 0;
  size_t i = 0;
  for (s += 10; *s; s++)
    low[i++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
  low[i] = '\0';
  return seccomp_arch_resolve_name(low);
}

static void release_ctx(scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release(*ctx);
}

/* Checks that make a profile unusable before anything is compiled. */
static int check_profile(const struct sk_seccomp *sc, bool notify, sk_err_t *err)
{
  if (sc->default_action == SK_SCMP_ACT_NOTIFY)
    /* Every syscall of the init after the filter is loaded (sendmsg of the notify fd included)
     * would wait on a listener that has not received the fd yet. */
    return sk_failx(err, WHERE ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                               "(the notify fd could never reach the listener)");
  for (size_t i = 0; i < sc->syscalls_len; i++) {
    const struct sk_seccomp_syscall *s = &sc->syscalls[i];
    if (s->names_len == 0)
      return sk_failx(err, WHERE ".syscalls[%zu].names: at least one name is required", i);
    if (s->args_len > 6 * 6)
      return sk_failx(err, WHERE ".syscalls[%zu].args: too many conditions (%zu)", i, s->args_len);
    for (size_t j = 0; j < s->args_len; j++) {
      if (s->args[j].index > 5)
        return sk_failx(err, WHERE ".syscalls[%zu].args[%zu].index: %u is out of range (0-5)", i, j,
                        s->args[j].index);
      if ((unsigned)s->args[j].op > SK_SCMP_CMP_MASKED_EQ)
        return sk_failx(err, WHERE ".syscalls[%zu].args[%zu].op: unknown operator %d", i, j,
                        (int)s->args[j].op);
    }
    if (s->action != SK_SCMP_ACT_NOTIFY)
      continue;
    for (size_t j = 0; j < s->names_len; j++)
      if (strcmp(s->names[j], "sendmsg") == 0)
        /* The init sends the notify fd with sendmsg right after loading the filter. */
        return sk_failx(err,
                        WHERE ".syscalls[%zu].names[%zu]: SCMP_ACT_NOTIFY cannot be used for "
                              "sendmsg (skiff passes the notify fd to the listener with it)",
                        i, j);
  }
  if (notify && (!sc->listener_path || !*sc->listener_path))
    return sk_failx(err, WHERE ".listenerPath: required when a syscall uses SCMP_ACT_NOTIFY");
  return 0;
}

/* Add the rules of syscalls[i].  Conditions on distinct arguments are ANDed in one rule; when an
 * argument is compared more than once (which libseccomp cannot AND), each condition becomes a
 * rule of its own, ORed, as runc does. */
static int add_syscall(scmp_filter_ctx ctx, const struct sk_seccomp_syscall *s, size_t i,
                       uint32_t defact, sk_err_t *err)
{
  char where[64];
  uint32_t act;
  snprintf(where, sizeof where, WHERE ".syscalls[%zu].errnoRet", i);
  if (action_value(s->action, &s->errno_ret, &act, where, err) < 0)
    return -1;
  if (act == defact) {
    sk_debug("seccomp: syscalls[%zu] has the default action %s: skipped", i,
             action_name(s->action));
    return 0;
  }

  struct scmp_arg_cmp conds[6 * 6];
  unsigned int per_index[6] = {0};
  bool split = false;
  for (size_t j = 0; j < s->args_len; j++) {
    const struct sk_seccomp_arg *a = &s->args[j];
    conds[j] = (struct scmp_arg_cmp){
        .arg = a->index,
        .op = op_value(a->op),
        .datum_a = a->value,
        /* MASKED_EQ: (arg & value) == valueTwo; the others ignore datum_b */
        .datum_b = a->value_two,
    };
    if (++per_index[a->index] > 1)
      split = true;
  }

  for (size_t j = 0; j < s->names_len; j++) {
    const char *name = s->names[j];
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) {
      /* A newer profile than this libseccomp: the syscall cannot be filtered by number
       * anyway.  Skipped as runc does. */
      sk_debug("seccomp: syscall \"%s\" is unknown to libseccomp %u.%u.%u: skipped", name,
               SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
      continue;
    }
    int rc = 0;
    if (s->args_len == 0)
      rc = seccomp_rule_add_array(ctx, act, nr, 0, NULL);
    else if (!split)
      rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)s->args_len, conds);
    else
      for (size_t k = 0; k < s->args_len && rc == 0; k++)
        rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[k]);
    if (rc < 0)
      return sk_fail(err, -rc, WHERE ".syscalls[%zu]: add the %s rule for \"%s\"", i,
                     action_name(s->action), name);
  }
  return 0;
}

/* Export the compiled program into memory. */
static int export_bpf(scmp_filter_ctx ctx, struct sk_seccomp_filter *f, sk_err_t *err)
{
  _cleanup_close_ int mfd = memfd_create("skiff-seccomp", MFD_CLOEXEC);
  if (mfd < 0)
    return sk_failno(err, "seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx, mfd);
  if (rc < 0)
    return sk_fail(err, -rc, WHERE ": compile the filter");
  off_t size = lseek(mfd, 0, SEEK_CUR);
  if (size < 0)
    return sk_failno(err, "seccomp: lseek");
  if (size == 0 || size % sizeof(struct sock_filter) != 0)
    return sk_failx(err, WHERE ": libseccomp produced a program of %lld bytes", (long long)size);
  size_t n = (size_t)size / sizeof(struct sock_filter);
  if (n > BPF_MAXINSNS)
    return sk_failx(err,
                    WHERE ": the filter compiles to %zu BPF instructions; the kernel takes at "
                          "most %d",
                    n, BPF_MAXINSNS);
  f->insns = xmalloc((size_t)size);
  ssize_t r = pread(mfd, f->insns, (size_t)size, 0);
  if (r != size)
    return sk_fail(err, r < 0 ? errno : EIO, "seccomp: read the compiled filter");
  f->len = (unsigned short)n;
  return 0;
}

/* ---- a cache of compiled programs ----
 *
 * libseccomp needs ~3 ms for Docker's profile on one architecture and ~15 ms with the three x86
 * ones, more than the rest of a container start.  The program only depends on the profile, the
 * libseccomp version and the kernel (whose features libseccomp probes; its release and build
 * string stand for them), so it is kept in a file of the state root named after a hash of that
 * key.  The file holds the whole key, compared byte for byte on load: a hash collision can only
 * cost a recompile, never hand out another profile's program.  The state root is root-owned and
 * 0700, like every container's state. */

#define CACHE_MAGIC "skiff-seccomp-1\n"

/* A growable buffer: the key of Docker's profile is ~20 KB, built at every create. */
struct keybuf {
  char *p;
  size_t len, cap;
};

static void put(struct keybuf *b, const void *data, size_t n)
{
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 4096;
    b->p = xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

static void put_u64(struct keybuf *b, uint64_t v)
{
  put(b, &v, sizeof v);
}

static void put_str(struct keybuf *b, const char *s)
{
  size_t n = s ? strlen(s) : (size_t)-1;
  put_u64(b, n);
  if (s)
    put(b, s, n);
}

/* Everything the compiled program depends on, serialized unambiguously (lengths first). */
static char *cache_key(const struct sk_seccomp *sc, size_t *len)
{
  struct keybuf b = {0};
  struct utsname u;
  memset(&u, 0, sizeof u);
  uname(&u);
  const struct scmp_version *v = seccomp_version();
  put(&b, CACHE_MAGIC, strlen(CACHE_MAGIC));
  put_str(&b, u.release);
  put_str(&b, u.version);
  put_str(&b, u.machine);
  put_u64(&b, v ? (uint64_t)v->major << 32 | (uint64_t)v->minor << 16 | v->micro : 0);
  put_u64(&b, sc->default_action);
  put_u64(&b, sc->default_errno_ret.set);
  put_u64(&b, sc->default_errno_ret.v);
  put_u64(&b, sc->architectures_len);
  for (size_t i = 0; i < sc->architectures_len; i++)
    put_str(&b, sc->architectures[i]);
  put_u64(&b, sc->syscalls_len);
  for (size_t i = 0; i < sc->syscalls_len; i++) {
    const struct sk_seccomp_syscall *s = &sc->syscalls[i];
    uint64_t hdr[4] = {s->action, s->errno_ret.set, s->errno_ret.v, s->names_len};
    put(&b, hdr, sizeof hdr);
    for (size_t j = 0; j < s->names_len; j++)
      put_str(&b, s->names[j]);
    put_u64(&b, s->args_len);
    for (size_t j = 0; j < s->args_len; j++) {
      uint64_t a[4] = {s->args[j].index, s->args[j].op, s->args[j].value, s->args[j].value_two};
      put(&b, a, sizeof a);
    }
  }
  *len = b.len;
  return b.p;
}

/* FNV-1a, 64 bits: only names the file; the key inside decides. */
static uint64_t fnv1a(const char *p, size_t n)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * UINT64_C(0x100000001b3);
  return h;
}

/* File layout: u64 key length, key, program. */
static bool cache_load(int dirfd, const char *name, const char *key, size_t klen,
                       struct sk_seccomp_filter *f)
{
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return false;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (size_t)st.st_size <= sizeof(uint64_t) + klen)
    return false;
  size_t plen = (size_t)st.st_size - sizeof(uint64_t) - klen;
  if (plen % sizeof(struct sock_filter) != 0 || plen / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return false;
  _cleanup_free_ char *buf = xmalloc((size_t)st.st_size);
  if (sk_read_all(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
    return false;
  uint64_t stored;
  memcpy(&stored, buf, sizeof stored);
  if (stored != klen || memcmp(buf + sizeof stored, key, klen) != 0)
    return false;
  f->insns = xmalloc(plen);
  memcpy(f->insns, buf + sizeof stored + klen, plen);
  f->len = (unsigned short)(plen / sizeof(struct sock_filter));
  return true;
}

/* Best effort: a cache that cannot be written only costs time next time. */
static void cache_store(int dirfd, const char *name, const char *key, size_t klen,
                        const struct sk_seccomp_filter *f)
{
  char tmp[96];
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", name, (int)getpid());
  _cleanup_close_ int fd =
      openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return;
  uint64_t k = klen;
  size_t plen = (size_t)f->len * sizeof(struct sock_filter);
  if (sk_write_all(fd, &k, sizeof k) < 0 || sk_write_all(fd, key, klen) < 0 ||
      sk_write_all(fd, f->insns, plen) < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
    unlinkat(dirfd, tmp, 0);
}

static int compile(const struct sk_seccomp *sc, struct sk_seccomp_filter *f, sk_err_t *err);

/* The default cache: /run/skiff-seccomp for root (tmpfs: emptied at boot, with the kernel that
 * the programs were compiled for), $XDG_RUNTIME_DIR/skiff-seccomp otherwise.  Used only when it is
 * a real directory of ours that nobody else can write: -1 otherwise. */
static int default_cache_dir(void)
{
  char path[PATH_MAX];
  if (geteuid() == 0) {
    snprintf(path, sizeof path, "/run/skiff-seccomp");
  } else {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (!xdg || *xdg != '/' ||
        (size_t)snprintf(path, sizeof path, "%s/skiff-seccomp", xdg) >= sizeof path)
      return -1;
  }
  if (mkdir(path, 0700) < 0 && errno != EEXIST)
    return -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
    sk_debug("seccomp: %s is not a private directory: no cache", path);
    close(fd);
    fd = -1;
  }
  return fd;
}

int sk_seccomp_prepare(const struct sk_seccomp *sc, struct sk_seccomp_filter **out, sk_err_t *err)
{
  *out = NULL;
  if (!sc)
    return 0;
  _cleanup_close_ int dirfd = default_cache_dir();
  return sk_seccomp_prepare_cached(sc, dirfd, out, err);
}

int sk_seccomp_prepare_cached(const struct sk_seccomp *sc, int cache_dirfd,
                              struct sk_seccomp_filter **out, sk_err_t *err)
{
  *out = NULL;
  if (!sc)
    return 0;
  bool notify = uses_notify(sc);
  if (check_profile(sc, notify, err) < 0)
    return -1;
  uint32_t defact; /* validated here so that a cache hit checks it too */
  if (action_value(sc->default_action, &sc->default_errno_ret, &defact, WHERE ".defaultErrnoRet",
                   err) < 0)
    return -1;

  unsigned int flags = 0;
  for (size_t i = 0; i < sc->flags_len; i++) {
    size_t k;
    for (k = 0; k < ARRAY_SIZE(flag_table); k++)
      if (strcmp(sc->flags[i], flag_table[k].name) == 0)
        break;
    if (k == ARRAY_SIZE(flag_table))
      return sk_failx(err, WHERE ".flags[%zu]: unknown flag \"%s\"", i, sc->flags[i]);
    flags |= flag_table[k].flag;
  }

  struct sk_seccomp_filter *f = xzalloc(sizeof *f);
  f->flags = flags;
  f->notify = notify;
  f->metadata = sc->listener_metadata ? xstrdup(sc->listener_metadata) : NULL;

  _cleanup_free_ char *key = NULL;
  size_t klen = 0;
  char name[40] = "";
  if (cache_dirfd >= 0 && (key = cache_key(sc, &klen)) != NULL) {
    snprintf(name, sizeof name, "@seccomp-%016" PRIx64, fnv1a(key, klen));
    if (cache_load(cache_dirfd, name, key, klen, f)) {
      *out = f;
      return 0;
    }
  }
  if (compile(sc, f, err) < 0) {
    sk_seccomp_filter_free(f);
    return -1;
  }
  if (key)
    cache_store(cache_dirfd, name, key, klen, f);
  *out = f;
  return 0;
}

/* Build the libseccomp filter and export its program into f. */
static int compile(const struct sk_seccomp *sc, struct sk_seccomp_filter *f, sk_err_t *err)
{
  uint32_t defact;
  if (action_value(sc->default_action, &sc->default_errno_ret, &defact, WHERE ".defaultErrnoRet",
                   err) < 0)
    return -1;

  __attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = seccomp_init(defact);
  if (!ctx)
    return sk_failx(err, WHERE ": libseccomp refused the default action %s",
                    action_name(sc->default_action));

  /* The native architecture is always part of the filter (seccomp_init adds it). */
  for (size_t i = 0; i < sc->architectures_len; i++) {
    uint32_t tok = arch_token(sc->architectures[i]);
    if (tok == 0) {
      sk_debug("seccomp: architecture %s is unknown to libseccomp: skipped", sc->architectures[i]);
      continue;
    }
    int rc = seccomp_arch_add(ctx, tok);
    if (rc < 0 && rc != -EEXIST)
      return sk_fail(err, -rc, WHERE ".architectures[%zu]: add %s", i, sc->architectures[i]);
  }

  /* A binary tree beats a linear scan for long profiles (Docker's has ~400 names).  libseccomp
   * 2.5.x misbehaves with the tree and no rules, hence the threshold. */
  if (sc->syscalls_len > 32) {
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0)
      sk_debug("seccomp: binary tree optimization unavailable: %s", strerror(-rc));
  }

  for (size_t i = 0; i < sc->syscalls_len; i++)
    if (add_syscall(ctx, &sc->syscalls[i], i, defact, err) < 0)
      return -1;

  return export_bpf(ctx, f, err);
}

void sk_seccomp_filter_free(struct sk_seccomp_filter *f)
{
  if (!f)
    return;
  free(f->insns);
  free(f->metadata);
  free(f);
}

int sk_seccomp_listener_connect(const struct sk_seccomp *sc, int *fd, sk_err_t *err)
{
  *fd = -1;
  if (!sc || !sc->listener_path || !*sc->listener_path || !uses_notify(sc))
    return 0;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  _cleanup_close_ int pathfd = -1;
  const char *path = sc->listener_path;
  char fdpath[32];
  if (strlen(path) >= sizeof sa.sun_path) {
    /* Too long for sockaddr_un: connect through the O_PATH fd of the socket file. */
    pathfd = open(path, O_PATH | O_CLOEXEC);
    if (pathfd < 0)
      return sk_failno(err, WHERE ".listenerPath: open %s", path);
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", pathfd);
    path = fdpath;
  }
  memcpy(sa.sun_path, path, strlen(path) + 1);
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return sk_failno(err, "seccomp listener: socket");
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
    return sk_failno(err, WHERE ".listenerPath: connect to %s", sc->listener_path);
  *fd = steal_fd(s);
  return 0;
}

/* Append s as a JSON string. */
static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* The ContainerProcessState of the OCI runtime-spec, as runc sends it:
 * {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}. */
static char *process_state_json(const char *metadata, const char *state_json, size_t *len)
{
  long long pid = 0;
  if (state_json) {
    char ebuf[128];
    yajl_val tree = yajl_tree_parse(state_json, ebuf, sizeof ebuf);
    const char *key[] = {"pid", NULL};
    yajl_val v = tree ? yajl_tree_get(tree, key, yajl_t_number) : NULL;
    if (v && YAJL_IS_INTEGER(v))
      pid = YAJL_GET_INTEGER(v);
    yajl_tree_free(tree);
  }
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f)
    return NULL;
  fprintf(f, "{\"ociVersion\":\"%s\",\"fds\":[\"%s\"],\"pid\":%lld,", SK_SECCOMP_OCI_VERSION,
          SECCOMP_FD_NAME, pid);
  if (metadata && *metadata) {
    fputs("\"metadata\":", f);
    json_str(f, metadata);
    fputc(',', f);
  }
  fprintf(f, "\"state\":%s}", state_json && *state_json ? state_json : "{}");
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* One sendmsg with the fd as SCM_RIGHTS and the JSON as data; the rest of a long JSON follows. */
static int send_notify_fd(int sock, int nfd, const char *msg, size_t len, sk_err_t *err)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &nfd, sizeof(int));
  ssize_t n;
  do
    n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return sk_failno(err, "seccomp: send the notify fd to the listener");
  while ((size_t)n < len) {
    ssize_t m = send(sock, msg + n, len - (size_t)n, MSG_NOSIGNAL);
    if (m < 0 && errno == EINTR)
      continue;
    if (m <= 0)
      return sk_failno(err, "seccomp: send the container state to the listener");
    n += m;
  }
  return 0;
}

int sk_seccomp_install(struct sk_seccomp_filter *f, int listener_fd, const char *state_json,
                       sk_err_t *err)
{
  if (!f)
    return 0;
  unsigned int flags = f->flags;
  _cleanup_free_ char *msg = NULL;
  size_t len = 0;
  if (!f->notify)
    flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; /* only with a listener */
  if (f->notify) {
    if (listener_fd < 0)
      return sk_failx(err, "seccomp: the profile uses SCMP_ACT_NOTIFY but no listener is "
                           "connected (linux.seccomp.listenerPath)");
    /* Built before loading the filter: the filter may deny what building it takes. */
    msg = process_state_json(f->metadata, state_json, &len);
    if (!msg)
      return sk_failno(err, "seccomp: build the listener message");
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    /* TSYNC and NEW_LISTENER both use the return value; TSYNC_ESRCH lets them coexist. */
    if (flags & SECCOMP_FILTER_FLAG_TSYNC)
      flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  struct sock_fprog prog = {.len = f->len, .filter = f->insns};
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0) {
    int e = errno;
    if (e == EACCES)
      return sk_fail(err, e,
                     "seccomp: load the filter (noNewPrivileges is false: CAP_SYS_ADMIN "
                     "is needed)");
    if (e == EINVAL && flags)
      return sk_fail(err, e,
                     "seccomp: load the filter with flags %#x (linux.seccomp.flags: "
                     "does the kernel support them?)",
                     flags);
    return sk_fail(err, e, "seccomp: load the filter");
  }
  if (!f->notify)
    return 0;
  int nfd = (int)r;
  int ret = send_notify_fd(listener_fd, nfd, msg, len, err);
  close(nfd);
  return ret;
}
