/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* skiff-image byte streams: a bounded fd reader that hashes (sha256) and may tee into a blob file,
 * and a decompressor (gzip via isa-l, zstd, or none, detected by magic) that hashes its output
 * (the layer's diff_id) and enforces a size limit against decompression bombs. */
#ifndef SKIFF_IMAGE_STREAM_H
#define SKIFF_IMAGE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

#define SK_SHA256_HEX 64

struct sk_sha256;
struct sk_sha256 *sk_sha256_new(void);
void sk_sha256_update(struct sk_sha256 *h, const void *data, size_t len);
/* Writes 64 hex digits + NUL into hex; the context can not be reused afterwards. */
void sk_sha256_final(struct sk_sha256 *h, char hex[SK_SHA256_HEX + 1]);
void sk_sha256_free(struct sk_sha256 *h);
/* sha256 of a buffer as "sha256:<hex>" (malloc'd). */
char *sk_sha256_digest_of(const void *data, size_t len);
/* "sha256:<64 lowercase hex>" ? Returns the hex part or NULL. */
const char *sk_digest_hex(const char *digest);

/* A pull stream: read() returns bytes (>0), 0 at the end, <0 with *err set. */
struct sk_istream {
  ssize_t (*read)(struct sk_istream *s, void *buf, size_t n, sk_err_t *err);
};
static inline ssize_t sk_istream_read(struct sk_istream *s, void *buf, size_t n, sk_err_t *err)
{
  return s->read(s, buf, n, err);
}

/* Reads [off, off+len) of fd with pread, hashing everything; tee_fd >= 0 gets a copy. */
struct sk_fdstream {
  struct sk_istream s;
  int fd;
  off_t off;
  uint64_t left;
  uint64_t total;
  int tee_fd;
  struct sk_sha256 *hash;
  const char *name;   /* for messages */
  uint64_t *progress; /* atomically increased by the bytes read, may be NULL */
};
void sk_fdstream_init(struct sk_fdstream *f, int fd, off_t off, uint64_t len, int tee_fd,
                      const char *name);
/* After the stream was read to its end: "sha256:<hex>" of what passed (malloc'd). */
char *sk_fdstream_digest(struct sk_fdstream *f);
void sk_fdstream_fini(struct sk_fdstream *f);

enum sk_compression { SK_COMP_NONE, SK_COMP_GZIP, SK_COMP_ZSTD };
const char *sk_compression_name(enum sk_compression c);

struct sk_decomp;
/* limit: most uncompressed bytes accepted (0: unlimited). */
struct sk_decomp *sk_decomp_new(struct sk_istream *src, uint64_t limit, const char *name);
struct sk_istream *sk_decomp_stream(struct sk_decomp *d);
enum sk_compression sk_decomp_kind(struct sk_decomp *d);
uint64_t sk_decomp_total(struct sk_decomp *d);
/* Reads and hashes what is left (tar padding after the end blocks). */
int sk_decomp_drain(struct sk_decomp *d, sk_err_t *err);
char *sk_decomp_digest(struct sk_decomp *d);
void sk_decomp_free(struct sk_decomp *d);

/* Read s to its end, discarding (hashes along the way still see every byte). */
int sk_istream_drain(struct sk_istream *s, sk_err_t *err);

/* Runs the reads of src in a thread of its own, a few MiB ahead of the consumer, so that
 * decompression overlaps with writing the files of a large layer.  src must not be used
 * directly while this exists; sk_readahead_free() stops and joins the thread. */
struct sk_readahead;
struct sk_readahead *sk_readahead_new(struct sk_istream *src);
struct sk_istream *sk_readahead_stream(struct sk_readahead *r);
void sk_readahead_free(struct sk_readahead *r);

#endif
