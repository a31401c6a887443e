# SPDX-License-Identifier: GPL-2.0-or-later
"""The container's root filesystem, checked from inside the container: mounts and their flags,
/dev, masked and read-only paths, root.readonly, bind mounts, symlinks in the rootfs that point
out of it, linux.devices, linux.sysctl, and config errors that must leave nothing behind."""
import os
import stat

import pytest


def ok(r):
    assert r.returncode == 0, "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr)
    return r.stdout


def mountinfo(text):
    """{mount point: (per-mount options set, fs type, source, super options set, optional)}"""
    out = {}
    for line in text.splitlines():
        left, right = line.split(" - ", 1)
        f = left.split()
        fstype, source, sopts = (right.split() + [""])[:3]
        out[f[4]] = (set(f[5].split(",")), fstype, source, set(sopts.split(",")), f[6:])
    return out


def run_mountinfo(bundle, extra_cmd=""):
    out = ok(bundle.run(["sh", "-c", "cat /proc/self/mountinfo; echo ===; " + extra_cmd]))
    mi, _, rest = out.partition("===\n")
    return mountinfo(mi), rest


def add_mount(bundle, dest, type_, source, options):
    bundle.config["mounts"].append(
        {"destination": dest, "type": type_, "source": source, "options": options})


# ---- the default mounts ----

def test_default_mounts(bundle):
    mi, _ = run_mountinfo(bundle)
    assert mi["/proc"][1] == "proc"
    sys_ = mi["/sys"]
    assert sys_[1] == "sysfs" and "ro" in sys_[0] and {"nosuid", "nodev", "noexec"} <= sys_[0]
    dev = mi["/dev"]
    assert dev[1] == "tmpfs" and "nosuid" in dev[0] and "mode=755" in dev[3]
    pts = mi["/dev/pts"]
    assert pts[1] == "devpts" and "ptmxmode=666" in pts[3] and "gid=5" in pts[3]
    assert {"nosuid", "noexec"} <= pts[0]
    shm = mi["/dev/shm"]
    assert shm[1] == "tmpfs" and {"nosuid", "nodev", "noexec"} <= shm[0]
    assert mi["/dev/mqueue"][1] == "mqueue"
    cg = mi["/sys/fs/cgroup"]
    assert "ro" in cg[0]
    assert mi["/"][0] >= {"ro"}, "root.readonly: / is not read-only"
    # every mount is under the container's root: no host path leaked as a mount point
    for target in mi:
        assert not target.startswith(("/tmp/pytest", "/work", "/var/tmp")), target


def test_devpts_is_a_new_instance(bundle):
    # a new devpts instance: its ptmx is not the host's and only our ptys are listed
    out = ok(bundle.run(["sh", "-c", "ls /dev/pts; stat -c '%t:%T' /dev/pts/ptmx; readlink /dev/ptmx"]))
    lines = out.split()
    assert "ptmx" in lines and lines[-1] == "pts/ptmx"
    host_ptys = [p for p in os.listdir("/dev/pts") if p.isdigit()]
    if host_ptys:
        assert not set(host_ptys) & set(l for l in lines if l.isdigit())


def test_dev_nodes_and_links(bundle):
    out = ok(bundle.run(["sh", "-c",
                         "for d in null zero full random urandom tty; do "
                         "stat -c '%n %F %t:%T %a' /dev/$d; done; "
                         "for l in fd stdin stdout stderr ptmx; do echo $l $(readlink /dev/$l); done"]))
    lines = out.splitlines()
    want = {"null": "1:3", "zero": "1:5", "full": "1:7", "random": "1:8", "urandom": "1:9",
            "tty": "5:0"}
    for line, (name, dev) in zip(lines, want.items()):
        assert line == "/dev/%s character special file %s 666" % (name, dev), line
    links = dict(l.split() for l in lines[6:])
    assert links == {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
                     "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
                     "ptmx": "pts/ptmx"}
    if os.path.exists("/proc/kcore"):
        assert ok(bundle.run(["readlink", "/dev/core"])).strip() == "/proc/kcore"


