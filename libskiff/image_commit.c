/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* commit: walk DIR/upper (without following anything: O_NOFOLLOW opens relative to directory
 * fds) and write a gzip'd tar layer: overlay whiteouts (char 0:0) become ".wh.NAME", opaque
 * directories (trusted.overlay.opaque=y) get ".wh..wh..opq", hard links inside the upper dir
 * become link entries, xattrs go out as PAX SCHILY.xattr records (trusted.overlay.* dropped).
 * export: an OCI image layout as an uncompressed tar (what podman load/skopeo read). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include <zlib.h>

#include "image_commit.h"
#include "image_import.h"
#include "image_stream.h"
#include "json.h"
#include "utils.h"

/* ---- output sinks ---- */
struct sink {
  int fd;
  struct sk_sha256 *raw;  /* diff_id */
  struct sk_sha256 *comp; /* blob digest */
  z_stream z;
  bool gzip;
  uint64_t out_bytes;
  unsigned char *zbuf;
};

static int sink_out(struct sink *k, const void *p, size_t n, sk_err_t *err)
{
  if (k->comp)
    sk_sha256_update(k->comp, p, n);
  k->out_bytes += n;
  if (sk_write_all(k->fd, p, n) < 0)
    return sk_failno(err, "write");
  return 0;
}

static int sink_write(struct sink *k, const void *p, size_t n, int flush, sk_err_t *err)
{
  if (k->raw)
    sk_sha256_update(k->raw, p, n);
  if (!k->gzip)
    return sink_out(k, p, n, err);
  k->z.next_in = (unsigned char *)p;
  k->z.avail_in = n;
  do {
    k->z.next_out = k->zbuf;
    k->z.avail_out = 65536;
    int r = deflate(&k->z, flush);
    if (r == Z_STREAM_ERROR)
      return sk_failx(err, "gzip failed");
    if (sink_out(k, k->zbuf, 65536 - k->z.avail_out, err) < 0)
      return -1;
  } while (k->z.avail_out == 0 || (flush == Z_FINISH && k->z.avail_in > 0));
  return 0;
}

/* ---- tar writer ---- */
static void octal(char *f, size_t n, uint64_t v)
{
  /* n-1 digits + NUL; base-256 when it does not fit */
  if (v >= (1ULL << (3 * (n - 1)))) {
    memset(f, 0, n);
    f[0] = (char)0x80;
    for (size_t i = n - 1; i > 0; i--, v >>= 8)
      f[i] = v & 0xff;
    return;
  }
  snprintf(f, n, "%0*llo", (int)(n - 1), (unsigned long long)v);
}

static int pax_add(struct sk_buf *b, const char *key, const char *val, size_t vlen)
{
  size_t base = strlen(key) + vlen + 3; /* ' ' '=' '\n' */
  size_t len = base + 1;
  for (;;) {
    char tmp[24];
    size_t l = base + snprintf(tmp, sizeof(tmp), "%zu", len);
    if (l == len)
      break;
    len = l;
  }
  sk_buf_addf(b, "%zu %s=", len, key);
  sk_buf_add(b, val, vlen);
  sk_buf_add(b, "\n", 1);
  return 0;
}

