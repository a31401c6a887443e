/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json parsing: every field of a full config, every class of error with its exact message
 * and JSON path, unknown members ignored, ociVersion bounds, the default spec, `update
 * --resources` documents, capability names, and hostile input (truncations, mutations, deep
 * nesting) that must fail cleanly.  Run under ASan this also checks every error path frees. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "spec.h"
#include "unit.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define BIT(n) (UINT64_C(1) << (n))

/* Test JSON is written with single quotes for readability; J() turns them into double quotes. */
static char *J(const char *s)
{
  char *r = xstrdup(s);
  for (char *p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

static char *last_error;

static struct sk_spec *parse_as(const char *name, const char *json_sq)
{
  _cleanup_free_ char *json = J(json_sq);
  struct sk_spec *spec = NULL;
  sk_err_t err _cleanup_err_ = NULL;
  free(last_error);
  last_error = NULL;
  if (sk_spec_parse(json, strlen(json), name, &spec, &err) < 0) {
    last_error = xstrdup(err && err->msg ? err->msg : "(no message)");
    return NULL;
  }
  return spec;
}

static struct sk_spec *parse(const char *json_sq)
{
  return parse_as("config.json", json_sq);
}

/* A config `{'ociVersion':'1.2.0', BODY}` must fail with exactly `want`. */
static int check_error(int line, const char *body, const char *want)
{
  _cleanup_free_ char *doc = xasprintf("{'ociVersion':'1.2.0'%s%s}", body[0] ? "," : "", body);
  struct sk_spec *spec = parse(doc);
  if (spec) {
    sk_spec_free(spec);
    fprintf(stderr, "test_spec.c:%d: parsed, expected error: %s\n", line, want);
    return 0;
  }
  if (strcmp(last_error, want) != 0) {
    fprintf(stderr, "test_spec.c:%d: error\n  got:  %s\n  want: %s\n", line, last_error, want);
    return 0;
  }
  return 1;
}
#define ERR(body, want) CHECK(check_error(__LINE__, body, want))

static int check_ok(int line, const char *body)
{
  _cleanup_free_ char *doc = xasprintf("{'ociVersion':'1.2.0'%s%s}", body[0] ? "," : "", body);
  struct sk_spec *spec = parse(doc);
  if (!spec) {
    fprintf(stderr, "test_spec.c:%d: unexpected error: %s\n", line, last_error);
    return 0;
  }
  sk_spec_free(spec);
  return 1;
}
#define OK(body) CHECK(check_ok(__LINE__, body))

/* ---- a config with every field ---- */

static const char full_config[] =
    "{'ociVersion':'1.2.0',"
    " 'root':{'path':'rootfs','readonly':true},"
    " 'hostname':'h1','domainname':'d1',"
    " 'mounts':["
    "  {'destination':'/proc','type':'proc','source':'proc'},"
    "  {'destination':'/data','type':'none','source':'/src',"
    "   'options':['rbind','ro','nosuid','nodev','noexec','relatime','strictatime','nosymfollow',"
    "              'rprivate','idmap','tmpcopyup','x-custom=1'],"
    "   'uidMappings':[{'containerID':0,'hostID':1000,'size':10}],"
    "   'gidMappings':[{'containerID':1,'hostID':2000,'size':20}]},"
    "  {'destination':'/empty','options':[]}"
    " ],"
    " 'process':{"
    "  'terminal':true,'consoleSize':{'height':24,'width':80},"
    "  'user':{'uid':1,'gid':2,'umask':18,'additionalGids':[3,4]},"
    "  'args':['sh','-c','echo hi'],'env':['A=1','B=2'],'cwd':'/work','commandLine':'cl',"
    "  'capabilities':{'bounding':['CAP_CHOWN','CAP_SYS_ADMIN','CAP_CHECKPOINT_RESTORE'],"
    "                  'effective':['CAP_KILL'],'inheritable':[],'permitted':['CAP_NET_RAW'],"
    "                  'ambient':['CAP_BPF']},"
    "  'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
    "             {'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551615}],"
    "  'noNewPrivileges':true,'apparmorProfile':'ap','oomScoreAdj':-500,'selinuxLabel':'sl',"
    "  'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':4},"
    "  'scheduler':{'policy':'SCHED_DEADLINE','nice':-5,'priority':3,"
    "               'flags':['SCHED_FLAG_RESET_ON_FORK','SCHED_FLAG_RECLAIM'],"
    "               'runtime':100,'deadline':200,'period':300}"
    " },"
    " 'hooks':{'prestart':[{'path':'/bin/a','args':['a','1'],'env':['X=1'],'timeout':5}],"
    "          'createRuntime':[{'path':'/bin/b'}],'createContainer':[{'path':'/bin/c'}],"
    "          'startContainer':[{'path':'/bin/d'}],'poststart':[{'path':'/bin/e'}],"
    "          'poststop':[{'path':'/bin/f'},{'path':'/bin/g'}]},"
    " 'annotations':{'org.example.key':'value','empty':''},"
    " 'linux':{"
    "  'namespaces':[{'type':'pid'},{'type':'network','path':'/proc/1/ns/net'},{'type':'mount'},"
    "                {'type':'ipc'},{'type':'uts','path':''},{'type':'user'},{'type':'cgroup'},"
    "                {'type':'time'}],"
    "  'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
    "  'gidMappings':[{'containerID':0,'hostID':200000,'size':65536},"
    "                 {'containerID':65536,'hostID':4294967294,'size':1}],"
    "  'timeOffsets':{'monotonic':{'secs':-10,'nanosecs':5},'boottime':{'secs':7}},"
    "  'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,"
    "              'uid':5,'gid':6},"
    "             {'path':'/dev/fifo','type':'p'}],"
    "  'cgroupsPath':'/skiff/x',"
    "  'resources':{"
    "   'devices':[{'allow':false,'access':'rwm'},"
    "              {'allow':true,'type':'c','major':1,'minor':3,'access':'rw'},"
    "              {'allow':true,'type':'b','major':8}],"
    "   'memory':{'limit':1073741824,'reservation':536870912,'swap':-1,'kernel':1,'kernelTCP':2,"
    "             'swappiness':60,'disableOOMKiller':true,'useHierarchy':false,"
    "             'checkBeforeUpdate':true},"
    "   'cpu':{'shares':1024,'quota':50000,'burst':1000,'period':100000,"
    "          'realtimeRuntime':950000,'realtimePeriod':1000000,'cpus':'0-1','mems':'0','idle':1},"
    "   'pids':{'limit':-1},"
    "   'blockIO':{'weight':500,'leafWeight':300,"
    "              'weightDevice':[{'major':8,'minor':0,'weight':600,'leafWeight':200},"
    "                              {'major':8,'minor':16}],"
    "              'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
    "              'throttleWriteBpsDevice':[{'major':8,'minor':0,'rate':2}],"
    "              'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':3}],"
    "              'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':4},"
    "                                         {'major':8,'minor':1,'rate':5}]},"
    "   'hugepageLimits':[{'pageSize':'2MB','limit':209715200},{'pageSize':'1GB','limit':0}],"
    "   'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':500}]},"
    "   'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000}},"
    "   'unified':{'io.weight':'100','memory.high':'max'}"
    "  },"
    "  'rootfsPropagation':'rslave',"
    "  'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':1,"
    "             'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'],"
    "             'flags':['SECCOMP_FILTER_FLAG_LOG'],"
    "             'listenerPath':'/run/l.sock','listenerMetadata':'meta',"
    "             'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
    "                         {'names':['personality'],'action':'SCMP_ACT_ERRNO','errnoRet':38,"
    "                          'args':[{'index':0,'value':8,'valueTwo':0,'op':'SCMP_CMP_EQ'},"
    "                                  {'index':5,'value':255,'valueTwo':4,"
    "                                   'op':'SCMP_CMP_MASKED_EQ'}]}]},"
    "  'sysctl':{'net.ipv4.ip_forward':'1','kernel.shmmax':'100'},"
    "  'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys','/proc/bus'],"
    "  'mountLabel':'ml',"
    "  'personality':{'domain':'LINUX32','flags':[]}"
    " }"
    "}";

static int streq(const char *a, const char *b)
{
  return a && b && strcmp(a, b) == 0;
}

static void test_full_config(void)
{
  struct sk_spec *s = parse(full_config);
  CHECK(s != NULL);
  if (!s) {
    fprintf(stderr, "full config: %s\n", last_error);
    return;
  }
  CHECK(streq(s->oci_version, "1.2.0"));
  CHECK(streq(s->root_path, "rootfs"));
  CHECK(s->root_readonly);
  CHECK(streq(s->hostname, "h1"));
  CHECK(streq(s->domainname, "d1"));

  /* mounts */
  CHECK(s->mounts_len == 3);
  CHECK(streq(s->mounts[0].destination, "/proc"));
  CHECK(streq(s->mounts[0].type, "proc"));
  CHECK(streq(s->mounts[0].source, "proc"));
  CHECK(s->mounts[0].options != NULL && s->mounts[0].options[0] == NULL);
  CHECK(s->mounts[0].options_len == 0);
  const struct sk_mount *m = &s->mounts[1];
  CHECK(m->options_len == 12);
  static const char *const opts[] = {"rbind",    "ro",       "nosuid",      "nodev",
                                     "noexec",   "relatime", "strictatime", "nosymfollow",
                                     "rprivate", "idmap",    "tmpcopyup",   "x-custom=1"};
  for (size_t i = 0; i < 12 && i < m->options_len; i++)
    CHECK(streq(m->options[i], opts[i]));
  CHECK(m->options[m->options_len] == NULL);
  CHECK(m->uid_mappings_len == 1 && m->uid_mappings[0].container_id == 0 &&
        m->uid_mappings[0].host_id == 1000 && m->uid_mappings[0].size == 10);
  CHECK(m->gid_mappings_len == 1 && m->gid_mappings[0].container_id == 1 &&
        m->gid_mappings[0].host_id == 2000 && m->gid_mappings[0].size == 20);
  CHECK(s->mounts[2].type == NULL && s->mounts[2].source == NULL);
  CHECK(s->mounts[2].options_len == 0 && s->mounts[2].options[0] == NULL);

  /* process */
  const struct sk_process *p = s->process;
  CHECK(p != NULL);
  if (p) {
    CHECK(p->terminal);
    CHECK(p->has_console_size && p->console_height == 24 && p->console_width == 80);
    CHECK(p->user.uid == 1 && p->user.gid == 2);
    CHECK(p->user.umask.set && p->user.umask.v == 18);
    CHECK(p->user.additional_gids_len == 2 && p->user.additional_gids[0] == 3 &&
          p->user.additional_gids[1] == 4);
    CHECK(p->args_len == 3 && streq(p->args[0], "sh") && streq(p->args[2], "echo hi") &&
          p->args[3] == NULL);
    CHECK(p->env_len == 2 && streq(p->env[0], "A=1") && streq(p->env[1], "B=2") &&
          p->env[2] == NULL);
    CHECK(streq(p->cwd, "/work"));
    CHECK(streq(p->command_line, "cl"));
    CHECK(p->capabilities != NULL);
    if (p->capabilities) {
      const struct sk_capabilities *c = p->capabilities;
      CHECK(c->has_bounding && c->has_effective && c->has_inheritable && c->has_permitted &&
            c->has_ambient);
      CHECK(c->bounding == (BIT(0) | BIT(21) | BIT(40)));
      CHECK(c->effective == BIT(5));
      CHECK(c->inheritable == 0);
      CHECK(c->permitted == BIT(13));
      CHECK(c->ambient == BIT(39));
    }
    CHECK(p->rlimits_len == 2);
    CHECK(p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].soft == 1024 &&
          p->rlimits[0].hard == 4096);
    CHECK(p->rlimits[1].resource == RLIMIT_CORE && p->rlimits[1].soft == 0 &&
          p->rlimits[1].hard == UINT64_MAX);
    CHECK(p->no_new_privileges);
    CHECK(streq(p->apparmor_profile, "ap"));
    CHECK(p->oom_score_adj.set && p->oom_score_adj.v == -500);
    CHECK(streq(p->selinux_label, "sl"));
    CHECK(p->io_priority.set && p->io_priority.klass == 2 && p->io_priority.priority == 4);
    CHECK(p->scheduler.set && p->scheduler.policy == 6 && p->scheduler.nice == -5 &&
          p->scheduler.priority == 3 && p->scheduler.flags == 0x3 && p->scheduler.runtime == 100 &&
          p->scheduler.deadline == 200 && p->scheduler.period == 300);
  }

  /* hooks */
  CHECK(s->hooks[SK_HOOK_PRESTART].len == 1);
  const struct sk_hook *h = &s->hooks[SK_HOOK_PRESTART].hooks[0];
  CHECK(streq(h->path, "/bin/a"));
  CHECK(h->args_len == 2 && streq(h->args[1], "1") && h->args[2] == NULL);
  CHECK(h->env_len == 1 && streq(h->env[0], "X=1"));
  CHECK(h->timeout.set && h->timeout.v == 5);
  CHECK(s->hooks[SK_HOOK_CREATE_RUNTIME].len == 1 &&
        streq(s->hooks[SK_HOOK_CREATE_RUNTIME].hooks[0].path, "/bin/b"));
  CHECK(s->hooks[SK_HOOK_CREATE_RUNTIME].hooks[0].args == NULL &&
        !s->hooks[SK_HOOK_CREATE_RUNTIME].hooks[0].timeout.set);
  CHECK(s->hooks[SK_HOOK_CREATE_CONTAINER].len == 1 &&
        streq(s->hooks[SK_HOOK_CREATE_CONTAINER].hooks[0].path, "/bin/c"));
  CHECK(s->hooks[SK_HOOK_START_CONTAINER].len == 1 &&
        streq(s->hooks[SK_HOOK_START_CONTAINER].hooks[0].path, "/bin/d"));
  CHECK(s->hooks[SK_HOOK_POSTSTART].len == 1 &&
        streq(s->hooks[SK_HOOK_POSTSTART].hooks[0].path, "/bin/e"));
  CHECK(s->hooks[SK_HOOK_POSTSTOP].len == 2 &&
        streq(s->hooks[SK_HOOK_POSTSTOP].hooks[1].path, "/bin/g"));

  /* annotations */
  CHECK(s->annotations_len == 2);
  CHECK(streq(sk_spec_annotation(s, "org.example.key"), "value"));
  CHECK(streq(sk_spec_annotation(s, "empty"), ""));
  CHECK(sk_spec_annotation(s, "missing") == NULL);

  /* linux */
  const struct sk_linux *l = s->linux_;
  CHECK(l != NULL);
  if (!l) {
    sk_spec_free(s);
    return;
  }
  CHECK(l->namespaces_len == 8);
  static const int ns[] = {CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,     CLONE_NEWIPC,
                           CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME};
  for (size_t i = 0; i < 8 && i < l->namespaces_len; i++)
    CHECK(l->namespaces[i].type == ns[i]);
  CHECK(streq(l->namespaces[1].path, "/proc/1/ns/net"));
  CHECK(l->namespaces[0].path == NULL);
  CHECK(l->namespaces[4].path == NULL); /* "" means: create one */
  CHECK(sk_spec_namespace(s, CLONE_NEWNET) == &l->namespaces[1]);
  CHECK(sk_spec_namespace(s, CLONE_NEWTIME) == &l->namespaces[7]);
  CHECK(l->uid_mappings_len == 1 && l->uid_mappings[0].host_id == 100000 &&
        l->uid_mappings[0].size == 65536);
  CHECK(l->gid_mappings_len == 2 && l->gid_mappings[1].container_id == 65536 &&
        l->gid_mappings[1].host_id == 4294967294u && l->gid_mappings[1].size == 1);
  CHECK(l->time_monotonic.set && l->time_monotonic.secs == -10 && l->time_monotonic.nanosecs == 5);
  CHECK(l->time_boottime.set && l->time_boottime.secs == 7 && l->time_boottime.nanosecs == 0);
  CHECK(l->devices_len == 2);
  CHECK(streq(l->devices[0].path, "/dev/fuse") && l->devices[0].type == 'c' &&
        l->devices[0].major == 10 && l->devices[0].minor == 229);
  CHECK(l->devices[0].file_mode.set && l->devices[0].file_mode.v == 0666);
  CHECK(l->devices[0].uid.set && l->devices[0].uid.v == 5);
  CHECK(l->devices[0].gid.set && l->devices[0].gid.v == 6);
  CHECK(l->devices[1].type == 'p' && !l->devices[1].file_mode.set && !l->devices[1].uid.set);
  CHECK(streq(l->cgroups_path, "/skiff/x"));
  CHECK(streq(l->rootfs_propagation, "rslave"));
  CHECK(l->sysctl_len == 2 && streq(l->sysctl[0].key, "net.ipv4.ip_forward") &&
        streq(l->sysctl[0].value, "1") && streq(l->sysctl[1].value, "100"));
  CHECK(l->masked_paths_len == 1 && streq(l->masked_paths[0], "/proc/kcore") &&
        l->masked_paths[1] == NULL);
  CHECK(l->readonly_paths_len == 2 && streq(l->readonly_paths[1], "/proc/bus"));
  CHECK(streq(l->mount_label, "ml"));
  CHECK(l->personality.set && l->personality.domain == PER_LINUX32 &&
        l->personality.flags_len == 0);

  /* seccomp */
  const struct sk_seccomp *sc = l->seccomp;
  CHECK(sc != NULL);
  if (sc) {
    CHECK(sc->default_action == SK_SCMP_ACT_ERRNO);
    CHECK(sc->default_errno_ret.set && sc->default_errno_ret.v == 1);
    CHECK(sc->architectures_len == 2 && streq(sc->architectures[0], "SCMP_ARCH_X86_64"));
    CHECK(sc->flags_len == 1 && streq(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG"));
    CHECK(streq(sc->listener_path, "/run/l.sock"));
    CHECK(streq(sc->listener_metadata, "meta"));
    CHECK(sc->syscalls_len == 2);
    CHECK(sc->syscalls[0].names_len == 2 && streq(sc->syscalls[0].names[1], "write"));
    CHECK(sc->syscalls[0].action == SK_SCMP_ACT_ALLOW && !sc->syscalls[0].errno_ret.set);
    CHECK(sc->syscalls[0].args_len == 0);
    const struct sk_seccomp_syscall *sy = &sc->syscalls[1];
    CHECK(sy->action == SK_SCMP_ACT_ERRNO && sy->errno_ret.set && sy->errno_ret.v == 38);
    CHECK(sy->args_len == 2);
    CHECK(sy->args[0].index == 0 && sy->args[0].value == 8 && sy->args[0].op == SK_SCMP_CMP_EQ);
    CHECK(sy->args[1].index == 5 && sy->args[1].value == 255 && sy->args[1].value_two == 4 &&
          sy->args[1].op == SK_SCMP_CMP_MASKED_EQ);
  }

  /* resources */
  const struct sk_resources *r = l->resources;
  CHECK(r != NULL);
  if (r) {
    CHECK(r->devices_len == 3);
    CHECK(!r->devices[0].allow && r->devices[0].type == 'a' && r->devices[0].major == -1 &&
          r->devices[0].minor == -1 && streq(r->devices[0].access, "rwm"));
    CHECK(r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].major == 1 &&
          r->devices[1].minor == 3 && streq(r->devices[1].access, "rw"));
    CHECK(r->devices[2].type == 'b' && r->devices[2].major == 8 && r->devices[2].minor == -1 &&
          streq(r->devices[2].access, "rwm"));
    const struct sk_memory *mem = r->memory;
    CHECK(mem && mem->limit.set && mem->limit.v == 1073741824);
    CHECK(mem && mem->reservation.v == 536870912 && mem->swap.set && mem->swap.v == -1);
    CHECK(mem && mem->kernel.v == 1 && mem->kernel_tcp.v == 2);
    CHECK(mem && mem->swappiness.set && mem->swappiness.v == 60);
    CHECK(mem && mem->disable_oom_killer.set && mem->disable_oom_killer.v);
    CHECK(mem && mem->use_hierarchy.set && !mem->use_hierarchy.v);
    CHECK(mem && mem->check_before_update.set && mem->check_before_update.v);
    const struct sk_cpu *cpu = r->cpu;
    CHECK(cpu && cpu->shares.v == 1024 && cpu->quota.v == 50000 && cpu->burst.v == 1000 &&
          cpu->period.v == 100000 && cpu->realtime_runtime.v == 950000 &&
          cpu->realtime_period.v == 1000000 && cpu->idle.set && cpu->idle.v == 1);
    CHECK(cpu && streq(cpu->cpus, "0-1") && streq(cpu->mems, "0"));
    CHECK(r->pids_limit.set && r->pids_limit.v == -1);
    const struct sk_block_io *b = r->block_io;
    CHECK(b && b->weight.v == 500 && b->leaf_weight.v == 300);
    CHECK(b && b->weight_device_len == 2 && b->weight_device[0].major == 8 &&
          b->weight_device[0].weight.v == 600 && b->weight_device[0].leaf_weight.v == 200 &&
          b->weight_device[1].minor == 16 && !b->weight_device[1].weight.set);
    CHECK(b && b->throttle_read_bps_len == 1 && b->throttle_read_bps[0].rate == 1048576);
    CHECK(b && b->throttle_write_bps_len == 1 && b->throttle_write_bps[0].rate == 2);
    CHECK(b && b->throttle_read_iops_len == 1 && b->throttle_read_iops[0].rate == 3);
    CHECK(b && b->throttle_write_iops_len == 2 && b->throttle_write_iops[1].minor == 1 &&
          b->throttle_write_iops[1].rate == 5);
    CHECK(r->hugepage_limits_len == 2 && streq(r->hugepage_limits[0].page_size, "2MB") &&
          r->hugepage_limits[0].limit == 209715200 &&
          streq(r->hugepage_limits[1].page_size, "1GB"));
    CHECK(r->net_class_id.set && r->net_class_id.v == 1048577);
    CHECK(r->net_priorities_len == 1 && streq(r->net_priorities[0].name, "eth0") &&
          r->net_priorities[0].priority == 500);
    CHECK(r->rdma_len == 1 && streq(r->rdma[0].device, "mlx5_1") && r->rdma[0].hca_handles.v == 3 &&
          r->rdma[0].hca_objects.v == 10000);
    CHECK(r->unified_len == 2 && streq(r->unified[1].key, "memory.high") &&
          streq(r->unified[1].value, "max"));
  }
  sk_spec_free(s);
}

/* A minimal config leaves every optional field unset. */
static void test_minimal(void)
{
  struct sk_spec *s = parse("{'ociVersion':'1.0.0'}");
  CHECK(s != NULL);
  if (!s)
    return;
  CHECK(s->process == NULL && s->linux_ == NULL && s->root_path == NULL);
  CHECK(s->mounts_len == 0 && s->annotations_len == 0 && s->hostname == NULL);
  for (int k = 0; k < SK_HOOK_KINDS; k++)
    CHECK(s->hooks[k].len == 0);
  CHECK(sk_spec_namespace(s, CLONE_NEWPID) == NULL);
  CHECK(sk_spec_annotation(s, "x") == NULL);
  sk_spec_freep(&s);
  CHECK(s == NULL);
  sk_spec_freep(&s); /* NULL is fine */
  sk_spec_free(NULL);

  s = parse("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x']},'linux':{}}");
  CHECK(s != NULL);
  if (s) {
    const struct sk_process *p = s->process;
    CHECK(!p->terminal && !p->has_console_size && p->capabilities == NULL);
    CHECK(p->env != NULL && p->env[0] == NULL && p->env_len == 0);
    CHECK(!p->oom_score_adj.set && !p->io_priority.set && !p->scheduler.set);
    CHECK(!p->user.umask.set && p->user.uid == 0 && p->rlimits_len == 0);
    CHECK(s->linux_ && s->linux_->resources == NULL && s->linux_->seccomp == NULL);
    CHECK(s->linux_->rootfs_propagation == NULL && !s->linux_->personality.set);
    CHECK(!s->linux_->time_monotonic.set);
  }
  sk_spec_free(s);

  /* capabilities present with no sets: the struct exists, nothing is marked present */
  s = parse("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],'capabilities':{}}}");
  CHECK(s && s->process->capabilities && !s->process->capabilities->has_bounding &&
        !s->process->capabilities->has_ambient);
  sk_spec_free(s);
  /* an empty set is present and empty */
  s = parse("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],"
            "'capabilities':{'bounding':[]}}}");
  CHECK(s && s->process->capabilities->has_bounding && s->process->capabilities->bounding == 0);
  sk_spec_free(s);
}

/* runtime-spec: unknown properties MUST NOT be errors; JSON null counts as absent. */
static void test_unknown_ignored(void)
{
  OK("'futureField':{'a':[1,2,{'b':null}]}");
  OK("'empty':[[],{},[{}],{'a':[]}]");
  OK("'process':{'cwd':'/','args':['x'],'unknownProc':5,'user':{'uid':0,'gid':0,'username':'u'}}");
  OK("'mounts':[{'destination':'/x','unknown':true,'options':['whatever=1']}]");
  OK("'linux':{'intelRdt':{'closID':'x'},'memoryPolicy':{'mode':'MPOL_BIND'},"
     "'netDevices':{'eth0':{}},'resources':{'memory':{'futureKnob':1},'unknown':[]}}");
  OK("'annotations':{'io.unknown/anything':'1','com.example':'{\\'json\\':1}'}");
  OK("'hooks':{'futureHook':[{'path':'relative is fine here'}],'prestart':[]}");
  OK("'windows':{'layerFolders':['C:\\\\x']},'solaris':{},'vm':{'hypervisor':{}}");
  OK("'process':{'cwd':'/','args':['x'],'rlimits':null,'capabilities':null,'env':null},"
     "'linux':null,'mounts':null,'hostname':null");
  OK("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
     "'action':'SCMP_ACT_LOG','comment':'c','includes':{},'excludes':{}}]}}");

  struct sk_spec *s = parse("{'ociVersion':'1.2.0','hostname':null,'x':1,'linux':{'y':[]}}");
  CHECK(s && s->hostname == NULL && s->linux_ && s->linux_->namespaces_len == 0);
  sk_spec_free(s);
  /* "//" and block comments are accepted (yajl_tree allows them) */
  s = parse("/* c */ {'ociVersion':'1.2.0' // x\n}");
  CHECK(s != NULL);
  sk_spec_free(s);
}

static void test_versions(void)
{
  static const char *const good[] = {"1.0.0", "1.0.1", "1.0.2-dev", "1.1.0", "1.1.0-rc.1",
                                     "1.2.0", "1.2.1", "1.2.99",    "1.2",   "1.0.0-rc5"};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
    _cleanup_free_ char *doc = xasprintf("{'ociVersion':'%s'}", good[i]);
    struct sk_spec *s = parse(doc);
    CHECK(s != NULL && streq(s->oci_version, good[i]));
    if (!s)
      fprintf(stderr, "version %s refused: %s\n", good[i], last_error);
    sk_spec_free(s);
  }
  static const char *const unsupported[] = {"1.3.0", "0.9.0", "2.0.0", "1.10.0", "0.1", "1.3"};
  for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
    _cleanup_free_ char *doc = xasprintf("{'ociVersion':'%s'}", unsupported[i]);
    _cleanup_free_ char *want =
        xasprintf("config.json: ociVersion: version \"%s\" is not supported (1.0.0 to 1.2.x)",
                  unsupported[i]);
    struct sk_spec *s = parse(doc);
    CHECK(s == NULL && streq(last_error, want));
    sk_spec_free(s);
  }
  static const char *const malformed[] = {"",   "1",     "abc",    " 1.2.0", "-1.2.0", "+1.2.0",
                                          "1.", "1.x.0", "1.2.0x", "1.2-rc", "v1.2.0", "1..2"};
  for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
    _cleanup_free_ char *doc = xasprintf("{'ociVersion':'%s'}", malformed[i]);
    _cleanup_free_ char *want = xasprintf(
        "config.json: ociVersion: \"%s\" is not a version (MAJOR.MINOR.PATCH)", malformed[i]);
    struct sk_spec *s = parse(doc);
    CHECK(s == NULL && streq(last_error, want));
    if (s || !streq(last_error, want))
      fprintf(stderr, "version '%s': %s\n", malformed[i], s ? "accepted" : last_error);
    sk_spec_free(s);
  }
  CHECK(parse("{}") == NULL && streq(last_error, "config.json: missing \"ociVersion\""));
  CHECK(parse("{'ociVersion':null}") == NULL &&
        streq(last_error, "config.json: missing \"ociVersion\""));
  CHECK(parse("{'ociVersion':1.2}") == NULL &&
        streq(last_error, "config.json: ociVersion: expected a string, got a number"));
}