def test_dev_tmpfs_when_config_has_none(bundle):
    """No /dev mount in the config: a tmpfs anyway; nothing is created in the image's /dev."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if not m["destination"].startswith("/dev")]
    # the image's /dev/null is a symlink to a host file: it must not be followed
    os.symlink("/etc/hostname", os.path.join(bundle.rootfs, "dev", "null"))
    mi, out = run_mountinfo(bundle, "stat -c '%F %t:%T' /dev/null; echo x > /dev/null")
    assert mi["/dev"][1] == "tmpfs"
    assert out.strip() == "character special file 1:3"
    assert os.listdir(os.path.join(bundle.rootfs, "dev")) == ["null"]
    assert os.path.islink(os.path.join(bundle.rootfs, "dev", "null"))


def test_linux_devices(bundle):
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/mydev", "type": "c", "major": 1, "minor": 5, "fileMode": 0o600,
         "uid": 1000, "gid": 100},
        {"path": "/dev/sub/dir/blk", "type": "b", "major": 7, "minor": 200, "fileMode": 0o640},
        {"path": "/dev/myfifo", "type": "p", "fileMode": 0o620},
        # overrides the default /dev/null mode
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o644},
    ]
    out = ok(bundle.run(["sh", "-c", "stat -c '%n %F %t:%T %a %u %g' /dev/mydev /dev/sub/dir/blk "
                                     "/dev/myfifo /dev/null"]))
    lines = out.splitlines()
    assert lines[0] == "/dev/mydev character special file 1:5 600 1000 100"
    assert lines[1] == "/dev/sub/dir/blk block special file 7:c8 640 0 0"
    assert lines[2].startswith("/dev/myfifo fifo ") and lines[2].endswith(" 620 0 0")
    assert lines[3] == "/dev/null character special file 1:3 644 0 0"


def test_linux_devices_bad_path_fails_cleanly(bundle):
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/shm", "type": "c", "major": 1, "minor": 3}]  # a directory is in the way
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "linux.devices[0]" in r.stderr and "/dev/shm" in r.stderr


# ---- masked and read-only paths ----

def test_masked_paths(bundle):
    secret = os.path.join(bundle.rootfs, "etc", "secret")
    with open(secret, "w") as f:
        f.write("TOPSECRET\n")
    os.makedirs(os.path.join(bundle.rootfs, "opt", "hidden"))
    open(os.path.join(bundle.rootfs, "opt", "hidden", "inner"), "w").close()
    # a masked path that is a symlink in the image is skipped, never followed
    os.symlink("/etc/passwd", os.path.join(bundle.rootfs, "etc", "masklink"))
    bundle.config["linux"]["maskedPaths"] += ["/etc/secret", "/opt/hidden", "/no/such/path",
                                              "/etc/masklink"]
    out = ok(bundle.run(["sh", "-c",
                         "cat /etc/secret; echo rc=$?; ls -A /opt/hidden; echo ls=$?; "
                         "stat -c '%F %t:%T' /etc/secret; touch /opt/hidden/x; echo touch=$?; "
                         "cat /proc/kcore >/dev/null 2>&1; echo kcore=$?; "
                         "cat /proc/keys | wc -c; ls -A /proc/acpi /sys/firmware | grep -v : | wc -w; "
                         "head -c 4 /etc/passwd; echo; ls -A /proc/scsi 2>/dev/null | wc -l"]))
    lines = out.splitlines()
    assert lines[0] == "rc=0", "masked file is not empty: %s" % lines
    assert lines[1] == "ls=0"
    assert lines[2] == "character special file 1:3", "masked with something else than /dev/null"
    assert lines[3] != "touch=0", "masked directory is writable"
    if os.path.exists("/proc/kcore"):
        assert lines[4] != "kcore=0"
    assert lines[5] == "0", "/proc/keys is not masked"
    assert lines[6] == "0", "masked directories are not empty: %s" % lines[6]
    assert lines[7] == "root", "a masked symlink was followed onto /etc/passwd"
    assert lines[8] == "0", "/proc/scsi is not empty"


def test_readonly_paths_keep_flags(bundle):
    os.makedirs(os.path.join(bundle.rootfs, "data"))
    bundle.config["root"]["readonly"] = False
    bundle.config["linux"]["readonlyPaths"] += ["/data", "/dev/shm", "/no/such/path"]
    mi, out = run_mountinfo(bundle, "touch /data/x 2>&1; echo rc=$?; touch /tmp/ok; echo tmp=$?; "
                                    "echo 1 > /proc/sys/kernel/ns_last_pid 2>&1; echo sys=$?; "
                                    "echo > /proc/sysrq-trigger; echo sysrq=$?")
    assert "Read-only file system" in out and "rc=0" not in out
    assert "tmp=0" in out
    assert "sys=0" not in out and "sysrq=0" not in out
    assert "ro" in mi["/data"][0]
    shm = mi["/dev/shm"][0]
    assert {"ro", "nosuid", "nodev", "noexec"} <= shm, "read-only remount lost flags: %s" % shm
    for p in ("/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"):
        if os.path.exists(p):
            assert "ro" in mi[p][0], p
    assert not os.path.exists(os.path.join(bundle.rootfs, "data", "x"))


def test_root_readonly(bundle):
    out = ok(bundle.run(["sh", "-c", "touch /x 2>&1; echo rc=$?"]))
    assert "Read-only file system" in out and "rc=0" not in out
    bundle.config["root"]["readonly"] = False
    out = ok(bundle.run(["sh", "-c", "touch /x; echo rc=$?"]))
    assert "rc=0" in out
    assert os.path.exists(os.path.join(bundle.rootfs, "x"))


# ---- bind mounts ----

def test_bind_mounts(bundle):
    ro_dir = os.path.join(bundle.dir, "data-ro")   # relative source
    rw_dir = os.path.join(bundle.dir, "data-rw")   # absolute source
    os.makedirs(ro_dir)
    os.makedirs(rw_dir)
    with open(os.path.join(ro_dir, "f"), "w") as f:
        f.write("from-ro\n")
    with open(os.path.join(bundle.dir, "single.txt"), "w") as f:
        f.write("single-file\n")
    add_mount(bundle, "/mnt/ro", "bind", "data-ro", ["rbind", "ro", "nosuid"])
    add_mount(bundle, "/mnt/rw", "none", rw_dir, ["bind", "rw", "noexec"])
    add_mount(bundle, "/etc/deep/single.txt", "bind", "single.txt", ["bind", "ro"])
    mi, out = run_mountinfo(bundle,
                            "cat /mnt/ro/f; touch /mnt/ro/new 2>&1; echo ro=$?; "
                            "echo hello > /mnt/rw/new; echo rw=$?; cat /etc/deep/single.txt")
    assert "from-ro" in out and "ro=0" not in out and "Read-only file system" in out
    assert "rw=0" in out and "single-file" in out
    with open(os.path.join(rw_dir, "new")) as f:
        assert f.read() == "hello\n"
    assert not os.path.exists(os.path.join(ro_dir, "new"))
    assert {"ro", "nosuid"} <= mi["/mnt/ro"][0]
    assert "noexec" in mi["/mnt/rw"][0] and "ro" not in mi["/mnt/rw"][0]
    assert "ro" in mi["/etc/deep/single.txt"][0]


def test_bind_missing_source_fails_cleanly(bundle):
    add_mount(bundle, "/mnt/x", "bind", "/nonexistent/skiff-src", ["bind"])
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "mounts[%d]" % (len(bundle.config["mounts"]) - 1) in r.stderr
    assert "/nonexistent/skiff-src" in r.stderr


def test_unknown_fs_type_fails_cleanly(bundle):
    add_mount(bundle, "/mnt/x", "nosuchfs", "none", [])
    r = bundle.run(["true"])
    assert r.returncode != 0 and "nosuchfs" in r.stderr


def test_symlink_destination_stays_inside(bundle):
    """A mount destination that is a symlink out of the rootfs resolves inside it."""
    marker = os.path.join(bundle.dir, "marker")
    os.makedirs(marker)
    open(os.path.join(marker, "MARK"), "w").close()
    os.makedirs(os.path.join(bundle.rootfs, "mnt"), exist_ok=True)
    os.symlink("/etc", os.path.join(bundle.rootfs, "mnt", "evil"))
    os.symlink("../../../../../../../../var", os.path.join(bundle.rootfs, "mnt", "evil2"))
    add_mount(bundle, "/mnt/evil", "bind", "marker", ["bind", "ro"])
    add_mount(bundle, "/mnt/evil2/sub", "tmpfs", "tmpfs", ["size=16k"])
    mi, out = run_mountinfo(bundle, "ls /etc/MARK /mnt/evil/MARK; readlink /mnt/evil; "
                                    "ls -d /var/sub")
    assert "/etc/MARK" in out and "/mnt/evil/MARK" in out
    assert "/etc" in mi, "the mount did not land on the container's /etc"
    assert "/var/sub" in mi and mi["/var/sub"][1] == "tmpfs"
    assert not os.path.exists("/etc/MARK") and not os.path.exists("/var/sub")
    # the rootfs's /var got the mount point, not the host's
    assert os.path.isdir(os.path.join(bundle.rootfs, "var", "sub"))


def test_dangling_symlink_destination_created_inside(bundle):
    """An image's /etc/resolv.conf -> /run/... (dangling): the bind lands inside the rootfs."""
    os.symlink("/run/skiff-test-resolve/stub.conf", os.path.join(bundle.rootfs, "etc", "resolv.conf"))
    with open(os.path.join(bundle.dir, "resolv.conf"), "w") as f:
        f.write("nameserver 192.0.2.1\n")
    add_mount(bundle, "/etc/resolv.conf", "bind", "resolv.conf", ["bind", "ro"])
    out = ok(bundle.run(["cat", "/etc/resolv.conf"]))
    assert out == "nameserver 192.0.2.1\n"
    assert not os.path.exists("/run/skiff-test-resolve")
    assert os.path.isfile(os.path.join(bundle.rootfs, "run", "skiff-test-resolve", "stub.conf"))


