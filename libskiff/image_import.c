/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Import: read the source's index/manifest, pick the platform, unpack the layers in parallel
 * (one thread per layer, at most max(2, online CPUs) at once), store the blobs, and publish the
 * name last so that a killed import leaves no visible image.  Each layer is unpacked into
 * layers/.tmp-HEX-PID-TID and renamed to layers/HEX once complete and verified, under a per-layer
 * lock, so concurrent imports sharing a layer unpack it once. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "image_import.h"
#include "image_stream.h"
#include "image_tar.h"
#include "json.h"
#include "log.h"
#include "utils.h"

#define MAX_META (16 << 20)     /* manifests, indexes and configs */
#define READAHEAD_MIN (4 << 20) /* compressed layer size from which decompression gets a thread */

/* ---- sources: a layout directory or a tar archive indexed once ---- */
struct source {
  const char *path;
  const char *ref; /* SOURCE:REF: the index entry with this ref.name annotation */
  int dirfd;       /* layout directory, or -1 */
  int fd;          /* archive, or -1 */
  struct sk_tar_member *m;
  size_t n;
};

static void source_close(struct source *src)
{
  if (src->dirfd >= 0)
    close(src->dirfd);
  if (src->fd >= 0)
    close(src->fd);
  sk_tar_index_free(src->m, src->n);
}

/* Locate member `name`: *fd (borrowed when archive, owned when *owned), offset and size. */
static int source_find(struct source *src, const char *name, int *fd, bool *owned, off_t *off,
                       uint64_t *size, sk_err_t *err)
{
  _cleanup_free_ char *clean = sk_tar_clean_path(name);
  if (clean == NULL || *clean == '\0')
    return sk_failx(err, "%s: invalid member name \"%s\"", src->path, name);
  if (src->dirfd >= 0) {
    /* O_NONBLOCK: a FIFO in the layout must not hang the import (it fails the S_ISREG check). */
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int f = syscall(SYS_openat2, src->dirfd, clean, &how, sizeof(how));
    if (f < 0)
      return sk_failno(err, "%s/%s", src->path, clean);
    struct stat st;
    if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
      close(f);
      return sk_failx(err, "%s/%s: not a regular file", src->path, clean);
    }
    *fd = f;
    *owned = true;
    *off = 0;
    *size = st.st_size;
    return 0;
  }
  /* The last member of a name wins, as tar extraction would. */
  for (size_t i = src->n; i-- > 0;)
    if (strcmp(src->m[i].name, clean) == 0) {
      *fd = src->fd;
      *owned = false;
      *off = src->m[i].off;
      *size = src->m[i].size;
      return 0;
    }
  return sk_failx(err, "%s: no member %s", src->path, clean);
}

static bool source_has(struct source *src, const char *name)
{
  int fd;
  bool owned;
  off_t off;
  uint64_t size;
  sk_err_t e = NULL;
  if (source_find(src, name, &fd, &owned, &off, &size, &e) < 0) {
    sk_err_free(&e);
    return false;
  }
  if (owned)
    close(fd);
  return true;
}

/* Read a small member whole; when digest is given, verify it. */
static int source_read(struct source *src, const char *name, const char *digest, char **data,
                       size_t *len, sk_err_t *err)
{
  int fd;
  bool owned;
  off_t off;
  uint64_t size;
  if (source_find(src, name, &fd, &owned, &off, &size, err) < 0)
    return -1;
  int ret = -1;
  char *buf = NULL;
  if (size > MAX_META) {
    sk_failx(err, "%s: %s: too large for metadata (%llu bytes)", src->path, name,
             (unsigned long long)size);
    goto out;
  }
  buf = xmalloc(size + 1);
  ssize_t r = 0;
  for (uint64_t got = 0; got < size; got += r) {
    r = pread(fd, buf + got, size - got, off + got);
    if (r <= 0) {
      sk_fail(err, r < 0 ? errno : 0, "%s: read %s", src->path, name);
      goto out;
    }
  }
  buf[size] = '\0';
  if (digest) {
    _cleanup_free_ char *d = sk_sha256_digest_of(buf, size);
    if (strcmp(d, digest) != 0) {
      sk_failx(err, "%s: blob %s: digest mismatch (content is %s)", src->path, digest, d);
      goto out;
    }
  }
  *data = steal_ptr(buf);
  *len = size;
  ret = 0;
out:
  free(buf);
  if (owned)
    close(fd);
  return ret;
}