static void test_syntax_and_types(void)
{
  CHECK(parse("") == NULL &&
        streq(last_error, "config.json: invalid JSON at the end: parse error: premature EOF"));
  CHECK(parse("{'ociVersion':'1.2.0'") == NULL &&
        streq(last_error, "config.json: invalid JSON at the end: parse error: premature EOF"));
  CHECK(parse("{'ociVersion':'1.2.0',}") == NULL &&
        streq(last_error, "config.json: invalid JSON at line 1, column 23: parse error: invalid "
                          "object key (must be a string)"));
  /* line and column where yajl stopped (the end of the offending token); yajl's multi-line caret
   * diagram is not included */
  CHECK(parse("{\n  'ociVersion': '1.2.0',\n  'hostname' 'x'\n}") == NULL &&
        streq(last_error, "config.json: invalid JSON at line 3, column 16: parse error: object "
                          "key and value must be separated by a colon (':')"));
  CHECK(parse("{'ociVersion':'1.2.0'} x") == NULL &&
        streq(last_error,
              "config.json: invalid JSON at line 1, column 24: parse error: trailing garbage"));
  CHECK(strchr(last_error, '\n') == NULL);
  CHECK(parse("['ociVersion']") == NULL &&
        streq(last_error, "config.json: expected a JSON object, got an array"));
  CHECK(parse("'1.2.0'") == NULL &&
        streq(last_error, "config.json: expected a JSON object, got a string"));
  CHECK(parse("null") == NULL &&
        streq(last_error, "config.json: expected a JSON object, got null"));
  /* the given name prefixes every message */
  CHECK(parse_as("/b/my.json", "{'ociVersion':'1.2.0','hostname':1}") == NULL &&
        streq(last_error, "/b/my.json: hostname: expected a string, got a number"));
  /* a buffer need not be NUL-terminated: only len bytes count */
  {
    const char buf[] = "{\"ociVersion\":\"1.2.0\"}GARBAGE";
    struct sk_spec *s = NULL;
    sk_err_t err _cleanup_err_ = NULL;
    CHECK(sk_spec_parse(buf, sizeof buf - 1 - 7, "c", &s, &err) == 0 && s != NULL);
    sk_spec_free(s);
  }

  /* nesting: deep documents are refused before a tree is built; brackets in strings and
   * comments do not count */
  {
    size_t n = 100000;
    char *deep = xmalloc(2 * n + 64);
    char *q = stpcpy(deep, "{\"ociVersion\":\"1.2.0\",\"x\":");
    memset(q, '[', n);
    memset(q + n, ']', n);
    strcpy(q + 2 * n, "}");
    struct sk_spec *s = NULL;
    sk_err_t err _cleanup_err_ = NULL;
    CHECK(sk_spec_parse(deep, strlen(deep), "config.json", &s, &err) < 0);
    CHECK(err && streq(err->msg, "config.json: invalid JSON: nested more than 512 levels deep"));
    /* an unterminated comment or string holding the brackets cannot hide them from yajl */
    memcpy(deep, "/* \" */", 7);
    sk_err_free(&err);
    CHECK(sk_spec_parse(deep, strlen(deep), "config.json", &s, &err) < 0);
    free(deep);
  }
  OK("'x':'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['");
  {
    /* with the top object, 511 arrays make 512 levels: the most accepted */
    for (size_t levels = 511; levels <= 512; levels++) {
      char body[2 * 512 + 8];
      strcpy(body, "'x':");
      memset(body + 4, '[', levels);
      memset(body + 4 + levels, ']', levels);
      body[4 + 2 * levels] = '\0';
      if (levels == 511)
        OK(body);
      else
        ERR(body, "config.json: invalid JSON: nested more than 512 levels deep");
    }
  }

  /* type errors name the path and both types */
  ERR("'hostname':['h']", "config.json: hostname: expected a string, got an array");
  ERR("'root':'rootfs'", "config.json: root: expected an object, got a string");
  ERR("'root':{'path':'r','readonly':'yes'}",
      "config.json: root.readonly: expected a boolean, got a string");
  ERR("'process':{'cwd':'/','args':['x'],'terminal':1}",
      "config.json: process.terminal: expected a boolean, got a number");
  ERR("'mounts':{}", "config.json: mounts: expected an array, got an object");
  ERR("'mounts':[{'destination':'/a'},{'destination':'/b','options':['ro',1]}]",
      "config.json: mounts[1].options[1]: expected a string, got a number");
  ERR("'linux':{'namespaces':[{'type':1}]}",
      "config.json: linux.namespaces[0].type: expected a string, got a number");
  ERR("'linux':{'namespaces':['pid']}",
      "config.json: linux.namespaces[0]: expected an object, got a string");
  ERR("'process':{'cwd':'/','args':['x'],'oomScoreAdj':1.5}",
      "config.json: process.oomScoreAdj: expected an integer, got 1.5");
  ERR("'process':{'cwd':'/','args':['x'],'oomScoreAdj':1e3}",
      "config.json: process.oomScoreAdj: expected an integer, got 1e3");
  ERR("'process':{'cwd':'/','args':['x'],'user':{'uid':-1}}",
      "config.json: process.user.uid: expected an unsigned integer, got -1");
  ERR("'process':{'cwd':'/','args':['x'],'user':{'uid':4294967296}}",
      "config.json: process.user.uid: 4294967296 is out of range (at most 4294967295)");
  ERR("'process':{'cwd':'/','args':['x'],'user':{'gid':'0'}}",
      "config.json: process.user.gid: expected an unsigned integer, got a string");
  ERR("'process':{'cwd':'/','args':['x'],'user':{'additionalGids':[1,true]}}",
      "config.json: process.user.additionalGids[1]: expected an unsigned integer, got a boolean");
  ERR("'process':{'cwd':'/','args':['x'],'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,"
      "'hard':18446744073709551616}]}",
      "config.json: process.rlimits[0].hard: expected an unsigned integer, got "
      "18446744073709551616");
  ERR("'linux':{'resources':{'memory':{'limit':'1G'}}}",
      "config.json: linux.resources.memory.limit: expected an integer, got a string");
  ERR("'linux':{'resources':{'memory':{'limit':9223372036854775808}}}",
      "config.json: linux.resources.memory.limit: expected an integer, got 9223372036854775808");
  ERR("'annotations':{'a':'1','b':2}",
      "config.json: annotations.b: expected a string, got a number");
  ERR("'annotations':[]", "config.json: annotations: expected an object, got an array");
  ERR("'linux':{'sysctl':{'net.x':1}}",
      "config.json: linux.sysctl.net.x: expected a string, got a number");
  ERR("'process':{'cwd':'/','args':['x'],'env':'A=1'}",
      "config.json: process.env: expected an array, got a string");
  ERR("'process':{'cwd':'/','args':['x'],'env':['A=1',null]}",
      "config.json: process.env[1]: expected a string, got null");
  ERR("'linux':{'resources':{'memory':{'disableOOMKiller':0}}}",
      "config.json: linux.resources.memory.disableOOMKiller: expected a boolean, got a number");
  ERR("'process':{'cwd':'/','args':['x'],'capabilities':{'bounding':'CAP_KILL'}}",
      "config.json: process.capabilities.bounding: expected an array, got a string");
  ERR("'process':{'cwd':'/','args':['x'],'capabilities':{'ambient':[21]}}",
      "config.json: process.capabilities.ambient[0]: expected a string, got a number");
}

