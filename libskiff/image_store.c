/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Store layout, references, blobs and loading an image (see image_store.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_store.h"
#include "image_stream.h"
#include "utils.h"

int sk_store_open(struct sk_store *s, const char *root, bool exclusive, sk_err_t *err)
{
  memset(s, 0, sizeof(*s));
  s->dirfd = s->lockfd = -1;
  if (sk_mkdir_p(root, 0700, err) < 0)
    return sk_err_prefix(err, "store %s", root);
  s->root = xstrdup(root);
  s->dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0)
    return sk_failno(err, "open store %s", root);
  static const char *const dirs[] = {"blobs", "blobs/sha256", "layers", "images", "tmp"};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
    if (mkdirat(s->dirfd, dirs[i], 0700) < 0 && errno != EEXIST)
      return sk_failno(err, "create %s/%s", root, dirs[i]);
  s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lockfd < 0)
    return sk_failno(err, "open %s/lock", root);
  int r;
  do
    r = flock(s->lockfd, exclusive ? LOCK_EX : LOCK_SH);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sk_failno(err, "lock %s/lock", root);
  return 0;
}

void sk_store_close(struct sk_store *s)
{
  if (s->lockfd >= 0)
    close(s->lockfd);
  if (s->dirfd >= 0)
    close(s->dirfd);
  free(s->root);
  memset(s, 0, sizeof(*s));
  s->dirfd = s->lockfd = -1;
}

char *sk_image_name_normalize(const char *name)
{
  const char *slash = strrchr(name, '/');
  const char *colon = strchr(slash ? slash : name, ':');
  if (colon || strncmp(name, "sha256:", 7) == 0)
    return xstrdup(name);
  return xasprintf("%s:latest", name);
}

static int check_name(const char *name, sk_err_t *err)
{
  if (*name == '\0' || strlen(name) > 255 || *name == '.')
    return sk_failx(err, "invalid image name \"%s\"", name);
  for (const char *p = name; *p; p++)
    if (*p <= ' ' || *p == '%' || *p == '\\' || *p == 127)
      return sk_failx(err, "invalid image name \"%s\"", name);
  return 0;
}

static char *ref_file(const char *name)
{
  size_t n = strlen(name);
  char *out = xmalloc(3 * n + 8);
  char *o = stpcpy(out, "images/");
  for (const char *p = name; *p; p++) {
    if (*p == '/')
      o = stpcpy(o, "%2F");
    else
      *o++ = *p;
  }
  *o = '\0';
  return out;
}

static char *ref_unescape(const char *f)
{
  char *out = xmalloc(strlen(f) + 1), *o = out;
  for (const char *p = f; *p; p++) {
    if (strncmp(p, "%2F", 3) == 0) {
      *o++ = '/';
      p += 2;
    } else
      *o++ = *p;
  }
  *o = '\0';
  return out;
}

int sk_store_ref_get(struct sk_store *s, const char *name, char **digest, sk_err_t *err)
{
  _cleanup_free_ char *n = sk_image_name_normalize(name);
  if (sk_digest_hex(n)) {
    if (!sk_store_has_blob(s, n))
      return sk_failx(err, "image %s: not in the store", n);
    *digest = steal_ptr(n);
    return 0;
  }
  if (check_name(n, err) < 0)
    return -1;
  _cleanup_free_ char *f = ref_file(n);
  _cleanup_free_ char *data = NULL;
  size_t len;
  if (sk_read_file_at(s->dirfd, f, &data, &len, err) < 0) {
    if ((*err)->errnum == ENOENT) {
      sk_err_free(err);
      return sk_failx(err, "image %s: no such image", n);
    }
    return -1;
  }
  while (len && (data[len - 1] == '\n' || data[len - 1] == ' '))
    data[--len] = '\0';
  if (!sk_digest_hex(data))
    return sk_failx(err, "%s/%s: corrupt reference", s->root, f);
  *digest = steal_ptr(data);
  return 0;
}

int sk_store_ref_set(struct sk_store *s, const char *name, const char *digest, sk_err_t *err)
{
  _cleanup_free_ char *n = sk_image_name_normalize(name);
  if (check_name(n, err) < 0)
    return -1;
  _cleanup_free_ char *f = ref_file(n);
  _cleanup_free_ char *line = xasprintf("%s\n", digest);
  return sk_atomic_write_at(s->dirfd, f, line, strlen(line), 0600, err);
}

