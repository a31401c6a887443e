/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target for the config.json parser (sk_spec_parse) and the `update --resources` parser
 * (sk_resources_parse).  Every input must either parse into a structure that holds the parser's
 * invariants, or fail with a message and nothing returned; ASan/UBSan catch the rest.
 *
 * Built by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined.  With
 * -DSK_FUZZ_STANDALONE it is a plain program that runs each file given on the command line once
 * (to replay a crash without libFuzzer). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define REQUIRE(cond)                                                                              \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

static volatile size_t sink;

/* Touch every byte of a string so a bad pointer shows up in ASan. */
static void str(const char *s)
{
  if (s)
    sink += strlen(s);
}

/* A vector's length agrees with its NULL terminator. */
static void strv(char **v, size_t n)
{
  if (!v) {
    REQUIRE(n == 0);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    REQUIRE(v[i] != NULL);
    str(v[i]);
  }
  REQUIRE(v[n] == NULL);
}

static void abs_path(const char *s)
{
  REQUIRE(s && s[0] == '/');
}

static void kv(const struct sk_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    REQUIRE(kv[i].key && kv[i].value);
    str(kv[i].key);
    str(kv[i].value);
  }
}

static void check_resources(const struct sk_resources *r)
{
  for (size_t i = 0; i < r->devices_len; i++) {
    REQUIRE(strchr("acb", r->devices[i].type) && r->devices[i].type);
    REQUIRE(r->devices[i].access[0] &&
            strspn(r->devices[i].access, "rwm") == strlen(r->devices[i].access));
  }
  if (r->memory && r->memory->swappiness.set)
    REQUIRE(r->memory->swappiness.v <= 100);
  if (r->cpu) {
    str(r->cpu->cpus);
    str(r->cpu->mems);
  }
  if (r->block_io) {
    const struct sk_block_io *b = r->block_io;
    for (size_t i = 0; i < b->weight_device_len; i++)
      sink += (size_t)b->weight_device[i].major;
    for (size_t i = 0; i < b->throttle_read_bps_len; i++)
      sink += b->throttle_read_bps[i].rate;
    for (size_t i = 0; i < b->throttle_write_bps_len; i++)
      sink += b->throttle_write_bps[i].rate;
    for (size_t i = 0; i < b->throttle_read_iops_len; i++)
      sink += b->throttle_read_iops[i].rate;
    for (size_t i = 0; i < b->throttle_write_iops_len; i++)
      sink += b->throttle_write_iops[i].rate;
  }
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    str(r->hugepage_limits[i].page_size);
  for (size_t i = 0; i < r->net_priorities_len; i++)
    str(r->net_priorities[i].name);
  for (size_t i = 0; i < r->rdma_len; i++)
    str(r->rdma[i].device);
  kv(r->unified, r->unified_len);
  for (size_t i = 0; i < r->unified_len; i++)
    REQUIRE(strchr(r->unified[i].key, '/') == NULL);
}

