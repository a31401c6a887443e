# SPDX-License-Identifier: GPL-2.0-or-later
"""The container as config.json describes it, checked from inside: namespaces, user namespaces,
root filesystem, process settings, fds, and the error and fault cases of the lifecycle."""
import json
import os
import random
import re
import signal
import socket
import subprocess
import time

import pytest

import conftest


def status_field(text, name):
    m = re.search(r"^%s:\s*(.*)$" % re.escape(name), text, re.M)
    assert m, "%s not in %s" % (name, text)
    return m.group(1).strip()


def capmask(names):
    bits = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_KILL": 5, "CAP_SETGID": 6,
            "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_ADMIN": 21,
            "CAP_AUDIT_WRITE": 29}
    m = 0
    for n in names:
        m |= 1 << bits[n]
    return "%016x" % m


def ok(r):
    assert r.returncode == 0, "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr)
    return r.stdout


def wait_for(pred, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


# ---- namespaces ----

NS_TYPES = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
            "cgroup": "cgroup"}


def test_every_namespace_is_new(bundle):
    out = ok(bundle.run(["sh", "-c", "for n in pid net ipc uts mnt cgroup; do "
                                     "echo $n $(readlink /proc/self/ns/$n); done; echo me $$"]))
    inside = dict(l.split(None, 1) for l in out.splitlines())
    for name in NS_TYPES.values():
        assert inside[name] != os.readlink("/proc/self/ns/%s" % name), name
    assert inside["me"] == "1", "the process is not pid 1 of its pid namespace"


def test_network_namespace_has_only_lo(bundle):
    out = ok(bundle.run(["cat", "/proc/net/dev"]))
    ifaces = [l.split(":")[0].strip() for l in out.splitlines()[2:]]
    assert ifaces == ["lo"], ifaces


def test_without_a_namespace_the_host_one_is_shared(bundle):
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                            if n["type"] not in ("network", "ipc")]
    out = ok(bundle.run(["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc"]))
    net, ipc = out.split()
    assert net == os.readlink("/proc/self/ns/net")
    assert ipc == os.readlink("/proc/self/ns/ipc")


def test_cgroup_namespace_root(bundle):
    out = ok(bundle.run(["cat", "/proc/self/cgroup"]))
    for line in out.splitlines():
        path = line.split(":", 2)[2]
        assert path == "/", "cgroup namespace does not start at the container's cgroup: " + line


def test_join_namespaces_by_path(bundle):
    a = bundle.create(["sleep", "60"])
    try:
        pid = bundle.state(a)["pid"]
        cfg = bundle.config
        cfg["linux"]["namespaces"] = [
            {"type": "network", "path": "/proc/%d/ns/net" % pid},
            {"type": "ipc", "path": "/proc/%d/ns/ipc" % pid},
            {"type": "uts", "path": "/proc/%d/ns/uts" % pid},
            {"type": "pid"}, {"type": "mount"}]
        del cfg["hostname"]
        out = ok(bundle.run(["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; "
                                         "hostname"]))
        net, ipc, host = out.split()
        assert net == os.readlink("/proc/%d/ns/net" % pid)
        assert ipc == os.readlink("/proc/%d/ns/ipc" % pid)
        assert host == "skiff"
    finally:
        bundle.delete(a)


def test_join_bad_namespace_path(bundle):
    bundle.config["linux"]["namespaces"].append({"type": "user", "path": "/proc/self/ns/net"})
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "namespaces" in r.stderr and "user" in r.stderr, r.stderr


def test_unknown_namespace_type(bundle):
    bundle.config["linux"]["namespaces"].append({"type": "bogus"})
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert 'linux.namespaces[6].type' in r.stderr and "bogus" in r.stderr, r.stderr


def test_time_namespace_offsets(bundle):
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {"boottime": {"secs": 864000, "nanosecs": 0},
                                             "monotonic": {"secs": 3600}}
    out = ok(bundle.run(["sh", "-c", "cat /proc/uptime; readlink /proc/self/ns/time"]))
    uptime = float(out.split()[0])
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    assert uptime - host > 863000, (uptime, host)
    assert out.split()[2] != os.readlink("/proc/self/ns/time")