static char *blob_member(const char *digest)
{
  const char *hex = sk_digest_hex(digest);
  return xasprintf("blobs/sha256/%s", hex ? hex : "invalid");
}

/* ---- one layer ---- */

static const char *media_for(enum sk_compression c)
{
  return c == SK_COMP_GZIP   ? "application/vnd.oci.image.layer.v1.tar+gzip"
         : c == SK_COMP_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
                             : "application/vnd.oci.image.layer.v1.tar";
}

static enum sk_compression sniff(int fd, off_t off)
{
  unsigned char m[4] = {0};
  if (pread(fd, m, 4, off) < 2)
    return SK_COMP_NONE;
  if (m[0] == 0x1f && m[1] == 0x8b)
    return SK_COMP_GZIP;
  if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return SK_COMP_ZSTD;
  return SK_COMP_NONE;
}

/* Remove leftovers of killed imports of this layer (we hold its lock). */
static void clean_stale(int dirfd, const char *prefix)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return;
  }
  struct dirent *de;
  size_t pl = strlen(prefix);
  while ((de = readdir(d)))
    if (strncmp(de->d_name, prefix, pl) == 0) {
      sk_err_t e = NULL;
      sk_rm_rf_at(dirfd, de->d_name, &e);
      sk_err_free(&e);
    }
  closedir(d);
}