def test_proc_on_symlink_refused(bundle):
    """procfs must go on a real directory: a rootfs whose /proc is a symlink is refused."""
    os.rmdir(os.path.join(bundle.rootfs, "proc"))
    os.symlink("/tmp", os.path.join(bundle.rootfs, "proc"))
    r = bundle.run(["true"])
    assert r.returncode != 0 and "/proc" in r.stderr and "symlink" in r.stderr


def test_tmpfs_options_and_nosymfollow(bundle):
    add_mount(bundle, "/mnt/t", "tmpfs", "tmpfs",
              ["nosuid", "nodev", "noexec", "nosymfollow", "size=1m", "mode=700", "noatime"])
    mi, out = run_mountinfo(bundle, "ln -s /etc/passwd /mnt/t/l; cat /mnt/t/l >/dev/null 2>&1; "
                                    "echo follow=$?; stat -c %a /mnt/t")
    m = mi["/mnt/t"]
    assert m[1] == "tmpfs" and {"nosuid", "nodev", "noexec", "nosymfollow", "noatime"} <= m[0]
    assert "size=1024k" in m[3] and "mode=700" in m[3]
    assert "follow=0" not in out and out.split()[-1] == "700"


def test_rootfs_propagation_shared(bundle):
    bundle.config["linux"]["rootfsPropagation"] = "rshared"
    mi, _ = run_mountinfo(bundle)
    assert any(o.startswith("shared:") for o in mi["/"][4]), mi["/"]


