/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tar reader and layer applier.  Security: a layer is attacker-controlled.  Every parent
 * directory is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below the layer
 * directory, so ".."-free paths that run through symlinks stay inside it; the final component is
 * created with *at() calls that never follow it (O_EXCL|O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, linkat
 * without AT_SYMLINK_FOLLOW).  ".." components are refused outright. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image_tar.h"
#include "log.h"
#include "utils.h"

#define BLK 512

void sk_tar_entry_clear(struct sk_tar_entry *e)
{
  free(e->path);
  free(e->linkpath);
  for (size_t i = 0; i < e->n_xattrs; i++) {
    free(e->xattrs[i].name);
    free(e->xattrs[i].value);
  }
  free(e->xattrs);
  free(e->sparse);
  memset(e, 0, sizeof(*e));
}

static bool is_zero_block(const unsigned char *b)
{
  for (int i = 0; i < BLK; i++)
    if (b[i])
      return false;
  return true;
}

/* Octal, or base-256 when the high bit of the first byte is set (GNU/star). */
static int parse_num(const unsigned char *p, size_t n, uint64_t *out)
{
  uint64_t v = 0;
  if (p[0] & 0x80) {
    if (p[0] & 0x40)
      return -1; /* negative */
    v = p[0] & 0x3f;
    for (size_t i = 1; i < n; i++) {
      if (v >> 56)
        return -1;
      v = (v << 8) | p[i];
    }
    *out = v;
    return 0;
  }
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\0'))
    i++;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
    if (v >> 60)
      return -1;
    v = v * 8 + (p[i] - '0');
  }
  *out = v;
  return 0;
}

static bool checksum_ok(const unsigned char *b)
{
  uint64_t want;
  if (parse_num(b + 148, 8, &want) < 0)
    return false;
  unsigned long s = 0;
  for (int i = 0; i < BLK; i++)
    s += (i >= 148 && i < 156) ? ' ' : b[i];
  return s == want;
}

static char *field(const unsigned char *p, size_t n)
{
  return xstrndup((const char *)p, strnlen((const char *)p, n));
}

char *sk_tar_clean_path(const char *p)
{
  size_t n = strlen(p);
  char *out = xmalloc(n + 1);
  size_t o = 0;
  const char *s = p;
  while (*s) {
    while (*s == '/')
      s++;
    const char *e = s;
    while (*e && *e != '/')
      e++;
    size_t len = e - s;
    if (len == 0)
      break;
    if (len == 1 && s[0] == '.') {
      s = e;
      continue;
    }
    if (len == 2 && s[0] == '.' && s[1] == '.') {
      free(out);
      return NULL;
    }
    if (o)
      out[o++] = '/';
    memcpy(out + o, s, len);
    o += len;
    s = e;
  }
  out[o] = '\0';
  return out;
}

/* Buffered reader over an sk_istream. */
struct br {
  struct sk_istream *s;
  unsigned char *buf;
  size_t pos, len, cap;
};