int sk_layer_import(struct sk_store *s, int fd, off_t off, uint64_t size,
                    const char *expected_digest, const char *diff_id, uint64_t limit,
                    uint64_t *progress, char **digest_out, char **media_out, sk_err_t *err)
{
  const char *dhex = sk_digest_hex(diff_id);
  if (dhex == NULL)
    return sk_failx(err, "invalid diff_id \"%s\"", diff_id);
  if (expected_digest && !sk_digest_hex(expected_digest))
    return sk_failx(err, "invalid layer digest \"%s\"", expected_digest);
  const char *what = expected_digest ? expected_digest : diff_id;
  _cleanup_close_ int layers = openat(s->dirfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int blobs = openat(s->dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (layers < 0 || blobs < 0)
    return sk_failno(err, "open %s", s->root);
  _cleanup_free_ char *lockname = xasprintf("%s.lock", dhex);
  _cleanup_close_ int lock = openat(layers, lockname, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0)
    return sk_failno(err, "open layer lock %s", lockname);
  int r;
  do
    r = flock(lock, LOCK_EX);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sk_failno(err, "lock layer %s", diff_id);

  bool have_layer = faccessat(layers, dhex, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  bool have_blob = expected_digest &&
                   faccessat(blobs, sk_digest_hex(expected_digest), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  enum sk_compression kind = sniff(fd, off);
  if (have_layer && have_blob) {
    if (progress)
      __atomic_fetch_add(progress, size, __ATOMIC_RELAXED);
    *digest_out = xstrdup(expected_digest);
    *media_out = xstrdup(media_for(kind));
    return 0;
  }
  _cleanup_free_ char *stale = xasprintf(".tmp-%s-", dhex);
  clean_stale(layers, stale);
  clean_stale(blobs, stale);
  _cleanup_free_ char *tmpname = xasprintf(".tmp-%s-%d-%lx", dhex, getpid(), (long)pthread_self());
  int ret = -1;
  bool made_dir = false, made_blob = false;
  _cleanup_close_ int blobfd = -1, ldir = -1;
  _cleanup_free_ char *got = NULL, *got_diff = NULL;
  if (!have_blob) {
    blobfd = openat(blobs, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (blobfd < 0)
      return sk_failno(err, "create blob for %s", what);
    made_blob = true;
  }
  if (!have_layer) {
    if (mkdirat(layers, tmpname, 0755) < 0) {
      sk_failno(err, "create layer directory for %s", what);
      goto out;
    }
    made_dir = true;
    ldir = openat(layers, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ldir < 0) {
      sk_failno(err, "open layer directory for %s", what);
      goto out;
    }
  }
  struct sk_fdstream fs;
  sk_fdstream_init(&fs, fd, off, size, blobfd, what);
  fs.progress = progress;
  struct sk_decomp *dc = sk_decomp_new(&fs.s, limit, what);
  struct sk_layer_opts lo = {.limit = limit, .privileged = geteuid() == 0, .name = NULL};
  int rr = 0;
  /* Large layers: decompress in a thread of its own, overlapping with the file writes. */
  struct sk_readahead *ra =
      !have_layer && size >= READAHEAD_MIN ? sk_readahead_new(sk_decomp_stream(dc)) : NULL;
  struct sk_istream *tar = ra ? sk_readahead_stream(ra) : sk_decomp_stream(dc);
  if (!have_layer)
    rr = sk_layer_apply(tar, ldir, &lo, err);
  else {
    /* Only the blob is missing: hash it through (fs tees it) without unpacking. */
    char buf[65536];
    ssize_t k;
    while ((k = sk_istream_read(&fs.s, buf, sizeof(buf), err)) > 0)
      ;
    rr = k < 0 ? -1 : 0;
  }
  if (rr == 0 && !have_layer)
    rr = ra ? sk_istream_drain(tar, err) : sk_decomp_drain(dc, err);
  sk_readahead_free(ra); /* joined before the digests are read */
  got = sk_fdstream_digest(&fs);
  got_diff = have_layer ? NULL : sk_decomp_digest(dc);
  sk_decomp_free(dc);
  sk_fdstream_fini(&fs);
  if (rr < 0) {
    sk_err_prefix(err, "layer %s", what);
    goto out;
  }
  if (expected_digest && strcmp(got, expected_digest) != 0) {
    sk_failx(err, "layer blob %s: digest mismatch (content is %s)", expected_digest, got);
    goto out;
  }
  if (got_diff && strcmp(got_diff, diff_id) != 0) {
    sk_failx(err, "layer %s: uncompressed digest %s does not match diff_id %s", what, got_diff,
             diff_id);
    goto out;
  }
  if (made_blob) {
    if (renameat(blobs, tmpname, blobs, sk_digest_hex(got)) < 0) {
      sk_failno(err, "store blob %s", got);
      goto out;
    }
    made_blob = false;
  }
  if (made_dir) {
    if (renameat(layers, tmpname, layers, dhex) < 0) {
      sk_failno(err, "store layer %s", diff_id);
      goto out;
    }
    made_dir = false;
  }
  *digest_out = steal_ptr(got);
  *media_out = xstrdup(media_for(kind));
  ret = 0;
out:
  if (made_blob)
    unlinkat(blobs, tmpname, 0);
  if (made_dir) {
    sk_err_t e = NULL;
    sk_rm_rf_at(layers, tmpname, &e);
    sk_err_free(&e);
  }
  return ret;
}

/* ---- the whole image ---- */

struct job {
  struct sk_store *s;
  int fd;
  bool owned;
  off_t off;
  uint64_t size;
  char *digest; /* expected, may be NULL */
  char *diff_id;
  uint64_t limit;
  uint64_t *progress;
  char *got_digest, *media;
  sk_err_t err;
  int ret;
};

struct pool {
  struct job *jobs;
  size_t n;
  size_t next;   /* atomic */
  unsigned done; /* atomic */
  bool failed;   /* atomic: stop starting new layers */
};

static void *worker(void *arg)
{
  struct pool *p = arg;
  for (;;) {
    size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
    if (i >= p->n)
      return NULL;
    struct job *j = &p->jobs[i];
    if (__atomic_load_n(&p->failed, __ATOMIC_RELAXED)) {
      j->ret = -1;
      sk_failx(&j->err, "cancelled");
    } else {
      j->ret = sk_layer_import(j->s, j->fd, j->off, j->size, j->digest, j->diff_id, j->limit,
                               j->progress, &j->got_digest, &j->media, &j->err);
      if (j->ret < 0)
        __atomic_store_n(&p->failed, true, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&p->done, 1, __ATOMIC_RELEASE);
  }
}

static const char *host_arch(void)
{
  struct utsname u;
  if (uname(&u) < 0)
    return "amd64";
  if (strcmp(u.machine, "x86_64") == 0)
    return "amd64";
  if (strcmp(u.machine, "aarch64") == 0)
    return "arm64";
  if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
    return "386";
  if (strncmp(u.machine, "armv7", 5) == 0)
    return "arm";
  if (strcmp(u.machine, "ppc64le") == 0 || strcmp(u.machine, "s390x") == 0 ||
      strcmp(u.machine, "riscv64") == 0)
    return strcmp(u.machine, "ppc64le") == 0 ? "ppc64le"
           : u.machine[0] == 's'             ? "s390x"
                                             : "riscv64";
  return "amd64";
}

static const char *jstr(yajl_val obj, const char *k1, const char *k2)
{
  const char *path[] = {k1, k2, NULL};
  yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
  return v ? YAJL_GET_STRING(v) : NULL;
}

static yajl_val jparse(const char *data, const char *what, sk_err_t *err)
{
  char ebuf[256];
  yajl_val v = yajl_tree_parse(data, ebuf, sizeof(ebuf));
  if (v == NULL || !YAJL_IS_OBJECT(v)) {
    if (v)
      yajl_tree_free(v);
    sk_failx(err, "%s: invalid JSON%s%s", what, v ? "" : ": ", v ? "" : ebuf);
    return NULL;
  }
  return v;
}

static bool is_index(const char *mt)
{
  return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
                strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

/* Pick a manifest from an index: platform match, descending into nested indexes.
 * Sets *digest (and *refname from annotations when found). */
static int pick_manifest(struct source *src, yajl_val index, const char *plat, int depth,
                         char **digest, char **refname, sk_err_t *err)
{
  if (depth > 4)
    return sk_failx(err, "%s: image indexes nested too deep", src->path);
  const char *mp[] = {"manifests", NULL};
  yajl_val ms = yajl_tree_get(index, mp, yajl_t_array);
  if (ms == NULL || YAJL_GET_ARRAY(ms)->len == 0)
    return sk_failx(err, "%s: the index lists no manifests", src->path);
  _cleanup_free_ char *want_os = NULL, *want_arch = NULL, *want_var = NULL;
  if (plat) {
    char *copy = xstrdup(plat), *sv = NULL;
    want_os = xstrdup(strtok_r(copy, "/", &sv) ?: "linux");
    char *a = strtok_r(NULL, "/", &sv), *v = strtok_r(NULL, "/", &sv);
    want_arch = xstrdup(a ? a : host_arch());
    want_var = v ? xstrdup(v) : NULL;
    free(copy);
  } else {
    want_os = xstrdup("linux");
    want_arch = xstrdup(host_arch());
  }
  yajl_val best = NULL;
  size_t n = YAJL_GET_ARRAY(ms)->len;
  const char *ref = depth == 0 ? src->ref : NULL;
  bool ref_seen = false;
  for (size_t i = 0; i < n; i++) {
    yajl_val m = YAJL_GET_ARRAY(ms)->values[i];
    if (ref) {
      const char *rn = jstr(m, "annotations", "org.opencontainers.image.ref.name");
      if (rn == NULL || strcmp(rn, ref) != 0)
        continue;
      ref_seen = true;
    }
    const char *os = jstr(m, "platform", "os"), *arch = jstr(m, "platform", "architecture");
    const char *var = jstr(m, "platform", "variant");
    if (os == NULL && arch == NULL) {
      if (best == NULL && (n == 1 || !plat))
        best = m;
      continue;
    }
    if (os && strcmp(os, want_os) != 0)
      continue;
    if (arch && strcmp(arch, want_arch) != 0)
      continue;
    if (want_var && (var == NULL || strcmp(var, want_var) != 0))
      continue;
    best = m;
    break;
  }
  if (ref && !ref_seen)
    return sk_failx(err, "%s: no image named \"%s\" in the index", src->path, ref);
  if (best == NULL)
    return sk_failx(err, "%s: no manifest for platform %s/%s%s%s", src->path, want_os, want_arch,
                    want_var ? "/" : "", want_var ? want_var : "");
  const char *dg = jstr(best, "digest", NULL);
  if (!sk_digest_hex(dg))
    return sk_failx(err, "%s: manifest descriptor without a sha256 digest", src->path);
  const char *rn = jstr(best, "annotations", "org.opencontainers.image.ref.name");
  if (rn && refname && *refname == NULL)
    *refname = xstrdup(rn);
  const char *mt = jstr(best, "mediaType", NULL);
  if (is_index(mt)) {
    _cleanup_free_ char *bm = blob_member(dg), *data = NULL;
    size_t len;
    if (source_read(src, bm, dg, &data, &len, err) < 0)
      return -1;
    yajl_val sub = jparse(data, dg, err);
    if (sub == NULL)
      return -1;
    int r = pick_manifest(src, sub, plat, depth + 1, digest, refname, err);
    yajl_tree_free(sub);
    return r;
  }
  *digest = xstrdup(dg);
  return 0;
}

static int run_layers(struct pool *p, const struct sk_import_opts *o, uint64_t *bytes,
                      uint64_t total, sk_err_t *err)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t nt = cpus < 2 ? 2 : (size_t)cpus;
  if (nt > p->n)
    nt = p->n;
  pthread_t *th = xzalloc(nt * sizeof(*th));
  size_t started = 0;
  for (; started < nt; started++)
    if (pthread_create(&th[started], NULL, worker, p) != 0)
      break;
  if (started == 0)
    worker(p);
  if (o->progress) {
    struct sk_import_progress pr = {0, total, 0, p->n};
    while (__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < p->n) {
      pr.bytes_done = __atomic_load_n(bytes, __ATOMIC_RELAXED);
      pr.layers_done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
      o->progress(&pr, o->progress_data);
      struct timespec ts = {0, 100 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  for (size_t i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  free(th);
  if (o->progress) {
    struct sk_import_progress pr = {*bytes, total, p->n, p->n};
    o->progress(&pr, o->progress_data);
  }
  /* Report the first real failure (not a "cancelled"). */
  for (size_t i = 0; i < p->n; i++)
    if (p->jobs[i].ret < 0 && p->jobs[i].err && strcmp(p->jobs[i].err->msg, "cancelled") != 0) {
      *err = steal_ptr(p->jobs[i].err);
      return -1;
    }
  for (size_t i = 0; i < p->n; i++)
    if (p->jobs[i].ret < 0) {
      *err = steal_ptr(p->jobs[i].err);
      return -1;
    }
  return 0;
}

static void jobs_free(struct job *jobs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (jobs[i].owned && jobs[i].fd >= 0)
      close(jobs[i].fd);
    free(jobs[i].digest);
    free(jobs[i].diff_id);
    free(jobs[i].got_digest);
    free(jobs[i].media);
    sk_err_free(&jobs[i].err);
  }
  free(jobs);
}

/* Config diff_ids as a strv. */
static char **config_diff_ids(yajl_val cfg, size_t *n)
{
  const char *dp[] = {"rootfs", "diff_ids", NULL};
  yajl_val d = yajl_tree_get(cfg, dp, yajl_t_array);
  size_t k = d ? YAJL_GET_ARRAY(d)->len : 0;
  char **out = xzalloc((k + 1) * sizeof(char *));
  for (size_t i = 0; i < k; i++) {
    yajl_val v = YAJL_GET_ARRAY(d)->values[i];
    out[i] = xstrdup(YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "");
  }
  *n = k;
  return out;
}

/* Parse the config (named `what`), its rootfs.diff_ids and the layer list holder[key]; the two
 * must have the same length.  *cfg is set whenever parsed (the caller frees it). */
static int config_layers(const char *craw, const char *what, yajl_val holder, const char *key,
                         yajl_val *cfg, char ***diffs, yajl_val *layers, size_t *nl, sk_err_t *err)
{
  *cfg = jparse(craw, what, err);
  if (*cfg == NULL)
    return -1;
  size_t nd;
  *diffs = config_diff_ids(*cfg, &nd);
  const char *lp[] = {key, NULL};
  *layers = yajl_tree_get(holder, lp, yajl_t_array);
  size_t n = *layers ? YAJL_GET_ARRAY(*layers)->len : 0;
  if (n != nd)
    return sk_failx(err, "%zu layers but %zu rootfs.diff_ids", n, nd);
  *nl = n;
  return 0;
}

static int import_oci(struct sk_store *s, struct source *src, const struct sk_import_opts *o,
                      char **refname, char **digest_out, sk_err_t *err)
{
  _cleanup_free_ char *idx = NULL, *mdig = NULL, *mraw = NULL, *craw = NULL;
  size_t len, mlen, clen;
  if (source_read(src, "index.json", NULL, &idx, &len, err) < 0)
    return -1;
  yajl_val index = jparse(idx, "index.json", err);
  if (index == NULL)
    return -1;
  int r = pick_manifest(src, index, o->platform, 0, &mdig, refname, err);
  yajl_tree_free(index);
  if (r < 0)
    return -1;
  _cleanup_free_ char *mm = blob_member(mdig);
  if (source_read(src, mm, mdig, &mraw, &mlen, err) < 0)
    return -1;
  yajl_val man = jparse(mraw, mdig, err);
  if (man == NULL)
    return -1;
  int ret = -1;
  struct job *jobs = NULL;
  size_t nl = 0;
  _cleanup_strv_ char **diffs = NULL;
  yajl_val cfg = NULL;
  uint64_t bytes = 0, total = 0;
  _cleanup_free_ char *cm = NULL;
  const char *cdig = jstr(man, "config", "digest");
  if (!sk_digest_hex(cdig)) {
    sk_failx(err, "manifest %s: no config digest", mdig);
    goto out;
  }
  cm = blob_member(cdig);
  if (source_read(src, cm, cdig, &craw, &clen, err) < 0)
    goto out;
  yajl_val layers;
  if (config_layers(craw, cdig, man, "layers", &cfg, &diffs, &layers, &nl, err) < 0) {
    sk_err_prefix(err, "image %s", mdig);
    goto out;
  }
  jobs = xzalloc((nl + 1) * sizeof(*jobs));
  for (size_t i = 0; i < nl; i++) {
    yajl_val l = YAJL_GET_ARRAY(layers)->values[i];
    jobs[i].fd = -1;
    const char *ld = jstr(l, "digest", NULL);
    if (!sk_digest_hex(ld)) {
      sk_failx(err, "manifest %s: layers[%zu]: no sha256 digest", mdig, i);
      goto out;
    }
    _cleanup_free_ char *lm = blob_member(ld);
    if (source_find(src, lm, &jobs[i].fd, &jobs[i].owned, &jobs[i].off, &jobs[i].size, err) < 0)
      goto out;
    jobs[i].s = s;
    jobs[i].digest = xstrdup(ld);
    jobs[i].diff_id = xstrdup(diffs[i]);
    jobs[i].limit = o->limit;
    jobs[i].progress = &bytes;
    total += jobs[i].size;
  }
  struct pool p = {jobs, nl, 0, 0, false};
  if (nl && run_layers(&p, o, &bytes, total, err) < 0)
    goto out;
  if (sk_store_blob_put(s, craw, clen, NULL, err) < 0 ||
      sk_store_blob_put(s, mraw, mlen, NULL, err) < 0)
    goto out;
  *digest_out = steal_ptr(mdig);
  ret = 0;
out:
  jobs_free(jobs, nl);
  if (cfg)
    yajl_tree_free(cfg);
  yajl_tree_free(man);
  return ret;
}

static int import_docker(struct sk_store *s, struct source *src, const struct sk_import_opts *o,
                         char **refname, char **digest_out, sk_err_t *err)
{
  _cleanup_free_ char *mj = NULL, *craw = NULL;
  size_t len, clen;
  if (source_read(src, "manifest.json", NULL, &mj, &len, err) < 0)
    return -1;
  char ebuf[256];
  yajl_val arr = yajl_tree_parse(mj, ebuf, sizeof(ebuf));
  if (arr == NULL || !YAJL_IS_ARRAY(arr) || YAJL_GET_ARRAY(arr)->len == 0) {
    if (arr)
      yajl_tree_free(arr);
    return sk_failx(err, "%s: manifest.json: not a non-empty array", src->path);
  }
  int ret = -1;
  struct job *jobs = NULL;
  size_t nl = 0;
  yajl_val cfg = NULL;
  _cleanup_strv_ char **diffs = NULL;
  uint64_t bytes = 0, total = 0;
  struct sk_buf mb = {0};
  _cleanup_free_ char *cdig = NULL, *cd2 = NULL;
  /* The entry whose RepoTags has the requested name, else the first. */
  yajl_val ent = YAJL_GET_ARRAY(arr)->values[0];
  const char *cfgname = jstr(ent, "Config", NULL);
  const char *tp[] = {"RepoTags", NULL};
  yajl_val tags = yajl_tree_get(ent, tp, yajl_t_array);
  if (tags && YAJL_GET_ARRAY(tags)->len && YAJL_IS_STRING(YAJL_GET_ARRAY(tags)->values[0]))
    *refname = xstrdup(YAJL_GET_STRING(YAJL_GET_ARRAY(tags)->values[0]));
  if (cfgname == NULL) {
    sk_failx(err, "%s: manifest.json: no Config", src->path);
    goto out;
  }
  if (source_read(src, cfgname, NULL, &craw, &clen, err) < 0)
    goto out;
  cdig = sk_sha256_digest_of(craw, clen);
  /* The config is named by its digest ("HEX.json" or "blobs/sha256/HEX"): check it. */
  if (strstr(cfgname, sk_digest_hex(cdig)) == NULL)
    sk_warn("%s: config %s does not match its name", src->path, cfgname);
  yajl_val layers;
  if (config_layers(craw, cfgname, ent, "Layers", &cfg, &diffs, &layers, &nl, err) < 0) {
    sk_err_prefix(err, "%s", src->path);
    goto out;
  }
  jobs = xzalloc((nl + 1) * sizeof(*jobs));
  for (size_t i = 0; i < nl; i++) {
    yajl_val l = YAJL_GET_ARRAY(layers)->values[i];
    jobs[i].fd = -1;
    if (!YAJL_IS_STRING(l)) {
      sk_failx(err, "%s: manifest.json: Layers[%zu] is not a string", src->path, i);
      goto out;
    }
    const char *ln = YAJL_GET_STRING(l);
    if (source_find(src, ln, &jobs[i].fd, &jobs[i].owned, &jobs[i].off, &jobs[i].size, err) < 0)
      goto out;
    /* New form names the blob by digest; an uncompressed old-form layer.tar's digest is its
     * diff_id; otherwise it is computed while streaming. */
    const char *b = strstr(ln, "blobs/sha256/");
    _cleanup_free_ char *named = b ? xasprintf("sha256:%s", b + 13) : NULL;
    if (named && sk_digest_hex(named))
      jobs[i].digest = steal_ptr(named);
    else if (sniff(jobs[i].fd, jobs[i].off) == SK_COMP_NONE)
      jobs[i].digest = xstrdup(diffs[i]);
    jobs[i].s = s;
    jobs[i].diff_id = xstrdup(diffs[i]);
    jobs[i].limit = o->limit;
    jobs[i].progress = &bytes;
    total += jobs[i].size;
  }
  struct pool p = {jobs, nl, 0, 0, false};
  if (nl && run_layers(&p, o, &bytes, total, err) < 0)
    goto out;
  if (sk_store_blob_put(s, craw, clen, &cd2, err) < 0)
    goto out;
  /* Synthesize an OCI manifest. */
  sk_buf_addf(&mb,
              "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
              "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
              "\"digest\":\"%s\",\"size\":%zu},\"layers\":[",
              cd2, clen);
  for (size_t i = 0; i < nl; i++)
    sk_buf_addf(&mb, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%llu}", i ? "," : "",
                jobs[i].media, jobs[i].got_digest, (unsigned long long)jobs[i].size);
  sk_buf_add(&mb, "]}", 2);
  if (sk_store_blob_put(s, mb.data, mb.len, digest_out, err) < 0)
    goto out;
  ret = 0;
out:
  free(mb.data);
  jobs_free(jobs, nl);
  if (cfg)
    yajl_tree_free(cfg);
  yajl_tree_free(arr);
  return ret;
}

int sk_image_import(struct sk_store *s, const char *source, const struct sk_import_opts *o,
                    char **name_out, char **digest_out, sk_err_t *err)
{
  struct source src = {.path = source, .dirfd = -1, .fd = -1};
  int ret = -1;
  _cleanup_free_ char *refname = NULL, *digest = NULL, *norm = NULL;
  struct stat st;
  _cleanup_free_ char *path = NULL;
  int fd = open(source, O_RDONLY | O_CLOEXEC);
  const char *colon = strrchr(source, ':');
  if (fd < 0 && errno == ENOENT && colon && colon > source && colon[1]) {
    /* SOURCE:REF picks one of several named images */
    path = xstrndup(source, colon - source);
    src.path = path;
    src.ref = colon + 1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0 || fstat(fd, &st) < 0) {
    sk_failno(err, "open %s", src.path);
    if (fd >= 0)
      close(fd);
    return -1;
  }
  if (S_ISDIR(st.st_mode))
    src.dirfd = fd;
  else {
    src.fd = fd;
    if (sk_tar_index(fd, source, &src.m, &src.n, err) < 0)
      goto out;
  }
  if (source_has(&src, "index.json"))
    ret = import_oci(s, &src, o, &refname, &digest, err);
  else if (source_has(&src, "manifest.json"))
    ret = import_docker(s, &src, o, &refname, &digest, err);
  else
    ret = sk_failx(err,
                   "%s: neither an OCI layout (index.json) nor a docker save archive "
                   "(manifest.json)",
                   source);
  if (ret < 0)
    goto out;
  ret = -1;
  const char *name = o->name;
  if (name == NULL && refname)
    name = refname; /* RepoTags[0] or the OCI ref.name annotation */
  if (name == NULL) {
    sk_failx(err, "%s: the source names no image: give --name", source);
    goto out;
  }
  norm = sk_image_name_normalize(name);
  if (sk_store_ref_set(s, norm, digest, err) < 0)
    goto out;
  *name_out = steal_ptr(norm);
  *digest_out = steal_ptr(digest);
  ret = 0;
out:
  source_close(&src);
  return ret;
}