int sk_store_ref_del(struct sk_store *s, const char *name, sk_err_t *err)
{
  _cleanup_free_ char *n = sk_image_name_normalize(name);
  if (check_name(n, err) < 0)
    return -1;
  _cleanup_free_ char *f = ref_file(n);
  if (unlinkat(s->dirfd, f, 0) < 0)
    return errno == ENOENT ? sk_failx(err, "image %s: no such image", n)
                           : sk_failno(err, "remove %s/%s", s->root, f);
  return 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_store_refs(struct sk_store *s, char ***names, char ***digests, sk_err_t *err)
{
  int fd = openat(s->dirfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open %s/images", s->root);
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return sk_failno(err, "open %s/images", s->root);
  }
  char **n = xzalloc(sizeof(char *));
  size_t cnt = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    /* ".tmp" suffix: an sk_atomic_write_at in progress or killed */
    if (de->d_name[0] == '.' || (l > 4 && strcmp(de->d_name + l - 4, ".tmp") == 0))
      continue;
    n = xrealloc(n, (cnt + 2) * sizeof(char *));
    n[cnt++] = ref_unescape(de->d_name);
    n[cnt] = NULL;
  }
  qsort(n, cnt, sizeof(char *), cmp_str);
  char **dg = xzalloc((cnt + 1) * sizeof(char *));
  for (size_t i = 0; i < cnt; i++) {
    sk_err_t e = NULL;
    if (sk_store_ref_get(s, n[i], &dg[i], &e) < 0) {
      dg[i] = xstrdup("?");
      sk_err_free(&e);
    }
  }
  *names = n;
  *digests = dg;
  return 0;
}

char *sk_store_blob_path(struct sk_store *s, const char *digest)
{
  const char *hex = sk_digest_hex(digest);
  return xasprintf("%s/blobs/sha256/%s", s->root, hex ? hex : "invalid");
}

char *sk_store_layer_path(struct sk_store *s, const char *diff_id)
{
  const char *hex = sk_digest_hex(diff_id);
  return xasprintf("%s/layers/%s", s->root, hex ? hex : "invalid");
}

