/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hashing fd reader and the layer decompressor (isa-l igzip for gzip, libzstd for zstd). */
#include "config.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "image_stream.h"
#include "utils.h"

struct sk_sha256 {
  EVP_MD_CTX *ctx;
};

struct sk_sha256 *sk_sha256_new(void)
{
  struct sk_sha256 *h = xzalloc(sizeof(*h));
  h->ctx = EVP_MD_CTX_new();
  if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
    abort();
  return h;
}

void sk_sha256_update(struct sk_sha256 *h, const void *data, size_t len)
{
  if (len)
    EVP_DigestUpdate(h->ctx, data, len);
}

void sk_sha256_final(struct sk_sha256 *h, char hex[SK_SHA256_HEX + 1])
{
  unsigned char md[32];
  unsigned int n = 0;
  static const char digits[] = "0123456789abcdef";
  EVP_DigestFinal_ex(h->ctx, md, &n);
  for (unsigned i = 0; i < 32; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[SK_SHA256_HEX] = '\0';
}

void sk_sha256_free(struct sk_sha256 *h)
{
  if (h == NULL)
    return;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

char *sk_sha256_digest_of(const void *data, size_t len)
{
  char hex[SK_SHA256_HEX + 1];
  struct sk_sha256 *h = sk_sha256_new();
  sk_sha256_update(h, data, len);
  sk_sha256_final(h, hex);
  sk_sha256_free(h);
  return xasprintf("sha256:%s", hex);
}

const char *sk_digest_hex(const char *digest)
{
  if (digest == NULL || strncmp(digest, "sha256:", 7) != 0)
    return NULL;
  const char *h = digest + 7;
  for (int i = 0; i < SK_SHA256_HEX; i++)
    if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
      return NULL;
  return h[SK_SHA256_HEX] == '\0' ? h : NULL;
}

static ssize_t fd_read(struct sk_istream *s, void *buf, size_t n, sk_err_t *err)
{
  struct sk_fdstream *f = (struct sk_fdstream *)s;
  if (f->left == 0)
    return 0;
  if (n > f->left)
    n = f->left;
  ssize_t r;
  do
    r = pread(f->fd, buf, n, f->off);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sk_failno(err, "read %s", f->name);
  if (r == 0)
    return sk_failx(err, "%s: truncated (%llu bytes missing)", f->name,
                    (unsigned long long)f->left);
  f->off += r;
  f->left -= r;
  f->total += r;
  if (f->progress)
    __atomic_fetch_add(f->progress, (uint64_t)r, __ATOMIC_RELAXED);
  sk_sha256_update(f->hash, buf, r);
  if (f->tee_fd >= 0 && sk_write_all(f->tee_fd, buf, r) < 0)
    return sk_failno(err, "write blob copy of %s", f->name);
  return r;
}

void sk_fdstream_init(struct sk_fdstream *f, int fd, off_t off, uint64_t len, int tee_fd,
                      const char *name)
{
  memset(f, 0, sizeof(*f));
  f->s.read = fd_read;
  f->fd = fd;
  f->off = off;
  f->left = len;
  f->tee_fd = tee_fd;
  f->hash = sk_sha256_new();
  f->name = name;
}

char *sk_fdstream_digest(struct sk_fdstream *f)
{
  char hex[SK_SHA256_HEX + 1];
  sk_sha256_final(f->hash, hex);
  return xasprintf("sha256:%s", hex);
}

void sk_fdstream_fini(struct sk_fdstream *f)
{
  sk_sha256_free(f->hash);
  f->hash = NULL;
}

const char *sk_compression_name(enum sk_compression c)
{
  return c == SK_COMP_GZIP ? "gzip" : c == SK_COMP_ZSTD ? "zstd" : "none";
}

#define IN_SIZE (256 * 1024)

struct sk_decomp {
  struct sk_istream s;
  struct sk_istream *src;
  const char *name;
  enum sk_compression kind;
  bool detected, src_eof, done;
  uint64_t limit, total;
  unsigned char *in;
  size_t in_pos, in_len;
  struct inflate_state *gz;
  bool gz_member_done;
  ZSTD_DCtx *zs;
  size_t zs_last; /* last ZSTD_decompressStream return: 0 when a frame ended */
  struct sk_sha256 *hash;
};

static int fill(struct sk_decomp *d, sk_err_t *err)
{
  if (d->in_pos < d->in_len || d->src_eof)
    return 0;
  ssize_t r = sk_istream_read(d->src, d->in, IN_SIZE, err);
  if (r < 0)
    return -1;
  d->in_pos = 0;
  d->in_len = r;
  if (r == 0)
    d->src_eof = true;
  return 0;
}

static ssize_t gz_read(struct sk_decomp *d, void *buf, size_t n, sk_err_t *err)
{
  for (;;) {
    if (fill(d, err) < 0)
      return -1;
    if (d->gz_member_done) {
      if (d->in_pos == d->in_len)
        return 0; /* clean end after a complete member */
      /* Concatenated gzip members form one stream (RFC 1952 2.2). */
      if (d->in_len - d->in_pos < 2 || d->in[d->in_pos] != 0x1f || d->in[d->in_pos + 1] != 0x8b)
        return sk_failx(err, "%s: garbage after the gzip stream", d->name);
      isal_inflate_reset(d->gz);
      d->gz->crc_flag = ISAL_GZIP;
      d->gz_member_done = false;
    }
    if (d->src_eof)
      return sk_failx(err, "%s: truncated gzip stream", d->name);
    d->gz->next_in = d->in + d->in_pos;
    d->gz->avail_in = d->in_len - d->in_pos;
    d->gz->next_out = buf;
    d->gz->avail_out = n;
    int r = isal_inflate(d->gz);
    if (r < 0)
      return sk_failx(err, "%s: corrupt gzip stream (isa-l error %d)", d->name, r);
    d->in_pos = d->in_len - d->gz->avail_in;
    if (d->gz->block_state == ISAL_BLOCK_FINISH)
      d->gz_member_done = true;
    size_t got = n - d->gz->avail_out;
    if (got)
      return got;
  }
}

static ssize_t zs_read(struct sk_decomp *d, void *buf, size_t n, sk_err_t *err)
{
  for (;;) {
    if (fill(d, err) < 0)
      return -1;
    if (d->src_eof && d->in_pos == d->in_len) {
      if (d->zs_last != 0)
        return sk_failx(err, "%s: truncated zstd stream", d->name);
      return 0;
    }
    ZSTD_inBuffer in = {d->in, d->in_len, d->in_pos};
    ZSTD_outBuffer out = {buf, n, 0};
    size_t r = ZSTD_decompressStream(d->zs, &out, &in);
    if (ZSTD_isError(r))
      return sk_failx(err, "%s: corrupt zstd stream: %s", d->name, ZSTD_getErrorName(r));
    d->zs_last = r;
    d->in_pos = in.pos;
    if (out.pos)
      return out.pos;
  }
}

static ssize_t decomp_read(struct sk_istream *s, void *buf, size_t n, sk_err_t *err)
{
  struct sk_decomp *d = (struct sk_decomp *)s;
  if (d->done)
    return 0;
  if (!d->detected) {
    /* Detect by magic: fill at least 4 bytes if the source has them. */
    while (d->in_len < 4 && !d->src_eof) {
      ssize_t r = sk_istream_read(d->src, d->in + d->in_len, IN_SIZE - d->in_len, err);
      if (r < 0)
        return -1;
      if (r == 0)
        d->src_eof = true;
      d->in_len += r;
    }
    d->detected = true;
    if (d->in_len >= 2 && d->in[0] == 0x1f && d->in[1] == 0x8b) {
      d->kind = SK_COMP_GZIP;
      d->gz = xzalloc(sizeof(*d->gz));
      isal_inflate_init(d->gz);
      d->gz->crc_flag = ISAL_GZIP;
    } else if (d->in_len >= 4 && d->in[0] == 0x28 && d->in[1] == 0xb5 && d->in[2] == 0x2f &&
               d->in[3] == 0xfd) {
      d->kind = SK_COMP_ZSTD;
      d->zs = ZSTD_createDCtx();
      if (d->zs == NULL)
        abort();
    }
  }
  ssize_t r;
  if (d->kind == SK_COMP_GZIP)
    r = gz_read(d, buf, n, err);
  else if (d->kind == SK_COMP_ZSTD)
    r = zs_read(d, buf, n, err);
  else {
    if (fill(d, err) < 0)
      return -1;
    r = d->in_len - d->in_pos;
    if ((size_t)r > n)
      r = n;
    memcpy(buf, d->in + d->in_pos, r);
    d->in_pos += r;
  }
  if (r < 0)
    return r;
  if (r == 0) {
    d->done = true;
    return 0;
  }
  d->total += r;
  if (d->limit && d->total > d->limit)
    return sk_failx(err, "%s: uncompressed size exceeds the limit of %llu bytes", d->name,
                    (unsigned long long)d->limit);
  sk_sha256_update(d->hash, buf, r);
  return r;
}

struct sk_decomp *sk_decomp_new(struct sk_istream *src, uint64_t limit, const char *name)
{
  struct sk_decomp *d = xzalloc(sizeof(*d));
  d->s.read = decomp_read;
  d->src = src;
  d->limit = limit;
  d->name = name;
  d->in = xmalloc(IN_SIZE);
  d->hash = sk_sha256_new();
  return d;
}

struct sk_istream *sk_decomp_stream(struct sk_decomp *d)
{
  return &d->s;
}

enum sk_compression sk_decomp_kind(struct sk_decomp *d)
{
  return d->kind;
}

uint64_t sk_decomp_total(struct sk_decomp *d)
{
  return d->total;
}

int sk_decomp_drain(struct sk_decomp *d, sk_err_t *err)
{
  char buf[16384];
  ssize_t r;
  while ((r = decomp_read(&d->s, buf, sizeof(buf), err)) > 0)
    ;
  if (r < 0)
    return -1;
  /* The compressed source must be consumed too (its digest covers every byte). */
  while (!d->src_eof) {
    d->in_pos = d->in_len;
    if (fill(d, err) < 0)
      return -1;
    if (d->in_len > 0 && !d->src_eof && d->kind != SK_COMP_NONE)
      return sk_failx(err, "%s: trailing data after the compressed stream", d->name);
  }
  return 0;
}

char *sk_decomp_digest(struct sk_decomp *d)
{
  char hex[SK_SHA256_HEX + 1];
  sk_sha256_final(d->hash, hex);
  return xasprintf("sha256:%s", hex);
}

void sk_decomp_free(struct sk_decomp *d)
{
  if (d == NULL)
    return;
  free(d->in);
  free(d->gz);
  if (d->zs)
    ZSTD_freeDCtx(d->zs);
  sk_sha256_free(d->hash);
  free(d);
}

int sk_istream_drain(struct sk_istream *s, sk_err_t *err)
{
  char buf[16384];
  ssize_t r;
  while ((r = sk_istream_read(s, buf, sizeof(buf), err)) > 0)
    ;
  return r < 0 ? -1 : 0;
}

#define RA_BUFS 4
#define RA_SIZE (1024 * 1024)

struct sk_readahead {
  struct sk_istream s;
  struct sk_istream *src;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned char *buf[RA_BUFS];
  size_t len[RA_BUFS];
  unsigned head, tail; /* producer fills buf[head % N], consumer reads buf[tail % N] */
  size_t pos;          /* consumer offset in buf[tail % N] */
  bool eof, cancel;
  sk_err_t err;
};

static void *ra_main(void *arg)
{
  struct sk_readahead *r = arg;
  for (;;) {
    pthread_mutex_lock(&r->lock);
    while (r->head - r->tail == RA_BUFS && !r->cancel)
      pthread_cond_wait(&r->cond, &r->lock);
    bool stop = r->cancel;
    unsigned slot = r->head % RA_BUFS;
    pthread_mutex_unlock(&r->lock);
    if (stop)
      return NULL;
    /* Fill the slot (up to RA_SIZE, several source reads) outside the lock. */
    size_t got = 0;
    ssize_t n = 1;
    sk_err_t err = NULL;
    while (got < RA_SIZE &&
           (n = sk_istream_read(r->src, r->buf[slot] + got, RA_SIZE - got, &err)) > 0)
      got += n;
    pthread_mutex_lock(&r->lock);
    r->len[slot] = got;
    if (got)
      r->head++;
    if (n <= 0) {
      r->eof = true;
      r->err = err;
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    if (n <= 0)
      return NULL;
  }
}

static ssize_t ra_read(struct sk_istream *s, void *buf, size_t n, sk_err_t *err)
{
  struct sk_readahead *r = (struct sk_readahead *)s;
  pthread_mutex_lock(&r->lock);
  while (r->head == r->tail && !r->eof)
    pthread_cond_wait(&r->cond, &r->lock);
  if (r->head == r->tail) {
    ssize_t ret = 0;
    if (r->err) {
      *err = r->err;
      r->err = NULL;
      ret = -1;
    }
    pthread_mutex_unlock(&r->lock);
    return ret;
  }
  unsigned slot = r->tail % RA_BUFS;
  pthread_mutex_unlock(&r->lock);
  size_t k = r->len[slot] - r->pos;
  if (k > n)
    k = n;
  memcpy(buf, r->buf[slot] + r->pos, k);
  r->pos += k;
  if (r->pos == r->len[slot]) {
    r->pos = 0;
    pthread_mutex_lock(&r->lock);
    r->tail++;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
  }
  return k;
}

struct sk_readahead *sk_readahead_new(struct sk_istream *src)
{
  struct sk_readahead *r = xzalloc(sizeof(*r));
  r->s.read = ra_read;
  r->src = src;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->cond, NULL);
  for (int i = 0; i < RA_BUFS; i++)
    r->buf[i] = xmalloc(RA_SIZE);
  if (pthread_create(&r->thread, NULL, ra_main, r) != 0) {
    for (int i = 0; i < RA_BUFS; i++)
      free(r->buf[i]);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
    return NULL;
  }
  return r;
}

struct sk_istream *sk_readahead_stream(struct sk_readahead *r)
{
  return &r->s;
}

void sk_readahead_free(struct sk_readahead *r)
{
  if (r == NULL)
    return;
  pthread_mutex_lock(&r->lock);
  r->cancel = true;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
  pthread_join(r->thread, NULL);
  for (int i = 0; i < RA_BUFS; i++)
    free(r->buf[i]);
  sk_err_free(&r->err);
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->cond);
  free(r);
}
