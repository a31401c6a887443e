/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device access on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program, assembled here from the
 * rules (no libbpf, no compiler at run time).
 *
 * The rules keep v1 semantics (later rules override earlier ones), so the program checks them
 * from the last to the first and returns at the first match; when nothing matches, access is
 * denied.  The rule list starts with "deny all" (sk_cg_device_rules), which thus ends up as the
 * program's catch-all: nothing is emitted after a rule that matches everything, since the
 * verifier refuses unreachable instructions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cgroup_internal.h"
#include "log.h"
#include "utils.h"

#define INSN(c, d, s, o, i)                                                                        \
  ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
/* r = *(u32 *)(r1 + off) */
#define LDX_W(dst, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1, off, 0)
#define MOV_REG(dst, src) INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm) INSN(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm) INSN(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *a)
{
  int b = 0;
  for (; *a; a++)
    b |= *a == 'm' ? BPF_DEVCG_ACC_MKNOD : *a == 'r' ? BPF_DEVCG_ACC_READ : BPF_DEVCG_ACC_WRITE;
  return b;
}

static struct bpf_insn *assemble(const struct sk_device_rule *rules, size_t n, size_t *len)
{
  /* at most 9 instructions per rule, 5 of prologue, 2 of epilogue */
  struct bpf_insn *p = xzalloc((n * 9 + 8) * sizeof *p);
  size_t k = 0;
  /* r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx) */
  p[k++] = LDX_W(BPF_REG_2, 0);
  p[k++] = AND_IMM(BPF_REG_2, 0xFFFF);
  p[k++] = LDX_W(BPF_REG_3, 0);
  p[k++] = RSH_IMM(BPF_REG_3, 16);
  p[k++] = LDX_W(BPF_REG_4, 4);
  p[k++] = LDX_W(BPF_REG_5, 8);
  /* r1 (the context) is free from here on: the access check uses it as scratch */
  for (size_t i = n; i-- > 0;) {
    const struct sk_device_rule *r = &rules[i];
    int acc = access_bits(r->access);
    bool all_acc = acc == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
    size_t checks = (r->type != 'a') + (all_acc ? 0 : 1) + (r->major >= 0) + (r->minor >= 0);
    /* each check jumps past the rest of this rule: remaining checks and the 2-insn return */
    size_t body = checks + (all_acc ? 0 : 2) + 2;
    size_t rule_len = body;
    size_t rule_start = k;
    if (r->type != 'a')
      p[k] = JNE_IMM(BPF_REG_2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0), k++;
    if (!all_acc) {
      /* (requested & ~allowed) != 0 -> not covered by this rule */
      p[k++] = MOV_REG(BPF_REG_1, BPF_REG_3);
      p[k++] = AND_IMM(BPF_REG_1, ~acc & 7);
      p[k] = JNE_IMM(BPF_REG_1, 0, 0), k++;
    }
    if (r->major >= 0)
      p[k] = JNE_IMM(BPF_REG_4, (int)r->major, 0), k++;
    if (r->minor >= 0)
      p[k] = JNE_IMM(BPF_REG_5, (int)r->minor, 0), k++;
    p[k++] = MOV_IMM(BPF_REG_0, r->allow ? 1 : 0);
    p[k++] = EXIT();
    if (!checks) {
      *len = k; /* matches everything: what follows would be unreachable */
      return p;
    }
    /* fix the jumps: every conditional jump of this rule goes to the rule's end */
    size_t end = rule_start + rule_len;
    for (size_t j = rule_start; j < k; j++)
      if (p[j].code == (BPF_JMP | BPF_JNE | BPF_K))
        p[j].off = (short)(end - (j + 1));
  }
  p[k++] = MOV_IMM(BPF_REG_0, 0);
  p[k++] = EXIT();
  *len = k;
  return p;
}

static long bpf(int cmd, union bpf_attr *a)
{
  return syscall(SYS_bpf, cmd, a, sizeof *a);
}

int sk_cg_v2_devices(int dirfd, const struct sk_device_rule *rules, size_t n, sk_err_t *err)
{
  size_t len;
  _cleanup_free_ struct bpf_insn *prog = assemble(rules, n, &len);
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)prog;
  a.insn_cnt = (uint32_t)len;
  a.license = (uint64_t)(uintptr_t) "GPL";
  /* no verifier log on the hot path: a full log buffer fails the load (ENOSPC) */
  _cleanup_close_ int pfd = (int)bpf(BPF_PROG_LOAD, &a);
  if (pfd < 0) {
    int e = errno;
    if (e == EPERM)
      return sk_fail(err, e, "load the device program (%zu instructions)", len);
    /* load again only to say why; the log's end names the offending instruction */
    _cleanup_free_ char *log = xzalloc(1 << 16);
    a.log_buf = (uint64_t)(uintptr_t)log;
    a.log_size = 1 << 16;
    a.log_level = 1;
    int again = (int)bpf(BPF_PROG_LOAD, &a);
    if (again >= 0)
      close(again);
    size_t l = strlen(log);
    const char *tail = l > 400 ? log + l - 400 : log;
    return sk_fail(err, e, "load the device program (%zu instructions)%s%s", len, *tail ? ": " : "",
                   tail);
  }
  /* attach needs a real (not O_PATH) descriptor of the cgroup directory */
  _cleanup_close_ int cgfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgfd < 0)
    return sk_failno(err, "open the cgroup");

  /* programs attached before (by a previous create or update) are replaced */
  uint32_t ids[64];
  memset(&a, 0, sizeof a);
  a.query.target_fd = (uint32_t)cgfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t)(uintptr_t)ids;
  a.query.prog_cnt = ARRAY_SIZE(ids);
  uint32_t old = 0;
  if (bpf(BPF_PROG_QUERY, &a) == 0)
    old = a.query.prog_cnt;

  memset(&a, 0, sizeof a);
  a.target_fd = (uint32_t)cgfd;
  a.attach_bpf_fd = (uint32_t)pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &a) < 0)
    return sk_failno(err, "attach the device program to the cgroup");
  for (uint32_t i = 0; i < old && i < ARRAY_SIZE(ids); i++) {
    union bpf_attr g;
    memset(&g, 0, sizeof g);
    g.prog_id = ids[i];
    int ofd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &g);
    if (ofd < 0)
      continue;
    memset(&g, 0, sizeof g);
    g.target_fd = (uint32_t)cgfd;
    g.attach_bpf_fd = (uint32_t)ofd;
    g.attach_type = BPF_CGROUP_DEVICE;
    bpf(BPF_PROG_DETACH, &g);
    close(ofd);
  }
  return 0;
}