def test_rootfs_propagation_private_default(bundle):
    mi, _ = run_mountinfo(bundle)
    assert not any(o.startswith("shared:") for o in mi["/"][4]), mi["/"]


def test_no_pivot(bundle):
    bundle.config["process"]["args"] = ["sh", "-c", "cat /proc/self/mountinfo; touch /x 2>&1"]
    bundle.write_config()
    cid = bundle.new_id()
    r = bundle.skiff("run", "--no-pivot", "--bundle", bundle.dir, cid)
    assert "Read-only file system" in r.stdout
    mi = mountinfo(r.stdout.split("touch")[0].rsplit("\n", 1)[0])
    assert mi["/proc"][1] == "proc" and "/proc/keys" in mi


@pytest.mark.parametrize("netns", [False, True])
def test_user_namespace_sysfs(bundle, netns):
    """In a new user namespace without a network namespace sysfs cannot be mounted: the host's
    /sys is bound (read-only, as the entry says); with one, a sysfs of its own.  Device nodes
    are binds of the host's."""
    cfg = bundle.config
    if not netns:
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                      if n["type"] != "network"]
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/sys/fs/cgroup"]
    os.chown(bundle.rootfs, 100000, 100000)
    # the mapped root must be able to reach the rootfs (pytest's temp dirs are 0700)
    d = os.path.dirname(bundle.rootfs)
    while d not in ("/", "/tmp"):
        os.chmod(d, os.stat(d).st_mode | 0o011)
        d = os.path.dirname(d)
    # Inspected from a createRuntime hook (host side, mounts in place, before the pivot), so
    # the check does not depend on the rest of the lifecycle in a user namespace.
    out = os.path.join(bundle.dir, "seen")
    script = ("import json,os,sys; pid=json.load(sys.stdin)['pid']; "
              "mi=open('/proc/%d/mountinfo' % pid).read(); "
              "st=os.stat('/proc/%d/root' % pid + sys.argv[1] + '/dev/null'); "
              "net=os.listdir('/proc/%d/root' % pid + sys.argv[1] + '/sys/class/net'); "
              "open(sys.argv[2],'w').write(mi + '===\\n%d:%d %d ' % (os.major(st.st_rdev), "
              "os.minor(st.st_rdev), st.st_mode) + ' '.join(sorted(net)))")
    cfg["hooks"] = {"createRuntime": [{"path": "/usr/bin/python3",
                                       "args": ["python3", "-c", script, bundle.rootfs, out]}]}
    bundle.run(["true"])
    with open(out) as f:
        text, _, dev = f.read().partition("===\n")
    mi = mountinfo(text)
    sys_ = mi[bundle.rootfs + "/sys"]
    assert sys_[1] == "sysfs" and "ro" in sys_[0] and {"nosuid", "nodev", "noexec"} <= sys_[0]
    rdev, mode, *net = dev.split()
    assert rdev == "1:3" and stat.S_ISCHR(int(mode))
    if netns:
        assert net == ["lo"], "not a sysfs of the container's network namespace: %s" % net
    else:
        assert net == sorted(os.listdir("/sys/class/net")), "not the host's /sys"
    assert bundle.rootfs + "/dev/null" in mi, "/dev/null is not a bind of the host's node"