static void test_required(void)
{
  ERR("'root':{}", "config.json: root: missing \"path\"");
  ERR("'root':{'path':''}", "config.json: root.path: must not be empty");
  ERR("'process':{'args':['sh']}", "config.json: process: missing \"cwd\"");
  ERR("'process':{'cwd':'/'}", "config.json: process: missing \"args\"");
  ERR("'process':{'cwd':'/','args':[]}",
      "config.json: process.args: must hold at least the program to run");
  ERR("'process':{'cwd':'rel','args':['x']}",
      "config.json: process.cwd: must be an absolute path, got \"rel\"");
  ERR("'process':{'cwd':'/','args':['x'],'consoleSize':{'height':1}}",
      "config.json: process.consoleSize: missing \"width\"");
  ERR("'process':{'cwd':'/','args':['x'],'consoleSize':{'height':70000,'width':1}}",
      "config.json: process.consoleSize: sizes above 65535 cannot be set on a terminal");
  ERR("'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':'/c'},{'type':'tmpfs'}]",
      "config.json: mounts[3]: missing \"destination\"");
  ERR("'mounts':[{'destination':'a'}]",
      "config.json: mounts[0].destination: must be an absolute path, got \"a\"");
  ERR("'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1}]}]",
      "config.json: mounts[0].uidMappings[0]: missing \"size\"");
  ERR("'mounts':[{'destination':'/a','options':['idmap'],'uidMappings':[{'containerID':0,"
      "'hostID':1,'size':1}]}]",
      "config.json: mounts[0]: \"uidMappings\" without \"gidMappings\"");
  ERR("'mounts':[{'destination':'/a','gidMappings':[{'containerID':0,'hostID':1,'size':1}]}]",
      "config.json: mounts[0]: \"gidMappings\" without \"uidMappings\"");
  ERR("'mounts':[{'destination':'/a'},{'destination':'/b','options':['rbind','ridmap']}]",
      "config.json: mounts[1].options[1]: \"ridmap\" needs uidMappings and gidMappings, or a "
      "user namespace");
  ERR("'mounts':[{'destination':'/b','options':['idmap']}],'linux':{'namespaces':[{'type':'pid'}]}",
      "config.json: mounts[0].options[0]: \"idmap\" needs uidMappings and gidMappings, or a user "
      "namespace");
  OK("'mounts':[{'destination':'/"
     "b','options':['idmap']}],'linux':{'namespaces':[{'type':'user'}]}");
  ERR("'linux':{'uidMappings':[{'containerID':0,'hostID':1,'size':0}]}",
      "config.json: linux.uidMappings[0].size: must be at least 1");
  ERR("'linux':{'gidMappings':[{'containerID':0,'hostID':-1,'size':1}]}",
      "config.json: linux.gidMappings[0].hostID: expected an unsigned integer, got -1");
  ERR("'linux':{'namespaces':[{'path':'/proc/1/ns/pid'}]}",
      "config.json: linux.namespaces[0]: missing \"type\"");
  ERR("'linux':{'namespaces':[{'type':'pid','path':'proc/1/ns/pid'}]}",
      "config.json: linux.namespaces[0].path: must be an absolute path, got \"proc/1/ns/pid\"");
  ERR("'linux':{'devices':[{'type':'c','major':1,'minor':3}]}",
      "config.json: linux.devices[0]: missing \"path\"");
  ERR("'linux':{'devices':[{'path':'/dev/null','major':1,'minor':3}]}",
      "config.json: linux.devices[0]: missing \"type\"");
  ERR("'linux':{'devices':[{'path':'/dev/null','type':'c','major':1}]}",
      "config.json: linux.devices[0]: missing \"major\" or \"minor\" (required for type c)");
  ERR("'linux':{'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]}",
      "config.json: linux.devices[0].path: must be an absolute path, got \"dev/null\"");
  ERR("'linux':{'devices':[{'path':'/dev/x','type':'b','major':1,'minor':3,'fileMode':65535}]}",
      "config.json: linux.devices[0].fileMode: 0177777 is not a file mode");
  ERR("'hooks':{'poststop':[{'args':['x']}]}", "config.json: hooks.poststop[0]: missing \"path\"");
  ERR("'hooks':{'prestart':[{'path':'/a'},{'path':'b'}]}",
      "config.json: hooks.prestart[1].path: must be an absolute path, got \"b\"");
  ERR("'hooks':{'createRuntime':[{'path':'/a','timeout':0}]}",
      "config.json: hooks.createRuntime[0].timeout: must be greater than zero, got 0");
  ERR("'hooks':{'startContainer':{}}",
      "config.json: hooks.startContainer: expected an array, got an object");
  ERR("'process':{'cwd':'/','args':['x'],'rlimits':[{'soft':1,'hard':1}]}",
      "config.json: process.rlimits[0]: missing \"type\"");
  ERR("'process':{'cwd':'/','args':['x'],'rlimits':[{'type':'RLIMIT_CPU','soft':1}]}",
      "config.json: process.rlimits[0]: missing \"hard\"");
  ERR("'linux':{'seccomp':{'syscalls':[]}}",
      "config.json: linux.seccomp: missing \"defaultAction\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_LOG'}]}"
      "}",
      "config.json: linux.seccomp.syscalls[0]: missing \"names\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x']}]}}",
      "config.json: linux.seccomp.syscalls[0]: missing \"action\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
      "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1}]}]}}",
      "config.json: linux.seccomp.syscalls[0].args[0]: missing \"op\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'x.sock'}}",
      "config.json: linux.seccomp.listenerPath: must be an absolute path, got \"x.sock\"");
  ERR("'linux':{'maskedPaths':['/ok','rel']}",
      "config.json: linux.maskedPaths[1]: must be an absolute path, got \"rel\"");
  ERR("'linux':{'readonlyPaths':['']}",
      "config.json: linux.readonlyPaths[0]: must be an absolute path, got \"\"");
  ERR("'linux':{'personality':{}}", "config.json: linux.personality: missing \"domain\"");
  ERR("'linux':{'resources':{'devices':[{'access':'r'}]}}",
      "config.json: linux.resources.devices[0]: missing \"allow\"");
  ERR("'linux':{'resources':{'pids':{}}}", "config.json: linux.resources.pids: missing \"limit\"");
  ERR("'linux':{'resources':{'hugepageLimits':[{'limit':1}]}}",
      "config.json: linux.resources.hugepageLimits[0]: missing \"pageSize\"");
  ERR("'linux':{'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}}}",
      "config.json: linux.resources.blockIO.throttleReadBpsDevice[0]: missing \"rate\"");
  ERR("'linux':{'resources':{'blockIO':{'weightDevice':[{'major':8}]}}}",
      "config.json: linux.resources.blockIO.weightDevice[0]: missing \"major\" or \"minor\"");
  ERR("'linux':{'resources':{'network':{'priorities':[{'name':'eth0'}]}}}",
      "config.json: linux.resources.network.priorities[0]: missing \"name\" or \"priority\"");
  ERR("'process':{'cwd':'/','args':['x'],'ioPriority':{'priority':1}}",
      "config.json: process.ioPriority: missing \"class\"");
  ERR("'process':{'cwd':'/','args':['x'],'scheduler':{'nice':1}}",
      "config.json: process.scheduler: missing \"policy\"");
}