def test_user_namespace_mappings(bundle):
    cfg = bundle.config
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    # sysfs cannot be mounted without owning the network namespace's user ns: keep it simple
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] not in ("/sys", "/sys/fs/cgroup")]
    os.chown(bundle.rootfs, 100000, 100000)
    # the container's root (host uid 100000) must be able to reach its rootfs
    d = bundle.rootfs
    while d != "/":
        d = os.path.dirname(d)
        if os.stat(d).st_mode & 0o111 != 0o111:
            os.chmod(d, os.stat(d).st_mode | 0o111)
    out = ok(bundle.run(["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; "
                                     "stat -c %u /; stat -c %u /bin/busybox"]))
    lines = [l.split() for l in out.splitlines()]
    assert lines[0] == ["0", "100000", "65536"]
    assert lines[1] == ["0", "100000", "65536"]
    assert lines[2] == ["0"]
    assert lines[3] == ["0"], "the rootfs owned by host uid 100000 is not root inside"
    assert lines[4] == ["65534"], "a host-root-owned file is not the overflow uid inside"


# ---- root filesystem ----

def test_host_mounts_not_visible_and_pivoted(bundle):
    out = ok(bundle.run(["cat", "/proc/self/mountinfo"]))
    targets = [l.split()[4] for l in out.splitlines()]
    assert targets[0] == "/" or "/" in targets
    for t in targets:
        assert not t.startswith(("/work", "/home", "/var/tmp", "/boot")), t
    assert len(targets) < 60, targets


def test_root_readonly(bundle):
    r = bundle.run(["sh", "-c", "touch /x"])
    assert r.returncode != 0 and "Read-only file system" in r.stderr, r.stderr
    bundle.config["root"]["readonly"] = False
    ok(bundle.run(["sh", "-c", "touch /x"]))
    assert os.path.exists(os.path.join(bundle.rootfs, "x"))


def test_relative_and_absolute_root_path(bundle):
    bundle.config["root"]["path"] = bundle.rootfs
    assert ok(bundle.run(["echo", "abs"])).strip() == "abs"


def test_missing_rootfs(bundle):
    bundle.config["root"]["path"] = "nonexistent"
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "nonexistent" in r.stderr and "root" in r.stderr, r.stderr


def test_no_pivot(bundle):
    out = ok(bundle.run(["sh", "-c", "ls /; cat /proc/self/mountinfo"], extra=["--no-pivot"]))
    assert "busybox" not in out.split("\n")[0]
    assert "bin" in out.split()


def test_rootfs_propagation(bundle):
    bundle.config["linux"]["rootfsPropagation"] = "shared"
    out = ok(bundle.run(["cat", "/proc/self/mountinfo"]))
    root = [l for l in out.splitlines() if l.split()[4] == "/"][0]
    assert "shared:" in root, root


def test_bind_mounts_file_dir_ro_and_data(bundle, tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "hello").write_text("from host\n")
    f = tmp_path / "file"
    f.write_text("a file\n")
    bundle.config["mounts"] += [
        {"destination": "/data", "type": "bind", "source": str(d), "options": ["rbind", "ro"]},
        {"destination": "/etc/one/two/file", "type": "bind", "source": str(f), "options": ["bind"]},
        {"destination": "/rw", "type": "bind", "source": str(d), "options": ["bind", "rw"]},
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
         "options": ["size=1m", "mode=0710", "noexec", "nosuid"]},
    ]
    out = ok(bundle.run(["sh", "-c",
                         "cat /data/hello /etc/one/two/file; touch /data/x 2>&1; touch /rw/y && "
                         "echo rw-ok; stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo"]))
    assert "from host" in out and "a file" in out
    assert "Read-only file system" in out
    assert "rw-ok" in out and (d / "y").exists()
    assert "\n710\n" in out
    line = out.strip().splitlines()[-1]
    assert "noexec" in line and "nosuid" in line and "size=1024k" in line, line