# ---- sysctl ----

def test_sysctl_in_netns(bundle):
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host = f.read()
    want = "0" if host.strip() == "1" else "1"
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": want, "kernel.shmmni": "1234",
                                        "kernel.domainname": "skiffdomain"}
    out = ok(bundle.run(["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni "
                                     "/proc/sys/kernel/domainname"]))
    assert out.split() == [want, "1234", "skiffdomain"]
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read() == host, "the host's sysctl changed"


@pytest.mark.parametrize("key,ns,needle", [
    ("kernel.panic", None, "not namespaced"),
    ("vm.swappiness", None, "not namespaced"),
    ("net.ipv4.ip_forward", "network", "network namespace"),
    ("kernel.shmmax", "ipc", "ipc namespace"),
])
def test_sysctl_refused(bundle, key, ns, needle):
    before = open("/proc/sys/" + key.replace(".", "/")).read()
    if ns:
        bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                                if n["type"] != ns]
    bundle.config["linux"]["sysctl"] = {key: "1"}
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert key in r.stderr and needle in r.stderr, r.stderr
    assert open("/proc/sys/" + key.replace(".", "/")).read() == before
    assert not os.path.isdir(bundle.root) or os.listdir(bundle.root) == []


def test_mount_errors_leave_no_state(bundle):
    add_mount(bundle, "relative/dest", "tmpfs", "tmpfs", [])
    r = bundle.run(["true"])
    assert r.returncode != 0 and "relative/dest" in r.stderr
    assert not os.path.isdir(bundle.root) or os.listdir(bundle.root) == []