bool sk_store_has_blob(struct sk_store *s, const char *digest)
{
  const char *hex = sk_digest_hex(digest);
  if (hex == NULL)
    return false;
  _cleanup_free_ char *p = xasprintf("blobs/sha256/%s", hex);
  return faccessat(s->dirfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int sk_store_blob_read(struct sk_store *s, const char *digest, char **data, size_t *len,
                       sk_err_t *err)
{
  const char *hex = sk_digest_hex(digest);
  if (hex == NULL)
    return sk_failx(err, "invalid digest \"%s\"", digest);
  _cleanup_free_ char *p = xasprintf("blobs/sha256/%s", hex);
  if (sk_read_file_at(s->dirfd, p, data, len, err) < 0)
    return sk_err_prefix(err, "blob %s", digest);
  return 0;
}

int sk_store_blob_put(struct sk_store *s, const void *data, size_t len, char **digest,
                      sk_err_t *err)
{
  _cleanup_free_ char *d = sk_sha256_digest_of(data, len);
  if (!sk_store_has_blob(s, d)) {
    _cleanup_free_ char *p = xasprintf("blobs/sha256/%s", sk_digest_hex(d));
    if (sk_atomic_write_at(s->dirfd, p, data, len, 0600, err) < 0)
      return sk_err_prefix(err, "store blob %s", d);
  }
  if (digest)
    *digest = steal_ptr(d);
  return 0;
}

static const char *jstr(yajl_val obj, const char *key)
{
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
  return v ? YAJL_GET_STRING(v) : NULL;
}

int sk_image_parse(struct sk_image *img, sk_err_t *err)
{
  char ebuf[256];
  _cleanup_free_ char *m = xstrndup(img->manifest_raw, img->manifest_len);
  img->manifest = yajl_tree_parse(m, ebuf, sizeof(ebuf));
  if (img->manifest == NULL || !YAJL_IS_OBJECT(img->manifest))
    return sk_failx(err, "manifest %s: not a JSON object", img->manifest_digest);
  _cleanup_free_ char *c = xstrndup(img->config_raw, img->config_len);
  img->config = yajl_tree_parse(c, ebuf, sizeof(ebuf));
  if (img->config == NULL || !YAJL_IS_OBJECT(img->config))
    return sk_failx(err, "config %s: not a JSON object", img->config_digest);
  const char *lp[] = {"layers", NULL};
  yajl_val layers = yajl_tree_get(img->manifest, lp, yajl_t_array);
  const char *dp[] = {"rootfs", "diff_ids", NULL};
  yajl_val diffs = yajl_tree_get(img->config, dp, yajl_t_array);
  size_t nl = layers ? YAJL_GET_ARRAY(layers)->len : 0;
  size_t nd = diffs ? YAJL_GET_ARRAY(diffs)->len : 0;
  if (nl != nd)
    return sk_failx(err, "image %s: %zu layers but %zu rootfs.diff_ids in the config",
                    img->manifest_digest, nl, nd);
  img->layers = xzalloc((nl + 1) * sizeof(*img->layers));
  for (size_t i = 0; i < nl; i++) {
    yajl_val l = YAJL_GET_ARRAY(layers)->values[i];
    yajl_val d = YAJL_GET_ARRAY(diffs)->values[i];
    const char *dig = jstr(l, "digest");
    const char *mt = jstr(l, "mediaType");
    const char *sp[] = {"size", NULL};
    yajl_val sz = yajl_tree_get(l, sp, yajl_t_number);
    if (!sk_digest_hex(dig) || !YAJL_IS_STRING(d) || !sk_digest_hex(YAJL_GET_STRING(d)))
      return sk_failx(err, "image %s: layers[%zu]: missing or invalid sha256 digest",
                      img->manifest_digest, i);
    img->layers[i].digest = xstrdup(dig);
    img->layers[i].media_type = xstrdup(mt ? mt : "application/vnd.oci.image.layer.v1.tar");
    img->layers[i].size = sz && YAJL_IS_INTEGER(sz) ? (uint64_t)YAJL_GET_INTEGER(sz) : 0;
    img->layers[i].diff_id = xstrdup(YAJL_GET_STRING(d));
    img->n_layers++;
  }
  return 0;
}

static int image_load(struct sk_store *s, const char *name, struct sk_image *img, sk_err_t *err)
{
  if (sk_store_ref_get(s, name, &img->manifest_digest, err) < 0)
    return -1;
  if (sk_store_blob_read(s, img->manifest_digest, &img->manifest_raw, &img->manifest_len, err) < 0)
    return -1;
  char ebuf[128];
  _cleanup_free_ char *m = xstrndup(img->manifest_raw, img->manifest_len);
  yajl_val man = yajl_tree_parse(m, ebuf, sizeof(ebuf));
  const char *cp[] = {"config", "digest", NULL};
  yajl_val cd = man ? yajl_tree_get(man, cp, yajl_t_string) : NULL;
  if (cd == NULL || !sk_digest_hex(YAJL_GET_STRING(cd))) {
    yajl_tree_free(man);
    return sk_failx(err, "manifest %s: no config digest", img->manifest_digest);
  }
  img->config_digest = xstrdup(YAJL_GET_STRING(cd));
  yajl_tree_free(man);
  if (sk_store_blob_read(s, img->config_digest, &img->config_raw, &img->config_len, err) < 0)
    return -1;
  if (sk_image_parse(img, err) < 0)
    return sk_err_prefix(err, "image %s", name);
  return 0;
}

/* On failure *img holds nothing (callers free only a loaded image). */
int sk_image_load(struct sk_store *s, const char *name, struct sk_image *img, sk_err_t *err)
{
  memset(img, 0, sizeof(*img));
  if (image_load(s, name, img, err) < 0) {
    sk_image_free(img);
    return -1;
  }
  return 0;
}

void sk_image_free(struct sk_image *img)
{
  for (size_t i = 0; i < img->n_layers; i++) {
    free(img->layers[i].digest);
    free(img->layers[i].media_type);
    free(img->layers[i].diff_id);
  }
  free(img->layers);
  free(img->manifest_digest);
  free(img->manifest_raw);
  free(img->config_raw);
  free(img->config_digest);
  if (img->manifest)
    yajl_tree_free(img->manifest);
  if (img->config)
    yajl_tree_free(img->config);
  memset(img, 0, sizeof(*img));
}
