/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A streaming tar reader (ustar, GNU long names and sparse files, PAX incl. SCHILY.xattr and
 * GNU sparse 1.0) and the layer applier that writes one OCI layer into a directory, turning
 * .wh. entries into overlay whiteouts.  Every path is resolved inside the layer directory. */
#ifndef SKIFF_IMAGE_TAR_H
#define SKIFF_IMAGE_TAR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "image_stream.h"

struct sk_tar_xattr {
  char *name;
  char *value;
  size_t len;
};

struct sk_tar_sparse {
  uint64_t off, len;
};

struct sk_tar_entry {
  char *path;
  char *linkpath;
  char type; /* '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo */
  mode_t mode;
  uid_t uid;
  gid_t gid;
  uint64_t size; /* bytes of data in the archive */
  int64_t mtime_sec;
  long mtime_nsec;
  unsigned devmajor, devminor;
  struct sk_tar_xattr *xattrs;
  size_t n_xattrs;
  /* sparse files: the map (NULL when not sparse) and the real size */
  struct sk_tar_sparse *sparse;
  size_t n_sparse;
  bool sparse_map_in_data; /* GNU sparse 1.0: the map leads the data */
  uint64_t realsize;
};
void sk_tar_entry_clear(struct sk_tar_entry *e);

/* Index of a plain (uncompressed) tar archive on an fd: regular members with their data offset. */
struct sk_tar_member {
  char *name; /* normalized: no leading "./" or "/" */
  off_t off;
  uint64_t size;
};
int sk_tar_index(int fd, const char *what, struct sk_tar_member **out, size_t *n, sk_err_t *err);
void sk_tar_index_free(struct sk_tar_member *m, size_t n);

struct sk_layer_opts {
  uint64_t limit;   /* unused here: the decompressor enforces it */
  bool privileged;  /* may chown and create device nodes */
  const char *name; /* for messages */
};
/* Apply the tar stream to layer_dirfd (an empty directory).  Reads the stream up to the tar end
 * marker; the caller drains the rest. */
int sk_layer_apply(struct sk_istream *in, int layer_dirfd, const struct sk_layer_opts *o,
                   sk_err_t *err);

/* Split a member path into a clean relative path: strips "./" and leading "/", rejects ".."
 * components.  Returns a malloc'd string ("" for the root) or NULL. */
char *sk_tar_clean_path(const char *p);

#endif