def test_idmapped_bind_mount(bundle):
    src = os.path.join(bundle.dir, "idmapped")
    os.makedirs(src)
    open(os.path.join(src, "f"), "w").close()
    os.chown(os.path.join(src, "f"), 0, 0)
    bundle.config["mounts"].append({
        "destination": "/mnt/idm", "type": "bind", "source": "idmapped",
        "options": ["bind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 1}]})
    r = bundle.run(["stat", "-c", "%u %g", "/mnt/idm/f"])
    if r.returncode != 0 and "support idmapped" in r.stderr:
        pytest.skip("the filesystem of the test dir does not support idmapped mounts")
    # files of host uid/gid 0 show as the mapped ids through the idmapped mount
    assert ok(r).split() == ["1000", "2000"]
    assert os.stat(os.path.join(src, "f")).st_uid == 0


def test_sysctl_joined_netns(bundle):
    """net.* in a network namespace joined by path (a pod's) is allowed; the host's is not."""
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    nets = [n for n in bundle.config["linux"]["namespaces"] if n["type"] != "network"]
    bundle.config["linux"]["namespaces"] = nets + [{"type": "network", "path": "/proc/%d/ns/net" % os.getpid()}]
    r = bundle.run(["true"])
    assert r.returncode != 0 and "net.ipv4.ip_forward" in r.stderr, r.stderr

    bundle.config["linux"]["namespaces"] = nets + [{"type": "network"}]
    del bundle.config["linux"]["sysctl"]
    a = bundle.create(["sleep", "60"])
    try:
        pid = bundle.state(a)["pid"]
        bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
        bundle.config["linux"]["namespaces"] = nets + [
            {"type": "network", "path": "/proc/%d/ns/net" % pid}]
        out = ok(bundle.run(["cat", "/proc/sys/net/ipv4/ip_forward"]))
        assert out.strip() == "1"
        with open("/proc/%d/root/proc/sys/net/ipv4/ip_forward" % pid) as f:
            assert f.read().strip() == "1", "not the joined namespace"
    finally:
        bundle.delete(a)


@pytest.mark.parametrize("cgroupns", [True, False])
def test_cgroup_mount_is_the_containers_own(bundle, cgroupns):
    """/sys/fs/cgroup shows the container's own cgroup: mounted in its cgroup namespace, or
    (without one) each hierarchy bound from the container's cgroup directory."""
    if not cgroupns:
        bundle.config["linux"]["namespaces"] = [
            n for n in bundle.config["linux"]["namespaces"] if n["type"] != "cgroup"]
    with open("/proc/self/cgroup") as f:
        ctrls = [l.split(":")[1] for l in f.read().splitlines()]
    ctrl = "memory" if "memory" in ctrls else ("" if "" in ctrls else ctrls[0])
    if ctrl == "":  # pure cgroup v2 host
        path = "/sys/fs/cgroup"
    else:
        path = "/sys/fs/cgroup/" + ctrl.replace("name=", "")
    out = ok(bundle.run(["sh", "-c", "cat %s/cgroup.procs; echo ===; cat /proc/self/mountinfo"
                                     % path]))
    procs, _, mi_text = out.partition("===\n")
    pids = [int(p) for p in procs.split()]
    # only the container's processes (pid 1 = the shell, and cat), in its pid namespace
    assert 1 in pids and max(pids) < 100, pids
    mi = {l.split()[4]: l.split()[3] for l in mi_text.splitlines()}
    assert path in mi
    if not cgroupns:
        assert mi[path] != "/", "the host's whole hierarchy is visible"


def test_overlay_mount(bundle):
    dirs = {d: os.path.join(bundle.dir, d) for d in ("lower1", "lower2", "upper", "work")}
    for d in dirs.values():
        os.makedirs(d)
    with open(os.path.join(dirs["lower1"], "a"), "w") as f:
        f.write("a1\n")
    with open(os.path.join(dirs["lower2"], "b"), "w") as f:
        f.write("b2\n")
    add_mount(bundle, "/mnt/ovl", "overlay", "overlay",
              ["lowerdir=%s:%s" % (dirs["lower1"], dirs["lower2"]), "upperdir=" + dirs["upper"],
               "workdir=" + dirs["work"], "nodev"])
    mi, out = run_mountinfo(bundle, "cat /mnt/ovl/a /mnt/ovl/b; echo new > /mnt/ovl/c")
    assert mi["/mnt/ovl"][1] == "overlay" and "nodev" in mi["/mnt/ovl"][0]
    assert out.split() == ["a1", "b2"]
    with open(os.path.join(dirs["upper"], "c")) as f:
        assert f.read() == "new\n"


def test_mount_propagation_option(bundle):
    add_mount(bundle, "/mnt/shared", "tmpfs", "tmpfs", ["shared", "size=16k"])
    add_mount(bundle, "/mnt/private", "tmpfs", "tmpfs", ["private", "size=16k"])
    mi, _ = run_mountinfo(bundle)
    assert any(o.startswith("shared:") for o in mi["/mnt/shared"][4]), mi["/mnt/shared"]
    assert not any(o.startswith("shared:") for o in mi["/mnt/private"][4])


@pytest.mark.parametrize("prop", ["private", "slave", "unbindable", "rprivate", "rslave",
                                  "runbindable"])
def test_rootfs_propagation_values(bundle, prop):
    bundle.config["linux"]["rootfsPropagation"] = prop
    mi, _ = run_mountinfo(bundle)
    opt = mi["/"][4]
    assert not any(o.startswith("shared:") for o in opt), opt
    if "unbindable" in prop:
        assert "unbindable" in opt, opt


@pytest.mark.parametrize("key", ["net.//.kernel.core_pattern", "net..x", "net.ipv4.", "."])
def test_sysctl_name_cannot_climb_out(bundle, key):
    """'/' in a sysctl name stands for '.' in a component; no component may be '..'."""
    with open("/proc/sys/kernel/core_pattern") as f:
        before = f.read()
    bundle.config["linux"]["sysctl"] = {key: "|/bin/false"}
    r = bundle.run(["true"])
    assert r.returncode != 0 and "not a sysctl name" in r.stderr, r.stderr
    with open("/proc/sys/kernel/core_pattern") as f:
        assert f.read() == before


def test_sysctl_slash_in_name_is_a_dot(bundle):
    # net.ipv4.conf.lo/x.forwarding names .../conf/lo.x/forwarding (no such interface here)
    bundle.config["linux"]["sysctl"] = {"net.ipv4.conf.lo/x.forwarding": "1"}
    r = bundle.run(["true"])
    assert r.returncode != 0 and "net.ipv4.conf.lo/x.forwarding" in r.stderr
    assert "No such file" in r.stderr


def test_console_symlink_into_proc_refused(bundle):
    """A /dev (bound from the bundle) whose console links to /proc/sysrq-trigger: the pty must not
    be mounted over the container's procfs file (CVE-2025-52565); skiff refuses instead."""
    import conftest
    devdir = os.path.join(bundle.dir, "devdir")
    os.makedirs(os.path.join(devdir, "pts"))
    os.makedirs(os.path.join(devdir, "shm"))
    os.makedirs(os.path.join(devdir, "mqueue"))
    os.symlink("/proc/sysrq-trigger", os.path.join(devdir, "console"))
    for m in bundle.config["mounts"]:
        if m["destination"] == "/dev":
            m.update({"type": "bind", "source": devdir, "options": ["rbind"]})
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["args"] = ["sh", "-c", "grep sysrq-trigger /proc/self/mountinfo"]
    bundle.write_config()
    cid = bundle.new_id()
    status, out = conftest.run_on_pty(
        [conftest.SKIFF, "--root", bundle.root, "run", "--bundle", bundle.dir, cid])
    assert b"devpts" not in out, out
    assert status != 0 and b"/dev/console" in out, out