def test_relative_bind_source(bundle):
    os.mkdir(os.path.join(bundle.dir, "shared"))
    with open(os.path.join(bundle.dir, "shared", "f"), "w") as f:
        f.write("rel\n")
    bundle.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": "shared",
                                    "options": ["bind"]})
    assert ok(bundle.run(["cat", "/mnt/f"])).strip() == "rel"


def test_bad_mount_destination(bundle):
    bundle.config["mounts"].append({"destination": "relative/path", "type": "tmpfs",
                                    "source": "tmpfs"})
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "mounts[7]" in r.stderr and "destination" in r.stderr, r.stderr


def test_missing_bind_source(bundle):
    bundle.config["mounts"].append({"destination": "/x", "type": "bind", "source": "/nonexistent-x",
                                    "options": ["bind"]})
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "nonexistent-x" in r.stderr, r.stderr


def test_dev_default_devices(bundle):
    out = ok(bundle.run(["sh", "-c", "for d in null zero full random urandom tty; do "
                                     "stat -c '%n %F %t:%T %a' /dev/$d; done; for l in ptmx fd stdin stdout "
                                     "stderr; do readlink /dev/$l; done; ls -d /dev/pts /dev/shm"]))
    expect = {"null": "1:3", "zero": "1:5", "full": "1:7", "random": "1:8", "urandom": "1:9",
              "tty": "5:0"}
    for name, mm in expect.items():
        line = [l for l in out.splitlines() if l.startswith("/dev/%s " % name)][0]
        maj, mi = mm.split(":")
        assert "character special file %x:%x 666" % (int(maj), int(mi)) in line, line
    assert "pts/ptmx" in out and "/proc/self/fd" in out and "/proc/self/fd/0" in out


def test_linux_devices(bundle):
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600,
         "uid": 0, "gid": 0}]
    bundle.config["linux"]["resources"]["devices"].append(
        {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"})
    out = ok(bundle.run(["sh", "-c", "stat -c '%F %t:%T %a' /dev/mynull; echo x > /dev/mynull && echo w"]))
    assert "character special file 1:3 600" in out and "w" in out.split()


# ---- process ----

def test_hostname_domainname(bundle):
    bundle.config["hostname"] = "box1"
    bundle.config["domainname"] = "example.org"
    out = ok(bundle.run(["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"]))
    assert out.split() == ["box1", "example.org"]


def test_hostname_needs_uts_namespace(bundle):
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                            if n["type"] != "uts"]
    r = bundle.run(["true"])
    assert r.returncode != 0 and "hostname" in r.stderr, r.stderr


def test_env_cwd_created_and_args_via_path(bundle):
    bundle.config["process"]["env"] = ["PATH=/bin", "FOO=bar baz", "HOME=/root"]
    bundle.config["process"]["cwd"] = "/work/dir"
    bundle.config["root"]["readonly"] = False
    out = ok(bundle.run(["sh", "-c", 'echo "$FOO"; pwd; echo $HOME; env | sort']))
    lines = out.splitlines()
    assert lines[0] == "bar baz" and lines[1] == "/work/dir" and lines[2] == "/root"


def test_home_from_passwd(bundle):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    out = ok(bundle.run(["sh", "-c", "echo $HOME"]))
    assert out.strip() == "/home/user"


def test_executable_not_found_fails_create(bundle):
    r = bundle.run(["no-such-program"])
    assert r.returncode != 0
    assert 'no-such-program' in r.stderr and "not found in $PATH" in r.stderr, r.stderr


def test_user_groups_umask(bundle):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 100, "additionalGids": [5, 65534],
                                        "umask": 0o027}
    out = ok(bundle.run(["cat", "/proc/self/status"]))
    assert status_field(out, "Uid").split() == ["1000"] * 4
    assert status_field(out, "Gid").split() == ["100"] * 4
    assert sorted(status_field(out, "Groups").split()) == ["5", "65534"]
    assert status_field(out, "Umask") == "0027"


