/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the image library: digests, path cleaning, names, gzip/zstd streams and layer
 * application from tarballs built here in memory. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

#include "image_store.h"
#include "image_stream.h"
#include "image_tar.h"
#include "unit.h"
#include "utils.h"

struct memstream {
  struct sk_istream s;
  const unsigned char *p;
  size_t left;
};

static ssize_t mem_read(struct sk_istream *s, void *buf, size_t n, sk_err_t *err)
{
  struct memstream *m = (struct memstream *)s;
  if (n > m->left)
    n = m->left;
  if (n > 7) /* short reads exercise the buffering */
    n = n / 2 + 1;
  memcpy(buf, m->p, n);
  m->p += n;
  m->left -= n;
  return n;
}

static void hdr(unsigned char *h, const char *name, char type, unsigned mode, size_t size,
                const char *link)
{
  memset(h, 0, 512);
  strncpy((char *)h, name, 100);
  snprintf((char *)h + 100, 8, "%07o", mode);
  snprintf((char *)h + 108, 8, "%07o", 0);
  snprintf((char *)h + 116, 8, "%07o", 0);
  snprintf((char *)h + 124, 12, "%011o", (unsigned)size & 07777777777);
  snprintf((char *)h + 136, 12, "%011o", 1000000);
  h[156] = type;
  if (link)
    strncpy((char *)h + 157, link, 100);
  memcpy(h + 257, "ustar", 6);
  memcpy(h + 263, "00", 2);
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += h[i];
  snprintf((char *)h + 148, 8, "%06o", sum);
}

struct tarb {
  unsigned char *d;
  size_t len;
};

static void add(struct tarb *t, const char *name, char type, unsigned mode, const char *data,
                const char *link)
{
  size_t n = data ? strlen(data) : 0, blocks = (n + 511) / 512;
  t->d = xrealloc(t->d, t->len + 512 * (1 + blocks) + 1024);
  hdr(t->d + t->len, name, type, mode, n, link);
  t->len += 512;
  memset(t->d + t->len, 0, blocks * 512);
  if (n)
    memcpy(t->d + t->len, data, n);
  t->len += blocks * 512;
}

static void finish(struct tarb *t)
{
  memset(t->d + t->len, 0, 1024);
  t->len += 1024;
}

static int apply(struct tarb *t, const char *dir, sk_err_t *err)
{
  struct memstream m = {{mem_read}, t->d, t->len};
  _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct sk_layer_opts o = {.privileged = geteuid() == 0, .name = "test"};
  return sk_layer_apply(&m.s, fd, &o, err);
}

static void test_paths(void)
{
  char *p;
  CHECK(strcmp(p = sk_tar_clean_path("./a//b/./c/"), "a/b/c") == 0);
  free(p);
  CHECK(strcmp(p = sk_tar_clean_path("/abs/x"), "abs/x") == 0);
  free(p);
  CHECK(strcmp(p = sk_tar_clean_path("./"), "") == 0);
  free(p);
  CHECK(sk_tar_clean_path("a/../../b") == NULL);
  CHECK(sk_tar_clean_path("..") == NULL);
  CHECK((p = sk_tar_clean_path("a/..b")) != NULL);
  free(p);
}