static int write_header(struct sink *k, const char *name, char type, const struct stat *st,
                        uint64_t size, const char *link, struct sk_buf *pax, sk_err_t *err)
{
  char h[512];
  memset(h, 0, sizeof(h));
  struct sk_buf px = {0};
  if (pax && pax->len)
    sk_buf_add(&px, pax->data, pax->len);
  if (strlen(name) > 99)
    pax_add(&px, "path", name, strlen(name));
  if (link && strlen(link) > 99)
    pax_add(&px, "linkpath", link, strlen(link));
  if (px.len) {
    char ph[512];
    memset(ph, 0, sizeof(ph));
    snprintf(ph, 100, "PaxHeaders/%.80s", name);
    octal(ph + 100, 8, 0644);
    octal(ph + 108, 8, 0);
    octal(ph + 116, 8, 0);
    octal(ph + 124, 12, px.len);
    octal(ph + 136, 12, 0);
    ph[156] = 'x';
    memcpy(ph + 257, "ustar", 6);
    memcpy(ph + 263, "00", 2);
    memset(ph + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
      sum += (unsigned char)ph[i];
    snprintf(ph + 148, 8, "%06o", sum);
    static const char zero[512];
    int r = sink_write(k, ph, 512, Z_NO_FLUSH, err);
    if (r == 0)
      r = sink_write(k, px.data, px.len, Z_NO_FLUSH, err);
    if (r == 0 && px.len % 512)
      r = sink_write(k, zero, 512 - px.len % 512, Z_NO_FLUSH, err);
    free(px.data);
    if (r < 0)
      return -1;
  }
  strncpy(h, name, 100);
  octal(h + 100, 8, st->st_mode & 07777);
  octal(h + 108, 8, st->st_uid);
  octal(h + 116, 8, st->st_gid);
  octal(h + 124, 12, size);
  octal(h + 136, 12, st->st_mtime < 0 ? 0 : (uint64_t)st->st_mtime);
  h[156] = type;
  if (link)
    strncpy(h + 157, link, 100);
  memcpy(h + 257, "ustar", 6);
  memcpy(h + 263, "00", 2);
  if (type == '3' || type == '4') {
    octal(h + 329, 8, major(st->st_rdev));
    octal(h + 337, 8, minor(st->st_rdev));
  }
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += (unsigned char)h[i];
  snprintf(h + 148, 8, "%06o", sum);
  return sink_write(k, h, 512, Z_NO_FLUSH, err);
}

static int write_fd_data(struct sink *k, int fd, uint64_t size, sk_err_t *err)
{
  char buf[65536];
  uint64_t left = size;
  while (left) {
    ssize_t r = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return sk_fail(err, r < 0 ? errno : 0, "read (file changed while committing?)");
    if (sink_write(k, buf, r, Z_NO_FLUSH, err) < 0)
      return -1;
    left -= r;
  }
  static const char zero[512];
  if (size % 512)
    return sink_write(k, zero, 512 - size % 512, Z_NO_FLUSH, err);
  return 0;
}

struct inode_seen {
  dev_t dev;
  ino_t ino;
  char *path;
};

struct walker {
  struct sink *k;
  struct inode_seen *seen;
  size_t n_seen;
};

static void collect_xattrs(int fd, struct sk_buf *pax, bool *opaque)
{
  char names[4096];
  ssize_t n = flistxattr(fd, names, sizeof(names));
  for (ssize_t i = 0; n > 0 && i < n; i += strlen(names + i) + 1) {
    const char *nm = names + i;
    char val[4096];
    ssize_t vl = fgetxattr(fd, nm, val, sizeof(val));
    if (vl < 0)
      continue;
    if (strcmp(nm, "trusted.overlay.opaque") == 0) {
      if (opaque && vl == 1 && val[0] == 'y')
        *opaque = true;
      continue;
    }
    if (strncmp(nm, "trusted.overlay.", 16) == 0 || strcmp(nm, "system.posix_acl_access") == 0 ||
        strncmp(nm, "security.selinux", 16) == 0)
      continue;
    _cleanup_free_ char *key = xasprintf("SCHILY.xattr.%s", nm);
    pax_add(pax, key, val, vl);
  }
}

static int walk(struct walker *w, int dfd, const char *prefix, sk_err_t *err)
{
  int fd = dup(dfd);
  if (fd < 0)
    return sk_failno(err, "dup");
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return sk_failno(err, "opendir %s", prefix);
  }
  rewinddir(d);
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    names = xrealloc(names, (n + 1) * sizeof(char *));
    names[n++] = xstrdup(de->d_name);
  }
  closedir(d);
  int ret = -1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(names[i], names[j]) > 0) {
        char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  for (size_t i = 0; i < n; i++) {
    const char *nm = names[i];
    _cleanup_free_ char *path = *prefix ? xasprintf("%s/%s", prefix, nm) : xstrdup(nm);
    struct stat st;
    if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      sk_failno(err, "stat %s", path);
      goto out;
    }
    struct sk_buf pax = {0};
    int r = 0;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      /* overlay whiteout */
      _cleanup_free_ char *wh =
          *prefix ? xasprintf("%s/.wh.%s", prefix, nm) : xasprintf(".wh.%s", nm);
      struct stat z = st;
      z.st_mode = S_IFREG | 0644;
      r = write_header(w->k, wh, '0', &z, 0, NULL, NULL, err);
    } else if (S_ISDIR(st.st_mode)) {
      _cleanup_close_ int cfd = openat(dfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (cfd < 0) {
        sk_failno(err, "open %s", path);
        goto out;
      }
      bool opaque = false;
      collect_xattrs(cfd, &pax, &opaque);
      _cleanup_free_ char *dn = xasprintf("%s/", path);
      r = write_header(w->k, dn, '5', &st, 0, NULL, &pax, err);
      if (r == 0 && opaque) {
        _cleanup_free_ char *op = xasprintf("%s/.wh..wh..opq", path);
        struct stat z = st;
        z.st_mode = S_IFREG | 0644;
        r = write_header(w->k, op, '0', &z, 0, NULL, NULL, err);
      }
      if (r == 0)
        r = walk(w, cfd, path, err);
    } else if (S_ISREG(st.st_mode)) {
      const char *link = NULL;
      if (st.st_nlink > 1) {
        for (size_t s2 = 0; s2 < w->n_seen; s2++)
          if (w->seen[s2].dev == st.st_dev && w->seen[s2].ino == st.st_ino)
            link = w->seen[s2].path;
        if (link == NULL) {
          w->seen = xrealloc(w->seen, (w->n_seen + 1) * sizeof(*w->seen));
          w->seen[w->n_seen++] = (struct inode_seen){st.st_dev, st.st_ino, xstrdup(path)};
        }
      }
      if (link)
        r = write_header(w->k, path, '1', &st, 0, link, NULL, err);
      else {
        _cleanup_close_ int ffd = openat(dfd, nm, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (ffd < 0) {
          sk_failno(err, "open %s", path);
          goto out;
        }
        collect_xattrs(ffd, &pax, NULL);
        r = write_header(w->k, path, '0', &st, st.st_size, NULL, &pax, err);
        if (r == 0)
          r = write_fd_data(w->k, ffd, st.st_size, err);
      }
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t l = readlinkat(dfd, nm, target, sizeof(target) - 1);
      if (l < 0) {
        sk_failno(err, "readlink %s", path);
        goto out;
      }
      target[l] = '\0';
      r = write_header(w->k, path, '2', &st, 0, target, NULL, err);
    } else {
      char t = S_ISCHR(st.st_mode)    ? '3'
               : S_ISBLK(st.st_mode)  ? '4'
               : S_ISFIFO(st.st_mode) ? '6'
                                      : 0;
      if (t)
        r = write_header(w->k, path, t, &st, 0, NULL, NULL, err);
    }
    free(pax.data);
    if (r < 0) {
      sk_err_prefix(err, "%s", path);
      goto out;
    }
  }
  ret = 0;
out:
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return ret;
}