def test_rlimits_and_oom_score_adj(bundle):
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
    bundle.config["process"]["oomScoreAdj"] = 321
    out = ok(bundle.run(["sh", "-c", "ulimit -Sn; ulimit -Hn; ulimit -c; cat /proc/self/oom_score_adj"]))
    assert out.split() == ["512", "1024", "0", "321"]


def test_rlimit_above_hard_limit_is_explained(bundle):
    with open("/proc/self/limits") as f:
        hard = [l for l in f if l.startswith("Max open files")][0].split()[4]
    if hard == "unlimited":
        pytest.skip("no hard RLIMIT_NOFILE on this host")
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": int(hard) + 1, "hard": int(hard) + 1}]
    r = bundle.run(["true"])
    if r.returncode == 0:
        pytest.skip("skiff may raise the limit here (CAP_SYS_RESOURCE held)")
    assert "RLIMIT_NOFILE" in r.stderr and "CAP_SYS_RESOURCE" in r.stderr, r.stderr


def test_no_new_privileges(bundle):
    assert status_field(ok(bundle.run(["cat", "/proc/self/status"])), "NoNewPrivs") == "1"
    bundle.config["process"]["noNewPrivileges"] = False
    assert status_field(ok(bundle.run(["cat", "/proc/self/status"])), "NoNewPrivs") == "0"


def test_capability_sets(bundle):
    bundle.config["process"]["capabilities"] = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
        "effective": ["CAP_CHOWN", "CAP_KILL"],
        "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
        "inheritable": ["CAP_NET_RAW"],
        "ambient": ["CAP_NET_RAW"],
    }
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    out = ok(bundle.run(["cat", "/proc/self/status"]))
    assert status_field(out, "CapBnd") == capmask(["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW",
                                                    "CAP_SETUID"])
    assert status_field(out, "CapInh") == capmask(["CAP_NET_RAW"])
    # after execve as a non-root user: permitted and effective are the ambient set
    assert status_field(out, "CapAmb") == capmask(["CAP_NET_RAW"])
    assert status_field(out, "CapPrm") == capmask(["CAP_NET_RAW"])
    assert status_field(out, "CapEff") == capmask(["CAP_NET_RAW"])


def test_capabilities_root(bundle):
    out = ok(bundle.run(["cat", "/proc/self/status"]))
    default = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    for f in ("CapBnd", "CapEff", "CapPrm"):
        assert status_field(out, f) == capmask(default), f
    assert status_field(out, "CapInh") == capmask([])


def test_unknown_capability(bundle):
    bundle.config["process"]["capabilities"]["bounding"].append("CAP_FOO")
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert 'process.capabilities.bounding[3]' in r.stderr and "CAP_FOO" in r.stderr, r.stderr


def test_personality(bundle):
    bundle.config["linux"]["personality"] = {"domain": "LINUX32"}
    out = ok(bundle.run(["uname", "-m"]))
    assert out.strip() in ("i686", "i386"), out


def test_sysctl(bundle):
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"}
    out = ok(bundle.run(["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/msgmax"]))
    assert out.split() == ["1", "4096"]


def test_sysctl_not_namespaced_refused(bundle):
    bundle.config["linux"]["sysctl"] = {"vm.swappiness": "10"}
    r = bundle.run(["true"])
    assert r.returncode != 0 and "vm.swappiness" in r.stderr, r.stderr


# ---- fds, pid file, run ----

def test_only_stdio_reaches_the_process(bundle, tmp_path):
    # an fd the caller left open without CLOEXEC must not reach the container either
    bundle.config["process"]["args"] = ["ls", "/proc/self/fd"]
    bundle.write_config()
    r = subprocess.run(["sh", "-c", 'exec 7>"$0"; exec "$@"', str(tmp_path / "leak"),
                        conftest.SKIFF, "--root", bundle.root, "--log", str(tmp_path / "log"),
                        "run", "--bundle", bundle.dir, bundle.new_id()],
                       capture_output=True, text=True, timeout=60)
    # ls holds one fd for the directory it lists
    assert r.returncode == 0, r.stderr
    fds = sorted(int(x) for x in r.stdout.split())
    assert fds == [0, 1, 2, 3], fds


