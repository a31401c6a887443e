/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff-image commit and export. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image-cli.h"
#include "image_commit.h"
#include "utils.h"

int cmd_commit(int argc, char **argv)
{
  if (argc != 3)
    return img_error("commit: need DIR NAME");
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  _cleanup_free_ char *digest = NULL;
  if (sk_store_open(&s, img_g.store, false, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  int r = sk_image_commit(&s, argv[1], argv[2], &digest, &err);
  sk_store_close(&s);
  if (r < 0)
    return img_fail(&err);
  if (img_g.json)
    printf("{\"digest\":\"%s\"}\n", digest);
  else if (isatty(STDOUT_FILENO))
    printf("%s\n", digest);
  return 0;
}

int cmd_export(int argc, char **argv)
{
  if (argc != 3)
    return img_error("export: need NAME FILE");
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  if (sk_store_open(&s, img_g.store, false, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  int r = sk_image_export(&s, argv[1], argv[2], &err);
  sk_store_close(&s);
  return r < 0 ? img_fail(&err) : 0;
}
