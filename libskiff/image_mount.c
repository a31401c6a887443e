/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Overlay mounts with the new mount API: one "lowerdir+" per layer (kernel >= 6.8), so images
 * with more layers than fit in one option string still mount; older kernels get the classic
 * mount(2) option string. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image_mount.h"
#include "json.h"
#include "utils.h"

static int xfsconfig(int fd, unsigned cmd, const char *key, const void *val, int aux)
{
  return syscall(SYS_fsconfig, fd, cmd, key, val, aux);
}

static int mount_new_api(struct sk_store *s, const struct sk_image *img, const char *dir,
                         const char *empty, sk_err_t *err)
{
  _cleanup_close_ int fs = syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return -2;
  if (img->n_layers == 0) {
    if (xfsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", empty, 0) < 0)
      return -2;
  }
  for (size_t i = img->n_layers; i-- > 0;) {
    _cleanup_free_ char *l = sk_store_layer_path(s, img->layers[i].diff_id);
    if (xfsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", l, 0) < 0)
      return errno == EINVAL ? -2 : sk_failno(err, "overlay lower layer %s", l);
  }
  _cleanup_free_ char *up = xasprintf("%s/upper", dir), *wk = xasprintf("%s/work", dir),
                      *root = xasprintf("%s/rootfs", dir);
  if (xfsconfig(fs, FSCONFIG_SET_STRING, "upperdir", up, 0) < 0 ||
      xfsconfig(fs, FSCONFIG_SET_STRING, "workdir", wk, 0) < 0)
    return sk_failno(err, "overlay upper %s", up);
  if (xfsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return sk_failno(err, "create the overlay for %s", root);
  _cleanup_close_ int mfd = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (mfd < 0)
    return sk_failno(err, "fsmount overlay for %s", root);
  if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return sk_failno(err, "mount overlay on %s", root);
  return 0;
}

int sk_image_mount(struct sk_store *s, const struct sk_image *img, const char *dir, sk_err_t *err)
{
  if (sk_mkdir_p(dir, 0700, err) < 0)
    return -1;
  static const char *const sub[] = {"rootfs", "upper", "work"};
  for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, sub[i]);
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
      return sk_failno(err, "mkdir %s", p);
  }
  for (size_t i = 0; i < img->n_layers; i++) {
    _cleanup_free_ char *l = sk_store_layer_path(s, img->layers[i].diff_id);
    if (access(l, F_OK) < 0)
      return sk_failx(err, "layer %s is missing from the store (re-import the image)",
                      img->layers[i].diff_id);
  }
  _cleanup_free_ char *empty = xasprintf("%s/tmp/empty", s->root);
  if (img->n_layers == 0 && mkdir(empty, 0755) < 0 && errno != EEXIST)
    return sk_failno(err, "mkdir %s", empty);
  int r = mount_new_api(s, img, dir, empty, err);
  if (r != -2)
    return r;
  /* Classic option string (kernels without lowerdir+). */
  struct sk_buf b = {0};
  sk_buf_addf(&b, "lowerdir=");
  for (size_t i = img->n_layers; i-- > 0;) {
    _cleanup_free_ char *l = sk_store_layer_path(s, img->layers[i].diff_id);
    sk_buf_addf(&b, "%s%s", i + 1 == img->n_layers ? "" : ":", l);
  }
  if (img->n_layers == 0)
    sk_buf_addf(&b, "%s", empty);
  sk_buf_addf(&b, ",upperdir=%s/upper,workdir=%s/work", dir, dir);
  sk_buf_add(&b, "", 1);
  _cleanup_free_ char *root = xasprintf("%s/rootfs", dir);
  r = mount("overlay", root, "overlay", 0, b.data);
  int e = errno;
  size_t len = b.len;
  free(b.data);
  if (r < 0)
    return sk_fail(err, e, "mount overlay on %s (%zu bytes of options)", root, len);
  return 0;
}

int sk_image_umount(const char *dir, sk_err_t *err)
{
  _cleanup_free_ char *root = xasprintf("%s/rootfs", dir);
  if (umount2(root, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
    if (umount2(root, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
      return sk_failno(err, "umount %s", root);
  }
  _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOENT ? 0 : sk_failno(err, "open %s", dir);
  static const char *const sub[] = {"rootfs", "upper", "work", "volumes", "config.json"};
  for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
    if (sk_rm_rf_at(dfd, sub[i], err) < 0)
      return sk_err_prefix(err, "remove %s/%s", dir, sub[i]);
  return 0;
}