/* ---- JSON helpers: copy a yajl tree into a generator ---- */
static void gs(yajl_gen g, const char *s)
{
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void emit(yajl_gen g, yajl_val v)
{
  if (YAJL_IS_STRING(v))
    gs(g, YAJL_GET_STRING(v));
  else if (YAJL_IS_NUMBER(v))
    yajl_gen_number(g, YAJL_GET_NUMBER(v), strlen(YAJL_GET_NUMBER(v)));
  else if (YAJL_IS_TRUE(v))
    yajl_gen_bool(g, 1);
  else if (YAJL_IS_FALSE(v))
    yajl_gen_bool(g, 0);
  else if (YAJL_IS_OBJECT(v)) {
    yajl_gen_map_open(g);
    for (size_t i = 0; i < YAJL_GET_OBJECT(v)->len; i++) {
      gs(g, YAJL_GET_OBJECT(v)->keys[i]);
      emit(g, YAJL_GET_OBJECT(v)->values[i]);
    }
    yajl_gen_map_close(g);
  } else if (YAJL_IS_ARRAY(v)) {
    yajl_gen_array_open(g);
    for (size_t i = 0; i < YAJL_GET_ARRAY(v)->len; i++)
      emit(g, YAJL_GET_ARRAY(v)->values[i]);
    yajl_gen_array_close(g);
  } else
    yajl_gen_null(g);
}

static char *new_config(const struct sk_image *img, const char *diff_id, size_t *len)
{
  char now[64];
  sk_rfc3339_now(now, sizeof(now));
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_val c = img->config;
  yajl_gen_map_open(g);
  for (size_t i = 0; i < YAJL_GET_OBJECT(c)->len; i++) {
    const char *k = YAJL_GET_OBJECT(c)->keys[i];
    yajl_val v = YAJL_GET_OBJECT(c)->values[i];
    if (strcmp(k, "rootfs") == 0 || strcmp(k, "created") == 0)
      continue;
    gs(g, k);
    if (strcmp(k, "history") == 0 && YAJL_IS_ARRAY(v)) {
      yajl_gen_array_open(g);
      for (size_t j = 0; j < YAJL_GET_ARRAY(v)->len; j++)
        emit(g, YAJL_GET_ARRAY(v)->values[j]);
      yajl_gen_map_open(g);
      gs(g, "created");
      gs(g, now);
      gs(g, "created_by");
      gs(g, "skiff-image commit");
      yajl_gen_map_close(g);
      yajl_gen_array_close(g);
    } else
      emit(g, v);
  }
  gs(g, "created");
  gs(g, now);
  gs(g, "rootfs");
  yajl_gen_map_open(g);
  gs(g, "type");
  gs(g, "layers");
  gs(g, "diff_ids");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < img->n_layers; i++)
    gs(g, img->layers[i].diff_id);
  gs(g, diff_id);
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  const unsigned char *buf;
  size_t l;
  yajl_gen_get_buf(g, &buf, &l);
  char *out = xmalloc(l + 1);
  memcpy(out, buf, l);
  out[l] = '\0';
  *len = l;
  yajl_gen_free(g);
  return out;
}