static void test_enums(void)
{
  ERR("'process':{'cwd':'/','args':['x'],'capabilities':{'bounding':['CAP_CHOWN','CAP_KILL',"
      "'CAP_FOO']}}",
      "config.json: process.capabilities.bounding[2]: unknown capability \"CAP_FOO\"");
  ERR("'process':{'cwd':'/','args':['x'],'capabilities':{'permitted':['']}}",
      "config.json: process.capabilities.permitted[0]: unknown capability \"\"");
  ERR("'process':{'cwd':'/','args':['x'],'capabilities':{'effective':['CAP_41']}}",
      "config.json: process.capabilities.effective[0]: unknown capability \"CAP_41\"");
  ERR("'linux':{'namespaces':[{'type':'pid'},{'type':'net'}]}",
      "config.json: linux.namespaces[1].type: unknown namespace type \"net\"");
  ERR("'linux':{'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'pid'}]}",
      "config.json: linux.namespaces[2].type: namespace \"pid\" given twice");
  ERR("'linux':{'rootfsPropagation':'rshared-ish'}",
      "config.json: linux.rootfsPropagation: unknown propagation \"rshared-ish\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_NOPE'}}",
      "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
      "'action':'allow'}]}}",
      "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"allow\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
      "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_NE'},"
      "{'index':1,'value':1,'op':'SCMP_CMP_XOR'}]}]}}",
      "config.json: linux.seccomp.syscalls[0].args[1].op: unknown seccomp operator "
      "\"SCMP_CMP_XOR\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
      "'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_NE'}]}]}}",
      "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument index "
      "(0..5)");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86',"
      "'SCMP_ARCH_Z80']}}",
      "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture "
      "\"SCMP_ARCH_Z80\"");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_X']}}",
      "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\"");
  ERR("'process':{'cwd':'/','args':['x'],'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]}",
      "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
  ERR("'process':{'cwd':'/','args':['x'],'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':2},"
      "{'type':'RLIMIT_NOFILE','soft':1,'hard':1}]}",
      "config.json: process.rlimits[1].type: rlimit \"RLIMIT_NOFILE\" given twice");
  ERR("'process':{'cwd':'/','args':['x'],'rlimits':[{'type':'RLIMIT_NOFILE','soft':3,'hard':2}]}",
      "config.json: process.rlimits[0].soft: 3 is above the hard limit 2");
  ERR("'linux':{'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]}",
      "config.json: linux.devices[0].type: unknown device type \"x\" (c, b, u or p)");
  ERR("'linux':{'devices':[{'path':'/dev/x','type':'cc','major':1,'minor':1}]}",
      "config.json: linux.devices[0].type: unknown device type \"cc\" (c, b, u or p)");
  ERR("'linux':{'resources':{'devices':[{'allow':true,'type':'p'}]}}",
      "config.json: linux.resources.devices[0].type: unknown device type \"p\" (a, c or b)");
  ERR("'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}",
      "config.json: linux.resources.devices[0].access: \"rwx\" is not a combination of r, w and m");
  ERR("'linux':{'resources':{'devices':[{'allow':true,'access':''}]}}",
      "config.json: linux.resources.devices[0].access: \"\" is not a combination of r, w and m");
  ERR("'linux':{'resources':{'devices':[{'allow':true,'access':'rwmr'}]}}",
      "config.json: linux.resources.devices[0].access: \"rwmr\" is not a combination of r, w and "
      "m");
  ERR("'linux':{'personality':{'domain':'LINUX64'}}",
      "config.json: linux.personality.domain: unknown personality domain \"LINUX64\" (LINUX or "
      "LINUX32)");
  ERR("'process':{'cwd':'/','args':['x'],'ioPriority':{'class':'IOPRIO_CLASS_NONE'}}",
      "config.json: process.ioPriority.class: unknown value \"IOPRIO_CLASS_NONE\"");
  ERR("'process':{'cwd':'/','args':['x'],'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}}",
      "config.json: process.ioPriority.priority: 8 is outside 0..7");
  ERR("'process':{'cwd':'/','args':['x'],'scheduler':{'policy':'SCHED_BOGUS'}}",
      "config.json: process.scheduler.policy: unknown value \"SCHED_BOGUS\"");
  ERR("'process':{'cwd':'/','args':['x'],'scheduler':{'policy':'SCHED_OTHER','nice':20}}",
      "config.json: process.scheduler.nice: 20 is outside -20..19");
  ERR("'process':{'cwd':'/','args':['x'],'scheduler':{'policy':'SCHED_OTHER','flags':['X']}}",
      "config.json: process.scheduler.flags[0]: unknown value \"X\"");
  ERR("'linux':{'timeOffsets':{'boottime':{'secs':1,'nanosecs':1000000000}}}",
      "config.json: linux.timeOffsets.boottime.nanosecs: must be below 1000000000");
  ERR("'linux':{'resources':{'memory':{'swappiness':101}}}",
      "config.json: linux.resources.memory.swappiness: 101 is above 100");
  ERR("'linux':{'resources':{'memory':{'swap':-2}}}",
      "config.json: linux.resources.memory.swap: -2 is not a limit (bytes, or -1 for none)");
  ERR("'linux':{'resources':{'cpu':{'idle':2}}}",
      "config.json: linux.resources.cpu.idle: must be 0 or 1");
  ERR("'linux':{'resources':{'hugepageLimits':[{'pageSize':'2XB','limit':1}]}}",
      "config.json: linux.resources.hugepageLimits[0].pageSize: \"2XB\" is not a page size such "
      "as 2MB or 1GB");
  ERR("'linux':{'resources':{'hugepageLimits':[{'pageSize':'MB','limit':1}]}}",
      "config.json: linux.resources.hugepageLimits[0].pageSize: \"MB\" is not a page size such "
      "as 2MB or 1GB");
  ERR("'linux':{'resources':{'unified':{'io.weight':'1','../x':'1'}}}",
      "config.json: linux.resources.unified.../x: \"../x\" is not a cgroup v2 file name "
      "(controller.key)");
  ERR("'linux':{'resources':{'unified':{'weight':'1'}}}",
      "config.json: linux.resources.unified.weight: \"weight\" is not a cgroup v2 file name "
      "(controller.key)");
  ERR("'linux':{'resources':{'rdma':{'mlx':{'hcaHandles':-1}}}}",
      "config.json: linux.resources.rdma.mlx.hcaHandles: expected an unsigned integer, got -1");

  /* every accepted value of each enum */
  static const char *const ns[] = {"pid", "network", "mount",  "ipc",
                                   "uts", "user",    "cgroup", "time"};
  for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
    _cleanup_free_ char *b = xasprintf("'linux':{'namespaces':[{'type':'%s'}]}", ns[i]);
    OK(b);
  }
  static const char *const props[] = {"",      "private", "rprivate",   "shared",     "rshared",
                                      "slave", "rslave",  "unbindable", "runbindable"};
  for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
    _cleanup_free_ char *b = xasprintf("'linux':{'rootfsPropagation':'%s'}", props[i]);
    OK(b);
  }
  static const char *const acts[] = {
      "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
      "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
  for (size_t i = 0; i < ARRAY_SIZE(acts); i++) {
    _cleanup_free_ char *doc =
        xasprintf("{'ociVersion':'1.2.0','linux':{'seccomp':{'defaultAction':'%s'}}}", acts[i]);
    struct sk_spec *s = parse(doc);
    CHECK(s && s->linux_->seccomp->default_action == (enum sk_seccomp_action)i);
    sk_spec_free(s);
  }
  static const char *const ops[] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                    "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                    "SCMP_CMP_MASKED_EQ"};
  for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
    _cleanup_free_ char *doc = xasprintf(
        "{'ociVersion':'1.2.0','linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':"
        "[{'names':['x'],'action':'SCMP_ACT_ERRNO','args':[{'index':1,'value':2,'op':'%s'}]}]}}}",
        ops[i]);
    struct sk_spec *s = parse(doc);
    CHECK(s && s->linux_->seccomp->syscalls[0].args[0].op == (enum sk_seccomp_op)i);
    sk_spec_free(s);
  }
  static const struct {
    const char *name;
    int res;
  } rl[] = {{"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
            {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
            {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
            {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
            {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
            {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
            {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
            {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME}};
  for (size_t i = 0; i < ARRAY_SIZE(rl); i++) {
    _cleanup_free_ char *doc = xasprintf("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],"
                                         "'rlimits':[{'type':'%s','soft':1,'hard':2}]}}",
                                         rl[i].name);
    struct sk_spec *s = parse(doc);
    CHECK(s && s->process->rlimits_len == 1 && s->process->rlimits[0].resource == rl[i].res);
    sk_spec_free(s);
  }
  static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
  for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
    _cleanup_free_ char *doc = xasprintf("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],"
                                         "'ioPriority':{'class':'%s'}}}",
                                         classes[i]);
    struct sk_spec *s = parse(doc);
    CHECK(s && s->process->io_priority.set && s->process->io_priority.klass == (int)i + 1 &&
          s->process->io_priority.priority == 0);
    sk_spec_free(s);
  }
  static const char *const dev[] = {"c", "b", "u"};
  for (size_t i = 0; i < ARRAY_SIZE(dev); i++) {
    _cleanup_free_ char *b = xasprintf(
        "'linux':{'devices':[{'path':'/dev/x','type':'%s','major':1,'minor':2}]}", dev[i]);
    OK(b);
  }
  OK("'linux':{'personality':{'domain':'LINUX'}}");
  OK("'linux':{'resources':{'memory':{'limit':-1,'swap':0}}}");
  OK("'linux':{'resources':{'hugepageLimits':[{'pageSize':'64KB','limit':1}]}}");
  OK("'linux':{'resources':{'devices':[{'allow':true,'access':'m'},{'allow':false,'access':'wr'}]}"
     "}");
}

/* Every error path frees what it built: run under ASan (--enable-sanitizers), the
 * leak checker sees each of these.  Failures in the middle of lists exercise partial frees. */
static void test_partial_frees(void)
{
  ERR("'mounts':[{'destination':'/a','options':['x'],'uidMappings':[{'containerID':0,'hostID':0,"
      "'size':1}],'gidMappings':[{'containerID':0,'hostID':0,'size':1}]},{'destination':'/b',"
      "'source':'s','type':'t','options':['ro'],'uidMappings':[{'containerID':0,'hostID':0,"
      "'size':1}],'gidMappings':[{'containerID':0,'hostID':0,'size':0}]}]",
      "config.json: mounts[1].gidMappings[0].size: must be at least 1");
  ERR("'hooks':{'prestart':[{'path':'/a','args':['a'],'env':['b']}],'poststop':[{'path':'/p',"
      "'args':['a'],'env':[1]}]}",
      "config.json: hooks.poststop[0].env[0]: expected a string, got a number");
  ERR("'annotations':{'a':'b'},'linux':{'namespaces':[{'type':'pid','path':'/x'}],"
      "'sysctl':{'a.b':'c'},'maskedPaths':['/a'],'devices':[{'path':'/dev/a','type':'c','major':1,"
      "'minor':1}],'resources':{'devices':[{'allow':true}],'memory':{},'cpu':{'cpus':'0'},"
      "'blockIO':{'weightDevice':[{'major':1,'minor':1}],'throttleReadBpsDevice':[{'major':1,"
      "'minor':2,'rate':3}]},'hugepageLimits':[{'pageSize':'2MB','limit':1}],"
      "'network':{'priorities':[{'name':'a','priority':1}]},'rdma':{'a':{}},"
      "'unified':{'a.b':'c','d':'e'}}}",
      "config.json: linux.resources.unified.d: \"d\" is not a cgroup v2 file name "
      "(controller.key)");
  ERR("'process':{'cwd':'/','args':['x'],'env':['a'],'capabilities':{'bounding':['CAP_KILL']},"
      "'rlimits':[{'type':'RLIMIT_CPU','soft':1,'hard':1}],'user':{'additionalGids':[1]},"
      "'apparmorProfile':'a','selinuxLabel':'b','commandLine':'c','scheduler':{'policy':1}}",
      "config.json: process.scheduler.policy: expected a string, got a number");
  ERR("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86'],"
      "'flags':['SECCOMP_FILTER_FLAG_LOG'],'listenerMetadata':'m','syscalls':[{'names':['a'],"
      "'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':0,'op':'SCMP_CMP_EQ'}]},"
      "{'names':['b'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':'0','op':'SCMP_CMP_EQ'}]"
      "}]}}",
      "config.json: linux.seccomp.syscalls[1].args[0].value: expected an unsigned integer, got a "
      "string");
  ERR("'linux':{'personality':{'domain':'LINUX','flags':['a',2]}}",
      "config.json: linux.personality.flags[1]: expected a string, got a number");
}

static void test_default_spec(void)
{
  for (int rootless = 0; rootless < 2; rootless++) {
    _cleanup_free_ char *json = sk_spec_default_json(rootless);
    CHECK(json != NULL);
    struct sk_spec *s = NULL;
    sk_err_t err _cleanup_err_ = NULL;
    CHECK(sk_spec_parse(json, strlen(json), "config.json", &s, &err) == 0);
    if (!s) {
      fprintf(stderr, "default spec (rootless=%d): %s\n%s\n", rootless, err ? err->msg : "", json);
      continue;
    }
    CHECK(streq(s->oci_version, "1.2.0"));
    CHECK(streq(s->root_path, "rootfs") && s->root_readonly);
    CHECK(s->process && s->process->terminal);
    CHECK(s->process->args_len == 1 && streq(s->process->args[0], "sh"));
    CHECK(streq(s->process->cwd, "/"));
    CHECK(s->process->env_len == 2 && strncmp(s->process->env[0], "PATH=", 5) == 0);
    CHECK(s->process->no_new_privileges);
    CHECK(s->process->rlimits_len == 1 && s->process->rlimits[0].resource == RLIMIT_NOFILE &&
          s->process->rlimits[0].soft == 1024 && s->process->rlimits[0].hard == 1024);
    uint64_t want = BIT(29) | BIT(5) | BIT(10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
    const struct sk_capabilities *c = s->process->capabilities;
    CHECK(c && c->has_bounding && c->bounding == want && c->effective == want &&
          c->permitted == want);
    CHECK(c && !c->has_inheritable);

    /* mounts: proc, dev, devpts, shm, mqueue, sys (+ cgroup when not rootless) */
    static const char *const dests[] = {"/proc",       "/dev", "/dev/pts",      "/dev/shm",
                                        "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
    size_t nm = rootless ? 6 : 7;
    CHECK(s->mounts_len == nm);
    for (size_t i = 0; i < nm && i < s->mounts_len; i++)
      CHECK(streq(s->mounts[i].destination, dests[i]));
    if (s->mounts_len >= 6) {
      const struct sk_mount *sys = &s->mounts[5];
      const struct sk_mount *pts = &s->mounts[2];
      bool has_gid5 = false, sys_rbind = false;
      for (size_t i = 0; i < pts->options_len; i++)
        has_gid5 |= streq(pts->options[i], "gid=5");
      for (size_t i = 0; i < sys->options_len; i++)
        sys_rbind |= streq(sys->options[i], "rbind");
      CHECK(has_gid5 == !rootless);
      CHECK(sys_rbind == !!rootless);
      CHECK(streq(sys->type, rootless ? "none" : "sysfs"));
      CHECK(streq(sys->source, rootless ? "/sys" : "sysfs"));
    }
    if (s->mounts_len == 7)
      CHECK(streq(s->mounts[6].type, "cgroup"));

    const struct sk_linux *l = s->linux_;
    CHECK(l != NULL);
    if (l) {
      CHECK(sk_spec_namespace(s, CLONE_NEWPID) && sk_spec_namespace(s, CLONE_NEWIPC) &&
            sk_spec_namespace(s, CLONE_NEWUTS) && sk_spec_namespace(s, CLONE_NEWNS));
      CHECK((sk_spec_namespace(s, CLONE_NEWNET) != NULL) == !rootless);
      CHECK((sk_spec_namespace(s, CLONE_NEWUSER) != NULL) == !!rootless);
      if (rootless) {
        CHECK(l->uid_mappings_len == 1 && l->uid_mappings[0].container_id == 0 &&
              l->uid_mappings[0].host_id == getuid() && l->uid_mappings[0].size == 1);
        CHECK(l->gid_mappings_len == 1 && l->gid_mappings[0].host_id == getgid());
        CHECK(l->resources == NULL);
      } else {
        CHECK(l->uid_mappings_len == 0);
        CHECK(l->resources && l->resources->devices_len == 1 && !l->resources->devices[0].allow &&
              l->resources->devices[0].type == 'a' &&
              streq(l->resources->devices[0].access, "rwm"));
      }
      CHECK(l->masked_paths_len >= 8);
      bool kcore = false, sysrq = false;
      for (size_t i = 0; i < l->masked_paths_len; i++)
        kcore |= streq(l->masked_paths[i], "/proc/kcore");
      for (size_t i = 0; i < l->readonly_paths_len; i++)
        sysrq |= streq(l->readonly_paths[i], "/proc/sysrq-trigger");
      CHECK(kcore && sysrq);
    }
    sk_spec_free(s);
  }
}

static void test_resources(void)
{
  const char *doc = "{\"memory\":{\"limit\":1048576,\"swap\":2097152},\"cpu\":{\"shares\":512,"
                    "\"cpus\":\"0\"},\"pids\":{\"limit\":10},\"blockIO\":{\"weight\":10},"
                    "\"unified\":{\"pids.max\":\"5\"},\"futureThing\":1}";
  struct sk_resources *r = NULL;
  sk_err_t err _cleanup_err_ = NULL;
  CHECK(sk_resources_parse(doc, strlen(doc), "res.json", &r, &err) == 0);
  CHECK(r && r->memory && r->memory->limit.v == 1048576 && r->memory->swap.v == 2097152);
  CHECK(r && !r->memory->reservation.set);
  CHECK(r && r->cpu && r->cpu->shares.v == 512 && streq(r->cpu->cpus, "0") && !r->cpu->quota.set);
  CHECK(r && r->pids_limit.set && r->pids_limit.v == 10);
  CHECK(r && r->block_io && r->block_io->weight.v == 10);
  CHECK(r && r->unified_len == 1 && streq(r->unified[0].key, "pids.max"));
  CHECK(r && r->devices_len == 0 && r->hugepage_limits_len == 0 && r->rdma_len == 0);
  sk_resources_free(r);
  r = NULL;

  const char *empty = "{}";
  CHECK(sk_resources_parse(empty, 2, NULL, &r, &err) == 0 && r && !r->memory && !r->cpu &&
        !r->pids_limit.set);
  sk_resources_free(r);
  sk_resources_free(NULL);
  r = NULL;

  static const struct {
    const char *doc, *want;
  } bad[] = {
      {"{\"memory\":{\"limit\":\"x\"}}",
       "res.json: memory.limit: expected an integer, got a string"},
      {"{\"cpu\":{\"shares\":-1}}", "res.json: cpu.shares: expected an unsigned integer, got -1"},
      {"{\"pids\":[]}", "res.json: pids: expected an object, got an array"},
      {"[]", "res.json: expected an object, got an array"},
      {"{\"devices\":[{\"allow\":true,\"access\":\"q\"}]}",
       "res.json: devices[0].access: \"q\" is not a combination of r, w and m"},
      {"{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}",
       "res.json: hugepageLimits[0]: missing \"limit\""},
  };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    sk_err_free(&err);
    CHECK(sk_resources_parse(bad[i].doc, strlen(bad[i].doc), "res.json", &r, &err) < 0);
    CHECK(r == NULL);
    CHECK(err && streq(err->msg, bad[i].want));
    if (err && !streq(err->msg, bad[i].want))
      fprintf(stderr, "resources: got %s\n  want %s\n", err->msg, bad[i].want);
  }
  sk_err_free(&err);
  CHECK(sk_resources_parse("{", 1, NULL, &r, &err) < 0 && err &&
        streq(err->msg, "resources: invalid JSON at the end: parse error: premature EOF"));
}

static void test_caps(void)
{
  CHECK(sk_cap_from_name("CAP_SYS_ADMIN") == 21);
  CHECK(sk_cap_from_name("CAP_CHOWN") == 0);
  CHECK(sk_cap_from_name("CAP_AUDIT_WRITE") == 29);
  CHECK(sk_cap_from_name("CAP_PERFMON") == 38);
  CHECK(sk_cap_from_name("CAP_BPF") == 39);
  CHECK(sk_cap_from_name("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK(sk_cap_from_name("CAP_FOO") == -1);
  CHECK(sk_cap_from_name("") == -1);
  CHECK(sk_cap_from_name("CAP_") == -1);
  CHECK(sk_cap_from_name(NULL) == -1);
  CHECK(sk_cap_from_name("CAP_SYS_ADMIN ") == -1);
  /* lenient spellings some tools write */
  CHECK(sk_cap_from_name("cap_sys_admin") == 21);
  CHECK(sk_cap_from_name("SYS_ADMIN") == 21);
  CHECK(sk_cap_from_name("FOO") == -1);
  CHECK(sk_cap_name(0) && streq(sk_cap_name(0), "CAP_CHOWN"));
  CHECK(streq(sk_cap_name(21), "CAP_SYS_ADMIN"));
  CHECK(streq(sk_cap_name(40), "CAP_CHECKPOINT_RESTORE"));
  CHECK(sk_cap_name(41) == NULL);
  CHECK(sk_cap_name(-1) == NULL);
  CHECK(sk_cap_name(SK_CAP_MAX) == NULL);
  for (int i = 0; i <= 40; i++) {
    const char *n = sk_cap_name(i);
    CHECK(n && strncmp(n, "CAP_", 4) == 0 && sk_cap_from_name(n) == i);
  }
}

static void test_load(void)
{
  char dir[] = "/tmp/test_spec.XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
  FILE *f = fopen(path, "we");
  CHECK(f != NULL);
  if (!f)
    return;
  fputs("{\"ociVersion\":\"1.1.0\",\"hostname\":\"loaded\",\"mounts\":[{}]}", f);
  fclose(f);
  struct sk_spec *s = NULL;
  sk_err_t err _cleanup_err_ = NULL;
  CHECK(sk_spec_load(path, &s, &err) < 0);
  /* errors name the file by its base name, like the CLI shows it */
  CHECK(err && streq(err->msg, "config.json: mounts[0]: missing \"destination\""));
  f = fopen(path, "we");
  fputs("{\"ociVersion\":\"1.1.0\",\"hostname\":\"loaded\"}", f);
  fclose(f);
  sk_err_free(&err);
  CHECK(sk_spec_load(path, &s, &err) == 0 && s && streq(s->hostname, "loaded"));
  sk_spec_free(s);
  s = NULL;
  unlink(path);
  CHECK(sk_spec_load(path, &s, &err) < 0 && s == NULL && err && err->errnum == ENOENT);
  rmdir(dir);
}

/* Every truncation and a sweep of byte mutations of the full config either parses or fails
 * with a message; never crashes, leaks (ASan) or leaves *out set on failure. */
static void test_hostile(void)
{
  _cleanup_free_ char *full = J(full_config);
  size_t n = strlen(full);
  size_t ok = 0, failed = 0;
  for (size_t cut = 0; cut < n; cut++) {
    struct sk_spec *s = NULL;
    sk_err_t err _cleanup_err_ = NULL;
    if (sk_spec_parse(full, cut, "c", &s, &err) == 0) {
      ok++;
      sk_spec_free(s);
    } else {
      failed++;
      CHECK(s == NULL && err && err->msg && err->msg[0]);
    }
  }
  CHECK(ok == 0 && failed == n);
  static const char repl[] = {'"', '0', '-', '}', ']', '[', 'x', ' ', '\\', '\x01'};
  _cleanup_free_ char *mut = xstrdup(full);
  ok = failed = 0;
  for (size_t i = 0; i < n; i += 3)
    for (size_t k = 0; k < ARRAY_SIZE(repl); k++) {
      memcpy(mut, full, n + 1);
      mut[i] = repl[k];
      struct sk_spec *s = NULL;
      sk_err_t err _cleanup_err_ = NULL;
      if (sk_spec_parse(mut, n, "c", &s, &err) == 0) {
        ok++;
        CHECK(s != NULL);
        sk_spec_free(s);
      } else {
        failed++;
        CHECK(s == NULL && err && err->msg && strncmp(err->msg, "c: ", 3) == 0);
      }
    }
  CHECK(ok > 0 && failed > 0);
}

int main(void)
{
  test_full_config();
  test_minimal();
  test_unknown_ignored();
  test_versions();
  test_syntax_and_types();
  test_required();
  test_enums();
  test_partial_frees();
  test_default_spec();
  test_resources();
  test_caps();
  test_load();
  test_hostile();
  free(last_error);
  return UNIT_DONE();
}
