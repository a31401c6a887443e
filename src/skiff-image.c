/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skiff-image: images into a content-addressed layer store, overlay mounts and bundles. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image-cli.h"
#include "image_import.h"
#include "image_mount.h"
#include "image_store.h"
#include "image_stream.h"
#include "json.h"
#include "log.h"
#include "utils.h"

struct img_global img_g = {.store = SKIFF_DEFAULT_STORE};

int img_fail(sk_err_t *err)
{
  fprintf(stderr, "skiff-image: %s\n", *err && (*err)->msg ? (*err)->msg : "unknown error");
  sk_err_free(err);
  return 1;
}

int img_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("skiff-image: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

static const char usage[] =
    "usage: skiff-image [--store DIR] [--json] COMMAND [ARGS]\n"
    "\n"
    "  import SOURCE [--name NAME[:TAG]] [--platform OS/ARCH[/VARIANT]] [--max-layer-size BYTES]\n"
    "                        OCI layout directory, OCI archive or docker-save archive\n"
    "  list [--format table|json]\n"
    "  inspect NAME          manifest, config and layers as JSON\n"
    "  rm NAME...            remove names (gc frees the data)\n"
    "  gc                    remove layers and blobs no image uses\n"
    "  tag SRC DST\n"
    "  mount NAME DIR        DIR/rootfs: overlay of the layers, DIR/upper, DIR/work\n"
    "  bundle NAME DIR [--rw] [--tty] [-- CMD...]   mount + DIR/config.json\n"
    "  umount DIR            undo mount/bundle\n"
    "  run NAME [--rw] [--tty] [-- CMD...]   ephemeral bundle + skiff run\n"
    "  commit DIR NAME       DIR/upper as a new layer on top of the bundle's image\n"
    "  export NAME FILE      OCI archive (podman load, skopeo)\n"
    "\n"
    "The store defaults to " SKIFF_DEFAULT_STORE ".\n";

static char *store_path(void)
{
  return xstrdup(img_g.store);
}

static void human(uint64_t n, char *buf, size_t size)
{
  static const char *const u[] = {"B", "kB", "MB", "GB", "TB"};
  double v = n;
  int i = 0;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    i++;
  }
  snprintf(buf, size, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

struct prog {
  struct timespec start;
  bool shown;
};

static void progress_cb(const struct sk_import_progress *p, void *data)
{
  struct prog *pr = data;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double secs = (now.tv_sec - pr->start.tv_sec) + (now.tv_nsec - pr->start.tv_nsec) / 1e9;
  char done[32], total[32], rate[32];
  human(p->bytes_done, done, sizeof(done));
  human(p->bytes_total, total, sizeof(total));
  human(secs > 0 ? (uint64_t)(p->bytes_done / secs) : 0, rate, sizeof(rate));
  fprintf(stderr, "\r\033[Kimporting: %u/%u layers, %s / %s, %s/s", p->layers_done, p->layers_total,
          done, total, rate);
  pr->shown = true;
}

static int cmd_import(int argc, char **argv)
{
  static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                       {"platform", required_argument, NULL, 'p'},
                                       {"max-layer-size", required_argument, NULL, 'm'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  struct sk_import_opts o = {0};
  o.limit = 64ULL << 30;
  const char *env = getenv("SKIFF_IMAGE_MAX_LAYER_SIZE");
  if (env && sk_parse_u64(env, &o.limit) < 0)
    return img_error("SKIFF_IMAGE_MAX_LAYER_SIZE: not a number: %s", env);
  int c;
  while ((c = getopt_long(argc, argv, "n:p:h", opts, NULL)) != -1) {
    switch (c) {
    case 'n':
      o.name = optarg;
      break;
    case 'p':
      o.platform = optarg;
      break;
    case 'm':
      if (sk_parse_u64(optarg, &o.limit) < 0)
        return img_error("import: --max-layer-size: not a number: %s", optarg);
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return img_error("import: bad option (see --help)");
    }
  }
  if (optind + 1 != argc)
    return img_error("import: need exactly one SOURCE");
  struct prog pr = {0};
  clock_gettime(CLOCK_MONOTONIC, &pr.start);
  if (isatty(STDERR_FILENO) && !img_g.json) {
    o.progress = progress_cb;
    o.progress_data = &pr;
  }
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  _cleanup_free_ char *root = store_path();
  _cleanup_free_ char *name = NULL, *digest = NULL;
  if (sk_store_open(&s, root, false, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  int r = sk_image_import(&s, argv[optind], &o, &name, &digest, &err);
  if (pr.shown)
    fputc('\n', stderr);
  sk_store_close(&s);
  if (r < 0)
    return img_fail(&err);
  if (img_g.json) {
    struct sk_buf b = {0};
    sk_buf_add(&b, "{\"name\":", 8);
    sk_buf_add_json_string(&b, name);
    sk_buf_addf(&b, ",\"digest\":\"%s\"}\n", digest);
    fwrite(b.data, 1, b.len, stdout);
    free(b.data);
  } else if (isatty(STDOUT_FILENO))
    printf("%s %s\n", name, digest);
  return 0;
}

static int open_store(struct sk_store *s, bool exclusive, sk_err_t *err)
{
  _cleanup_free_ char *root = store_path();
  if (sk_store_open(s, root, exclusive, err) < 0) {
    sk_store_close(s);
    return -1;
  }
  return 0;
}

static uint64_t image_size(const struct sk_image *img)
{
  uint64_t n = 0;
  for (size_t i = 0; i < img->n_layers; i++)
    n += img->layers[i].size;
  return n;
}

static int cmd_list(int argc, char **argv)
{
  bool json = img_g.json;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      json = strcmp(argv[++i], "json") == 0;
      if (!json && strcmp(argv[i], "table") != 0)
        return img_error("list: --format: table or json");
    } else if (strcmp(argv[i], "--format=json") == 0)
      json = true;
    else if (strcmp(argv[i], "--format=table") != 0)
      return img_error("list: unexpected argument %s", argv[i]);
  }
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  if (open_store(&s, false, &err) < 0)
    return img_fail(&err);
  _cleanup_strv_ char **names = NULL, **digests = NULL;
  if (sk_store_refs(&s, &names, &digests, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  struct sk_buf b = {0};
  if (json)
    sk_buf_add(&b, "[", 1);
  else
    sk_buf_addf(&b, "%-40s %-19s %6s %10s\n", "NAME", "DIGEST", "LAYERS", "SIZE");
  for (size_t i = 0; names[i]; i++) {
    struct sk_image img;
    sk_err_t e = NULL;
    bool ok = sk_image_load(&s, names[i], &img, &e) == 0;
    sk_err_free(&e);
    uint64_t size = ok ? image_size(&img) : 0;
    size_t nl = ok ? img.n_layers : 0;
    if (json) {
      sk_buf_add(&b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
      sk_buf_add_json_string(&b, names[i]);
      sk_buf_addf(&b, ",\"digest\":\"%s\",\"layers\":%zu,\"size\":%llu}", digests[i], nl,
                  (unsigned long long)size);
    } else {
      char hs[32];
      human(size, hs, sizeof(hs));
      sk_buf_addf(&b, "%-40s %-19.19s %6zu %10s\n", names[i], digests[i], nl, hs);
    }
    if (ok)
      sk_image_free(&img);
  }
  if (json)
    sk_buf_add(&b, "]\n", 2);
  fwrite(b.data, 1, b.len, stdout);
  free(b.data);
  sk_store_close(&s);
  return 0;
}

static int cmd_inspect(int argc, char **argv)
{
  if (argc != 2)
    return img_error("inspect: need NAME");
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  struct sk_image img;
  if (open_store(&s, false, &err) < 0)
    return img_fail(&err);
  if (sk_image_load(&s, argv[1], &img, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  struct sk_buf b = {0};
  sk_buf_add(&b, "{\"name\":", 8);
  sk_buf_add_json_string(&b, argv[1]);
  sk_buf_addf(&b, ",\"digest\":\"%s\",\"manifest\":", img.manifest_digest);
  sk_buf_add(&b, img.manifest_raw, img.manifest_len);
  sk_buf_addf(&b, ",\"config_digest\":\"%s\",\"config\":", img.config_digest);
  sk_buf_add(&b, img.config_raw, img.config_len);
  sk_buf_add(&b, ",\"layers\":[", 11);
  for (size_t i = 0; i < img.n_layers; i++)
    sk_buf_addf(&b, "%s{\"digest\":\"%s\",\"diff_id\":\"%s\",\"mediaType\":\"%s\",\"size\":%llu}",
                i ? "," : "", img.layers[i].digest, img.layers[i].diff_id, img.layers[i].media_type,
                (unsigned long long)img.layers[i].size);
  sk_buf_addf(&b, "],\"size\":%llu}\n", (unsigned long long)image_size(&img));
  fwrite(b.data, 1, b.len, stdout);
  free(b.data);
  sk_image_free(&img);
  sk_store_close(&s);
  return 0;
}

static int cmd_rm(int argc, char **argv)
{
  if (argc < 2)
    return img_error("rm: need NAME");
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  if (open_store(&s, false, &err) < 0)
    return img_fail(&err);
  int ret = 0;
  for (int i = 1; i < argc; i++)
    if (sk_store_ref_del(&s, argv[i], &err) < 0)
      ret = img_fail(&err);
  sk_store_close(&s);
  return ret;
}

static int cmd_tag(int argc, char **argv)
{
  if (argc != 3)
    return img_error("tag: need SRC DST");
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  _cleanup_free_ char *dg = NULL;
  if (open_store(&s, false, &err) < 0)
    return img_fail(&err);
  int r = sk_store_ref_get(&s, argv[1], &dg, &err);
  if (r == 0)
    r = sk_store_ref_set(&s, argv[2], dg, &err);
  sk_store_close(&s);
  return r < 0 ? img_fail(&err) : 0;
}

static bool in_list(char **v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

static void add(char ***v, size_t *n, const char *s)
{
  *v = xrealloc(*v, (*n + 2) * sizeof(char *));
  (*v)[(*n)++] = xstrdup(s);
  (*v)[*n] = NULL;
}

/* Remove entries of dir (relative to the store) not in keep (hex names), plus stale .tmp-*. */
static int sweep(struct sk_store *s, const char *dir, char **keep, size_t nkeep, bool locks,
                 unsigned *removed, sk_err_t *err)
{
  int fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sk_failno(err, "open %s/%s", s->root, dir);
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return sk_failno(err, "open %s/%s", s->root, dir);
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    const char *n = de->d_name;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
      continue;
    char hex[SK_SHA256_HEX + 1];
    memcpy(hex, n, SK_SHA256_HEX);
    hex[strnlen(n, SK_SHA256_HEX)] = '\0';
    bool is_lock =
        locks && strlen(n) == SK_SHA256_HEX + 5 && strcmp(n + SK_SHA256_HEX, ".lock") == 0;
    if (!is_lock && strncmp(n, ".tmp-", 5) != 0 && in_list(keep, nkeep, n))
      continue;
    if (is_lock && in_list(keep, nkeep, hex))
      continue;
    if (sk_rm_rf_at(dirfd(d), n, err) < 0)
      return sk_err_prefix(err, "%s/%s", s->root, dir);
    if (!is_lock && strncmp(n, ".tmp-", 5) != 0)
      (*removed)++;
  }
  return 0;
}

static int cmd_gc(int argc, char **argv)
{
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  if (open_store(&s, true, &err) < 0)
    return img_fail(&err);
  _cleanup_strv_ char **names = NULL, **digests = NULL, **blobs = NULL, **layers = NULL;
  size_t nb = 0, nl = 0;
  int ret = 1;
  unsigned rb = 0, rl = 0;
  if (sk_store_refs(&s, &names, &digests, &err) < 0)
    goto out;
  for (size_t i = 0; names[i]; i++) {
    struct sk_image img;
    if (sk_image_load(&s, names[i], &img, &err) < 0) {
      /* Keep everything we can not account for rather than delete a live layer. */
      img_fail(&err);
      goto out;
    }
    add(&blobs, &nb, sk_digest_hex(img.manifest_digest));
    add(&blobs, &nb, sk_digest_hex(img.config_digest));
    for (size_t k = 0; k < img.n_layers; k++) {
      add(&blobs, &nb, sk_digest_hex(img.layers[k].digest));
      add(&layers, &nl, sk_digest_hex(img.layers[k].diff_id));
    }
    sk_image_free(&img);
  }
  if (sweep(&s, "blobs/sha256", blobs, nb, false, &rb, &err) < 0 ||
      sweep(&s, "layers", layers, nl, true, &rl, &err) < 0)
    goto out;
  /* tmp: ephemeral run bundles hold the shared lock while they live: all of it is stale here. */
  unsigned dummy = 0;
  if (sweep(&s, "tmp", NULL, 0, false, &dummy, &err) < 0)
    goto out;
  if (img_g.json)
    printf("{\"removed_blobs\":%u,\"removed_layers\":%u}\n", rb, rl);
  else if (isatty(STDOUT_FILENO))
    printf("removed %u blobs, %u layers\n", rb, rl);
  ret = 0;
out:
  sk_store_close(&s);
  return err ? img_fail(&err) : ret;
}

/* Arguments after "--" (or NULL). */
static char **after_dashes(int argc, char **argv, int *nopts)
{
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      *nopts = i;
      argv[argc] = NULL;
      return argv + i + 1;
    }
  *nopts = argc;
  return NULL;
}

static int cmd_mount_bundle(int argc, char **argv, bool bundle)
{
  int n;
  char **cmd = after_dashes(argc, argv, &n);
  struct sk_bundle_opts bo = {.args = cmd};
  const char *pos[2] = {0};
  int np = 0;
  for (int i = 1; i < n; i++) {
    if (strcmp(argv[i], "--rw") == 0)
      bo.rw = true;
    else if (strcmp(argv[i], "--tty") == 0 || strcmp(argv[i], "-t") == 0)
      bo.terminal = true;
    else if (argv[i][0] == '-')
      return img_error("%s: unknown option %s", argv[0], argv[i]);
    else if (np < 2)
      pos[np++] = argv[i];
    else
      return img_error("%s: too many arguments", argv[0]);
  }
  if (np != 2)
    return img_error("%s: need NAME DIR", argv[0]);
  sk_err_t err _cleanup_err_ = NULL;
  struct sk_store s;
  struct sk_image img;
  if (open_store(&s, false, &err) < 0)
    return img_fail(&err);
  if (sk_image_load(&s, pos[0], &img, &err) < 0) {
    sk_store_close(&s);
    return img_fail(&err);
  }
  _cleanup_free_ char *dir = realpath(pos[1], NULL);
  if (dir == NULL) {
    if (sk_mkdir_p(pos[1], 0700, &err) < 0 || (dir = realpath(pos[1], NULL)) == NULL) {
      sk_image_free(&img);
      sk_store_close(&s);
      return err ? img_fail(&err) : img_error("%s: %s", pos[1], strerror(errno));
    }
  }
  /* Only into a directory that holds none of what mount/bundle make: the cleanup of a failure
   * (and a later umount) removes those names, which must never be someone else's files. */
  static const char *const made[] = {".skiff-image", "rootfs",  "upper",
                                     "work",         "volumes", "config.json"};
  for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
    _cleanup_free_ char *f = xasprintf("%s/%s", dir, made[i]);
    if (faccessat(AT_FDCWD, f, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
      sk_image_free(&img);
      sk_store_close(&s);
      return img_error("%s: already has %s (umount it first, or use an empty directory)", dir,
                       made[i]);
    }
  }
  int r = bundle ? sk_image_bundle(&s, &img, dir, &bo, &err) : sk_image_mount(&s, &img, dir, &err);
  if (r == 0) {
    /* Remember which image the directory came from (commit uses it). */
    _cleanup_free_ char *f = xasprintf("%s/.skiff-image", dir);
    _cleanup_free_ char *line = xasprintf("%s\n", img.manifest_digest);
    if (sk_write_file_at(AT_FDCWD, f, line, strlen(line), 0600, &err) < 0)
      r = -1;
  }
  if (r < 0) {
    sk_err_t e2 = NULL;
    sk_image_umount(dir, &e2);
    sk_err_free(&e2);
  }
  sk_image_free(&img);
  sk_store_close(&s);
  if (r < 0)
    return img_fail(&err);
  if (img_g.json)
    printf("{\"rootfs\":\"%s/rootfs\"}\n", dir);
  return 0;
}

static int cmd_umount(int argc, char **argv)
{
  if (argc != 2)
    return img_error("umount: need DIR");
  sk_err_t err _cleanup_err_ = NULL;
  /* umount removes rootfs, upper, work, volumes and config.json: only where mount/bundle made
   * them, which their marker says. */
  _cleanup_free_ char *f = xasprintf("%s/.skiff-image", argv[1]);
  if (faccessat(AT_FDCWD, f, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
    return img_error("umount %s: not a directory made by skiff-image mount or bundle (no "
                     ".skiff-image)",
                     argv[1]);
  if (sk_image_umount(argv[1], &err) < 0)
    return img_fail(&err);
  unlink(f);
  return 0;
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"store", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
      {"debug", no_argument, NULL, 'd'},       {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'v'},     {NULL, 0, NULL, 0}};
  int c;
  const char *env = getenv("SKIFF_IMAGE_STORE");
  if (env && *env)
    img_g.store = env;
  while ((c = getopt_long(argc, argv, "+s:jdhv", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      img_g.store = optarg;
      break;
    case 'j':
      img_g.json = true;
      break;
    case 'd':
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    case 'v':
      printf("skiff-image %s\n", PACKAGE_VERSION);
      return 0;
    default:
      fputs(usage, stderr);
      return 1;
    }
  }
  if (optind >= argc) {
    fputs(usage, stderr);
    return 1;
  }
  char **av = argv + optind;
  int ac = argc - optind;
  const char *cmd = av[0];
  optind = 0; /* reinitialise getopt (the global parse used "+") */
  if (strcmp(cmd, "import") == 0)
    return cmd_import(ac, av);
  if (strcmp(cmd, "list") == 0 || strcmp(cmd, "ls") == 0)
    return cmd_list(ac, av);
  if (strcmp(cmd, "inspect") == 0)
    return cmd_inspect(ac, av);
  if (strcmp(cmd, "rm") == 0)
    return cmd_rm(ac, av);
  if (strcmp(cmd, "gc") == 0)
    return cmd_gc(ac, av);
  if (strcmp(cmd, "tag") == 0)
    return cmd_tag(ac, av);
  if (strcmp(cmd, "mount") == 0)
    return cmd_mount_bundle(ac, av, false);
  if (strcmp(cmd, "bundle") == 0)
    return cmd_mount_bundle(ac, av, true);
  if (strcmp(cmd, "umount") == 0)
    return cmd_umount(ac, av);
  if (strcmp(cmd, "run") == 0)
    return cmd_run(ac, av);
  if (strcmp(cmd, "commit") == 0)
    return cmd_commit(ac, av);
  if (strcmp(cmd, "export") == 0)
    return cmd_export(ac, av);
  return img_error("unknown command \"%s\" (see --help)", cmd);
}