int sk_image_commit(struct sk_store *s, const char *dir, const char *name, char **digest_out,
                    sk_err_t *err)
{
  _cleanup_free_ char *mark = xasprintf("%s/.skiff-image", dir), *base = NULL;
  size_t blen;
  if (sk_read_file_at(AT_FDCWD, mark, &base, &blen, err) < 0)
    return sk_err_prefix(err, "%s is not a skiff-image mount or bundle", dir);
  while (blen && base[blen - 1] == '\n')
    base[--blen] = '\0';
  struct sk_image img;
  if (sk_image_load(s, base, &img, err) < 0)
    return -1;
  int ret = -1;
  _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
  _cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_free_ char *tmpname = xasprintf("%s/blobs/sha256/.tmp-commit-%d", s->root, getpid());
  _cleanup_close_ int out = -1;
  struct sink k = {0};
  struct walker w = {&k, NULL, 0};
  char diff_hex[SK_SHA256_HEX + 1], comp_hex[SK_SHA256_HEX + 1];
  _cleanup_free_ char *diff_id = NULL, *bdig = NULL, *cfg = NULL, *cdig = NULL, *got = NULL,
                      *media = NULL;
  struct sk_buf m = {0};
  if (ufd < 0) {
    sk_failno(err, "open %s", upper);
    goto out;
  }
  out = open(tmpname, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) {
    sk_failno(err, "create %s", tmpname);
    goto out;
  }
  k.fd = out;
  k.raw = sk_sha256_new();
  k.comp = sk_sha256_new();
  k.gzip = true;
  k.zbuf = xmalloc(65536);
  if (deflateInit2(&k.z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort();
  static const char zero[1024];
  if (walk(&w, ufd, "", err) < 0 || sink_write(&k, zero, 1024, Z_FINISH, err) < 0)
    goto out;
  sk_sha256_final(k.raw, diff_hex);
  sk_sha256_final(k.comp, comp_hex);
  diff_id = xasprintf("sha256:%s", diff_hex);
  bdig = xasprintf("sha256:%s", comp_hex);
  /* Unpack it into the store through the normal import path (verifies both digests). */
  if (sk_layer_import(s, out, 0, k.out_bytes, bdig, diff_id, 0, NULL, &got, &media, err) < 0)
    goto out;
  size_t clen;
  cfg = new_config(&img, diff_id, &clen);
  if (sk_store_blob_put(s, cfg, clen, &cdig, err) < 0)
    goto out;
  sk_buf_addf(&m,
              "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
              "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
              "\"digest\":\"%s\",\"size\":%zu},\"layers\":[",
              cdig, clen);
  for (size_t i = 0; i < img.n_layers; i++)
    sk_buf_addf(&m, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%llu},",
                img.layers[i].media_type, img.layers[i].digest,
                (unsigned long long)img.layers[i].size);
  sk_buf_addf(&m,
              "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
              "\"size\":%llu}]}",
              bdig, (unsigned long long)k.out_bytes);
  if (sk_store_blob_put(s, m.data, m.len, digest_out, err) < 0 ||
      sk_store_ref_set(s, name, *digest_out, err) < 0)
    goto out;
  ret = 0;
out:
  if (k.zbuf)
    deflateEnd(&k.z);
  free(k.zbuf);
  sk_sha256_free(k.raw);
  sk_sha256_free(k.comp);
  for (size_t i = 0; i < w.n_seen; i++)
    free(w.seen[i].path);
  free(w.seen);
  free(m.data);
  unlink(tmpname);
  sk_image_free(&img);
  return ret;
}

/* ---- export ---- */
static int add_file(struct sink *k, const char *name, const void *data, size_t len, int fd,
                    uint64_t fsize, sk_err_t *err)
{
  struct stat st = {0};
  st.st_mode = S_IFREG | 0644;
  if (write_header(k, name, '0', &st, data ? len : fsize, NULL, NULL, err) < 0)
    return -1;
  if (data) {
    static const char zero[512];
    if (sink_write(k, data, len, Z_NO_FLUSH, err) < 0)
      return -1;
    return len % 512 ? sink_write(k, zero, 512 - len % 512, Z_NO_FLUSH, err) : 0;
  }
  return write_fd_data(k, fd, fsize, err);
}

static int add_blob(struct sk_store *s, struct sink *k, const char *digest, sk_err_t *err)
{
  _cleanup_free_ char *p = sk_store_blob_path(s, digest);
  _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return sk_failno(err, "blob %s", digest);
  _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", sk_digest_hex(digest));
  return add_file(k, name, NULL, 0, fd, st.st_size, err);
}

int sk_image_export(struct sk_store *s, const char *name, const char *file, sk_err_t *err)
{
  struct sk_image img;
  if (sk_image_load(s, name, &img, err) < 0)
    return -1;
  int ret = -1;
  _cleanup_free_ char *tmp = xasprintf("%s.tmp", file);
  _cleanup_free_ char *norm = sk_image_name_normalize(name);
  struct sk_buf idx = {0};
  struct sink k = {0};
  k.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (k.fd < 0) {
    sk_failno(err, "create %s", tmp);
    goto out;
  }
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  sk_buf_addf(&idx,
              "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
              "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
              "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{"
              "\"org.opencontainers.image.ref.name\":",
              img.manifest_digest, img.manifest_len);
  sk_buf_add_json_string(&idx, norm);
  sk_buf_add(&idx, "}}]}", 4);
  static const char zero[1024];
  if (add_file(&k, "oci-layout", layout, strlen(layout), -1, 0, err) < 0 ||
      add_file(&k, "index.json", idx.data, idx.len, -1, 0, err) < 0 ||
      add_blob(s, &k, img.manifest_digest, err) < 0 || add_blob(s, &k, img.config_digest, err) < 0)
    goto out;
  for (size_t i = 0; i < img.n_layers; i++) {
    bool dup = false;
    for (size_t j = 0; j < i; j++)
      dup |= strcmp(img.layers[j].digest, img.layers[i].digest) == 0;
    if (!dup && add_blob(s, &k, img.layers[i].digest, err) < 0)
      goto out;
  }
  if (sink_write(&k, zero, sizeof(zero), Z_NO_FLUSH, err) < 0)
    goto out;
  if (rename(tmp, file) < 0) {
    sk_failno(err, "rename %s", tmp);
    goto out;
  }
  ret = 0;
out:
  if (k.fd >= 0)
    close(k.fd);
  if (ret < 0)
    unlink(tmp);
  free(idx.data);
  sk_image_free(&img);
  return ret < 0 ? sk_err_prefix(err, "export %s", name) : 0;
}