def test_pid_file_is_the_init(bundle, tmp_path):
    pidfile = tmp_path / "pid"
    cid = bundle.create(["sleep", "60"], extra=["--pid-file", str(pidfile)])
    try:
        pid = int(pidfile.read_text())
        assert pid == bundle.state(cid)["pid"]
        with open("/proc/%d/status" % pid) as f:
            assert status_field(f.read(), "NSpid").split()[-1] == "1"
    finally:
        bundle.delete(cid)


def test_user_process_does_not_run_before_start(bundle):
    marker = os.path.join(bundle.rootfs, "started")
    bundle.config["root"]["readonly"] = False
    cid = bundle.create(["touch", "/started"])
    try:
        time.sleep(0.3)
        assert not os.path.exists(marker)
        assert bundle.state(cid)["status"] == "created"
        bundle.skiff("start", cid, check=True)
        assert wait_for(lambda: os.path.exists(marker))
        assert wait_for(lambda: bundle.state(cid)["status"] == "stopped")
    finally:
        bundle.delete(cid)


def test_start_twice_refused(bundle):
    cid = bundle.create(["sleep", "60"])
    try:
        bundle.skiff("start", cid, check=True)
        r = bundle.skiff("start", cid)
        assert r.returncode != 0 and "running" in r.stderr, r.stderr
    finally:
        bundle.delete(cid)


def test_kill_stopped_refused(bundle):
    cid = bundle.create(["true"])
    bundle.skiff("start", cid, check=True)
    assert wait_for(lambda: bundle.state(cid)["status"] == "stopped")
    r = bundle.skiff("kill", cid, "KILL")
    assert r.returncode != 0 and "stopped" in r.stderr, r.stderr
    bundle.delete(cid, force=False)


def test_run_forwards_signals(bundle):
    bundle.config["process"]["args"] = ["sh", "-c", "trap 'echo got-term; exit 7' TERM; "
                                                    "echo ready; while :; do sleep 0.05; done"]
    bundle.write_config()
    cid = bundle.new_id()
    p = subprocess.Popen([conftest.SKIFF, "--root", bundle.root, "run", "--bundle", bundle.dir, cid],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        assert "got-term" in out, err
        assert p.returncode == 7
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_run_exit_by_signal(bundle):
    """A container killed by a signal: `run` exits with 128+N."""
    bundle.config["process"]["args"] = ["sleep", "60"]
    bundle.write_config()
    cid = bundle.new_id()
    p = subprocess.Popen([conftest.SKIFF, "--root", bundle.root, "run", "--bundle", bundle.dir, cid],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: bundle.skiff("state", cid).returncode == 0 and
                        bundle.state(cid)["status"] == "running")
        bundle.skiff("kill", cid, "KILL", check=True)
        assert p.wait(30) == 128 + 9
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_run_foreground_terminal(bundle):
    """terminal: true without a console socket: skiff allocates the pty and proxies it."""
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["consoleSize"] = {"height": 33, "width": 101}
    bundle.config["process"]["args"] = ["sh", "-c", "tty; stty size; test -t 0 && echo isatty"]
    bundle.write_config()
    cid = bundle.new_id()
    status, out = conftest.run_on_pty(
        [conftest.SKIFF, "--root", bundle.root, "run", "--bundle", bundle.dir, cid])
    text = out.decode(errors="replace")
    assert status == 0, text
    assert "/dev/pts/" in text or "/dev/console" in text, text
    assert "isatty" in text, text


def test_console_socket(bundle, tmp_path):
    sockpath = str(tmp_path / "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sockpath)
    srv.listen(1)
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["consoleSize"] = {"height": 20, "width": 77}
    cid = bundle.create(["sh", "-c", "stty size; echo tty=$(tty); read x; echo got=$x"],
                        extra=["--console-socket", sockpath])
    try:
        srv.settimeout(10)
        conn, _ = srv.accept()
        msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
        assert len(fds) == 1
        master = fds[0]
        bundle.skiff("start", cid, check=True)
        os.write(master, b"hello\n")
        out = b""
        end = time.time() + 20
        while b"got=hello" not in out and time.time() < end:
            try:
                out += os.read(master, 4096)
            except OSError:
                break
        text = out.decode(errors="replace")
        assert "20 77" in text and "got=hello" in text, text
        assert "tty=/dev/" in text, text
        os.close(master)
        conn.close()
    finally:
        srv.close()
        bundle.delete(cid)


# ---- errors leave nothing behind ----

@pytest.mark.parametrize("content,message", [
    ("{", "config.json"),
    ('{"ociVersion": 1}', "ociVersion"),
    ('{"ociVersion": "2.0.0", "root": {"path": "rootfs"}}', "ociVersion"),
    ('{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": "sh", "cwd": "/"}}',
     "process.args"),
    ('{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "mounts": [{"type": "tmpfs"}]}',
     "mounts[0]"),
])
def test_bad_config_refused(bundle, content, message):
    with open(os.path.join(bundle.dir, "config.json"), "w") as f:
        f.write(content)
    cid = bundle.new_id()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(bundle.root, cid))


def test_unknown_fields_ignored(bundle):
    bundle.config["someFutureField"] = {"x": [1, 2]}
    bundle.config["process"]["futureKnob"] = True
    bundle.config["annotations"] = {"org.example/x": "y"}
    ok(bundle.run(["true"]))


def test_failing_create_leaves_nothing(bundle):
    """A create that fails late (in the init, after namespaces, cgroups and mounts exist)."""
    bundle.config["mounts"].append({"destination": "/x", "type": "nonexistentfs",
                                    "source": "none"})
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0 and "/x" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(bundle.root, cid))
    # the fixture checks cgroups, mounts and processes