static void test_digest_names(void)
{
  char *d = sk_sha256_digest_of("abc", 3);
  CHECK(strcmp(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  CHECK(sk_digest_hex(d) != NULL);
  free(d);
  CHECK(sk_digest_hex("sha256:abc") == NULL);
  CHECK(sk_digest_hex("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ==
        NULL);
  CHECK(sk_digest_hex("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD") ==
        NULL);
  char *n = sk_image_name_normalize("busybox");
  CHECK(strcmp(n, "busybox:latest") == 0);
  free(n);
  n = sk_image_name_normalize("localhost:5000/x");
  CHECK(strcmp(n, "localhost:5000/x:latest") == 0);
  free(n);
  n = sk_image_name_normalize("a/b:1");
  CHECK(strcmp(n, "a/b:1") == 0);
  free(n);
}

static void test_gzip_stream(void)
{
  const char *text = "hello, layer";
  unsigned char gz[256];
  z_stream z = {0};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (unsigned char *)text;
  z.avail_in = strlen(text);
  z.next_out = gz;
  z.avail_out = sizeof(gz);
  deflate(&z, Z_FINISH);
  size_t n = sizeof(gz) - z.avail_out;
  deflateEnd(&z);
  for (int truncate = 0; truncate < 2; truncate++) {
    struct memstream m = {{mem_read}, gz, truncate ? n - 5 : n};
    struct sk_decomp *d = sk_decomp_new(&m.s, 0, "t");
    char out[64];
    size_t got = 0;
    ssize_t r;
    sk_err_t err = NULL;
    while ((r = sk_istream_read(sk_decomp_stream(d), out + got, sizeof(out) - got, &err)) > 0)
      got += r;
    if (truncate) {
      CHECK(r < 0 && err && strstr(err->msg, "truncated"));
    } else {
      CHECK(r == 0 && got == strlen(text) && memcmp(out, text, got) == 0);
      CHECK(sk_decomp_kind(d) == SK_COMP_GZIP);
    }
    sk_err_free(&err);
    sk_decomp_free(d);
  }
}

static void test_apply(void)
{
  char dir[] = "/tmp/skiff-unit-image-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  struct tarb t = {0};
  add(&t, "./", '5', 0755, NULL, NULL);
  add(&t, "d/", '5', 0750, NULL, NULL);
  add(&t, "d/f", '0', 04755, "content", NULL);
  add(&t, "d/hl", '1', 0644, NULL, "d/f");
  add(&t, "ln", '2', 0777, NULL, "/d");
  add(&t, "ln/through", '0', 0644, "x", NULL); /* resolved inside the layer: d/through */
  add(&t, "implicit/parent/file", '0', 0600, "y", NULL);
  add(&t, "dup", '0', 0644, "first", NULL); /* later members of a name replace earlier ones */
  add(&t, "dup", '0', 0644, "second!", NULL);
  add(&t, "was-dir/", '5', 0755, NULL, NULL);
  add(&t, "was-dir/inner", '0', 0644, "i", NULL);
  add(&t, "was-dir", '2', 0777, NULL, "d");
  add(&t, "was-file", '0', 0644, "f", NULL);
  add(&t, "was-file/", '5', 0711, NULL, NULL);
  if (geteuid() == 0) {
    add(&t, "d/.wh.gone", '0', 0644, NULL, NULL);
    add(&t, "d/.wh..wh..opq", '0', 0644, NULL, NULL);
  }
  finish(&t);
  sk_err_t err = NULL;
  CHECK(apply(&t, dir, &err) == 0);
  if (err)
    fprintf(stderr, "%s\n", err->msg);
  sk_err_free(&err);
  char p[256];
  struct stat st, st2;
  snprintf(p, sizeof(p), "%s/d/f", dir);
  CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 04755 && st.st_size == 7);
  CHECK(st.st_mtime == 1000000);
  snprintf(p, sizeof(p), "%s/d/hl", dir);
  CHECK(stat(p, &st2) == 0 && st2.st_ino == st.st_ino);
  snprintf(p, sizeof(p), "%s/d/through", dir);
  CHECK(access(p, F_OK) == 0);
  snprintf(p, sizeof(p), "%s/implicit/parent/file", dir);
  CHECK(access(p, F_OK) == 0);
  snprintf(p, sizeof(p), "%s/d", dir);
  CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0750);
  snprintf(p, sizeof(p), "%s/dup", dir);
  CHECK(stat(p, &st) == 0 && st.st_size == 7);
  snprintf(p, sizeof(p), "%s/was-dir", dir);
  CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
  snprintf(p, sizeof(p), "%s/was-file", dir);
  CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0711);
  if (geteuid() == 0) {
    snprintf(p, sizeof(p), "%s/d/gone", dir);
    CHECK(lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    char v[4] = {0};
    snprintf(p, sizeof(p), "%s/d", dir);
    CHECK(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y');
  }
  free(t.d);

  /* hostile: ".." refused, a hard link out refused */
  static const char *const bad[][2] = {{"../../etc/evil", NULL}, {"h", "../../etc/passwd"}};
  for (size_t i = 0; i < 2; i++) {
    struct tarb b = {0};
    add(&b, bad[i][0], bad[i][1] ? '1' : '0', 0644, bad[i][1] ? NULL : "x", bad[i][1]);
    finish(&b);
    CHECK(apply(&b, dir, &err) < 0);
    CHECK(err && strstr(err->msg, "..") != NULL);
    sk_err_free(&err);
    free(b.d);
  }
  /* device nodes need privilege */
  struct tarb dv = {0};
  add(&dv, "null", '3', 0666, NULL, NULL);
  finish(&dv);
  {
    struct memstream m = {{mem_read}, dv.d, dv.len};
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct sk_layer_opts o = {.privileged = false, .name = "test"};
    CHECK(sk_layer_apply(&m.s, fd, &o, &err) < 0 && err && strstr(err->msg, "device node"));
    sk_err_free(&err);
    close(fd);
  }
  free(dv.d);

  /* corrupt header checksum */
  struct tarb c = {0};
  add(&c, "f", '0', 0644, "x", NULL);
  finish(&c);
  c.d[0] ^= 1;
  CHECK(apply(&c, dir, &err) < 0 && err && strstr(err->msg, "checksum"));
  sk_err_free(&err);
  free(c.d);

  int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
  CHECK(sk_rm_rf_at(dfd, dir + 5, &err) == 0);
  sk_err_free(&err);
  close(dfd);
}

int main(void)
{
  test_paths();
  test_digest_names();
  test_gzip_stream();
  test_apply();
  return UNIT_DONE();
}