/* Refill an exhausted buffer; the end of the stream here is an error (a member is incomplete). */
static int br_fill(struct br *b, sk_err_t *err)
{
  if (b->pos < b->len)
    return 0;
  ssize_t r = sk_istream_read(b->s, b->buf, b->cap, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return sk_failx(err, "unexpected end of the tar stream");
  b->pos = 0;
  b->len = r;
  return 0;
}

static int br_read(struct br *b, void *dst, size_t n, sk_err_t *err)
{
  unsigned char *d = dst;
  while (n) {
    if (br_fill(b, err) < 0)
      return -1;
    size_t k = b->len - b->pos;
    if (k > n)
      k = n;
    if (d) {
      memcpy(d, b->buf + b->pos, k);
      d += k;
    }
    b->pos += k;
    n -= k;
  }
  return 0;
}

/* Hand out the buffered bytes directly (zero copy): *p points into the buffer, returns count. */
static ssize_t br_peek(struct br *b, const unsigned char **p, size_t max, sk_err_t *err)
{
  if (br_fill(b, err) < 0)
    return -1;
  size_t k = b->len - b->pos;
  if (k > max)
    k = max;
  *p = b->buf + b->pos;
  b->pos += k;
  return k;
}

static uint64_t pad(uint64_t n)
{
  return (BLK - (n % BLK)) % BLK;
}

static void add_xattr(struct sk_tar_entry *e, const char *name, const char *val, size_t len)
{
  for (size_t i = 0; i < e->n_xattrs; i++)
    if (strcmp(e->xattrs[i].name, name) == 0) {
      free(e->xattrs[i].value);
      e->xattrs[i].value = xmalloc(len + 1);
      memcpy(e->xattrs[i].value, val, len);
      e->xattrs[i].value[len] = '\0';
      e->xattrs[i].len = len;
      return;
    }
  e->xattrs = xrealloc(e->xattrs, (e->n_xattrs + 1) * sizeof(*e->xattrs));
  struct sk_tar_xattr *x = &e->xattrs[e->n_xattrs++];
  x->name = xstrdup(name);
  x->value = xmalloc(len + 1);
  memcpy(x->value, val, len);
  x->value[len] = '\0';
  x->len = len;
}

/* PAX overrides collected from an 'x' header, applied to the next entry. */
struct pax {
  char *path, *linkpath, *sparse_name;
  bool has_size, has_uid, has_gid, has_mtime, has_realsize;
  uint64_t size, uid, gid, realsize;
  int64_t mtime_sec;
  long mtime_nsec;
  int sparse_major;
  struct sk_tar_entry x; /* xattrs only */
};

static void pax_clear(struct pax *p)
{
  free(p->path);
  free(p->linkpath);
  free(p->sparse_name);
  sk_tar_entry_clear(&p->x);
  memset(p, 0, sizeof(*p));
}

static int parse_pax(const char *d, size_t len, struct pax *p, sk_err_t *err)
{
  size_t i = 0;
  while (i < len) {
    size_t rl = 0, j = i;
    while (j < len && d[j] >= '0' && d[j] <= '9')
      rl = rl * 10 + (d[j++] - '0');
    if (j >= len || d[j] != ' ' || rl == 0 || rl > len - i || d[i + rl - 1] != '\n')
      return sk_failx(err, "malformed PAX header");
    const char *kv = d + j + 1, *end = d + i + rl - 1;
    const char *eq = memchr(kv, '=', end - kv);
    if (eq == NULL)
      return sk_failx(err, "malformed PAX record");
    _cleanup_free_ char *key = xstrndup(kv, eq - kv);
    const char *val = eq + 1;
    size_t vlen = end - val;
    _cleanup_free_ char *v = xstrndup(val, vlen);
    if (strcmp(key, "path") == 0) {
      free(p->path);
      p->path = steal_ptr(v);
    } else if (strcmp(key, "linkpath") == 0) {
      free(p->linkpath);
      p->linkpath = steal_ptr(v);
    } else if (strcmp(key, "size") == 0) {
      p->has_size = sk_parse_u64(v, &p->size) == 0;
    } else if (strcmp(key, "uid") == 0) {
      p->has_uid = sk_parse_u64(v, &p->uid) == 0;
    } else if (strcmp(key, "gid") == 0) {
      p->has_gid = sk_parse_u64(v, &p->gid) == 0;
    } else if (strcmp(key, "mtime") == 0) {
      char *dot = strchr(v, '.');
      long ns = 0;
      if (dot) {
        *dot = '\0';
        int digits = 0;
        for (char *q = dot + 1; *q >= '0' && *q <= '9' && digits < 9; q++, digits++)
          ns = ns * 10 + (*q - '0');
        for (; digits < 9; digits++)
          ns *= 10;
      }
      int64_t s;
      if (sk_parse_i64(v, &s) == 0) {
        p->has_mtime = true;
        p->mtime_sec = s;
        p->mtime_nsec = ns;
      }
    } else if (strncmp(key, "SCHILY.xattr.", 13) == 0) {
      add_xattr(&p->x, key + 13, val, vlen);
    } else if (strcmp(key, "GNU.sparse.major") == 0) {
      p->sparse_major = atoi(v);
    } else if (strcmp(key, "GNU.sparse.name") == 0) {
      free(p->sparse_name);
      p->sparse_name = steal_ptr(v);
    } else if (strcmp(key, "GNU.sparse.realsize") == 0 || strcmp(key, "GNU.sparse.size") == 0) {
      p->has_realsize = sk_parse_u64(v, &p->realsize) == 0;
    }
    i += rl;
  }
  return 0;
}

static void add_sparse(struct sk_tar_entry *e, uint64_t off, uint64_t len)
{
  e->sparse = xrealloc(e->sparse, (e->n_sparse + 1) * sizeof(*e->sparse));
  e->sparse[e->n_sparse].off = off;
  e->sparse[e->n_sparse].len = len;
  e->n_sparse++;
}

/* Old GNU sparse ('S'): 4 map entries in the header at 386, extension blocks after it. */
static int gnu_sparse(struct br *b, const unsigned char *h, struct sk_tar_entry *e, sk_err_t *err)
{
  for (int i = 0; i < 4; i++) {
    uint64_t off, len;
    if (h[386 + i * 24] == 0)
      break;
    if (parse_num(h + 386 + i * 24, 12, &off) < 0 || parse_num(h + 398 + i * 24, 12, &len) < 0)
      return sk_failx(err, "bad GNU sparse map");
    add_sparse(e, off, len);
  }
  if (parse_num(h + 483, 12, &e->realsize) < 0)
    return sk_failx(err, "bad GNU sparse size");
  bool ext = h[482] != 0;
  unsigned char blk[BLK];
  while (ext) {
    if (br_read(b, blk, BLK, err) < 0)
      return -1;
    for (int i = 0; i < 21; i++) {
      uint64_t off, len;
      if (blk[i * 24] == 0)
        break;
      if (parse_num(blk + i * 24, 12, &off) < 0 || parse_num(blk + 12 + i * 24, 12, &len) < 0)
        return sk_failx(err, "bad GNU sparse map");
      add_sparse(e, off, len);
    }
    ext = blk[504] != 0;
  }
  if (e->n_sparse == 0)
    add_sparse(e, e->realsize, 0);
  return 0;
}

/* Next entry header; 1 on entry, 0 at the end of the archive. */
static int tar_next(struct br *b, struct sk_tar_entry *e, sk_err_t *err)
{
  unsigned char h[BLK];
  struct pax pax = {0};
  _cleanup_free_ char *longname = NULL, *longlink = NULL;
  int ret = -1;
  for (;;) {
    if (br_read(b, h, BLK, err) < 0) {
      /* A missing end marker after complete members is tolerated (some writers omit it). */
      if (err && *err && !longname && !longlink && !pax.path && pax.x.n_xattrs == 0) {
        sk_err_free(err);
        ret = 0;
      }
      goto out;
    }
    if (is_zero_block(h)) {
      ret = 0;
      goto out;
    }
    if (!checksum_ok(h)) {
      sk_failx(err, "corrupt tar header (bad checksum)");
      goto out;
    }
    uint64_t size;
    if (parse_num(h + 124, 12, &size) < 0) {
      sk_failx(err, "corrupt tar header (bad size)");
      goto out;
    }
    char t = h[156];
    if (t == 'x' || t == 'g' || t == 'L' || t == 'K') {
      if (size > 64 << 20) {
        sk_failx(err, "tar extension header too large (%llu bytes)", (unsigned long long)size);
        goto out;
      }
      _cleanup_free_ char *d = xmalloc(size + 1);
      if (br_read(b, d, size, err) < 0 || br_read(b, NULL, pad(size), err) < 0)
        goto out;
      d[size] = '\0';
      if (t == 'x' && parse_pax(d, size, &pax, err) < 0)
        goto out;
      if (t == 'L') {
        free(longname);
        longname = xstrndup(d, strnlen(d, size));
      } else if (t == 'K') {
        free(longlink);
        longlink = xstrndup(d, strnlen(d, size));
      }
      continue;
    }
    memset(e, 0, sizeof(*e));
    bool ustar = memcmp(h + 257, "ustar\0", 6) == 0;
    if (pax.path)
      e->path = steal_ptr(pax.path);
    else if (longname)
      e->path = steal_ptr(longname);
    else if (ustar && h[345]) {
      _cleanup_free_ char *pre = field(h + 345, 155), *nm = field(h, 100);
      e->path = xasprintf("%s/%s", pre, nm);
    } else
      e->path = field(h, 100);
    if (pax.linkpath)
      e->linkpath = steal_ptr(pax.linkpath);
    else if (longlink)
      e->linkpath = steal_ptr(longlink);
    else
      e->linkpath = field(h + 157, 100);
    uint64_t v;
    e->type = t == '\0' || t == '7' ? '0' : t;
    parse_num(h + 100, 8, &v);
    e->mode = v & 07777;
    parse_num(h + 108, 8, &v);
    e->uid = pax.has_uid ? pax.uid : v;
    parse_num(h + 116, 8, &v);
    e->gid = pax.has_gid ? pax.gid : v;
    e->size = pax.has_size ? pax.size : size;
    parse_num(h + 136, 12, &v);
    e->mtime_sec = pax.has_mtime ? pax.mtime_sec : (int64_t)v;
    e->mtime_nsec = pax.has_mtime ? pax.mtime_nsec : 0;
    parse_num(h + 329, 8, &v);
    e->devmajor = v;
    parse_num(h + 337, 8, &v);
    e->devminor = v;
    e->xattrs = steal_ptr(pax.x.xattrs);
    e->n_xattrs = pax.x.n_xattrs;
    pax.x.n_xattrs = 0;
    if (t == 'S') {
      e->type = '0';
      if (gnu_sparse(b, h, e, err) < 0)
        goto out;
    } else if (pax.sparse_major == 1 && e->type == '0') {
      e->sparse_map_in_data = true;
      e->realsize = pax.has_realsize ? pax.realsize : 0;
      if (pax.sparse_name) {
        free(e->path);
        e->path = steal_ptr(pax.sparse_name);
      }
    }
    if (e->type != '0')
      e->size = (e->type == '1' || e->type == '2' || e->type == '5') ? 0 : e->size;
    ret = 1;
    goto out;
  }
out:
  pax_clear(&pax);
  return ret;
}

/* ---- outer archive index (docker save / OCI archive) ---- */

static ssize_t pread_stream(struct sk_istream *s, void *buf, size_t n, sk_err_t *err);
struct pstream {
  struct sk_istream s;
  int fd;
  off_t off;
  const char *what;
};
static ssize_t pread_stream(struct sk_istream *s, void *buf, size_t n, sk_err_t *err)
{
  struct pstream *p = (struct pstream *)s;
  ssize_t r;
  do
    r = pread(p->fd, buf, n, p->off);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sk_failno(err, "read %s", p->what);
  p->off += r;
  return r;
}

int sk_tar_index(int fd, const char *what, struct sk_tar_member **out, size_t *n, sk_err_t *err)
{
  /* Reads headers through a small buffer and skips member data by offset: blob data is never
   * read here. */
  struct pstream ps = {{pread_stream}, fd, 0, what};
  unsigned char buf[BLK];
  struct br b = {&ps.s, buf, 0, 0, sizeof(buf)};
  struct sk_tar_member *m = NULL;
  size_t cnt = 0;
  for (;;) {
    struct sk_tar_entry e = {0};
    /* Position of the next header: stream offset minus what is still buffered. */
    int r = tar_next(&b, &e, err);
    if (r < 0) {
      sk_tar_index_free(m, cnt);
      return sk_err_prefix(err, "%s", what);
    }
    if (r == 0)
      break;
    off_t data = ps.off - (b.len - b.pos);
    if (e.type == '0' && !e.sparse && !e.sparse_map_in_data) {
      char *clean = sk_tar_clean_path(e.path);
      if (clean) {
        m = xrealloc(m, (cnt + 1) * sizeof(*m));
        m[cnt].name = clean;
        m[cnt].off = data;
        m[cnt].size = e.size;
        cnt++;
      }
    }
    uint64_t skip = e.size + pad(e.size);
    sk_tar_entry_clear(&e);
    /* drop the buffer and seek */
    ps.off = data + skip;
    b.pos = b.len = 0;
  }
  *out = m;
  *n = cnt;
  return 0;
}

void sk_tar_index_free(struct sk_tar_member *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(m[i].name);
  free(m);
}

/* ---- layer application ---- */

struct dirtime {
  char *path;
  struct timespec ts[2];
};

struct applier {
  int root;
  const struct sk_layer_opts *o;
  struct br b;
  char *cache_path; /* parent directory cached in cache_fd */
  int cache_fd;
  struct dirtime *dt;
  size_t n_dt;
  bool consumed; /* the current member's data was read by write_file */
};

static int open_in_root(int root, const char *path, int flags)
{
  struct open_how how = {.flags = flags | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd;
  do
    fd = syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* O_PATH fd of directory `path` inside the layer, creating missing components (mode 0755). */
static int get_dir(struct applier *a, const char *path, sk_err_t *err)
{
  int fd = open_in_root(a->root, path, O_PATH | O_DIRECTORY);
  if (fd >= 0 || errno != ENOENT) {
    if (fd < 0)
      return sk_failno(err, "open directory %s in the layer", path);
    return fd;
  }
  const char *slash = strrchr(path, '/');
  _cleanup_free_ char *parent = slash ? xstrndup(path, slash - path) : xstrdup("");
  const char *base = slash ? slash + 1 : path;
  _cleanup_close_ int pfd = get_dir(a, parent, err);
  if (pfd < 0)
    return -1;
  if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
    return sk_failno(err, "mkdir %s in the layer", path);
  fd = openat(pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open directory %s in the layer", path);
  return fd;
}

static int parent_fd(struct applier *a, const char *parent, sk_err_t *err)
{
  if (a->cache_path && strcmp(a->cache_path, parent) == 0)
    return a->cache_fd;
  if (a->cache_fd >= 0)
    close(a->cache_fd);
  free(a->cache_path);
  a->cache_path = NULL;
  a->cache_fd = get_dir(a, parent, err);
  if (a->cache_fd < 0)
    return -1;
  a->cache_path = xstrdup(parent);
  return a->cache_fd;
}

static void drop_cache(struct applier *a)
{
  if (a->cache_fd >= 0)
    close(a->cache_fd);
  a->cache_fd = -1;
  free(a->cache_path);
  a->cache_path = NULL;
}

/* Remove whatever is at pfd/name (a previous entry of the same path). */
static int clear_name(struct applier *a, int pfd, const char *name, bool keep_dir, sk_err_t *err)
{
  struct stat st;
  if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sk_failno(err, "stat %s", name);
  if (S_ISDIR(st.st_mode)) {
    if (keep_dir)
      return 1;
    /* pfd is the cached parent itself, never below name: the cache stays valid. */
    return sk_rm_rf_at(pfd, name, err);
  }
  if (unlinkat(pfd, name, 0) < 0)
    return sk_failno(err, "unlink %s", name);
  return 0;
}

static int set_xattrs_fd(int fd, const struct sk_tar_entry *e, sk_err_t *err)
{
  for (size_t i = 0; i < e->n_xattrs; i++)
    if (fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].len, 0) < 0)
      return sk_failno(err, "%s: set xattr %s", e->path, e->xattrs[i].name);
  return 0;
}

static int copy_data(struct applier *a, int fd, uint64_t n, off_t at, sk_err_t *err)
{
  while (n) {
    const unsigned char *p = NULL;
    ssize_t k = br_peek(&a->b, &p, n, err);
    if (k < 0)
      return -1;
    ssize_t w;
    if (at >= 0) {
      for (ssize_t done = 0; done < k; done += w) {
        w = pwrite(fd, p + done, k - done, at + done);
        if (w < 0) {
          if (errno == EINTR) {
            w = 0;
            continue;
          }
          return sk_failno(err, "write");
        }
      }
      at += k;
    } else if (sk_write_all(fd, p, k) < 0)
      return sk_failno(err, "write");
    n -= k;
  }
  return 0;
}

/* GNU sparse 1.0: decimal lines "count\n" then "offset\nlength\n" pairs, padded to 512. */
static int read_sparse_map(struct applier *a, struct sk_tar_entry *e, uint64_t *consumed,
                           sk_err_t *err)
{
  uint64_t used = 0, nums[2], count = 0;
  int want = -1; /* -1: count, then pairs */
  char line[32];
  size_t ll = 0;
  uint64_t got = 0;
  for (;;) {
    char c;
    if (used >= e->size)
      return sk_failx(err, "%s: truncated sparse map", e->path);
    if (br_read(&a->b, &c, 1, err) < 0)
      return -1;
    used++;
    if (c != '\n') {
      if (ll >= sizeof(line) - 1 || c < '0' || c > '9')
        return sk_failx(err, "%s: bad sparse map", e->path);
      line[ll++] = c;
      continue;
    }
    line[ll] = '\0';
    ll = 0;
    uint64_t v;
    if (sk_parse_u64(line, &v) < 0)
      return sk_failx(err, "%s: bad sparse map", e->path);
    if (want < 0) {
      count = v;
      if (count > 1 << 20)
        return sk_failx(err, "%s: sparse map too large", e->path);
      want = 0;
    } else {
      nums[want++] = v;
      if (want == 2) {
        add_sparse(e, nums[0], nums[1]);
        want = 0;
        got++;
      }
    }
    if (want == 0 && got == count)
      break;
  }
  uint64_t p = pad(used);
  if (used + p > e->size || br_read(&a->b, NULL, p, err) < 0)
    return sk_failx(err, "%s: bad sparse map", e->path);
  *consumed = used + p;
  return 0;
}

static int write_file(struct applier *a, int fd, struct sk_tar_entry *e, sk_err_t *err)
{
  uint64_t consumed = 0;
  a->consumed = true; /* on failure the whole apply stops: no position to keep */
  if (e->sparse_map_in_data && read_sparse_map(a, e, &consumed, err) < 0)
    return -1;
  if (e->sparse || e->sparse_map_in_data) {
    uint64_t left = e->size - consumed;
    for (size_t i = 0; i < e->n_sparse; i++) {
      uint64_t len = e->sparse[i].len;
      if (len > left)
        return sk_failx(err, "%s: sparse map runs past the data", e->path);
      if (e->sparse[i].off > INT64_MAX - len)
        return sk_failx(err, "%s: bad sparse offset", e->path);
      if (copy_data(a, fd, len, e->sparse[i].off, err) < 0)
        return sk_err_prefix(err, "%s", e->path);
      left -= len;
    }
    if (left && br_read(&a->b, NULL, left, err) < 0)
      return -1;
    if (ftruncate(fd, e->realsize) < 0)
      return sk_failno(err, "%s: truncate", e->path);
    return 0;
  }
  if (copy_data(a, fd, e->size, -1, err) < 0)
    return sk_err_prefix(err, "%s", e->path);
  return 0;
}

static int apply_entry(struct applier *a, struct sk_tar_entry *e, sk_err_t *err)
{
  _cleanup_free_ char *path = sk_tar_clean_path(e->path);
  if (path == NULL)
    return sk_failx(err, "refusing member \"%s\": \"..\" in the path", e->path);
  const char *slash = strrchr(path, '/');
  _cleanup_free_ char *parent = slash ? xstrndup(path, slash - path) : xstrdup("");
  const char *name = slash ? slash + 1 : path;
  struct timespec ts[2] = {{e->mtime_sec, e->mtime_nsec}, {e->mtime_sec, e->mtime_nsec}};
  bool priv = a->o->privileged;

  if (*name == '\0') {
    /* The layer root itself ("./"): only a directory's metadata applies. */
    if (e->type != '5')
      return sk_failx(err, "refusing member \"%s\": not a directory", e->path);
    if (priv && fchown(a->root, e->uid, e->gid) < 0)
      return sk_failno(err, "chown the layer root");
    if (fchmod(a->root, e->mode) < 0)
      return sk_failno(err, "chmod the layer root");
    a->dt = xrealloc(a->dt, (a->n_dt + 1) * sizeof(*a->dt));
    a->dt[a->n_dt].path = xstrdup("");
    memcpy(a->dt[a->n_dt++].ts, ts, sizeof(ts));
    return 0;
  }
  int pfd = parent_fd(a, parent, err);
  if (pfd < 0)
    return -1;

  if (strncmp(name, ".wh.", 4) == 0) {
    if (strcmp(name, ".wh..wh..opq") == 0) {
      _cleanup_close_ int dfd = open_in_root(a->root, parent, O_RDONLY | O_DIRECTORY);
      if (dfd < 0 || fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
        return sk_failno(err, "mark %s opaque", *parent ? parent : "/");
      return 0;
    }
    const char *victim = name + 4;
    if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0 ||
        strncmp(victim, ".wh.", 4) == 0)
      return sk_failx(err, "refusing whiteout \"%s\"", e->path);
    if (clear_name(a, pfd, victim, false, err) < 0)
      return -1;
    pfd = parent_fd(a, parent, err);
    if (pfd < 0)
      return -1;
    if (mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
      return sk_failno(err, "create whiteout for %s", e->path);
    return 0;
  }

  /* Create first; only when the name exists already (a duplicate member or a replaced type)
   * clear it and retry: no extra syscall on the common path. */
#define CREATE(expr)                                                                               \
  ({                                                                                               \
    int _r = (expr);                                                                               \
    if (_r < 0 && errno == EEXIST) {                                                               \
      if (clear_name(a, pfd, name, false, err) < 0)                                                \
        return -1;                                                                                 \
      if ((pfd = parent_fd(a, parent, err)) < 0)                                                   \
        return -1;                                                                                 \
      _r = (expr);                                                                                 \
    }                                                                                              \
    _r;                                                                                            \
  })

  switch (e->type) {
  case '0': {
    _cleanup_close_ int fd =
        CREATE(openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd < 0)
      return sk_failno(err, "create %s", e->path);
    if (write_file(a, fd, e, err) < 0)
      return -1;
    if (priv && fchown(fd, e->uid, e->gid) < 0)
      return sk_failno(err, "chown %s", e->path);
    if (fchmod(fd, e->mode) < 0)
      return sk_failno(err, "chmod %s", e->path);
    if (set_xattrs_fd(fd, e, err) < 0)
      return -1;
    if (futimens(fd, ts) < 0)
      return sk_failno(err, "set times of %s", e->path);
    return 0;
  }
  case '5': {
    if (mkdirat(pfd, name, 0700) < 0) {
      if (errno != EEXIST)
        return sk_failno(err, "mkdir %s", e->path);
      int k = clear_name(a, pfd, name, true, err); /* an existing directory is kept */
      if (k < 0 || (pfd = parent_fd(a, parent, err)) < 0)
        return -1;
      if (k == 0 && mkdirat(pfd, name, 0700) < 0)
        return sk_failno(err, "mkdir %s", e->path);
    }
    _cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return sk_failno(err, "open %s", e->path);
    if (priv && fchown(fd, e->uid, e->gid) < 0)
      return sk_failno(err, "chown %s", e->path);
    if (fchmod(fd, e->mode) < 0)
      return sk_failno(err, "chmod %s", e->path);
    if (set_xattrs_fd(fd, e, err) < 0)
      return -1;
    a->dt = xrealloc(a->dt, (a->n_dt + 1) * sizeof(*a->dt));
    a->dt[a->n_dt].path = steal_ptr(path);
    memcpy(a->dt[a->n_dt++].ts, ts, sizeof(ts));
    return 0;
  }
  case '2':
    if (CREATE(symlinkat(e->linkpath, pfd, name)) < 0)
      return sk_failno(err, "symlink %s", e->path);
    if (priv && fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
      return sk_failno(err, "chown %s", e->path);
    if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
      return sk_failno(err, "set times of %s", e->path);
    return 0;
  case '1': {
    _cleanup_free_ char *target = sk_tar_clean_path(e->linkpath);
    if (target == NULL || *target == '\0')
      return sk_failx(err, "refusing hard link %s to \"%s\"", e->path, e->linkpath);
    const char *ts_ = strrchr(target, '/');
    _cleanup_free_ char *tparent = ts_ ? xstrndup(target, ts_ - target) : xstrdup("");
    _cleanup_close_ int tfd = open_in_root(a->root, tparent, O_PATH | O_DIRECTORY);
    if (tfd < 0)
      return sk_failno(err, "hard link %s: target %s", e->path, e->linkpath);
    /* linkat without AT_SYMLINK_FOLLOW links the entry itself, never what a symlink names. */
    if (CREATE(linkat(tfd, ts_ ? ts_ + 1 : target, pfd, name, 0)) < 0)
      return sk_failno(err, "hard link %s to %s", e->path, e->linkpath);
    return 0;
  }
  case '3':
  case '4':
  case '6': {
    mode_t fmt = e->type == '3' ? S_IFCHR : e->type == '4' ? S_IFBLK : S_IFIFO;
    if (fmt != S_IFIFO && !priv)
      return sk_failx(err, "refusing device node %s: not privileged", e->path);
    if (CREATE(mknodat(pfd, name, fmt | (e->mode & 0777), makedev(e->devmajor, e->devminor))) < 0)
      return sk_failno(err, "mknod %s", e->path);
    if (priv && fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
      return sk_failno(err, "chown %s", e->path);
    if (fchmodat(pfd, name, e->mode, 0) < 0)
      return sk_failno(err, "chmod %s", e->path);
    if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
      return sk_failno(err, "set times of %s", e->path);
    return 0;
  }
  default:
    sk_debug("%s: skipping tar member of type '%c'", e->path, e->type);
    return 0;
  }
#undef CREATE
}

int sk_layer_apply(struct sk_istream *in, int layer_dirfd, const struct sk_layer_opts *o,
                   sk_err_t *err)
{
  struct applier a = {.root = layer_dirfd, .o = o, .cache_fd = -1};
  a.b.s = in;
  a.b.cap = 256 * 1024;
  a.b.buf = xmalloc(a.b.cap);
  int ret = -1;
  for (;;) {
    struct sk_tar_entry e = {0};
    int r = tar_next(&a.b, &e, err);
    if (r < 0)
      goto out;
    if (r == 0)
      break;
    uint64_t pos_size = e.size;
    /* Only write_file reads member data; a regular member that is not written (a whiteout or
     * opaque marker with a size, ".") must have its data skipped, or the data would be parsed as
     * headers. */
    a.consumed = false;
    r = apply_entry(&a, &e, err);
    if (r == 0 && !a.consumed && pos_size)
      r = br_read(&a.b, NULL, pos_size, err);
    if (r == 0)
      r = br_read(&a.b, NULL, pad(pos_size), err);
    sk_tar_entry_clear(&e);
    if (r < 0)
      goto out;
  }
  /* Directory times last: creating entries inside a directory changes its mtime. */
  for (size_t i = a.n_dt; i-- > 0;) {
    _cleanup_close_ int fd = open_in_root(a.root, a.dt[i].path, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || futimens(fd, a.dt[i].ts) < 0) {
      sk_failno(err, "set times of %s", a.dt[i].path);
      goto out;
    }
  }
  ret = 0;
out:
  for (size_t i = 0; i < a.n_dt; i++)
    free(a.dt[i].path);
  free(a.dt);
  drop_cache(&a);
  free(a.b.buf);
  if (ret < 0 && o->name)
    sk_err_prefix(err, "%s", o->name);
  return ret;
}