static void check_spec(const struct sk_spec *s)
{
  REQUIRE(s->oci_version && strncmp(s->oci_version, "1.", 2) == 0);
  if (s->root_path)
    REQUIRE(s->root_path[0]);
  str(s->hostname);
  str(s->domainname);
  for (size_t i = 0; i < s->mounts_len; i++) {
    const struct sk_mount *m = &s->mounts[i];
    abs_path(m->destination);
    str(m->type);
    str(m->source);
    strv(m->options, m->options_len);
    REQUIRE(m->options != NULL);
    for (size_t k = 0; k < m->uid_mappings_len; k++)
      REQUIRE(m->uid_mappings[k].size > 0);
  }
  if (s->process) {
    const struct sk_process *p = s->process;
    abs_path(p->cwd);
    REQUIRE(p->args_len >= 1);
    strv(p->args, p->args_len);
    REQUIRE(p->env != NULL);
    strv(p->env, p->env_len);
    for (size_t i = 0; i < p->rlimits_len; i++)
      REQUIRE(p->rlimits[i].soft <= p->rlimits[i].hard);
    if (p->capabilities)
      REQUIRE((p->capabilities->bounding >> 41) == 0);
    if (p->has_console_size)
      REQUIRE(p->console_height <= 65535 && p->console_width <= 65535);
    str(p->apparmor_profile);
    str(p->selinux_label);
    str(p->command_line);
    for (size_t i = 0; i < p->user.additional_gids_len; i++)
      sink += p->user.additional_gids[i];
  }
  for (int k = 0; k < SK_HOOK_KINDS; k++)
    for (size_t i = 0; i < s->hooks[k].len; i++) {
      const struct sk_hook *h = &s->hooks[k].hooks[i];
      abs_path(h->path);
      strv(h->args, h->args_len);
      strv(h->env, h->env_len);
      if (h->timeout.set)
        REQUIRE(h->timeout.v > 0);
    }
  kv(s->annotations, s->annotations_len);
  const struct sk_linux *l = s->linux_;
  if (!l)
    return;
  int seen = 0;
  for (size_t i = 0; i < l->namespaces_len; i++) {
    REQUIRE(l->namespaces[i].type && !(seen & l->namespaces[i].type));
    seen |= l->namespaces[i].type;
    if (l->namespaces[i].path)
      abs_path(l->namespaces[i].path);
  }
  for (size_t i = 0; i < l->devices_len; i++) {
    abs_path(l->devices[i].path);
    REQUIRE(strchr("cbup", l->devices[i].type) && l->devices[i].type);
  }
  str(l->cgroups_path);
  if (l->resources)
    check_resources(l->resources);
  str(l->rootfs_propagation);
  if (l->seccomp) {
    const struct sk_seccomp *sc = l->seccomp;
    strv(sc->architectures, sc->architectures_len);
    strv(sc->flags, sc->flags_len);
    str(sc->listener_metadata);
    if (sc->listener_path)
      abs_path(sc->listener_path);
    for (size_t i = 0; i < sc->syscalls_len; i++) {
      strv(sc->syscalls[i].names, sc->syscalls[i].names_len);
      for (size_t k = 0; k < sc->syscalls[i].args_len; k++)
        REQUIRE(sc->syscalls[i].args[k].index <= 5 &&
                sc->syscalls[i].args[k].op <= SK_SCMP_CMP_MASKED_EQ);
    }
  }
  kv(l->sysctl, l->sysctl_len);
  strv(l->masked_paths, l->masked_paths_len);
  strv(l->readonly_paths, l->readonly_paths_len);
  for (size_t i = 0; i < l->masked_paths_len; i++)
    abs_path(l->masked_paths[i]);
  str(l->mount_label);
  strv(l->personality.flags, l->personality.flags_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct sk_spec *spec = NULL;
  sk_err_t err = NULL;
  if (sk_spec_parse((const char *)data, size, "config.json", &spec, &err) == 0) {
    REQUIRE(spec != NULL && err == NULL);
    check_spec(spec);
    sk_spec_free(spec);
  } else {
    REQUIRE(spec == NULL && err && err->msg && strncmp(err->msg, "config.json: ", 13) == 0);
    REQUIRE(strchr(err->msg, '\n') == NULL);
  }
  sk_err_free(&err);

  struct sk_resources *r = NULL;
  if (sk_resources_parse((const char *)data, size, "resources.json", &r, &err) == 0) {
    REQUIRE(r != NULL);
    check_resources(r);
    sk_resources_free(r);
  } else {
    REQUIRE(r == NULL && err && err->msg && strncmp(err->msg, "resources.json: ", 16) == 0);
  }
  sk_err_free(&err);
  return 0;
}

#ifdef SK_FUZZ_STANDALONE
int main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "re");
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    do {
      if (len + 4096 > cap)
        buf = realloc(buf, cap = (len + 4096) * 2);
      n = fread(buf + len, 1, cap - len, f);
      len += n;
    } while (n > 0);
    fclose(f);
    LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    free(buf);
    printf("%s: ok\n", argv[i]);
  }
  return 0;
}
#endif