def test_fault_create_killed_at_random_points(bundle):
    """SIGKILL `skiff create` at random moments; `delete --force` must leave no trace."""
    bundle.config["process"]["args"] = ["sleep", "60"]
    bundle.write_config()
    rnd = random.Random(1234)
    for i in range(12):
        cid = bundle.new_id()
        p = subprocess.Popen([conftest.SKIFF, "--root", bundle.root, "create", "--bundle",
                              bundle.dir, cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0, 0.03))
        p.kill()
        p.wait()
        r = bundle.skiff("delete", "--force", cid)
        assert r.returncode == 0 or "does not exist" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(bundle.root, cid)), i


# ---- signal state ----

def _dirty_signals():
    """What nohup or a shell's `trap '' INT` leaves behind, plus a blocked signal."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})


def _signal_masks(status):
    return {k: int(v, 16) for k, v in re.findall(r"^(SigIgn|SigBlk):\s+([0-9a-f]+)$", status, re.M)}


def test_container_starts_with_clean_signal_state(bundle):
    """Signals ignored or blocked by whoever started skiff do not reach the container: ignored
    dispositions survive execve, so a container run from nohup could never receive SIGHUP."""
    clean = {"SigIgn": 0, "SigBlk": 0}
    r = bundle.run(["cat", "/proc/self/status"], preexec_fn=_dirty_signals)
    assert r.returncode == 0, r.stderr
    assert _signal_masks(r.stdout) == clean, r.stdout
    bundle.config["process"]["args"] = ["sleep", "60"]
    bundle.write_config()
    cid = bundle.new_id()
    bundle.skiff("create", "--bundle", bundle.dir, cid, check=True, preexec_fn=_dirty_signals)
    bundle.skiff("start", cid, check=True, preexec_fn=_dirty_signals)
    with open("/proc/%d/status" % bundle.state(cid)["pid"]) as f:
        assert _signal_masks(f.read()) == clean
    r = bundle.skiff("exec", cid, "cat", "/proc/self/status", preexec_fn=_dirty_signals)
    assert r.returncode == 0, r.stderr
    assert _signal_masks(r.stdout) == clean, r.stdout
    bundle.delete(cid)
